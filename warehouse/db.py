"""Opening the warehouse: one writer at a time, with an error that says who holds it."""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import duckdb

from carewire.errors import WarehouseError


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
