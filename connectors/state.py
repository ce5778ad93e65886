"""The ingest state store: source-wide state that parallel ingest tasks share, one JSON
document per key, changed by transactional read-modify-write.

Two documents live here: X's monthly read-budget ledger (connectors/x/budget.py) and
Reddit's author cache (connectors/reddit/connector.py). They used to be JSON files in the
landing root under an `fcntl` lock, which holds only among processes of one machine that
share one POSIX volume. Ingest tasks scale out to several machines and the landing zone
to object storage, which has no locks, so the state is in a database instead: SQLite under
the data dir by default (`state_url`), PostgreSQL where ingest runs on several machines.
Not the warehouse: it has one writer, and connectors never touch it. Not the desk store
either: that one holds the care desk's queues, migrated by the desk's alembic chain and
backed up with it; an ingest worker needs neither, and the ledger must not share the
desk's outages (both may still be one PostgreSQL database: the table names differ).

Every change is one transaction that locks the key's row first: `SELECT ... FOR UPDATE` on
PostgreSQL, `BEGIN IMMEDIATE` (the database's write lock) on SQLite. A key that has no row
yet gets one (`INSERT ... ON CONFLICT DO NOTHING`) before the lock, so two first writers
still queue on one row; its first value is `initial()`, which carries over the state file
of an existing deployment once (`legacy_json`).
"""

from __future__ import annotations

import json
import os
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Iterator

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError

from carewire.core.errors import ConfigError
from carewire.core.files import create_private, private_dir

_metadata = sa.MetaData()
ingest_state = sa.Table(
    "ingest_state", _metadata,
    sa.Column("key", sa.String(200), primary_key=True),
    sa.Column("value", sa.Text, nullable=False),
)

SQLITE_BUSY_S = 60
"""How long a SQLite writer waits for another's write lock before failing: a charge holds
it for milliseconds, so only a stuck process makes anyone wait this long."""

_engines: dict[tuple[int, str], sa.Engine] = {}


def engine(url: str) -> sa.Engine:
    """The engine of the store at `url`, its table created; one per URL and process (an
    ingest task charges the ledger once per response). Keyed by the process id too: a
    forked task process (LocalExecutor, Celery's prefork pool) must not share its parent's
    pooled connections."""
    if (os.getpid(), url) in _engines:
        return _engines[os.getpid(), url]
    try:
        parsed = sa.make_url(url)
        backend = parsed.get_backend_name()
        if backend == "sqlite" and parsed.database not in (None, "", ":memory:"):
            private_dir(Path(parsed.database).parent)
            create_private(Path(parsed.database))
        made = sa.create_engine(parsed, **({"connect_args": {"timeout": SQLITE_BUSY_S}}
                                           if backend == "sqlite" else {}))
    except (ArgumentError, NoSuchModuleError, ImportError) as exc:
        # The URL itself is not repeated: it may hold a password.
        raise ConfigError(f"cannot use the ingest state store's URL ({exc}): set state_url "
                          "to sqlite:///path/state.sqlite or postgresql+psycopg://user@host/db"
                          ) from exc
    if backend not in ("sqlite", "postgresql"):
        raise ConfigError(f"state_url names a {backend} database; the ingest state store "
                          "runs on SQLite or PostgreSQL")
    try:
        _create_table(made)
    except DBAPIError as exc:
        made.dispose()
        raise ConfigError(f"cannot open the ingest state store at "
                          f"{parsed.render_as_string(hide_password=True)}: "
                          f"{str(exc.orig).strip()} Check that the database is running and "
                          "state_url is right.") from exc
    return _engines.setdefault((os.getpid(), url), made)


def _create_table(made: sa.Engine) -> None:
    """The table, if it is missing. The first tasks of a new deployment start at once, and
    creating a table is check-then-create: the loser of that race finds it made."""
    try:
        _metadata.create_all(made)
    except DBAPIError:
        if not sa.inspect(made).has_table(ingest_state.name):
            raise


@contextmanager
def updating(url: str, key: str, initial: Callable[[], Any] = dict
             ) -> Iterator[dict[str, Any]]:
    """The document at `key`, locked for this transaction; what the block leaves in it is
    written back when the block ends without an exception. A key with no row starts from
    `initial()`."""
    with engine(url).begin() as conn:
        if conn.dialect.name == "sqlite":
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        found = conn.execute(sa.select(ingest_state.c.value).where(
            ingest_state.c.key == key).with_for_update()).scalar_one_or_none()
        if found is None:
            insert = (postgresql.insert if conn.dialect.name == "postgresql"
                      else sqlite.insert)(ingest_state)
            conn.execute(insert.values(key=key, value=json.dumps(initial()))
                         .on_conflict_do_nothing(index_elements=["key"]))
            found = conn.execute(sa.select(ingest_state.c.value).where(
                ingest_state.c.key == key).with_for_update()).scalar_one()
        document = json.loads(found)
        yield document
        conn.execute(ingest_state.update().where(ingest_state.c.key == key)
                     .values(value=json.dumps(document, sort_keys=True)))


def read(url: str, key: str, initial: Callable[[], Any] = dict) -> Any:
    """The document at `key` as committed (no lock): `initial()` while it has no row."""
    with engine(url).connect() as conn:
        found = conn.execute(sa.select(ingest_state.c.value).where(
            ingest_state.c.key == key)).scalar_one_or_none()
    return initial() if found is None else json.loads(found)


def keys(url: str, prefix: str) -> list[str]:
    """The keys that start with `prefix` (an erasure scrubs a source's documents)."""
    with engine(url).connect() as conn:
        return list(conn.execute(sa.select(ingest_state.c.key).where(
            ingest_state.c.key.startswith(prefix, autoescape=True)).order_by(
            ingest_state.c.key)).scalars())


def compact(url: str) -> None:
    """Rewrite a SQLite store so that the bytes of documents an erasure changed leave its
    free pages (maintenance does the same to the desk)."""
    made = engine(url)
    if made.dialect.name != "sqlite":
        return
    with made.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("VACUUM")


def safe_url(url: str) -> str:
    """The store's URL for messages and `carewire status`: a password in it is not shown."""
    return sa.make_url(url).render_as_string(hide_password=True)


def legacy_json(path: Path | None) -> Callable[[], Any]:
    """The first value of a key that was a JSON state file in the landing root: the file's
    content when it exists (so an upgraded deployment keeps its counts), else {}."""
    def first() -> Any:
        if path is not None and path.is_file():
            return json.loads(path.read_text(encoding="utf-8"))
        return {}
    return first
