"""The business-time clock (carewire/core/business_time.py) on fixed dates: across a
weekend, a holiday, both clock changes, posts outside hours and days with a lunch break."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from carewire.core.business_time import BusinessHours, describe, due

BERLIN, NEW_YORK = ZoneInfo("Europe/Berlin"), ZoneInfo("America/New_York")
UTC = timezone.utc
WEEKDAYS = {"mon-fri": "08:00-20:00"}


def at(tz, *parts) -> datetime:
    return datetime(*parts, tzinfo=tz)


def hours(zone="Europe/Berlin", week=None, holidays=()) -> BusinessHours:
    return BusinessHours.parse(zone, week or WEEKDAYS, holidays)


def test_an_sla_that_runs_past_friday_evening_is_due_on_monday():
    care = hours()
    posted = at(BERLIN, 2024, 6, 7, 18)  # a Friday
    assert care.add(posted, timedelta(hours=8)) == at(BERLIN, 2024, 6, 10, 14)
    assert care.add(posted, timedelta(hours=8)).tzinfo == UTC
    assert care.between(posted, at(BERLIN, 2024, 6, 10, 14)) == timedelta(hours=8)


def test_a_deadline_that_runs_out_at_closing_time_is_closing_time():
    assert hours().add(at(BERLIN, 2024, 6, 7, 16), timedelta(hours=4)) == at(BERLIN, 2024, 6, 7, 20)


def test_holidays_are_closed_all_day():
    care = hours(holidays=[date(2024, 12, 25), date(2024, 12, 26)])
    posted = at(BERLIN, 2024, 12, 24, 19)  # Tuesday; Wednesday and Thursday are holidays
    assert care.add(posted, timedelta(hours=8)) == at(BERLIN, 2024, 12, 27, 15)
    assert care.between(posted, at(BERLIN, 2024, 12, 27, 8)) == timedelta(hours=1)


def test_a_post_outside_hours_starts_the_clock_at_the_next_opening():
    care = hours()
    assert care.add(at(BERLIN, 2024, 6, 10, 6, 30), timedelta(hours=1)) == at(BERLIN, 2024, 6, 10, 9)
    assert care.add(at(BERLIN, 2024, 6, 10, 21), timedelta(hours=1)) == at(BERLIN, 2024, 6, 11, 9)
    assert care.add(at(BERLIN, 2024, 6, 8, 12), timedelta(hours=1)) == at(BERLIN, 2024, 6, 10, 9)
    assert care.add(at(BERLIN, 2024, 6, 7, 20), timedelta(0)) == at(BERLIN, 2024, 6, 10, 8)
    assert care.between(at(BERLIN, 2024, 6, 8, 9), at(BERLIN, 2024, 6, 9, 23)) == timedelta(0)


def test_several_intervals_a_day_skip_the_break_between_them():
    split = hours(week={"mon-fri": ["08:00-12:00", "13:00-17:00"], "sat": "10:00-14:00"})
    assert split.add(at(BERLIN, 2024, 6, 10, 11), timedelta(hours=3)) == at(BERLIN, 2024, 6, 10, 15)
    assert split.add(at(BERLIN, 2024, 6, 10, 12, 30), timedelta(hours=1)) == at(BERLIN, 2024, 6, 10, 14)
    # Friday 16:00 + 3h: one on Friday, two on Saturday morning
    assert split.add(at(BERLIN, 2024, 6, 14, 16), timedelta(hours=3)) == at(BERLIN, 2024, 6, 15, 12)
    assert split.between(at(BERLIN, 2024, 6, 10, 0), at(BERLIN, 2024, 6, 11, 0)) == timedelta(hours=8)


def test_the_clock_going_back_in_berlin():
    """Europe/Berlin leaves summer time on Sunday 27 October 2024 (03:00 CEST -> 02:00 CET)."""
    care = hours()
    friday = at(BERLIN, 2024, 10, 25, 19)  # CEST, 17:00 UTC
    due_at = care.add(friday, timedelta(hours=4))
    assert due_at == at(BERLIN, 2024, 10, 28, 11)  # CET
    assert due_at == datetime(2024, 10, 28, 10, tzinfo=UTC)
    night = hours(week={"sun": "00:00-04:00"})
    assert night.between(at(BERLIN, 2024, 10, 27, 0), at(BERLIN, 2024, 10, 28, 0)) == timedelta(hours=5)
    assert night.add(at(BERLIN, 2024, 10, 27, 0), timedelta(hours=4, minutes=30)) == \
        datetime(2024, 10, 27, 2, 30, tzinfo=UTC)  # 03:30 CET, the second 02:00-03:00 passed


def test_the_clock_going_forward_in_new_york():
    """America/New_York starts daylight time on Sunday 10 March 2024 (02:00 EST -> 03:00 EDT)."""
    desk = hours("America/New_York")
    friday = at(NEW_YORK, 2024, 3, 8, 19)  # EST, Saturday 00:00 UTC
    assert desk.add(friday, timedelta(hours=2)) == at(NEW_YORK, 2024, 3, 11, 9)  # EDT
    assert desk.add(friday, timedelta(hours=2)) == datetime(2024, 3, 11, 13, tzinfo=UTC)
    night = hours("America/New_York", {"sun": "00:00-06:00"})
    assert night.between(at(NEW_YORK, 2024, 3, 10, 0), at(NEW_YORK, 2024, 3, 11, 0)) == timedelta(hours=5)
    assert night.add(at(NEW_YORK, 2024, 3, 10, 1), timedelta(hours=2)) == at(NEW_YORK, 2024, 3, 10, 4)


def test_open_around_the_clock_is_elapsed_time_even_across_clock_changes():
    always = hours(week={"mon-sun": "00:00-24:00"})
    for local in (at(BERLIN, 2024, 10, 26, 13, 17), at(BERLIN, 2024, 3, 30, 22)):
        start = local.astimezone(UTC)  # Python adds wall-clock time to a zoned datetime
        for sla in (timedelta(hours=1), timedelta(hours=48), timedelta(days=9, minutes=7)):
            assert always.add(start, sla) == start + sla
            assert always.between(start, start + sla) == sla


def test_add_and_between_agree():
    care = hours(week={"mon-fri": ["08:00-12:30", "13:15-20:00"], "sat": "10:00-16:00"},
                 holidays=[date(2024, 10, 3)])
    start = at(BERLIN, 2024, 9, 30, 5, 45)
    for step in range(0, 200):
        sla = timedelta(minutes=37 * step)
        assert care.between(start, care.add(start, sla)) == sla
    assert care.between(at(BERLIN, 2024, 10, 8), start) == -care.between(start, at(BERLIN, 2024, 10, 8))


def test_the_same_instant_in_another_zone_gives_the_same_due_time():
    care = hours()
    posted = at(BERLIN, 2024, 6, 7, 18)
    assert care.add(posted.astimezone(NEW_YORK), timedelta(hours=8)) == care.add(posted, timedelta(hours=8))


def test_without_business_hours_the_sla_clock_runs_around_the_clock():
    posted = at(BERLIN, 2024, 6, 7, 18)
    assert due(None, posted, timedelta(hours=8)) == posted + timedelta(hours=8)
    autumn = at(BERLIN, 2024, 10, 26, 12)
    assert due(None, autumn, timedelta(hours=24)) == datetime(2024, 10, 27, 10, tzinfo=UTC)
    assert due(hours(), posted, timedelta(hours=8)) == at(BERLIN, 2024, 6, 10, 14)
    assert describe(None) == "24/7"


def test_described_as_people_say_it():
    care = hours(week={"mon-fri": "08:00-20:00", "sat": "10:00-16:00"})
    assert describe(care) == "business hours, Europe/Berlin, mon-fri 08:00-20:00, sat 10:00-16:00"
    split = hours(week={"mon,tue": ["13:00-17:00", "08:00-12:00"], "thu": "09:00-24:00"},
                  holidays=[date(2024, 12, 25)])
    assert split.describe() == ("business hours, Europe/Berlin, mon-tue 08:00-12:00 "
                                "and 13:00-17:00, thu 09:00-24:00, 1 holiday")


@pytest.mark.parametrize(("zone", "week", "says"), [
    ("Europe/Berln", WEEKDAYS, "'Europe/Berln' is not an IANA time zone"),
    ("", WEEKDAYS, "'' is not an IANA time zone"),
    ("Europe/Berlin", {"mon-fri": "08:00-20:00", "fri": "19:00-21:00"},
     "hours on fri overlap: 08:00-20:00 and 19:00-21:00"),
    ("Europe/Berlin", {"mon-fri": "8-20"}, "'8-20' is not an interval"),
    ("Europe/Berlin", {"mon": "20:00-08:00"}, "'20:00-08:00' is not an interval"),
    ("Europe/Berlin", {"mon": "08:00-24:30"}, "'08:00-24:30' is not an interval"),
    ("Europe/Berlin", {"mon": "08:61-10:00"}, "'08:61-10:00' is not an interval"),
    ("Europe/Berlin", {"monday": "08:00-20:00"}, "hours key 'monday' is not a day"),
    ("Europe/Berlin", {"mon": []}, "hours 'mon' has no interval"),
    ("Europe/Berlin", {}, "hours open no day of the week"),
])
def test_bad_hours_are_refused_with_the_value_that_is_wrong(zone, week, says):
    with pytest.raises(ValueError, match=says.replace("(", r"\(")):
        BusinessHours.parse(zone, week)


def test_an_instant_needs_a_time_zone():
    with pytest.raises(ValueError, match="has no time zone"):
        hours().add(datetime(2024, 6, 7, 18), timedelta(hours=1))
