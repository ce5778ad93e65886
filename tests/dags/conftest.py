"""Airflow for the DAG tests: a throwaway home and SQLite metadata DB, set up before any
Airflow import (Airflow reads its configuration once, when it is first imported)."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

DAGS = Path(__file__).resolve().parents[2] / "dags"

os.environ["AIRFLOW_HOME"] = tempfile.mkdtemp(prefix="carewire-airflow-")
os.environ["AIRFLOW__CORE__DAGS_FOLDER"] = str(DAGS)
os.environ["AIRFLOW__CORE__LOAD_EXAMPLES"] = "False"
os.environ["AIRFLOW__CORE__UNIT_TEST_MODE"] = "True"


@pytest.fixture(scope="session")
def airflow_db():
    """`airflow db migrate` once per test session (about ten seconds)."""
    subprocess.run([sys.executable, "-m", "airflow", "db", "migrate"], check=True,
                   capture_output=True)
    return os.environ["AIRFLOW_HOME"]


def for_dag_test(dag) -> None:
    """Drop the DAG's deadline alerts before `dag.test()`: Airflow 3.3.2 runs a copy of the
    DAG serialized without the alerts' database ids, and when the run succeeds its clean-up
    of them fails ("'dict' object has no attribute 'hex'" in DagRun.update_state). The
    scheduler reads the stored DAG, which has the ids; the alerts themselves are checked in
    test_one_writer.py. (`airflow dags test` meets the same: docs/runbook.md.)"""
    dag.deadline = None
