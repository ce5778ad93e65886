"""What every carewire DAG shares: task defaults, the warehouse pool, the landing assets,
`migrate`, the first task of every DAG that writes the warehouse, and `publish`, the
last of those that publish the analyst snapshot (publish, rerun, maintenance).

Kept import-light on purpose: the scheduler parses DAG files often, so nothing here opens
a database, calls a connection or imports DuckDB, pandas or a model.
"""

from __future__ import annotations

import functools
from datetime import timedelta
from typing import TYPE_CHECKING, Any, Callable

import pendulum
from airflow.sdk import Asset
from airflow.sdk import task as airflow_task
from airflow.sdk.exceptions import AirflowFailException

from carewire.core.errors import ConfigError, FatalSourceError

if TYPE_CHECKING:
    from carewire.core.settings import NotifySettings

START_DATE = pendulum.datetime(2026, 1, 1, tz="UTC")

RETRIES = {
    "retries": 3,
    "retry_delay": timedelta(minutes=2),
    "retry_exponential_backoff": True,
    "max_retry_delay": timedelta(minutes=30),
}
TIME_LIMIT = timedelta(hours=2)
"""The longest a task may run (`execution_timeout`): a hung call is stopped and retried
instead of holding its DAG (and the warehouse) for good. A rerun's task takes longer."""


WAREHOUSE_POOL = "carewire_warehouse"
"""The Airflow pool of one slot that every task opening the DuckDB warehouse read-write
runs in (process, rerun, sync_outcomes, maintenance): DuckDB allows one writing process, so
the scheduler starts one such task at a time, whichever DAG or backfill it belongs to,
instead of letting a second one fail on the file's lock and get through by its retries.
deploy/pools.json declares it; `make airflow` and the scale-out set-up import that file
(docs/runbook.md, "One writer"). A task in a pool that does not exist is never scheduled.
On the DuckLake warehouse (`Settings.several_writers`) sync_outcomes and publish run outside
it, each write a transaction in its turn; process, rerun and maintenance keep it, since
they rebuild layers over many transactions and must not interleave with one another."""

OTHER_POOL = "default_pool"
"""Airflow's own pool, for the tasks of a warehouse DAG that do not open the warehouse."""


def default_args(notify: NotifySettings, *, writes_warehouse: bool = False) -> dict[str, Any]:
    """Every carewire task's defaults: the bounded retries, the time limit, and, when it
    fails for good, the notifiers `notify` (carewire.yaml) names (dag_tasks/notify.py); for
    a DAG whose tasks write the warehouse, its pool (WAREHOUSE_POOL). The DAG file passes
    the settings it loaded once for all it declares."""
    from carewire.dag_tasks.notify import failure_notifiers

    return {"owner": "carewire", **RETRIES, "execution_timeout": TIME_LIMIT,
            "on_failure_callback": failure_notifiers(notify),
            **({"pool": WAREHOUSE_POOL} if writes_warehouse else {})}


FATAL = (ConfigError, FatalSourceError)
"""What retrying cannot fix: the settings, or a platform's 401/403, 404 or other 4xx. The
message says what to change; until then every retry fails the same way."""


def task(function: Callable | None = None, **kwargs: Any):
    """Airflow's `@task` (and `@task(...)`) for carewire's tasks: one that fails with a
    FATAL error fails at once, with its message (AirflowFailException, which Airflow does
    not retry), instead of being retried for half an hour while later runs queue behind
    it; every other error keeps the bounded RETRIES."""

    def decorate(work: Callable) -> Any:
        @functools.wraps(work)  # Airflow reads the context arguments off the signature
        def run(*args: Any, **kw: Any) -> Any:
            try:
                return work(*args, **kw)
            except FATAL as exc:
                raise AirflowFailException(f"{exc} [not retried: fix this first, then "
                                           "clear the task]") from exc

        return airflow_task(**kwargs)(run)

    return decorate(function) if function is not None else decorate


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
def publish(data_interval_start=None, data_interval_end=None, dag_run=None) -> str:
    """Write the analyst snapshot (atomic swap) and export Parquet; its `meta__snapshot`
    row names this run and its data interval (none for a run without one)."""
    from carewire.app import pipeline
    from carewire.core.settings import load_settings
    from carewire.core.types import Interval

    interval = (Interval(data_interval_start, data_interval_end)
                if data_interval_start and data_interval_end else None)
    return str(pipeline.publish(load_settings(), run_id=dag_run.run_id, interval=interval,
                                now=pendulum.now("UTC")))
