"""Deliver planned work to its destinations: once each, retried when a system is down.

Each pending delivery is handed to its destination with its idempotency key and its
outcome is recorded at once (one short transaction per delivery), so a crash loses at
most the record of one call, and the key makes the destination find that item on the
retry instead of creating another.

- Retriable failure (down, 5xx, 429): the delivery stays pending with `next_attempt_at`
  pushed back (doubling from `routing.retry_backoff`, or what Retry-After asked), and the
  rest of that destination's work waits for the next run instead of hammering it.
  After `routing.max_attempts` it is held as `blocked`.
- Fatal failure (bad credentials, 404, 422), or any other error on one item (a defect):
  held as `blocked` with the message, and the other items go on.
  `carewire route deliver --retry-blocked` releases held items after the fix.
Nothing is dropped: `out__delivery_backlog` and `carewire status` show what waits and why.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timedelta
from typing import Any, Mapping

import duckdb

from carewire.core.isolate import describe
from carewire.core.settings import RoutingSettings
from carewire.routing.destinations.base import (Destination, FatalDestinationError,
                                                RetriableDestinationError)
from carewire.core.delivery import Delivery, MentionRef
from carewire.warehouse.db import records, transaction
from carewire.warehouse.keyed import add_new
from carewire.warehouse.lake import turn

_PRIORITY_ORDER = "CASE priority WHEN 'urgent' THEN 0 WHEN 'high' THEN 1 WHEN 'normal' THEN 2 ELSE 3 END"


def deliver_pending(con: duckdb.DuckDBPyConnection, destinations: Mapping[str, Destination],
                    settings: RoutingSettings, now: datetime,
                    retry_blocked: bool = False) -> dict[str, Any]:
    """Deliver what is due, most urgent first; return counts and the backlog. One pass at
    a time: on the lake, the process and sync_outcomes DAGs both deliver, and two passes
    reading the same pending row would both post it (the key makes a destination find an
    item it has, not one a twin call is creating that instant)."""
    with turn(con, "deliver"):
        return _deliver_due(con, destinations, settings, now, retry_blocked)


def _deliver_due(con: duckdb.DuckDBPyConnection, destinations: Mapping[str, Destination],
                 settings: RoutingSettings, now: datetime, retry_blocked: bool) -> dict[str, Any]:
    released = 0
    if retry_blocked:
        with transaction(con):
            released = con.execute("""UPDATE core__deliveries SET status = 'pending',
                                      attempts = 0, next_attempt_at = NULL
                                      WHERE status = 'blocked'""").fetchone()[0]
    due = records(con, f"""
        SELECT * FROM core__deliveries
        WHERE status = 'pending' AND (next_attempt_at IS NULL OR next_attempt_at <= ?)
        ORDER BY {_PRIORITY_ORDER}, sla_due_at, delivery_key""", [now])
    counts = {"delivered": 0, "found_existing": 0, "retry_later": 0, "blocked": 0,
              "cancelled": 0}
    waiting: dict[str, str] = {}
    for row in due:
        name = row["destination"]
        if name in waiting:
            continue
        mentions = _mentions(con, row["delivery_key"])
        if not mentions:
            _finish(con, row, "cancelled", now, {"why": "every mention was deleted"})
            counts["cancelled"] += 1
            continue
        destination = destinations.get(name)
        try:
            if destination is None:
                raise FatalDestinationError(
                    "no such destination is configured: add it under routing.destinations in "
                    "carewire.yaml, or change the policy", destination=name)
            receipt = destination.deliver(build_delivery(row, mentions))
        except RetriableDestinationError as exc:
            waiting[name] = str(exc)
            if _retry(con, row, settings, now, exc):
                counts["retry_later"] += 1
            else:
                counts["blocked"] += 1
        except FatalDestinationError as exc:
            _hold(con, row, now, str(exc))
            counts["blocked"] += 1
        except Exception as exc:  # noqa: BLE001 - one item's defect never stops the others
            _hold(con, row, now, f"carewire failed on this item ({describe(exc)}); the "
                                 "others went on. Report it; after the fix, `carewire route "
                                 "deliver --retry-blocked` sends it")
            counts["blocked"] += 1
        else:
            with transaction(con):
                con.execute("""UPDATE core__deliveries SET status = 'delivered', external_id = ?,
                               external_url = ?, delivered_at = ?, last_error = NULL,
                               attempts = attempts + 1 WHERE delivery_key = ?""",
                            [receipt.external_id, receipt.url, now, row["delivery_key"]])
                _event(con, "delivered", row, now, receipt.external_id,
                       {"url": receipt.url, "created": receipt.created, "detail": receipt.detail})
                _queued(con, row, now)
            counts["delivered" if receipt.created else "found_existing"] += 1
    return {**counts, "released_from_blocked": released, "destinations_down": waiting,
            "backlog": backlog(con)}


def _queued(con, row: dict, now: datetime) -> None:
    """Its mentions that had not reached the destination have now (queued_at). On a first
    delivery that is all of them; a case delivered again brings the mentions routing
    joined to it since (their decisions have a decided_at), not the ones of before
    migration 0020, whose moment is unknown and stays NULL."""
    con.execute("""
        UPDATE core__delivery_mentions q SET queued_at = $now
        WHERE q.delivery_key = $key AND q.queued_at IS NULL
          AND EXISTS (SELECT 1 FROM core__mentions m WHERE m.source = q.source
                      AND m.source_id = q.source_id AND NOT m.is_deleted)
          AND ($first OR EXISTS (
              SELECT 1 FROM core__routing_decisions d WHERE d.source = q.source
                AND d.source_id = q.source_id AND d.delivery_key = q.delivery_key
                AND d.decided_at IS NOT NULL))""",
                {"now": now, "key": row["delivery_key"], "first": row["delivered_at"] is None})


def backlog(con: duckdb.DuckDBPyConnection) -> list[dict]:
    """What waits, per destination and status, with the oldest item and the last error."""
    return con.execute("SELECT * FROM out__delivery_backlog").df().to_dict("records")


def _retry(con, row: dict, settings: RoutingSettings, now: datetime,
           exc: RetriableDestinationError) -> bool:
    """Push the next attempt back; hold the item after too many. True if it will retry."""
    attempts = int(row["attempts"]) + 1
    if attempts >= settings.max_attempts:
        _hold(con, row, now, f"gave up after {attempts} attempts: {exc}", attempts)
        return False
    wait = settings.retry_backoff * 2 ** (attempts - 1)
    if exc.retry_after_s is not None:
        wait = max(wait, timedelta(seconds=exc.retry_after_s))
    with transaction(con):
        con.execute("""UPDATE core__deliveries SET attempts = ?, next_attempt_at = ?,
                       last_error = ? WHERE delivery_key = ?""",
                    [attempts, now + wait, str(exc), row["delivery_key"]])
        _event(con, "retry", row, now, None, {"attempt": attempts, "error": str(exc),
                                              "next_attempt_at": (now + wait).isoformat()})
    return True


def _hold(con, row: dict, now: datetime, error: str, attempts: int | None = None) -> None:
    _finish(con, row, "blocked", now, {"error": error},
            attempts if attempts is not None else int(row["attempts"]) + 1, error)


def _finish(con, row: dict, status: str, now: datetime, data: dict, attempts: int | None = None,
            error: str | None = None) -> None:
    with transaction(con):
        con.execute("""UPDATE core__deliveries SET status = ?, attempts = ?, last_error = ?
                       WHERE delivery_key = ?""",
                    [status, attempts if attempts is not None else row["attempts"], error,
                     row["delivery_key"]])
        _event(con, status, row, now, None, data)


def _event(con, kind: str, row: dict, now: datetime, external_id: str | None,
           data: dict) -> None:
    attempt = int(row["attempts"]) + 1
    event_id = hashlib.sha256(f"{kind}|{row['delivery_key']}|{attempt}".encode()).hexdigest()
    add_new(con, "core__events", "VALUES (?, ?, ?, ?, ?, ?, NULL, ?, ?)",
            [event_id, now, kind, row["delivery_key"], row["destination"], external_id,
                 json.dumps(data, default=str), now])


def _mentions(con, key: str) -> tuple[MentionRef, ...]:
    rows = con.execute("""
        SELECT m.source, m.source_id, m.url, coalesce(a.handle, m.author_id), m.text, m.created_at,
               e.language, e.sentiment, e.intent, coalesce(i.tier, 'regular')
        FROM core__delivery_mentions d
        JOIN core__mentions m ON m.source = d.source AND m.source_id = d.source_id
        LEFT JOIN core__authors a ON a.source = m.source AND a.author_id = m.author_id
        LEFT JOIN core__enrichments e ON e.source = m.source AND e.source_id = m.source_id
        LEFT JOIN core__author_influence i ON i.source = m.source AND i.author_id = m.author_id
        WHERE d.delivery_key = ? AND NOT m.is_deleted
        ORDER BY m.created_at, m.source, m.source_id""", [key]).fetchall()
    return tuple(MentionRef(*row) for row in rows)


def build_delivery(row: dict, mentions: tuple[MentionRef, ...]) -> Delivery:
    """The item a destination receives: title and body from the mentions, routing fields
    from `row`. The one way it is made, for a first delivery and for an erasure that
    rebuilds an item from the mentions left."""
    first = mentions[0]
    others = len(mentions) - 1
    title = " ".join(first.text.split())
    title = title if len(title) <= 90 else title[:87].rsplit(" ", 1)[0] + "..."
    lines = []
    if row.get("body_note"):
        lines += [row["body_note"], ""]
    if others:
        lines.append(f"{len(mentions)} customers raised this issue:")
    for mention in mentions:
        lines += [f"> {mention.text}", f"-- {mention.author or 'someone'} on {mention.source}"
                  f"{f', {mention.url}' if mention.url else ''} ({mention.created_at:%Y-%m-%d %H:%M} UTC)", ""]
    lines.append(f"Routed by carewire: {row['reason']}")
    return Delivery(
        key=row["delivery_key"], destination=row["destination"], route=row["route"],
        unit=row["unit"], cluster_id=row["cluster_id"], mentions=mentions, title=title,
        body="\n".join(lines), team=row["team"], priority=row["priority"],
        sla_due_at=row["sla_due_at"], rule_id=row["rule_id"],
        reason=row["reason"], tags=("carewire", row["route"], row["rule_id"], first.source),
        experts=tuple(row["experts"]))
