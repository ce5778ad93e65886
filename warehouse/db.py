"""Opening the warehouse: one writer at a time, with an error that says who holds it."""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

import duckdb
import pandas as pd

from carewire.core.errors import WarehouseError


@contextmanager
def connect(path: Path, *, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
    path = Path(path)
    if read_only and not path.exists():
        raise WarehouseError(f"{path} does not exist yet: run `carewire demo` or the process DAG "
                             "first")
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        con = duckdb.connect(str(path), read_only=read_only)
    except duckdb.IOException as exc:
        raise WarehouseError(
            f"cannot open {path}: {exc}. DuckDB allows one writing process; analysts should "
            "query the snapshot (data/analytics.duckdb), and only the process DAG writes here."
        ) from exc
    try:
        yield con
    finally:
        con.close()


def records(con: duckdb.DuckDBPyConnection, sql: str,
            params: list | dict | None = None) -> list[dict[str, Any]]:
    """The rows of a query as dicts keyed by column name."""
    cursor = con.execute(sql, params or [])
    names = [column[0] for column in cursor.description]
    return [dict(zip(names, row)) for row in cursor.fetchall()]


def affected(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> int:
    """How many rows a DELETE or UPDATE changed."""
    return con.execute(sql, params or []).fetchone()[0]


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """All statements inside commit together, or none do."""
    con.execute("BEGIN")
    try:
        yield
    except BaseException:
        con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")


@contextmanager
def registered(con: duckdb.DuckDBPyConnection, frame: pd.DataFrame,
               name: str = "incoming") -> Iterator[str]:
    """`frame` queryable as the view `name` inside the block."""
    con.register(name, frame)
    try:
        yield name
    finally:
        con.unregister(name)
