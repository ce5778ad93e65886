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
import time
from collections import defaultdict
from datetime import datetime, timezone
from pathlib import Path

import requests

from carewire.app import pipeline
from carewire.core.settings import SAMPLE_CONFIG, load_settings
from carewire.connectors import CONNECTORS, configured_streams
from carewire.core.types import Interval
from carewire.connectors.replay import read_cassettes, request_key
from tests.conftest import LoopbackAdapter, LoopbackServer, Reply

CASSETTES = SAMPLE_CONFIG.parent / "cassettes"
INTERVAL = Interval(datetime(2026, 11, 24, 7, tzinfo=timezone.utc),
                    datetime(2026, 11, 24, 8, tzinfo=timezone.utc))
REPEATS = 5


class CassetteServer(LoopbackServer):
    """The tests' loopback server, answering from recorded interactions matched the way
    connectors/replay.py matches them (method, path, query without volatile parameters)."""

    HOP_BY_HOP = ("content-length", "transfer-encoding", "content-encoding", "connection")

    def __init__(self, cassette_files: list[Path]):
        super().__init__()
        self.recorded, self.ignored = read_cassettes(cassette_files, path_only=True)
        self.served: dict[tuple, int] = defaultdict(int)
        self.thread.start()

    def reply_for(self, method: str, path: str) -> Reply | None:
        key = request_key(method, path, self.ignored)
        replies = self.recorded.get(key)
        if not replies:
            return None
        recorded = replies[min(self.served[key], len(replies) - 1)]["response"]
        self.served[key] += 1
        headers = {name: ", ".join(values) if isinstance(values, list) else values
                   for name, values in recorded["headers"].items()
                   if name.lower() not in self.HOP_BY_HOP}
        return Reply(recorded["status"]["code"],
                     (recorded["body"].get("string") or "").encode("utf-8"), headers)

    def rewind(self) -> None:
        self.served.clear()
        self.requests.clear()


def _connector_run(settings, source: str, server: CassetteServer, data_dir: Path
                   ) -> tuple[float, list[tuple[str, dict]], int]:
    """Ingest every stream of `source` once, as a DAG task would, into an empty landing
    zone (a first run: no cursor, no cached author profiles); (seconds, the requests the
    server received, mentions)."""
    from carewire.connectors import http

    make_session = http.make_session

    def loopback_session(http_settings):
        session = make_session(http_settings)
        adapter = LoopbackAdapter(server.url(""), session.get_adapter("https://").max_retries)
        session.mount("https://", adapter)
        session.mount("http://", adapter)
        return session

    settings = settings.model_copy(update={"data_dir": data_dir})
    streams = configured_streams(settings)[source]
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


def baseline(sent: list[tuple[str, dict]], server: LoopbackServer) -> float:
    """The baseline: the requests the connector sent (as the server recorded them), again,
    with bare `requests`; bodies read, nothing parsed or written. Seconds."""
    session = requests.Session()
    start = time.perf_counter()
    for path, headers in sent:
        method = "POST" if "_body" in headers else "GET"
        session.request(method, server.url(path), data=headers.get("_body")).content
    return time.perf_counter() - start


def _baseline_run(sent: list[tuple[str, dict]], server: CassetteServer) -> float:
    server.rewind()
    return baseline(sent, server)


VECTOR_FLAGS = ("avx2", "avx512f", "avx512_vnni", "avx_vnni", "amx_int8")
"""CPU features that decide how fast the int8 encoder runs: with VNNI, int8 products take
one instruction; on AVX2 alone the int8 encoder's lead over fp32 torch is much smaller."""


def machine() -> str:
    """The line every benchmark starts with: figures only compare on the same machine."""
    cpuinfo = Path("/proc/cpuinfo")
    lines = cpuinfo.read_text().splitlines() if cpuinfo.exists() else []
    cpu = next((line.split(":", 1)[1].strip() for line in lines
                if line.startswith("model name")), platform.processor())
    flags = next((set(line.split(":", 1)[1].split()) for line in lines
                  if line.startswith("flags")), set())
    vector = " ".join(flag for flag in VECTOR_FLAGS if flag in flags) or "unknown"
    return (f"machine: {platform.node()}, {cpu} ({vector}), {os.cpu_count()} cores, Python "
            f"{platform.python_version()}, {platform.platform()}")


HEADER = (f"{'source':8} {'requests':>8} {'mentions':>8} {'req/1k mentions':>16} "
          f"{'mentions/s':>11} {'baseline s':>11} {'connector s':>12} {'ratio':>6}")


def row(source: str, requests_sent: int, mentions: int, seconds: float, baseline: float) -> str:
    """One line of the table both benchmarks print."""
    return (f"{source:8} {requests_sent:>8} {mentions:>8} "
            f"{1000 * requests_sent / max(mentions, 1):>16.1f} {mentions / seconds:>11.0f} "
            f"{baseline:>11.4f} {seconds:>12.4f} {seconds / baseline:>6.1f}")


def main() -> None:
    print(machine())
    print(f"each figure: median of {REPEATS} runs over the bundled sample traffic\n")
    print(HEADER)
    settings = load_settings(SAMPLE_CONFIG)
    settings.http.replay_dir = None  # the loopback server answers instead
    with tempfile.TemporaryDirectory() as scratch:
        for source in sorted(CONNECTORS):
            cassette = CASSETTES / f"{source}.json"
            if not cassette.exists() or source not in configured_streams(settings):
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
