"""How fast each connector ingests, against a real HTTP server on loopback.

The bundled sample cassettes are served over loopback HTTP (not through the replay
adapter), and every configured stream of each platform is fetched the way a DAG task
does: real client library, production transport and retry policy, parse, landing batch
and cursor written. In the same run, a baseline fetches the same URLs with bare
`requests` and does nothing else: the ceiling this machine's loopback HTTP allows.

Printed per platform: HTTP requests per 1,000 mentions, mentions per second through the
connector, the baseline's time for the same requests, and the ratio. Timings vary with
the machine; the ratio is what to compare between commits.

    make bench            # or: .venv/bin/python -m benchmarks.connectors
"""

from __future__ import annotations

import os
import platform
import statistics
import tempfile
import threading
import time
from collections import defaultdict
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import requests

from carewire import pipeline
from carewire.settings import SAMPLE_CONFIG, load_settings
from connectors import CONNECTORS
from connectors.base import Interval
from connectors.replay import read_cassettes, request_key
from tests.conftest import LoopbackAdapter

CASSETTES = SAMPLE_CONFIG.parent / "cassettes"
INTERVAL = Interval(datetime(2026, 11, 24, 7, tzinfo=timezone.utc),
                    datetime(2026, 11, 24, 8, tzinfo=timezone.utc))
REPEATS = 5


class CassetteServer:
    """Serves recorded interactions over HTTP, matched like connectors/replay.py matches
    them (method, path, query without the cassette's volatile parameters)."""

    def __init__(self, cassette_files: list[Path]):
        self.recorded, self.ignored = read_cassettes(cassette_files, path_only=True)
        self.served: dict[tuple, int] = defaultdict(int)
        self.requests: list[tuple[str, str]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # else small writes wait on delayed ACKs

            def do_GET(self):  # noqa: N802
                if self.command == "POST":
                    self.rfile.read(int(self.headers.get("Content-Length") or 0))
                server.requests.append((self.command, self.path))
                key = request_key(self.command, self.path, server.ignored)
                replies = server.recorded.get(key)
                if not replies:
                    self.send_error(404)
                    return
                reply = replies[min(server.served[key], len(replies) - 1)]["response"]
                server.served[key] += 1
                body = (reply["body"].get("string") or "").encode("utf-8")
                self.send_response(reply["status"]["code"])
                for name, values in reply["headers"].items():
                    if name.lower() not in ("content-length", "transfer-encoding",
                                            "content-encoding", "connection"):
                        for value in values if isinstance(values, list) else [values]:
                            self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_POST = do_GET  # noqa: N815

            def log_message(self, *args):
                """Quiet."""

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_port}"

    def rewind(self) -> None:
        self.served.clear()
        self.requests = []


def _connector_run(settings, source: str, server: CassetteServer, data_dir: Path
                   ) -> tuple[float, list[tuple[str, str]], int]:
    """Ingest every stream of `source` once, as a DAG task would, into an empty landing
    zone (a first run: no cursor, no cached author profiles); (seconds, the requests the
    server received, mentions)."""
    from connectors import http

    make_session = http.make_session

    def loopback_session(http_settings):
        session = make_session(http_settings)
        adapter = LoopbackAdapter(server.url, session.get_adapter("https://").max_retries)
        session.mount("https://", adapter)
        session.mount("http://", adapter)
        return session

    settings = settings.model_copy(update={"data_dir": data_dir})
    streams = pipeline.configured_streams(settings)[source]
    # the recordings carry placeholder tokens, as in replay mode
    credentials = {s.conn_id: pipeline.REPLAY_CREDENTIALS for s in streams if s.conn_id}
    server.rewind()
    mentions = 0
    http.make_session = loopback_session  # the benchmark's only change: where requests go
    try:
        start = time.perf_counter()
        for stream in streams:
            summary = pipeline.ingest_stream(settings, source, stream.name, INTERVAL,
                                             credentials)
            mentions += summary.get("entries", 0)
        elapsed = time.perf_counter() - start
    finally:
        http.make_session = make_session
    return elapsed, list(server.requests), mentions


def _baseline_run(sent: list[tuple[str, str]], server: CassetteServer) -> float:
    """The requests the connector sent, again, with bare `requests`; bodies read, no parse."""
    server.rewind()
    session = requests.Session()
    start = time.perf_counter()
    for method, path in sent:
        session.request(method, f"{server.url}{path}").content
    return time.perf_counter() - start


HEADER = (f"{'source':8} {'requests':>8} {'mentions':>8} {'req/1k mentions':>16} "
          f"{'mentions/s':>11} {'baseline s':>11} {'connector s':>12} {'ratio':>6}")


def row(source: str, requests_sent: int, mentions: int, seconds: float, baseline: float) -> str:
    """One line of the table both benchmarks print."""
    return (f"{source:8} {requests_sent:>8} {mentions:>8} "
            f"{1000 * requests_sent / max(mentions, 1):>16.1f} {mentions / seconds:>11.0f} "
            f"{baseline:>11.4f} {seconds:>12.4f} {seconds / baseline:>6.1f}")


def main() -> None:
    print(f"machine: {platform.node()} {platform.machine()}, {os.cpu_count()} cores, "
          f"Python {platform.python_version()}, {platform.platform()}")
    print(f"each figure: median of {REPEATS} runs over the bundled sample traffic\n")
    print(HEADER)
    settings = load_settings(SAMPLE_CONFIG)
    settings.http.replay_dir = None  # the loopback server answers instead
    with tempfile.TemporaryDirectory() as scratch:
        for source in sorted(CONNECTORS):
            cassette = CASSETTES / f"{source}.json"
            if not cassette.exists() or source not in pipeline.configured_streams(settings):
                continue
            server = CassetteServer([cassette])
            runs = [_connector_run(settings, source, server, Path(scratch) / f"{source}-{n}")
                    for n in range(REPEATS)]
            seconds = statistics.median(r[0] for r in runs)
            _, sent, mentions = runs[-1]
            baseline = statistics.median(_baseline_run(sent, server) for _ in range(REPEATS))
            print(row(source, len(sent), mentions, seconds, baseline))
            server.httpd.shutdown()

if __name__ == "__main__":
    main()
