"""The monthly read budget of the X API: a ledger shared by every X stream, and the plan
that spreads the budget over the month.

X caps (legacy Basic and Pro plans) or bills (pay-per-usage) the posts read per month,
whatever query read them, and counts a post returned more than once in a UTC day once
("Posts are deduplicated daily", docs.x.com/x-api/fundamentals/post-cap). The ledger
counts the same way. Its months, as the ledger keeps them:

    {"2026-11": {"tweets_read": 1520, "returned": 9310, "requests": 31, "by_run": {...}}}

keyed by the month of the run's data interval end (never the wall clock, so a rerun of an
old interval is charged to the month it belongs to). `tweets_read` counts each post once
per day of the interval's end, as X bills it (a digest of each id read that day is kept
beside the months, under `days`, the two newest days only: a digest, not the id, so an
erasure has no trace to find there); `returned` counts every post
returned. A run at minute cadence re-reads the `lag` window each time (edits,
deletions, engagement counts): those re-reads are `returned`, not `tweets_read`, as on X's
bill, except across midnight.

The plan (`allowance`): by the end of a data interval, the month may have read its
budget times the share of the month that has passed (a straight line from 0 on the 1st
to the budget at the month's end); a run may read what is left under that line, split
evenly among the X streams that run in parallel. A quiet interval leaves its share to the
next ones (the line keeps rising); a spike may spend what quiet ones saved, never what
later days are due. A run that may read less than X's smallest page (`MIN_PAGE`) does not
call X: its window starts at the cursor, so the next run reads it, nothing is lost. So
minute polling spends the budget no faster than hourly polling: it cannot use up the month
in its first week, and the month's reads stay under the budget.

The mapped ingest tasks of the X streams run in parallel, on one machine or several, so
the ledger is a document of the ingest state store (connectors/state.py, key `x/budget`)
and every read-modify-write is one transaction holding its row's lock. A deployment that
kept the ledger as files in the landing root (`x/_budget.json`, `x/_budget_days/`) has
them carried over the first time the store has no ledger, so no count is lost.

Each month also records what every run read (`by_run`, keyed by stream and interval). A
retry or rerun of an interval is allowed to read again what its earlier attempts read:
otherwise it would stop short and its smaller batch would replace the one landed before,
losing tweets from the landing zone. The ledger still counts every read, so status shows
the true spend; the overshoot is at most one interval's reads per rerun.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Iterable

from carewire.connectors import state
from carewire.core.settings import Fetching
from carewire.core.types import utc

CONFIG_KEY = "sources.x.monthly_read_budget"
MIN_PAGE = 10
"""The fewest tweets a recent-search page may be asked for (`max_results`, 10 to 100)."""
DAYS_KEPT = 2
"""Days whose read ids the ledger keeps: X deduplicates within a UTC day."""
KEY = "x/budget"
"""The ledger's key in the ingest state store: {"months": {...}, "days": {day: [digest]}}."""


def _legacy(files: Path | None) -> dict[str, Any]:
    """The ledger as an earlier release kept it, in files of the local landing root."""
    if files is None:
        return {"months": {}, "days": {}}
    ledger, days = files / "x" / "_budget.json", files / "x" / "_budget_days"
    return {"months": json.loads(ledger.read_text(encoding="utf-8")) if ledger.is_file() else {},
            "days": {file.stem: file.read_text(encoding="utf-8").split()
                     for file in sorted(days.glob("*.ids"))}}


def month_of(moment: datetime) -> str:
    return f"{moment:%Y-%m}"


def month_bounds(moment: datetime) -> tuple[datetime, datetime]:
    """The UTC calendar month `moment` falls in: its first instant and the next month's."""
    start = utc(moment).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    following = (start + timedelta(days=32)).replace(day=1)
    return start, following


def paced(limit: int, moment: datetime) -> int:
    """The most the month may have read by `moment`: `limit` times the share of the month
    passed (whole tweets, rounded down; the whole budget at the month's last instant)."""
    start, end = month_bounds(moment)
    return int(limit * ((utc(moment) - start) / (end - start)))


def allowance(limit: int | None, tweets_read: int, moment: datetime, streams: int = 1,
              reread: int = 0) -> int | None:
    """How many tweets one of `streams` parallel X streams may still read in the run whose
    interval ends at `moment`, the month having read `tweets_read`; None: no budget.
    `reread`: what earlier attempts of this run read, which it may read again."""
    if limit is None:
        return None
    left = min(paced(limit, moment), limit) - tweets_read + reread
    return max(0, left) // max(1, streams)


def _updating(fetching: Fetching):
    return state.updating(fetching.state_url, KEY, lambda: _legacy(fetching.state_files))


def spent(fetching: Fetching, month: str, run: str | None = None) -> dict[str, int]:
    """What the ledger holds for `month`: tweets_read and requests (zeros when new), and
    what earlier attempts of `run` read (`this_run`)."""
    entry = _months(fetching).get(month, {})
    return {"tweets_read": int(entry.get("tweets_read", 0)),
            "requests": int(entry.get("requests", 0)),
            "this_run": int(entry.get("by_run", {}).get(run, 0)) if run else 0}


def _months(fetching: Fetching) -> dict[str, dict[str, Any]]:
    return state.read(fetching.state_url, KEY,
                      lambda: _legacy(fetching.state_files))["months"]


def charge(fetching: Fetching, moment: datetime, tweet_ids: Iterable[str], run: str,
           requests: int = 1) -> dict[str, int]:
    """Add one response's reads to the ledger of `moment`'s month (the run's interval end):
    the posts not yet read on its UTC day count as read. Returns the month's new totals."""
    ids = list(dict.fromkeys(_digest(tweet_id) for tweet_id in tweet_ids))
    day = f"{utc(moment):%Y-%m-%d}"
    with _updating(fetching) as ledger:
        days = ledger.setdefault("days", {})
        seen = set(days.get(day, ()))
        new = [tweet_id for tweet_id in ids if tweet_id not in seen]
        if new:
            days[day] = sorted(seen | set(new))
        _forget_old_days(days, utc(moment))
        entry = ledger.setdefault("months", {}).setdefault(
            month_of(utc(moment)), {"tweets_read": 0, "requests": 0})
        entry["tweets_read"] = int(entry.get("tweets_read", 0)) + len(new)
        entry["returned"] = int(entry.get("returned", 0)) + len(ids)
        entry["requests"] = int(entry.get("requests", 0)) + requests
        by_run = entry.setdefault("by_run", {})
        by_run[run] = int(by_run.get(run, 0)) + len(new)
        return {"tweets_read": entry["tweets_read"], "requests": entry["requests"]}


def _digest(tweet_id: str) -> str:
    """What the day's list keeps of a post id: 64 bits of its BLAKE2b digest, enough to
    tell a day's posts apart, not enough to name one."""
    return hashlib.blake2b(tweet_id.encode("utf-8"), digest_size=8).hexdigest()


def _forget_old_days(days: dict[str, list[str]], moment: datetime) -> None:
    """Drop the read ids of days before the `DAYS_KEPT` newest up to `moment`'s (in the
    ledger's transaction): a later day counts its posts anew, as X does."""
    oldest = f"{moment - timedelta(days=DAYS_KEPT - 1):%Y-%m-%d}"
    for day in [day for day in days if day < oldest]:
        del days[day]


def read(fetching: Fetching, monthly_read_budget: int | None) -> dict[str, Any]:
    """For `carewire status`: the configured budget and what each month has used."""
    return {"ledger": f"{state.safe_url(fetching.state_url)} ({KEY})",
            "monthly_read_budget": monthly_read_budget, "config_key": CONFIG_KEY,
            "months": _months(fetching)}
