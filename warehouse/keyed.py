"""Writes keyed on a table's registered key, the same on both backends.

The DuckDB file enforces the migrations' primary keys and DuckLake enforces none, so
`INSERT OR REPLACE`, `INSERT OR IGNORE` and `ON CONFLICT` (which need a key the database
knows) do not run on DuckLake. These helpers say the same things as MERGE on the key the
table registry gives (warehouse/tables.py), which both backends run: one way to write,
whichever warehouse is configured.

`rows` is any SELECT (or a VALUES list made by `values`) whose columns come in the order
of `columns`, the table's own by default; they are named by position, as INSERT INTO t
SELECT names them.

Each write is a transaction of its own, or part of the caller's (`transaction` joins an
open one): a MERGE reads the keys before it inserts, and on the lake only a transaction
keeps another writer from adding the same key between the two.
"""

from __future__ import annotations

from typing import Sequence

import duckdb

from carewire.warehouse.db import transaction
from carewire.warehouse.tables import TABLES

Params = Sequence | dict | None


def _source(table: str, rows: str, columns: Sequence[str] | None) -> tuple[list[str], str]:
    names = list(TABLES[table].column_names if columns is None else columns)
    return names, f"({rows}) AS arriving({', '.join(names)})"


def _insert(names: Sequence[str]) -> str:
    return (f"WHEN NOT MATCHED THEN INSERT ({', '.join(names)}) "
            f"VALUES ({', '.join('arriving.' + n for n in names)})")


def put(con: duckdb.DuckDBPyConnection, table: str, rows: str, params: Params = None,
        columns: Sequence[str] | None = None, updates: dict[str, str] | None = None) -> int:
    """Each incoming row replaces the row with its key, or is added (INSERT OR REPLACE).

    `updates` gives, per column, the expression it takes when the key is there (in terms
    of `arriving.` and the table's own name, as ON CONFLICT DO UPDATE would), instead of
    the incoming value. Returns how many rows were written."""
    names, source = _source(table, rows, columns)
    key = TABLES[table].primary_key
    sets = ", ".join(f"{n} = {(updates or {}).get(n, 'arriving.' + n)}"
                     for n in names if n not in key)
    matched = f"WHEN MATCHED THEN UPDATE SET {sets} " if sets else ""
    with transaction(con):
        return con.execute(f"MERGE INTO {table} USING {source} USING ({', '.join(key)}) "
                           f"{matched}{_insert(names)}", params).fetchone()[0]


def add_new(con: duckdb.DuckDBPyConnection, table: str, rows: str, params: Params = None,
            columns: Sequence[str] | None = None) -> int:
    """Only the incoming rows whose key is not there yet are added, once each (INSERT OR
    IGNORE): of several incoming rows with one key, one is added. Returns how many."""
    names, source = _source(table, rows, columns)
    key = ", ".join(TABLES[table].primary_key)
    once = (f"(SELECT * FROM {source} QUALIFY row_number() OVER (PARTITION BY {key}) = 1)"
            " AS arriving")
    with transaction(con):
        return con.execute(f"MERGE INTO {table} USING {once} USING ({key}) {_insert(names)}",
                           params).fetchone()[0]


def values(width: int, count: int = 1) -> str:
    """`count` rows of `width` parameters, for `put` and `add_new` (their params flat)."""
    row = f"({', '.join('?' * width)})"
    return f"VALUES {', '.join([row] * count)}"
