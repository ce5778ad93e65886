"""Opening the warehouse: one writer at a time, with an error that says who holds it."""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

import duckdb
import pandas as pd

from carewire.core.errors import WarehouseError
from carewire.core.files import PRIVATE_FILE, private_dir, private_umask, tighten
from carewire.core.types import Lake
from carewire.warehouse.lake import opened, sign, turn


@contextmanager
def connect(path: Path | Lake, *, read_only: bool = False
            ) -> Iterator[duckdb.DuckDBPyConnection]:
    """A connection to the warehouse: the DuckLake `path` names one (warehouse/lake.py),
    else the DuckDB file at `path`. Writing, the file and its .wal are
    owner-only (0600; a looser existing one is tightened, with a warning in the log), in a
    folder created owner-only: DuckDB makes the .wal anew after every checkpoint with the
    umask's mode, so the process's umask is at least 077 while a writing connection is
    open (carewire.core.files.private_umask)."""
    if isinstance(path, Lake):
        if path.published and not read_only:
            raise WarehouseError(f"{path} is the analysts' view, read-only: open the lake "
                                 "itself to write")
        if read_only:
            with opened(path, read_only=True) as con:
                yield con
            return
        if "://" not in path.data_path:  # a local folder: owner-only, as the file is
            private_dir(Path(path.data_path))
        with private_umask(), opened(path) as con:
            yield con
        return
    path = Path(path)
    if read_only:
        if not path.exists():
            raise WarehouseError(f"{path} does not exist yet: run `carewire demo` or the "
                                 "process DAG first")
        with _opened(path, read_only=True) as con:
            yield con
        return
    private_dir(path.parent)
    with private_umask(), _opened(path, read_only=False) as con:
        for written in (path, path.with_name(path.name + ".wal")):
            tighten(written, PRIVATE_FILE, "the warehouse")
        yield con


@contextmanager
def _opened(path: Path, *, read_only: bool) -> Iterator[duckdb.DuckDBPyConnection]:
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


_in_transaction: set[int] = set()
"""The connections (by id) inside a `transaction` block now."""


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """All statements inside commit together, or none do. Inside another transaction
    block of the same connection it joins that one (a helper that writes can say so
    without knowing its caller's). On the lake, the transaction waits for its turn to
    write and holds it until it ends (warehouse/lake.py), so every statement that changes
    the warehouse runs inside one, even when it is alone."""
    if id(con) in _in_transaction:
        yield
        return
    with turn(con):
        con.execute("BEGIN")
        _in_transaction.add(id(con))
        try:
            sign(con)
            yield
        except BaseException:
            con.execute("ROLLBACK")
            raise
        else:
            con.execute("COMMIT")
        finally:
            _in_transaction.discard(id(con))


@contextmanager
def registered(con: duckdb.DuckDBPyConnection, frame: pd.DataFrame,
               name: str = "incoming") -> Iterator[str]:
    """`frame` queryable as the view `name` inside the block."""
    con.register(name, frame)
    try:
        yield name
    finally:
        con.unregister(name)
