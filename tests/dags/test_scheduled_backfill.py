"""A backfill of the rerun DAG through the real scheduler (`make airflow`'s
deploy/airflow-standalone: LocalExecutor, SQLite metadata, carewire's pools imported),
allowed two runs at once: the guard
runs them one at a time in date order, the warehouse pool keeps their writes apart, and
no task needs a second try (before the pool, overlapping runs failed on the warehouse lock
and went through on retries only)."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from carewire.core.settings import SAMPLE_CONFIG
from tests.dags.conftest import DAGS
from tests.reruns.conftest import query

pytestmark = pytest.mark.airflow

ROOT = Path(__file__).resolve().parents[2]


def test_a_backfill_with_two_active_runs_goes_one_at_a_time_without_retries(
        demo_settings, tmp_path, free_tcp_port):
    home = tmp_path / "airflow_home"
    env = {**os.environ, "AIRFLOW_HOME": str(home), "AIRFLOW__CORE__DAGS_FOLDER": str(DAGS),
           "AIRFLOW__CORE__LOAD_EXAMPLES": "False", "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
           "AIRFLOW__CORE__PARALLELISM": "4", "AIRFLOW__API__HOST": "127.0.0.1",
           "AIRFLOW__API__PORT": str(free_tcp_port),
           "AIRFLOW__CORE__EXECUTION_API_SERVER_URL":
               f"http://127.0.0.1:{free_tcp_port}/execution/",
           "CAREWIRE_CONFIG": str(SAMPLE_CONFIG),
           "CAREWIRE_DATA_DIR": str(demo_settings.data_dir),
           "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"}
    for name in ("AIRFLOW__CORE__UNIT_TEST_MODE", "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"):
        env.pop(name, None)

    def airflow(*args: str) -> subprocess.CompletedProcess:
        done = subprocess.run([sys.executable, "-m", "airflow", *args], env=env,
                              capture_output=True, text=True)
        assert done.returncode == 0, (args, done.stderr[-2000:])
        return done

    airflow("db", "migrate")
    airflow("dags", "reserialize")
    # A paused DAG's backfill runs wait; unpaused, the scheduler also makes the DAG's latest
    # daily run, whose logical date is after the backfill's: the guard runs it last, and
    # only the backfill's runs are looked at below.
    airflow("dags", "unpause", "rerun")
    last = query(demo_settings.warehouse, "SELECT max(created_at) FROM core__mentions")[0][0]
    last = datetime(last.year, last.month, last.day, tzinfo=timezone.utc)
    first = last - timedelta(days=1)
    conf = {"reload": True, "reenrich": "off", "reroute": "dry_run", "label": "scheduled"}
    airflow("backfill", "create", "--dag-id", "rerun", "--max-active-runs", "2",
            "--from-date", f"{first:%Y-%m-%d}", "--to-date", f"{last:%Y-%m-%d}",
            "--dag-run-conf", json.dumps(conf))

    started = subprocess.Popen([str(ROOT / "deploy" / "airflow-standalone")], env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 480
        while True:
            with sqlite3.connect(home / "airflow.db") as db:
                states = [state for (state,) in db.execute(
                    "SELECT state FROM dag_run WHERE dag_id = 'rerun' AND run_type = 'backfill'")]
            if len(states) == 2 and set(states) <= {"success", "failed"}:
                break
            assert time.monotonic() < deadline, f"runs did not finish: {states}"
            assert started.poll() is None, "airflow standalone exited"
            time.sleep(3)
    finally:
        started.send_signal(signal.SIGTERM)
        started.wait(timeout=60)

    assert states == ["success"] * 2
    with sqlite3.connect(home / "airflow.db") as db:
        backfill = ("dag_id = 'rerun' AND task_id <> 'wait_for_earlier_runs' "
                    "AND run_id LIKE 'backfill%'")
        tries = db.execute(f"""SELECT task_id, max(try_number), min(state), max(state)
                               FROM task_instance WHERE {backfill} GROUP BY task_id""").fetchall()
        pools = {pool for (pool,) in db.execute(
            f"SELECT DISTINCT pool FROM task_instance WHERE {backfill}")}
        spans = db.execute("""
            SELECT r.logical_date, min(t.start_date), max(t.end_date)
            FROM dag_run r JOIN task_instance t ON t.dag_id = r.dag_id AND t.run_id = r.run_id
            WHERE r.dag_id = 'rerun' AND r.run_type = 'backfill'
              AND t.task_id <> 'wait_for_earlier_runs'
            GROUP BY r.logical_date ORDER BY r.logical_date""").fetchall()
    assert tries and all(t[1:] == (1, "success", "success") for t in tries), tries
    assert pools == {"carewire_warehouse"}
    # one at a time, in date order: each run's work began after the run before it ended
    assert len(spans) == 2
    assert all(later[1] >= earlier[2] for earlier, later in zip(spans, spans[1:])), spans
    assert query(demo_settings.warehouse, "SELECT count(*) FROM core__reruns "
                                          "WHERE label = 'scheduled'") == [(2,)]
