"""The modes in docs/privacy.md (File modes): each file with people's posts in it is
owner-only when carewire makes it, whatever the umask, and a looser one is tightened when
carewire opens it."""

from __future__ import annotations

import logging
import os
import stat

import pytest

from carewire.app import pipeline
from carewire.connectors.landing import atomic_write
from carewire.core.settings import Settings
from carewire.desk.store import Desk
from carewire.warehouse.db import connect
from tests.desk.test_store import delivery
from tests.warehouse.test_load import atom, hour, land


def mode(path) -> int:
    return stat.S_IMODE(os.lstat(path).st_mode)


@pytest.fixture(autouse=True)
def lax_umask():
    """The usual umask (022 gives 0644 files): modes must not depend on it."""
    before = os.umask(0o022)
    yield
    os.umask(before)


@pytest.fixture
def settings(tmp_path):
    settings = Settings(data_dir=tmp_path / "data")
    pipeline.migrate(settings)
    land(settings, hour(0), atom(("a", "eSIM stuck", "Sam")))
    pipeline.load_landed(settings)
    return settings


def test_the_desk_store_is_made_owner_only_and_so_are_its_journals(tmp_path):
    path = tmp_path / "data" / "desk" / "desk.sqlite"
    with Desk(f"sqlite:///{path}") as desk:
        desk.add(delivery())
        with desk.engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA journal_mode=WAL")
            desk.add(delivery("k2"))
            sidecars = [p for p in path.parent.iterdir() if p != path]
            assert sidecars and {mode(p) for p in sidecars} == {0o600}
    assert mode(path) == 0o600
    assert mode(tmp_path / "data") == mode(tmp_path / "data" / "desk") == 0o700


def test_a_world_readable_desk_store_is_tightened_on_open_and_said_so(tmp_path, caplog):
    path = tmp_path / "desk.sqlite"
    Desk(f"sqlite:///{path}").close()
    os.chmod(path, 0o644)  # as carewire 0.1 left it
    os.chmod(tmp_path, 0o755)
    with caplog.at_level(logging.WARNING), Desk(f"sqlite:///{path}") as desk:
        assert desk.add(delivery())[1]
    assert mode(path) == 0o600
    assert f"tightened {path} from 0644 to 0600: the desk store holds personal data" in (
        caplog.text)
    assert mode(tmp_path) == 0o755  # a folder that was there is left as it is


def test_the_warehouse_and_each_of_its_wal_files_are_owner_only(tmp_path):
    path = tmp_path / "data" / "warehouse.duckdb"
    wal = path.with_name("warehouse.duckdb.wal")
    with connect(path) as con:
        con.execute("CREATE TABLE t (a INT)")
        con.execute("INSERT INTO t VALUES (1)")
        assert mode(path) == mode(wal) == 0o600
        con.execute("CHECKPOINT")  # DuckDB removes the .wal; the next write makes a new one
        con.execute("INSERT INTO t VALUES (2)")
        assert mode(wal) == 0o600
    assert mode(path) == 0o600 and mode(tmp_path / "data") == 0o700
    assert os.umask(0o022) == 0o022  # the process's umask is back once the writer is closed


def test_a_world_readable_warehouse_is_tightened_on_open(tmp_path, caplog):
    path = tmp_path / "warehouse.duckdb"
    with connect(path) as con:
        con.execute("CREATE TABLE t (a INT)")
    os.chmod(path, 0o644)
    with caplog.at_level(logging.WARNING), connect(path):
        pass
    assert mode(path) == 0o600 and "the warehouse holds personal data" in caplog.text


def test_the_snapshot_and_the_exports_are_owner_only(settings):
    snapshot = pipeline.publish(settings)
    assert mode(snapshot) == 0o600 and mode(settings.warehouse) == 0o600
    exports = settings.exports.resolve()
    assert mode(exports) == 0o700
    assert {mode(p) for p in exports.iterdir()} == {0o600}
    assert mode(settings.data_dir) == 0o700
    assert {mode(p) for p in settings.landing.rglob("*.jsonl")} == {0o600}
    assert {mode(p) for p in settings.landing.rglob("*") if p.is_dir()} == {0o700}


def test_shared_with_the_group_the_snapshot_and_exports_are_group_readable(settings):
    shared = settings.model_copy(update={"share_with_group": True})
    snapshot = pipeline.publish(shared)
    assert mode(snapshot) == 0o640
    assert mode(settings.exports.resolve()) == 0o750
    assert {mode(p) for p in settings.exports.resolve().iterdir()} == {0o640}
    assert mode(settings.warehouse) == 0o600  # the writer's file never is


def test_landing_folders_are_made_owner_only(tmp_path):
    atomic_write(tmp_path / "landing" / "x" / "brand" / "batch.jsonl", "{}\n")
    assert mode(tmp_path / "landing") == mode(tmp_path / "landing" / "x" / "brand") == 0o700
    assert mode(tmp_path / "landing" / "x" / "brand" / "batch.jsonl") == 0o600
