"""What every carewire DAG shares: task defaults, the landing assets, the settings reader.

Kept import-light on purpose: the scheduler parses DAG files often, so nothing here opens
a database, calls a connection or imports DuckDB, pandas or a model.
"""

from __future__ import annotations

from datetime import timedelta

import pendulum
from airflow.sdk import Asset

START_DATE = pendulum.datetime(2026, 1, 1, tz="UTC")

DEFAULT_ARGS = {
    "owner": "carewire",
    "retries": 3,
    "retry_delay": timedelta(minutes=2),
    "retry_exponential_backoff": True,
    "max_retry_delay": timedelta(minutes=30),
}


def landing_asset(source: str) -> Asset:
    """Updated by ingest_<source> whenever it lands a batch; the process DAG listens."""
    return Asset(f"carewire://landing/{source}", group="carewire")
