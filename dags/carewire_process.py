"""process: the single writer of the warehouse.

Scheduled on the landing assets: whenever any ingest DAG lands a batch, this DAG migrates
the schema, loads every batch that is new or changed (upserts, quarantine), enriches and
clusters the new mentions, judges the recent hours for spikes (alerts to the desk and the
configured webhooks), routes the mentions under the policy, delivers the routed work to
the desk and the configured destinations, and publishes the analyst snapshot. One run at
a time, because DuckDB allows one writing process: the tasks run in sequence, in the
`carewire_warehouse` pool of one slot that the other writers' tasks share
(carewire/dag_tasks/common.py), so a writer waits its turn instead of meeting the lock.

The alerts task does not fail when a notification cannot be sent: the alert is stored,
the notification waits with its error (`out__alerts`) and is retried next run, and
routing goes on.

Quality gates (docs/quality.md) judge what load, enrich and route touched: a batch that
fails is held back from routing (its failing rows quarantined), the others flow on, and
the last task, `quality_gates`, fails the run with every failed expectation listed.

The deliver task fails when a delivery was held as `blocked` (bad credentials, a 422):
that needs a person. A destination that is merely down does not fail it: its work waits
in the backlog (`out__delivery_backlog`, `carewire status`) and is retried next run.
"""

from __future__ import annotations

from airflow.sdk import DAG, AssetAny

from carewire.dag_tasks.common import (START_DATE, default_args, landing_asset, migrate,
                                       publish, task)
from carewire.dag_tasks.notify import process_deadlines
from carewire.dag_tasks.quality import gate, quality_gates
from carewire.dag_tasks.rerun import WINDOW, options, rerun_step
from carewire.core.settings import load_settings
from carewire.connectors import CONNECTORS
from carewire.quality import GATES_AFTER

SETTINGS = load_settings()  # what the DAG declares; tasks load their own when they run

with DAG(
    dag_id="process",
    description="Load landed batches into the DuckDB warehouse and publish the snapshot",
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

    @task
    def load() -> dict:
        from carewire.app import pipeline
        from carewire.core.settings import load_settings

        return pipeline.load_landed(load_settings())

    # The model's hardware: under the CeleryExecutor, the queue the GPU workers listen on.
    @task(queue=SETTINGS.enrichment.queue)
    def enrich() -> dict:
        from carewire.app import pipeline
        from carewire.core.settings import load_settings

        return pipeline.enrich(load_settings())

    @task
    def alerts(data_interval_end=None, dag_run=None) -> dict:
        from carewire.app import pipeline
        from carewire.app.credentials import for_destinations
        from carewire.core.settings import load_settings

        settings = load_settings()
        return pipeline.detect_alerts(settings, data_interval_end or dag_run.run_after,
                                      for_destinations(settings))

    @task
    def route(data_interval_end=None, dag_run=None) -> dict:
        from datetime import datetime, timezone

        from carewire.app import pipeline
        from carewire.core.settings import load_settings

        return pipeline.route(load_settings(), data_interval_end or dag_run.run_after,
                              datetime.now(timezone.utc))

    @task
    def deliver() -> dict:
        from datetime import datetime, timezone

        from carewire.app import pipeline
        from carewire.app.credentials import for_destinations
        from carewire.core.settings import load_settings

        settings = load_settings()
        result = pipeline.deliver(settings, for_destinations(settings),
                                  datetime.now(timezone.utc))
        if result["blocked"]:
            from airflow.sdk.exceptions import AirflowFailException

            # No retry: a blocked delivery fails the same way until someone fixes it.
            raise AirflowFailException(
                f"{result['blocked']} deliveries are held as blocked and need a fix (see the "
                f"errors below and docs/routing.md): {result}")
        return result

    (migrate() >> rerun_step(window_from_interval=False) >> load()
     >> gate("gate_raw", GATES_AFTER["load"]) >> enrich()
     >> gate("gate_enrichments", GATES_AFTER["enrich"]) >> alerts() >> route()
     >> gate("gate_routing", GATES_AFTER["route"]) >> deliver() >> publish()
     >> quality_gates())
