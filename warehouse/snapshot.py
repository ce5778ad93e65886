"""The analyst snapshot: the warehouse written out in a storage format BI tools open,
published by atomic rename, with a row saying what it holds.

Analysts open `analytics.duckdb` (read-only, as long as they like). Publishing writes a
new file beside it and renames it over the old one: an open connection keeps reading the
old file, a new one sees the new file, and the pipeline never waits for anyone. A publish
killed mid-write leaves its temporary file behind: the next one removes it first (it
holds the writer's lock, so no other publish is running).

The new file is not a byte copy of the warehouse: the pipeline's DuckDB writes its newest
storage format, which the DuckDB builds bundled in BI drivers (Metabase, Superset's
duckdb-engine, DBeaver) refuse. So the snapshot is attached with the older
`storage_version` (setting `snapshot_storage_version`, default v1.0.0: DuckDB 1.0 and
later read it; tests/warehouse/test_snapshot_readers.py opens it with DuckDB 1.1.3) and filled by COPY FROM DATABASE, which carries the tables, the views and
their comments (the data dictionary, warehouse/dictionary.py).

Before writing it, the warehouse's `meta__snapshot` row is replaced: when this publish
happened, for which run and data interval, what the data spans, which policy and models
made it, and which DuckDB wrote it, so a reader can tell how fresh what they see is.

On the DuckLake warehouse there is no file to copy: a publish is the commit of that row,
signed as one, and readers attach the lake read-only at the newest such commit (`publish`).

The snapshot holds what the warehouse holds (authors, posts), so it is owner-only (0600)
in a folder created owner-only; `share_with_group` makes it 0640 for an analysts' group
(docs/privacy.md, file modes). Its mode is set on the temporary file, before the rename,
so no reader ever sees it looser.
"""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

import duckdb

from carewire import __version__
from carewire.core.files import dir_mode, file_mode, private_dir
from carewire.core.types import Interval, Lake
from carewire.warehouse.db import connect, transaction
from carewire.warehouse.lake import published_version, sign


LAKE_FORMAT = "ducklake"
"""`meta__snapshot.storage_version` on the DuckLake warehouse, which writes no file."""


@dataclass(frozen=True)
class Publication:
    """Who publishes, and when: the run (an Airflow run id, `demo-…`, `manual-…` for a command) and the
    data interval it processed, when it had one."""

    published_at: datetime
    run_id: str
    interval: Interval | None = None


def publish(warehouse: Path | Lake, snapshot: Path | Lake, publication: Publication, *,
            storage_version: str, share_with_group: bool = False) -> Path | Lake:
    """Publish what the warehouse holds now; return what readers open. On the DuckLake
    warehouse nothing is copied: the commit of the `meta__snapshot` row is signed as a
    publish, and readers attach the lake at that snapshot (`snapshot`, the lake marked
    `published`: warehouse/lake.py) while writers go on committing newer ones."""
    if isinstance(warehouse, Lake):
        with connect(warehouse) as con:
            _record(con, publication, LAKE_FORMAT)
        return snapshot
    with connect(warehouse) as con:
        _record(con, publication, storage_version)
        con.execute("CHECKPOINT")  # everything in the main file, nothing left in the WAL
        private_dir(snapshot.parent, dir_mode(share_with_group))
        for leftover in snapshot.parent.glob(f".{snapshot.name}.*"):
            leftover.unlink(missing_ok=True)
        tmp = snapshot.parent / f".{snapshot.name}.{uuid.uuid4().hex[:12]}"
        try:
            _write(con, tmp, storage_version)
            os.chmod(tmp, file_mode(share_with_group))
            os.replace(tmp, snapshot)
        except BaseException:
            for left in (tmp, tmp.with_name(tmp.name + ".wal")):
                left.unlink(missing_ok=True)
            raise
    return snapshot


def is_published(snapshot: Path | Lake) -> bool:
    """Whether there is anything for readers yet: the file, or a publish in the lake."""
    if isinstance(snapshot, Lake):
        with connect(replace(snapshot, published=False), read_only=True) as con:
            return published_version(con) is not None
    return snapshot.exists()


def _write(con: duckdb.DuckDBPyConnection, target: Path, storage_version: str) -> None:
    """Every table and view, with their comments, into a new file in `storage_version`."""
    [(source,)] = con.execute("SELECT current_database()").fetchall()
    path = str(target).replace("'", "''")  # ATTACH binds nothing
    version = storage_version.replace("'", "''")
    con.execute(f"ATTACH '{path}' AS carewire_snapshot (STORAGE_VERSION '{version}')")
    try:
        con.execute(f'COPY FROM DATABASE "{source}" TO carewire_snapshot')
    finally:
        con.execute("DETACH carewire_snapshot")  # checkpoints it: one file, no WAL


def _record(con: duckdb.DuckDBPyConnection, publication: Publication,
            storage_version: str) -> None:
    """Replace the one `meta__snapshot` row: what this publish will hold."""
    interval = publication.interval
    with transaction(con):
        sign(con, published=publication.run_id)
        con.execute("DELETE FROM meta__snapshot")
        con.execute("""
            INSERT INTO meta__snapshot BY NAME
            SELECT CAST(? AS TIMESTAMPTZ) AS published_at, ? AS run_id,
                   CAST(? AS TIMESTAMPTZ) AS run_interval_start,
                   CAST(? AS TIMESTAMPTZ) AS run_interval_end,
                   (SELECT min(interval_start) FROM raw__landing_batches) AS landed_from,
                   (SELECT max(interval_end) FROM raw__landing_batches) AS landed_until,
                   (SELECT count(*) FROM core__mentions WHERE NOT is_deleted) AS mentions,
                   (SELECT max(created_at) FROM core__mentions WHERE NOT is_deleted)
                       AS newest_mention_at,
                   (SELECT arg_max(policy_version, decided_for)
                    FROM core__routing_decisions) AS policy_version,
                   (SELECT arg_max(models_version, enriched_for)
                    FROM core__enrichments) AS models_version,
                   (SELECT arg_max(models, enriched_for) FROM core__enrichments) AS models,
                   ? AS carewire_version, version() AS duckdb_version,
                   ? AS storage_version""",
                    [publication.published_at, publication.run_id,
                     interval.start if interval else None, interval.end if interval else None,
                     __version__, storage_version])
