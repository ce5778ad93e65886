"""Looking at decisions: why one mention went where it went, and what a changed policy
would have done to history. Both read the warehouse and change nothing."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import duckdb
import pandas as pd

from carewire.core.errors import CarewireError
from carewire.routing.rules import near_misses
from carewire.routing.policy import Policy
from carewire.routing.step import decide, features

_WHICH = "(m.source || ':' || m.source_id = $ref OR m.url = $ref OR m.source_id = $ref)"


def explain(con: duckdb.DuckDBPyConnection, policy: Policy, ref: str) -> dict[str, Any]:
    """The stored decision for a mention (`source:source_id`, its URL or its id), its
    evidence, the rules tried before it, the scores it saw, and its delivery's history."""
    found = con.execute(f"""
        SELECT m.source, m.source_id, m.url, m.text, m.created_at,
               coalesce(a.handle, m.author_id) AS author, d.* EXCLUDE (source, source_id),
               e.sentiment, e.sentiment_score, e.sentiment_reason, e.intent, e.intent_reason, e.relevant,
               e.relevance_reason, e.language, e.private_score, e.private_reason, i.tier,
               i.tier_reason, i.reach, i.score AS influence_score, k.cluster_id,
               c.size AS cluster_size
        FROM core__mentions m
        LEFT JOIN core__routing_decisions d ON d.source = m.source AND d.source_id = m.source_id
        LEFT JOIN core__enrichments e ON e.source = m.source AND e.source_id = m.source_id
        LEFT JOIN core__authors a ON a.source = m.source AND a.author_id = m.author_id
        LEFT JOIN core__author_influence i ON i.source = m.source AND i.author_id = m.author_id
        LEFT JOIN core__cluster_members k ON k.source = m.source AND k.source_id = m.source_id
        LEFT JOIN core__issue_clusters c ON c.cluster_id = k.cluster_id
        WHERE {_WHICH.replace('$ref', '?')}""", [ref] * 3).df()
    if found.empty:
        raise CarewireError(f"no mention {ref!r}: give source:source_id (e.g. x:1859...), the "
                            "mention's URL or its id; `carewire sql` finds them")
    if len(found) > 1:
        raise CarewireError(f"{ref!r} names {len(found)} mentions; give source:source_id")
    row = found.iloc[0].to_dict()
    if pd.isna(row["rule_id"]):
        raise CarewireError(f"{row['source']}:{row['source_id']} has no routing decision yet: "
                            "it is decided after enrichment, by the next process run or "
                            "`carewire route decide`")
    report = {**row, "evidence": json.loads(row["evidence"]), "policy_now": policy.full_version}
    rule = next((r for r in policy.rules if r.id == row["rule_id"]), None)
    report["rule_description"] = rule.description if rule else "(not in the current policy)"
    if row["policy_version"] == policy.full_version:
        current = features(con, _WHICH.replace("$ref", "?"), [ref] * 3).iloc[0]
        report["rules_not_met"] = near_misses(policy, current, row["rule_id"])
    report["events"] = con.execute("""
        SELECT occurred_at, kind, destination, external_id, actor, data FROM core__events
        WHERE delivery_key = ? ORDER BY occurred_at, kind""", [row["delivery_key"]]).df().to_dict("records")
    report["delivery"] = con.execute("""
        SELECT status, external_id, external_url, attempts, last_error FROM core__deliveries
        WHERE delivery_key = ?""", [row["delivery_key"]]).df().to_dict("records")
    return report


def render_explanation(report: dict[str, Any]) -> str:
    r = report
    lines = [f"{r['source']}:{r['source_id']} by {r['author'] or 'unknown'}, "
             f"{r['created_at']:%Y-%m-%d %H:%M} UTC  {r['url'] or ''}".rstrip(),
             f"  \"{' '.join(str(r['text']).split())[:300]}\"", ""]
    if r["route"] == "ignore":
        lines.append("Decision: ignore")
    else:
        lines.append(f"Decision: {r['route']} -> destination {r['destination']}, team "
                     f"{r['team']}, priority {r['priority']}, SLA due "
                     f"{r['sla_due_at']:%Y-%m-%d %H:%M} UTC")
    lines += [f"Rule: {r['rule_id']}: {r['rule_description']}", "Because:"]
    lines += [f"  - {item['says']}" for item in r["evidence"]] or ["  - (no conditions: the "
                                                                   "catch-all rule)"]
    if len(r["experts"]):
        lines.append(f"Offered to superfans: {', '.join(r['experts'])}")
    lines.append(f"Policy: {r['policy_version']}, decided for {r['decided_for']:%Y-%m-%d %H:%M} UTC")
    if "rules_not_met" in r:
        lines.append("Rules tried first, and the condition each missed:")
        lines += [f"  - {m['rule_id']}: {m['failed']}" for m in r["rules_not_met"]] or ["  (none)"]
    else:
        lines.append(f"The policy has changed since (now {r['policy_now']}); "
                     "`carewire route simulate` shows what it would decide.")
    lines += ["Scores it saw:",
              f"  sentiment {r['sentiment']} ({_sentiment(r)}); intent "
              f"{r['intent']} ({r['intent_reason']}); relevant {r['relevant']} "
              f"({r['relevance_reason']}); language {r['language']}",
              "  needs a private channel: " + (r["private_reason"] if isinstance(
                  r["private_reason"], str) else "not scored (enriched before the model)"),
              f"  author tier {r['tier'] or 'regular'} ({r['tier_reason'] or 'no history yet'}); "
              f"reach {_num(r['reach'])}; influence score {_num(r['influence_score'])}",
              f"  issue cluster {r['cluster_id']} with {_num(r['cluster_size'])} mentions"]
    for delivery in r["delivery"]:
        lines.append(f"Delivery: {delivery['status']}, item {delivery['external_id'] or '-'} "
                     f"{delivery['external_url'] or ''}".rstrip()
                     + (f"; last error: {delivery['last_error']}" if delivery["last_error"]
                        else ""))
    for event in r["events"]:
        lines.append(f"  {event['occurred_at']:%Y-%m-%d %H:%M} {event['kind']:<15} {event['data']}")
    return "\n".join(lines)


_SETTLED = """
SELECT dm.source, dm.source_id, arg_max(i.route, i.delivery_key) AS settled
FROM core__delivery_mentions dm
JOIN core__deliveries v ON v.delivery_key = dm.delivery_key
JOIN out__care_items i ON i.delivery_key = dm.delivery_key
WHERE i.is_resolved OR i.route <> v.route
GROUP BY ALL
"""
"""The route the care team settled on for a mention: the one it resolved the work on, or
the one an agent moved it to. Work nobody finished or moved has no verdict."""


def simulate(con: duckdb.DuckDBPyConnection, current: Policy, proposed: Policy,
             window: tuple[datetime, datetime],
             labels: pd.DataFrame | None = None) -> dict[str, Any]:
    """Both policies on the mentions created in `window`, as the warehouse knows them
    now: what would move from where to where, examples, and per rule its share and its
    precision against what the care team settled on (`labels`, columns source,
    source_id, route, overrides it). Nothing is written."""
    frame = features(con, "m.created_at >= ? AND m.created_at < ?", list(window))
    if frame.empty:
        return {"mentions": 0, "window": window}
    before = decide(con, current, frame)
    after = decide(con, proposed, frame)
    truth = _truth(con, frame, labels)
    moved = before["route"] != after["route"]
    flows = (pd.DataFrame({"from": before["route"], "to": after["route"]})
             .value_counts().rename("mentions").reset_index())
    examples = pd.DataFrame({
        "mention": before["source"] + ":" + before["source_id"],
        "text": before["text"].str.slice(0, 80), "from": before["route"],
        "to": after["route"], "reason": after["reason"]})[moved].head(10)
    return {"mentions": len(frame), "moved": int(moved.sum()), "window": window,
            "current": current.full_version, "proposed": proposed.full_version,
            "flows": flows.to_dict("records"),
            "rules_before": _rule_figures(before, truth),
            "rules_after": _rule_figures(after, truth),
            "judged": int(truth.notna().sum()),
            "examples": examples.to_dict("records")}


def _truth(con: duckdb.DuckDBPyConnection, frame: pd.DataFrame,
           labels: pd.DataFrame | None) -> pd.Series:
    """Per row of `frame`: the route the care team settled on (or `labels` say), or NaN."""
    settled = con.execute(_SETTLED).df()
    if labels is not None:
        given = labels[["source", "source_id", "route"]].rename(columns={"route": "settled"})
        settled = pd.concat([given, settled]).drop_duplicates(["source", "source_id"])
    found = frame[["source", "source_id"]].merge(settled, how="left", on=["source", "source_id"])
    return pd.Series(found["settled"].to_numpy(), index=frame.index)


def _rule_figures(decided: pd.DataFrame, truth: pd.Series) -> dict[str, dict[str, Any]]:
    """Per rule: mentions, share of all, and precision (the share of its judged mentions
    whose route the care team kept) with how many were judged."""
    right = (decided["route"] == truth).where(truth.notna())
    figures = {}
    for rule, rows in decided.groupby("rule_id").groups.items():
        judged = right.loc[rows].dropna()
        figures[rule] = {"mentions": len(rows), "share": len(rows) / len(decided),
                         "judged": len(judged),
                         "precision": float(judged.mean()) if len(judged) else None}
    return figures


def render_simulation(result: dict[str, Any]) -> str:
    start, end = result["window"]
    head = f"Mentions created {start:%Y-%m-%d %H:%M} to {end:%Y-%m-%d %H:%M} UTC: {result['mentions']}"
    if not result["mentions"]:
        return head + " (nothing to simulate)"
    lines = [head, f"Current policy {result['current']}, proposed {result['proposed']}: "
             f"{result['moved']} would move ({result['moved'] / result['mentions']:.1%}). "
             "Nothing was delivered.", "", f"  {'from':<15} {'to':<15} {'mentions':>8}"]
    lines += [f"  {f['from']:<15} {f['to']:<15} {f['mentions']:>8}" for f in result["flows"]]
    lines += ["", f"Per rule: mentions, share, and precision against the {result['judged']} "
                  "mentions whose route the care team settled (resolved there, or moved "
                  "by an agent), with how many of the rule's were judged:",
              f"  {'rule':<20} {'now':>22}   {'proposed':>22}"]
    for rule in sorted(set(result["rules_before"]) | set(result["rules_after"])):
        lines.append(f"  {rule:<20} {_rule_line(result['rules_before'].get(rule)):>22}   "
                     f"{_rule_line(result['rules_after'].get(rule)):>22}")
    if result["examples"]:
        lines += ["", "Examples of what would move:"]
        lines += [f"  {e['mention']}: {e['from']} -> {e['to']}  \"{e['text']}\"\n"
                  f"      {e['reason']}" for e in result["examples"]]
    return "\n".join(lines)


def _rule_line(figures: dict[str, Any] | None) -> str:
    if figures is None:
        return "-"
    precision = ("-" if figures["precision"] is None
                 else f"{figures['precision']:.2f} of {figures['judged']}")
    return f"{figures['mentions']} {figures['share']:.1%} {precision}"


def _sentiment(row: dict) -> str:
    """The score, or why there is none (no model for the mention's language)."""
    if row["sentiment_score"] is None or pd.isna(row["sentiment_score"]):
        reason = row.get("sentiment_reason")
        return reason if isinstance(reason, str) else "no score"
    return f"{row['sentiment_score']:+.2f}"


def _num(value) -> str:
    if value is None or pd.isna(value):
        return "unknown"
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:.3g}"
