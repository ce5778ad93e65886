"""Reruns through Airflow: `process` triggered with a window in its conf, and a backfill
of the `rerun` DAG created by the real `airflow backfill create`, reported as one."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime, timedelta, timezone

import pytest

from carewire.app.cli import main
from carewire.core.settings import SAMPLE_CONFIG
from tests.dags.conftest import for_dag_test
from tests.reruns.conftest import DAGS, EVERYTHING, query

pytestmark = pytest.mark.airflow


@pytest.fixture
def dagbag(airflow_db, demo_settings, monkeypatch):
    monkeypatch.setenv("CAREWIRE_CONFIG", str(SAMPLE_CONFIG))
    monkeypatch.syspath_prepend(str(DAGS))
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(DAGS))
    assert bag.import_errors == {}
    for dag in bag.dags.values():
        for_dag_test(dag)
        for task in dag.tasks:
            task.retries = 0  # fail at once instead of waiting out the production backoff
    return bag


def succeeded(dag_run) -> None:
    assert str(dag_run.state) in ("success", "DagRunState.SUCCESS"), dag_run.state


def airflow(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "airflow", *args], capture_output=True,
                          text=True)


def test_process_triggered_with_a_window_reruns_it_before_its_usual_work(dagbag, demo_settings):
    process = dagbag.get_dag("process")
    assert {"since", "until", "reload", "reenrich", "reroute", "label"} <= set(process.params)
    assert all(process.params.get_param(name).description for name in process.params)

    # Only the tasks this is about run; the rest of the run (hot_path, quality_gates) is
    # marked done: tests/dags runs it whole.
    dag_run = process.test(run_conf={"since": EVERYTHING[0].isoformat(),
                                     "until": EVERYTHING[1].isoformat(),
                                     "reload": True, "reroute": "dry_run"},
                           mark_success_pattern=r"(?!migrate$|rerun$).*")

    succeeded(dag_run)
    batches = len(list(demo_settings.landing.glob("*/*/*.jsonl")))
    assert query(demo_settings.warehouse,
                 "SELECT rerun_id, reload, reenrich, reroute, batches_reloaded "
                 "FROM core__reruns") == [(f"process/{dag_run.run_id}", True, "off", "dry_run",
                                           batches)]
    assert query(demo_settings.warehouse, "SELECT count(*) FROM core__rerun_row_changes") == [(0,)]


def test_a_conf_outside_the_params_is_refused(dagbag):
    with pytest.raises(Exception, match="sideways"):
        dagbag.get_dag("process").test(run_conf={"reroute": "sideways"})


def test_a_backfill_of_the_rerun_dag_gives_one_report_for_its_range(dagbag, demo_settings,
                                                                     capsys):
    last = query(demo_settings.warehouse, "SELECT max(created_at) FROM core__mentions")[0][0]
    last = datetime(last.year, last.month, last.day, tzinfo=timezone.utc)
    first = last - timedelta(days=1)
    conf = {"reload": True, "reenrich": "all", "reroute": "dry_run", "label": "backfill-test"}

    assert airflow("dags", "reserialize").returncode == 0  # what the dag processor does
    refused = airflow("backfill", "create", "--dag-id", "process", "--from-date",
                      f"{first:%Y-%m-%d}", "--to-date", f"{last:%Y-%m-%d}", "--dry-run")
    assert "process has a non-periodic schedule that does not support backfills" in (
        refused.stderr)
    created = airflow("backfill", "create", "--dag-id", "rerun", "--max-active-runs", "1",
                      "--from-date", f"{first:%Y-%m-%d}", "--to-date", f"{last:%Y-%m-%d}",
                      "--dag-run-conf", json.dumps(conf))
    assert created.returncode == 0, created.stderr
    listed = airflow("dags", "list-runs", "rerun", "-o", "json")
    out = listed.stdout  # log lines around the JSON list
    runs, _ = json.JSONDecoder().raw_decode(out, out.index('[{"dag_id"'))
    backfill = sorted((datetime.fromisoformat(run["logical_date"]),
                       datetime.fromisoformat(run["run_after"])) for run in runs
                      if run["run_id"].startswith("backfill__") and run["state"] == "queued")
    assert backfill == [(first, last), (last, last + timedelta(days=1))]

    # No scheduler runs here: each queued run is run by dag.test, the task code the
    # scheduler would start, with the backfill's conf. dag.test gives a run the interval
    # that ends at its logical date, so each gets its backfill run's end, `run_after`.
    rerun_dag = dagbag.get_dag("rerun")
    for _, end in backfill:
        succeeded(rerun_dag.test(logical_date=end, run_after=end, run_conf=conf))
    assert query(demo_settings.warehouse, "SELECT window_start, window_end FROM core__reruns "
                                          "ORDER BY 1") == [(first, last),
                                                            (last, last + timedelta(days=1))]

    capsys.readouterr()  # the tasks' own logs
    assert main(["rerun", "report", "--since", f"{first:%Y-%m-%d}", "--until",
                 f"{last + timedelta(days=1):%Y-%m-%d}", "--label", "backfill-test",
                 "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    decided = query(demo_settings.warehouse, """
        SELECT count(*) FROM core__mentions m JOIN core__enrichments USING (source, source_id)
        WHERE NOT m.is_deleted AND m.created_at >= ? AND m.created_at < ?""",
                    [first, last + timedelta(days=1)])[0][0]
    assert len(report["reruns"]) == 2 and report["labels"] == ["backfill-test"]
    assert report["steps"]["decisions_compared"] == decided > 0
    assert report["route_changes"] == []  # and each run passed its gates (succeeded)
    # only what `reenrich: all` rewrites moved; the gates judged against the time the runs
    # executed, not the day each redid, so what was seen after that day was not "in the
    # future": nothing quarantined (raw__quarantine unchanged), no batch held
    assert set(report["tables"]) <= {"core__enrichments", "core__embeddings",
                                     "core__author_influence"}
    assert query(demo_settings.warehouse, "SELECT count(*) FROM quality__held_batches "
                                          "WHERE released_at IS NULL") == [(0,)]


def test_a_rerun_triggered_by_hand_does_the_window_in_its_conf(dagbag, demo_settings):
    rerun_dag = dagbag.get_dag("rerun")
    assert {"since", "until"} <= set(rerun_dag.params)
    since, until = datetime(2026, 11, 24, tzinfo=timezone.utc), datetime(2026, 11, 25,
                                                                          tzinfo=timezone.utc)
    succeeded(rerun_dag.test(run_conf={"since": since.isoformat(), "until": until.isoformat(),
                                       "reload": False, "reenrich": "off",
                                       "reroute": "dry_run"}))
    assert query(demo_settings.warehouse,
                 "SELECT window_start, window_end FROM core__reruns") == [(since, until)]


def test_a_rerun_without_a_window_or_a_data_interval_asks_for_since_and_until(dagbag):
    from types import SimpleNamespace

    from airflow.sdk.exceptions import AirflowFailException

    from carewire.core.errors import ConfigError

    task = dagbag.get_dag("rerun").get_task("rerun")
    params = {"since": None, "until": None, "reload": True, "reenrich": "off",
              "reroute": "off", "label": ""}
    # a ConfigError: failed at once (not retried), with what to give
    with pytest.raises(AirflowFailException, match="since.*until.*not retried") as failed:
        task.python_callable(params=params, data_interval_start=None, data_interval_end=None,
                             dag_run=SimpleNamespace(run_id="manual__1", dag_id="rerun",
                                                     run_after=None))
    assert isinstance(failed.value.__cause__, ConfigError)
