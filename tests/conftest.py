"""Shared fixtures: a real HTTP server on loopback, settings that write into tmp_path, a
demo run's data, and desk stores on SQLite and the local PostgreSQL."""

from __future__ import annotations

import functools
from contextlib import contextmanager
import os
import uuid
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Iterator
from urllib.parse import urlsplit, urlunsplit

import pytest
import requests
import sqlalchemy as sa
from requests.adapters import HTTPAdapter

from carewire.core.settings import SAMPLE_CONFIG, HttpSettings, load_settings
from tests.discourse_server import DiscourseServer


def pytest_addoption(parser):
    parser.addoption(
        "--clock-ahead", type=int, default=0, metavar="DAYS",
        help="run the whole suite with the wall clock moved DAYS ahead (time-machine), so a "
             "test that compares real time with a fixed date fails the day it is written")


def pytest_configure(config):
    """Give the session one empty cache of exported encoders, so the int8 encoder is
    exported once per run (as on CI's clean clone), by whichever test (or subprocess: the
    variable is inherited) needs it first, and never read from or written to the user's.

    Move this process's wall clock ahead for the whole session when asked. Every
    `datetime.now()`, `time.time()` and `date.today()` in carewire and the libraries it
    calls moves; monotonic clocks, subprocesses and database servers keep real time."""
    import tempfile

    config._carewire_encoders = tempfile.mkdtemp(prefix="carewire-encoders-")
    os.environ["CAREWIRE_ENCODER_CACHE"] = config._carewire_encoders
    days = config.getoption("--clock-ahead")
    if days:
        import time_machine

        ahead = datetime.now(timezone.utc) + timedelta(days=days)
        config._carewire_clock = time_machine.travel(ahead, tick=True)
        config._carewire_clock.start()


def pytest_unconfigure(config):
    import shutil

    if clock := getattr(config, "_carewire_clock", None):
        clock.stop()
    if encoders := getattr(config, "_carewire_encoders", None):
        shutil.rmtree(encoders, ignore_errors=True)


def pytest_report_header(config):
    if days := config.getoption("--clock-ahead"):
        return f"carewire: wall clock moved {days} days ahead, to {datetime.now(timezone.utc):%Y-%m-%d}"


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay_s: float = 0.0
    """Seconds the server waits before it answers, after it recorded the request: longer
    than the client's timeout, it is a platform that took a post whose answer was lost."""


class LoopbackServer:
    """Serves scripted replies per path, in order (the last one repeats), and records requests.

    A reply with an ETag or Last-Modified header is also answered like a real server would
    answer a conditional GET: 304 when the client already has that version. A route is a
    path with its query string, or a bare path that answers whatever query comes with it.
    POSTs are served the same way (their body is recorded too, as `_body`).
    """

    def __init__(self):
        self.routes: dict[str, list[Reply]] = {}
        self.requests: list[tuple[str, dict[str, str]]] = []
        self._served: dict[str, int] = {}
        self.answered: list[tuple[str, str, int]] = []
        """(method, path, status) of each scripted answer, recorded before any delay: what
        the platform did, whether or not the client heard it."""
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 (http.server's naming)
                headers = dict(self.headers)
                if self.command == "POST":
                    length = int(self.headers.get("Content-Length") or 0)
                    headers["_body"] = self.rfile.read(length).decode("utf-8", "replace")
                server.requests.append((self.path, headers))
                reply = server.reply_for(self.command, self.path)
                if reply is None:
                    self.send_error(404)
                    return
                status, body = reply.status, reply.body
                etag, modified = reply.headers.get("ETag"), reply.headers.get("Last-Modified")
                if status == 200 and (
                        (etag and self.headers.get("If-None-Match") == etag) or
                        (modified and self.headers.get("If-Modified-Since") == modified)):
                    status, body = 304, b""
                server.answered.append((self.command, self.path, status))
                if reply.delay_s:
                    time.sleep(reply.delay_s)
                try:
                    self.send_response(status)
                    for name, value in reply.headers.items():
                        self.send_header(name, value)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    if not reply.delay_s:  # only a late answer may find its client gone
                        raise

            do_POST = do_GET  # noqa: N815

            def log_message(self, *args):
                """Quiet: the test asserts on `requests` instead."""

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.05,),
                                       daemon=True)

    def start(self):
        self.thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def reply_for(self, method: str, path: str) -> Reply | None:
        """The next scripted reply for this request, or None (404)."""
        route = path if path in self.routes else path.split("?")[0]
        replies = self.routes.get(route)
        if not replies:
            return None
        index = min(self._served.get(route, 0), len(replies) - 1)
        self._served[route] = index + 1
        return replies[index]

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.httpd.server_port}{path}"

    def route(self, path: str, *replies: Reply) -> str:
        self.routes[path] = list(replies)
        self._served[path] = 0
        return self.url(path)

    def hits(self, path: str) -> list[dict[str, str]]:
        """Requests to `path`: exactly that path and query, or, for a bare path, any query."""
        return [headers for p, headers in self.requests
                if p == path or ("?" not in path and p.split("?")[0] == path)]

    def paths(self) -> list[str]:
        return [p for p, _ in self.requests]


class LoopbackAdapter(HTTPAdapter):
    """The production transport (same retry policy) with the platform's host swapped for
    the loopback server's: the client library builds its real URLs, headers and bodies;
    only where they are sent changes. Like an /etc/hosts entry, but per session."""

    def __init__(self, base_url: str, max_retries):
        super().__init__(max_retries=max_retries)
        self.target = urlsplit(base_url)

    def send(self, request, **kwargs):
        parts = urlsplit(request.url)
        request.url = urlunsplit(parts._replace(scheme=self.target.scheme,
                                                netloc=self.target.netloc))
        return super().send(request, **kwargs)


def route_to_loopback(session: requests.Session, server: LoopbackServer) -> None:
    """Send every request of `session` (made by connectors.http.make_session) to `server`."""
    adapter = LoopbackAdapter(server.url(""), session.get_adapter("https://").max_retries)
    session.mount("https://", adapter)
    session.mount("http://", adapter)


@pytest.fixture
def server():
    loopback = LoopbackServer().start()
    yield loopback
    loopback.stop()


@pytest.fixture
def discourse():
    """A Discourse on 127.0.0.1 (tests/discourse_server.py), for the routing destination and
    the forum reply channel; authenticate as `discourse.api_username` with
    `discourse.api_key`."""
    server = DiscourseServer().start()
    yield server
    server.stop()


SHARED_DATA = Path(os.environ.get("CAREWIRE_SHARED_DATA",
                                 Path(__file__).resolve().parents[2] / "shared" / "data"))


@pytest.fixture
def shared_data() -> Path:
    """The real public data beside the project (../shared/data); never copied into it."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"real data not found at {SHARED_DATA}; set CAREWIRE_SHARED_DATA to it")
    return SHARED_DATA


@pytest.fixture
def fast_http() -> HttpSettings:
    """The production retry policy with short waits, so retry tests take milliseconds."""
    return HttpSettings(timeout_s=5, max_retries=3, backoff_s=0.01, max_backoff_s=0.05)


@pytest.fixture
def sample_settings(tmp_path: Path, monkeypatch):
    """The bundled example config (replaying the sample cassettes), data under tmp_path."""
    monkeypatch.setenv("CAREWIRE_DATA_DIR", str(tmp_path / "data"))
    return load_settings(SAMPLE_CONFIG)


DEMO_NOW = datetime(2026, 11, 24, 8, 0, tzinfo=timezone.utc)
"""The demo's clock on the sample: the end of the week the sample was recorded over
(carewire/sample/agent_session.yaml), which the demo fetches for and gives every step as
its `now`, whatever moment it is run at. A fixed moment, never the wall clock: what a test
compares with it cannot drift as the calendar moves."""


DEMO_STEPS = {"load": "load_landed", "enrich": "enrich", "route": "route",
              "deliver": "deliver", "publish": "publish"}
"""The demo's steps that write the warehouse, the desk or the snapshot, in order, and the
`carewire.app.pipeline` function of each."""


@dataclass(frozen=True)
class DemoRun:
    data: Path
    """The data directory after the run (landing zone, warehouse, snapshot, desk store)."""
    before: dict[str, Path]
    """Step -> a copy of the data directory as it stood just before the step began."""
    seconds: dict[str, float]
    """Step -> how long it took in this run."""


@pytest.fixture(scope="session")
def demo_run_steps(tmp_path_factory) -> DemoRun:
    """One real demo run on the sample, with the data directory copied just before each of
    its writing steps (no connection is open between steps), so a test can start a step
    from where the demo started it (tests/faults kills them). Shared by the session: copy
    what you write to.

    The pipeline only: the recorded agent session is not played (`play_session=False`),
    so the desk is as delivery left it and tests work items from there. tests/test_cli.py
    runs the whole demo, session included."""
    import shutil
    import time

    from carewire.app import demo, pipeline

    root = tmp_path_factory.mktemp("demo")
    data, before, seconds = root / "data", {}, {}

    def staged(step, function):
        def run(*args, **kwargs):
            before[step] = root / f"before-{step}"
            shutil.copytree(data, before[step], symlinks=True)
            start = time.monotonic()
            try:
                return function(*args, **kwargs)
            finally:
                seconds[step] = time.monotonic() - start
        return run

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CAREWIRE_DATA_DIR", str(data))
        for step, name in DEMO_STEPS.items():
            patch.setattr(pipeline, name, staged(step, getattr(pipeline, name)))
        demo.run(load_settings(SAMPLE_CONFIG), DEMO_NOW, say=lambda line: None,
                 play_session=False)
    return DemoRun(data, before, seconds)


@pytest.fixture(scope="session")
def demo_data_dir(demo_run_steps: DemoRun) -> Path:
    """The data directory after one real demo run on the sample (landing zone, warehouse,
    snapshot, desk store). Shared by the session: copy it (`demo_settings`) to write."""
    return demo_run_steps.data


@pytest.fixture
def demo_settings(demo_data_dir: Path, tmp_path: Path, monkeypatch):
    """Settings on a private copy of the demo run's data directory."""
    import shutil

    data = tmp_path / "data"
    shutil.copytree(demo_data_dir, data)
    monkeypatch.setenv("CAREWIRE_DATA_DIR", str(data))
    return load_settings(SAMPLE_CONFIG)


POSTGRES_URL = os.environ.get("CAREWIRE_TEST_POSTGRES_URL",
                              "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


@functools.cache
def _postgres_missing() -> str | None:
    """Why PostgreSQL tests cannot run here, or None when they can (asked once per run)."""
    try:
        import psycopg  # noqa: F401
    except ImportError:
        return "psycopg is not installed: pip install 'psycopg[binary]'"
    engine = sa.create_engine(POSTGRES_URL, connect_args={"connect_timeout": 2})
    try:
        with engine.connect():
            return None
    except sa.exc.OperationalError as exc:
        return f"no PostgreSQL at {POSTGRES_URL} (set CAREWIRE_TEST_POSTGRES_URL): {exc.orig}"
    finally:
        engine.dispose()


def need_postgres() -> None:
    """Skip the test where PostgreSQL is missing; fail it where CAREWIRE_REQUIRE_SERVICES=1
    (CI), so a missing service never passes as a skip there."""
    if (reason := _postgres_missing()) is None:
        return
    if os.environ.get("CAREWIRE_REQUIRE_SERVICES") == "1":
        pytest.fail(f"{reason} (CAREWIRE_REQUIRE_SERVICES=1)")
    pytest.skip(reason)


@contextmanager
def fresh_database(prefix: str) -> Iterator[sa.URL]:
    """A new, empty PostgreSQL database on the server of POSTGRES_URL, named `prefix` and
    a random suffix; dropped after, with any connection still open to it."""
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield sa.make_url(POSTGRES_URL).set(database=name)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def lake_catalog(url: sa.URL) -> str:
    """The DuckLake catalog (`Lake.catalog`) in the PostgreSQL database at `url`."""
    return (f"postgres:dbname={url.database} host={url.host or '127.0.0.1'} "
            f"port={url.port or 5432} user={url.username or 'postgres'}")


@pytest.fixture
def lake(tmp_path):
    """A fresh, empty DuckLake warehouse: its catalog a new PostgreSQL database on the
    server of POSTGRES_URL, its Parquet files under tmp_path; the database is dropped
    after the test."""
    from carewire.core.types import Lake

    need_postgres()
    with fresh_database("carewire_lake") as url:
        yield Lake(lake_catalog(url), f"{tmp_path / 'lake'}/")


@pytest.fixture(params=["sqlite", "postgresql"])
def desk_url(request, tmp_path):
    """A fresh, empty store: a SQLite file, or a PostgreSQL schema of its own."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'data' / 'desk.sqlite'}"
        return
    need_postgres()
    schema = f"desk_test_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(POSTGRES_URL)
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    url = sa.make_url(POSTGRES_URL).update_query_dict({"options": f"-csearch_path={schema}"})
    yield url.render_as_string(hide_password=False)
    with admin.begin() as conn:
        conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()
