"""The landing zone: batches keyed by interval, replaced on rerun; cursors as of a time."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from carewire.core.types import Interval
from carewire.connectors.base import Page, Stream
from carewire.connectors.landing import LandingZone

T0 = datetime(2026, 11, 24, 6, tzinfo=timezone.utc)
HOUR = timedelta(hours=1)
STREAM = Stream(source="feeds", name="blog")


def hour(n: int) -> Interval:
    return Interval(T0 + n * HOUR, T0 + (n + 1) * HOUR)


def page(body: bytes) -> Page:
    return Page("https://blog.test/feed", 200, {"ETag": '"x"'}, body)


def test_pages_round_trip_verbatim_including_bytes_that_are_not_utf8(tmp_path):
    landing = LandingZone(tmp_path)
    latin1 = "<?xml version='1.0' encoding='iso-8859-1'?><rss>caf\xe9</rss>".encode("latin-1")
    batch = landing.write_batch(STREAM, hour(0), [page(b"<rss>one</rss>"), page(latin1)])
    assert [p.body for p in batch.pages()] == [b"<rss>one</rss>", latin1]
    assert batch.batch_id == "feeds/blog/20261124T060000Z--20261124T070000Z"


def test_rerun_of_an_interval_replaces_its_batch(tmp_path):
    landing = LandingZone(tmp_path)
    landing.write_batch(STREAM, hour(0), [page(b"first")])
    landing.write_batch(STREAM, hour(1), [page(b"next hour")])
    landing.write_batch(STREAM, hour(0), [page(b"rerun")])

    batches = landing.batches()
    assert [b.interval for b in batches] == [hour(0), hour(1)]
    assert [list(b.pages())[0].body for b in batches] == [b"rerun", b"next hour"]
    leftovers = [p.name for p in tmp_path.rglob(".*")]
    assert leftovers == []  # no temporary files left behind


def test_cursor_is_read_as_it_stood_when_the_interval_began(tmp_path):
    landing = LandingZone(tmp_path)
    assert landing.cursor_before(STREAM, hour(0).start) == {}
    landing.save_cursor(STREAM, hour(0), {"etag": "a"})
    landing.save_cursor(STREAM, hour(1), {"etag": "b"})

    assert landing.cursor_before(STREAM, hour(1).start) == {"etag": "a"}
    assert landing.cursor_before(STREAM, hour(2).start) == {"etag": "b"}
    # rerunning hour 0 starts from nothing again, and saving it keeps hour 1's state
    assert landing.cursor_before(STREAM, hour(0).start) == {}
    landing.save_cursor(STREAM, hour(0), {"etag": "a2"})
    assert landing.cursor_before(STREAM, hour(1).start) == {"etag": "a2"}
    assert landing.cursor_before(STREAM, hour(2).start) == {"etag": "b"}
    assert landing.latest_cursors()[0]["state"] == {"etag": "b"}


def test_cursor_history_is_bounded(tmp_path):
    landing = LandingZone(tmp_path, cursor_history=3)
    for n in range(5):
        landing.save_cursor(STREAM, hour(n), {"n": n})
    assert landing.cursor_before(STREAM, hour(2).start) == {}
    assert landing.cursor_before(STREAM, hour(9).start) == {"n": 4}


def test_cursors_saved_at_once_by_many_runs_all_stay(tmp_path):
    """A backfill runs several intervals of a stream at once, each process saving its own
    cursor entry: none may be lost to another's rewrite of the manifest. The processes
    are spawned, not forked: a fork of the test process copies whatever lock another
    test's leftover thread holds at that moment, and once hung on it."""
    import multiprocessing

    with multiprocessing.get_context("spawn").Pool(8) as pool:
        pool.starmap(_save, [(str(tmp_path), n) for n in range(48)])
    history = LandingZone(tmp_path)._history(STREAM.source, STREAM.name)
    assert [h["state"]["n"] for h in history] == list(range(48))


def _save(root: str, n: int) -> None:
    LandingZone(Path(root)).save_cursor(STREAM, hour(n), {"n": n})


def test_intervals_from_airflow_stay_aware_through_arithmetic():
    import pendulum

    interval = Interval(pendulum.datetime(2026, 11, 24, 7, tz="UTC"),
                        pendulum.datetime(2026, 11, 24, 8, tz="UTC"))
    earlier = interval.start - timedelta(hours=1)
    assert type(interval.start) is datetime and earlier.tzinfo is not None
    assert earlier < interval.end


def test_an_interval_key_names_its_interval_and_nothing_else_does():
    assert Interval.from_key(hour(3).key) == hour(3)
    for key in ("20261124T0600Z", "notes--draft", "20261124T060000Z--soon"):
        with pytest.raises(ValueError):
            Interval.from_key(key)
