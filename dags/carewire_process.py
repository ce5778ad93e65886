"""process: the single writer of the warehouse, on the hot path from a landed batch to
the agents' queue.

Scheduled on the landing assets: whenever any ingest DAG lands a batch, this DAG migrates
the schema and then, in one task (`hot_path`, carewire/dag_tasks/hot_path.py), loads every
batch that is new or changed (upserts, quarantine), enriches and clusters the new
mentions, judges the recent hours for spikes (alerts to the desk and the configured
webhooks), routes the mentions under the policy and delivers the routed work to the desk
and the configured destinations. One task, not one per step, because each Airflow task
start-up costs seconds and ingest lands a micro-batch every minute or two; each step is
a collapsible group in the task's log, with its time and result, and an XCom under its
name. One run at a time, because DuckDB allows one writing process: the tasks run in
sequence, in the `carewire_warehouse` pool of one slot that the other writers' tasks
share (carewire/dag_tasks/common.py), so a writer waits its turn instead of meeting the
lock. Under the CeleryExecutor the hot path runs on the enrichment queue (the model's
hardware), since enrich is one of its steps.

It does not publish the analyst snapshot: that copies the whole warehouse, so the
`publish` DAG does it on a cron of its own (`publish.schedule`, dags/carewire_publish.py).

The alerts step does not fail when a notification cannot be sent: the alert is stored,
the notification waits with its error (`out__alerts`) and is retried next run, and
routing goes on.

Quality gates (docs/quality.md) judge what load, enrich and route touched, inside the
hot path right after each: a batch that fails is held back from routing (its failing rows
quarantined), the others flow on, and the last task, `quality_gates`, fails the run with
every failed expectation listed.

The hot path fails when a delivery was held as `blocked` (bad credentials, a 422): that
needs a person. A destination that is merely down does not fail it: its work waits in the
backlog (`out__delivery_backlog`, `carewire status`) and is retried next run.
"""

from __future__ import annotations

from airflow.sdk import DAG, AssetAny

from carewire.dag_tasks.common import START_DATE, default_args, landing_asset, migrate
from carewire.dag_tasks.hot_path import hot_path
from carewire.dag_tasks.notify import process_deadlines
from carewire.dag_tasks.quality import quality_gates
from carewire.dag_tasks.rerun import WINDOW, options, rerun_step
from carewire.core.settings import load_settings
from carewire.connectors import CONNECTORS

SETTINGS = load_settings()  # what the DAG declares; tasks load their own when they run

with DAG(
    dag_id="process",
    description="Load landed batches into the DuckDB warehouse, enrich, route, deliver",
    schedule=AssetAny(*(landing_asset(source) for source in sorted(CONNECTORS))),
    start_date=START_DATE,
    catchup=False,
    max_active_runs=1,
    default_args=default_args(SETTINGS.notify, writes_warehouse=True),
    # landed data not processed within notify.process_deadline_minutes reaches `notify`
    deadline=process_deadlines(SETTINGS.notify),
    tags=["carewire", "process"],
    # Triggered with a window in its conf, a run first does that window again (docs/runbook.md).
    params={**WINDOW, **options(reload=False, reenrich="off", reroute="off")},
    doc_md=__doc__,
) as dag:
    # The model's hardware: under the CeleryExecutor, the queue the GPU workers listen on.
    (migrate() >> rerun_step(window_from_interval=False)
     >> hot_path(queue=SETTINGS.enrichment.queue) >> quality_gates())
