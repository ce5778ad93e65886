"""The Celery queue of the process DAG's hot path (which enriches) comes from the config;
every other task keeps Airflow's default queue. Runs in the default suite: parsing the
DAGs needs no service."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from carewire.core.errors import ConfigError
from carewire.core.settings import SAMPLE_CONFIG, load_settings
from tests.dags.conftest import DAGS

QUEUES = f"""
import json, sys
sys.path.insert(0, {str(DAGS)!r})
from airflow.dag_processing.dagbag import DagBag
bag = DagBag(dag_folder={str(DAGS)!r})
print(json.dumps({{"errors": {{path: str(err) for path, err in bag.import_errors.items()}},
                  "queues": {{f"{{dag.dag_id}}.{{t.task_id}}": t.queue
                             for dag in bag.dags.values() for t in dag.tasks}}}}))
"""


def task_queues(tmp_path, **env) -> dict[str, str]:
    done = subprocess.run(
        [sys.executable, "-c", QUEUES], capture_output=True, text=True, check=True,
        env={**os.environ, "AIRFLOW_HOME": str(tmp_path / "airflow"),
             "AIRFLOW__CORE__LOAD_EXAMPLES": "False", "CAREWIRE_CONFIG": str(SAMPLE_CONFIG),
             "CAREWIRE_DATA_DIR": str(tmp_path / "data"), **env})
    parsed = json.loads(done.stdout.strip().splitlines()[-1])
    assert parsed["errors"] == {}
    return parsed["queues"]


def test_every_task_is_on_the_default_queue_unless_configured(tmp_path):
    queues = task_queues(tmp_path)
    assert queues["process.hot_path"] == "default"
    assert set(queues.values()) == {"default"}


def test_the_enrichment_queue_setting_moves_only_the_hot_path(tmp_path):
    queues = task_queues(tmp_path, CAREWIRE_ENRICHMENT__QUEUE="gpu")
    assert queues.pop("process.hot_path") == "gpu"
    assert queues and set(queues.values()) == {"default"}


def test_an_empty_queue_name_is_refused(tmp_path, monkeypatch):
    monkeypatch.setenv("CAREWIRE_ENRICHMENT__QUEUE", "")
    with pytest.raises(ConfigError, match="enrichment.queue"):
        load_settings(SAMPLE_CONFIG)
