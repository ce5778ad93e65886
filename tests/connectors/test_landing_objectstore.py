"""The landing zone on object storage: a real S3 API (moto's server on loopback) reached
through s3fs, as a deployment with `landing_url: s3://...` reaches AWS or MinIO."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import duckdb
import pytest

from carewire.app import pipeline
from carewire.core.settings import Settings
from carewire.connectors.base import Page, Stream
from carewire.connectors.landing import LandingZone, fingerprint, object_fingerprint
from tests.connectors.test_landing import T0, hour
from tests.s3_server import s3_endpoint, s3_landing  # noqa: F401 (fixtures)

STREAM = Stream(source="feeds", name="forum")


def page(body: bytes) -> Page:
    return Page("https://f.test/feed.atom", 200, {"Content-Type": "application/atom+xml"}, body)


def objects(landing: LandingZone) -> list[str]:
    """Every object under the landing root, by its name there."""
    root = landing.root.path
    return sorted(name[len(root) + 1:] for name in landing.root.fs.find(root))


@pytest.fixture
def zone(s3_landing) -> LandingZone:
    url, options = s3_landing
    return LandingZone(url, storage_options=options)


def test_a_batch_is_one_object_in_the_local_layout_replaced_whole(zone):
    latin1 = "<rss>caf\xe9</rss>".encode("latin-1")
    first = zone.write_batch(STREAM, hour(0), [page(b"<feed>one</feed>"), page(latin1)])
    zone.write_batch(STREAM, hour(1), [page(b"<feed>next</feed>")])
    assert str(first.path) == f"{zone.root}/feeds/forum/{hour(0).key}.jsonl"
    assert [p.body for p in first.pages()] == [b"<feed>one</feed>", latin1]

    found, broken = zone.scan()
    assert broken == [] and [b.batch_id for b in found] == [
        f"feeds/forum/{hour(0).key}", f"feeds/forum/{hour(1).key}"]
    seen = found[0].fingerprint
    assert seen == fingerprint(first.path)

    # the same size again, within the same second: S3's modification time (whole seconds)
    # cannot tell the two apart, the fingerprint (the ETag) does
    zone.write_batch(STREAM, hour(0), [page(b"<feed>two</feed>"), page(latin1)])
    replaced = {b.batch_id: b for b in zone.scan()[0]}[first.batch_id]
    assert replaced.fingerprint[0] == seen[0] and replaced.fingerprint != seen
    assert [p.body for p in replaced.pages()][0] == b"<feed>two</feed>"
    assert objects(zone) == [f"feeds/forum/{hour(0).key}.jsonl",
                             f"feeds/forum/{hour(1).key}.jsonl"]  # nothing half-written

    # not by chance of the clock: the same size and second with another ETag differ
    same_second = {"size": 7, "LastModified": T0}
    assert (object_fingerprint({**same_second, "ETag": '"a"'})
            != object_fingerprint({**same_second, "ETag": '"b"'}))

    # fetching the same answers again writes nothing: the fingerprint stays
    zone.write_batch(STREAM, hour(0), [page(b"<feed>two</feed>"), page(latin1)])
    assert fingerprint(replaced.path) == replaced.fingerprint


def test_the_scan_leaves_unchanged_objects_unopened_and_reports_a_damaged_one(zone):
    zone.write_batch(STREAM, hour(0), [page(b"<feed/>")])
    zone.write_batch(STREAM, hour(1), [page(b"<feed/>")])
    recorded = {b.batch_id: b.fingerprint for b in zone.scan()[0]}
    broken_path = zone.root / "feeds" / "forum" / "20261124T080000Z--20261124T090000Z.jsonl"
    zone.write_text(broken_path, '{"source": "feeds", "stre')

    found, broken = zone.scan(lambda batch_id, seen: recorded.get(batch_id) == seen)
    assert found == []
    [damaged] = broken
    assert damaged.batch_id == "feeds/forum/20261124T080000Z--20261124T090000Z"
    assert f"landing file {broken_path} cannot be read" in damaged.reason
    assert damaged.interval_end == hour(2).end


def test_cursors_are_objects_read_as_they_stood_when_the_interval_began(zone):
    assert zone.cursor_before(STREAM, hour(0).start) == {}
    zone.save_cursor(STREAM, hour(0), {"etag": "a"})
    zone.save_cursor(STREAM, hour(1), {"etag": "b"}, {"entries": 3})

    assert zone.cursor_before(STREAM, hour(1).start) == {"etag": "a"}
    assert zone.cursor_before(STREAM, hour(2).start) == {"etag": "b"}
    assert zone.cursor_before(STREAM, hour(0).start) == {}
    zone.save_cursor(STREAM, hour(0), {"etag": "a2"})  # a rerun of hour 0
    assert zone.cursor_before(STREAM, hour(1).start) == {"etag": "a2"}
    assert zone.cursor_before(STREAM, hour(2).start) == {"etag": "b"}
    [latest] = zone.latest_cursors()
    assert (latest["source"], latest["stream"], latest["state"], latest["summary"],
            latest["interval_end"]) == ("feeds", "forum", {"etag": "b"}, {"entries": 3},
                                        hour(1).end.isoformat())
    assert objects(zone) == [f"feeds/forum/_cursors/{hour(n).key}.json" for n in (0, 1)]


def test_cursor_history_is_bounded_on_object_storage(s3_landing):
    url, options = s3_landing
    zone = LandingZone(url, cursor_history=3, storage_options=options)
    for n in range(5):
        zone.save_cursor(STREAM, hour(n), {"n": n})
    assert zone.cursor_before(STREAM, hour(2).start) == {}
    assert zone.cursor_before(STREAM, hour(9).start) == {"n": 4}
    assert len(objects(zone)) == 3


def test_cursors_saved_at_once_by_many_runs_all_stay_without_a_lock(zone):
    """A backfill runs several intervals of a stream at once: each writes its own object,
    so no entry is lost to another's write."""
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda n: zone.save_cursor(STREAM, hour(n), {"n": n}), range(24)))
    assert [zone.cursor_before(STREAM, hour(n).end) for n in range(24)] == [
        {"n": n} for n in range(24)]


def atom(title: str) -> bytes:
    return ("<?xml version='1.0'?><feed xmlns='http://www.w3.org/2005/Atom'><title>F</title>"
            "<id>urn:f</id><updated>2026-11-24T05:00:00Z</updated><entry><id>a</id>"
            f"<title>{title}</title><link href='https://f.test/a'/><author><name>Sam</name>"
            "</author><updated>2026-11-24T05:00:00Z</updated><content type='text'>"
            f"{title} text</content></entry></feed>").encode()


def test_the_warehouse_loads_replaced_and_skips_unchanged_batches_from_s3(s3_landing, tmp_path):
    url, options = s3_landing
    settings = Settings(data_dir=tmp_path, landing_url=url, landing_storage_options=options,
                        state_url=f"sqlite:///{tmp_path / 'state.sqlite'}")
    pipeline.migrate(settings)
    zone = LandingZone.of(settings)
    zone.write_batch(STREAM, hour(0), [page(atom("eSIM stuck"))])
    assert pipeline.load_landed(settings)["batches_loaded"] == 1
    assert pipeline.load_landed(settings)["batches_loaded"] == 0  # the ETag is the one loaded

    zone.write_batch(STREAM, hour(0), [page(atom("eSIM fixd"))])  # same size, same second
    assert pipeline.load_landed(settings)["batches_loaded"] == 1
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        assert con.execute("SELECT source_id, title FROM core__mentions").fetchall() == [
            ("forum:a", "eSIM fixd")]
        assert con.execute("SELECT path FROM raw__landing_batches").fetchall() == [
            (f"feeds/forum/{hour(0).key}.jsonl",)]  # as the local zone names it

    # retention deletes the loaded object once its interval is past the raw days
    from carewire.maintenance.retention import purge
    from carewire.warehouse.db import connect

    with connect(settings.warehouse) as con:
        purged = purge(con, settings, zone, hour(0).end + timedelta(days=91))
    assert (purged["batches_purged"], purged["landing_files_deleted"]) == (1, 1)
    assert objects(zone) == []


def test_an_erasure_redacts_a_batch_object_and_the_cursor_entries(zone):
    from carewire.maintenance.redact import redact_landing
    from carewire.maintenance.target import Target

    two = atom("eSIM stuck").replace(b"</feed>", b"<entry><id>b</id><title>Other</title>"
                                     b"<link href='https://f.test/b'/><author><name>Ana"
                                     b"</name></author><updated>2026-11-24T05:00:00Z</updated>"
                                     b"</entry></feed>")
    landed = zone.write_batch(STREAM, hour(0), [page(two)])
    zone.save_cursor(STREAM, hour(0), {"seen": ["forum:a", "forum:b"]})
    target = Target("feeds", source_ids=frozenset({"forum:a"}),
                    published_ids=frozenset({"a"}))

    result = redact_landing(zone, target)
    assert [b.batch_id for b in result.batches] == [landed.batch_id]
    assert result.state_files == 1 and result.raced == []
    [body] = [p.body for p in landed.pages()]
    assert b"<id>b</id>" in body and b"<id>a</id>" not in body and b"eSIM" not in body
    assert zone.cursor_before(STREAM, hour(1).start) == {"seen": ["forum:b"]}
