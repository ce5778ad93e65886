"""Every DAG imports cleanly, touches no database or connection while parsed, and retries.

Parsing runs in a fresh interpreter whose Airflow metadata database cannot be opened, so
any database access at parse time shows up as an import error.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import yaml

from carewire.core.settings import SAMPLE_CONFIG
from tests.dags.conftest import DAGS

PARSE = f"""
import json, sys
sys.path.insert(0, {str(DAGS)!r})
from airflow.dag_processing.dagbag import DagBag
bag = DagBag(dag_folder={str(DAGS)!r})
# The platform clients (tweepy, praw: ~50 ms on top of requests) come with the connector
# registry; what costs seconds or memory must wait for the task that needs it.
heavy = sorted(m for m in ("duckdb", "pandas", "torch", "transformers", "great_expectations")
               if m in sys.modules)
print(json.dumps({{
    "errors": {{path: str(err) for path, err in bag.import_errors.items()}},
    "dags": {{dag_id: {{t.task_id: t.retries for t in dag.tasks}} for dag_id, dag in bag.dags.items()}},
    "max_active_runs": {{dag_id: dag.max_active_runs for dag_id, dag in bag.dags.items()}},
    "time_limits": {{f"{{dag_id}}.{{t.task_id}}": t.execution_timeout.total_seconds()
                    if t.execution_timeout else None
                    for dag_id, dag in bag.dags.items() for t in dag.tasks}},
    "heavy": heavy,
}}))
"""


def parse_dags(tmp_path, config) -> dict:
    env = {**os.environ,
           "AIRFLOW_HOME": str(tmp_path / "airflow"),
           "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": "sqlite:////nonexistent/dir/airflow.db",
           "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
           "CAREWIRE_CONFIG": str(config),
           "CAREWIRE_DATA_DIR": str(tmp_path / "data")}
    done = subprocess.run([sys.executable, "-c", PARSE], env=env, capture_output=True, text=True,
                          check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_dags_import_without_errors_database_or_heavy_imports(tmp_path):
    parsed = parse_dags(tmp_path, SAMPLE_CONFIG)
    assert parsed["errors"] == {}
    assert sorted(parsed["dags"]) == ["ingest_feeds", "ingest_forums", "ingest_reddit",
                                      "ingest_x", "maintenance", "process", "publish",
                                      "rerun", "send_replies", "sync_outcomes"]
    assert parsed["heavy"] == []
    # one task per stream, named by it from the start (docs/architecture.md)
    assert sorted(parsed["dags"]["ingest_feeds"]) == [
        "fetch_deals-feed", "fetch_google-alerts", "fetch_kestrelfans-blog",
        "fetch_mastodon-tag", "fetch_phonebeat", "fetch_ukmobiles-forum",
        "wait_for_earlier_runs"]  # first: carewire/dag_tasks/guard.py
    # the hot path is one task, and publishing is a DAG of its own (dags/carewire_publish.py)
    assert sorted(parsed["dags"]["process"]) == ["hot_path", "migrate", "quality_gates", "rerun"]
    assert sorted(parsed["dags"]["publish"]) == ["migrate", "publish"]
    assert not (tmp_path / "data").exists()  # parsing wrote nothing


def test_every_task_retries_and_only_one_process_run_at_a_time(tmp_path):
    parsed = parse_dags(tmp_path, SAMPLE_CONFIG)
    for dag_id, tasks in parsed["dags"].items():
        assert tasks, dag_id
        for task_id, retries in tasks.items():
            assert retries >= 1, f"{dag_id}.{task_id} has no retries"
    assert parsed["max_active_runs"]["process"] == 1
    assert parsed["max_active_runs"]["sync_outcomes"] == 1
    assert parsed["max_active_runs"]["rerun"] == 1
    assert parsed["max_active_runs"]["maintenance"] == 1
    assert parsed["max_active_runs"]["publish"] == 1
    # a hung task is stopped: two hours, a rerun's twelve (it may redo a month)
    limits = parsed["time_limits"]
    assert {dag_task for dag_task, limit in limits.items() if not limit} == set()
    assert limits["process.hot_path"] == 2 * 3600 and limits["rerun.rerun"] == 12 * 3600


def test_credentials_are_not_looked_up_while_parsing(tmp_path):
    config = yaml.safe_load(SAMPLE_CONFIG.read_text())
    config["sources"]["feeds"][0]["conn_id"] = "connection_that_does_not_exist"
    config["http"]["replay_dir"] = str(SAMPLE_CONFIG.parent / "cassettes")
    path = tmp_path / "carewire.yaml"
    path.write_text(yaml.safe_dump(config))
    parsed = parse_dags(tmp_path, path)
    assert parsed["errors"] == {}
    assert "ingest_feeds" in parsed["dags"]
