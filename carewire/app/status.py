"""`carewire status`: is every stream being fetched, and what did it bring?

Read from the landing zone's cursor manifests (what ingest did and what each run reported)
and the analyst snapshot (what process loaded, and the newest mention each stream has
brought), so it never needs the warehouse's write lock.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from carewire.connectors import configured_streams
from carewire.connectors.landing import LandingZone
from carewire.core.settings import Settings


def _age(now: datetime, iso: str | None) -> str:
    if not iso:
        return "-"
    seconds = int((now - datetime.fromisoformat(iso)).total_seconds())
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def collect(settings: Settings, now: datetime) -> dict[str, Any]:
    cursors = {(c["source"], c["stream"]): c for c in
               LandingZone.of(settings).latest_cursors()}
    streams = []
    for source, configured in configured_streams(settings).items():
        for stream in configured:
            cursor = cursors.get((source, stream.name))
            summary = cursor.get("summary", {}) if cursor else {}
            streams.append({
                "source": source, "stream": stream.name,
                "last_interval_end": cursor["interval_end"] if cursor else None,
                "since_last_fetch": _age(now, cursor["interval_end"]) if cursor else "never",
                "newest_mention_at": None, "newest_mention_age": "-",
                "last_run": {k: summary[k] for k in ("entries", "new", "rejected", "requests")
                             if k in summary},
                "budget": summary.get("budget"),
                "budget_exhausted": bool(summary.get("budget_exhausted")),
                "budget_paced": bool(summary.get("budget_paced")),
                "gaps": summary.get("gaps") or {},
            })
    report: dict[str, Any] = {"streams": streams, "snapshot": str(settings.snapshot),
                              "replies": _replies(settings, now),
                              "erasures_waiting": _erasures(settings)}
    from carewire.warehouse.snapshot import is_published

    if not is_published(settings.snapshot):
        report["warehouse"] = None
        return report
    from carewire.warehouse.db import connect
    from carewire.warehouse.holds import waiting
    from carewire.warehouse.latency import recent

    with connect(settings.snapshot, read_only=True) as con:
        newest = {(source, stream): created for source, stream, created in con.execute(
            "SELECT i.source, i.stream, max(m.created_at) FROM raw__items i "
            "JOIN core__mentions m USING (source, source_id) GROUP BY ALL").fetchall()}
        for row in streams:
            created = newest.get((row["source"], row["stream"]))
            if created is not None:
                row["newest_mention_at"] = created.isoformat()
                row["newest_mention_age"] = _age(now, created.isoformat())
        report["warehouse"] = {
            "mentions": [dict(zip(["source", "mentions", "newest_created_at"], row)) for row in
                         con.execute("SELECT source, count(*), max(created_at) FROM core__mentions "
                                     "GROUP BY source ORDER BY source").fetchall()],
            "quarantine": [dict(zip(["source", "stream", "records"], row)) for row in
                           con.execute("SELECT source, stream, count(*) FROM raw__quarantine "
                                       "GROUP BY ALL ORDER BY ALL").fetchall()],
            "set_aside": waiting(con),
            "last_loaded_interval_end": con.execute(
                "SELECT max(interval_end) FROM raw__landing_batches").fetchone()[0],
            "delivery_backlog": con.execute(
                "SELECT * FROM out__delivery_backlog").df().to_dict("records")
            if con.execute("SELECT count(*) FROM duckdb_views() WHERE view_name = "
                           "'out__delivery_backlog'").fetchone()[0] else [],
            "quality": _quality(con),
            "queue_latency": recent(con, now),
        }
    return report


STALE_AFTER = timedelta(hours=3)
"""A stream whose last fetched interval ended longer ago than this is stale: three hourly
runs missed (`carewire status --check --stale-after`)."""


ERASURE_WAIT = timedelta(days=1)
"""The maintenance DAG runs daily: a request older than this was missed by a run."""


def problems(report: dict[str, Any], now: datetime,
             stale_after: timedelta = STALE_AFTER) -> list[str]:
    """What needs a person now, one short phrase each, from a `collect` report: streams
    never or not lately fetched or out of budget, erasure requests a day old, a failed
    quality suite, held batches, records set aside, blocked deliveries and replies, no
    snapshot. `carewire status --check` exits 1 with them, so a monitor can probe it."""
    found = []
    for stream in report["streams"]:
        name = f"{stream['source']}/{stream['stream']}"
        end = stream["last_interval_end"]
        if end is None:
            found.append(f"{name} never fetched")
        elif now - datetime.fromisoformat(end) > stale_after:
            found.append(f"{name} not fetched for {_age(now, end)}")
        if stream["budget_exhausted"]:
            found.append(f"{name} read budget exhausted")
    erasures = report["erasures_waiting"]
    if erasures["oldest"] and now - datetime.fromisoformat(erasures["oldest"]) > ERASURE_WAIT:
        found.append(f"{erasures['requests']} erasure requests waiting since "
                     f"{erasures['oldest'][:16]} (is the maintenance DAG paused?)")
    replies = report["replies"] or {"by_source": {}}
    blocked = sum(counts.get("blocked", 0) for counts in replies["by_source"].values())
    if blocked:
        found.append(f"{blocked} replies blocked (`carewire desk replies retry` after the fix)")
    warehouse = report["warehouse"]
    if warehouse is None:
        return found + ["no analyst snapshot yet"]
    quality = warehouse.get("quality") or {"last": [], "held": []}
    found += [f"quality suite {result['suite']} failed in run {result['run_id']}"
              for result in quality["last"] if not result["success"]]
    if quality["held"]:
        found.append(f"{len(quality['held'])} batches held by the quality gates")
    found += [f"{s['records']} records set aside by {s['step']} (`{s['retry']}` after the fix)"
              for s in warehouse["set_aside"]]
    found += [f"{b['items']} deliveries blocked at {b['destination']}"
              for b in warehouse["delivery_backlog"] if b["status"] == "blocked"]
    return found


def _erasures(settings: Settings) -> dict[str, Any]:
    """Erasure requests the maintenance DAG has not applied yet: how many, since when."""
    from carewire.maintenance.requests import pending, queue_path

    waiting = pending(settings) if queue_path(settings).exists() else []  # creates nothing
    return {"requests": len(waiting),
            "oldest": min(r.requested_at for r in waiting).isoformat() if waiting else None}


def _replies(settings: Settings, now: datetime) -> dict[str, Any] | None:
    """The desk's replies per platform and state, and X's monthly write budget; None
    before the desk store exists (status creates nothing)."""
    from sqlalchemy.engine import make_url

    from carewire.app.replies import month_start
    from carewire.desk.store import Desk

    url = make_url(settings.desk_url)
    if url.get_backend_name() == "sqlite" and not Path(url.database or "").exists():
        return None
    month = month_start(now)
    with Desk(settings.desk_url) as desk:
        counts = desk.outbox.summary(month)
    return {"by_source": counts,
            "x_write_budget": {"month": f"{month:%Y-%m}", "limit":
                               settings.sources.x.monthly_write_budget,
                               "spent": counts.get("x", {}).get("posted_this_month", 0)}}


def _quality(con) -> dict[str, Any] | None:
    """The last result per quality suite, or None on a snapshot from before the gates."""
    if not con.execute("SELECT count(*) FROM duckdb_views() WHERE view_name = "
                       "'out__quality_last'").fetchone()[0]:
        return None
    from carewire.quality.report import collect

    return collect(con)


def render(report: dict[str, Any]) -> str:
    from carewire.warehouse.latency import sentence

    lines = ["Streams: last fetched interval and what it brought; age of the newest mention",
             f"  {'source/stream':34} {'last interval end':26} {'ago':>6} {'newest':>7}"
             f" {'entries':>8} {'new':>5} {'rejected':>9}"]
    for s in report["streams"]:
        run = s["last_run"]
        lines.append(f"  {s['source'] + '/' + s['stream']:34} {s['last_interval_end'] or 'never':26}"
                     f" {s['since_last_fetch']:>6} {s['newest_mention_age']:>7}"
                     f" {run.get('entries', '-'):>8} {run.get('new', '-'):>5}"
                     f" {run.get('rejected', '-'):>9}")
        if s["budget"] or s["budget_exhausted"]:
            spent = ", ".join(f"{k} {v}" for k, v in (s["budget"] or {}).items())
            flag = ("EXHAUSTED, fetching stopped; " if s["budget_exhausted"] else
                    "read plan has nothing left for now, the next runs read on; "
                    if s.get("budget_paced") else "")
            lines.append(f"  {'':34} budget: {flag}{spent}")
        for listing, gap in s["gaps"].items():
            lines.append(f"  {'':34} GAP in {listing}: {gap}")
    replies = report["replies"]
    if replies is not None:
        budget = replies["x_write_budget"]
        lines.append(f"\nReplies posted from the desk (send_replies; held ones: `carewire desk "
                     f"replies retry` after the fix); X writes {budget['month']}: "
                     f"{budget['spent']} of {budget['limit'] or 'no limit'}")
        for source, counts in sorted(replies["by_source"].items()):
            lines.append(f"  {source:12} " + ", ".join(
                f"{state} {n}" for state, n in sorted(counts.items())))
    erasures = report["erasures_waiting"]
    if erasures["requests"]:
        lines.append(f"\nErasure requests waiting for the maintenance DAG: "
                     f"{erasures['requests']}, the oldest from {erasures['oldest']}")
    warehouse = report["warehouse"]
    if warehouse is None:
        lines.append(f"\nNo analyst snapshot at {report['snapshot']} yet: the process DAG "
                     "(or `carewire demo`) publishes it.")
        return "\n".join(lines)
    lines.append(f"\nWarehouse (snapshot {report['snapshot']}, last loaded interval ends "
                 f"{warehouse['last_loaded_interval_end']})")
    lines.append(f"  {sentence(warehouse['queue_latency'])}")
    for row in warehouse["mentions"]:
        lines.append(f"  {row['source']:12} {row['mentions']:>8} mentions, newest "
                     f"{row['newest_created_at']}")
    total = sum(row["records"] for row in warehouse["quarantine"])
    lines.append(f"\nQuarantine: {total} records"
                 + ("" if not total else "  (see out__quarantine_summary for the reasons)"))
    for row in warehouse["quarantine"]:
        lines.append(f"  {row['source'] + '/' + row['stream']:34} {row['records']:>6}")
    set_aside = warehouse["set_aside"]
    lines.append("\nSet aside by a step (each failed on that record alone; the rest of its "
                 f"batch went on): {sum(s['records'] for s in set_aside) or 'none'}")
    lines += [f"  {s['step']:12} {s['records']:>6} records since {s['oldest']:%Y-%m-%d %H:%M}"
              f"; after the fix: `{s['retry']}`" for s in set_aside]
    backlog = warehouse["delivery_backlog"]
    lines.append(f"\nDelivery backlog: {sum(b['items'] for b in backlog) or 'empty'}"
                 + ("  (blocked items: fix the cause, then `carewire route deliver "
                    "--retry-blocked`)" if any(b["status"] == "blocked" for b in backlog) else ""))
    for b in backlog:
        lines.append(f"  {b['destination']:16} {b['status']:8} {b['items']:>6} items, oldest "
                     f"{b['oldest']}, last error: {b['last_error'] or '-'}")
    if warehouse.get("quality") is not None:
        from carewire.quality.report import render as render_quality

        lines.append("\nQuality gates: last result per suite (`carewire quality show`)")
        lines.append(render_quality(warehouse["quality"]))
    return "\n".join(lines)
