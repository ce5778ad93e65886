"""The last task of the process and rerun DAGs (docs/quality.md): `quality_gates`.

The gates themselves run inside the hot path (dag_tasks/hot_path.py) and the rerun step:
each judges what the step before it touched, records the result, quarantines the failing
rows and holds their batches, and goes on: the good batches flow on to routing and
delivery. `quality_gates` runs whatever happened before it and fails the run, where ops
see it, when an expectation failed or a task did, or a step set records aside (it failed
on them alone), listing each.

Why this shape and not a gate that raises: a raising gate would stop every batch of the
run behind one bad one, and the steps after it would not run at all. Why the final
task looks at the run's task states: it is the DAG's only leaf, and Airflow judges a run
by its leaves, so it must fail for an upstream failure too or that failure would be
hidden behind it.

Import-light like common.py: the scheduler parses these often.
"""

from __future__ import annotations

from airflow.sdk import TriggerRule

from carewire.dag_tasks.common import task
from carewire.dag_tasks.hot_path import HOT_PATH_TASK_ID

FAILED_STATES = ("failed", "upstream_failed")


@task(trigger_rule=TriggerRule.ALL_DONE)
def quality_gates(dag_run=None, ti=None) -> dict:
    """Fail the run when an expectation failed in it or one of its tasks failed."""
    from airflow.sdk.exceptions import AirflowFailException

    from carewire.app import pipeline
    from carewire.core.settings import load_settings

    # The gates' own run id, and the one a rerun asked for in the conf runs its gates under.
    failures = pipeline.quality_failures(
        load_settings(), [dag_run.run_id, f"{dag_run.dag_id}/{dag_run.run_id}"])
    states = ti.get_task_states(dag_id=dag_run.dag_id, run_ids=[dag_run.run_id])
    failed_tasks = sorted(task_id for task_id, state in states.get(dag_run.run_id, {}).items()
                          if str(state) in FAILED_STATES)
    # The hot path keeps each part's result under its name, even when a later part failed.
    set_aside = pipeline.set_aside_in(ti.xcom_pull(task_ids=HOT_PATH_TASK_ID, key="enrich"),
                                      ti.xcom_pull(task_ids=HOT_PATH_TASK_ID, key="route"))
    if not failures and not failed_tasks and not set_aside:
        return {"failed_expectations": 0}
    raise AirflowFailException(failed_run_message(failures, failed_tasks, set_aside))


def failed_run_message(failures: list[dict], failed_tasks: list[str],
                       set_aside: dict[str, int]) -> str:
    """Why a run failed, for the log ops read: each failed expectation with the rows or
    streams that failed it and what holds them, the failed tasks, the records set aside."""
    lines = [f"{f['suite']}: {f['expectation_type']}"
             + (f"({f['column_name']})" if f["column_name"] else "")
             + (f" on {f['unexpected_count']} rows" if f["unexpected_count"] is not None else
                f", observed {f['observed_value']}")
             + (f" ({', '.join(f['item_refs'])}"
                + (", ..." if (f["unexpected_count"] or 0) > len(f["item_refs"]) else "") + ")"
                if f["item_refs"] else "")
             + (f", batches held: {', '.join(f['batch_ids'])}" if f["batch_ids"] else
                ", nothing held: a check of the stream, not of a batch")
             for f in failures]
    held = any(f["batch_ids"] for f in failures)
    return (
        (f"tasks failed in this run: {', '.join(failed_tasks)}. " if failed_tasks else "")
        + (f"{len(failures)} expectations failed in this run:\n  " + "\n  ".join(lines)
           + ("\nThe failing rows of held batches are in raw__quarantine (stage 'gate') "
              "and those batches are held from routing; release one after checking it with "
              "`carewire quality release BATCH_ID --note WHY`." if held else "")
           + ("\nA check of a stream (freshness, volume) holds nothing: look at the named "
              "stream's ingest DAG in Airflow and `carewire status`."
              if not all(f["batch_ids"] for f in failures) else "")
           + "\nSee `carewire quality show` (docs/quality.md)." if failures else "")
        + (f" Records set aside in this run (each failed its step alone; the others went "
           f"on): {', '.join(f'{step} {count}' for step, count in set_aside.items())}. See "
           "`carewire status` and docs/runbook.md; after the fix, `carewire quality retry "
           "STEP`." if set_aside else ""))

