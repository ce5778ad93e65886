"""The ingest state store: parallel writers lose no change, on SQLite and on PostgreSQL; an
existing deployment's state files are carried over once."""

from __future__ import annotations

import json
import multiprocessing
from datetime import datetime, timezone
from pathlib import Path

import pytest
import sqlalchemy as sa

from carewire.core.errors import ConfigError
from carewire.core.settings import Fetching, HttpSettings
from carewire.connectors import state
from carewire.connectors.x import budget
from tests.conftest import fresh_database, need_postgres

MOMENT = datetime(2026, 11, 24, 8, tzinfo=timezone.utc)
RUN = "brand/20261124T070000Z--20261124T080000Z"


@pytest.fixture(params=["sqlite", "postgresql"])
def state_url(request, tmp_path):
    """A fresh store: a SQLite file, or a PostgreSQL database of its own (dropped after)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'data' / 'state.sqlite'}"
        return
    need_postgres()
    with fresh_database("carewire_state") as database:
        url = database.render_as_string(hide_password=False)
        yield url
        state.engine(url).dispose()


def fetching(url: str, files: Path | None = None) -> Fetching:
    return Fetching(http=HttpSettings(), lag="PT1H", keywords=(), state_url=url,
                    state_files=files)


CHARGES = 60


def _charge(url: str, worker: int, start) -> None:
    state.engine(url)  # connected before the race starts
    start.wait()
    for response in range(CHARGES):
        budget.charge(fetching(url), MOMENT, [f"{worker}-{response}-{i}" for i in range(4)],
                      RUN)


def test_two_processes_charging_the_x_budget_at_once_lose_no_count(state_url):
    """Each charge is a read-modify-write of one document; without the row lock the two
    processes would overwrite each other's counts. Spawned, not forked (a fork copies
    whatever lock another test's thread holds)."""
    state.read(state_url, budget.KEY)  # the table exists before the race starts
    spawn = multiprocessing.get_context("spawn")
    start = spawn.Event()
    workers = [spawn.Process(target=_charge, args=(state_url, n, start)) for n in range(2)]
    for worker in workers:
        worker.start()
    start.set()
    for worker in workers:
        worker.join(120)
        assert worker.exitcode == 0
    month = budget.read(fetching(state_url), None)["months"]["2026-11"]
    assert (month["tweets_read"], month["returned"], month["requests"], month["by_run"]) == (
        8 * CHARGES, 8 * CHARGES, 2 * CHARGES, {RUN: 8 * CHARGES})
    assert len(state.read(state_url, budget.KEY)["days"]["2026-11-24"]) == 8 * CHARGES


def test_a_table_another_process_created_meanwhile_is_used(state_url):
    """Creating the table is check-then-create, and the first tasks of a new deployment
    start at once: here another connection creates it between the check and the create,
    as the winner of that race does, and the store opens on the table it made."""
    other = sa.create_engine(state_url)

    def meanwhile(table, connection, **kw):
        with other.begin() as conn:
            conn.exec_driver_sql("CREATE TABLE ingest_state (key VARCHAR(200) PRIMARY KEY, "
                                 "value TEXT NOT NULL)")

    sa.event.listen(state.ingest_state, "before_create", meanwhile)
    try:
        assert state.read(state_url, budget.KEY) == {}
    finally:
        sa.event.remove(state.ingest_state, "before_create", meanwhile)
        other.dispose()


def test_an_earlier_releases_budget_files_are_carried_over_once(state_url, tmp_path):
    files = tmp_path / "landing"
    (files / "x" / "_budget_days").mkdir(parents=True)
    (files / "x" / "_budget.json").write_text(json.dumps(
        {"2026-11": {"tweets_read": 1520, "returned": 9310, "requests": 31,
                     "by_run": {RUN: 20}}}))
    seen = budget._digest("already-read")
    (files / "x" / "_budget_days" / "2026-11-24.ids").write_text(f"{seen}\n")
    old = fetching(state_url, files)

    assert budget.spent(old, "2026-11", RUN) == {"tweets_read": 1520, "requests": 31,
                                                  "this_run": 20}
    totals = budget.charge(old, MOMENT, ["already-read", "new-one"], RUN)
    assert totals == {"tweets_read": 1521, "requests": 32}  # the day's digest was kept
    (files / "x" / "_budget.json").unlink()  # read once: the store holds it now
    assert budget.spent(old, "2026-11")["tweets_read"] == 1521


def test_the_author_cache_of_an_earlier_release_is_carried_over(state_url, tmp_path):
    from carewire.connectors.reddit.connector import AUTHORS_FILE, AUTHORS_KEY

    legacy = tmp_path / "landing" / "reddit" / AUTHORS_FILE
    legacy.parent.mkdir(parents=True)
    legacy.write_text(json.dumps({"sam_in_leeds": {"fetched_at": "2026-11-24T08:00:00+00:00",
                                                   "found": True}}))
    first = state.legacy_json(legacy)
    with state.updating(state_url, AUTHORS_KEY, first) as cache:
        cache["quiet_one"] = {"fetched_at": "2026-11-24T09:00:00+00:00", "found": False}
    legacy.unlink()
    assert sorted(state.read(state_url, AUTHORS_KEY, first)) == ["quiet_one", "sam_in_leeds"]


def test_a_failed_change_leaves_the_document_as_it_was(state_url):
    with state.updating(state_url, "x/budget") as ledger:
        ledger["months"] = {"2026-11": {"tweets_read": 5}}
    with pytest.raises(RuntimeError), state.updating(state_url, "x/budget") as ledger:
        ledger["months"]["2026-11"]["tweets_read"] = 99
        raise RuntimeError("the platform call failed mid-way")
    assert state.read(state_url, "x/budget")["months"]["2026-11"]["tweets_read"] == 5
    assert state.keys(state_url, "x/") == ["x/budget"] and state.keys(state_url, "reddit/") == []


def test_an_unreachable_store_is_a_clear_error_without_the_password():
    with pytest.raises(ConfigError, match="cannot open the ingest state store") as caught:
        state.engine("postgresql+psycopg://carewire:s3cret@127.0.0.1:9/state"
                     "?connect_timeout=2")
    assert "s3cret" not in str(caught.value)


def test_an_erasure_scrubs_the_source_documents_of_the_store(state_url):
    from carewire.connectors.reddit.connector import AUTHORS_KEY
    from carewire.maintenance.redact import redact_state
    from carewire.maintenance.target import Target

    with state.updating(state_url, AUTHORS_KEY) as cache:
        cache.update({"sam_in_leeds": {"fetched_at": "2026-11-24T08:00:00+00:00"},
                      "quiet_one": {"fetched_at": "2026-11-24T08:00:00+00:00"}})
    budget.charge(fetching(state_url), MOMENT, ["1861"], RUN)
    ledger = state.read(state_url, budget.KEY)

    assert redact_state(state_url, Target("reddit", handles=frozenset({"sam_in_leeds"}))) == 1
    assert sorted(state.read(state_url, AUTHORS_KEY)) == ["quiet_one"]
    assert state.read(state_url, budget.KEY) == ledger  # another source's: untouched
    assert redact_state(state_url, Target("reddit", handles=frozenset({"sam_in_leeds"}))) == 0
