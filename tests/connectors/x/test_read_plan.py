"""The X read plan over a whole month (connectors/x/budget.py): every interval of
November 2026 at 1, 2, 15 and 60-minute cadences, two X streams in parallel, each run
reading pages as the connector does (no page under X's smallest, none past what the plan
leaves). The month never reads past its budget, never runs ahead of the straight line
from 0 to the budget, and a quiet spell's share is there for a later spike."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from carewire.connectors.x import budget

MONTH = datetime(2026, 11, 1, tzinfo=timezone.utc)
DAYS = 30
STREAMS = 2


def run_month(limit: int, cadence_min: int, wanted) -> list[tuple[datetime, int]]:
    """(interval end, tweets read so far) after every interval; `wanted(end)` is what one
    stream's window holds at that moment (re-read until the plan lets a run read it)."""
    read, history = 0, []
    end = MONTH + timedelta(minutes=cadence_min)
    while end <= MONTH + timedelta(days=DAYS) - timedelta(minutes=1):
        for _ in range(STREAMS):
            left = wanted(end)
            while left:
                size = min(budget.allowance(limit, read, end, STREAMS), 100)
                if size < budget.MIN_PAGE:
                    break
                got = min(size, left)
                read, left = read + got, left - got
        history.append((end, read))
        end += timedelta(minutes=cadence_min)
    return history


@pytest.mark.parametrize("cadence_min", [1, 2, 15, 60])
@pytest.mark.parametrize("limit", [10_000, 1_000_000])  # X's Basic and Pro monthly caps
def test_a_month_of_polling_stays_under_the_budget_and_its_line(cadence_min, limit):
    history = run_month(limit, cadence_min, lambda end: 10_000)  # always more than allowed
    for end, read in history:
        assert read <= budget.paced(limit, end) <= limit
    first_week = [read for end, read in history if end <= MONTH + timedelta(days=7)]
    assert first_week[-1] <= limit * 7 / DAYS  # minute polling cannot spend it early
    assert history[-1][1] >= limit * 0.99  # and the month does get to read its budget


def test_a_quiet_spell_leaves_its_share_to_the_spike_after_it():
    spike = MONTH + timedelta(days=20)
    history = run_month(10_000, 2, lambda end: 0 if end < spike else 5_000)
    before = [read for end, read in history if end < spike]
    at_spike = next(read for end, read in history if end >= spike)
    assert before[-1] == 0
    assert at_spike >= budget.paced(10_000, spike) - STREAMS * budget.MIN_PAGE
    assert max(read for _, read in history) <= 10_000


def test_the_line_starts_each_month_at_zero_and_ends_at_the_budget():
    assert budget.paced(10_000, MONTH) == 0
    assert budget.paced(10_000, MONTH + timedelta(days=15)) == 5_000
    assert budget.paced(10_000, MONTH + timedelta(days=30) - timedelta(microseconds=1)) == 9_999
    assert budget.allowance(10_000, 9_999, MONTH + timedelta(days=29, hours=23), 1) == 0
    assert budget.allowance(None, 10**9, MONTH) is None
