"""Each source's ingest cadence as Airflow sees it: the timetable of `ingest_<source>`, the
length of its period, and the interval a run triggered without a logical date fetches.

A source polls on its own cron (`schedules` in carewire.yaml, else `schedule`): X recent
search, Reddit and Discourse every minute or two, feeds slower. Every run fetches one
period of that cron, its data interval; the cursor each connector keeps makes the window
it asks the platform for start where the last landed run stopped, so a run that is late,
failed or never made leaves nothing unfetched (docs/sources.md, "Cadence").

Import-light like common.py: the scheduler parses the DAG files that use this often.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pendulum
from airflow.timetables.base import TimeRestriction
from airflow.timetables.interval import CronDataIntervalTimetable

from carewire.core.settings import Settings
from carewire.core.types import Interval
from carewire.dag_tasks.common import START_DATE


def timetable_of(settings: Settings, source: str) -> CronDataIntervalTimetable:
    """The timetable of `ingest_<source>`: its cron's periods, in UTC."""
    return CronDataIntervalTimetable(settings.schedule_of(source), timezone="UTC")


def schedule_period(timetable: CronDataIntervalTimetable, runs: int = 24) -> timedelta:
    """The longest data interval among the timetable's first `runs`: an hour for the hourly
    cron, two minutes for '*/2 * * * *' (the unit of `notify.ingest_deadline_intervals`)."""
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


def manual_interval(timetable: CronDataIntervalTimetable, run_after: datetime) -> Interval:
    """What a run triggered without a logical date fetches: the last whole period of the
    source's cadence that ended at or before `run_after` (08:28-08:30 for a run at 08:30:40
    every two minutes; 07:00-08:00 for one at 08:30 hourly), the interval the scheduled run
    of that period has, so a manual run and a scheduled one land the same batch."""
    interval = timetable.infer_manual_data_interval(run_after=pendulum.instance(run_after))
    return Interval(interval.start, interval.end)
