"""The DuckLake warehouse (warehouse/lake.py) on this machine's PostgreSQL: extensions from
the installed packages only, the same migrations, keyed writes that agree with the file's,
and the demo's pipeline ending in the same rows as on the file."""

from __future__ import annotations

import multiprocessing
import shutil
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path

import duckdb
import pytest

from carewire.core.errors import WarehouseError
from carewire.core.settings import SAMPLE_CONFIG, load_settings
from carewire.core.types import Lake
from carewire.maintenance.compact import compact_warehouse
from carewire.warehouse import lake as lake_module
from carewire.warehouse.analyst import AnalystQueryError, query
from carewire.warehouse.db import connect
from carewire.warehouse.keyed import add_new, put, values
from carewire.warehouse.migrate import available, migrate
from carewire.warehouse.snapshot import Publication, publish
from carewire.warehouse.tables import TABLES
from tests.maintenance.traces import catalog_dump


def test_a_missing_extension_package_is_named_and_nothing_is_fetched(monkeypatch):
    monkeypatch.setattr(lake_module, "EXTENSIONS", (
        ("ducklake", "duckdb_extension_not_installed_here", "duckdb-extension-ducklake"),))
    with pytest.raises(WarehouseError, match=r"package duckdb-extension-ducklake, which is "
                                              r"not installed: pip install 'carewire\[ducklake\]'"):
        with lake_module.opened(Lake("postgres:dbname=none", "/nowhere/")):
            pass


def test_every_primary_key_the_lake_cannot_hold_is_in_the_registry():
    # the keyed writes merge on the registry's keys: they must be the migrations' own
    con = duckdb.connect()
    migrate(con)
    declared = {table: tuple(columns) for table, columns in con.execute(
        "SELECT table_name, constraint_column_names FROM duckdb_constraints() "
        "WHERE constraint_type = 'PRIMARY KEY'").fetchall()}
    assert declared == {name: table.primary_key for name, table in TABLES.items()
                        if table.primary_key}
    assert "PRIMARY KEY" not in lake_module.portable(
        "CREATE TABLE t (a INT PRIMARY KEY, b INT NOT NULL, c INT UNIQUE, PRIMARY KEY (a, b))")


def test_migrations_make_the_same_schema_on_the_lake_then_nothing(lake):
    file = duckdb.connect()
    migrate(file)
    with connect(lake) as con:
        assert lake_module.is_lake(con)
        assert [m.version for m in migrate(con)] == [m.version for m in available()]
        assert migrate(con) == []
        columns = ("SELECT table_name, column_name, data_type FROM information_schema.columns "
                   "WHERE table_catalog = current_database() AND table_schema = 'main' "
                   "ORDER BY ALL")
        assert con.execute(columns).fetchall() == file.execute(columns).fetchall()
        assert (con.execute("SELECT count(*) FROM meta__tables").fetchone()
                == file.execute("SELECT count(*) FROM meta__tables").fetchone())


@pytest.fixture(params=["file", "lake"])
def warehouse(request, tmp_path):
    """A migrated warehouse of either backend."""
    target = request.getfixturevalue("lake") if request.param == "lake" \
        else tmp_path / "warehouse.duckdb"
    with connect(target) as con:
        migrate(con)
    return target


def test_keyed_writes_replace_and_add_the_same_on_both_backends(warehouse):
    row = ["b1", "feeds", "news", "2026-11-24 07:00:00+00", "2026-11-24 08:00:00+00",
           "feeds/news/1.jsonl", "sha-1", 1, 2, 0]
    with connect(warehouse) as con:
        assert put(con, "raw__landing_batches", values(10), row) == 1
        assert put(con, "raw__landing_batches", values(10), [*row[:6], "sha-2", 1, 3, 0]) == 1
        assert con.execute("SELECT sha256, item_count FROM raw__landing_batches"
                           ).fetchall() == [("sha-2", 3)]
        event = ["e1", "2026-11-24 08:00:00+00", "synced", None, "forums", None, None, "{}",
                 "2026-11-24 08:00:00+00"]
        assert add_new(con, "core__events", values(9, 2), [*event, *event]) == 1
        assert add_new(con, "core__events", values(9), [*event[:2], "other", *event[3:]]) == 0
        assert con.execute("SELECT event_id, kind FROM core__events").fetchall() == [
            ("e1", "synced")]


STREAMS = ("forums/kestrel-community", "reddit/brand", "reddit/r-kestrelmobile",
           "reddit/r-uktelecoms", "feeds/phonebeat", "feeds/deals-feed", "feeds/kestrelfans-blog")
"""The part of the demo's landing zone the pipeline runs on here, on both backends: a
forum with accepted answers, every Reddit stream and three feeds, two of them with
records set aside, about 160 deliveries. The whole sample's 450 deliveries, one commit
each, take DuckLake over a minute and a half (docs/scaling.md, step 4)."""


def _pipeline(settings, deliver) -> dict:
    """The demo's writing steps, in its order (carewire/app/demo.py), then a publish;
    `deliver(settings, now)` delivers. Returns what delivery reported."""
    from carewire.app import agent_session, pipeline
    from carewire.quality import GATES_AFTER

    interval = agent_session.for_settings(settings).window
    run_id, now = "demo-both-backends", interval.end
    pipeline.migrate(settings)
    pipeline.load_landed(settings)
    pipeline.gate(settings, GATES_AFTER["load"], run_id, now)
    pipeline.enrich(settings)
    pipeline.gate(settings, GATES_AFTER["enrich"], run_id, now)
    pipeline.detect_alerts(settings, interval.end)
    pipeline.route(settings, interval.end, now)
    pipeline.gate(settings, GATES_AFTER["route"], run_id, now)
    delivered = deliver(settings, now)
    pipeline.publish(settings, run_id=run_id, interval=interval, now=now)
    return delivered


def _deliver(settings, now) -> dict:
    from carewire.app import pipeline

    counts = pipeline.deliver(settings, {}, now)
    return {"delivered": counts["delivered"], "found_existing": counts["found_existing"]}


def _deliver_in_a_process(now, start, results) -> None:
    """`pipeline.deliver` in a process of its own, on the settings its environment gives."""
    start.wait()
    results.put(_deliver(load_settings(SAMPLE_CONFIG), now))


def _deliver_twice_at_once(settings, now) -> dict:
    """Two processes deliver the same pending work at the same instant (the process and
    sync_outcomes DAGs both do on the lake): each delivery must still be posted once."""
    spawn = multiprocessing.get_context("spawn")
    start, results = spawn.Barrier(2), spawn.Queue()
    both = [spawn.Process(target=_deliver_in_a_process, args=(now, start, results))
            for _ in range(2)]
    for process in both:
        process.start()
    for process in both:
        process.join(timeout=600)
    assert [process.exitcode for process in both] == [0, 0]
    reports = [results.get(timeout=5) for _ in both]
    return {name: sum(report[name] for report in reports) for name in reports[0]}


def _counts(con) -> dict[str, int]:
    return {name: con.execute(f"SELECT count(*) FROM {name}").fetchone()[0] for name in TABLES}


def _landed(demo_run_steps, data: Path, monkeypatch) -> None:
    """The STREAMS' landing zone as the demo's load found it, in the data directory `data`
    that the environment names from now on."""
    for stream in STREAMS:
        shutil.copytree(demo_run_steps.before["load"] / "landing" / stream,
                        data / "landing" / stream)
    monkeypatch.setenv("CAREWIRE_DATA_DIR", str(data))


def lake_settings(lake: Lake, demo_run_steps, data: Path, monkeypatch):
    """Settings on the lake after the demo's pipeline ran on the STREAMS' landing zone."""
    _landed(demo_run_steps, data, monkeypatch)
    monkeypatch.setenv("CAREWIRE_WAREHOUSE_URL", "ducklake:" + lake.catalog)
    monkeypatch.setenv("CAREWIRE_WAREHOUSE_DATA_PATH", lake.data_path)
    settings = load_settings(SAMPLE_CONFIG)
    _pipeline(settings, _deliver)
    return settings


def test_the_demo_pipeline_makes_the_same_rows_on_the_lake_as_on_the_file(
        lake, demo_run_steps, tmp_path, monkeypatch):
    # the landing zone as the demo's load found it, loaded, enriched, routed, delivered
    # and published by the same steps on each backend: every table holds as many rows on
    # DuckLake as in the file, and readers see them all at the published snapshot. On the
    # lake two processes deliver at once, and between them post each delivery once
    runs, delivered = {}, {}
    for backend in ("file", "lake"):
        _landed(demo_run_steps, tmp_path / backend, monkeypatch)
        if backend == "lake":
            monkeypatch.setenv("CAREWIRE_WAREHOUSE_URL", "ducklake:" + lake.catalog)
            monkeypatch.setenv("CAREWIRE_WAREHOUSE_DATA_PATH", lake.data_path)
        settings = load_settings(SAMPLE_CONFIG)
        delivered[backend] = _pipeline(
            settings, _deliver if backend == "file" else _deliver_twice_at_once)
        with connect(settings.warehouse, read_only=True) as con:
            runs[backend] = _counts(con)
        with connect(settings.snapshot, read_only=True) as snapshot:
            assert _counts(snapshot) == runs[backend]
    assert settings.warehouse == lake
    assert runs["lake"]["core__deliveries"] > 100
    assert runs["lake"] == runs["file"]
    assert delivered["lake"] == delivered["file"] == {
        "delivered": runs["file"]["core__deliveries"], "found_existing": 0}


def _traces(lake: Lake, word: bytes) -> list[str]:
    """Where `word` is still written: the lake's files, and its catalog database dumped
    whole by pg_dump (inlined rows, column statistics, everything)."""
    found = [str(path) for path in Path(lake.data_path).rglob("*")
             if path.is_file() and word in path.read_bytes()]
    return found + (["catalog"] if word.decode() in catalog_dump(lake) else [])


def test_compacting_the_lake_leaves_no_trace_of_deleted_rows(lake):
    # a DELETE leaves the row in Parquet, in rows inlined in the catalog, in min/max
    # statistics and in old snapshots; compact (what an erasure runs) removes all of them
    if shutil.which("pg_dump") is None:
        pytest.skip("pg_dump is not installed: it reads the whole catalog database")
    author = ["x", "a-erase-me", "handle_zqxv", None, None, 5, None, None, None, None, None,
              "2026-11-24 08:00:00+00", "2026-11-24 08:00:00+00"]
    with connect(lake) as con:
        migrate(con)
        for n in range(12):  # over DuckLake's inlining limit: a Parquet file too
            put(con, "core__authors", values(13),
                [author[0], f"a-{n}", f"someone_{n}", *author[3:]])
        put(con, "core__authors", values(13), author)          # inlined in the catalog
        put(con, "core__authors", values(13, 12), [value for n in range(12) for value in
                                                   [author[0], f"b-{n}", "handle_zqxv",
                                                    *author[3:]]])  # in a file
    assert _traces(lake, b"handle_zqxv")
    with connect(lake) as con:
        con.execute("DELETE FROM core__authors WHERE handle = 'handle_zqxv'")
        assert _traces(lake, b"handle_zqxv")  # deleted, still written down
    compact_warehouse(lake)
    with connect(lake, read_only=True) as con:
        assert con.execute("SELECT count(*) FROM core__authors").fetchone() == (12,)
    assert _traces(lake, b"handle_zqxv") == []


def _publish(lake: Lake, run_id: str) -> None:
    publish(lake, replace(lake, published=True), Publication(
        datetime(2026, 11, 24, 9, tzinfo=timezone.utc), run_id), storage_version="v1.0.0")


def _authors(target: Lake) -> int:
    with connect(target, read_only=True) as con:
        return con.execute("SELECT count(*) FROM core__authors").fetchone()[0]


def test_readers_see_the_published_snapshot_until_the_next_publish(lake, tmp_path):
    # no copy: a publish signs its commit, and the analysts' view (Settings.snapshot, the
    # desk, `carewire sql`) attaches the lake at the newest such commit, while writers go
    # on committing; an erasure's compaction expires it with every other snapshot, and
    # the publish after it (maintenance always publishes) is what readers see next
    analysts = replace(lake, published=True)
    author = ["x", "a-0", "someone", None, None, 5, None, None, None, None, None,
              "2026-11-24 08:00:00+00", "2026-11-24 08:00:00+00"]
    with connect(lake) as con:
        migrate(con)
        put(con, "core__authors", values(13), author)
    with pytest.raises(WarehouseError, match="nothing is published"):
        _authors(analysts)
    _publish(lake, "run-1")
    with connect(lake) as con:
        put(con, "core__authors", values(13), author[:1] + ["a-1"] + author[2:])
    assert (_authors(lake), _authors(analysts)) == (2, 1)
    assert query(analysts, "SELECT run_id FROM meta__snapshot")["run_id"].tolist() == ["run-1"]
    with pytest.raises(AnalystQueryError, match="file system operations are disabled"):
        query(analysts, f"SELECT * FROM read_csv('{tmp_path}/nothing.csv')")
    with pytest.raises(WarehouseError, match="read-only"):
        with connect(analysts):
            pass
    _publish(lake, "run-2")
    assert _authors(analysts) == 2
    with connect(lake) as con:
        con.execute("DELETE FROM core__authors WHERE author_id = 'a-1'")
    compact_warehouse(lake)
    with pytest.raises(WarehouseError, match="nothing is published"):
        _authors(analysts)
    _publish(lake, "run-3")
    assert _authors(analysts) == 1
