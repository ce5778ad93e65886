"""Serve recorded HTTP traffic to the real client libraries, through their own session.

Cassettes use betamax's format (the one praw's own test suite records), so recordings of
X, Reddit, feeds and forums are all replayed the same way: the platform library runs
unmodified, only the transport under its `requests` session answers from disk. The demo
runs on the bundled sample this way; it is never used against a live platform.

A conditional GET is answered like a server would: when the request's `If-None-Match`
matches the recorded `ETag`, the reply is `304 Not Modified` with no body.
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

import requests
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict


class ReplayAdapter(BaseAdapter):
    def __init__(self, cassette_dir: Path):
        super().__init__()
        self.cassette_dir = Path(cassette_dir)
        files = sorted(self.cassette_dir.glob("*.json"))
        if not files:
            raise FileNotFoundError(f"no cassettes (*.json) in {self.cassette_dir}")
        self._recorded: dict[tuple[str, str], list[dict]] = defaultdict(list)
        for file in files:
            for interaction in json.loads(file.read_text(encoding="utf-8"))["interactions"]:
                request = interaction["request"]
                self._recorded[(request["method"].upper(), request["uri"])].append(interaction)
        self._served: dict[tuple[str, str], int] = defaultdict(int)

    def send(self, request, **kwargs):
        key = (request.method.upper(), request.url)
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
