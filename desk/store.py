"""The care desk's queue store: the built-in destination's items and what agents did to them.

The desk is written by many hands at once (the delivery step adding items, agents claiming
and resolving them), so it lives in a transactional SQL store of its own, through SQLAlchemy
Core: SQLite on one machine (the default, `<data_dir>/desk.sqlite`) and PostgreSQL
(`postgresql+psycopg://...`) when several workers or desk servers share it. Same code, same
tables, on both.

An item moves like this; `reply` and `rate` record without moving it:

    open --claim--> claimed --resolve--> resolved --reopen--> open
    open --resolve--> resolved        open|claimed --reassign--> open (with the new team)

An open item may have an assignee: the agent the desk gave it to, who has not started it
yet (desk/assignment.py). Delivering an item, resolving, reopening and reassigning one run
an assignment pass after their own transaction.

Every action is one transaction: a guarded UPDATE (it only applies if the item is still in
the state the action was decided on) plus its `desk_events` row. Two agents racing for one
item get one winner and a clear error for the other, on either backend. The events are what
the delivery step reads back as outcomes (routing/destinations/desk.py). The tables are
defined, and migrated on open, in desk/schema.py.
"""

from __future__ import annotations

import copy
import json
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Iterable, Literal, Mapping

import sqlalchemy as sa
from sqlalchemy.exc import ArgumentError, DBAPIError, IntegrityError, NoSuchModuleError

from carewire.core.delivery import Delivery, MentionRef
from carewire.core.files import PRIVATE_FILE, create_private, private_dir, tighten
from carewire.core.types import dumps, utc
from carewire.desk.assignment import Assignment
from carewire.desk.errors import DeskError
from carewire.desk.outbox import Outbox, ReplyTarget, queue_reply
from carewire.desk.ratings import Ratings
from carewire.desk.schema import desk_events, desk_items, upgrade
from carewire.enrichment import thanks

Status = Literal["open", "claimed", "resolved"]
EventKind = Literal["delivered", "claimed", "reply_queued", "reply_approved", "reply_rejected",
                    "replied", "resolved", "reopened", "rated", "reassigned",
                    "rating_requested", "assigned", "unassigned", "follow_up"]
"""`reply_queued`: an agent wrote a reply (desk/outbox.py posts it), which a lead approves
or rejects where the team asks for it; `replied`: the reply reached the customer, posted on
the platform or sent by hand, at that moment (what the first-response KPI counts);
`rating_requested`: the desk's rating request was posted (desk/ratings.py); `rated`: a
rating, `by` the agent who recorded it or the customer on the rating page; `assigned`: the
desk gave the item to an agent (`agent`, `rule`, the `skills` matched, their `load` and
`capacity`, and `why` in words); `unassigned`: an agent who went away gave it back;
`follow_up`: the customer wrote again in the conversation of an item (Desk.add); it says
whether that resolved or reopened the item, and which words decided."""
STATUSES: tuple[Status, ...] = ("open", "claimed", "resolved")
FACETS = ("source", "language", "sentiment", "intent", "influence_tier")
"""Item fields a queue can be filtered on, besides team and status."""

_ATTEMPTS = 3
"""How often an action re-reads and re-decides after another writer changed the item
between its read and its write, before it gives up with an error."""
_IDS_PER_QUERY = 500
"""Item ids per `IN (...)`: well under SQLite's bound-parameter limit."""


@dataclass(frozen=True)
class DeskTeams:
    """The teams the routing policy sends work to, as the desk needs them: every queue, and
    the team that takes each route an agent can send an item to (community, contact
    center). The policy gives them (`Policy.desk_teams`); the desk does not read it."""

    queues: tuple[str, ...]
    by_route: Mapping[str, str]


@dataclass(frozen=True)
class DeskItem:
    """One queue item: a delivery as the desk shows it, with who holds it."""

    item_id: int
    delivery_key: str
    route: str
    team: str
    priority: str
    sla_due_at: datetime
    status: Status
    assignee: str | None
    title: str
    body: str
    cluster_id: str | None
    rule_id: str
    reason: str
    mentions: tuple[MentionRef, ...]
    experts: tuple[str, ...]
    created_at: datetime
    updated_at: datetime
    source: str | None = None
    language: str | None = None
    sentiment: str | None = None
    intent: str | None = None
    influence_tier: str | None = None
    rated_at: datetime | None = None


@dataclass(frozen=True)
class DeskEvent:
    """Something that happened to an item. `data` always names the team that held it then,
    plus the reply `text`, the rating `score` or, for a reassignment, `from_team`."""

    event_id: int
    item_id: int
    kind: EventKind
    actor: str | None
    at: datetime
    data: dict[str, Any]


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _private_sqlite_file(path: Path) -> None:
    """The desk's SQLite file is owner-only (0600) in a folder created owner-only: it
    holds who asked what and what agents answered. A new one is created empty with that
    mode before SQLite opens it (SQLite takes an empty file as a new database, and gives
    its -journal, -wal and -shm files the database's mode); a looser existing one, or a
    journal left beside it, is tightened with a warning in the log (docs/desk.md)."""
    private_dir(path.parent)
    if create_private(path):
        return
    for file in (path, *(path.with_name(path.name + end) for end in ("-journal", "-wal",
                                                                     "-shm"))):
        tighten(file, PRIVATE_FILE, "the desk store")


class Desk:
    """The queue store at a SQLAlchemy URL, migrated to the newest schema on open."""

    def __init__(self, url: str, *, clock: Callable[[], datetime] = _now):
        try:
            parsed = sa.make_url(url)
            if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "",
                                                                                  ":memory:"):
                _private_sqlite_file(Path(parsed.database))
            self.engine = sa.create_engine(parsed)
        except (ArgumentError, NoSuchModuleError, ImportError) as exc:
            # The URL itself is not repeated: it may hold a password.
            raise DeskError(f"cannot use the desk store's URL ({exc}): set routing.desk_url "
                            "in carewire.yaml to sqlite:///path/desk.sqlite or "
                            "postgresql+psycopg://user@host/db (pip install 'psycopg[binary]')"
                            ) from exc
        try:
            upgrade(self.engine)
        except DBAPIError as exc:
            self.engine.dispose()
            raise DeskError(f"cannot open the desk store at "
                            f"{parsed.render_as_string(hide_password=True)}: "
                            f"{str(exc.orig).strip()} Check that the database is running and "
                            "routing.desk_url is right.") from exc
        self._clock = clock
        self._teams: frozenset[str] | None = None

    def within(self, teams: Iterable[str] | None) -> Desk:
        """This desk limited to the items of `teams` (all when None), for an agent's
        actions: an item outside them is refused inside the action's own transaction, so a
        reassignment that lands between the page's check and the action cannot slip by.
        Shares the connection pool; close the desk it came from, not this."""
        scoped = copy.copy(self)
        scoped._teams = None if teams is None else frozenset(teams)
        return scoped

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Desk:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def add(self, delivery: Delivery) -> tuple[int, bool]:
        """The item for `delivery.key`: created (True), or the one already there (False).

        Race-safe without locks: the unique key decides, and the loser of a race reads the
        winner's row. A new item is then offered to the team's agents (an assignment
        pass: desk/assignment.py)."""
        now = self._now()
        first = delivery.mentions[0] if delivery.mentions else None
        facets = {name: getattr(first, name, None) for name in FACETS}
        try:
            with self.engine.begin() as conn:
                item_id = conn.execute(desk_items.insert().values(
                    delivery_key=delivery.key, route=delivery.route, team=delivery.team,
                    priority=delivery.priority, sla_due_at=delivery.sla_due_at, status="open",
                    assignee=None, title=delivery.title, body=delivery.body,
                    cluster_id=delivery.cluster_id, rule_id=delivery.rule_id,
                    reason=delivery.reason, mentions=[asdict(m) for m in delivery.mentions],
                    experts=list(delivery.experts), created_at=now, updated_at=now, **facets,
                )).inserted_primary_key[0]
                self._record(conn, item_id, "delivered", None, now,
                             {"team": delivery.team, "priority": delivery.priority,
                              "route": delivery.route})
        except IntegrityError:
            with self.engine.connect() as conn:
                existing = conn.scalar(sa.select(desk_items.c.item_id)
                                       .where(desk_items.c.delivery_key == delivery.key))
            if existing is None:
                raise
            self._follow_up(existing, delivery.mentions)
            return existing, False
        self.assignment.run(teams=[delivery.team])
        return item_id, True

    def _follow_up(self, item_id: int, mentions: Iterable[MentionRef]) -> None:
        """Add the mentions the item does not hold yet: a customer's follow-ups in the
        conversation of their case, which stays with its agent whatever it says. The
        latest one decides the status (enrichment/thanks.py): "thanks, all sorted"
        resolves an open item; a resolved item stays resolved on a thank-you and is
        reopened by anything else ("still not working"), offered back to the agent who
        resolved it as `reopen` does.

        Deliveries reach the desk from one writer (the process DAG's deliver step), so two
        follow-ups of one item are never added at once."""
        said: dict[str, Any] = {}

        def decide(item):
            held = {(m["source"], m["source_id"]) for m in item["mentions"]}
            new = [m for m in mentions if (m.source, m.source_id) not in held]
            if not new:
                return None
            latest = max(new, key=lambda m: m.created_at)
            closing, cue = thanks.closing(latest.text)
            # as the store reads them back: JSON values (dates as ISO text)
            added = json.loads(dumps([asdict(m) for m in new]))
            changes: dict[str, Any] = {"mentions": [*item["mentions"], *added]}
            if closing == "solved" and item["status"] != "resolved":
                changes["status"] = "resolved"
            elif closing is None and item["status"] == "resolved":
                changes.update(status="open", assignee=None)
            said.update(status=changes.get("status"), team=item["team"], agent=item["assignee"])
            return changes, {"mentions": [f"{m.source}:{m.source_id}" for m in new],
                             "says": closing, "cue": cue, "status": changes.get("status")}

        def also(conn, now):
            if said["status"] is not None:
                kind = "resolved" if said["status"] == "resolved" else "reopened"
                self._record(conn, item_id, kind, "customer", now,
                             {"team": said["team"], "by": "follow_up"})

        self._act(item_id, "follow_up", "customer", decide, also=also)
        if said.get("status") == "resolved":  # whoever held it has room again
            self.assignment.run(teams=[said["team"]], agents=[said["agent"]])
        elif said.get("status") == "open":
            self.assignment.offer_back(item_id, said["agent"])

    def claim(self, item_id: int, agent: str) -> DeskItem:
        """Take an open item. Claiming one you already hold changes nothing."""

        def decide(item):
            _refuse_resolved(item, "claim")
            _refuse_held_by_other(item, agent, "claim")
            if item["status"] == "claimed":
                return None
            return {"status": "claimed", "assignee": agent}, {}

        return self._act(item_id, "claimed", agent, decide)

    def reply(self, item_id: int, agent: str, text: str, target: ReplyTarget,
              approval_teams: Iterable[str] = ()) -> DeskItem:
        """Queue an agent's reply to the post `target` of the item, to be posted where the
        customer wrote (desk/outbox.py): the intent and its idempotency key are recorded
        here, before anything is posted. In `approval_teams` it waits for a lead."""
        if not text.strip():
            raise DeskError(f"reply to desk item {item_id} is empty: write the answer first")

        def decide(item):
            _refuse_resolved(item, "reply to")
            _refuse_held_by_other(item, agent, "reply to")
            if not any(m.get("source") == target.source and m.get("source_id") == target.source_id
                       for m in item["mentions"]):
                raise DeskError(f"desk item {item_id} holds no post {target.source}:"
                                f"{target.source_id} to reply to")
            return {}, {"text": text, "to": f"{target.source}:{target.source_id}"}

        def queue(conn, now):
            team = conn.execute(sa.select(desk_items.c.team)
                                .where(desk_items.c.item_id == item_id)).scalar_one()
            queue_reply(conn, item_id, agent, text, target, now, team in set(approval_teams))

        return self._act(item_id, "reply_queued", agent, decide, also=queue)

    def resolve(self, item_id: int, agent: str) -> DeskItem:
        """Close the item; whoever held it has room again (an assignment pass follows)."""

        def decide(item):
            _refuse_resolved(item, "resolve")
            _refuse_held_by_other(item, agent, "resolve")
            return {"status": "resolved", "assignee": agent}, {}

        done = self._act(item_id, "resolved", agent, decide)
        self.assignment.run(teams=[done.team], agents=[agent])
        return done

    def reopen(self, item_id: int, agent: str) -> DeskItem:
        """Put a resolved item back in its team's queue, unclaimed, and offer it to the
        agent who resolved it (when they are available and have room), else to the team's
        agents like a new one. Offered after the reopening's own transaction: an agent's
        row is never locked after an item's (desk/assignment.py)."""
        resolver: list[str | None] = []

        def decide(item):
            if item["status"] != "resolved":
                raise DeskError(f"desk item {item_id} is {item['status']}, not resolved: only "
                                "a resolved item can be reopened")
            resolver[:] = [item["assignee"]]
            return {"status": "open", "assignee": None}, {}

        done = self._act(item_id, "reopened", agent, decide)
        offered = self.assignment.offer_back(item_id, resolver[0] if resolver else None)
        return done if offered is None else self.item(item_id)

    def rate(self, item_id: int, score: int, by: str, *, correcting: bool = False) -> DeskItem:
        """Record the customer's rating of the care given (1 worst .. 5 best); the item
        does not move. Once per item, unless `correcting` (a lead fixing a mistyped one):
        the first rating sets `rated_at` in the same guarded UPDATE, so of two agents
        rating at once one wins and the other is told who did."""
        if isinstance(score, bool) or not isinstance(score, int) or not 1 <= score <= 5:
            raise DeskError(f"rating {score!r} for desk item {item_id} is not allowed: give a "
                            "whole number from 1 (worst) to 5 (best)")

        def decide(item):
            if item["rated_at"] is not None and not correcting:
                raise DeskError(f"the customer's rating of desk item {item_id} was recorded "
                                "already; ask a lead to correct it")
            return ({} if item["rated_at"] else {"rated_at": self._now()}), {"score": score,
                                                                              "by": "agent"}

        return self._act(item_id, "rated", by, decide)

    def reassign(self, item_id: int, agent: str, team: str, route: str | None = None
                 ) -> DeskItem:
        """Hand an item to another team's queue; whoever held it lets go. With `route`, the
        item changes route too (sent from the community to the contact center, say)."""
        if not team.strip():
            raise DeskError(f"reassigning desk item {item_id} needs a team name")

        held_by: list[str | None] = []

        def decide(item):
            _refuse_resolved(item, "reassign")
            held_by[:] = [item["assignee"]]
            changes = {"team": team, "status": "open", "assignee": None}
            data = {"from_team": item["team"]}
            if route is not None and route != item["route"]:
                changes["route"] = route
                data.update(route=route, from_route=item["route"])
            return changes, data

        self._act(item_id, "reassigned", agent, decide)
        # the new team's agents may take it; whoever held it has room again
        self.assignment.run(teams=[team], agents=held_by)
        return self.item(item_id)

    def resolve_cluster(self, cluster_id: str, agent: str) -> tuple[list[int], list[DeskItem]]:
        """Resolve every unresolved item of an issue cluster in one transaction: the answer
        given once, publicly, closes it for everyone who asked. Only items of this desk's
        teams (`within`) are touched, and an item claimed by someone else is left to them
        (one only assigned to them, not started, is resolved: they have room again).
        Returns the ids resolved and the items left."""
        now = self._now()
        query = sa.select(desk_items).where(desk_items.c.cluster_id == cluster_id,
                                            desk_items.c.status != "resolved")
        if self._teams is not None:
            query = query.where(desk_items.c.team.in_(sorted(self._teams)))
        resolved: list[int] = []
        left: list[DeskItem] = []
        freed: set[str | None] = set()
        with self.engine.begin() as conn:
            for row in conn.execute(query.order_by(desk_items.c.item_id)).mappings().all():
                if row["status"] == "claimed" and row["assignee"] != agent:
                    left.append(_item(row))
                    continue
                applied = conn.execute(desk_items.update().where(
                    desk_items.c.item_id == row["item_id"],
                    desk_items.c.status == row["status"],
                    desk_items.c.team == row["team"],
                    desk_items.c.assignee.is_not_distinct_from(row["assignee"]))
                    .values(status="resolved", assignee=agent, updated_at=now)).rowcount
                if applied != 1:
                    left.append(_item(row))
                    continue
                self._record(conn, row["item_id"], "resolved", agent, now,
                             {"team": row["team"], "cluster_id": cluster_id})
                resolved.append(row["item_id"])
                freed.add(row["assignee"])
        self.assignment.run(agents=[agent, *sorted(a for a in freed if a)])
        return resolved, left

    def items(self, team: str | None = None, status: Status | Iterable[Status] | None = None,
              limit: int = 50, offset: int = 0, *, assignee: str | None = None,
              **facets: str | None) -> list[DeskItem]:
        """A page of the queue, the soonest SLA deadline (the oldest breaching) first.
        `facets` filter on FACETS (source="x", sentiment="negative"...); None means any;
        `assignee`: only what that agent holds."""
        if limit < 1 or offset < 0:
            raise DeskError(f"limit must be at least 1 and offset at least 0, got limit={limit}"
                            f", offset={offset}")
        query = (_filtered(sa.select(desk_items), team, status, facets, assignee)
                 .order_by(desk_items.c.sla_due_at, desk_items.c.item_id)
                 .limit(limit).offset(offset))
        with self.engine.connect() as conn:
            return [_item(row) for row in conn.execute(query).mappings()]

    def count(self, team: str | None = None, status: Status | Iterable[Status] | None = None,
              *, assignee: str | None = None, **facets: str | None) -> int:
        """How many items `items` pages through with the same filters."""
        query = _filtered(sa.select(sa.func.count()).select_from(desk_items), team, status,
                          facets, assignee)
        with self.engine.connect() as conn:
            return conn.scalar(query)

    def facet_values(self, team: str | None = None) -> dict[str, list[str]]:
        """The values each facet takes among the unresolved items (of `team`): the choices a
        filter menu offers."""
        found: dict[str, list[str]] = {}
        with self.engine.connect() as conn:
            for name in FACETS:
                column = desk_items.c[name]
                query = _filtered(sa.select(column).distinct(), team, ("open", "claimed"), {})
                found[name] = sorted(v for v in conn.scalars(query.where(column.is_not(None))))
        return found

    def cluster_items(self, cluster_id: str) -> list[DeskItem]:
        """Every item of an issue cluster, resolved ones too, oldest first."""
        query = (sa.select(desk_items).where(desk_items.c.cluster_id == cluster_id)
                 .order_by(desk_items.c.created_at, desk_items.c.item_id))
        with self.engine.connect() as conn:
            return [_item(row) for row in conn.execute(query).mappings()]

    @property
    def outbox(self) -> Outbox:
        """The replies agents queued, for the sender and the item pages."""
        return Outbox(self.engine, self._now)

    @property
    def assignment(self) -> Assignment:
        """Agents' skills, capacity and status, and the passes that give items to them."""
        return Assignment(self.engine, self._now)

    @property
    def ratings(self) -> Ratings:
        """Rating requests and the ratings customers give through their links."""
        return Ratings(self.engine, self._now)

    def review_reply(self, reply_id: int, lead: str, approve: bool, text: str | None = None,
                     note: str = "") -> int:
        """A lead approves (maybe edited) or rejects a reply waiting for approval."""
        return self.outbox.review(reply_id, lead, approve, text, note)

    def sent_by_hand(self, item_id: int, reply_id: int, agent: str) -> int:
        """An agent posted a reply of the item by hand (no API on that platform) and says
        so."""
        return self.outbox.sent_by_hand(item_id, reply_id, agent, self._teams)

    def item(self, item_id: int) -> DeskItem:
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(desk_items).where(desk_items.c.item_id == item_id)
                               ).mappings().one_or_none()
        if row is None:
            raise _unknown(item_id)
        return _item(row)

    def events(self, since: datetime | None = None,
               item_ids: Iterable[int] | None = None) -> list[DeskEvent]:
        """Events at or after `since` (all when None), of the given items (all when None),
        oldest first. Inclusive, so a poller that passes the last time it saw misses
        nothing; `event_id` tells the events it already has."""
        query = sa.select(desk_events).order_by(desk_events.c.at, desk_events.c.event_id)
        if since is not None:
            query = query.where(desk_events.c.at >= utc(since))
        if item_ids is None:
            chunks = [query]
        else:
            ids = sorted(set(item_ids))
            chunks = [query.where(desk_events.c.item_id.in_(ids[i:i + _IDS_PER_QUERY]))
                      for i in range(0, len(ids), _IDS_PER_QUERY)]
        with self.engine.connect() as conn:
            events = [DeskEvent(**row) for chunk in chunks
                      for row in conn.execute(chunk).mappings()]
        return sorted(events, key=lambda e: (e.at, e.event_id)) if len(chunks) > 1 else events

    def _now(self) -> datetime:
        return utc(self._clock())

    def _act(self, item_id: int, kind: EventKind, actor: str,
             decide: Callable[[Mapping[str, Any]], tuple[dict, dict] | None],
             also: Callable[[sa.Connection, datetime], None] | None = None) -> DeskItem:
        """Decide on the item as read, apply the change only if the item is still in that
        state, and record the event with it (and `also`'s rows); re-decide when another
        writer got there first. `decide` raises DeskError to refuse, or returns None when
        there is nothing to do."""
        if not actor or not actor.strip():
            raise DeskError(f"{kind} on desk item {item_id} needs the agent's name")
        for _ in range(_ATTEMPTS):
            with self.engine.begin() as conn:
                seen = conn.execute(sa.select(desk_items).where(desk_items.c.item_id == item_id)
                                    ).mappings().one_or_none()
                if seen is None:
                    raise _unknown(item_id)
                if self._teams is not None and seen["team"] not in self._teams:
                    raise DeskError(f"desk item {item_id} is in the {seen['team']} queue, not "
                                    f"one of yours ({', '.join(sorted(self._teams))}): it was "
                                    "reassigned; ask that team")
                decided = decide(seen)
                if decided is None:
                    return _item(seen)
                changes, data = decided
                now = self._now()
                still_as_seen = sa.and_(
                    desk_items.c.item_id == item_id,
                    desk_items.c.status == seen["status"],
                    desk_items.c.assignee.is_not_distinct_from(seen["assignee"]),
                    desk_items.c.team == seen["team"],
                    desk_items.c.rated_at.is_not_distinct_from(seen["rated_at"]))
                applied = conn.execute(desk_items.update().where(still_as_seen)
                                       .values(**changes, updated_at=now)).rowcount
                if applied == 1:
                    team = changes.get("team", seen["team"])
                    self._record(conn, item_id, kind, actor, now, {"team": team, **data})
                    if also is not None:
                        also(conn, now)
                    return _item({**seen, **changes, "updated_at": now})
        raise DeskError(f"desk item {item_id} kept changing while {actor} tried to mark it "
                        f"{kind}: reload it and try again")

    @staticmethod
    def _record(conn, item_id: int, kind: EventKind, actor: str | None, at: datetime,
                data: dict[str, Any]) -> None:
        conn.execute(desk_events.insert().values(item_id=item_id, kind=kind, actor=actor, at=at,
                                                 data=data))


def _filtered(query, team: str | None, status, facets: Mapping[str, str | None],
              assignee: str | None = None):
    if team is not None:
        query = query.where(desk_items.c.team == team)
    if assignee is not None:
        query = query.where(desk_items.c.assignee == assignee)
    if status is not None:
        wanted = [status] if isinstance(status, str) else list(status)
        unknown = [s for s in wanted if s not in STATUSES]
        if unknown:
            raise DeskError(f"unknown desk status {unknown[0]!r}: use one of "
                            f"{', '.join(STATUSES)}")
        query = query.where(desk_items.c.status.in_(wanted))
    for name, value in facets.items():
        if name not in FACETS:
            raise DeskError(f"desk items cannot be filtered on {name!r}: use one of "
                            f"{', '.join(FACETS)}")
        if value is not None:
            query = query.where(desk_items.c[name] == value)
    return query


def _item(row: Mapping[str, Any]) -> DeskItem:
    values = dict(row)
    values["mentions"] = tuple(
        MentionRef(**{**m, "created_at": datetime.fromisoformat(m["created_at"])})
        for m in values["mentions"])
    values["experts"] = tuple(values["experts"])
    return DeskItem(**values)


def _unknown(item_id: int) -> DeskError:
    return DeskError(f"desk item {item_id} does not exist: check the id against the queue "
                     "(Desk.items)")


def _refuse_resolved(item: Mapping[str, Any], doing: str) -> None:
    if item["status"] == "resolved":
        raise DeskError(f"desk item {item['item_id']} is already resolved: reopen it before "
                        f"you {doing} it")


def _refuse_held_by_other(item: Mapping[str, Any], agent: str, doing: str) -> None:
    if item["status"] == "claimed" and item["assignee"] != agent:
        raise DeskError(f"desk item {item['item_id']} is claimed by {item['assignee']}: ask "
                        f"them, or reassign it, before you {doing} it")
    if item["status"] == "open" and item["assignee"] not in (None, agent):
        raise DeskError(f"desk item {item['item_id']} is assigned to {item['assignee']}, who "
                        f"has not started it: ask them, or reassign it, before you {doing} it")
