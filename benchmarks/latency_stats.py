"""The arithmetic of the latency benchmark, apart from any process or clock, so that it can
be tested: percentiles of right-censored latencies, the stage breakdown, the final line.

A post that never reached the queue before the benchmark stopped watching has a latency of
at least (end of watching - its created_at), not an unknown one: it is kept in the sample
at that lower bound. Percentiles over such a sample are lower bounds of the true ones,
and say so.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import median
from typing import Iterable, Sequence


@dataclass(frozen=True)
class Latency:
    seconds: float
    censored: bool = False
    """True: the post had not arrived when watching ended; `seconds` is a lower bound."""


@dataclass(frozen=True)
class Summary:
    p50: float
    p95: float
    max: float
    n: int
    censored: int

    @property
    def lower_bounds(self) -> bool:
        return self.censored > 0


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0..100) by the nearest-rank method: a value that occurred,
    never an interpolation between two posts."""
    if not values:
        raise ValueError("no values")
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


def summarise(latencies: Iterable[Latency]) -> Summary | None:
    """p50, p95 and max over every post, the censored ones at their lower bound."""
    sample = list(latencies)
    if not sample:
        return None
    values = [item.seconds for item in sample]
    return Summary(p50=percentile(values, 50), p95=percentile(values, 95), max=max(values),
                   n=len(sample), censored=sum(item.censored for item in sample))


def final_line(summary: Summary | None, *, rate: float, minutes: float, executor: str) -> str:
    """The line tools read, last in the output. With censored posts each figure carries a
    `>=` (it is a lower bound); with no post at all, `n/a`."""
    def shown(value: float | None) -> str:
        if value is None:
            return "n/a"
        return f"{'>=' if summary.lower_bounds else ''}{value:.1f}"

    p50, p95, top = (None, None, None) if summary is None else (summary.p50, summary.p95,
                                                                 summary.max)
    n = 0 if summary is None else summary.n
    return (f"post-to-queue p50 {shown(p50)} s, p95 {shown(p95)} s, max {shown(top)} s "
            f"over {n} mentions (rate {rate:g}/s, {minutes:g} min, {executor})")


def stage_table(stages: dict[str, list[float]]) -> list[str]:
    """One row per stage, in the order given: how many posts passed it, the median and
    p95 seconds they spent in it."""
    rows = [f"  {'stage':<40}{'posts':>7}{'median s':>11}{'p95 s':>10}"]
    for name, values in stages.items():
        if values:
            rows.append(f"  {name:<40}{len(values):>7}{median(values):>11.1f}"
                        f"{percentile(values, 95):>10.1f}")
        else:
            rows.append(f"  {name:<40}{0:>7}{'-':>11}{'-':>10}")
    return rows


def hourly_expectation(period_s: float, pipeline_s: float) -> tuple[float, float, float]:
    """What a fixed cadence alone gives when posts arrive uniformly: a post waits
    U(0, period) for the fetch that covers it, then the fetch-to-queue time. Returns the
    expected p50, p95 and max of post-to-queue."""
    return 0.5 * period_s + pipeline_s, 0.95 * period_s + pipeline_s, period_s + pipeline_s
