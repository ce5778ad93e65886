"""The DuckLake warehouse: tables as Parquet files under a data path, their catalog in
PostgreSQL, opened through DuckDB's `ducklake` and `postgres_scanner` extensions.

Nothing is fetched at run time: the two extensions load from the installed PyPI packages
(`pip install 'carewire[ducklake]'`), each built for one DuckDB release, and DuckDB's own
autoinstall and autoload are off, so a missing piece is an error naming the package, never
a download. The lake is attached as `lake` and made the default database, so every query
of the pipeline reads and writes it by the same unqualified table names as the file.

What DuckLake does not enforce, carewire does itself: it has no primary keys, so the
migrations' keys are stripped from the DDL here (`portable`), and the writes that relied on
them go through `warehouse.keyed` (MERGE on the registry's keys, on either backend).

Several processes write the lake at once, and DuckLake alone does not keep them apart:
two transactions that change one table fail the later commit ("Transaction conflict"), and
two MERGEs of the same new key, each reading before the other commits, both insert it
(DuckLake checks no key). So every carewire write transaction takes its turn (`turn`): a
PostgreSQL advisory lock in the catalog database, held from BEGIN to COMMIT. What runs in
parallel is everything between transactions (fetching, the model, the platforms' calls);
no two writes interleave, so no commit conflicts and no key is added twice. Each commit
names its writer (`ducklake_snapshots()`: author `carewire`, message: process and host).
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import socket
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import ContextManager, Iterator

import duckdb
import psycopg

from carewire.core.errors import WarehouseError
from carewire.core.types import Lake

EXTENSIONS = (("postgres_scanner", "duckdb_extension_postgres_scanner",
               "duckdb-extension-postgres-scanner"),
              ("ducklake", "duckdb_extension_ducklake", "duckdb-extension-ducklake"))
"""(extension, its module, its PyPI package), in load order."""

ALIAS = "lake"
"""The name the lake is attached as, and made the default database under."""


def extension_file(extension: str, module: str, package: str) -> Path:
    """Where the installed package keeps the extension built for this DuckDB."""
    spec = importlib.util.find_spec(module)
    if spec is None or spec.origin is None:
        raise WarehouseError(
            f"the DuckLake warehouse needs the DuckDB extension '{extension}' from the "
            f"package {package}, which is not installed: pip install 'carewire[ducklake]' "
            "(or make install)")
    path = Path(spec.origin).parent / "extensions" / f"v{duckdb.__version__}" / \
        f"{extension}.duckdb_extension"
    if not path.exists():
        built = sorted(p.name for p in path.parent.parent.glob("v*"))
        raise WarehouseError(
            f"{package} holds '{extension}' for DuckDB {', '.join(built) or 'no version'}, "
            f"but this is DuckDB v{duckdb.__version__}: install the matching pair "
            "(constraints-3.11.txt pins them)")
    return path


def _quoted(text: str) -> str:
    """`text` as an SQL string literal (ATTACH and LOAD bind no parameters)."""
    return "'" + text.replace("'", "''") + "'"


@contextmanager
def opened(lake: Lake, *, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
    """An in-memory DuckDB with the lake attached as the default database (read-only
    when asked, and always at the published snapshot when `lake.published`)."""
    con = duckdb.connect(":memory:", config={"autoinstall_known_extensions": False,
                                             "autoload_known_extensions": False})
    try:
        attach(con, lake, read_only=read_only)
        if not read_only:
            _turns[id(con)] = _Turns(lake)
        yield con
    finally:
        turns = _turns.pop(id(con), None)
        if turns is not None:
            turns.close()
        con.close()


def attach(con: duckdb.DuckDBPyConnection, lake: Lake, *, read_only: bool) -> None:
    """Load the extensions into `con` and attach the lake as its default database. The
    analysts' view (`lake.published`) is read-only at the snapshot the last publish
    committed: attached once to find it, then again at it."""
    for extension in EXTENSIONS:
        con.execute(f"LOAD {_quoted(str(extension_file(*extension)))}")
    options = [f"DATA_PATH {_quoted(lake.data_path)}"]
    if read_only or lake.published:
        options.append("READ_ONLY")
    _attach(con, lake, options)
    if lake.published:
        version = published_version(con)
        if version is None:
            raise WarehouseError(
                f"nothing is published in the DuckLake warehouse {lake} yet (or since an "
                "erasure compacted it): run the publish DAG, `carewire demo`, or a command "
                "that writes, which publishes")
        con.execute(f"DETACH {ALIAS}")
        _attach(con, lake, options + [f"SNAPSHOT_VERSION {int(version)}"])
    con.execute(f"USE {ALIAS}")


def _attach(con: duckdb.DuckDBPyConnection, lake: Lake, options: list[str]) -> None:
    try:
        con.execute(f"ATTACH {_quoted('ducklake:' + lake.catalog)} AS {ALIAS} "
                    f"({', '.join(options)})")
    except duckdb.Error as exc:
        raise WarehouseError(
            f"cannot attach the DuckLake warehouse (catalog {lake.safe_catalog}, data "
            f"{lake.data_path}): {exc}. Check that the catalog database exists "
            "(createdb) and takes this user, and that the data path is the one it was "
            "made with") from exc


def published_version(con: duckdb.DuckDBPyConnection) -> int | None:
    """The newest snapshot of the attached lake that a publish committed (`sign`), or None
    when there is none: never published, or every publish expired by a compaction."""
    return con.execute(
        f"SELECT max(snapshot_id) FROM ducklake_snapshots({_quoted(ALIAS)}) "
        "WHERE author = ? AND json_extract_string(commit_extra_info, '$.published') "
        "IS NOT NULL", [AUTHOR]).fetchone()[0]


LOCK_SPACE = 0x63617265  # 'care': the first key of carewire's advisory locks
LOCKS = {"write": 1, "deliver": 2}
"""carewire's advisory locks in the catalog database, by what each keeps to one process at
a time: `write`, a write transaction (any table); `deliver`, a pass that does what was
planned outside (the pending deliveries, routing/deliver.py; the community's planned acts,
routing/community.py), where two passes reading the same planned row would both post it."""

AUTHOR = "carewire"
"""The author every carewire commit is recorded under in the lake's snapshots."""


class _Turns:
    """One writing connection's advisory locks: a PostgreSQL session of its own in the
    catalog database (advisory locks belong to a session), opened at the first turn.
    PostgreSQL counts a session's locks, so a turn inside a turn of the same name (a
    transaction inside a migration) holds it once more and never waits on itself."""

    def __init__(self, lake: Lake):
        self.lake = lake
        self.session: psycopg.Connection | None = None

    @contextmanager
    def held(self, name: str) -> Iterator[None]:
        if self.session is None:
            try:
                self.session = psycopg.connect(self.lake.catalog.removeprefix("postgres:"),
                                               autocommit=True)
            except psycopg.Error as exc:
                raise WarehouseError(f"cannot take a write turn on the DuckLake warehouse "
                                     f"(catalog {self.lake.safe_catalog}): {exc}") from exc
        key = (LOCK_SPACE, LOCKS[name])
        self.session.execute("SELECT pg_advisory_lock(%s, %s)", key)
        try:
            yield
        finally:
            self.session.execute("SELECT pg_advisory_unlock(%s, %s)", key)

    def close(self) -> None:
        if self.session is not None:
            self.session.close()


_turns: dict[int, _Turns] = {}
"""The writing lake connections that are open, by id(connection)."""


def turn(con: duckdb.DuckDBPyConnection, name: str = "write") -> ContextManager[None]:
    """Hold the lake's lock `name` (LOCKS) while the block runs, waiting for any other
    process that holds it; nothing to hold on the DuckDB file, which one process writes."""
    turns = _turns.get(id(con))
    return turns.held(name) if turns is not None else nullcontext()


def sign(con: duckdb.DuckDBPyConnection, published: str | None = None) -> None:
    """Record in the open transaction who commits it, when it is a lake's; a publish also
    names its run (`published`), which makes the commit the analysts' snapshot."""
    if id(con) in _turns:
        writer = f"pid {os.getpid()} on {socket.gethostname()}"
        extra = json.dumps({"published": published}) if published is not None else None
        con.execute("CALL ducklake_set_commit_message(current_database(), ?, ?, "
                    "extra_info => ?)", [AUTHOR, writer, extra])


def is_lake(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether the connection's default database is a DuckLake."""
    return con.execute("SELECT type FROM duckdb_databases() "
                       "WHERE database_name = current_database()").fetchone()[0] == "ducklake"


_TABLE_KEY = re.compile(r",\s*PRIMARY KEY\s*\([^)]*\)", re.IGNORECASE)
_COLUMN_KEY = re.compile(r"\s+(PRIMARY KEY|UNIQUE)\b", re.IGNORECASE)


def portable(sql: str) -> str:
    """A migration's DDL as DuckLake takes it: without the primary keys and UNIQUE
    constraints it does not support (NOT NULL, which it enforces, stays). The keys stay
    known to carewire through the table registry (warehouse/tables.py), which the writes
    read; tests/warehouse/test_lake.py checks that every stripped key is registered."""
    return _COLUMN_KEY.sub("", _TABLE_KEY.sub("", sql))


def compact(con: duckdb.DuckDBPyConnection) -> None:
    """Leave no copy of deleted or overwritten rows in the lake, so an erasure reaches its
    files and catalog too. A DELETE alone leaves the rows in the Parquet files (marked by a
    deletion file), in the rows inlined in the catalog, in the column statistics, and in
    every snapshot that still names them. So: inlined rows go to files, every file with a
    deleted row is rewritten without it, every snapshot but the newest expires, and the
    files no snapshot names are removed. Time travel before this moment is gone with it,
    which is what an erasure asks for."""
    name = current_lake(con)
    with turn(con):  # no writer's transaction reads a snapshot that expires under it
        con.execute(f"CALL ducklake_flush_inlined_data({_quoted(name)})")
        con.execute(f"CALL ducklake_rewrite_data_files({_quoted(name)}, delete_threshold => 0)")
        con.execute(f"CALL ducklake_expire_snapshots({_quoted(name)}, older_than => now())")
        con.execute(f"CALL ducklake_cleanup_old_files({_quoted(name)}, cleanup_all => true)")


def current_lake(con: duckdb.DuckDBPyConnection) -> str:
    """The name the connection's default database, a DuckLake, is attached under."""
    if not is_lake(con):
        raise WarehouseError("this connection's default database is not a DuckLake")
    return con.execute("SELECT current_database()").fetchone()[0]
