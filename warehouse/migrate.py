"""Versioned migrations: numbered SQL files, applied in order, recorded in the database.

`warehouse/migrations/NNNN_name.sql` files run once each, inside one transaction per file,
and land in `_carewire_migrations` with a checksum. Editing a migration that already ran
is refused: write a new one instead, so every warehouse ends in the same schema.

On DuckLake a migration runs without the keys it declares (lake.portable), and where it
uses what DuckLake lacks (a LIST default, say), `migrations/ducklake/NNNN_name.sql` holds
its DuckLake form, which runs instead; it is recorded under the migration's own checksum,
so both backends agree on what has been applied.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

import duckdb

from carewire.core.errors import WarehouseError
from carewire.warehouse.db import transaction
from carewire.warehouse.dictionary import describe
from carewire.warehouse.lake import is_lake, portable, turn

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
LAKE_FORMS = "ducklake"
"""The folder, inside a migrations folder, of the migrations' DuckLake forms."""
_FILE = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")
REWRITTEN = {
    9: "e31a631a52d7eb72c9570765476a634862bb55474b17690352942f4ea78a3334",
    19: "8f29260690133fa118ded78728c27e6b945a4f82d9dbb471bb0bef555c00a180",
}
"""The two migrations whose text changed after they shipped, and the checksum of the text
warehouses applied: their data statements used JSON arrows beside AND and LIKE, which
DuckDB 1.5 parses the wrong way (migration 0022 says how), so the arrows are now in
parentheses. A warehouse that applied the earlier text under DuckDB 2 did what the new
text does, and stays current."""


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.sql.encode("utf-8")).hexdigest()


def available(directory: Path = MIGRATIONS_DIR) -> list[Migration]:
    migrations = []
    for path in sorted(directory.glob("*.sql")):
        match = _FILE.match(path.name)
        if not match:
            raise WarehouseError(f"migration file {path.name} must be named NNNN_name.sql")
        migrations.append(Migration(int(match[1]), match[2], path.read_text(encoding="utf-8")))
    versions = [m.version for m in migrations]
    if versions != list(range(1, len(versions) + 1)):
        raise WarehouseError(f"migrations must be numbered 1..n without gaps, found {versions}")
    return migrations


def migrate(con: duckdb.DuckDBPyConnection, directory: Path = MIGRATIONS_DIR) -> list[Migration]:
    """Apply what is missing, then bring the data dictionary in line with the registry
    (warehouse/dictionary.py); return the migrations applied now (empty when current).
    On the lake it all happens in one write turn: two DAGs starting at once find the
    same migrations missing, and the second must see what the first applied."""
    with turn(con):
        return _migrate(con, directory)


def _migrate(con: duckdb.DuckDBPyConnection, directory: Path) -> list[Migration]:
    lake = is_lake(con)
    ledger = """CREATE TABLE IF NOT EXISTS _carewire_migrations (
        version INTEGER PRIMARY KEY, name VARCHAR NOT NULL, checksum VARCHAR NOT NULL,
        applied_at TIMESTAMPTZ NOT NULL)"""
    with transaction(con):
        con.execute(portable(ledger) if lake else ledger)
    applied = dict(con.execute("SELECT version, checksum FROM _carewire_migrations").fetchall())
    done = []
    for migration in available(directory):
        if migration.version in applied:
            if applied[migration.version] not in (migration.checksum,
                                                  REWRITTEN.get(migration.version)):
                raise WarehouseError(
                    f"migration {migration.version:04d}_{migration.name} changed after it was "
                    "applied; restore it and add a new numbered migration instead")
            continue
        with transaction(con):
            con.execute(_lake_form(migration, directory) if lake else migration.sql)
            con.execute("INSERT INTO _carewire_migrations VALUES (?, ?, ?, current_timestamp)",
                        [migration.version, migration.name, migration.checksum])
        done.append(migration)
    describe(con)
    return done


def _lake_form(migration: Migration, directory: Path) -> str:
    """What runs on DuckLake for `migration`: its DuckLake form where one is written,
    else its own SQL; either without keys."""
    form = directory / LAKE_FORMS / f"{migration.version:04d}_{migration.name}.sql"
    return portable(form.read_text(encoding="utf-8") if form.exists() else migration.sql)
