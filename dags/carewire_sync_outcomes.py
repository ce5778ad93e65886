"""sync_outcomes: what became of routed work comes back into the warehouse.

Every 30 minutes: ask the desk, Discourse and Zendesk what happened to the items carewire
delivered (claims, replies, resolutions, satisfaction ratings, accepted answers), record
each as an event, offer every accepted community answer to all the authors of its issue
cluster, escalate community items left without an answer, deliver those; where
`community.recognition` is configured, badge and thank the customers whose answers were
accepted (or liked), once each (docs/community.md); and publish.

It writes the warehouse like the process DAG does. The DuckDB file allows one writer: there
its tasks run in the `carewire_warehouse` pool of one slot, so a task waits for a running
process task to end instead of failing on the file's lock. On the DuckLake warehouse it runs
beside `process`: each of its writes is a transaction that takes its turn, and its
delivery pass waits for any other (docs/scaling.md, several writers).
"""

from __future__ import annotations

from airflow.sdk import DAG

from carewire.dag_tasks.common import START_DATE, default_args, migrate, publish, task
from carewire.core.settings import load_settings

SETTINGS = load_settings()  # what the DAG declares; tasks load their own when they run

with DAG(
    dag_id="sync_outcomes",
    description="Bring back ticket, thread and desk outcomes; answer offers; escalations",
    schedule="*/30 * * * *",
    start_date=START_DATE,
    catchup=False,
    max_active_runs=1,
    default_args=default_args(SETTINGS.notify,
                              writes_warehouse=not SETTINGS.several_writers),
    tags=["carewire", "routing"],
    doc_md=__doc__,
) as dag:

    @task
    def sync() -> dict:
        from datetime import datetime, timezone

        from carewire.app import pipeline
        from carewire.app.credentials import for_destinations
        from carewire.core.settings import load_settings

        settings = load_settings()
        return pipeline.sync_outcomes(settings, for_destinations(settings),
                                      datetime.now(timezone.utc))

    migrate() >> sync() >> publish()
