"""What the desk shows around an item, read from the analyst snapshot: the author and
their influence and history, how the post was scored, the routing decision, and the issue
cluster it belongs to, with the fact sheets posted to the helpers about it.

The snapshot (`settings.snapshot`) is the warehouse as of the last process or
sync_outcomes run, published by atomic rename, so the desk reads it without ever waiting
for or blocking the pipeline. A missing snapshot is a message on the page, not an error.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from carewire.core.errors import WarehouseError
from carewire.desk.outbox import ReplyTarget
from carewire.warehouse.community import fact_sheets
from carewire.warehouse.db import connect, records

HISTORY = 10
"""Earlier posts of the author shown on an item."""
CLUSTER_MEMBERS = 50
"""Mentions of an issue cluster listed on its page (the size is always the full count)."""


@dataclass
class ItemContext:
    available: bool
    note: str = ""
    mention: dict[str, Any] = field(default_factory=dict)
    author: dict[str, Any] = field(default_factory=dict)
    history: list[dict[str, Any]] = field(default_factory=list)
    decision: dict[str, Any] = field(default_factory=dict)
    cluster: dict[str, Any] = field(default_factory=dict)


def item_context(snapshot: Path, source: str, source_id: str,
                 cluster_id: str | None) -> ItemContext:
    try:
        with connect(snapshot, read_only=True) as con:
            source_id = current_id(con, source, source_id)
            mention = records(con, """
                SELECT m.source, m.source_id, m.stream, m.thread_id, m.url, m.title, m.text,
                       m.created_at, m.author_id,
                       m.is_deleted, e.sentiment, e.sentiment_score, e.sentiment_confidence,
                       e.sentiment_reason, e.intent, e.intent_reason, e.language, e.relevance_score, e.models_version
                FROM core__mentions m LEFT JOIN core__enrichments e USING (source, source_id)
                WHERE m.source = ? AND m.source_id = ?""", [source, source_id])
            if not mention:
                return ItemContext(False, _not_yet(source, source_id))
            mention = mention[0]
            author = records(con, """
                SELECT a.handle, a.display_name, a.profile_url, a.followers_count, a.karma,
                       a.is_verified, a.first_seen_at, i.reach, i.reach_pct, i.mentions,
                       i.engagement_per_mention, i.engagement_pct, i.history_pct,
                       i.avg_sentiment, i.helpful_replies, i.score, i.tier, i.tier_reason
                FROM core__authors a
                LEFT JOIN core__author_influence i USING (source, author_id)
                WHERE a.source = ? AND a.author_id = ?""", [source, mention["author_id"]])
            history = records(con, f"""
                SELECT m.source_id, m.url, m.text, m.created_at, e.sentiment, d.route, d.rule_id
                FROM core__mentions m
                LEFT JOIN core__enrichments e USING (source, source_id)
                LEFT JOIN core__routing_decisions d USING (source, source_id)
                WHERE m.source = ? AND m.author_id = ? AND m.source_id <> ? AND NOT m.is_deleted
                ORDER BY m.created_at DESC LIMIT {HISTORY}""",
                            [source, mention["author_id"], source_id])
            decision = records(con, """
                SELECT route, rule_id, reason, evidence, experts, team, priority, sla_due_at,
                       policy_version, decided_for
                FROM core__routing_decisions WHERE source = ? AND source_id = ?""",
                             [source, source_id])
            cluster = _cluster(con, cluster_id) if cluster_id else {}
    except WarehouseError as exc:
        return ItemContext(False, str(exc))
    if decision:
        decision = decision[0]
        decision["evidence"] = json.loads(decision["evidence"])
    return ItemContext(True, "", mention, author[0] if author else {}, history,
                       decision or {}, cluster)


def reply_target(snapshot: Path, source: str, source_id: str,
                 url: str | None) -> ReplyTarget | str:
    """The post a reply answers, with the stream and conversation the snapshot knows it
    by (what its platform's reply channel needs), or why it is not known yet. `source_id`
    is kept as the item holds it."""
    try:
        with connect(snapshot, read_only=True) as con:
            found = con.execute("SELECT stream, thread_id FROM core__mentions "
                                "WHERE source = ? AND source_id = ?",
                                [source, current_id(con, source, source_id)]).fetchone()
    except WarehouseError as exc:
        return str(exc)
    if found is None:
        return _not_yet(source, source_id)
    return ReplyTarget(source, found[0], source_id, found[1], url)


def _not_yet(source: str, source_id: str) -> str:
    return (f"{source}:{source_id} is not in the analyst snapshot yet: it appears after the "
            "next process run.")


def current_id(con, source: str, source_id: str) -> str:
    """An item delivered before its mention's key changed form (a feed entry, keyed by its
    guid alone before issue 23) names the former id; the snapshot knows the mention by
    the new one. (A snapshot published before the upgrade has no such table yet.)"""
    if not con.execute("SELECT 1 FROM duckdb_tables() WHERE table_name = "
                       "'core__mention_former_ids'").fetchone():
        return source_id
    current = con.execute("SELECT source_id FROM core__mention_former_ids "
                          "WHERE source = ? AND former_source_id = ?",
                          [source, source_id]).fetchone()
    return current[0] if current else source_id


def _cluster(con, cluster_id: str) -> dict[str, Any]:
    summary = records(con, "SELECT * FROM core__issue_clusters WHERE cluster_id = ?", [cluster_id])
    if not summary:
        return {}
    members = records(con, f"""
        SELECT m.source, m.source_id, m.url, m.text, m.created_at,
               coalesce(a.handle, m.author_id) AS author, e.sentiment, k.joined_by, k.similarity
        FROM core__cluster_members k
        JOIN core__mentions m USING (source, source_id)
        LEFT JOIN core__authors a ON a.source = m.source AND a.author_id = m.author_id
        LEFT JOIN core__enrichments e ON e.source = m.source AND e.source_id = m.source_id
        WHERE k.cluster_id = ? AND NOT m.is_deleted
        ORDER BY m.created_at LIMIT {CLUSTER_MEMBERS}""", [cluster_id])
    return {**summary[0], "members": members, "fact_sheets": fact_sheets(con, cluster_id)}


def cluster_context(snapshot: Path, cluster_id: str) -> dict[str, Any] | str:
    """The cluster's summary and members, or the reason they cannot be shown."""
    try:
        with connect(snapshot, read_only=True) as con:
            return _cluster(con, cluster_id) or (f"issue cluster {cluster_id} is not in the "
                                                  "analyst snapshot yet")
    except WarehouseError as exc:
        return str(exc)
