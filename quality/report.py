"""What `carewire quality` and `carewire status` print: the last result per suite, the
expectations that failed, and the batches held."""

from __future__ import annotations

from typing import Any

import duckdb

from carewire.quality import SUITES
from carewire.quality.store import held_batches, last_results
from carewire.warehouse.db import records


def collect(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    """The last result of each suite with its failed expectations, and the held batches."""
    last = last_results(con)
    for result in last:
        result["failures"] = records(con, """
            SELECT expectation_type, column_name, unexpected_count, observed_value, batch_ids,
                   item_refs
            FROM quality__failures WHERE run_id = ? AND suite = ? ORDER BY seq""",
                                     [result["run_id"], result["suite"]])
    return {"last": last, "held": held_batches(con)}


def _failure(f: dict[str, Any]) -> str:
    name = f["expectation_type"] + (f"({f['column_name']})" if f["column_name"] else "")
    seen = (f"{f['unexpected_count']} rows" if f['unexpected_count'] is not None
            else f"observed {f['observed_value']}")
    return f"{name}: {seen}" + (f" ({', '.join(f['item_refs'][:5])})" if f["item_refs"] else "")


def render(report: dict[str, Any]) -> str:
    judged = {result["suite"]: result for result in report["last"]}
    lines = [f"  {'suite':18} {'result':7} {'validated at':20} {'rows':>6} {'held':>5} "
             f"{'quarantined':>11}  run"]
    for suite in SUITES:
        result = judged.get(suite)
        if result is None:
            lines.append(f"  {suite:18} never judged")
            continue
        lines.append(f"  {suite:18} {'passed' if result['success'] else 'FAILED':7} "
                     f"{result['validated_at']:%Y-%m-%d %H:%M:%S}  {result['rows_checked']:>6} "
                     f"{result['batches_held']:>5} {result['rows_quarantined']:>11}  "
                     f"{result['run_id']}")
        lines += [f"  {'':18} failed: {_failure(f)}" for f in result["failures"]]
    held = report["held"]
    lines.append("Held batches (not routed until they pass or are released): "
                 f"{len(held) or 'none'}")
    lines += [f"  {h['batch_id']}  by {h['suite']} in run {h['run_id']}" for h in held]
    if held:
        lines.append("  check the rows in raw__quarantine (stage 'gate'), then "
                     "`carewire quality release BATCH_ID --note WHY`")
    return "\n".join(lines)


def render_gate(result: dict[str, Any]) -> str:
    """What one `carewire quality validate` judged."""
    lines = [f"quality run {result['run_id']}"]
    for suite, outcome in result["suites"].items():
        if outcome is None:
            lines.append(f"  {suite:18} nothing new to judge (the last result stands: "
                         "`carewire quality show`)")
            continue
        lines.append(f"  {suite:18} {'passed' if outcome['success'] else 'FAILED'}: "
                     f"{outcome['rows_checked']} rows of {outcome['batches_checked']} batches, "
                     f"{len(outcome['batches_held'])} held, {outcome['rows_quarantined']} "
                     "rows quarantined")
        for failure in outcome["failures"]:
            count = failure["unexpected_count"]
            lines.append(f"  {'':18} failed: {failure['expectation']}"
                         + (f" on {count} rows" if count is not None else "")
                         + f": {failure['description']}")
    return "\n".join(lines)
