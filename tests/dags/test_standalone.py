"""`make airflow` as ops start and stop it: airflow standalone with carewire's DAGs, its
API on 127.0.0.1 only, and nothing left running once it is stopped (SIGTERM, as Ctrl-C or
a service manager sends). Standalone alone leaves its API server, scheduler and workers
behind; deploy/airflow-standalone stops the whole process group."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest
import requests

from carewire.core.settings import SAMPLE_CONFIG
from tests.dags.conftest import DAGS

pytestmark = pytest.mark.airflow

ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = Path(os.sys.executable).parent


def carrying(marker: str) -> list[int]:
    """Processes whose environment holds `marker` (this test's AIRFLOW_HOME)."""
    found = []
    for proc in Path("/proc").iterdir():
        try:
            if proc.name.isdigit() and marker.encode() in (proc / "environ").read_bytes():
                found.append(int(proc.name))
        except OSError:  # gone meanwhile, or not ours to read
            continue
    return found


def test_stopping_make_airflow_leaves_no_process_behind(tmp_path, free_tcp_port):
    home = tmp_path / "airflow_home"
    env = {**os.environ, "AIRFLOW_HOME": str(home), "AIRFLOW__CORE__DAGS_FOLDER": str(DAGS),
           "AIRFLOW__CORE__LOAD_EXAMPLES": "False", "AIRFLOW__CORE__PARALLELISM": "2",
           "AIRFLOW__API__HOST": "127.0.0.1", "AIRFLOW__API__PORT": str(free_tcp_port),
           "CAREWIRE_CONFIG": str(SAMPLE_CONFIG), "CAREWIRE_DATA_DIR": str(tmp_path / "data"),
           "PATH": f"{VENV_BIN}:{os.environ['PATH']}"}
    env.pop("AIRFLOW__CORE__UNIT_TEST_MODE", None)
    started = subprocess.Popen([str(ROOT / "deploy" / "airflow-standalone")], env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        health = f"http://127.0.0.1:{free_tcp_port}/api/v2/monitor/health"
        deadline = time.monotonic() + 240
        while True:
            try:
                if requests.get(health, timeout=2).status_code == 200:
                    break
            except requests.ConnectionError:
                pass
            assert time.monotonic() < deadline, "airflow standalone did not come up"
            assert started.poll() is None, "airflow standalone exited"
            time.sleep(2)
        running = carrying(str(home))
        assert len(running) >= 4  # the script, standalone, its API server, scheduler...
    finally:
        started.send_signal(signal.SIGTERM)
        started.wait(timeout=60)
    deadline = time.monotonic() + 40
    while carrying(str(home)) and time.monotonic() < deadline:
        time.sleep(1)
    assert carrying(str(home)) == []
