"""Deciding a window again after a model or policy change, and moving the work that moves.

Every enriched mention created in the window is decided under the policy and the
enrichments as they are now and compared with its stored decision. A decision identical
in everything but the run that made it is left alone, so a rerun with nothing changed
writes nothing. A decision that differs replaces the stored one, except when its old
delivery has already reached a person (a ticket, a thread, a desk item): that work stays
where it is, the stored decision keeps describing it, and the report lists it so a lead
can move it by hand. When the new decision points at other work, the mention leaves its
old pending delivery; a delivery left without mentions is cancelled (with an event), and
the new delivery is planned like any other, with the same idempotency keys.

In a dry run all of this is worked out and reported, and nothing is written.
"""

from __future__ import annotations

import json
import math
from datetime import datetime
from typing import Any

import duckdb
import pandas as pd

from carewire.routing.policy import Policy
from carewire.routing.step import decide, features, prepare, record
from carewire.warehouse.holds import HELD_BATCHES
from carewire.warehouse.db import registered, transaction
from carewire.warehouse.keyed import add_new

COMPARED = ("route", "rule_id", "reason", "evidence", "experts", "team", "priority",
            "sla_due_at", "destination", "delivery_key", "policy_version")
"""What makes two decisions of one mention the same; `decided_for` and `decided_at` (the
run) do not."""

CHANGE_COLUMNS = ["source", "source_id", "old_route", "old_rule_id", "new_route",
                  "new_rule_id", "old_delivery_status", "action"]

_IN_WINDOW = "m.created_at >= ? AND m.created_at < ?"
_NOT_HELD = f"m.batch_id NOT IN ({HELD_BATCHES})"
"""A batch held by a quality gate is not decided again either, until it passes or is
released (docs/quality.md)."""


def reroute(con: duckdb.DuckDBPyConnection, policy: Policy, window: tuple[datetime, datetime],
            now: datetime, real: bool) -> dict[str, Any]:
    """Decide the window again; with `real`, store what changed and move pending work.

    Returns counts and `changes`: one row per mention whose route or rule differs (or that
    had no decision), with the action taken (`replaced`, `left_with_person`) or, in a dry
    run, the one a real run would take (`would_replace`, `would_leave_with_person`)."""
    new = prepare(decide(con, policy, features(con, f"{_IN_WINDOW} AND {_NOT_HELD}",
                                               list(window))), policy, now, now)
    counts = {"compared": len(new), "replaced": 0, "left_with_person": 0,
              "deliveries_cancelled": 0, "deliveries_planned": 0, "linked_to_existing": 0}
    if new.empty:
        return {**counts, "changes": pd.DataFrame(columns=CHANGE_COLUMNS)}
    old = con.execute(f"""
        SELECT d.*, v.status AS delivery_status
        FROM core__routing_decisions d
        JOIN core__mentions m USING (source, source_id)
        LEFT JOIN core__deliveries v USING (delivery_key)
        WHERE {_IN_WINDOW}""", list(window)).df()
    both = new.merge(old, on=["source", "source_id"], how="left", suffixes=("", "_old"),
                     indicator=True)
    differs = pd.Series([not all(_same(c, row[c], row[f"{c}_old"]) for c in COMPARED)
                         for _, row in both.iterrows()], index=both.index, dtype=bool)
    differs |= both["_merge"] == "left_only"
    old_key = both["delivery_key_old"]
    elsewhere = old_key.notna() & (old_key != both["delivery_key"])
    moves_work = elsewhere | _apart(both, "route") | _apart(both, "team")
    with_person = differs & moves_work & (both["delivery_status"] == "delivered")
    replace = differs & ~with_person
    moved = differs & (_apart(both, "route") | _apart(both, "rule_id"))
    changes = pd.DataFrame({
        "source": both["source"], "source_id": both["source_id"],
        "old_route": both["route_old"], "old_rule_id": both["rule_id_old"],
        "new_route": both["route"], "new_rule_id": both["rule_id"],
        "old_delivery_status": both["delivery_status"],
        "action": [("" if real else "would_") + ("leave_with_person" if person else "replace")
                   for person in with_person]})[moved].reset_index(drop=True)
    changes = changes.astype(object).where(changes.notna(), None)
    counts["replaced"], counts["left_with_person"] = int(replace.sum()), int(with_person.sum())
    if real and replace.any():
        leaving = both[replace & elsewhere][["delivery_key_old", "source", "source_id"]]
        with transaction(con):
            counts["deliveries_cancelled"] = _leave(con, leaving, now)
            chosen = new[replace.to_numpy()]
            _reopen(con, chosen)
            counts["deliveries_planned"], counts["linked_to_existing"] = record(con, chosen)
            _refresh_pending(con, chosen)
    return {**counts, "changes": changes}


def _apart(both: pd.DataFrame, column: str) -> pd.Series:
    """Rows whose new and old `column` differ; two missing values do not."""
    new, old = both[column], both[f"{column}_old"]
    return (new != old) & ~(new.isna() & old.isna())


def _same(column: str, a, b) -> bool:
    """Equal as stored: the evidence compared as parsed JSON, the experts as lists,
    times as instants, and missing as missing."""
    if _missing(a) or _missing(b):
        return _missing(a) and _missing(b)
    if column == "evidence":
        return json.loads(a) == json.loads(b)
    if column == "experts":
        return list(a) == list(b)
    if column == "sla_due_at":
        return pd.Timestamp(a) == pd.Timestamp(b)
    return a == b


def _missing(value) -> bool:
    if value is None or value is pd.NaT:
        return True
    return isinstance(value, float) and math.isnan(value)


def _leave(con: duckdb.DuckDBPyConnection, leaving: pd.DataFrame, now: datetime) -> int:
    """Take the mentions off their old, undelivered work; cancel what is left empty."""
    if leaving.empty:
        return 0
    with registered(con, leaving, "leaving") as name:
        con.execute(f"""
            DELETE FROM core__delivery_mentions
            WHERE (delivery_key, source, source_id) IN
                  (SELECT delivery_key_old, source, source_id FROM {name})""")
        emptied = [row[0] for row in con.execute(f"""
            SELECT v.delivery_key FROM core__deliveries v
            WHERE v.delivery_key IN (SELECT delivery_key_old FROM {name})
              AND v.status IN ('pending', 'blocked', 'held')
              AND NOT EXISTS (SELECT 1 FROM core__delivery_mentions d
                              WHERE d.delivery_key = v.delivery_key)
            ORDER BY 1""").fetchall()]
    for key in emptied:
        con.execute("UPDATE core__deliveries SET status = 'cancelled', next_attempt_at = NULL "
                    "WHERE delivery_key = ?", [key])
        add_new(con, "core__events", """
            SELECT sha256('cancelled|' || delivery_key || '|rerouted|' || CAST(? AS VARCHAR)),
                   ?, 'cancelled', delivery_key, destination, NULL, NULL,
                   json_object('why', 'its mentions were routed elsewhere by a rerun'), ?
            FROM core__deliveries WHERE delivery_key = ?""", [now, now, now, key])
    return len(emptied)


def _reopen(con: duckdb.DuckDBPyConnection, chosen: pd.DataFrame) -> None:
    """A delivery cancelled earlier (its mentions were routed away or deleted) that a new
    decision points at again is pending again, instead of a second key for the same work."""
    keys = [key for key in chosen["delivery_key"].dropna().unique()]
    if keys:
        con.execute("UPDATE core__deliveries SET status = 'pending', attempts = 0, "
                    "next_attempt_at = NULL, last_error = NULL "
                    "WHERE status = 'cancelled' AND list_contains(?, delivery_key)", [keys])


def _refresh_pending(con: duckdb.DuckDBPyConnection, chosen: pd.DataFrame) -> None:
    """A pending delivery of one mention follows its new decision (team, priority, SLA,
    rule); a cluster's delivery keeps what its first mention set, as when it was planned."""
    with registered(con, chosen, "chosen") as name:
        con.execute(f"""
            UPDATE core__deliveries v SET route = c.route, team = c.team,
                priority = c.priority, sla_due_at = c.sla_due_at, rule_id = c.rule_id,
                reason = c.reason, experts = c.experts::VARCHAR[]
            FROM {name} c
            WHERE v.delivery_key = c.delivery_key AND v.unit = 'mention'
              AND v.status IN ('pending', 'blocked', 'held')""")
