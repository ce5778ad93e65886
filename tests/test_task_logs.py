"""What lands in an Airflow task's log when carewire loads its model and runs a quality
gate: no progress bar (its stderr lines are logged at ERROR and trip log-based alerting),
no INFO chatter from great-expectations. Each runs in a fresh interpreter, where the
model is loaded and great-expectations imported for the first time."""

from __future__ import annotations

import subprocess
import sys

LOAD_MODEL = """
from carewire.enrichment.encoder import Encoder
Encoder(runtime="torch")._loaded
Encoder().encode(["loaded by the int8 runtime, exported first if the cache is empty"])
"""

RUN_GATE = """
import logging
from datetime import datetime, timezone
import pandas as pd
logging.basicConfig(level=logging.INFO)  # as a task's log takes everything from INFO
from carewire.core.settings import Settings
from carewire.quality.validate import validate
frame = pd.DataFrame({"row_id": [0], "source": ["x"], "stream": ["brand"]})
try:
    validate("landing_raw", frame, datetime(2026, 11, 24, tzinfo=timezone.utc),
             Settings().quality)
except Exception as exc:  # columns this frame lacks: the logging happened before
    print("validate:", type(exc).__name__)
"""


def run(code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=300, check=True)


def test_loading_the_model_draws_no_progress_bar():
    done = run(LOAD_MODEL)
    assert "Loading weights" not in done.stderr and "%|" not in done.stderr, done.stderr
    assert "WARNING" not in done.stderr, done.stderr  # nor the int8 quantiser's chatter


def test_a_gate_logs_nothing_from_great_expectations_below_warning():
    done = run(RUN_GATE)
    chatter = [line for line in done.stderr.splitlines()
               if line.startswith("INFO:great_expectations")]
    assert chatter == []
