"""Compacting the stores after an erasure, so the erased bytes leave the files themselves.

DuckDB does not zero the blocks a DELETE or UPDATE frees, not even at CHECKPOINT: an
erased handle stays readable in the raw bytes of `warehouse.duckdb`, and the snapshot is a
byte copy of it. So after a run that erased or purged anything, the warehouse is copied
logically (`COPY FROM DATABASE` into a new file: only live rows are written), the copy is
checked (every table's rows, keys, views and the migration ledger), and it replaces the
warehouse by rename. The copy is made while this process holds the writer's lock; the
connection is closed just before the rename, so nothing of the old file is written after.

A pending compaction is marked by a file beside the erasure queue, made before an erasure
or a purge changes anything and removed once the warehouse is compact: a run that fails in
between compacts on the next run, whatever that run erases.

A DuckLake warehouse keeps deleted rows in its Parquet files, in rows inlined in its
catalog and in old snapshots; there compacting rewrites those files and expires the
snapshots instead (warehouse/lake.py, `compact`).

The SQLite desk is compacted with VACUUM, which rewrites every page; a PostgreSQL desk
keeps dead tuples until its own VACUUM (docs/privacy.md, "Not covered").
"""

from __future__ import annotations

import os
from pathlib import Path

import sqlalchemy as sa

from carewire.core.errors import WarehouseError
from carewire.core.files import private_dir
from carewire.core.settings import Settings
from carewire.core.types import Lake
from carewire.warehouse.db import connect
from carewire.warehouse.lake import compact as compact_lake

PENDING_FILE = "compact.pending"
ALIAS = "compacted"


def pending_path(settings: Settings) -> Path:
    return settings.data_dir / "requests" / PENDING_FILE


def mark(settings: Settings) -> None:
    """Note that the warehouse holds freed bytes of erased content (before changing it)."""
    path = pending_path(settings)
    private_dir(path.parent)
    path.touch()


def compact_if_pending(settings: Settings) -> bool:
    """Compact the warehouse if an erasure or purge left freed bytes in it."""
    path = pending_path(settings)
    if not path.exists():
        return False
    compact_warehouse(settings.warehouse)
    path.unlink(missing_ok=True)
    return True


def _shape(con, database: str) -> dict[str, object]:
    """What a logical copy must keep: tables with their row counts, keys, views, and the
    migration ledger."""
    tables = [name for (name,) in con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE database_name = ? ORDER BY table_name",
        [database]).fetchall()]
    return {
        "rows": {t: con.execute(f'SELECT count(*) FROM "{database}".main."{t}"').fetchone()[0]
                 for t in tables},
        "keys": sorted(con.execute(
            "SELECT table_name, constraint_type, constraint_column_names "
            "FROM duckdb_constraints() WHERE database_name = ? "
            "AND constraint_type IN ('PRIMARY KEY', 'UNIQUE')", [database]).fetchall()),
        "views": sorted(con.execute(
            "SELECT view_name, sql FROM duckdb_views() WHERE database_name = ? "
            "AND NOT internal", [database]).fetchall()),
        "migrations": sorted(con.execute(
            f'SELECT version, checksum FROM "{database}".main._carewire_migrations'
        ).fetchall()),
    }


def compact_warehouse(path: Path | Lake) -> None:
    """Replace the warehouse file by a logical copy of itself (see the module doc); on
    DuckLake, rewrite the files that hold deleted rows and drop the old snapshots
    (warehouse/lake.py, `compact`)."""
    if isinstance(path, Lake):
        with connect(path) as con:
            compact_lake(con)
        return
    path = Path(path)
    new = path.with_name(f".{path.name}.compact")
    new.unlink(missing_ok=True)
    try:
        with connect(path) as con:
            con.execute("CHECKPOINT")
            database = con.execute("SELECT current_database()").fetchone()[0]
            con.execute(f"ATTACH '{new}' AS {ALIAS}")
            con.execute(f'COPY FROM DATABASE "{database}" TO {ALIAS}')
            before, after = _shape(con, database), _shape(con, ALIAS)
            con.execute(f"DETACH {ALIAS}")
            if before != after:
                differ = sorted(k for k in before if before[k] != after[k])
                raise WarehouseError(
                    f"compacting {path} made a copy that differs in {', '.join(differ)}; the "
                    "warehouse is unchanged and the next maintenance run tries again")
        wal = path.with_name(path.name + ".wal")
        if wal.exists() and wal.stat().st_size:
            raise WarehouseError(
                f"{wal} appeared while {path} was being compacted (another writer opened it); "
                "the warehouse is unchanged and the next maintenance run tries again")
        os.replace(new, path)
    finally:
        new.unlink(missing_ok=True)
        path.with_name(new.name + ".wal").unlink(missing_ok=True)


def compact_desk(engine: sa.Engine) -> None:
    """Rewrite a SQLite desk so that deleted rows leave its free pages."""
    if engine.dialect.name != "sqlite":
        return
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("VACUUM")
