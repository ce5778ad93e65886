"""Shared fixtures: a real HTTP server on loopback, and settings that write into tmp_path."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from carewire.settings import SAMPLE_CONFIG, HttpSettings, load_settings


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)


class LoopbackServer:
    """Serves scripted replies per path, in order (the last one repeats), and records requests.

    A reply with an ETag or Last-Modified header is also answered like a real server would
    answer a conditional GET: 304 when the client already has that version.
    """

    def __init__(self):
        self.routes: dict[str, list[Reply]] = {}
        self.requests: list[tuple[str, dict[str, str]]] = []
        self._served: dict[str, int] = {}
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 (http.server's naming)
                server.requests.append((self.path, dict(self.headers)))
                replies = server.routes.get(self.path)
                if not replies:
                    self.send_error(404)
                    return
                index = min(server._served.get(self.path, 0), len(replies) - 1)
                server._served[self.path] = index + 1
                reply = replies[index]
                status, body = reply.status, reply.body
                etag, modified = reply.headers.get("ETag"), reply.headers.get("Last-Modified")
                if status == 200 and (
                        (etag and self.headers.get("If-None-Match") == etag) or
                        (modified and self.headers.get("If-Modified-Since") == modified)):
                    status, body = 304, b""
                self.send_response(status)
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                """Quiet: the test asserts on `requests` instead."""

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.05,),
                                       daemon=True)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.httpd.server_port}{path}"

    def route(self, path: str, *replies: Reply) -> str:
        self.routes[path] = list(replies)
        self._served[path] = 0
        return self.url(path)

    def hits(self, path: str) -> list[dict[str, str]]:
        return [headers for p, headers in self.requests if p == path]


@pytest.fixture
def server():
    loopback = LoopbackServer()
    loopback.thread.start()
    yield loopback
    loopback.httpd.shutdown()
    loopback.httpd.server_close()


@pytest.fixture
def fast_http() -> HttpSettings:
    """The production retry policy with short waits, so retry tests take milliseconds."""
    return HttpSettings(timeout_s=5, max_retries=3, backoff_s=0.01, max_backoff_s=0.05)


@pytest.fixture
def sample_settings(tmp_path: Path, monkeypatch):
    """The bundled example config (replaying the sample cassettes), data under tmp_path."""
    monkeypatch.setenv("CAREWIRE_DATA_DIR", str(tmp_path / "data"))
    return load_settings(SAMPLE_CONFIG)
