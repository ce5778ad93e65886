"""ingest_<source>: one DAG per configured source, one task per stream (`fetch_<stream>`).

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

from datetime import timedelta

from airflow.sdk import DAG
from airflow.timetables.base import TimeRestriction
from airflow.timetables.interval import CronDataIntervalTimetable

from carewire.dag_tasks.common import START_DATE, default_args, landing_asset, task
from carewire.dag_tasks.guard import wait_for_earlier_runs
from carewire.dag_tasks.notify import ingest_deadlines
from carewire.app import pipeline
from carewire.connectors import configured_streams
from carewire.core.settings import load_settings

SETTINGS = load_settings()
DEFAULTS = default_args(SETTINGS.notify)  # one for every source's DAG
TIMETABLE = CronDataIntervalTimetable(SETTINGS.schedule, timezone="UTC")


def schedule_period(timetable: CronDataIntervalTimetable, runs: int = 24) -> timedelta:
    """The longest data interval among the schedule's first `runs`: an hour for the default
    hourly cron (the unit of `notify.ingest_deadline_intervals`)."""
    restriction = TimeRestriction(earliest=START_DATE, latest=None, catchup=True)
    longest, last = timedelta(0), None
    for _ in range(runs):
        info = timetable.next_dagrun_info(last_automated_data_interval=last,
                                          restriction=restriction)
        if info is None:
            break
        last = info.data_interval
        longest = max(longest, last.end - last.start)
    return longest


def fetch_task(source: str, stream_name: str):
    """The task that fetches one stream's data interval into the landing zone."""

    @task(task_id=f"fetch_{stream_name}", outlets=[landing_asset(source)])
    def fetch(data_interval_start=None, data_interval_end=None, dag_run=None) -> dict:
        from carewire.app.credentials import from_airflow
        from carewire.core.types import Interval

        # A run triggered without a logical date has no data interval: it fetches the
        # last whole hour before it was triggered.
        interval = (Interval(data_interval_start, data_interval_end)
                    if data_interval_start is not None
                    else Interval.hour_before(dag_run.run_after))
        settings = load_settings()
        stream = pipeline.find_stream(settings, source, stream_name)
        credentials = (from_airflow([stream.conn_id])
                       if stream.conn_id and settings.http.replay_dir is None else {})
        return pipeline.ingest_stream(settings, source, stream_name, interval, credentials)

    return fetch()


def build(source: str, stream_names: list[str]) -> DAG:
    with DAG(
        dag_id=f"ingest_{source}",
        description=f"Fetch {source} streams into the carewire landing zone",
        schedule=TIMETABLE,
        start_date=START_DATE,
        catchup=False,
        max_active_runs=1,  # cursors move forward one interval at a time, and a backfill's
        # runs (counted apart from this) wait for the earlier ones in the first task
        default_args=DEFAULTS,
        # a stream that has landed nothing for N intervals reaches `notify` (notify.py)
        deadline=ingest_deadlines(SETTINGS.notify, source, PERIOD),
        tags=["carewire", "ingest", source],
        doc_md=__doc__,
    ) as dag:
        guard = wait_for_earlier_runs()
        for name in stream_names:
            guard >> fetch_task(source, name)
    return dag


PERIOD = schedule_period(TIMETABLE)

for _source, _streams in configured_streams(SETTINGS).items():
    globals()[f"ingest_{_source}"] = build(_source, [s.name for s in _streams])
