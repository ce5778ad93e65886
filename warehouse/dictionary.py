"""The data dictionary in the warehouse itself, written from the registry (warehouse/tables.py).

Two forms of the same descriptions, so every reader finds them where it looks:

- the catalog's COMMENTs on every table, view and column: `DESCRIBE`-style tools, the
  DuckDB UI, DBeaver, Metabase and Superset show them, and `duckdb_columns()` returns them;
- `meta__tables` (one row per table and view: grain, key, personal columns, exported,
  retention), which the view `meta__columns` joins to the catalog: one row per column with
  its type, description, grain, whether it is part of the key and whether it holds
  personal data.

`describe` runs after every migrate. A migration that replaces a view drops the view's
comments, so they are compared with the registry each time and only what differs is
written, in one transaction: a current warehouse costs one catalog read. DuckLake takes no
comment on a view's columns; there `meta__columns` has no description for them, and
docs/dictionary.md (and a file warehouse) has them.
"""

from __future__ import annotations

import duckdb

from carewire.warehouse.db import transaction
from carewire.warehouse.lake import is_lake
from carewire.warehouse.tables import TABLES, VIEWS, Table, View


def describe(con: duckdb.DuckDBPyConnection) -> int:
    """Bring comments and `meta__tables` in line with the registry; the statements run."""
    objects = {**TABLES, **VIEWS}
    present = {name: kind for name, kind in con.execute(
        "SELECT table_name, table_type FROM information_schema.tables "
        "WHERE table_catalog = current_database() AND table_schema = 'main'").fetchall()}
    found = {(table, column): comment for table, column, comment in con.execute(
        "SELECT table_name, column_name, comment FROM duckdb_columns() "
        "WHERE database_name = current_database() AND schema_name = 'main'").fetchall()}
    found |= {(name, None): comment for name, comment in con.execute(
        "SELECT table_name, comment FROM duckdb_tables() WHERE database_name = "
        "current_database() AND schema_name = 'main' UNION ALL SELECT view_name, comment "
        "FROM duckdb_views() WHERE database_name = current_database() "
        "AND schema_name = 'main' AND NOT internal").fetchall()}
    statements = []
    view_columns = not is_lake(con)
    for name, obj in objects.items():
        if name not in present:  # a partial migrations folder (tests); the registry test
            continue             # proves a full one makes them all
        kind = "VIEW" if isinstance(obj, View) else "TABLE"
        if found.get((name, None)) != comment_of(obj):
            statements.append((f"COMMENT ON {kind} {name} IS ?", comment_of(obj)))
        for column in obj.columns if kind == "TABLE" or view_columns else ():
            if (name, column.name) not in found:  # added by a migration not in the folder
                continue
            if found.get((name, column.name)) != column.description:
                statements.append((f"COMMENT ON COLUMN {name}.{column.name} IS ?",
                                   column.description))
    rows: list[tuple] = []
    stored: list[tuple] = []
    if "meta__tables" in present:
        rows = sorted(_meta_row(obj) for name, obj in objects.items() if name in present)
        stored = sorted(tuple(row) for row in con.execute(
            "SELECT * FROM meta__tables").fetchall())
    with transaction(con):
        for sql, text in statements:  # COMMENT ON binds no parameter
            con.execute(sql.replace("?", "'" + text.replace("'", "''") + "'"))
        if stored != rows:
            con.execute("DELETE FROM meta__tables")
            con.executemany("INSERT INTO meta__tables VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)
    return len(statements) + (stored != rows)


def comment_of(obj: Table | View) -> str:
    """A table's or view's comment: what one row is, and its key."""
    return f"One row per {obj.grain}. Key: {', '.join(obj.primary_key) or 'none'}."


def _meta_row(obj: Table | View) -> tuple:
    return (obj.name, "view" if isinstance(obj, View) else "table", obj.grain,
            list(obj.primary_key), obj.personal,
            [c.name for c in obj.columns if c.personal], obj.exported,
            getattr(obj, "retention", None))
