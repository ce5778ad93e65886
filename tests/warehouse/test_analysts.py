"""The analysts' warehouse (issue 24): one time rule, a dictionary in the catalog, a
freshness row and manifest, exports pandas reads with the declared types, and views that
answer an analyst's obvious questions."""

from __future__ import annotations

import json
import shutil
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow.parquet as pq
import pytest

from carewire.app import pipeline
from carewire.core.types import Interval
from carewire.warehouse.dictionary import comment_of, describe
from carewire.warehouse.migrate import migrate
from tests import warehouse_rows as rows
from carewire.warehouse.tables import TABLES, VIEWS, exported, registered

ZONES = ("UTC", "Pacific/Kiritimati", "America/Los_Angeles")  # +14 h and -8 h of UTC
T0 = datetime(2026, 11, 24, 23, 30, tzinfo=timezone.utc)  # half an hour before a UTC midnight


def canonical(rows: list[tuple]) -> list[str]:
    """Rows as sortable text, every timestamp as its UTC instant."""
    def plain(value):
        return value.astimezone(timezone.utc).isoformat() if isinstance(value, datetime) \
            else str(value)
    return sorted(json.dumps(row, default=plain) for row in rows)


@pytest.fixture
def snapshot(demo_data_dir: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "analytics.duckdb"
    shutil.copyfile(demo_data_dir / "analytics.duckdb", copy)
    return copy


def test_every_view_gives_the_same_rows_in_any_session_time_zone(snapshot):
    """Days and weeks are UTC days and weeks, whoever reads: the demo's posts span every
    hour, so a view that cut days in the reader's zone would differ here."""
    with duckdb.connect(str(snapshot), read_only=True) as con:
        seen = {}
        for zone in ZONES:
            con.execute(f"SET TimeZone = '{zone}'")
            seen[zone] = {name: canonical(con.execute(f"SELECT * FROM {name}").fetchall())
                          for name in VIEWS}
    daily = seen["UTC"]["out__mention_volume_daily"]
    assert len(daily) > 3
    for zone in ZONES[1:]:
        assert seen[zone] == seen["UTC"], zone


def test_the_catalog_describes_every_table_view_and_column_as_the_registry_does():
    con = duckdb.connect()
    migrate(con)
    comments = dict(((t, c), text) for t, c, text in con.execute(
        "SELECT table_name, column_name, comment FROM duckdb_columns()").fetchall())
    for name, obj in {**TABLES, **VIEWS}.items():
        kind = "views" if name in VIEWS else "tables"
        [(comment,)] = con.execute(
            f"SELECT comment FROM duckdb_{kind}() WHERE {kind[:-1]}_name = ?", [name]).fetchall()
        assert comment == comment_of(obj)
        for column in obj.columns:
            assert comments[(name, column.name)] == column.description, (name, column.name)
    listed = con.execute("SELECT table_name, column_name, is_key, personal, description "
                         "FROM meta__columns").fetchall()
    assert len(listed) == sum(len(obj.columns) for obj in {**TABLES, **VIEWS}.values())
    assert ("core__mentions", "text", False, True,
            registered("core__mentions").column("text").description) in listed
    assert ("core__mentions", "source_id", True, True) in [row[:4] for row in listed]
    assert describe(con) == 0  # current: nothing written again


def test_a_view_replaced_by_a_later_migration_gets_its_comments_back():
    con = duckdb.connect()
    migrate(con)
    [(sql,)] = con.execute("SELECT sql FROM duckdb_views() "
                           "WHERE view_name = 'out__sentiment_daily'").fetchall()
    con.execute(sql.replace("CREATE VIEW", "CREATE OR REPLACE VIEW", 1))  # drops its comments
    assert describe(con) > 0
    assert con.execute("SELECT comment FROM duckdb_columns() WHERE table_name = "
                       "'out__sentiment_daily' AND column_name = 'day'").fetchone()[0] == \
        VIEWS["out__sentiment_daily"].column("day").description


def test_the_snapshot_and_its_manifest_say_which_run_and_data_they_hold(demo_settings):
    published = datetime(2026, 12, 1, 9, 5, tzinfo=timezone.utc)
    interval = Interval(published - timedelta(hours=1, minutes=5),
                        published - timedelta(minutes=5))
    pipeline.publish(demo_settings, run_id="scheduled__2026-12-01T08:00:00+00:00",
                     interval=interval, now=published)

    with duckdb.connect(str(demo_settings.snapshot), read_only=True) as con:
        [row] = con.execute("SELECT * FROM meta__snapshot").df().to_dict("records")
        mentions, newest = con.execute("SELECT count(*), max(created_at) FROM core__mentions "
                                       "WHERE NOT is_deleted").fetchone()
        policy = con.execute("SELECT arg_max(policy_version, decided_for) "
                             "FROM core__routing_decisions").fetchone()[0]
        counts = {name: con.execute(f"SELECT count(*) FROM {name}").fetchone()[0]
                  for name in exported()}
    assert row["published_at"] == published
    assert row["run_id"] == "scheduled__2026-12-01T08:00:00+00:00"
    assert (row["run_interval_start"], row["run_interval_end"]) == (interval.start, interval.end)
    assert row["mentions"] == mentions and row["newest_mention_at"] == newest
    assert row["policy_version"] == policy and policy.startswith("2026.12-3+")
    assert "sentence-transformers/all-MiniLM-L6-v2" in row["models"]
    assert row["duckdb_version"] == f"v{duckdb.__version__}"
    assert row["storage_version"] == demo_settings.snapshot_storage_version
    assert row["landed_from"] <= row["landed_until"]

    manifest = json.loads((demo_settings.exports / "manifest.json").read_text())
    assert manifest["snapshot"]["run_id"] == row["run_id"]
    assert {name: spec["rows"] for name, spec in manifest["files"].items()} == counts
    for name, spec in manifest["files"].items():
        assert [c["name"] for c in spec["columns"]] == registered(name).column_names


ARROW = {"BIGINT": "int64", "INTEGER": "int32", "UBIGINT": "uint64", "DOUBLE": "double",
         "BOOLEAN": "bool", "VARCHAR": "string", "JSON": "string", "DATE": "date32[day]",
         "TIMESTAMPTZ": "timestamp[us, tz=UTC]", "VARCHAR[]": "list<element: string>"}


def test_the_exports_load_in_pandas_with_the_declared_types_and_descriptions(demo_data_dir):
    exports = demo_data_dir / "exports"
    for name in exported():
        file = exports / f"{name}.parquet"
        schema = pq.read_schema(file)
        obj = registered(name)
        assert schema.names == obj.column_names, name
        assert schema.metadata[b"carewire.grain"].decode() == obj.grain
        for column in obj.columns:
            field = schema.field(column.name)
            assert field.metadata[b"description"].decode() == column.description
            assert str(field.type).replace("large_", "") == ARROW[column.type], (name, column)
        frame = pd.read_parquet(file, dtype_backend="numpy_nullable")
        for column in obj.columns:
            if column.type in ("BIGINT", "INTEGER"):
                assert str(frame[column.name].dtype) in ("Int64", "Int32"), (name, column.name)


def test_exported_days_are_utc_days_of_the_exported_timestamps(demo_data_dir):
    exports = demo_data_dir / "exports"
    mentions = pd.read_parquet(exports / "core__mentions.parquet")
    mentions = mentions[~mentions["is_deleted"]]
    expected = (mentions.assign(day=mentions["created_at"].dt.tz_convert("UTC").dt.date)
                .groupby(["source", "stream", "day"]).size().sort_index())
    daily = pd.read_parquet(exports / "out__mention_volume_daily.parquet")
    found = daily.set_index(["source", "stream", "day"])["mentions"].sort_index()
    assert found.to_dict() == expected.to_dict()
    assert all(isinstance(day, date) for day in daily["day"])


# --- views that answer the obvious ---------------------------------------------------------

def insert(con, table: str, **values) -> None:
    rows.insert(con, table, T0, **values)


def mention(con, source: str, source_id: str, author: str, handle: str, text: str, *,
            language: str = "en", cluster: str = "c1", centrality: float | None = None,
            tier: str = "regular", minutes: int = 0) -> None:
    insert(con, "core__mentions", source=source, source_id=source_id, author_id=author,
           text=text, created_at=T0 + timedelta(minutes=minutes), is_deleted=False)
    insert(con, "core__authors", source=source, author_id=author, handle=handle)
    insert(con, "core__enrichments", source=source, source_id=source_id, language=language,
           sentiment="negative", intent="question")
    insert(con, "core__cluster_members", source=source, source_id=source_id, cluster_id=cluster,
           joined_by="similar", centrality=centrality)
    insert(con, "core__author_influence", source=source, author_id=author, handle=handle,
           tier=tier, score=0.5 if tier != "brand" else 0.99, mentions=1)


def test_issue_clusters_count_customers_pick_a_central_representative_and_say_the_status():
    con = duckdb.connect()
    migrate(con)
    mention(con, "x", "1", "u1", "Ann", "eSIM will not activate", centrality=0.80)
    mention(con, "reddit", "2", "t2_a", "ann", "my esim never activates", centrality=0.95,
            minutes=5)  # the same person on Reddit
    mention(con, "x", "3", "u3", "KestrelHelp", "Sorry! DM us", tier="brand", centrality=0.99)
    mention(con, "x", "4", "u4", "bea", "eSIM aktiviert sich nicht", language="de",
            centrality=0.99, minutes=9)
    mention(con, "x", "5", "u5", "cy", "esim stuck on activating", centrality=0.90)
    mention(con, "x", "9", "u9", "dan", "lonely question", cluster="c2")
    for key, mentions in (("d1", ["1"]), ("d2", ["4", "5"])):
        insert(con, "core__deliveries", delivery_key=key, status="delivered", route="community",
               unit="mention", team="community", priority="normal", sla_due_at=T0)
        for source_id in mentions:
            insert(con, "core__delivery_mentions", delivery_key=key, source="x",
                   source_id=source_id)
    insert(con, "core__events", event_id="e1", kind="replied", delivery_key="d1",
           occurred_at=T0 + timedelta(hours=1))

    [row] = con.execute("SELECT * FROM out__issue_clusters").df().to_dict("records")
    assert row["cluster_id"] == "c1"
    assert (row["customers"], row["size"], row["brand_mentions"]) == (3, 5, 1)
    # the brand's reply and the German post are more central, but not customers' words in
    # the main language; of the rest, the Reddit post is the most central
    assert row["representative_key"] == "reddit:2"
    assert row["representative_text"] == "my esim never activates"
    assert (row["status"], row["items"], row["answered_items"]) == ("answered", 2, 1)

    insert(con, "core__events", event_id="e2", kind="resolved", delivery_key="d1",
           occurred_at=T0 + timedelta(hours=2))
    insert(con, "core__events", event_id="e3", kind="resolved", delivery_key="d2",
           occurred_at=T0 + timedelta(hours=3))
    assert con.execute("SELECT status FROM out__issue_clusters").fetchall() == [("resolved",)]


def test_top_authors_rank_every_customer_within_their_source_and_across_all():
    con = duckdb.connect()
    migrate(con)
    for source, author, score, reach in (("x", "a", 0.9, 10), ("x", "b", 0.4, 99),
                                         ("reddit", "c", 0.7, 5), ("x", "brand", 1.0, 10**6)):
        insert(con, "core__author_influence", source=source, author_id=author, score=score,
               reach=reach, tier="brand" if author == "brand" else "regular", mentions=1)
    ranked = con.execute("SELECT author_id, rank_overall, rank_in_source FROM out__top_authors"
                         ).fetchall()
    assert ranked == [("a", 1, 1), ("c", 2, 1), ("b", 3, 2)]


def test_routing_evidence_is_one_row_per_condition_with_its_value_and_test(demo_settings):
    with duckdb.connect(str(demo_settings.snapshot), read_only=True) as con:
        rows = con.execute("""
            SELECT e.field, e.value, e.test, e.held FROM out__routing_evidence e
            WHERE e.rule_id = 'private-channel' LIMIT 1""").fetchall()
        decisions = con.execute("""
            SELECT count(*) FROM core__routing_decisions d JOIN core__mentions m
            USING (source, source_id) WHERE NOT m.is_deleted
            AND json_array_length(d.evidence) > 0""").fetchone()[0]
        flattened = con.execute("SELECT count(DISTINCT (source, source_id)) "
                                "FROM out__routing_evidence").fetchone()[0]
    [(field, value, test, held)] = rows
    assert (field, test, held) == ("private_score", ">= 0.25", True)
    assert float(value) >= 0.25
    assert flattened == decisions

