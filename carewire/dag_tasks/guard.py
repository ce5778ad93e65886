"""The first task of the DAGs whose runs must not overlap: `wait_for_earlier_runs`.

Why a task and not only `max_active_runs=1`: Airflow 3 applies a backfill's own
`--max-active-runs` (ten unless told) apart from the DAG's, so a backfill runs beside the
scheduled runs and, given more than one, beside its own. For `ingest_<source>` that moves
cursors out of order: a run reads the cursor as the interval before it left it
(`LandingZone.cursor_before`), and while that run is still fetching it reads an older one
and asks the platform another question. For `rerun` it interleaves the writes of two days
and the reports of one backfill (reported as one range, in day order).

The guard is a sensor in reschedule mode: while a run of the same DAG with an earlier
logical date is running, it frees its worker slot and looks again a minute later, so the
runs go on one at a time in date order whatever the backfill's --max-active-runs, instead
of failing. The earliest running run never waits, so the chain always moves. It reads
only what the Task SDK offers a task (the Execution API, no metadata database):
`ti.get_previous_dagrun(state="running")` and, for a run without a logical date (a manual
trigger), `ti.get_dr_count(states=["running"])`.

Import-light like common.py: the scheduler parses these often.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from airflow.sdk import task as airflow_task

from carewire.dag_tasks.common import OTHER_POOL

GUARD_TASK_ID = "wait_for_earlier_runs"
POKE_INTERVAL = timedelta(minutes=1)
WAIT_LIMIT = timedelta(hours=12)
"""How long a run waits for earlier ones before it fails (a rerun's task may take as long)."""


def blocking_run(dag_id: str, logical_date: Any, earlier_running: Any,
                 running_count: int) -> str | None:
    """Why this run must wait, or None when it may go on.

    `earlier_running`: the latest run of `dag_id` with an earlier logical date that is still
    running (None when there is none); `running_count`: how many runs of it are running,
    this one included. A run without a logical date cannot be placed among the others: it
    waits while any other run of the DAG is running (the DAG's max_active_runs=1 leaves it
    beside backfill runs only)."""
    if logical_date is None:
        if running_count > 1:
            return (f"{running_count - 1} other run(s) of {dag_id} are running (a backfill?); "
                    "this run has no logical date, so it waits until they end")
        return None
    if earlier_running is not None:
        return (f"run {earlier_running.run_id} of {dag_id} (logical date "
                f"{earlier_running.logical_date}) is still running; runs of {dag_id} go one at "
                "a time in date order. Backfill it with --max-active-runs 1 (docs/runbook.md)")
    return None


def wait_for_earlier_runs():
    """The guard task: succeeds once no earlier run of this DAG is running."""

    @airflow_task.sensor(task_id=GUARD_TASK_ID, mode="reschedule", pool=OTHER_POOL,
                         poke_interval=POKE_INTERVAL.total_seconds(),
                         timeout=WAIT_LIMIT.total_seconds())
    def wait(ti=None, dag_run=None) -> bool:
        import logging

        logical_date = dag_run.logical_date
        reason = blocking_run(
            dag_run.dag_id, logical_date,
            ti.get_previous_dagrun(state="running") if logical_date is not None else None,
            ti.get_dr_count(dag_id=dag_run.dag_id, states=["running"])
            if logical_date is None else 1)
        if reason:
            logging.getLogger(__name__).warning("waiting: %s", reason)
        return reason is None

    return wait()
