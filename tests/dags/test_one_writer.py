"""One writer by design (issue 25): the warehouse pool of one slot, the guard that keeps
runs of a DAG from overlapping out of order, and the deadline alerts.

Parsed in-process against the session's throwaway Airflow home (tests/dags/conftest.py);
the guard's wait is checked through `dag.test()` against a run left running in the
metadata database."""

from __future__ import annotations

import json
import logging
from datetime import datetime, timedelta, timezone
from pathlib import Path
from types import SimpleNamespace

import pytest
import yaml

from carewire.core.settings import SAMPLE_CONFIG
from carewire.dag_tasks.common import WAREHOUSE_POOL
from carewire.dag_tasks.guard import GUARD_TASK_ID, blocking_run
from tests.conftest import Reply
from tests.dags.conftest import DAGS, for_dag_test

ROOT = Path(__file__).resolve().parents[2]
WRITERS = {"process", "publish", "rerun", "sync_outcomes", "maintenance"}
ORDERED = {"rerun", "ingest_feeds", "ingest_forums", "ingest_reddit", "ingest_x"}


def bag_for(tmp_path, monkeypatch, notify: dict | None = None, schedules: dict | None = None):
    config = yaml.safe_load(SAMPLE_CONFIG.read_text())
    config["http"]["replay_dir"] = str(SAMPLE_CONFIG.parent / "cassettes")  # beside the sample
    if notify is not None:
        config["notify"] = notify
    if schedules is not None:
        config["schedules"] = schedules
    path = tmp_path / "carewire.yaml"
    path.write_text(yaml.safe_dump(config))
    monkeypatch.setenv("CAREWIRE_CONFIG", str(path))
    monkeypatch.setenv("CAREWIRE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.syspath_prepend(str(DAGS))
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(DAGS))
    assert bag.import_errors == {}
    return bag


@pytest.fixture
def dagbag(airflow_db, tmp_path, monkeypatch):
    return bag_for(tmp_path, monkeypatch)


def test_every_task_that_writes_the_warehouse_is_in_the_one_slot_pool(dagbag):
    for dag_id, dag in dagbag.dags.items():
        pools = {task.task_id: task.pool for task in dag.tasks if task.task_id != GUARD_TASK_ID}
        if dag_id in WRITERS:
            assert set(pools.values()) == {WAREHOUSE_POOL}, dag_id
        else:  # the fetches write landing files only; send_replies the desk store
            assert WAREHOUSE_POOL not in pools.values(), dag_id
    for dag_id in ORDERED:  # the guard only reads Airflow's metadata: never holds the slot
        assert dagbag.get_dag(dag_id).get_task(GUARD_TASK_ID).pool == "default_pool"


def test_on_the_lake_sync_outcomes_and_publish_write_beside_the_others(
        airflow_db, tmp_path, monkeypatch):
    # several writers (docs/scaling.md): on DuckLake the DAGs whose writes are each one
    # transaction leave the slot; those that rebuild layers keep it among themselves
    monkeypatch.setenv("CAREWIRE_WAREHOUSE_URL", "ducklake:postgres:dbname=lake host=db")
    bag = bag_for(tmp_path, monkeypatch)
    pools = {dag_id: {task.pool for task in bag.get_dag(dag_id).tasks
                      if task.task_id != GUARD_TASK_ID} for dag_id in WRITERS}
    assert pools == {"process": {WAREHOUSE_POOL}, "rerun": {WAREHOUSE_POOL},
                     "maintenance": {WAREHOUSE_POOL}, "sync_outcomes": {"default_pool"},
                     "publish": {"default_pool"}}


def test_the_pool_is_declared_once_and_created_before_the_scheduler_starts():
    declared = json.loads((ROOT / "deploy" / "pools.json").read_text())
    assert list(declared) == [WAREHOUSE_POOL] and declared[WAREHOUSE_POOL]["slots"] == 1
    script = (ROOT / "deploy" / "airflow-standalone").read_text()
    assert script.index("airflow db migrate") < script.index("airflow pools import") < (
        script.index("airflow standalone &"))
    scaling = (ROOT / "docs" / "scaling.md").read_text()
    assert scaling.index("airflow pools import deploy/pools.json") < scaling.index(
        "airflow scheduler")
    assert "airflow pools import deploy/pools.json" in (ROOT / "docs" / "runbook.md").read_text()


def test_runs_that_must_not_overlap_wait_for_the_earlier_ones_first(dagbag):
    for dag_id, dag in dagbag.dags.items():
        assert dag.max_active_runs == 1, dag_id
        assert all(task.execution_timeout for task in dag.tasks), dag_id
    for dag_id in ORDERED:
        dag = dagbag.get_dag(dag_id)
        guard = dag.get_task(GUARD_TASK_ID)
        assert [task.task_id for task in dag.roots] == [GUARD_TASK_ID], dag_id
        assert guard.get_flat_relative_ids(upstream=False) == set(dag.task_ids) - {GUARD_TASK_ID}
        assert guard.mode == "reschedule"  # its worker slot is free while it waits


def test_the_deadlines_have_the_configured_intervals(airflow_db, tmp_path, monkeypatch):
    from airflow.sdk import DeadlineReference, SyncCallback

    bag = bag_for(tmp_path, monkeypatch, {"process_deadline_minutes": 45,
                                          "ingest_deadline_intervals": 2})
    [process] = bag.get_dag("process").deadline
    assert process.reference == DeadlineReference.DAGRUN_QUEUED_AT
    assert process.interval == timedelta(minutes=45)
    assert isinstance(process.callback, SyncCallback)
    assert process.callback.path == "carewire.dag_tasks.notify.deadline_missed"
    for source in ("feeds", "forums", "reddit", "x"):
        [ingest] = bag.get_dag(f"ingest_{source}").deadline
        assert ingest.reference == DeadlineReference.DAGRUN_LOGICAL_DATE
        assert ingest.interval == timedelta(hours=2)  # two runs of the hourly schedule
        assert ingest.callback.kwargs["source"] == source
    for dag_id in WRITERS - {"process"}:
        assert not bag.get_dag(dag_id).deadline


def test_each_source_polls_on_its_own_cadence_and_counts_deadlines_in_it(
        airflow_db, tmp_path, monkeypatch):
    """Minute polling for X and Reddit, feeds every 15 minutes, forums on `schedule`: each
    ingest DAG's timetable, deadline (2 of its periods) and manual interval follow it."""
    from carewire.dag_tasks.cadence import manual_interval

    bag = bag_for(tmp_path, monkeypatch, {"ingest_deadline_intervals": 2},
                  {"x": "*/2 * * * *", "reddit": "* * * * *", "feeds": "*/15 * * * *"})
    pressed = datetime(2026, 11, 24, 8, 30, 40, tzinfo=timezone.utc)
    expected = {"x": (timedelta(minutes=2), datetime(2026, 11, 24, 8, 28)),
                "reddit": (timedelta(minutes=1), datetime(2026, 11, 24, 8, 29)),
                "feeds": (timedelta(minutes=15), datetime(2026, 11, 24, 8, 15)),
                "forums": (timedelta(hours=1), datetime(2026, 11, 24, 7, 0))}
    for source, (period, start) in expected.items():
        dag = bag.get_dag(f"ingest_{source}")
        [deadline] = dag.deadline
        assert deadline.interval == 2 * period, source
        interval = manual_interval(dag.timetable, pressed)
        assert interval.start == start.replace(tzinfo=timezone.utc), source
        assert interval.end - interval.start == period, source


def test_the_deadlines_can_be_switched_off(airflow_db, tmp_path, monkeypatch):
    bag = bag_for(tmp_path, monkeypatch, {"process_deadline_minutes": None,
                                          "ingest_deadline_intervals": None})
    assert not any(dag.deadline for dag in bag.dags.values())


def run(run_id: str, logical_date: datetime | None = None) -> SimpleNamespace:
    return SimpleNamespace(run_id=run_id, logical_date=logical_date, dag_id="ingest_x")


def test_the_guard_decides_from_the_earlier_running_run():
    eight = datetime(2026, 11, 24, 8, tzinfo=timezone.utc)
    assert blocking_run("ingest_x", eight, None, 1) is None
    reason = blocking_run("ingest_x", eight, run("backfill__07", eight - timedelta(hours=1)), 2)
    assert "backfill__07" in reason and "--max-active-runs 1" in reason
    # a run without a logical date (a manual trigger) cannot be placed: it waits for others
    assert blocking_run("ingest_x", None, None, 1) is None
    assert "1 other run(s)" in blocking_run("ingest_x", None, None, 2)


def test_the_guard_asks_the_task_sdk_for_earlier_running_runs(dagbag):
    poke = dagbag.get_dag("ingest_x").get_task(GUARD_TASK_ID).python_callable
    eight = datetime(2026, 11, 24, 8, tzinfo=timezone.utc)
    asked = []

    class TaskInstance:
        def __init__(self, earlier):
            self.earlier = earlier

        def get_previous_dagrun(self, state=None):
            asked.append(state)
            return self.earlier

        def get_dr_count(self, dag_id, states=None):
            asked.append((dag_id, states))
            return 2

    assert poke(ti=TaskInstance(None), dag_run=run("scheduled__08", eight)) is True
    assert poke(ti=TaskInstance(run("b7", eight)), dag_run=run("scheduled__08", eight)) is False
    assert poke(ti=TaskInstance(None), dag_run=run("manual__1")) is False
    assert asked == ["running", "running", ("ingest_x", ["running"])]


@pytest.mark.airflow
def test_a_run_waits_while_an_earlier_one_is_running(airflow_db, dagbag, caplog):
    """Through dag.test(): the 08:00 run's guard pokes while the 07:00 run is left running
    in the metadata database, and fails when its (here one second) wait is up; the fetch
    never starts. With the 07:00 run done it goes through."""
    from airflow.models.dagrun import DagRun
    from airflow.utils.session import create_session
    from airflow.utils.state import DagRunState

    dag = dagbag.get_dag("ingest_x")
    for_dag_test(dag)
    for task in dag.tasks:
        task.retries = 0
    guard = dag.get_task(GUARD_TASK_ID)
    guard.poke_interval, guard.timeout = 0.2, 1
    seven = datetime(2026, 11, 24, 7, tzinfo=timezone.utc)
    earlier = dag.test(logical_date=seven)
    assert str(earlier.state).endswith("success")
    with create_session() as session:
        session.query(DagRun).filter(DagRun.run_id == earlier.run_id).update(
            {"state": DagRunState.RUNNING})

    with caplog.at_level(logging.WARNING):
        blocked = dag.test(logical_date=seven + timedelta(hours=1))
    states = {ti.task_id: str(ti.state).rsplit(".", 1)[-1].lower()
              for ti in blocked.get_task_instances()}
    assert states == {GUARD_TASK_ID: "failed", "fetch_brand": "upstream_failed"}

    with create_session() as session:
        session.query(DagRun).filter(DagRun.run_id == earlier.run_id).update(
            {"state": DagRunState.SUCCESS})
    assert str(dag.test(logical_date=seven + timedelta(hours=2)).state).endswith("success")


# -- the deadline callback ------------------------------------------------------------

def context(run_type: str = "scheduled", dag_id: str = "ingest_x",
            deadline: datetime | None = None) -> dict:
    return {"dag_run": {"dag_id": dag_id, "dag_run_id": f"{run_type}__1", "run_type": run_type},
            "deadline": {"id": "d1", "deadline_time": (deadline or datetime(
                2026, 11, 24, 10, tzinfo=timezone.utc)).isoformat()}}


@pytest.fixture
def settings_with(tmp_path, monkeypatch):
    def write(notify: dict):
        config = yaml.safe_load(SAMPLE_CONFIG.read_text())
        config["http"]["replay_dir"] = str(SAMPLE_CONFIG.parent / "cassettes")
        config["notify"] = notify
        path = tmp_path / "carewire.yaml"
        path.write_text(yaml.safe_dump(config))
        monkeypatch.setenv("CAREWIRE_CONFIG", str(path))
        monkeypatch.setenv("CAREWIRE_DATA_DIR", str(tmp_path / "data"))
    return write


def land(hour_end: datetime, stream: str = "brand") -> None:
    from carewire.connectors import configured_streams
    from carewire.connectors.landing import LandingZone
    from carewire.core.settings import load_settings
    from carewire.core.types import Interval

    settings = load_settings()
    [found] = [s for s in configured_streams(settings)["x"] if s.name == stream]
    LandingZone.of(settings).save_cursor(found, Interval(hour_end - timedelta(hours=1),
                                                         hour_end), {})


def test_a_missed_deadline_with_nobody_to_tell_only_logs(settings_with, caplog):
    from carewire.dag_tasks.notify import deadline_missed

    settings_with({})
    with caplog.at_level(logging.WARNING):
        line = deadline_missed(context(dag_id="process"), late="has not succeeded")
    assert line == "carewire: process run scheduled__1 has not succeeded"
    assert "notify names nobody: not sent" in caplog.text
    assert deadline_missed(context("backfill", "process"), late="x") is None


def test_a_stream_not_landed_for_n_intervals_is_told_once_by_webhook(settings_with, server,
                                                                      monkeypatch):
    from carewire.dag_tasks.notify import deadline_missed

    monkeypatch.setenv("AIRFLOW_CONN_CAREWIRE_PAGER", json.dumps({
        "conn_type": "http", "host": server.url("/hooks/ops")}))
    server.route("/hooks/ops", Reply(200, b"ok"))
    settings_with({"webhook_conn_id": "carewire_pager"})
    ten = datetime(2026, 11, 24, 10, tzinfo=timezone.utc)
    three_hours = {"late": "has not landed", "source": "x", "stale_after_s": 3 * 3600.0}

    land(ten - timedelta(hours=3))  # the last interval landed ended three hours ago
    line = deadline_missed(context(deadline=ten), **three_hours)
    assert line.endswith("nothing landed for 3:00:00 from: x/brand (see the run's failed "
                         "tasks and `carewire status`)")
    [hook] = [json.loads(hit["_body"]) for hit in server.hits("/hooks/ops")]
    assert hook["text"] == line and hook["dag_id"] == "ingest_x"

    land(ten - timedelta(hours=1))  # a later run landed: nothing to tell
    assert deadline_missed(context(deadline=ten), **three_hours) is None
    assert len(server.hits("/hooks/ops")) == 1
