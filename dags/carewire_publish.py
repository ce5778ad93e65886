"""publish: the analyst snapshot and the Parquet exports, on a cron of their own.

Every `publish.schedule` (carewire.yaml; every 15 minutes unless set) this DAG writes the
analyst snapshot (`analytics.duckdb`, an atomic swap) and exports its analyst-facing
tables to Parquet. Why not after every `process` run, as before: a publish copies the
whole warehouse (about 1.5 GB of embeddings per million mentions), and `process` runs on
every landed micro-batch, every minute or two. Analysts therefore see the warehouse as it
was at the last publish: at most one period plus one publish's run time old;
`meta__snapshot.published_at` in the snapshot says when (docs/runbook.md, "What analysts
see"). The care desk does not wait for it: agents' work is delivered by `process`.

The publish writes its `meta__snapshot` row into the warehouse before copying it, so on
the DuckDB file its tasks run in the `carewire_warehouse` pool of one slot like every other
writer's and take turns with `process` instead of meeting on DuckDB's lock. On the DuckLake
warehouse that row is one transaction and nothing is copied (the publish names a snapshot
of the lake), so it runs beside `process` (docs/scaling.md, several writers).
"""

from __future__ import annotations

from airflow.sdk import DAG
from airflow.timetables.interval import CronDataIntervalTimetable

from carewire.dag_tasks.common import START_DATE, default_args, migrate, publish
from carewire.core.settings import load_settings

SETTINGS = load_settings()  # what the DAG declares; tasks load their own when they run

with DAG(
    dag_id="publish",
    description="Publish the analyst snapshot and the Parquet exports on a cron",
    schedule=CronDataIntervalTimetable(SETTINGS.publish.schedule, timezone="UTC"),
    start_date=START_DATE,
    catchup=False,                 # a missed publish is made good by the next one
    max_active_runs=1,
    default_args=default_args(SETTINGS.notify,
                              writes_warehouse=not SETTINGS.several_writers),
    tags=["carewire", "publish"],
    doc_md=__doc__,
) as dag:
    migrate() >> publish()
