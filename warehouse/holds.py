"""What waits, and why: batches a quality gate holds, records a step set aside.

Both are held, never dropped, and both are listed by `carewire status` with the command
that lets them go on. A record a step could not handle (enrichment, clustering or
routing raised on it alone) is one raw__quarantine row with the step as its `stage`: its
key, the error, and the input the step saw. The step skips it from then on, so it does
not fail every run; `carewire quality retry STAGE` (after the fix) lets the next run try
it again.
"""

from __future__ import annotations

import hashlib
from typing import Sequence

import duckdb
import pandas as pd

from carewire.core.labels import SET_ASIDE_STEPS
from carewire.warehouse.db import registered, transaction
from carewire.warehouse.keyed import put

HELD_BATCHES = "SELECT batch_id FROM quality__held_batches WHERE released_at IS NULL"
"""Batches a gate holds: their new content is neither enriched nor routed until they pass
or are released."""


def not_set_aside(step: str, mention: str = "m") -> str:
    """SQL: the mention `mention` (an alias of core__mentions) was not set aside by `step`."""
    assert step in SET_ASIDE_STEPS, step
    return (f"NOT EXISTS (SELECT 1 FROM raw__quarantine q WHERE q.stage = '{step}' "
            f"AND q.item_ref = {mention}.source || ':' || {mention}.source_id)")


def set_aside(con: duckdb.DuckDBPyConnection, step: str, refs: pd.DataFrame,
              errors: Sequence[str], inputs: Sequence[str]) -> int:
    """Set the mentions `refs` (source, source_id) aside from `step`, each with its error
    and the input the step saw; the caller holds the transaction. A record set aside
    again replaces its row."""
    assert step in SET_ASIDE_STEPS, step
    if refs.empty:
        return 0
    item_refs = (refs["source"] + ":" + refs["source_id"]).tolist()
    rows = pd.DataFrame({
        "quarantine_id": [hashlib.sha256(f"{step}|{ref}".encode()).hexdigest()[:32]
                          for ref in item_refs],
        "source": refs["source"].tolist(), "source_id": refs["source_id"].tolist(),
        "item_ref": item_refs,
        "reason": [f"{step} failed on this record alone ({error}); the rest of its batch "
                   f"went on. After the fix, `carewire quality retry {step}` has the next run "
                   "try it again" for error in errors],
        "payload": [text.encode("utf-8", "replace") for text in inputs]})
    with registered(con, rows, "set_aside_rows") as incoming:
        put(con, "raw__quarantine", f"""
            SELECT i.quarantine_id, m.batch_id, m.source, m.stream, '{step}', i.item_ref,
                   i.reason, i.payload, m.last_seen_at
            FROM {incoming} i JOIN core__mentions m USING (source, source_id)""")
    return len(rows)


def forget(con: duckdb.DuckDBPyConnection, mentions: str, params: Sequence = ()) -> int:
    """Drop what the steps set aside of the mentions `mentions` (SQL yielding source,
    source_id): deleted or erased content must not live on in the quarantine."""
    return con.execute(f"""
        DELETE FROM raw__quarantine WHERE list_contains(?, stage)
          AND item_ref IN (SELECT source || ':' || source_id FROM ({mentions}))""",
                       [list(SET_ASIDE_STEPS), *params]).fetchone()[0]


def retry(con: duckdb.DuckDBPyConnection, step: str,
          item_refs: Sequence[str] | None = None) -> int:
    """Let the next run try the records `step` set aside again (all, or `item_refs`)."""
    assert step in SET_ASIDE_STEPS, step
    which = "" if item_refs is None else " AND list_contains(?, item_ref)"
    with transaction(con):
        return con.execute(f"DELETE FROM raw__quarantine WHERE stage = ?{which}",
                           [step] + ([list(item_refs)] if item_refs is not None else [])
                           ).fetchone()[0]


def waiting(con: duckdb.DuckDBPyConnection) -> list[dict]:
    """Per step, the records set aside and since when: what `carewire status` shows."""
    rows = con.execute("""
        SELECT stage, count(*), min(seen_at) FROM raw__quarantine
        WHERE list_contains(?, stage) GROUP BY stage ORDER BY stage""", [list(SET_ASIDE_STEPS)]).fetchall()
    return [{"step": step, "records": int(count), "oldest": oldest,
             "retry": f"carewire quality retry {step}"}
            for step, count, oldest in rows]
