"""Loading landed batches: upserts on natural keys, newest wins, quarantine keeps bytes."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import duckdb
import pytest

from carewire.app import pipeline
from carewire.core.settings import Settings
from carewire.core.types import Interval
from carewire.connectors.base import Author, Mention, Page, Parsed, Stream
from carewire.connectors.landing import LandingZone
from carewire.warehouse.db import connect
from carewire.warehouse.load import file_sha256, load_batch

T0 = datetime(2026, 11, 24, 6, tzinfo=timezone.utc)
HOUR = timedelta(hours=1)
STREAM = Stream(source="feeds", name="forum")


def hour(n: int) -> Interval:
    return Interval(T0 + n * HOUR, T0 + (n + 1) * HOUR)


def atom(*entries: tuple[str, str, str]) -> bytes:
    body = "".join(
        f"<entry><id>{eid}</id><title>{title}</title><link href='https://f.test/{eid}'/>"
        f"<author><name>{author}</name></author><updated>2026-11-24T05:00:00Z</updated>"
        f"<content type='text'>{title} text</content></entry>" for eid, title, author in entries)
    return (f"<?xml version='1.0'?><feed xmlns='http://www.w3.org/2005/Atom'><title>F</title>"
            f"<id>urn:f</id><updated>2026-11-24T05:00:00Z</updated>{body}</feed>").encode()


@pytest.fixture
def settings(tmp_path):
    settings = Settings(data_dir=tmp_path)
    pipeline.migrate(settings)
    return settings


def land(settings, interval: Interval, *bodies: bytes) -> None:
    pages = [Page("https://f.test/feed.atom", 200, {"Content-Type": "application/atom+xml"}, b)
             for b in bodies]
    LandingZone(settings.landing).write_batch(STREAM, interval, pages)


def query(settings, sql: str):
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_load_upserts_and_skips_unchanged_batches(settings):
    land(settings, hour(0), atom(("a", "eSIM stuck", "Sam"), ("b", "Bill doubled", "Ana")))
    first = pipeline.load_landed(settings)
    assert first["batches_loaded"] == 1
    assert first["per_stream"]["feeds/forum"] == {"pages": 1, "mentions": 2, "authors": 2,
                                                  "quarantined": 0}

    assert pipeline.load_landed(settings)["batches_loaded"] == 0  # nothing new, nothing done

    land(settings, hour(1), atom(("a", "eSIM stuck (edited)", "Sam"), ("c", "Love it", "Jo")))
    pipeline.load_landed(settings)
    assert query(settings, "SELECT source_id, title, first_seen_at, last_seen_at, batch_id "
                           "FROM core__mentions ORDER BY source_id") == [
        ("forum:a", "eSIM stuck (edited)", hour(0).end, hour(1).end, f"feeds/forum/{hour(1).key}"),
        ("forum:b", "Bill doubled", hour(0).end, hour(0).end, f"feeds/forum/{hour(0).key}"),
        ("forum:c", "Love it", hour(1).end, hour(1).end, f"feeds/forum/{hour(1).key}")]
    assert query(settings, "SELECT count(*) FROM core__authors") == [(3,)]
    assert query(settings, "SELECT count(*), count(DISTINCT batch_id) FROM raw__items") == [(4, 2)]


def test_reloading_an_older_interval_never_rolls_a_mention_back(settings):
    land(settings, hour(1), atom(("a", "new title", "Sam")))
    pipeline.load_landed(settings)
    land(settings, hour(0), atom(("a", "old title", "Sam")))  # a backfill of the hour before
    pipeline.load_landed(settings)
    assert query(settings, "SELECT title, first_seen_at, last_seen_at FROM core__mentions") == [
        ("new title", hour(0).end, hour(1).end)]


def test_rerun_replaces_raw_rows_of_its_batch(settings):
    land(settings, hour(0), atom(("a", "one", "Sam"), ("b", "two", "Sam")))
    pipeline.load_landed(settings)
    land(settings, hour(0), atom(("a", "one", "Sam")))
    pipeline.load_landed(settings)
    assert query(settings, "SELECT source_id FROM raw__items") == [("forum:a",)]
    assert query(settings, "SELECT count(*) FROM raw__pages") == [(1,)]
    assert query(settings, "SELECT count(*) FROM core__mentions") == [(2,)]  # upserts only


def test_unusable_pages_go_to_quarantine_with_reason_and_original_bytes(settings):
    html = b"<!DOCTYPE html><html><head><title>Login</title></head></html>"
    land(settings, hour(0), html, atom(("a", "fine", "Sam")))
    report = pipeline.load_landed(settings)
    assert report["per_stream"]["feeds/forum"]["quarantined"] == 1
    [(stage, reason, payload, seen)] = query(
        settings, "SELECT stage, reason, payload, seen_at FROM raw__quarantine")
    assert stage == "parse"
    assert reason.startswith("HTML page instead of a feed") and "'Login'" in reason
    assert payload == html
    assert seen == hour(0).end
    assert query(settings, "SELECT source_id FROM core__mentions") == [("forum:a",)]
    assert query(settings, "SELECT records FROM out__quarantine_summary") == [(1,)]


def test_snapshot_is_replaced_while_an_analyst_holds_the_old_one_open(settings):
    land(settings, hour(0), atom(("a", "one", "Sam")))
    pipeline.load_landed(settings)
    pipeline.publish(settings)
    analyst = duckdb.connect(str(settings.snapshot), read_only=True)
    assert analyst.execute("SELECT count(*) FROM core__mentions").fetchone() == (1,)

    land(settings, hour(1), atom(("b", "two", "Ana")))
    pipeline.load_landed(settings)
    pipeline.publish(settings)  # does not wait for the analyst

    assert analyst.execute("SELECT count(*) FROM core__mentions").fetchone() == (1,)
    analyst.close()
    assert query(settings.model_copy(update={"warehouse_path": settings.snapshot}),
                 "SELECT count(*) FROM core__mentions") == [(2,)]


def test_publish_exports_core_and_out_tables_as_parquet(settings):
    land(settings, hour(0), atom(("a", "one", "Sam"), ("b", "two", "Ana")))
    pipeline.load_landed(settings)
    pipeline.publish(settings)

    exported = sorted(p.name for p in settings.exports.iterdir())
    assert "core__mentions.parquet" in exported and "out__issue_clusters.parquet" in exported
    assert all(name.startswith(("core__", "out__", "meta__")) for name in exported
               if name != "manifest.json")
    assert "core__embeddings.parquet" not in exported
    with duckdb.connect() as con:
        rows = con.execute("SELECT source_id, title FROM read_parquet(?) ORDER BY 1",
                           [str(settings.exports / "core__mentions.parquet")]).fetchall()
    assert rows == [("forum:a", "one"), ("forum:b", "two")]


def test_a_later_sighting_without_metrics_keeps_the_profile_fetched_before(settings):
    """Reddit: `/user/<name>/about` gives karma once; later mentions carry only the name."""
    profile = Author("reddit", "t2_ab", handle="ana", karma=1234)
    mention = Mention("reddit", "t1_x", "r-kestrel", None, None, "hi",
                      T0, author=Author("reddit", "t2_ab", handle="ana"))
    stream = Stream("reddit", "r-kestrel")
    zone = LandingZone(settings.landing)
    for n, parsed in enumerate([Parsed(authors=[profile], mentions=[mention], items=[{}]),
                                Parsed(mentions=[mention], items=[{}])]):
        batch = zone.write_batch(stream, hour(n), [])
        with connect(settings.warehouse) as con:
            load_batch(con, batch, zone.root, file_sha256(batch.path),
                       [Page("https://oauth.reddit.test/about", 200, {}, b"{}")], [parsed])
    assert query(settings, "SELECT handle, karma, last_seen_at FROM core__authors") == [
        ("ana", 1234, hour(1).end)]


def test_a_deletion_notice_blanks_the_text_but_keeps_who_and_where(settings):
    stream = Stream("x", "brand")
    zone = LandingZone(settings.landing)
    seen = Mention("x", "42", "brand", "https://x.test/ana/status/42", None, "my order KM-1",
                   T0, author=Author("x", "7", handle="ana"), thread_id="40", like_count=3)
    gone = Mention("x", "42", "brand", "https://x.test/i/web/status/42", None, "", T0,
                   is_deleted=True)
    for n, mention in enumerate([seen, gone]):
        batch = zone.write_batch(stream, hour(n), [])
        with connect(settings.warehouse) as con:
            load_batch(con, batch, zone.root, file_sha256(batch.path),
                       [Page("https://x.test/2/tweets", 200, {}, b"{}")],
                       [Parsed(mentions=[mention], items=[{}])])
    assert query(settings, "SELECT text, is_deleted, author_id, thread_id, like_count "
                           "FROM core__mentions") == [("", True, "7", "40", 3)]
    assert query(settings, "SELECT count(*) FROM out__mention_volume_daily") == [(0,)]


def test_counts_no_bigint_holds_or_no_platform_means_are_unknown(settings):
    stream = Stream("reddit", "r-kestrel")
    zone = LandingZone(settings.landing)
    mention = Mention("reddit", "t3_x", "r-kestrel", None, "t", "", T0,
                      link_url="https://news.test/a", crosspost_count=2**64, quote_count=-1)
    batch = zone.write_batch(stream, hour(0), [])
    with connect(settings.warehouse) as con:
        load_batch(con, batch, zone.root, file_sha256(batch.path),
                   [Page("https://oauth.reddit.test/r/x/new", 200, {}, b"{}")],
                   [Parsed(mentions=[mention], items=[{}])])
    assert query(settings, "SELECT link_url, crosspost_count, quote_count "
                           "FROM core__mentions") == [("https://news.test/a", None, None)]


def test_a_reload_withdraws_what_the_mapping_no_longer_yields_from_the_same_bytes(
        settings, monkeypatch):
    """After an upgrade, `carewire rerun --reload` parses the landed bytes again: a post
    the mapping now leaves out (a retweet, a moderator notice) is no longer a live mention.
    A batch fetched again, whose feed has dropped an old entry, withdraws nothing."""
    from carewire.connectors import CONNECTORS

    land(settings, hour(0), atom(("a", "eSIM stuck", "Sam"), ("b", "Pinned: read the rules", "Mod")))
    pipeline.load_landed(settings)
    window = (hour(0).start, hour(0).end)
    assert pipeline.load_landed(settings, window)["per_stream"]["feeds/forum"].get(
        "withdrawn") is None  # the same bytes, the same mapping: nothing changes

    parse = CONNECTORS["feeds"].parse

    def upgraded(stream, page):  # a mapping that now leaves "b" out
        result = parse(stream, page)
        kept = [i for i, m in enumerate(result.mentions) if not m.source_id.endswith(":b")]
        result.mentions = [result.mentions[i] for i in kept]
        result.items = [result.items[i] for i in kept]
        return result

    monkeypatch.setattr(CONNECTORS["feeds"], "parse", upgraded)
    reloaded = pipeline.load_landed(settings, window)
    assert reloaded["per_stream"]["feeds/forum"]["withdrawn"] == 1
    assert query(settings, "SELECT source_id, is_deleted, text FROM core__mentions "
                           "ORDER BY 1") == [("forum:a", False, "eSIM stuck text"),
                                             ("forum:b", True, "")]

    land(settings, hour(1), atom(("a", "eSIM stuck", "Sam"), ("c", "new", "Ana")))
    land(settings, hour(0), atom(("c", "new", "Ana")))  # hour 0 fetched again: "a" scrolled off
    monkeypatch.setattr(CONNECTORS["feeds"], "parse", parse)
    assert "withdrawn" not in pipeline.load_landed(settings)["per_stream"]["feeds/forum"]
    assert query(settings, "SELECT count(*) FROM core__mentions WHERE NOT is_deleted") == [(2,)]
