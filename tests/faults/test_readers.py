"""Read commands while the single writer runs: they answer, and they never make it fail.

The writer is tests/faults/writer.py running the demo's deliver and publish (the warehouse
held for seconds, the desk store written, the snapshot replaced) on a copy of the demo
run's data directory as it stood before its deliver, with the demo's snapshot in place as
if an earlier run had published it. The readers are the `carewire` command in processes
of their own, as a person types it: `status` and `sql` (the snapshot and the landing
zone), `route explain` (the warehouse, or the snapshot while the warehouse is held:
app/cli/context.py) and `desk user list` (the desk store).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from tests.faults.conftest import ROOT, copy, writer, writer_env

pytestmark = pytest.mark.skipif(not Path("/proc/self/fd").is_dir(),
                                reason="watches the readers' open files in /proc")


@pytest.fixture(scope="module")
def mention(demo_run_steps) -> tuple[str, int]:
    """A mention routed to the desk ("source:source_id"), and how many mentions there are."""
    with duckdb.connect(str(demo_run_steps.data / "analytics.duckdb"), read_only=True) as con:
        ref = con.execute("SELECT source || ':' || source_id FROM core__routing_decisions "
                          "WHERE destination = 'desk' ORDER BY 1 LIMIT 1").fetchone()[0]
        count = con.execute("SELECT count(*) FROM core__mentions").fetchone()[0]
    return ref, count


@pytest.fixture
def data(demo_run_steps, tmp_path) -> Path:
    """Before the demo's deliver, with the demo's snapshot already published."""
    data = copy(demo_run_steps.before["deliver"], tmp_path / "data")
    shutil.copyfile(demo_run_steps.data / "analytics.duckdb", data / "analytics.duckdb")
    return data


def readers(data: Path, ref: str) -> list[tuple[list[str], subprocess.Popen]]:
    """One of each read command, started at once."""
    commands = [["status"], ["sql", "SELECT count(*) AS n FROM core__mentions", "--format",
                             "json"], ["route", "explain", ref], ["desk", "user", "list"]]
    return [(command, subprocess.Popen(
        [sys.executable, "-m", "carewire.app.cli", *command], cwd=ROOT,
        env=writer_env(data), text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE))
        for command in commands]


def answers(started: list[tuple[list[str], subprocess.Popen]]) -> list[tuple]:
    """(command, exit status, stdout, stderr) of each, once all have ended."""
    got = []
    for command, proc in started:
        try:
            out, err = proc.communicate(timeout=120)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, err = proc.communicate()
        got.append((" ".join(command), proc.returncode, out, err))
    return got


def assert_answered(got: list[tuple], mention: tuple[str, int]) -> None:
    """Every command exited 0 and said what it says after the demo run."""
    failed = [(command, code, err[-800:]) for command, code, _, err in got if code != 0]
    assert failed == []
    for command, _, out, _ in got:
        if command.startswith("sql"):
            assert json.loads(out) == [{"n": mention[1]}]
        elif command.startswith("route"):
            assert "Decision:" in out
        elif command.startswith("status"):
            assert "Warehouse (snapshot" in out


def holds(pid: int, path: Path) -> bool:
    """Whether process `pid` has `path` open now."""
    try:
        return any(os.readlink(f"/proc/{pid}/fd/{fd}") == str(path)
                   for fd in os.listdir(f"/proc/{pid}/fd"))
    except (FileNotFoundError, ProcessLookupError):  # it ended, or closed that fd, meanwhile
        return False


def test_readers_answer_while_the_writer_holds_the_warehouse(data, mention, demo_run_steps):
    """Started once the writer has written (it holds the warehouse), every reader answers:
    from the snapshot where the warehouse is held. Whether the writer survives them is the
    next test's question."""
    log = data.parent / "writer.stderr"
    wal = data / "warehouse.duckdb.wal"
    with open(log, "w") as stderr, writer(data, "deliver", "publish", stderr=stderr) as proc:
        assert proc.stdout.readline() == "ready\n", log.read_text()
        deadline = time.monotonic() + 120
        while not (wal.exists() and wal.stat().st_size) and proc.poll() is None:
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.001)
        got = answers(readers(data, mention[0]))
        proc.wait(120)
    assert_answered(got, mention)


def test_a_reader_never_makes_the_writer_fail(data, mention):
    """The writer starts its run (migrate, deliver, publish) at the moment a read command
    has the live warehouse open (or, once no reader opens it, when the readers are done)
    and must finish all the same, while more readers answer. A read command that opened
    the live file made DuckDB refuse the writer (8 of 8 runs before issue 23, part 5);
    read commands now read only the snapshot."""
    warehouse = data / "warehouse.duckdb"
    log = data.parent / "writer.stderr"
    with open(log, "w") as stderr, \
            writer(data, "migrate", "deliver", "publish", wait=True, stderr=stderr) as proc:
        assert proc.stdout.readline() == "ready\n", log.read_text()
        first = readers(data, mention[0])
        while not any(holds(reader.pid, warehouse) for _, reader in first):
            if all(reader.poll() is not None for _, reader in first):
                break
            time.sleep(0.0005)
        proc.stdin.write("go\n")
        proc.stdin.flush()
        got = answers(first)
        if proc.poll() is None:
            got += answers(readers(data, mention[0]))
        code = proc.wait(120)
        said = proc.stdout.read()
    assert (code, said.split()[-2:]) == (0, ["done", "publish"]), log.read_text()[-3000:]
    assert_answered(got, mention)
