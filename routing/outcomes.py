"""Bring back what became of delivered work, and act on it.

- Every destination reports outcomes (claims, replies, resolutions, ratings, accepted
  answers, status changes) for the items carewire delivered to it. Each becomes a row of
  the append-only `core__events`, keyed by the destination's own stable id, so fetching
  the same outcome twice records it once.
- An accepted answer in a community thread is offered to every author in its issue
  cluster: one queued reply per author, on the platform where they asked, as a desk item
  (route `answer_offer`) for the community team to post.
- A community item with neither an accepted answer nor a resolution `escalation.after`
  after its first question moves to the contact center (route `contact_center`, rule
  `escalation`), as the policy says.
Both create ordinary deliveries, which the delivery step then hands over.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timedelta
from typing import Any, Mapping

import duckdb

from carewire.core.replies import answer_offer
from carewire.routing.destinations.base import Destination, DestinationError
from carewire.routing.policy import Policy
from carewire.routing.step import delivery_key
from carewire.warehouse.db import transaction
from carewire.warehouse.keyed import add_new, values

OUTCOME_KINDS = ("claimed", "replied", "resolved", "reopened", "rated", "reassigned",
                 "accepted_answer", "status")
ANSWER_OFFER_SLA = timedelta(hours=24)
"""An answer offer is due this long after the accepted answer, on the community team's
SLA clock (its business hours, if it has some)."""
LAG = timedelta(days=1)
"""Outcomes are asked for from this long before the newest one already recorded: a late
rating or an edited answer is still caught, and duplicates fold by id."""


def sync(con: duckdb.DuckDBPyConnection, policy: Policy,
         destinations: Mapping[str, Destination], now: datetime) -> dict[str, Any]:
    """Fetch outcomes from every destination, record them, then queue answer offers and
    escalations. A destination that fails is reported in `errors`; the others go on."""
    recorded: dict[str, int] = {}
    errors: dict[str, str] = {}
    for name, destination in destinations.items():
        items = dict(con.execute("""
            SELECT external_id, list(delivery_key) FROM core__deliveries
            WHERE destination = ? AND status = 'delivered' AND external_id IS NOT NULL
            GROUP BY external_id""", [name]).fetchall())
        if not items:
            continue
        newest = con.execute(f"""SELECT max(occurred_at) FROM core__events WHERE destination = ?
                                 AND kind IN {OUTCOME_KINDS}""", [name]).fetchone()[0]
        try:
            outcomes = destination.outcomes(list(items), newest - LAG if newest else None)
        except DestinationError as exc:
            errors[name] = str(exc)
            continue
        outcomes = _not_thank_yous(con, name, outcomes)
        rows = [(hashlib.sha256(f"{o.outcome_id}|{key}".encode()).hexdigest(), o.at, o.kind, key,
                 name, o.external_id, o.actor, json.dumps(o.data, default=str), now)
                for o in outcomes for key in items.get(o.external_id, ())]
        with transaction(con):
            recorded[name] = add_new(con, "core__events", values(9, len(rows)),
                                     [value for row in rows for value in row]) if rows else 0
            # When carewire last heard from it: open items are judged breached against
            # this (out__care_items), never against a clock that ran ahead of the news.
            add_new(con, "core__events",
                    "VALUES (?, ?, 'synced', NULL, ?, NULL, NULL, '{}', ?)",
                    [hashlib.sha256(f"synced|{name}|{now.isoformat()}".encode()).hexdigest(),
                         now, name, now])
    offers = _offer_answers(con, policy, now)
    escalated = _escalate(con, policy, now)
    return {"outcomes_recorded": recorded, "answer_offers_queued": offers,
            "escalated": escalated, "errors": errors}


def _not_thank_yous(con, name: str, outcomes: list) -> list:
    """Without the thank-yous carewire posted under recognised answers (routing/community.py
    records each as `thanked`, with its post's id): they are carewire's own acts, not
    replies to the asker, and their text names the member thanked, who may have been
    erased since (maintenance/erase.py scrubs the `thanked` event, not the forum)."""
    own = {str(post_id) for (post_id,) in con.execute(
        "SELECT (data->>'reply_post_id') FROM core__events WHERE kind = 'thanked' "
        "AND destination = ? AND (data->>'reply_post_id') IS NOT NULL", [name]).fetchall()}
    if not own:
        return outcomes
    return [o for o in outcomes if not (o.kind == "replied"
                                        and str(o.data.get("post_id")) in own)]


def _offer_answers(con, policy: Policy, now: datetime) -> int:
    """One queued reply per author of a cluster whose community thread got an accepted
    answer (the answer's own author and the brand's accounts excepted)."""
    offers = con.execute("""
        SELECT DISTINCT ON (m.source, m.author_id, (e.data->>'url'))
               m.source, m.source_id, coalesce(a.handle, m.author_id) AS author,
               (e.data->>'url') AS url, v.delivery_key AS community_key, v.cluster_id,
               coalesce(f.former_source_id, m.source_id) AS key_source_id,
               (e.data->>'username') AS helper   -- null once the helper is erased
        FROM core__events e
        JOIN core__deliveries v ON v.delivery_key = e.delivery_key AND v.route = 'community'
        JOIN core__delivery_mentions d ON d.delivery_key = v.delivery_key
        JOIN core__mentions m ON m.source = d.source AND m.source_id = d.source_id
        LEFT JOIN core__authors a ON a.source = m.source AND a.author_id = m.author_id
        LEFT JOIN core__author_influence i ON i.source = m.source AND i.author_id = m.author_id
        LEFT JOIN core__mention_former_ids f ON f.source = m.source AND f.source_id = m.source_id
        WHERE e.kind = 'accepted_answer' AND NOT m.is_deleted
          AND coalesce(i.tier, 'regular') <> 'brand'
          AND coalesce(a.handle, m.author_id) IS DISTINCT FROM (e.data->>'username')
        ORDER BY m.source, m.author_id, (e.data->>'url'), m.created_at""").fetchall()
    team = policy.teams.get("community", "community")
    queued = 0
    with transaction(con):
        for source, source_id, author, url, community_key, cluster_id, key_id, helper in offers:
            # made from the id the mention's keys were first made from (routing/step.py)
            key = delivery_key("desk", "answer_offer", f"{source}:{key_id}|{url}")
            note = answer_offer(author, source, url)
            queued += _plan(con, key, "answer_offer", "mention", cluster_id, team, "low",
                            policy.sla_due(team, now, ANSWER_OFFER_SLA), "accepted-answer",
                            f"accepted answer in {url} for an issue this author raised",
                            note, [(source, source_id)], now,
                            answer={"url": url, "helper": helper})
    return queued


def _escalate(con, policy: Policy, now: datetime) -> int:
    """Community items left unanswered too long go to the contact center. An item is
    answered by an accepted answer or a resolution on its delivery, or by an accepted
    answer in the thread of one of its questions in the brand's own community (a forum
    topic a customer solved, which the load records from the topic's page)."""
    if policy.escalation is None:
        return 0
    rule = policy.escalation
    stale = con.execute("""
        SELECT v.delivery_key, v.cluster_id, v.external_url, list((d.source, d.source_id))
        FROM core__deliveries v
        JOIN core__delivery_mentions d USING (delivery_key)
        JOIN core__mentions m ON m.source = d.source AND m.source_id = d.source_id
        WHERE v.route = 'community' AND v.status = 'delivered' AND NOT m.is_deleted
          AND NOT EXISTS (SELECT 1 FROM core__events e WHERE e.delivery_key = v.delivery_key
                          AND e.kind IN ('accepted_answer', 'resolved'))
          AND NOT EXISTS (  -- a question already answered where it was asked
              SELECT 1 FROM core__delivery_mentions a
              JOIN core__mentions q ON q.source = a.source AND q.source_id = a.source_id
              JOIN core__community_posts p ON p.source = q.source AND p.thread_id = q.thread_id
              WHERE a.delivery_key = v.delivery_key AND p.accepted_at IS NOT NULL)
        GROUP BY ALL
        HAVING min(m.created_at) <= ?""", [now - rule.after]).fetchall()
    destination = policy.destinations.get("contact_center", "desk")
    escalated = 0
    with transaction(con):
        for community_key, cluster_id, url, mentions in stale:
            key = delivery_key(destination, "escalation", community_key)
            escalated += _plan(con, key, "contact_center", "cluster", cluster_id, rule.team,
                               rule.priority, policy.sla_due(rule.team, now, rule.sla),
                               "escalation",
                               f"escalation: no accepted answer {rule.after} after the first "
                               f"question in {url or 'the community thread'}",
                               None, [tuple(m) for m in mentions], now, destination)
    return escalated


def _plan(con, key: str, route: str, unit: str, cluster_id: str | None, team: str, priority: str,
          sla_due_at: datetime, rule_id: str, reason: str, note: str | None,
          mentions: list[tuple[str, str]], now: datetime, destination: str = "desk",
          answer: dict[str, str | None] | None = None) -> int:
    """A new pending delivery (and its event); 0 if the key was planned before. An
    answer offer's event names the accepted answer it carries (`answer`: its url and its
    author, the helper), so that a rating of the offer is a rating of that answer
    (out__helper_ranking)."""
    if con.execute("SELECT 1 FROM core__deliveries WHERE delivery_key = ?", [key]).fetchone():
        return 0
    con.execute("""INSERT INTO core__deliveries (delivery_key, destination, route, unit,
                       cluster_id, team, priority, sla_due_at, rule_id, reason, experts,
                       body_note, status, created_for)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, [], ?, 'pending', ?)""",
                [key, destination, route, unit, cluster_id, team, priority, sla_due_at, rule_id,
                 reason, note, now])
    add_new(con, "core__delivery_mentions", values(4, len(mentions)),
            [value for source, source_id in mentions for value in (key, source, source_id, now)],
            columns=("delivery_key", "source", "source_id", "added_for"))
    kind = "answer_offered" if route == "answer_offer" else "escalated"
    add_new(con, "core__events", "VALUES (?, ?, ?, ?, ?, NULL, NULL, ?, ?)",
            [hashlib.sha256(f"{kind}|{key}".encode()).hexdigest(), now, kind, key,
                 destination, json.dumps({"reason": reason,
                                          **({"answer": answer} if answer else {})}), now])
    return 1
