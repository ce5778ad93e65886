"""Serve recorded HTTP traffic to the real client libraries, through their own session.

Cassettes use betamax's format (the one praw's own test suite records), so recordings of
X, Reddit, feeds and forums are all replayed the same way: the platform library runs
unmodified, only the transport under its `requests` session answers from disk. The demo
runs on the bundled sample this way; it is never used against a live platform.

A conditional GET is answered like a server would: when the request's `If-None-Match`
matches the recorded `ETag`, the reply is `304 Not Modified` with no body.

Requests match on method and URL. A cassette may list query parameters that depend on
when it is replayed (`"match_ignore_params": ["start_time", "end_time"]` for a search
bounded by the run's data interval): those are left out of the match, so the demo can
replay an X search recorded last week for this hour's interval.
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import requests
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict


def request_key(method: str, url: str, ignored: set[str]) -> tuple[str, str]:
    """What a request is matched on: method and URL, query sorted, volatile params left out."""
    parts = urlsplit(url)
    query = sorted((k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
                   if k not in ignored)
    return method.upper(), urlunsplit(parts._replace(query=urlencode(query)))


def read_cassettes(files: list[Path], *, path_only: bool = False
                   ) -> tuple[dict[tuple[str, str], list[dict]], set[str]]:
    """Recorded interactions by request key, in recorded order, and the ignored params.
    `path_only` keys them without scheme and host, for a server that sees only paths."""
    recorded: dict[tuple[str, str], list[dict]] = defaultdict(list)
    ignored: set[str] = set()
    cassettes = [json.loads(file.read_text(encoding="utf-8")) for file in files]
    for cassette in cassettes:
        ignored.update(cassette.get("match_ignore_params", []))
    for cassette in cassettes:
        for interaction in cassette["interactions"]:
            uri = interaction["request"]["uri"]
            if path_only:
                uri = urlunsplit(urlsplit(uri)._replace(scheme="", netloc=""))
            recorded[request_key(interaction["request"]["method"], uri, ignored)].append(
                interaction)
    return recorded, ignored


class ReplayAdapter(BaseAdapter):
    def __init__(self, cassette_dir: Path):
        super().__init__()
        self.cassette_dir = Path(cassette_dir)
        files = sorted(self.cassette_dir.glob("*.json"))
        if not files:
            raise FileNotFoundError(f"no cassettes (*.json) in {self.cassette_dir}")
        self._recorded, self._ignored = read_cassettes(files)
        self._served: dict[tuple[str, str], int] = defaultdict(int)

    def send(self, request, **kwargs):
        key = request_key(request.method, request.url, self._ignored)
        recorded = self._recorded.get(key)
        if not recorded:
            raise requests.ConnectionError(
                f"replay: no recorded response for {key[0]} {key[1]} in {self.cassette_dir}",
                request=request)
        # Repeated calls walk the recording in order (429 then 200); the last one repeats.
        index = min(self._served[key], len(recorded) - 1)
        self._served[key] += 1
        return self._response(request, recorded[index]["response"])

    def _response(self, request, recorded: dict) -> requests.Response:
        response = requests.Response()
        response.status_code = recorded["status"]["code"]
        response.reason = recorded["status"].get("message", "")
        response.headers = CaseInsensitiveDict(
            {name: ", ".join(values) if isinstance(values, list) else values
             for name, values in recorded["headers"].items()})
        body = recorded["body"]
        response._content = (body.get("string") or "").encode(body.get("encoding") or "utf-8")
        etag = response.headers.get("ETag")
        if response.status_code == 200 and etag and request.headers.get("If-None-Match") == etag:
            response.status_code, response.reason, response._content = 304, "Not Modified", b""
        response.url = request.url
        response.request = request
        response.encoding = None
        return response

    def close(self):
        """Nothing to release: recordings are in memory."""
