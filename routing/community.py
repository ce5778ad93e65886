"""What carewire does in the brand's own Discourse besides delivering questions to it
(issue 22, docs/community.md): it recognises the customers whose answers helped, brings the
superfans a lead approves into the helpers group, and posts the fact sheets agents write
to the helpers' private category.

Every act is done exactly once, the way deliveries are:

1. The intent is recorded first, as an event in `core__events` whose id is a hash of the
   act's key (`badge_planned`, `thanks_planned`, `helper_approved`, `fact_sheet_planned`);
   planning the same act again records nothing.
2. The act looks before it writes, and a refusal that means "it is there" is success: a
   badge the user holds already (in `GET /user-badges/{username}.json`, or Discourse's
   422), a member already in the group (422), a thank-you reply that carries the act's
   marker, a fact-sheet topic that carries the act's key as its external_id. So a retry
   after a timeout, a 429 or a crash does the act once.
3. Done, the outcome is recorded as an event (`badge_granted`, `thanked`, `helper_added`,
   `fact_sheet_posted`). An act that failed stays planned: `finish` (every command of
   `carewire community`, and every sync_outcomes run where recognition is configured)
   tries it again. A forum still down or rate-limiting after the transport's retries
   gets no more calls in that run: its other acts wait for the next.

Answers are never recognised for Discourse staff (its `admin`, `moderator` and `staff`
flags on the post), the API user, or the brand's own accounts (core__author_influence tier
`brand`).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Mapping

import duckdb

from carewire.core.errors import ConfigError
from carewire.core.settings import CommunitySettings, RecognitionSettings, Settings
from carewire.routing.destinations.base import DestinationError, RetriableDestinationError
from carewire.routing.destinations.discourse import REGULAR_POST, DiscourseDestination
from carewire.warehouse.db import transaction
from carewire.warehouse.keyed import add_new, values
from carewire.warehouse.lake import turn

DONE = {"badge_planned": "badge_granted", "thanks_planned": "thanked",
        "helper_approved": "helper_added", "fact_sheet_planned": "fact_sheet_posted"}
"""The event that records an act as planned, and the one that records it done."""
LIKE = 2
"""Discourse's post action type id for a like (`actions_summary`)."""
FORUMS = "forums"
"""The source whose authors are the Discourse forums' members (core__author_influence)."""


def action_key(*parts: object) -> str:
    return hashlib.sha256("|".join(str(part) for part in parts).encode()).hexdigest()[:32]


def _event_id(kind: str, key: str) -> str:
    return hashlib.sha256(f"{kind}|{key}".encode()).hexdigest()


@dataclass(frozen=True)
class Answer:
    """A reply in a community thread that earned recognition."""

    delivery_key: str
    topic_id: str
    post_id: int
    post_number: int
    username: str
    url: str
    why: str                    # "accepted", or "<n> likes"


def discourse(settings: Settings, name: str | None, credentials: Mapping[str, Any],
              what: str) -> DiscourseDestination:
    """The configured Discourse destination `name`, with its Connection's credentials."""
    found = next((d for d in settings.routing.destinations if d.name == name), None)
    if found is None or found.kind != "discourse":
        raise ConfigError(f"{what} names Discourse destination {name!r}, but "
                          "routing.destinations in carewire.yaml has no Discourse destination "
                          "by that name")
    creds = credentials.get(found.conn_id) if found.conn_id else None
    return DiscourseDestination(found, creds, settings.http)


# Recognition

def answers(con: duckdb.DuckDBPyConnection, recognition: RecognitionSettings,
            client: DiscourseDestination) -> list[Answer]:
    """The answers in the team's delivered threads that are accepted (or have
    `min_likes`), by customers: never staff, the API user or the brand's accounts."""
    topics = con.execute("""
        SELECT external_id, min(delivery_key) FROM core__deliveries
        WHERE destination = ? AND team = ? AND status = 'delivered' AND external_id IS NOT NULL
        GROUP BY external_id ORDER BY external_id""",
                         [recognition.destination, recognition.team]).fetchall()
    brand = {handle.lower() for (handle,) in con.execute(
        "SELECT handle FROM core__author_influence WHERE source = ? AND tier = 'brand' "
        "AND handle IS NOT NULL", [FORUMS]).fetchall()}
    brand.add(client.api_username.lower())
    found = []
    for topic_id, delivery_key in topics:
        topic = client.topic(topic_id)
        if topic is None:
            continue
        accepted = (topic.get("accepted_answer") or {}).get("post_number")
        for post in topic["posts"]:
            number = post.get("post_number", 1)
            if (number <= 1 or post.get("post_type", REGULAR_POST) != REGULAR_POST
                    or post.get("deleted_at") or not post.get("username")):
                continue
            if post.get("staff") or post.get("admin") or post.get("moderator"):
                continue
            if post["username"].lower() in brand:
                continue
            likes = _likes(post)
            if number == accepted or post.get("accepted_answer"):
                why = "accepted"
            elif recognition.min_likes is not None and likes >= recognition.min_likes:
                why = f"{likes} likes"
            else:
                continue
            found.append(Answer(delivery_key, str(topic_id), int(post["id"]), number,
                                post["username"], client.post_url(topic, number), why))
    return found


def _likes(post: dict[str, Any]) -> int:
    if isinstance(post.get("like_count"), int):
        return post["like_count"]
    return sum(int(action.get("count") or 0) for action in post.get("actions_summary") or []
               if isinstance(action, dict) and action.get("id") == LIKE)


def recognise(con: duckdb.DuckDBPyConnection, settings: Settings,
              clients: Mapping[str, DiscourseDestination], now: datetime) -> dict[str, Any]:
    """Plan a badge and/or a thank-you for every recognised answer not planned before, then
    do what is planned and not done."""
    planned = 0
    errors: dict[str, str] = {}
    for recognition in settings.community.recognition:
        client = clients[recognition.destination]
        try:
            found = answers(con, recognition, client)
        except DestinationError as exc:
            errors[f"{recognition.team}@{recognition.destination}"] = str(exc)
            continue
        with transaction(con):
            for answer in found:
                common = {"topic_id": answer.topic_id, "post_id": answer.post_id,
                          "post_number": answer.post_number, "url": answer.url,
                          "why": answer.why, "team": recognition.team,
                          "username": answer.username}
                if recognition.badge_id is not None:
                    key = action_key("badge", recognition.destination, answer.post_id,
                                     recognition.badge_id)
                    planned += _plan(con, "badge_planned", key, now, answer.delivery_key,
                                     recognition.destination, answer.topic_id, answer.username,
                                     common | {"badge_id": recognition.badge_id})
                if recognition.thank_you:
                    key = action_key("thanks", recognition.destination, answer.post_id)
                    raw = (recognition.thank_you.replace("{username}", answer.username)
                           + f"\n\n<!-- carewire:{key} -->")
                    planned += _plan(con, "thanks_planned", key, now, answer.delivery_key,
                                     recognition.destination, answer.topic_id, answer.username,
                                     common | {"raw": raw, "marker": f"carewire:{key}"})
    done = finish(con, clients, now)
    return {"planned": planned, **done, "errors": {**errors, **done["errors"]}}


# Helpers group

def helper_candidates(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    """The forums' superfans (core__author_influence), with whether a lead approved them."""
    rows = con.execute("""
        SELECT i.handle, i.helpful_replies, i.tier_reason,
               EXISTS (SELECT 1 FROM core__events e WHERE e.kind = 'helper_added'
                       AND lower(e.actor) = lower(i.handle)) AS member
        FROM core__author_influence i
        WHERE i.source = ? AND i.tier = 'superfan' AND i.handle IS NOT NULL
        ORDER BY i.helpful_replies DESC, i.handle""", [FORUMS]).fetchall()
    return [{"username": handle, "helpful_replies": helpful, "why": why, "member": member}
            for handle, helpful, why, member in rows]


def add_helpers(con: duckdb.DuckDBPyConnection, community: CommunitySettings,
                clients: Mapping[str, DiscourseDestination], usernames: list[str],
                approved_by: str, now: datetime) -> dict[str, Any]:
    """Record a lead's approval of each username, then add them to the helpers group."""
    if community.destination is None or community.helpers_group_id is None:
        raise ConfigError("set community.destination and community.helpers_group_id in "
                          "carewire.yaml to add helpers")
    group = community.helpers_group_id
    with transaction(con):
        planned = sum(
            _plan(con, "helper_approved", action_key("helper", community.destination, group,
                                                     name.lower()),
                  now, None, community.destination, str(group), name,
                  {"username": name, "group_id": group, "approved_by": approved_by})
            for name in dict.fromkeys(name.lstrip("@") for name in usernames))
    return {"planned": planned, **finish(con, clients, now)}


# Fact sheets

def fact_sheet_raw(known: str, tell: str, next_update: str) -> str:
    return (f"**What we know**\n\n{known.strip()}\n\n**What to tell people**\n\n"
            f"{tell.strip()}\n\n**When we will update**\n\n{next_update.strip()}")


def post_fact_sheet(con: duckdb.DuckDBPyConnection, community: CommunitySettings,
                    clients: Mapping[str, DiscourseDestination], *, title: str, known: str,
                    tell: str, next_update: str, by: str, now: datetime,
                    cluster_id: str | None = None, alert_id: str | None = None
                    ) -> dict[str, Any]:
    """Post a fact sheet about an issue cluster or a spike alert to the helpers' private
    category, once (the same sheet again posts nothing), linked from the cluster or alert
    by its `fact_sheet_posted` event."""
    if community.destination is None or community.helpers_category_id is None:
        raise ConfigError("set community.destination and community.helpers_category_id in "
                          "carewire.yaml to post fact sheets")
    if (cluster_id is None) == (alert_id is None):
        raise ConfigError("a fact sheet is about one issue cluster or one spike alert")
    if cluster_id is not None and not con.execute(
            "SELECT 1 FROM core__cluster_members WHERE cluster_id = ? LIMIT 1",
            [cluster_id]).fetchone():
        raise ConfigError(f"no issue cluster {cluster_id!r} in the warehouse")
    if alert_id is not None and not con.execute(
            "SELECT 1 FROM core__alerts WHERE alert_id = ?", [alert_id]).fetchone():
        raise ConfigError(f"no spike alert {alert_id!r} in the warehouse")
    raw = fact_sheet_raw(known, tell, next_update)
    subject = f"cluster:{cluster_id}" if cluster_id else f"alert:{alert_id}"
    key = action_key("fact_sheet", community.destination, subject, title, raw)
    with transaction(con):
        planned = _plan(con, "fact_sheet_planned", key, now, None, community.destination, None,
                        by, {"title": title, "raw": raw, "cluster_id": cluster_id,
                             "alert_id": alert_id, "category": community.helpers_category_id,
                             "by": by})
    done = finish(con, clients, now)
    posted = con.execute("SELECT (data->>'url') FROM core__events WHERE event_id = ?",
                         [_event_id("fact_sheet_posted", key)]).fetchone()
    return {"planned": planned, **done, "url": posted[0] if posted else None}


# Planned acts, done once

def finish(con: duckdb.DuckDBPyConnection, clients: Mapping[str, DiscourseDestination],
           now: datetime) -> dict[str, Any]:
    """Do every planned act not yet done, oldest first; what fails stays planned. An act
    for a member erased since it was planned is never done: the erasure nulled its
    `data.username` (maintenance/target.py), and the scrubbed event stays, so that the
    same answer is not planned again either. One pass at a time, as deliveries are
    (routing/deliver.py): two passes reading the same planned act would both do it."""
    with turn(con, "deliver"):
        return _do_planned(con, clients, now)


def _do_planned(con: duckdb.DuckDBPyConnection, clients: Mapping[str, DiscourseDestination],
                now: datetime) -> dict[str, Any]:
    pending = con.execute(f"""
        SELECT p.event_id, p.kind, p.delivery_key, p.destination, p.external_id, p.actor,
               p.data
        FROM core__events p
        WHERE p.kind IN {tuple(DONE)}
          AND NOT (json_exists(p.data, '$.username') AND (p.data->>'username') IS NULL)
          AND NOT EXISTS (SELECT 1 FROM core__events d
                          WHERE d.kind = CASE p.kind {' '.join(
                              f"WHEN '{a}' THEN '{b}'" for a, b in DONE.items())} END
                            AND (d.data->>'action_key') = (p.data->>'action_key'))
        ORDER BY p.occurred_at, p.event_id""").fetchall()
    done: dict[str, int] = {}
    errors: dict[str, str] = {}
    down: dict[str, str] = {}   # destination -> why: its other acts wait for the next run
    for _, kind, delivery_key, destination, external_id, actor, data in pending:
        data = json.loads(data)
        client = clients.get(destination)
        if client is None:
            errors[data["action_key"]] = f"no Discourse destination {destination!r}"
            continue
        if destination in down:
            errors[f"{kind}:{data['action_key']}"] = (f"not tried: {destination} failed "
                                                      f"earlier in this run ({down[destination]})")
            continue
        try:
            external_id, result = _do(client, kind, data, external_id)
        except RetriableDestinationError as exc:
            # down or rate-limited after the transport's retries: as the delivery step does,
            # the rest of this forum's work waits for the next run instead of timing out too
            errors[f"{kind}:{data['action_key']}"] = down[destination] = str(exc)
            continue
        except DestinationError as exc:
            errors[f"{kind}:{data['action_key']}"] = str(exc)
            continue
        outcome = DONE[kind]
        add_new(con, "core__events", values(9),
                [_event_id(outcome, data["action_key"]), now, outcome, delivery_key,
                     destination, external_id, actor, json.dumps(data | result), now])
        done[outcome] = done.get(outcome, 0) + 1
    return {"done": done, "errors": errors}


def _do(client: DiscourseDestination, kind: str, data: dict[str, Any],
        external_id: str | None) -> tuple[str | None, dict[str, Any]]:
    if kind == "badge_planned":
        detail = client.grant_badge(data["username"], int(data["badge_id"]), data.get("url"))
        return external_id, {"detail": detail}
    if kind == "thanks_planned":
        post, created = client.reply_once(data["topic_id"], int(data["post_number"]),
                                          data["raw"], data["marker"])
        return external_id, {"detail": "posted" if created else "already posted",
                             "reply_post_id": post.get("id"),
                             "reply_url": client.post_url(
                                 {"id": data["topic_id"], "slug": post.get("topic_slug")},
                                 post.get("post_number"))}
    if kind == "helper_approved":
        return external_id, {"detail": client.add_to_group(int(data["group_id"]),
                                                           data["username"])}
    receipt = client.create_topic(data["title"], data["raw"], data["action_key"],
                                  data.get("category"))
    return receipt.external_id, {"url": receipt.url,
                                 "detail": "posted" if receipt.created else "already posted"}


def _plan(con: duckdb.DuckDBPyConnection, kind: str, key: str, now: datetime,
          delivery_key: str | None, destination: str, external_id: str | None,
          actor: str | None, data: dict[str, Any]) -> int:
    """Record the intent; 0 when it was recorded before."""
    event_id = _event_id(kind, key)
    if con.execute("SELECT 1 FROM core__events WHERE event_id = ?", [event_id]).fetchone():
        return 0
    con.execute("INSERT INTO core__events VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [event_id, now, kind, delivery_key, destination, external_id, actor,
                 json.dumps(data | {"action_key": key}, default=str), now])
    return 1
