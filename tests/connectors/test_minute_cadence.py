"""Ingest at minute grain (issue 17): every run fetches one minute, the real connector
against a loopback X that answers recent search from its posts by `start_time` and
`end_time`, as X does, then the real load. Minute batches land and load without
duplicates; a minute whose run failed or ran late is fetched by the next run, and the late
run changes nothing; fetching and reloading the window again leaves the same tables. The
clock is the runs' data intervals, never the wall clock."""

from __future__ import annotations

import os
from datetime import datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest

from carewire.app import pipeline
from carewire.connectors.landing import LandingZone
from carewire.connectors.x import XConnector
from carewire.core.errors import RetriableSourceError
from carewire.core.settings import Settings, Sources, XQuery, XSource
from carewire.core.types import Credentials, Interval
from tests.conftest import LoopbackServer, Reply, route_to_loopback
from tests.connectors.x.payloads import RATE, at, page, tweet
from tests.warehouse_rows import tables

SEARCH = "/2/tweets/search/recent"
CREDS = {"carewire_x": Credentials(password="AAAA-bearer")}
POSTS = [tweet(at(24, 10, 0, 20), "kestrel mobile: no signal since this morning"),
         tweet(at(24, 10, 1, 30), "@KestrelMobile my esim will not activate", author="1002"),
         tweet(at(24, 10, 2, 40), "kestrel mobile charged me twice", author="1003")]


def minute(n: int) -> Interval:
    """The n-th one-minute interval from 10:00 (a '* * * * *' cadence)."""
    return Interval(at(24, 10) + timedelta(minutes=n), at(24, 10) + timedelta(minutes=n + 1))


class LiveSearch(LoopbackServer):
    """X recent search over `POSTS`: the posts created in [start_time, end_time], newest
    first; 503 to every request while `down`."""

    down = False

    def reply_for(self, method: str, path: str) -> Reply | None:
        if urlsplit(path).path != SEARCH:
            return None
        if self.down:
            return Reply(503, b'{"title":"Service Unavailable","status":503}')
        query = {k: v[0] for k, v in parse_qs(urlsplit(path).query).items()}
        start, end = (datetime.fromisoformat(query[k].replace("Z", "+00:00"))
                      for k in ("start_time", "end_time"))
        found = [p for p in POSTS
                 if start <= datetime.fromisoformat(p["created_at"].replace("Z", "+00:00"))
                 <= end]
        return Reply(body=page(sorted(found, key=lambda p: p["created_at"], reverse=True)),
                     headers=RATE)


@pytest.fixture
def platform(monkeypatch):
    live = LiveSearch().start()
    original = XConnector.__init__

    def routed(self, *args, **kwargs):
        original(self, *args, **kwargs)
        route_to_loopback(self.session, live)

    monkeypatch.setattr(XConnector, "__init__", routed)
    yield live
    live.stop()


@pytest.fixture
def settings(tmp_path, fast_http):
    made = Settings(data_dir=tmp_path, http=fast_http, schedules={"x": "* * * * *"},
                    sources=Sources(x=XSource(queries=[XQuery(name="brand", query="kestrel")])))
    pipeline.migrate(made)
    return made


def fetch(settings, n: int) -> dict:
    return pipeline.ingest_stream(settings, "x", "brand", minute(n), CREDS)


def mentions(settings) -> list[tuple]:
    from carewire.warehouse.db import connect

    with connect(settings.warehouse) as con:
        return con.execute("SELECT source_id, count(*) OVER (PARTITION BY source_id) "
                           "FROM core__mentions WHERE source = 'x' ORDER BY 1").fetchall()


def contents(settings) -> list[tuple]:
    from carewire.warehouse.db import connect

    with connect(settings.warehouse) as con:
        return con.execute("SELECT source_id, text, author_id, created_at FROM core__mentions "
                           "ORDER BY 1").fetchall()


def bodies(settings) -> dict[str, list[bytes]]:
    """What the platform answered, per landed batch: its pages' bodies (their headers
    carry the server's Date, which a second fetch changes)."""
    return {batch.batch_id: [page.body for page in batch.pages()]
            for batch in LandingZone.of(settings).batches()}


def test_minute_batches_land_and_load_once_and_a_failed_minute_is_fetched_next(
        platform, settings):
    fetch(settings, 0)
    platform.down = True
    with pytest.raises(RetriableSourceError):
        fetch(settings, 1)  # 10:01-10:02 fails: nothing landed, the cursor stays at 10:01
    platform.down = False
    third = fetch(settings, 2)

    # the next run asks from the cursor (the newest post read, minus the lag), not from
    # its own interval: the failed minute's post comes with it
    assert third["start_time"] <= POSTS[1]["created_at"].replace(".000Z", "+00:00")
    landing = LandingZone.of(settings)
    assert [b.interval for b in landing.batches()] == [minute(0), minute(2)]
    assert [p.name for p in sorted((settings.landing / "x" / "brand").glob("*.jsonl"))] == [
        "20261124T100000Z--20261124T100100Z.jsonl", "20261124T100200Z--20261124T100300Z.jsonl"]
    pipeline.load_landed(settings)
    # the lag re-read brought the 10:00 post twice; it is one row
    assert mentions(settings) == sorted((p["id"], 1) for p in POSTS)

    # the failed minute's run, late (its Airflow retry, or a backfill): it reads from the
    # cursor 10:01 left, lands its own batch, and the warehouse gains nothing twice
    before = contents(settings)
    late = fetch(settings, 1)
    assert late["entries"] == 2 and late["new"] == 1
    pipeline.load_landed(settings)
    assert mentions(settings) == sorted((p["id"], 1) for p in POSTS)
    assert contents(settings) == before  # (the rows now name the late batch as theirs)
    # the run after reads from the newest cursor: 10:02-10:03 saved it, whatever ran last
    assert landing.cursor_before(XConnector.streams(settings.sources.x)[0], minute(3).start)[
        "newest_id"] == POSTS[2]["id"]


def test_fetching_and_reloading_a_window_of_minutes_again_converges(platform, settings):
    for n in range(4):
        fetch(settings, n)
    pipeline.load_landed(settings)
    first = tables(settings.warehouse)
    answers = bodies(settings)

    for n in range(4):  # the window fetched again: each minute asks its same question
        fetch(settings, n)
    assert bodies(settings) == answers and len(answers) == 4
    pipeline.load_landed(settings, window=(minute(0).start, minute(3).end))  # a rerun's reload
    second = tables(settings.warehouse)

    # every table the same, but the three that keep the landed files' checksums and
    # mtimes and the pages' HTTP headers (the server's Date), whose row counts stay the same
    landed = {"raw__landing_batches", "raw__landing_files", "raw__pages"}
    assert len(first["core__mentions"]) == len(POSTS)
    assert {k: v for k, v in second.items() if k not in landed} == {
        k: v for k, v in first.items() if k not in landed}
    assert {k: len(second[k]) for k in landed} == {k: len(first[k]) for k in landed}


def test_a_loaded_file_is_not_read_again_until_it_is_landed_again(platform, settings):
    """A load skips the files it loaded by their size and mtime, unopened: at a minute
    cadence, reading every file of the zone on every run would grow without end. Proof
    that it does not open them: a file's bytes are swapped for garbage of the same size
    with its mtime put back, and the load neither quarantines it nor reloads it. Landing
    the interval again (a new file renamed over it) is read, and reloaded only if its
    bytes changed."""
    from carewire.warehouse.db import connect

    for n in range(3):
        fetch(settings, n)
    assert pipeline.load_landed(settings)["batches_loaded"] == 3
    path = settings.landing / "x" / "brand" / f"{minute(1).key}.jsonl"
    original, stat = path.read_bytes(), path.stat()

    path.write_bytes(b"\0" * len(original))
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    again = pipeline.load_landed(settings)
    assert (again["batches_loaded"], again["batches_unchanged"]) == (0, 3)
    assert again["unreadable_files"] == [] and again["warehouse_totals"]["quarantined"] == 0

    path.write_bytes(original)  # the same bytes, a new mtime: hashed, not reloaded
    again = pipeline.load_landed(settings)
    assert (again["batches_loaded"], again["batches_unchanged"]) == (0, 3)
    with connect(settings.warehouse) as con:
        recorded = con.execute("SELECT file_size, file_mtime_ns FROM raw__landing_files "
                               "WHERE batch_id = ?", [f"x/brand/{minute(1).key}"]).fetchone()
    assert recorded == (len(original), path.stat().st_mtime_ns)

    POSTS.append(tweet(at(24, 10, 1, 50), "kestrel mobile: roaming is off", author="1004"))
    try:
        fetch(settings, 1)  # landed again, with a post the platform now shows
        assert pipeline.load_landed(settings)["batches_loaded"] == 1
        assert mentions(settings) == sorted((p["id"], 1) for p in POSTS)
    finally:
        POSTS.pop()


def test_a_file_loaded_before_fingerprints_were_recorded_is_hashed_once_more(
        platform, settings):
    from carewire.warehouse.db import connect

    fetch(settings, 0)
    pipeline.load_landed(settings)
    with connect(settings.warehouse) as con:  # as migration 0021 leaves an older row
        con.execute("DELETE FROM raw__landing_files")
    again = pipeline.load_landed(settings)
    assert (again["batches_loaded"], again["batches_unchanged"]) == (0, 1)
    path = settings.landing / "x" / "brand" / f"{minute(0).key}.jsonl"
    with connect(settings.warehouse) as con:
        assert con.execute("SELECT file_size, file_mtime_ns FROM raw__landing_files"
                           ).fetchall() == [(path.stat().st_size, path.stat().st_mtime_ns)]
