"""Several processes writing the DuckLake warehouse at once (warehouse/lake.py, `turn`):
each in its own process, started together, on this machine's PostgreSQL."""

from __future__ import annotations

import multiprocessing

from carewire.core.types import Lake
from carewire.warehouse.db import connect, transaction
from carewire.warehouse.keyed import add_new, put, values
from carewire.warehouse.migrate import migrate

ROUNDS = 25
"""Transactions each writer commits; enough for the two to overlap many times over."""


def _event(event_id: str, writer: int) -> list:
    return [event_id, "2026-11-20T10:00:00Z", "synced", None, "desk", None, f"w{writer}",
            "{}", "2026-11-20T10:00:00Z"]


def _write(lake: Lake, writer: int, start, results) -> None:
    """One writer: in each round, record an event the other writer records too, one of its
    own, replace a row both replace, and update every row of the table, all in one
    transaction (as the delivery step records an outcome)."""
    added = 0
    with connect(lake) as con:
        start.wait()
        for n in range(ROUNDS):
            with transaction(con):
                added += add_new(con, "core__events", values(9, 2),
                                 _event(f"both-{n}", writer) + _event(f"w{writer}-{n}", writer))
                put(con, "core__events", values(9), _event("replaced", writer))
                con.execute("UPDATE core__events SET recorded_at = recorded_at")
    results.put((writer, added))


def test_two_processes_writing_the_same_keys_at_once_lose_and_duplicate_nothing(lake):
    # two writers, started at the same instant, add the same keys, replace one row and
    # update the whole table in every transaction. Alone, DuckLake would fail the later
    # of two such commits ("Transaction conflict") or insert a key both MERGEs found
    # missing; with the write turn every transaction commits, and each key is there once
    with connect(lake) as con:
        migrate(con)
    spawn = multiprocessing.get_context("spawn")  # no fork of a process holding DuckDB
    start, results = spawn.Barrier(2), spawn.Queue()
    writers = [spawn.Process(target=_write, args=(lake, w, start, results)) for w in (1, 2)]
    for process in writers:
        process.start()
    for process in writers:
        process.join(timeout=300)
    assert [process.exitcode for process in writers] == [0, 0]
    added = dict(results.get(timeout=5) for _ in writers)
    with connect(lake, read_only=True) as con:
        ids = [event_id for (event_id,) in con.execute("SELECT event_id FROM core__events")
               .fetchall()]
        authors = {author for (author,) in con.execute(
            "SELECT DISTINCT author FROM ducklake_snapshots(current_database()) "
            "WHERE snapshot_id > (SELECT max(snapshot_id) FROM ducklake_snapshots("
            "current_database()) WHERE changes['tables_created'] IS NOT NULL)").fetchall()}
    assert len(ids) == len(set(ids)) == 3 * ROUNDS + 1
    assert set(ids) == ({f"both-{n}" for n in range(ROUNDS)} | {"replaced"}
                        | {f"w{w}-{n}" for w in (1, 2) for n in range(ROUNDS)})
    assert sum(added.values()) == 3 * ROUNDS  # each shared key was added by one of them
    assert authors == {"carewire"}  # every commit came from a carewire transaction
