"""Warehouse rows for tests: every table read back row for row, so a test can say
"nothing changed" without trusting the fingerprints the pipeline itself computes, and a
row written with plain values in the columns a test is not about."""

from __future__ import annotations

from pathlib import Path

import duckdb


def tables(path: Path) -> dict[str, list[tuple]]:
    """Table name -> its rows, sorted. Not `meta__snapshot`: the record of the latest
    publish, which every publish replaces (when, by which run)."""
    with duckdb.connect(str(path), read_only=True) as con:
        names = [row[0] for row in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main' "
            "AND table_type = 'BASE TABLE' AND table_name <> 'meta__snapshot' "
            "ORDER BY 1").fetchall()]
        return {name: sorted(con.execute(f'SELECT * FROM "{name}"').fetchall(), key=repr)
                for name in names}


def insert(con, table: str, moment, **values) -> None:
    """A row of `table` with `values`, and a plain value in every other required column
    (`moment` in its timestamps), from the registry: a test names only what it is about."""
    from carewire.warehouse.tables import TABLES

    plain = {"VARCHAR": "x", "DOUBLE": 0.0, "BOOLEAN": False, "BIGINT": 0, "INTEGER": 0,
             "TIMESTAMPTZ": moment, "JSON": "{}", "VARCHAR[]": []}
    row = {c.name: plain[c.type] for c in TABLES[table].columns if c.required}
    row.update(values)
    con.execute(f"INSERT INTO {table} ({', '.join(row)}) VALUES "
                f"({', '.join('?' for _ in row)})", list(row.values()))
