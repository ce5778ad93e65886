"""process: the single writer of the warehouse.

Scheduled on the landing assets: whenever any ingest DAG lands a batch, this DAG migrates
the schema, loads every batch that is new or changed (upserts, quarantine), enriches and
clusters the new mentions, and publishes the analyst snapshot. One run at a time, because DuckDB allows one writing process.
"""

from __future__ import annotations

from airflow.sdk import DAG, AssetAny, task

from _common import DEFAULT_ARGS, START_DATE, landing_asset
from connectors import CONNECTORS

with DAG(
    dag_id="process",
    description="Load landed batches into the DuckDB warehouse and publish the snapshot",
    schedule=AssetAny(*(landing_asset(source) for source in sorted(CONNECTORS))),
    start_date=START_DATE,
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    tags=["carewire", "process"],
    doc_md=__doc__,
) as dag:

    @task
    def migrate() -> list[str]:
        from carewire import pipeline
        from carewire.settings import load_settings

        return pipeline.migrate(load_settings())

    @task
    def load() -> dict:
        from carewire import pipeline
        from carewire.settings import load_settings

        return pipeline.load_landed(load_settings())

    @task
    def enrich() -> dict:
        from carewire import pipeline
        from carewire.settings import load_settings

        return pipeline.enrich(load_settings())

    @task
    def publish() -> str:
        from carewire import pipeline
        from carewire.settings import load_settings

        return str(pipeline.publish(load_settings()))

    migrate() >> load() >> enrich() >> publish()
