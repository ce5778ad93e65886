"""Feed entries keyed within their feed (issue 23, part 2): a warehouse written with the
old keys (a feed entry's guid alone) is migrated by 0009 without losing a link, and a
reload rerun brings back the entry that another feed's entry with the same guid had
overwritten, with no second delivery for work already delivered."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import duckdb
import pytest
import sqlalchemy as sa

from carewire.app import pipeline
from carewire.app.rerun import rerun
from carewire.connectors import landing as landing_zone
from carewire.connectors.base import Page, Stream
from carewire.connectors.feeds import mapping
from carewire.core.settings import FeedSource
from carewire.core.types import Interval
from carewire.desk.schema import desk_items
from carewire.warehouse.migrate import MIGRATIONS_DIR
from carewire.warehouse.tables import TABLES
from tests.conftest import DEMO_NOW

HOUR = Interval(datetime(2026, 11, 24, 7, tzinfo=timezone.utc),
                datetime(2026, 11, 24, 8, tzinfo=timezone.utc))
NOW = DEMO_NOW
MIGRATION = next(MIGRATIONS_DIR.glob("0009_*.sql"))


def test_the_migration_rewrites_every_table_that_held_a_mention_reference():
    """0009 names its tables by hand (a migration is history: a table added later is not
    there when it runs); every table of the registry with (source, source_id) is in it."""
    sql = MIGRATION.read_text()
    updated = set(re.findall(r"^UPDATE (\w+)", sql, re.M))
    holding = {name for name, table in TABLES.items()
               if {"source", "source_id"} <= set(table.column_names)}
    assert holding - updated == {"core__mention_former_ids"}  # made by 0009 itself


def rss(feed: str, *items: tuple[str, str, str]) -> bytes:
    body = "".join(
        f"<item><title>{title}</title><link>https://{feed}.test/{guid}</link>"
        f"<guid isPermaLink=\"false\">{guid}</guid><author>{author}</author>"
        f"<pubDate>Tue, 24 Nov 2026 07:{10 + n:02d}:00 +0000</pubDate>"
        f"<description>{title}</description></item>"
        for n, (guid, title, author) in enumerate(items))
    return (f'<?xml version="1.0"?><rss version="2.0"><channel><title>{feed}</title>'
            f"<link>https://{feed}.test/</link>{body}</channel></rss>").encode()


ALPHA = rss("alpha", ("post-42", "Kestrel Mobile charged me twice this month and support "
                                 "will not answer, I want a refund now", "ana@alpha.test"),
            ("post-7", "Kestrel Mobile has had no signal in Leeds since Monday, is there an "
                       "outage?", "bo@alpha.test"))
BETA = rss("beta", ("post-42", "My Kestrel Mobile eSIM is stuck on activating for two days, "
                               "please help", "cy@beta.test"))


def rows(con, sql: str, params: list | None = None) -> list[tuple]:
    return con.execute(sql, params or []).fetchall()


@pytest.fixture
def old_warehouse(sample_settings, monkeypatch):
    """Feeds `alpha` and `beta` both publish `post-42`, landed in the same hour, and run
    through load, enrichment, routing and delivery to the desk as carewire did before
    issue 23: keyed by the guid alone (the mapping's key then), so beta's entry, loaded
    second, overwrote alpha's. Then the warehouse is put back at migration 0008: on a
    new warehouse 0009 only made its (empty) table, so dropping it leaves what 0008 made."""
    settings = sample_settings
    settings.sources.feeds[:] = [FeedSource(name="alpha", url="https://alpha.test/feed"),
                                 FeedSource(name="beta", url="https://beta.test/feed")]
    zone = landing_zone.LandingZone.of(settings)
    for name, body in (("alpha", ALPHA), ("beta", BETA)):
        zone.write_batch(Stream("feeds", name), HOUR, [Page(
            f"https://{name}.test/feed", 200, {"Content-Type": "application/rss+xml"}, body)])
    with monkeypatch.context() as old:
        old.setattr(mapping, "entry_key", lambda feed, guid: guid)
        pipeline.migrate(settings)
        pipeline.load_landed(settings)
        pipeline.enrich(settings)
        pipeline.route(settings, HOUR.end, HOUR.end)
        pipeline.deliver(settings, {}, NOW)
    with duckdb.connect(str(settings.warehouse)) as con:
        con.execute("DROP TABLE core__mention_former_ids")
        con.execute("DELETE FROM _carewire_migrations WHERE version = 9")
    return settings


def desk_item_keys(settings) -> list[str]:
    engine = sa.create_engine(settings.desk_url)
    try:
        with engine.connect() as conn:
            return sorted(conn.execute(sa.select(desk_items.c.delivery_key)).scalars())
    finally:
        engine.dispose()


def test_old_keys_are_migrated_and_a_reload_brings_back_the_overwritten_entry(old_warehouse):
    settings = old_warehouse
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        assert rows(con, "SELECT source_id, stream FROM core__mentions ORDER BY 1") == [
            ("post-42", "beta"), ("post-7", "alpha")]  # alpha's post-42 was overwritten
        decided = rows(con, "SELECT source_id, route, delivery_key FROM "
                            "core__routing_decisions ORDER BY 1")
        delivered = rows(con, "SELECT d.source_id, v.delivery_key FROM core__deliveries v "
                              "JOIN core__delivery_mentions d USING (delivery_key) "
                              "WHERE v.status = 'delivered' ORDER BY 1")
        clusters = rows(con, "SELECT source_id, cluster_id FROM core__cluster_members "
                             "ORDER BY 1")
        deliveries = rows(con, "SELECT count(*) FROM core__deliveries")[0][0]
    assert [d[0] for d in delivered] == ["post-42", "post-7"], decided  # both on the desk
    items_before = desk_item_keys(settings)
    assert items_before == sorted(key for _, key in delivered)

    assert pipeline.migrate(settings) == ["0009_feed_entries_keyed_within_their_feed"]

    renamed = {"post-42": "beta:post-42", "post-7": "alpha:post-7"}
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        assert rows(con, "SELECT source_id, stream FROM core__mentions ORDER BY 1") == [
            ("alpha:post-7", "alpha"), ("beta:post-42", "beta")]
        assert rows(con, "SELECT source_id, route, delivery_key FROM core__routing_decisions "
                         "ORDER BY 1") == sorted((renamed[i], r, k) for i, r, k in decided)
        assert rows(con, "SELECT d.source_id, v.delivery_key FROM core__deliveries v "
                         "JOIN core__delivery_mentions d USING (delivery_key) "
                         "WHERE v.status = 'delivered' ORDER BY 1") == sorted(
            (renamed[i], k) for i, k in delivered)
        assert rows(con, "SELECT source_id, cluster_id FROM core__cluster_members "
                         "ORDER BY 1") == sorted((renamed[i], c) for i, c in clusters)
        for table in ("core__enrichments", "core__embeddings", "core__mention_tags",
                      "raw__items"):
            assert {i for (i,) in rows(con, f"SELECT DISTINCT source_id FROM {table}")} <= {
                "alpha:post-7", "beta:post-42", "alpha:post-42"}, table
        assert rows(con, "SELECT source_id, former_source_id FROM core__mention_former_ids "
                         "ORDER BY 1") == [("alpha:post-7", "post-7"),
                                           ("beta:post-42", "post-42")]
        assert rows(con, "SELECT count(*) FROM quality__checked WHERE unit IN "
                         "('feeds:post-42', 'feeds:post-7')") == [(0,)]

    # the entry that was overwritten is still in the landing zone: a reload brings it back
    window = (HOUR.start, HOUR.end)
    report = rerun(settings, window, reload=True, now=NOW + timedelta(days=1))
    assert report["steps"]["batches_reloaded"] == 2
    later = NOW + timedelta(days=1)
    pipeline.enrich(settings)
    routed = pipeline.route(settings, later, later)
    pipeline.deliver(settings, {}, later)
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        assert rows(con, "SELECT source_id, stream, text FROM core__mentions ORDER BY 1") == [
            ("alpha:post-42", "alpha", rows(con, "SELECT text FROM core__mentions WHERE "
                                                 "source_id = 'alpha:post-42'")[0][0]),
            ("alpha:post-7", "alpha", rows(con, "SELECT text FROM core__mentions WHERE "
                                                "source_id = 'alpha:post-7'")[0][0]),
            ("beta:post-42", "beta", rows(con, "SELECT text FROM core__mentions WHERE "
                                               "source_id = 'beta:post-42'")[0][0])]
        texts = dict(rows(con, "SELECT source_id, text FROM core__mentions"))
        assert texts["alpha:post-42"].startswith("Kestrel Mobile charged me twice")
        assert texts["beta:post-42"].startswith("My Kestrel Mobile eSIM is stuck")
        # only the recovered entry was decided now; the others kept their decisions
        assert routed["decided"] == 1
        assert rows(con, "SELECT source_id FROM core__routing_decisions WHERE "
                         "decided_for = ?", [later]) == [("alpha:post-42",)]
        for source_id, key in delivered:
            assert rows(con, "SELECT DISTINCT delivery_key FROM core__delivery_mentions "
                             "WHERE source_id = ?", [renamed[source_id]]) == [(key,)]
        new_deliveries = rows(con, "SELECT count(*) FROM core__deliveries")[0][0] - deliveries
    assert new_deliveries == 1  # the recovered entry's own work, never delivered before
    items = desk_item_keys(settings)
    assert set(items_before) <= set(items) and len(items) - len(items_before) == new_deliveries

    # deciding the window again finds every key where it was: nothing moves, nothing new
    again = rerun(settings, window, reroute="real", now=later + timedelta(hours=1))
    assert again["steps"]["decisions_replaced"] == 0
    assert again["steps"]["deliveries_planned"] == 0
    assert again["steps"]["left_with_person"] == 0
    assert desk_item_keys(settings) == items


def test_a_mention_keyed_before_keeps_its_delivery_key(sample_settings):
    """A delivery of one mention is keyed by `source:id` with the id its keys were first
    made from: a migrated feed entry's former id, so deciding it again plans nothing new."""
    import pandas as pd

    from carewire.routing.policy import policy_for
    from carewire.routing.step import delivery_key, prepare

    frame = pd.DataFrame({
        "source": ["feeds", "feeds"], "source_id": ["beta:post-42", "alpha:post-42"],
        "key_source_id": ["post-42", "alpha:post-42"], "route": ["contact_center"] * 2,
        "destination": ["desk"] * 2, "unit": ["mention"] * 2, "cluster_id": [None, None],
        "created_at": [HOUR.start] * 2, "sla": [timedelta(hours=4)] * 2,
        "evidence": [{}, {}], "cluster_size": [1, 1]})
    keys = prepare(frame, policy_for(sample_settings), HOUR.end, HOUR.end)["delivery_key"].tolist()
    assert keys == [delivery_key("desk", "mention", "feeds:post-42"),
                    delivery_key("desk", "mention", "feeds:alpha:post-42")]
