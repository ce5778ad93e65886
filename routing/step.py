"""The routing step of the process DAG: decide what is new, and plan its deliveries.

Every enriched mention without a decision gets one (rule, evidence, policy version). A
decision that routes somewhere is tied to a delivery: one per mention, or one per issue
cluster for the community, keyed by a hash of the destination and the unit. That key is
the idempotency key all the way to the destination, so a rerun plans nothing twice, and a
later mention of a cluster that already has a community thread joins the same delivery:
it is linked to the thread that exists instead of opening another.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from carewire.core.isolate import describe, isolate
from carewire.routing.rules import evaluate
from carewire.routing.experts import ExpertIndex
from carewire.routing.policy import Policy
from carewire.warehouse.holds import HELD_BATCHES, not_set_aside, set_aside
from carewire.warehouse.db import registered, transaction
from carewire.warehouse.keyed import add_new, put

_FEATURES = """
SELECT m.source, m.source_id, m.text, m.created_at, m.parent_id IS NOT NULL AS is_reply,
       m.thread_id, m.author_id,
       e.intent, e.sentiment, e.sentiment_score, e.relevant, e.language, e.private_score,
       coalesce(i.tier, 'regular') AS tier, i.reach, i.score AS influence_score,
       k.cluster_id, coalesce(c.size, 1) AS cluster_size, b.embedding,
       coalesce(f.former_source_id, m.source_id) AS key_source_id,
       CASE WHEN p.source_id IS NOT NULL THEN coalesce(pi.tier, 'regular') END AS parent_tier,
       p.author_id = m.author_id AS same_author_as_parent,
       oc.delivery_key IS NOT NULL AS open_case, oc.delivery_key AS case_key
FROM core__mentions m
JOIN core__enrichments e ON e.source = m.source AND e.source_id = m.source_id
LEFT JOIN core__author_influence i ON i.source = m.source AND i.author_id = m.author_id
LEFT JOIN core__mentions p ON p.source = m.source AND p.source_id = m.parent_id
LEFT JOIN core__author_influence pi ON pi.source = p.source AND pi.author_id = p.author_id
LEFT JOIN ({_OPEN_CASES}) oc ON oc.source = m.source AND oc.thread_id = m.thread_id
      AND oc.author_id = m.author_id AND oc.opened_at < m.created_at
      AND (oc.resolved_at IS NULL OR oc.resolved_at > m.created_at - INTERVAL '{REOPEN_WITHIN}')
LEFT JOIN core__cluster_members k ON k.source = m.source AND k.source_id = m.source_id
LEFT JOIN core__issue_clusters c ON c.cluster_id = k.cluster_id
LEFT JOIN core__embeddings b ON b.source = m.source AND b.source_id = m.source_id
LEFT JOIN core__mention_former_ids f ON f.source = m.source AND f.source_id = m.source_id
WHERE NOT m.is_deleted AND {which}
ORDER BY m.created_at, m.source, m.source_id
"""
_OPEN_CASES = """
SELECT dm.source, c.thread_id, c.author_id, arg_max(v.delivery_key, c.created_at) AS delivery_key,
       min(c.created_at) AS opened_at, arg_max(r.resolved_at, c.created_at) AS resolved_at
FROM core__deliveries v
JOIN core__delivery_mentions dm ON dm.delivery_key = v.delivery_key
JOIN core__mentions c ON c.source = dm.source AND c.source_id = dm.source_id
LEFT JOIN (SELECT delivery_key, max(occurred_at) AS resolved_at FROM core__events
           WHERE kind IN ('resolved', 'reopened') GROUP BY delivery_key
           HAVING arg_max(kind, occurred_at) = 'resolved') r ON r.delivery_key = v.delivery_key
WHERE v.route = 'contact_center' AND v.status <> 'cancelled' AND c.thread_id IS NOT NULL
GROUP BY ALL
"""
"""Each author's latest one-to-one case per conversation, and when it was resolved (NULL
while open, as far as the synced outcomes know)."""
REOPEN_WITHIN = "7 days"
"""A follow-up this soon after its case was resolved still joins it (the desk reopens the
item unless the follow-up only thanks); a later one is a new conversation."""
_UNDECIDED = ("NOT EXISTS (SELECT 1 FROM core__routing_decisions d "
              "WHERE d.source = m.source AND d.source_id = m.source_id) "
              # a batch that failed a quality gate waits until it passes or is released
              f"AND m.batch_id NOT IN ({HELD_BATCHES}) AND {not_set_aside('route')}")


def features(con: duckdb.DuckDBPyConnection, which: str = _UNDECIDED,
             params: list | None = None) -> pd.DataFrame:
    """What the policy compares, per mention: the undecided ones, or those `which` (a
    condition on `m`, core__mentions) selects."""
    return con.execute(_FEATURES.format(which=which, _OPEN_CASES=_OPEN_CASES,
                                        REOPEN_WITHIN=REOPEN_WITHIN), params or []).df()


def decide(con: duckdb.DuckDBPyConnection, policy: Policy, frame: pd.DataFrame) -> pd.DataFrame:
    """`frame` (from `features`) with the decision columns added."""
    return _decide(policy, ExpertIndex.from_warehouse(con), frame)


def _decide(policy: Policy, experts: ExpertIndex, frame: pd.DataFrame) -> pd.DataFrame:
    finder = experts.finder(frame["embedding"].dropna())
    decided = evaluate(policy, frame, finder, experts.why)
    joining = _cases_opened_in(frame, decided)
    if len(joining):
        frame = frame.copy()
        frame.loc[joining.index, "open_case"] = True
        frame.loc[joining.index, "case_key"] = joining
        decided.loc[joining.index] = evaluate(policy, frame.loc[joining.index], finder,
                                              experts.why)
    return pd.concat([frame.drop(columns="embedding"), decided], axis=1)


def _cases_opened_in(frame: pd.DataFrame, decided: pd.DataFrame) -> pd.Series:
    """The case key each post joins because the same author's one-to-one case in that
    conversation was opened by an earlier post of this same batch. Had the case come in an
    earlier batch, `features` would have found it; deciding it here too keeps decisions
    independent of how posts were batched, so a rerun converges on what the runs did."""
    joins: dict = {}
    threaded = frame[frame["thread_id"].notna() & frame["author_id"].notna()]
    same_author = ["source", "thread_id", "author_id"]
    threaded = threaded[threaded.duplicated(same_author, keep=False)]
    for _, posts in threaded.sort_values("created_at").groupby(same_author, sort=False):
        case = None
        for post in posts.itertuples():
            if case is not None and not post.open_case:
                joins[post.Index] = case
            elif case is None and decided.at[post.Index, "route"] == "contact_center":
                case = _work_key(decided.at[post.Index, "destination"],
                                 decided.at[post.Index, "unit"], post)
    return pd.Series(joins, dtype=object)


def _work_key(destination: str, unit: str, post) -> str:
    """The delivery key of a routed post (`post`: a row of `features`, as a tuple): its
    open case's, its cluster's, or its own."""
    if unit == "case":
        return post.case_key
    if unit == "cluster" and isinstance(post.cluster_id, str):
        return delivery_key(destination, unit, post.cluster_id)
    return delivery_key(destination, unit, f"{post.source}:{post.key_source_id}")


def delivery_key(destination: str, unit: str, ref: str) -> str:
    """Stable across reruns and retries: the same work for the same destination is one key.

    A mention's `ref` is `source:id`, with the id its keys were first made from
    (`key_source_id`: the former id of a mention whose key changed form, a feed entry keyed
    before issue 23): a key already stored never changes, so a rerun cannot plan a second
    item for work a person already has."""
    return hashlib.sha256(f"{destination}|{unit}|{ref}".encode()).hexdigest()[:32]


def run(con: duckdb.DuckDBPyConnection, policy: Policy, decided_for: datetime,
        now: datetime) -> dict[str, Any]:
    """Decide every undecided mention and plan its delivery, in one transaction. A
    mention the policy fails on is set aside with its error; the others are decided.
    `decided_for` is the run's interval end, `now` its clock: when the decisions were made
    (out__queue_latency)."""
    frame = features(con)
    experts = ExpertIndex.from_warehouse(con)
    trial = isolate(len(frame), lambda rows: prepare(
        _decide(policy, experts, frame.iloc[rows.start:rows.stop].reset_index(drop=True)),
        policy, decided_for, now))
    failed = sorted(trial.failed)
    decided = pd.concat([part for _, part in trial.done], ignore_index=True) if trial.done \
        else frame.iloc[:0]
    planned = linked = 0
    with transaction(con):
        set_aside(con, "route", frame.loc[failed, ["source", "source_id"]],
                  [describe(trial.failed[i]) for i in failed], frame.loc[failed, "text"].tolist())
        if not decided.empty:
            planned, linked = record(con, decided)
    return {"decided": len(decided), "set_aside": len(failed),
            "routes": decided["route"].value_counts().to_dict() if len(decided) else {},
            "rules": decided["rule_id"].value_counts().to_dict() if len(decided) else {},
            "deliveries_planned": planned,
            "linked_to_existing": linked,
            "policy_version": policy.full_version}


def prepare(decided: pd.DataFrame, policy: Policy, decided_for: datetime,
            decided_at: datetime) -> pd.DataFrame:
    """`decided` (from `decide`) with what is stored beside the decision: the SLA deadline
    (the mention's time plus the rule's SLA on its team's clock: business hours or 24/7),
    the delivery key, the evidence as JSON, the policy version, the run's interval end and
    the moment it decided."""
    if decided.empty:
        return decided
    decided = decided.copy()
    routed = decided["route"] != "ignore"
    decided["sla_due_at"] = decided["created_at"] + decided["sla"].where(routed, pd.NaT)
    if policy.business_hours:  # teams with business hours: their clocks stop out of hours
        by_hours = routed & decided["team"].isin(list(policy.business_hours))
        decided.loc[by_hours, "sla_due_at"] = [
            pd.Timestamp(policy.sla_due(team, created.to_pydatetime(),
                                        pd.Timedelta(sla).to_pytimedelta()))
            for team, created, sla in decided.loc[by_hours, ["team", "created_at", "sla"]]
            .itertuples(index=False)]
    decided["delivery_key"] = [
        _work_key(row.destination, row.unit, row) if is_routed else None
        for row, is_routed in zip(decided.itertuples(), routed)]
    decided["evidence"] = decided["evidence"].map(lambda e: json.dumps(e, default=str))
    decided["policy_version"] = policy.full_version
    decided["decided_for"] = decided_for
    decided["decided_at"] = decided_at
    decided["cluster_size"] = decided["cluster_size"].astype(np.int64)
    return decided


def record(con: duckdb.DuckDBPyConnection, decided: pd.DataFrame) -> tuple[int, int]:
    """Store the decisions (replacing earlier ones of the same mentions), plan a delivery
    for every key not planned yet, and link mentions that newly join work already delivered
    (a mention already part of it, decided again by a rerun, is not linked twice). A
    mention that joins delivered work which is not delivered again (a cluster's thread) is
    queued now, at `decided_at`; the others when the deliver step delivers them.
    The caller holds the transaction. Returns (deliveries planned, mentions linked)."""
    with registered(con, decided) as incoming:
        put(con, "core__routing_decisions", f"""
            SELECT source, source_id, route, rule_id, reason, evidence::JSON, experts::VARCHAR[], team,
                   priority, sla_due_at, destination, delivery_key, policy_version, decided_for,
                   decided_at
            FROM {incoming}""")
        planned = con.execute(f"""
            INSERT INTO core__deliveries (delivery_key, destination, route, unit, cluster_id,
                team, priority, sla_due_at, rule_id, reason, experts, status, created_for)
            SELECT delivery_key, arg_min(destination, created_at), arg_min(route, created_at),
                   arg_min(unit, created_at), arg_min(cluster_id, created_at),
                   arg_min(team, created_at), arg_min(priority, created_at), min(sla_due_at),
                   arg_min(rule_id, created_at), arg_min(reason, created_at),
                   arg_min(experts::VARCHAR[], created_at), 'pending', any_value(decided_for)
            FROM {incoming} WHERE delivery_key IS NOT NULL
              AND delivery_key NOT IN (SELECT delivery_key FROM core__deliveries)
            GROUP BY delivery_key""").fetchone()[0]
        linked = add_new(con, "core__events", f"""
            SELECT sha256('linked|' || i.delivery_key || '|' || i.source || ':' || i.source_id),
                   i.decided_for, 'linked', i.delivery_key, v.destination, v.external_id, NULL,
                   json_object('source', i.source, 'source_id', i.source_id,
                               'url', v.external_url), i.decided_for
            FROM {incoming} i JOIN core__deliveries v USING (delivery_key)
            WHERE v.status = 'delivered' AND NOT EXISTS (
                SELECT 1 FROM core__delivery_mentions d WHERE d.delivery_key = i.delivery_key
                  AND d.source = i.source AND d.source_id = i.source_id)""")
        # A follow-up that joins a case already on the desk is delivered again, so the
        # item shows it to its agent (Desk.add adds what it does not hold yet).
        con.execute(f"""
            UPDATE core__deliveries SET status = 'pending', next_attempt_at = NULL
            WHERE status = 'delivered' AND delivery_key IN (
                SELECT i.delivery_key FROM {incoming} i WHERE i.unit = 'case' AND NOT EXISTS (
                    SELECT 1 FROM core__delivery_mentions d
                    WHERE d.delivery_key = i.delivery_key AND d.source = i.source
                      AND d.source_id = i.source_id))""")
        add_new(con, "core__delivery_mentions", f"""
            SELECT i.delivery_key, i.source, i.source_id, i.decided_for,
                   CASE WHEN v.status = 'delivered' THEN i.decided_at END
            FROM {incoming} i LEFT JOIN core__deliveries v USING (delivery_key)
            WHERE i.delivery_key IS NOT NULL""",
                columns=("delivery_key", "source", "source_id", "added_for", "queued_at"))
    return int(planned), linked
