"""Erasing an author, on a copy of a finished demo run: no trace stays anywhere, the KPIs
drop by exactly their mentions, an audit row says what went where, and loading the
landing zone again does not bring them back."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from carewire.app import pipeline
from carewire.connectors.feeds.mapping import entry_guid
from carewire.core.settings import Settings
from carewire.core.types import Lake
from carewire.maintenance import audit, requests, step
from carewire.warehouse.db import connect
from tests.maintenance import traces
from tests.warehouse.test_lake import lake_settings


def pick_author(settings: Settings, source: str) -> tuple[str, list[str]]:
    """An author of `source` with mentions on the desk and in shared issue clusters, whose
    handle no other platform's landing files use (a namesake elsewhere is someone else)."""
    with connect(settings.warehouse, read_only=True) as con:
        rows = con.execute("""
            SELECT a.handle, list(DISTINCT a.author_id), count(*) AS n
            FROM core__mentions m JOIN core__authors a USING (source, author_id)
            WHERE m.source = ? AND length(a.handle) >= 6
              AND EXISTS (SELECT 1 FROM core__delivery_mentions d
                          JOIN core__deliveries v USING (delivery_key)
                          WHERE d.source = m.source AND d.source_id = m.source_id
                            AND v.destination = 'desk' AND v.status = 'delivered')
              AND EXISTS (SELECT 1 FROM core__cluster_members k
                          JOIN core__issue_clusters c USING (cluster_id)
                          WHERE k.source = m.source AND k.source_id = m.source_id
                            AND c.size > 1)
            GROUP BY a.handle ORDER BY n DESC, a.handle""", [source]).fetchall()
    others = [p.read_text(encoding="utf-8", errors="replace").lower()
              for p in settings.landing.rglob("*.jsonl") if p.parts[-3] != source]
    for handle, author_ids, _ in rows:
        if not any(handle.lower() in text for text in others):
            return handle, author_ids
    pytest.fail(f"the demo has no {source} author on the desk and in a shared cluster")


THEIRS = """(SELECT source, source_id FROM core__mentions WHERE source = $source AND (
    list_contains($ids, author_id) OR url IN (
        SELECT url FROM core__mentions
        WHERE source = $source AND list_contains($ids, author_id))))"""
"""What they wrote, and copies of it on the same platform at the same address (a keyword
alert quoting their article): the same content."""


def their_mentions(settings: Settings, source: str, author_ids: list[str]) -> list[tuple]:
    with connect(settings.warehouse, read_only=True) as con:
        return con.execute(
            "SELECT source_id, coalesce(title, ''), text, is_deleted FROM core__mentions "
            f"WHERE (source, source_id) IN {THEIRS}",
            {"source": source, "ids": author_ids}).fetchall()


def others_words(settings: Settings, source: str, author_ids: list[str]) -> set[str]:
    """Titles and texts that other people's mentions on `source` carry as well: a forum's
    feed titles every reply "re: <the thread's title>", so a reply's title is everyone's
    in that thread, and their replies rightly keep it after this author is erased."""
    with connect(settings.warehouse, read_only=True) as con:
        return {value for row in con.execute(
            "SELECT coalesce(title, ''), text FROM core__mentions WHERE source = $source "
            f"AND (source, source_id) NOT IN {THEIRS}",
            {"source": source, "ids": author_ids}).fetchall() for value in row if value}


KPIS = {
    "mentions": "SELECT count(*) FROM core__mentions",
    "volume": "SELECT sum(mentions) FROM out__mention_volume_daily",
    "clustered": "SELECT sum(size) FROM core__issue_clusters",
    "routed": "SELECT sum(mentions) FROM out__routing_by_rule",
    "care_items": "SELECT items FROM out__care_kpis WHERE grain = 'all'",
}


def kpis(path: Path | Lake) -> dict[str, int]:
    with connect(path, read_only=True) as con:
        return {name: int(con.execute(sql).fetchone()[0] or 0) for name, sql in KPIS.items()}


def expected_drop(settings: Settings, source: str, author_ids: list[str]) -> dict[str, int]:
    """What erasing them must take off each KPI, worked out before the erasure."""
    with connect(settings.warehouse, read_only=True) as con:
        theirs = THEIRS
        params = {"source": source, "ids": author_ids}

        def one(sql: str) -> int:
            return int(con.execute(sql.replace("THEIRS", theirs), params).fetchone()[0] or 0)

        return {
            "mentions": one("SELECT count(*) FROM THEIRS"),
            "volume": one("SELECT count(*) FROM core__mentions WHERE (source, source_id) IN "
                          "THEIRS AND NOT is_deleted"),
            "clustered": one("SELECT count(*) FROM core__cluster_members k JOIN "
                             "core__mentions m USING (source, source_id) WHERE "
                             "(source, source_id) IN THEIRS AND NOT m.is_deleted"),
            "routed": one("SELECT count(*) FROM core__routing_decisions d JOIN core__mentions "
                          "m USING (source, source_id) WHERE (source, source_id) IN THEIRS "
                          "AND NOT m.is_deleted"),
            "care_items": one("""
                SELECT count(*) FROM (
                    SELECT d.delivery_key FROM core__delivery_mentions d
                    JOIN core__deliveries v USING (delivery_key)
                    JOIN core__mentions m USING (source, source_id)
                    WHERE v.status = 'delivered'
                    GROUP BY d.delivery_key
                    HAVING bool_and((d.source, d.source_id) IN THEIRS))"""),
        }


@pytest.mark.parametrize("source", ["x", "reddit", "forums", "feeds"])
def test_an_erased_author_leaves_no_trace_and_kpis_drop_by_their_mentions(demo_settings,
                                                                          source):
    erase_and_check(demo_settings, source)


def test_an_erased_author_leaves_no_trace_in_the_lake_its_files_or_its_catalog(
        lake, demo_run_steps, tmp_path, monkeypatch):
    # the same proof on the DuckLake warehouse (the demo's pipeline on part of its streams,
    # tests/warehouse/test_lake.py): no row of the lake or of its published view, no
    # Parquet file under its data path (a file only an expired snapshot named included),
    # and nothing in its catalog database keeps them (tests/maintenance/traces.py)
    if shutil.which("pg_dump") is None:
        pytest.skip("pg_dump is not installed: it reads the whole catalog database")
    erase_and_check(lake_settings(lake, demo_run_steps, tmp_path / "data", monkeypatch),
                    "reddit")


def erase_and_check(settings: Settings, source: str) -> None:
    """Erase an author of `source` by the maintenance run: before, the search finds them
    everywhere it looks; after, nowhere, and the KPIs drop by their mentions."""
    handle, author_ids = pick_author(settings, source)
    mentions = their_mentions(settings, source, author_ids)
    ids = [m[0] for m in mentions]
    if source == "feeds":  # keyed `<feed>:<guid>`; the guid as published is a trace too
        ids += sorted({entry_guid(i) for i in ids})
    names = display_names(settings, source, author_ids)
    shared = others_words(settings, source, author_ids)
    kinds = traces.kinds(handle, author_ids, ids,
                         [t for m in mentions for t in m[1:3] if t and t not in shared], names)
    wanted = set().union(*kinds.values())
    exact = traces.native(source, author_ids + ids, names)
    scanned = (("warehouse bytes",) if isinstance(settings.warehouse, Lake)
               else ("warehouse bytes", "snapshot bytes"))
    seen_before(traces.everywhere(settings, wanted, exact, source), kinds, exact, source,
                scanned)
    before, drop = kpis(settings.snapshot), expected_drop(settings, source, author_ids)
    assert drop["clustered"] >= 1 and drop["routed"] >= 1
    with connect(settings.warehouse, read_only=True) as con:
        # The run also erases what the platforms deleted (none of it shows in the views).
        drop["mentions"] += con.execute(
            f"SELECT count(*) FROM core__mentions WHERE is_deleted AND (source, source_id) "
            f"NOT IN {THEIRS}", {"source": source, "ids": author_ids}).fetchone()[0]

    request = requests.author_request(source, handle, f"ticket 42 for {handle}")
    requests.enqueue(settings, request)
    result = pipeline.maintain(settings, max_moment(settings))

    left = traces.everywhere(settings, wanted, exact, source)
    assert left == [], left
    after = kpis(settings.snapshot)
    assert {name: before[name] - after[name] for name in KPIS} == drop
    assert requests.pending(settings) == []
    assert [e["request_id"] for e in result["erasures"]][:1] == [request.request_id]
    with connect(settings.snapshot, read_only=True) as con:
        rows = audit.rows(con, settings, source, handle)
    assert len(rows) == 1
    row = rows[0]
    assert (row["kind"], row["source"], row["mentions"]) == ("author", source, len(mentions))
    assert row["reason"] == "ticket 42 for [erased]"
    assert row["handle_hmac"] == audit.handle_hmac(settings, source, handle.upper())
    assert '"warehouse:core__mentions": %d' % len(mentions) in row["removed"]


def display_names(settings: Settings, source: str, author_ids: list[str]) -> list[str]:
    with connect(settings.warehouse, read_only=True) as con:
        return [n for (n,) in con.execute(
            "SELECT DISTINCT display_name FROM core__authors WHERE source = ? AND "
            "list_contains(?, author_id) AND display_name IS NOT NULL",
            [source, author_ids]).fetchall()]


def seen_before(hits: list[tuple[str, str, str]], kinds: dict[str, set[str]],
                exact: set[str], source: str, scanned: tuple[str, ...]) -> None:
    """The search must find, before the erasure, every needle in the warehouse, some in
    the snapshot and in each store of bytes `scanned` (the warehouse's and the snapshot's
    files; on the lake, its files and catalog), and in the landing zone the handle,
    every platform-native id and name, and every kind of needle: a search that finds
    nothing proves nothing. (Ids the warehouse makes up are not in the landing zone: a
    forum's `host:2362` is written `2362` there, a feed author's `host:name` is the
    handle.)"""
    found: dict[str, set[str]] = {}
    for store, _, needle in hits:
        found.setdefault(store, set()).add(needle)
    wanted = set().union(*kinds.values())
    assert wanted - found.get("warehouse", set()) == set(), "missing in the warehouse"
    assert found.get("snapshot"), "the search must see them in the snapshot"
    for store in scanned:
        assert found.get(store), f"the scan must see them in the {store}"
    landing = found.get("landing", set())
    assert (kinds["handle"] | kinds["name"] | exact) - landing == set()
    made_up = {"forums": {"author_id", "source_id"}, "feeds": {"author_id"}}.get(source, ())
    for kind, needles in kinds.items():
        assert not needles or needles & landing or kind in made_up, (
            f"no {kind} in the landing zone")


def max_moment(settings: Settings):
    """The run's moment: the demo's own interval end, so retention keeps its fresh batches."""
    with connect(settings.warehouse, read_only=True) as con:
        return con.execute("SELECT max(interval_end) FROM raw__landing_batches").fetchone()[0]


def test_loading_everything_again_after_an_erasure_does_not_bring_the_author_back(
        demo_settings):
    settings = demo_settings
    handle, author_ids = pick_author(settings, "x")
    mentions = their_mentions(settings, "x", author_ids)
    step.apply(settings, requests.author_request("x", handle, "ticket 7"))

    assert pipeline.load_landed(settings)["batches_loaded"] == 0  # redacted files were reloaded
    with duckdb.connect(str(settings.warehouse)) as con:
        con.execute("DELETE FROM raw__landing_batches")  # forget every checksum: load all
    reloaded = pipeline.load_landed(settings)
    assert reloaded["batches_loaded"] > 0
    assert their_mentions(settings, "x", author_ids) == []
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM core__authors WHERE source = 'x' AND "
                           "lower(handle) = lower(?)", [handle]).fetchone()[0] == 0
        ids = [m[0] for m in mentions]
        assert con.execute("SELECT count(*) FROM raw__items WHERE source = 'x' AND "
                           "list_contains(?, source_id)", [ids]).fetchone()[0] == 0


def test_platform_deletions_from_a_file_and_from_the_warehouse(demo_settings, tmp_path):
    settings = demo_settings
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        gone = [r[0] for r in con.execute(
            "SELECT source_id FROM core__mentions WHERE source = 'x' AND NOT is_deleted "
            "ORDER BY source_id LIMIT 3").fetchall()]
        marked = con.execute("SELECT source, source_id FROM core__mentions WHERE is_deleted "
                             "ORDER BY ALL").fetchall()
        total = con.execute("SELECT count(*) FROM core__mentions").fetchone()[0]
    assert marked, "the demo sample has content its platforms deleted"
    ids = tmp_path / "deleted.txt"
    ids.write_text("\n".join(gone) + "\n\n")
    requests.enqueue(settings, requests.deletion_request("x", requests.read_ids(ids)))

    result = pipeline.maintain(settings, max_moment(settings))

    kinds = sorted((e["kind"], e["source"], e["mentions"]) for e in result["erasures"])
    assert ("platform_deletion", "x", 3) in kinds
    assert traces.everywhere(settings, {i.lower() for i in gone}) == []
    assert not (settings.data_dir / "requests" / "compact.pending").exists()
    with duckdb.connect(str(settings.snapshot), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM core__mentions WHERE is_deleted"
                           ).fetchone()[0] == 0
        assert con.execute("SELECT count(*) FROM core__mentions").fetchone()[0] == (
            total - 3 - len(marked))
        audited = con.execute("SELECT kind, handle_hmac FROM audit__erasures").fetchall()
    assert {kind for kind, _ in audited} == {"platform_deletion"}
    assert {h for _, h in audited} == {None}
    assert step.erase_all(settings, max_moment(settings)) == []  # nothing left to do


def test_an_erasure_refuses_a_desk_store_that_is_not_the_deployments(demo_settings,
                                                                      tmp_path):
    settings = demo_settings
    handle, _ = pick_author(settings, "x")
    request = requests.author_request("x", handle, "ticket 8")
    requests.enqueue(settings, request)
    settings.routing.desk_url = f"sqlite:///{tmp_path / 'elsewhere' / 'desk.sqlite'}"

    with pytest.raises(step.MaintenanceError, match="CAREWIRE_ROUTING__DESK_URL"):
        step.apply(settings, request)
    assert [r.request_id for r in requests.pending(settings)] == [request.request_id]


def test_the_quality_gate_does_not_judge_again_what_an_erasure_redacted(demo_settings):
    settings = demo_settings
    handle, _ = pick_author(settings, "reddit")
    unjudged = """SELECT count(*) FROM quality__checked c JOIN raw__landing_batches b
                  ON c.unit = b.batch_id WHERE c.suite IN ('landing_raw', 'raw_core_mentions')
                  AND c.fingerprint <> b.sha256"""
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        before = con.execute(unjudged).fetchone()[0]
        judged = con.execute("SELECT count(*) FROM quality__checked").fetchone()[0]
    assert judged

    row = step.apply(settings, requests.author_request("reddit", handle, "ticket 9"))

    assert '"warehouse:raw__landing_batches (reloaded)"' in row["removed"]
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        assert con.execute(unjudged).fetchone()[0] == before
