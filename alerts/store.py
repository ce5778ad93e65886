"""Alerts in the warehouse: stored once each, with one notification per recipient.

`core__alerts` is keyed by the alert's stable id, so the same spike found again (the next
run re-checks the last day, a rerun, a manual `carewire alerts detect --since`) adds
nothing and notifies nobody twice. Each new alert gets a `pending` row in
`core__alert_notifications` per recipient (the desk and every configured webhook); the
notify step moves it to `sent`, or leaves it pending with the error for the next run.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, Iterable

import duckdb
import pandas as pd

from carewire.alerts.detect import Alert
from carewire.core.types import dumps, utc
from carewire.warehouse.db import registered, transaction
from carewire.warehouse.keyed import add_new

DESK = "desk"
"""The care desk's name as a recipient: it always gets every alert."""

_COLUMNS = ("alert_id", "metric", "brand", "source", "topic", "hour_start", "count",
            "baseline_median", "baseline_mad", "baseline_weeks", "baseline_spread",
            "threshold", "score", "explanation", "top_clusters", "examples")


def save(con: duckdb.DuckDBPyConnection, alerts: Iterable[Alert], detected_for: datetime,
         recipients: Iterable[str]) -> list[str]:
    """Store the alerts not stored before and queue their notifications, in one
    transaction; return the ids that are new."""
    alerts = list(alerts)
    if not alerts:
        return []
    frame = pd.DataFrame([{name: getattr(a, name) for name in _COLUMNS} for a in alerts])
    frame["top_clusters"] = frame["top_clusters"].map(lambda c: dumps(list(c)))
    frame["examples"] = frame["examples"].map(lambda e: dumps(list(e)))
    frame["detected_for"] = detected_for
    recipients = list(dict.fromkeys([DESK, *recipients]))
    with transaction(con), registered(con, frame, "found") as found:
        new = [row[0] for row in con.execute(f"""
            SELECT alert_id FROM {found}
            WHERE alert_id NOT IN (SELECT alert_id FROM core__alerts)
            ORDER BY hour_start, alert_id""").fetchall()]
        con.execute(f"""
            INSERT INTO core__alerts BY NAME
            SELECT * FROM {found} WHERE alert_id NOT IN (SELECT alert_id FROM core__alerts)""")
        if new:
            add_new(con, "core__alert_notifications", """
                SELECT a.alert_id, r.destination, 'pending'
                FROM unnest(?::VARCHAR[]) AS a(alert_id), unnest(?::VARCHAR[]) AS r(destination)
                """, [new, recipients], columns=("alert_id", "destination", "status"))
    return new


def pending(con: duckdb.DuckDBPyConnection) -> list[tuple[str, Alert]]:
    """(recipient, alert) for every notification still to send, oldest hour first."""
    rows = con.execute(f"""
        SELECT n.destination, {', '.join('a.' + c for c in _COLUMNS)}
        FROM core__alert_notifications n JOIN core__alerts a USING (alert_id)
        WHERE n.status = 'pending'
        ORDER BY a.hour_start, a.alert_id, n.destination""").fetchall()
    return [(row[0], alert_from_row(dict(zip(_COLUMNS, row[1:])))) for row in rows]


def alert_from_row(row: dict[str, Any]) -> Alert:
    """An `Alert` from a core__alerts row (JSON columns as DuckDB returns them: text)."""
    values = {name: row[name] for name in _COLUMNS}
    values["hour_start"] = utc(values["hour_start"])  # DuckDB answers in the session's zone
    values["top_clusters"] = tuple(json.loads(values["top_clusters"]))
    values["examples"] = tuple(json.loads(values["examples"]))
    return Alert(**values)


def mark_sent(con: duckdb.DuckDBPyConnection, alert_id: str, recipient: str,
              now: datetime) -> None:
    with transaction(con):
        con.execute("""
            UPDATE core__alert_notifications
            SET status = 'sent', attempts = attempts + 1, last_error = NULL, sent_at = ?
            WHERE alert_id = ? AND destination = ?""", [now, alert_id, recipient])


def mark_failed(con: duckdb.DuckDBPyConnection, alert_id: str, recipient: str, error: str,
                max_attempts: int) -> str:
    """Count the attempt; give up (`failed`) after `max_attempts`. Returns the status."""
    with transaction(con):
        [(status,)] = con.execute("""
            UPDATE core__alert_notifications
            SET attempts = attempts + 1, last_error = ?,
                status = CASE WHEN attempts + 1 >= ? THEN 'failed' ELSE 'pending' END
            WHERE alert_id = ? AND destination = ?
            RETURNING status""", [error, max_attempts, alert_id, recipient]).fetchall()
    return status
