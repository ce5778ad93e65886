"""Analyst SQL that cannot change a byte on disk (`carewire sql`).

The snapshot is opened read-only, but a read-only DuckDB still lets a statement ATTACH the
live warehouse read-write, COPY a result over any file, read any file (read_csv) or
INSTALL and LOAD extensions. So the query runs in an in-memory DuckDB that attaches the
snapshot READ_ONLY and then turns off every file system access and locks its
configuration (DuckDB's own guards: `enable_external_access`, `lock_configuration`, no
extension auto-loading); a statement can read the tables it was given and nothing else.
On top of that, exactly one SELECT per call: anything else is refused before it runs,
with what to do instead.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd

from carewire.core.errors import CarewireError
from carewire.core.types import Lake
from carewire.warehouse.lake import attach


class AnalystQueryError(CarewireError):
    """A query `carewire sql` will not run, or that failed; the message says why."""


def connect(snapshot: Path | Lake) -> duckdb.DuckDBPyConnection:
    """An in-memory connection whose default database is `snapshot`, read-only, and which
    can reach no file and change no setting. The DuckLake's published snapshot is read
    the same way; its own data folder is the one place files are read from."""
    con = duckdb.connect(":memory:", config={"autoinstall_known_extensions": False,
                                             "autoload_known_extensions": False})
    try:
        if isinstance(snapshot, Lake):
            attach(con, snapshot, read_only=True)
            con.execute("SET allowed_directories = ?", [[snapshot.data_path]])
        else:
            _attach_file(con, Path(snapshot))
    except BaseException:
        con.close()
        raise
    con.execute("SET enable_external_access = false")
    con.execute("SET lock_configuration = true")
    return con


def _attach_file(con: duckdb.DuckDBPyConnection, snapshot: Path) -> None:
    if not snapshot.exists():
        raise AnalystQueryError(f"{snapshot} does not exist yet: run `carewire demo` or the "
                                "process DAG first")
    path = str(snapshot.resolve()).replace("'", "''")  # ATTACH takes no bound parameter
    con.execute(f"ATTACH '{path}' AS snapshot (READ_ONLY)")
    con.execute("USE snapshot")


def query(snapshot: Path | Lake, sql: str) -> pd.DataFrame:
    """The rows of one SELECT on the snapshot."""
    con = connect(snapshot)
    try:
        try:
            statements = con.extract_statements(sql)
        except duckdb.Error as exc:
            raise AnalystQueryError(f"query failed: {exc}") from exc
        if len(statements) != 1:
            raise AnalystQueryError(
                f"one statement per call, found {len(statements)}: run them one at a time")
        if statements[0].type != duckdb.StatementType.SELECT:
            raise AnalystQueryError(
                f"only a SELECT can run here, not {statements[0].type.name}: the snapshot is "
                "for reading; changes to the warehouse are made by the pipeline")
        try:
            return con.execute(sql).df(date_as_object=True)  # a DATE prints as a date
        except duckdb.Error as exc:  # DuckDB's own message is the useful one
            raise AnalystQueryError(f"query failed: {exc}") from exc
    finally:
        con.close()
