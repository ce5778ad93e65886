"""The desk store's schema is Alembic's to manage: a new store and one made by carewire
680aa72 (before the desk had migrations) both end at the newest revision with exactly the
tables desk/schema.py defines, on SQLite and on PostgreSQL, and the old store's items,
events, users and alerts are still there and usable."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from carewire.desk import alert_store
from carewire.desk.accounts import Accounts
from carewire.desk.schema import MIGRATIONS, VERSION_TABLE, metadata
from carewire.desk.store import Desk
from tests.desk.test_store import T0

LEGACY = Path(__file__).parent / "legacy"


def head() -> str:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return ScriptDirectory.from_config(config).get_current_head()


def differences(engine: sa.Engine) -> list:
    """What Alembic's autogenerate would still have to change to reach desk/schema.py."""
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"version_table": VERSION_TABLE})
        return compare_metadata(context, metadata)


def revision(engine: sa.Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(
            conn, opts={"version_table": VERSION_TABLE}).get_current_revision()


def load_legacy(url: str) -> None:
    """The store 680aa72 made (an item claimed and replied to, a signed-in agent, an alert),
    from its dump for this backend."""
    engine = sa.create_engine(url)
    backend = engine.dialect.name
    script = (LEGACY / f"desk-680aa72.{backend}.sql").read_text()
    if backend == "sqlite":
        Path(engine.url.database).parent.mkdir(parents=True, exist_ok=True)
    raw = engine.raw_connection()
    try:
        if backend == "sqlite":
            raw.driver_connection.executescript(script)
        else:
            with raw.cursor() as cursor:
                cursor.execute(script)
        raw.commit()
    finally:
        raw.close()
        engine.dispose()


def test_a_new_store_is_created_at_the_newest_revision(desk_url):
    with Desk(desk_url) as desk:
        assert revision(desk.engine) == head()
        assert differences(desk.engine) == []


def test_a_store_made_by_680aa72_upgrades_in_place(desk_url):
    load_legacy(desk_url)
    probe = sa.create_engine(desk_url)
    assert revision(probe) is None  # 0.1 had no migrations
    assert sorted(set(kind for kind, *_ in differences(probe))) == [  # what 0002-0004 add
        "add_column", "add_index", "add_table"]
    probe.dispose()

    with Desk(desk_url, clock=lambda: T0 + timedelta(hours=1)) as desk:
        assert revision(desk.engine) == head()
        assert differences(desk.engine) == []
        [item] = desk.items()
        assert (item.status, item.assignee, item.source) == ("claimed", "lee", "x")
        assert [e.kind for e in desk.events()] == ["delivered", "claimed", "replied"]
        resolved = desk.resolve(item.item_id, "lee")  # the old item works like a new one
        assert resolved.status == "resolved"
        # revision 0006: the old agent takes assigned work once given skills and available
        [lee] = desk.assignment.agents()
        assert (lee.name, lee.teams, lee.status, lee.capacity, lee.languages) == (
            "lee", ("care",), "offline", 5, ())

        accounts = Accounts(desk.engine, lambda: T0 + timedelta(hours=1),
                            idle=timedelta(minutes=30), lifetime=timedelta(hours=12))
        with desk.engine.connect() as conn:
            assert conn.scalar(sa.text("SELECT password_hash FROM desk_users")).startswith(
                "scrypt$")
        _, session = accounts.sign_in("lee", "correct horse battery", "127.0.0.1")
        assert session.user.teams == ("care",)
        with desk.engine.connect() as conn:  # rehashed with argon2id now the password is known
            assert conn.scalar(sa.text("SELECT password_hash FROM desk_users")).startswith(
                "$argon2id$")
        accounts.sign_in("lee", "correct horse battery", "127.0.0.1")  # and still signs in
        [alert] = alert_store.recent(desk.engine)
        assert alert["alert_id"] == "a1" and alert["data"]["count"] == 40


def test_opening_the_store_again_changes_nothing(desk_url):
    with Desk(desk_url) as desk:
        desk_tables = sorted(sa.inspect(desk.engine).get_table_names())
    with Desk(desk_url) as again:
        assert sorted(sa.inspect(again.engine).get_table_names()) == desk_tables
        assert revision(again.engine) == head()
    assert VERSION_TABLE in desk_tables
