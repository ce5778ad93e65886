"""What every carewire DAG shares: task defaults, the landing assets, and the two tasks
that bracket every run that writes the warehouse (`migrate` first, `publish` last).

Kept import-light on purpose: the scheduler parses DAG files often, so nothing here opens
a database, calls a connection or imports DuckDB, pandas or a model.
"""

from __future__ import annotations

from datetime import timedelta

import pendulum
from airflow.sdk import Asset, task

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


@task
def migrate() -> list[str]:
    """Bring the warehouse schema up to date before anything writes it."""
    from carewire.app import pipeline
    from carewire.core.settings import load_settings

    return pipeline.migrate(load_settings())


@task
def publish() -> str:
    """Copy the warehouse to the analyst snapshot (atomic swap) and export Parquet."""
    from carewire.app import pipeline
    from carewire.core.settings import load_settings

    return str(pipeline.publish(load_settings()))
