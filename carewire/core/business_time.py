"""Business time: a team's opening hours and holidays, in its own time zone, and the two
sums an SLA clock needs (docs/routing.md, "SLA clocks").

- `BusinessHours.add(start, duration)`: the instant at which `duration` of business time
  has passed since `start`: an SLA's due time. An 8h SLA on a post at Friday 18:00 with
  mon-fri 08:00-20:00 is due Monday 14:00. A post outside hours starts its clock at the
  next opening.
- `BusinessHours.between(start, end)`: the business time from `start` to `end`.

Business time is real elapsed time while the team is open. Opening hours are wall-clock
times in the team's zone, so on the night a clock changes an interval that spans the
change is an hour longer or shorter (00:00-04:00 is five hours in Europe/Berlin on the
last Sunday of October), and an hour that does not exist that night is simply not there.
Holidays are whole days in the team's zone. Instants go in time-zone aware (any zone) and
come out in UTC. Pure: no clock is read, nothing is stored.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

__all__ = ["DAYS", "BusinessHours", "describe", "due"]

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
"""Day names as the configuration writes them, Monday first (`date.weekday()` order)."""

_DAY_MINUTES = 24 * 60
_INTERVAL = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")

Interval = tuple[int, int]
"""Opening from and until, in minutes after local midnight; the end may be 1440 (24:00)."""


@dataclass(frozen=True)
class BusinessHours:
    """When one team is open: `week` holds each day's intervals, Monday first, sorted and
    apart; `holidays` are closed days. Build it with `parse`, which checks all of it."""

    zone: str
    week: tuple[tuple[Interval, ...], ...]
    holidays: frozenset[date] = frozenset()

    @classmethod
    def parse(cls, zone: str, hours: Mapping[str, str | Sequence[str]],
              holidays: Iterable[date] = ()) -> "BusinessHours":
        """From the configuration's shape: `hours` maps a day (`mon`), a range (`mon-fri`)
        or a list of them (`sat,sun`) to one interval (`08:00-20:00`, an end of 24:00 is
        midnight) or a list of them. Days not named are closed. Raises ValueError naming
        the value that is wrong."""
        try:
            ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError, TypeError):
            raise ValueError(f"time zone {zone!r} is not an IANA time zone name (such as "
                             "Europe/Berlin or America/New_York)") from None
        days: list[list[Interval]] = [[] for _ in DAYS]
        for key, value in hours.items():
            intervals = [value] if isinstance(value, str) else list(value)
            if not intervals:
                raise ValueError(f"hours {key!r} has no interval: give 'HH:MM-HH:MM', or "
                                 "leave the day out to close it")
            for day in _days(key):
                days[day].extend(_interval(key, text) for text in intervals)
        for day, intervals in enumerate(days):
            intervals.sort()
            for before, after in zip(intervals, intervals[1:]):
                if after[0] < before[1]:
                    raise ValueError(f"hours on {DAYS[day]} overlap: {_span(before)} and "
                                     f"{_span(after)}; join them into one interval")
        if not any(days):
            raise ValueError("hours open no day of the week: name at least one, such as "
                             "'mon-fri: 08:00-20:00' (a team without business hours is "
                             "left out and keeps a 24/7 clock)")
        return cls(zone, tuple(tuple(d) for d in days), frozenset(holidays))

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.zone)

    def opening(self, day: date) -> tuple[tuple[datetime, datetime], ...]:
        """The open intervals of a local day, as UTC instants; none on a holiday."""
        return _opening(self, day)

    def add(self, start: datetime, duration: timedelta) -> datetime:
        """The instant at which `duration` of business time has passed since `start`. If
        it runs out exactly at a closing time, that closing time; a zero duration gives the
        next instant the team is open (`start` itself during hours)."""
        if duration < timedelta(0):
            raise ValueError(f"a business-time duration cannot be negative: {duration}")
        at = _utc(start)
        remaining = duration
        day = at.astimezone(self.tz).date()
        closed_days = 0
        while True:
            intervals = self.opening(day)
            closed_days = 0 if intervals else closed_days + 1
            if closed_days > 7 + len(self.holidays):  # parse makes this unreachable
                raise ValueError(f"business hours in {self.zone} never open after {at}")
            for opens, closes in intervals:
                if closes <= at:
                    continue
                opens = max(opens, at)
                if remaining <= closes - opens:
                    return opens + remaining
                remaining -= closes - opens
            day += timedelta(days=1)

    def between(self, start: datetime, end: datetime) -> timedelta:
        """Business time from `start` to `end`; negative when `end` comes first."""
        start, end = _utc(start), _utc(end)
        if end < start:
            return -self.between(end, start)
        total = timedelta(0)
        day, last = start.astimezone(self.tz).date(), end.astimezone(self.tz).date()
        while day <= last:
            for opens, closes in self.opening(day):
                overlap = min(closes, end) - max(opens, start)
                if overlap > timedelta(0):
                    total += overlap
            day += timedelta(days=1)
        return total

    def describe(self) -> str:
        """As people say it: 'business hours, Europe/Berlin, mon-fri 08:00-20:00, sat
        10:00-16:00, 2 holidays'. Consecutive days with the same hours are one range;
        a day's intervals are joined by 'and'."""
        parts, day = [], 0
        while day < len(DAYS):
            last = day
            while last + 1 < len(DAYS) and self.week[last + 1] == self.week[day]:
                last += 1
            if self.week[day]:
                name = DAYS[day] if last == day else f"{DAYS[day]}-{DAYS[last]}"
                parts.append(f"{name} {' and '.join(_span(i) for i in self.week[day])}")
            day = last + 1
        if self.holidays:
            count = len(self.holidays)
            parts.append(f"{count} holiday{'s' if count > 1 else ''}")
        return ", ".join(["business hours", self.zone, *parts])


def due(hours: BusinessHours | None, start: datetime, sla: timedelta) -> datetime:
    """An SLA's due time: `sla` of business time after `start`, or of any time (24/7)
    for a team without business hours. Either way elapsed time, in UTC: Python's
    `start + sla` on a zoned datetime would add wall-clock time across a clock change."""
    return _utc(start) + sla if hours is None else hours.add(start, sla)


def describe(hours: BusinessHours | None) -> str:
    """Which clock an SLA runs on, for people: '24/7' or the business hours."""
    return "24/7" if hours is None else hours.describe()


@lru_cache(maxsize=4096)
def _opening(hours: BusinessHours, day: date) -> tuple[tuple[datetime, datetime], ...]:
    if day in hours.holidays:
        return ()
    tz, found = hours.tz, []
    for start, end in hours.week[day.weekday()]:
        opens, closes = _instant(day, start, tz), _instant(day, end, tz)
        if closes > opens:  # an interval wholly inside a skipped hour is not there
            found.append((opens, closes))
    return tuple(found)


def _instant(day: date, minutes: int, tz: ZoneInfo) -> datetime:
    """Local wall time `minutes` after midnight on `day` as a UTC instant. A time the
    clock skips that night is read with the offset before the change (PEP 495, fold=0),
    which lands after the skip; a time it passes twice is the first one."""
    if minutes == _DAY_MINUTES:
        day, minutes = day + timedelta(days=1), 0
    local = datetime.combine(day, time(minutes // 60, minutes % 60), tzinfo=tz)
    return local.astimezone(timezone.utc)


def _utc(instant: datetime) -> datetime:
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError(f"{instant} has no time zone: business time needs an instant, "
                         "give it in UTC or with its offset")
    return instant.astimezone(timezone.utc)


def _days(key: str) -> list[int]:
    """'mon' -> [0], 'mon-fri' -> [0..4], 'sat,sun' -> [5, 6]; 'fri-mon' wraps."""
    found: list[int] = []
    for part in key.lower().split(","):
        ends = [end.strip() for end in part.split("-")]
        if len(ends) > 2 or not all(end in DAYS for end in ends):
            raise ValueError(f"hours key {key!r} is not a day: use mon, tue, wed, thu, fri, "
                             "sat, sun, a range (mon-fri) or a list (sat,sun)")
        first, last = DAYS.index(ends[0]), DAYS.index(ends[-1])
        found.extend((first + step) % 7 for step in range((last - first) % 7 + 1))
    return found


def _interval(key: str, text: object) -> Interval:
    found = _INTERVAL.match(text) if isinstance(text, str) else None
    if found:
        h1, m1, h2, m2 = (int(g) for g in found.groups())
        start, end = h1 * 60 + m1, h2 * 60 + m2
        if h1 < 24 and m1 < 60 and m2 < 60 and start < end <= _DAY_MINUTES:
            return start, end
    raise ValueError(f"hours {key!r}: {text!r} is not an interval 'HH:MM-HH:MM' within one "
                     "day, opening before closing (24:00 is midnight at the end; split one "
                     "that runs past midnight into two days)")


def _span(interval: Interval) -> str:
    return "-".join(f"{m // 60:02d}:{m % 60:02d}" for m in interval)
