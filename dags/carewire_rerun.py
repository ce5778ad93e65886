"""rerun: do past days again from the landing zone, for ops; never runs by itself.

A run's window is `since`/`until` from its conf when given, else its data interval (one
day: the schedule and backfills). Do one window by hand with the params form in the UI or

    airflow dags trigger rerun --conf '{"since": "2026-11-24T00:00:00+00:00",
        "until": "2026-11-25T00:00:00+00:00", "reroute": "dry_run"}'

(not `--logical-date` alone: Airflow 3 derives a manual run's interval from the moment
it is triggered, and without one the task fails asking for since/until). A range of
days is a backfill, one run per day:

    airflow backfill create --dag-id rerun --max-active-runs 1 \\
        --from-date 2026-11-01 --to-date 2026-11-30 \\
        --dag-run-conf '{"reload": true, "reenrich": "all", "reroute": "dry_run",
                         "label": "model-2026-12"}'
    carewire rerun report --since 2026-11-01 --until 2026-12-01 --label model-2026-12

It exists because `process`, scheduled on the landing assets, cannot be backfilled
(Airflow refuses: "process has a non-periodic schedule that does not support
backfills"). The task is the one `process` runs when triggered with a window
(carewire/dag_tasks/rerun.py). Its tasks write the warehouse, so they run in the
`carewire_warehouse` pool of one slot: a task of `process` or another writer DAG and one
of this DAG take turns instead of meeting on DuckDB's lock. The first task,
`wait_for_earlier_runs`, holds a run while a run of an earlier day is still running, so
the days of a backfill go one at a time and in order even with --max-active-runs above 1
(carewire/dag_tasks/guard.py). Work a real re-route plans is delivered by the next
`process` run (or `carewire route deliver`).

Backfill runs only run while the DAG is unpaused, and while it is unpaused the daily
schedule also does each past day once with the defaults (reload, re-enrich what older
models made, dry-run re-route): a nightly check that yesterday still converges, which
writes only its report unless a model changed. Pause it again after a backfill if that
is not wanted.
"""

from __future__ import annotations

from airflow.sdk import DAG
from airflow.timetables.interval import CronDataIntervalTimetable

from carewire.dag_tasks.common import START_DATE, default_args, migrate, publish
from carewire.dag_tasks.guard import wait_for_earlier_runs
from carewire.dag_tasks.quality import quality_gates
from carewire.dag_tasks.rerun import options, rerun_step, window
from carewire.core.settings import load_settings

with DAG(
    dag_id="rerun",
    description="Reload, re-enrich and re-route past days from the landing zone; report",
    schedule=CronDataIntervalTimetable("@daily", timezone="UTC"),
    start_date=START_DATE,
    catchup=False,
    is_paused_upon_creation=True,  # ops trigger or backfill it; the schedule only gives windows
    max_active_runs=1,             # one writer for DuckDB
    # Safe defaults: a run nobody configured reloads its day, re-enriches what older models
    # made, and only reports what a new policy would move.
    params={**window("the run's data interval (its day; a backfill's days)."),
            **options(reload=True, reenrich="changed_models", reroute="dry_run")},
    default_args=default_args(load_settings().notify, writes_warehouse=True),
    tags=["carewire", "ops"],
    doc_md=__doc__,
) as dag:
    # The rerun runs the process DAG's gates after each step; a failure fails the run here
    # as it does there.
    (wait_for_earlier_runs() >> migrate() >> rerun_step(window_from_interval=True)
     >> publish() >> quality_gates())
