"""What the fault tests share: the writer in a process of its own (tests/faults/writer.py),
killed with SIGKILL at a chosen point of a step, and the comparison of a data directory
that went through kills with the demo run that never did."""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Iterator

import pytest

from carewire.core.settings import SAMPLE_CONFIG
from tests.conftest import DEMO_NOW
from tests.reruns.conftest import tables

ROOT = Path(__file__).resolve().parents[2]

STEP_TIMEOUT_S = 180
"""A step that runs this long has hung (on a lock, say): the test fails instead of waiting."""


@dataclass(frozen=True)
class Kill:
    """Where a SIGKILL lands: `seconds + of_step * (the step's time in the demo run)` after
    a mark. The mark `after` is "start" (the writer says the step started), "write" (the
    warehouse's write-ahead log changed since the step started, and is not empty: the step
    is committing), or a glob of a name in the data directory (a temporary file the step
    writes, such as publish's half-copied snapshot)."""

    after: str = "start"
    seconds: float = 0.0
    of_step: float = 0.0

    def __str__(self) -> str:
        return f"{self.after}+{self.seconds}s+{self.of_step}x"


def writer_env(data: Path) -> dict[str, str]:
    return {**os.environ, "CAREWIRE_CONFIG": str(SAMPLE_CONFIG), "CAREWIRE_DATA_DIR": str(data)}


@contextmanager
def writer(data: Path, *steps: str, wait: bool = False, stderr=None
           ) -> Iterator[subprocess.Popen]:
    """`python -m tests.faults.writer STEP...` on `data`, its stdout a text pipe; killed
    on the way out if it still runs (a failed assertion must not leave it behind)."""
    with subprocess.Popen(
            [sys.executable, "-m", "tests.faults.writer", "--now", DEMO_NOW.isoformat(),
             *(["--wait"] if wait else []), *steps],
            cwd=ROOT, env=writer_env(data), text=True, stdout=subprocess.PIPE,
            stdin=subprocess.PIPE if wait else subprocess.DEVNULL,
            stderr=stderr if stderr is not None else subprocess.DEVNULL) as proc:
        try:
            yield proc
        finally:
            if proc.poll() is None:
                proc.kill()


def _size(path: Path) -> int | None:
    try:
        return path.stat().st_size
    except FileNotFoundError:
        return None


def run_and_kill(data: Path, step: str, kill: Kill, step_seconds: float) -> int:
    """Run `step` on `data` in a writer process and SIGKILL it at `kill`. Returns the exit
    status: -SIGKILL, or 0 when the step finished before the kill came (which proves less,
    but is no failure); any other end fails the test with the writer's stderr."""
    log = data.parent / f"{data.name}-{step}.stderr"
    wal = data / "warehouse.duckdb.wal"
    with open(log, "w") as stderr, writer(data, step, stderr=stderr) as proc:
        assert proc.stdout.readline() == "ready\n", log.read_text()
        assert proc.stdout.readline() == f"started {step}\n", log.read_text()
        started = time.monotonic()
        wal_then = _size(wal)
        marked = started if kill.after == "start" else None
        wait = kill.seconds + kill.of_step * step_seconds
        while proc.poll() is None:
            now = time.monotonic()
            if now - started > STEP_TIMEOUT_S:
                proc.kill()
                pytest.fail(f"{step} ({kill}) ran over {STEP_TIMEOUT_S} s: "
                            f"{log.read_text()[-2000:]}")
            if marked is None and (
                    (kill.after == "write" and _size(wal) not in (None, 0, wal_then)) or
                    (kill.after != "write" and next(data.glob(kill.after), None))):
                marked = now
            if marked is not None and now >= marked + wait:
                proc.send_signal(signal.SIGKILL)
                break
            time.sleep(0.001)
        code = proc.wait()
    assert code in (0, -signal.SIGKILL), f"{step} ({kill}) ended {code}: {log.read_text()[-4000:]}"
    return code


def copy(data: Path, to: Path) -> Path:
    shutil.copytree(data, to, symlinks=True)
    return to


# What must come out the same after kills and a rerun as in the run that was never killed.

def warehouse_rows(path: Path) -> dict[str, list[tuple]]:
    """Every diffed table (tests/reruns: not the gates' results nor migration bookkeeping,
    which every run writes anew), rows sorted. One change: the `created` flag of a
    `delivered` event, which says whether the destination made the item on that call or
    found it made by a call whose record a kill lost (routing/deliver.py); compared apart,
    in `assert_converged`."""
    rows = tables(path)
    events = []
    for row in rows["core__events"]:
        data = {k: v for k, v in json.loads(row[7]).items() if k != "created"}
        events.append(row[:7] + (json.dumps(data, sort_keys=True),) + row[8:])
    rows["core__events"] = sorted(events, key=repr)
    return rows


reference_rows = cache(warehouse_rows)
"""The rows of a warehouse that is never written again (the demo run's), read once."""


DESK_ITEM_CLOCK = ("created_at", "updated_at", "rated_at")
"""desk_items columns the store fills from the wall clock, not from the run's moment."""


def desk_rows(path: Path) -> dict[str, list[tuple]]:
    """desk_items without their wall-clock times, and desk_events as (item, kind, actor,
    data), both sorted."""
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as con:
        columns = [row[1] for row in con.execute("PRAGMA table_info(desk_items)")
                   if row[1] not in DESK_ITEM_CLOCK]
        items = con.execute(f"SELECT {', '.join(columns)} FROM desk_items").fetchall()
        events = con.execute("SELECT item_id, kind, actor, data FROM desk_events").fetchall()
    con.close()
    return {"desk_items": sorted(items, key=repr), "desk_events": sorted(events, key=repr)}


def leftovers(data: Path) -> list[str]:
    """Names in the data directory that a finished run does not leave: temporary files of
    publish, a write-ahead log; the exports folder the `exports` link points at is kept."""
    kept = {os.readlink(data / "exports")} if (data / "exports").is_symlink() else set()
    return sorted(p.name for p in data.iterdir()
                  if (p.name.startswith(".") and p.name not in kept) or p.suffix == ".wal")


def differing(got: dict[str, list], want: dict[str, list]) -> dict[str, str]:
    """Table -> how it differs (row counts, a few rows only one side has), for an assertion
    message that fits on a screen; empty when every table holds the same rows."""
    found = {}
    for name in sorted(set(got) | set(want)):
        mine, theirs = got.get(name, []), want.get(name, [])
        if mine == theirs:
            continue
        extra = sorted(set(map(repr, mine)) - set(map(repr, theirs)))
        missing = sorted(set(map(repr, theirs)) - set(map(repr, mine)))
        found[name] = (f"{len(mine)} rows, want {len(theirs)}; only here: "
                       f"{[row[:300] for row in extra[:2]]}; only in the reference: "
                       f"{[row[:300] for row in missing[:2]]}")
    return found


def assert_converged(data: Path, reference: Path) -> None:
    """`data` holds what the never-killed run `reference` holds: every warehouse table
    (mentions, enrichments with their scores, embeddings, cluster memberships, influence,
    routing decisions, deliveries and their events), the desk's items and their events
    (one item per delivery key), the published snapshot's tables and exports, and nothing
    left over from a killed publish."""
    got = warehouse_rows(data / "warehouse.duckdb")
    assert differing(got, reference_rows(reference / "warehouse.duckdb")) == {}

    desk, want_desk = desk_rows(data / "desk.sqlite"), desk_rows(reference / "desk.sqlite")
    assert differing(desk, want_desk) == {}
    keys = [row[1] for row in desk["desk_items"]]  # (item_id, delivery_key, ...)
    assert len(keys) == len(set(keys))  # the store's unique key holds: none twice
    delivered = [row for row in got["core__events"] if row[2] == "delivered"]
    assert sorted(row[3] for row in delivered) == sorted(keys)  # one delivered event each
    items = {row[1]: str(row[0]) for row in desk["desk_items"]}
    assert {row[3]: row[5] for row in delivered} == items  # the warehouse knows each item

    snapshot = warehouse_rows(data / "analytics.duckdb")
    assert differing(snapshot, reference_rows(reference / "analytics.duckdb")) == {}
    assert sorted(p.name for p in (data / "exports").iterdir()) == sorted(
        p.name for p in (reference / "exports").iterdir())
    assert leftovers(data) == []


def found_existing(data: Path) -> int:
    """Deliveries whose item the desk already had when the delivery was recorded: each one
    a kill between the desk's commit and the warehouse's."""
    import duckdb

    with duckdb.connect(str(data / "warehouse.duckdb"), read_only=True) as con:
        return con.execute("SELECT count(*) FROM core__events WHERE kind = 'delivered' "
                           "AND NOT CAST(data->>'created' AS BOOLEAN)").fetchone()[0]
