"""Results into the warehouse: the suite's result, each failed expectation, the failing rows
into raw__quarantine (stage 'gate'), their batches held, and what was judged.

Everything one suite writes for one run commits in one transaction, so a crash leaves the
rows unjudged and the next run judges them again.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any

import duckdb
import pandas as pd

from carewire.core.errors import CarewireError
from carewire.quality.frames import Judged
from carewire.quality.validate import Failure, Validation
from carewire.warehouse.db import records, registered, transaction
from carewire.warehouse.keyed import put, values
from carewire.warehouse.holds import HELD_BATCHES


FAILING_REFS = 20
"""The failing rows a failure names (quality__failures.item_refs), in order."""


def _batches(judged: Judged, row_ids: list[int] | None) -> set[str]:
    rows = judged.rows if row_ids is None else judged.rows[judged.rows["row_id"].isin(row_ids)]
    return {batch for batches in rows["batch_ids"] for batch in batches}


def _reason(suite: str, failure: Failure, batch_id: str) -> str:
    return (f"quality gate {suite}: {failure.name} failed, {failure.description}. The batch "
            f"is held from routing: fix the cause and reload it (`carewire rerun --since "
            f"START --until END --reload` over its interval; the next gate judges it "
            f"again), or release it with `carewire quality release {batch_id} --note WHY`")


def _forget_gate_rows(con: duckdb.DuckDBPyConnection, suite: str, judged: Judged) -> None:
    """The rows judged again lose what `suite` quarantined of them before: what fails
    now is quarantined again, what passes is no longer evidence of a failure."""
    pairs = pd.DataFrame([(batch_id, item_ref) for item_ref, batch_ids
                          in zip(judged.rows["item_ref"], judged.rows["batch_ids"])
                          for batch_id in batch_ids], columns=["batch_id", "item_ref"])
    if pairs.empty:
        return
    with registered(con, pairs) as again:
        con.execute(f"""
            DELETE FROM raw__quarantine WHERE stage = 'gate' AND starts_with(reason, ?)
              AND (batch_id, item_ref) IN (SELECT batch_id, item_ref FROM {again})""",
                    [f"quality gate {suite}: "])


def _quarantine(con: duckdb.DuckDBPyConnection, suite: str, judged: Judged,
                failures: list[Failure]) -> int:
    """One row per failing row, batch and expectation; the payload is the row as the
    expectations saw it (keys and checked values)."""
    frame = judged.frame.set_index("row_id")
    rows = judged.rows.set_index("row_id")
    quarantined = []
    for failure in failures:
        for row_id in failure.row_ids or []:
            row = rows.loc[row_id]
            payload = json.dumps({"item_ref": row["item_ref"], **frame.loc[row_id].to_dict()},
                                 default=str, sort_keys=True).encode()
            for batch_id in row["batch_ids"]:
                reason = _reason(suite, failure, batch_id)
                quarantined.append({
                    "quarantine_id": hashlib.sha256(
                        f"{batch_id}|{row['item_ref']}|{reason}".encode()).hexdigest()[:32],
                    "batch_id": batch_id, "source": row["source"], "stream": row["stream"],
                    "stage": "gate", "item_ref": row["item_ref"], "reason": reason,
                    "payload": payload})
    if not quarantined:
        return 0
    with registered(con, pd.DataFrame(quarantined)) as incoming:
        put(con, "raw__quarantine", f"""
            SELECT i.quarantine_id, i.batch_id, i.source, i.stream, i.stage, i.item_ref,
                   i.reason, i.payload, b.interval_end
            FROM {incoming} i JOIN raw__landing_batches b USING (batch_id)""")
    return len(quarantined)


def record(con: duckdb.DuckDBPyConnection, suite: str, run_id: str, now: datetime,
           judged: Judged, validation: Validation) -> dict[str, Any]:
    """Store one suite's result for one run; hold, quarantine and release batches."""
    failed_batches: dict[str, list[dict]] = {}
    failing_refs: dict[str, set[str]] = {}
    for failure in validation.failures:
        for batch_id in _batches(judged, failure.row_ids):
            failed_batches.setdefault(batch_id, []).append(
                {"expectation": failure.name, "unexpected_count": failure.unexpected_count,
                 "description": failure.description})
        failing = (judged.rows if failure.row_ids is None  # a table-level failure: all
                   else judged.rows[judged.rows["row_id"].isin(failure.row_ids)])
        for item_ref, batch_ids in zip(failing["item_ref"], failing["batch_ids"]):
            for batch_id in batch_ids:
                failing_refs.setdefault(batch_id, set()).add(item_ref)
    judged_refs: dict[str, set[str]] = {}
    for item_ref, batch_ids in zip(judged.rows["item_ref"], judged.rows["batch_ids"]):
        for batch_id in batch_ids:
            judged_refs.setdefault(batch_id, set()).add(item_ref)
    judged_batches = set(judged_refs)
    with transaction(con):
        con.execute("DELETE FROM quality__failures WHERE run_id = ? AND suite = ?",
                    [run_id, suite])
        for seq, failure in enumerate(validation.failures):
            failing = ([] if failure.row_ids is None else sorted(
                judged.rows[judged.rows["row_id"].isin(failure.row_ids)]["item_ref"]))
            con.execute("INSERT INTO quality__failures VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", [
                run_id, suite, seq, failure.expectation_type, failure.column,
                json.dumps(failure.kwargs), None if failure.observed_value is None
                else json.dumps(failure.observed_value, default=str), failure.unexpected_count,
                sorted(_batches(judged, failure.row_ids)), failing[:FAILING_REFS]])
        _forget_gate_rows(con, suite, judged)
        quarantined = _quarantine(con, suite, judged, validation.failures)
        # A hold lasts until every row that failed for it was judged again and passed: a
        # run that judged only some rows of a batch (a few decisions made again) keeps
        # holding the rows it did not judge.
        still_failing = {row["batch_id"]: set(row["item_refs"]) - judged_refs[row["batch_id"]]
                         for row in records(con, """
            SELECT batch_id, item_refs FROM quality__held_batches
            WHERE suite = ? AND released_at IS NULL AND list_contains(?, batch_id)""",
                                            [suite, sorted(judged_batches)])}
        for batch_id, failures in failed_batches.items():
            put(con, "quality__held_batches", "VALUES (?, ?, ?, ?, ?, ?, NULL, NULL, NULL)",
                [batch_id, suite, run_id, now, json.dumps(failures),
                 sorted(failing_refs.get(batch_id, set())
                        | still_failing.get(batch_id, set()))])
        passed = sorted(batch_id for batch_id, refs in still_failing.items()
                        if not refs and batch_id not in failed_batches)
        if passed:
            con.execute("""
                UPDATE quality__held_batches SET released_at = ?, released_by = 'gate',
                       note = 'judged again in run ' || ? || ' and passed'
                WHERE suite = ? AND released_at IS NULL AND list_contains(?, batch_id)""",
                        [now, run_id, suite, passed])
            _unhold_deliveries(con, passed)
        if suite == "routing_decisions":
            _hold_deliveries(con, judged, validation.failures, suite)
        with registered(con, judged.ledger.assign(suite=suite, run_id=run_id)) as ledger:
            put(con, "quality__checked", f"SELECT suite, unit, fingerprint, run_id FROM {ledger}")
        put(con, "quality__results", values(12), [
            run_id, suite, now, validation.success, len(judged.frame), len(judged_batches),
            validation.statistics["evaluated_expectations"],
            validation.statistics["unsuccessful_expectations"], len(failed_batches),
            quarantined, json.dumps(validation.statistics), json.dumps(validation.result)])
    summary = {"suite": suite, "success": validation.success, "rows_checked": len(judged.frame),
               "batches_checked": len(judged_batches),
               "batches_held": sorted(failed_batches), "rows_quarantined": quarantined,
               "failures": [{"expectation": f.name, "unexpected_count": f.unexpected_count,
                             "observed_value": f.observed_value,
                             "description": f.description} for f in validation.failures]}
    return json.loads(json.dumps(summary, default=str))  # plain JSON: an Airflow XCom


def _hold_deliveries(con: duckdb.DuckDBPyConnection, judged: Judged, failures: list[Failure],
                     suite: str) -> None:
    """A failing decision's pending delivery waits as 'held' instead of being delivered."""
    if not failures:
        return
    failing = judged.rows
    if all(f.row_ids is not None for f in failures):  # else a table-level failure: all
        failing = failing[failing["row_id"].isin({i for f in failures for i in f.row_ids})]
    con.execute(f"""
        UPDATE core__deliveries SET status = 'held',
               last_error = 'held by quality gate {suite}: see `carewire quality show`'
        WHERE status = 'pending' AND delivery_key IN (
            SELECT delivery_key FROM core__routing_decisions
            WHERE list_contains(?, source || ':' || source_id))""",
                [failing["item_ref"].tolist()])


def _unhold_deliveries(con: duckdb.DuckDBPyConnection, batch_ids: list[str]) -> int:
    """Held deliveries of the mentions of `batch_ids` go back to 'pending', unless a batch
    still held (by any suite) holds the same delivery; returns how many went back."""
    return int(con.execute("""
        UPDATE core__deliveries SET status = 'pending', last_error = NULL
        WHERE status = 'held' AND delivery_key IN (
            SELECT d.delivery_key FROM core__routing_decisions d
            JOIN core__mentions m USING (source, source_id)
            WHERE list_contains(?, m.batch_id) AND d.delivery_key IS NOT NULL)
          AND NOT EXISTS (
            SELECT 1 FROM core__routing_decisions d
            JOIN core__mentions m USING (source, source_id)
            WHERE d.delivery_key = core__deliveries.delivery_key
              AND m.batch_id IN (""" + HELD_BATCHES + "))", [batch_ids]).fetchone()[0])


def release(con: duckdb.DuckDBPyConnection, batch_id: str, by: str, note: str,
            now: datetime) -> dict[str, Any]:
    """An operator lets a held batch through: its mentions are routed on the next run and
    its held deliveries are delivered."""
    held = [row["suite"] for row in records(con, "SELECT suite FROM quality__held_batches "
                                                 "WHERE batch_id = ? AND released_at IS NULL",
                                            [batch_id])]
    if not held:
        waiting = [row["batch_id"] for row in records(con, HELD_BATCHES + " ORDER BY 1")]
        raise CarewireError(f"batch {batch_id!r} is not held; held now: "
                            f"{', '.join(waiting) or 'none'} (`carewire quality show`)")
    with transaction(con):
        con.execute("""UPDATE quality__held_batches SET released_at = ?, released_by = ?,
                       note = ? WHERE batch_id = ? AND released_at IS NULL""",
                    [now, by, note, batch_id])
        deliveries = _unhold_deliveries(con, [batch_id])
    return {"batch_id": batch_id, "released_suites": sorted(held),
            "deliveries_released": deliveries}


def run_failures(con: duckdb.DuckDBPyConnection,
                 run_ids: list[str]) -> list[dict[str, Any]]:
    """Every expectation that failed in the runs `run_ids`, suite by suite."""
    return records(con, """SELECT suite, expectation_type, column_name, unexpected_count,
                                  observed_value, batch_ids, item_refs
                           FROM quality__failures WHERE list_contains(?, run_id)
                           ORDER BY run_id, suite, seq""", [run_ids])


def last_results(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    return records(con, "SELECT * FROM out__quality_last ORDER BY suite")


def held_batches(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    return records(con, "SELECT * FROM out__quality_held")
