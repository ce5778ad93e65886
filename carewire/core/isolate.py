"""Find the records that break a step, so the rest of their batch goes on.

A step works on a batch of rows at once (one encoder pass, one vectorised policy), so one
row that raises would stop all of them, run after run. `isolate` runs the work on the
whole batch; where it raises, it splits the range in halves and tries each, down to the
single rows that fail. A batch with one bad row costs about two passes more, and only
when something fails.

When every row of a batch of several fails, the records are not the problem (a model
file is missing, a bug hits everything): setting them all aside would hide an outage,
so the first error is raised and the step fails as it should.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Generic, TypeVar

R = TypeVar("R")


@dataclass(frozen=True)
class Isolated(Generic[R]):
    done: list[tuple[range, R]]
    """Each range of rows that went through, with what the work returned for it, in order."""
    failed: dict[int, Exception]
    """The rows that failed on their own, with their error."""


def isolate(count: int, work: Callable[[range], R]) -> Isolated[R]:
    """Run `work` over rows 0..count-1, split where it raises (see the module)."""
    done: list[tuple[range, R]] = []
    failed: dict[int, Exception] = {}
    pending = [range(count)] if count else []
    while pending:
        rows = pending.pop()
        try:
            done.append((rows, work(rows)))
        except Exception as exc:  # noqa: BLE001 - any error of one row is that row's
            if len(rows) == 1:
                failed[rows[0]] = exc
                continue
            middle = len(rows) // 2
            pending += [rows[middle:], rows[:middle]]
    if count > 1 and len(failed) == count:
        raise failed[0]
    done.sort(key=lambda part: part[0].start)
    return Isolated(done, failed)


def describe(exc: Exception, limit: int = 500) -> str:
    """The error as a reason a person can read: its type and message, capped."""
    text = f"{type(exc).__name__}: {exc}"
    return text if len(text) <= limit else text[:limit - 3] + "..."
