"""ingest_<source>: one DAG per configured source, one task per stream (`fetch_<stream>`).

Each source polls on its own cadence (`schedules` in carewire.yaml, else `schedule`: X,
Reddit and Discourse every minute or two, feeds slower; carewire/dag_tasks/cadence.py).
Each run fetches its own data interval into the landing zone and updates the source's
landing asset, which schedules the `process` DAG. Rerun an interval by clearing its run:
the batch of that interval is replaced, never duplicated (see docs/operations in README).

A task per stream, named by it from the start (not one task mapped over the streams, whose
instances show as 0, 1, 2 until they end): a broken feed fails its own task, under its
own name, and the others land.

The first task, `wait_for_earlier_runs`, holds a run while a run of an earlier interval is
still fetching (a backfill beside the schedule, or one with --max-active-runs above 1): a
run reads the cursor the interval before it saved (carewire/dag_tasks/guard.py).
"""

from __future__ import annotations

from airflow.sdk import DAG

from carewire.dag_tasks.cadence import manual_interval, schedule_period, timetable_of
from carewire.dag_tasks.common import START_DATE, default_args, landing_asset, task
from carewire.dag_tasks.guard import wait_for_earlier_runs
from carewire.dag_tasks.notify import ingest_deadlines
from carewire.app import pipeline
from carewire.connectors import configured_streams
from carewire.core.settings import load_settings

SETTINGS = load_settings()
DEFAULTS = default_args(SETTINGS.notify)  # one for every source's DAG


def fetch_task(source: str, stream_name: str, timetable):
    """The task that fetches one stream's data interval into the landing zone."""

    @task(task_id=f"fetch_{stream_name}", outlets=[landing_asset(source)])
    def fetch(data_interval_start=None, data_interval_end=None, dag_run=None) -> dict:
        from carewire.app.credentials import from_airflow
        from carewire.core.types import Interval

        # A run triggered without a logical date has no data interval: it fetches the
        # last whole period of the source's cadence before it was triggered.
        interval = (Interval(data_interval_start, data_interval_end)
                    if data_interval_start is not None
                    else manual_interval(timetable, dag_run.run_after))
        settings = load_settings()
        stream = pipeline.find_stream(settings, source, stream_name)
        credentials = (from_airflow([stream.conn_id])
                       if stream.conn_id and settings.http.replay_dir is None else {})
        return pipeline.ingest_stream(settings, source, stream_name, interval, credentials)

    return fetch()


def build(source: str, stream_names: list[str]) -> DAG:
    timetable = timetable_of(SETTINGS, source)
    with DAG(
        dag_id=f"ingest_{source}",
        description=f"Fetch {source} streams into the carewire landing zone",
        schedule=timetable,
        start_date=START_DATE,
        catchup=False,
        max_active_runs=1,  # cursors move forward one interval at a time, and a backfill's
        # runs (counted apart from this) wait for the earlier ones in the first task
        default_args=DEFAULTS,
        # a stream that has landed nothing for N intervals reaches `notify` (notify.py)
        deadline=ingest_deadlines(SETTINGS.notify, source, schedule_period(timetable)),
        tags=["carewire", "ingest", source],
        doc_md=__doc__,
    ) as dag:
        guard = wait_for_earlier_runs()
        for name in stream_names:
            guard >> fetch_task(source, name, timetable)
    return dag


for _source, _streams in configured_streams(SETTINGS).items():
    globals()[f"ingest_{_source}"] = build(_source, [s.name for s in _streams])
