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
