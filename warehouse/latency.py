"""How long posts waited to reach an agent's queue lately: the figure `carewire status` and
the dashboard show, read from out__queue_latency (warehouse/migrations/0020).

One query for both, so the command and the page cannot disagree. The window ends at the
caller's `now`; the mentions in it are those that reached their queue in it (queued_at),
each measured from its post's created_at.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import duckdb

WINDOW = timedelta(hours=1)


def recent(con: duckdb.DuckDBPyConnection, now: datetime) -> dict[str, Any] | None:
    """p50 and p95 (interpolated, seconds) of post-to-queue and post-to-decision for the
    mentions queued in the hour up to `now` (now - WINDOW, now], with their count (`mentions`; 0 when none
    reached a queue, and the figures None). None when the warehouse has no
    out__queue_latency yet (a snapshot published before migration 0020)."""
    if not con.execute("SELECT count(*) FROM duckdb_views() WHERE view_name = "
                       "'out__queue_latency'").fetchone()[0]:
        return None
    row = con.execute("""
        SELECT count(*),
               quantile_cont(to_queue_seconds, 0.5), quantile_cont(to_queue_seconds, 0.95),
               quantile_cont(to_decision_seconds, 0.5),
               quantile_cont(to_decision_seconds, 0.95)
        FROM out__queue_latency WHERE queued_at > ? AND queued_at <= ?""",
                      [now - WINDOW, now]).fetchone()
    return {"window_end": now.isoformat(), "mentions": int(row[0]),
            "to_queue_p50_s": row[1], "to_queue_p95_s": row[2],
            "to_decision_p50_s": row[3], "to_decision_p95_s": row[4]}


def seconds(value: float | None) -> str:
    """A wait as people read it: `42 s`, `3.5 min`, `2.1 h`; a dash for none."""
    if value is None:
        return "–"
    if value < 120:
        return f"{value:.0f} s"
    if value < 7200:
        return f"{value / 60:.1f} min"
    return f"{value / 3600:.1f} h"


def sentence(latency: dict[str, Any] | None) -> str:
    """The line status and the dashboard print: the figures, or why there are none."""
    if latency is None:
        return ("post-to-queue: not measured in this snapshot (it predates migration 0020; "
                "the next publish brings it)")
    if not latency["mentions"]:
        return "post-to-queue: no mention reached a queue in the last hour"
    return (f"post-to-queue over the last hour: p50 {seconds(latency['to_queue_p50_s'])}, "
            f"p95 {seconds(latency['to_queue_p95_s'])} ({latency['mentions']} mentions); "
            f"to the routing decision: p50 {seconds(latency['to_decision_p50_s'])}, "
            f"p95 {seconds(latency['to_decision_p95_s'])}")
