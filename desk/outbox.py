"""Replies on their way to the platform: each one recorded as an intent before any post,
and every step of its sending kept, so that it is posted exactly once and nothing is lost.

A reply moves like this (`desk_replies.status`):

    awaiting_approval --> queued | by_hand        (a team in desk.approval_teams: a lead
    awaiting_approval --> rejected                 approves it, maybe edited, or rejects it)
    queued --> sending --> posted                 (the `replied` event, at the posted time)
               sending --> retrying --> sending   (429, 5xx, timeout: waits, then again)
               sending --> blocked                (401/403 on the credentials, or too many
                                                   tries: `retry_now` after the fix)
               sending --> refused                (the platform's own refusal: final)
    by_hand --> sent_by_hand                      (feeds: no API; the agent posts it and
                                                   confirms, the `replied` event then)

A rating request (desk/ratings.py) is a reply like any other with `purpose`
`rating_request`: posted the same way, exactly once, but its posting is the item's
`rating_requested` event, not a response to the customer.

`sending` is written and committed before the platform is called, by a guarded update
that one sender wins. A reply tried before may have been posted by a try whose answer was
lost (a timeout after the platform took it, a crash), so the sender asks the platform
first (ReplyChannel.find) and posts only if it is not there.
The sender is carewire.app.replies; the desk web app only queues and shows.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Callable, Iterable, Literal

import sqlalchemy as sa

from carewire.core.replies import Posted, Reply
from carewire.desk.errors import DeskError
from carewire.desk.schema import desk_events, desk_items, desk_replies

BY_HAND_SOURCES = frozenset({"feeds"})
"""Platforms with no API to reply through (blogs, news): the agent posts by hand."""
WAITING = ("queued", "sending", "retrying")
"""States the sender picks up."""
SENDING_LEASE = timedelta(minutes=10)
"""How long a try holds its reply: far beyond any platform call's timeout."""
Purpose = Literal["answer", "rating_request"]
"""What a reply is for: an agent's answer (its posting is the item's `replied` event, the
first response the KPIs count), or the desk asking for a rating (`rating_requested`)."""


@dataclass(frozen=True)
class ReplyTarget:
    """The post a reply answers, as the warehouse knows it (desk/context.py reads it)."""

    source: str
    stream: str
    source_id: str
    thread_id: str | None
    url: str | None


@dataclass(frozen=True)
class QueuedReply:
    reply_id: int
    item_id: int
    author: str
    status: str
    attempts: int
    next_attempt_at: datetime | None
    last_error: str | None
    external_url: str | None
    created_at: datetime
    posted_at: datetime | None
    reply: Reply
    purpose: Purpose = "answer"


def queue_reply(conn: sa.Connection, item_id: int, author: str, text: str,
                target: ReplyTarget, now: datetime, awaits_approval: bool,
                purpose: Purpose = "answer") -> int:
    """Record the intent, in the caller's transaction (the item's `reply_queued` event, or
    its rating link); returns the reply's id."""
    return conn.execute(desk_replies.insert().values(
        key=uuid.uuid4().hex, item_id=item_id, author=author, text=text, source=target.source,
        stream=target.stream, source_id=target.source_id, thread_id=target.thread_id,
        url=target.url, status="awaiting_approval" if awaits_approval else _ready(target.source),
        attempts=0, created_at=now, purpose=purpose)).inserted_primary_key[0]


def _ready(source: str) -> str:
    """The state a reply starts in once it may go: posted by the sender, or by hand."""
    return "by_hand" if source in BY_HAND_SOURCES else "queued"


_WITH_TEAM = (sa.select(desk_replies, desk_items.c.team)
              .join(desk_items, desk_items.c.item_id == desk_replies.c.item_id))
"""Replies with the team of their item (what scopes who may act on them)."""


class Outbox:
    """The sender's side of `desk_replies`, on the desk store's engine."""

    def __init__(self, engine: sa.Engine, clock: Callable[[], datetime]):
        self.engine = engine
        self._clock = clock

    def due(self, now: datetime, limit: int = 100) -> list[QueuedReply]:
        """Replies to send now, oldest first."""
        query = (sa.select(desk_replies).where(
            desk_replies.c.status.in_(WAITING),
            sa.or_(desk_replies.c.next_attempt_at.is_(None),
                   desk_replies.c.next_attempt_at <= now))
                 .order_by(desk_replies.c.created_at, desk_replies.c.reply_id).limit(limit))
        with self.engine.connect() as conn:
            return [_queued(row) for row in conn.execute(query).mappings()]

    def of_items(self, item_ids: Iterable[int]) -> list[QueuedReply]:
        ids = list(item_ids)
        with self.engine.connect() as conn:
            return [_queued(row) for row in conn.execute(
                sa.select(desk_replies).where(desk_replies.c.item_id.in_(ids))
                .order_by(desk_replies.c.reply_id)).mappings()]

    def start(self, queued: QueuedReply, now: datetime) -> bool:
        """Take a try, before the platform is called: True when this sender has it. The
        row changes only if no other sender took it since it was read (the tries count
        guards it), and it is not due again for SENDING_LEASE, so a sender that dies
        mid-try leaves it to the next one then, which asks the platform first."""
        with self.engine.begin() as conn:
            return conn.execute(desk_replies.update().where(
                desk_replies.c.reply_id == queued.reply_id,
                desk_replies.c.attempts == queued.attempts,
                desk_replies.c.status.in_(WAITING))
                .values(status="sending", attempts=queued.attempts + 1,
                        next_attempt_at=now + SENDING_LEASE)).rowcount == 1

    def posted(self, queued: QueuedReply, posted: Posted) -> None:
        """It is on the platform: keep where, and record the `replied` event at the time
        the platform gave (the first response the KPIs count)."""
        with self.engine.begin() as conn:
            conn.execute(desk_replies.update()
                         .where(desk_replies.c.reply_id == queued.reply_id)
                         .values(status="posted", external_id=posted.external_id,
                                 external_url=posted.url, posted_at=posted.posted_at,
                                 last_error=None, next_attempt_at=None))
            _replied(conn, queued, posted.posted_at,
                     {"url": posted.url, "external_id": posted.external_id,
                      "found_on_platform": posted.found})

    def wait(self, reply_id: int, until: datetime, error: str) -> None:
        self._set(reply_id, status="retrying", next_attempt_at=until, last_error=error)

    def hold(self, reply_id: int, status: str, error: str) -> None:
        """`blocked` (fix, then `retry_now`) or `refused` (final), with the reason."""
        self._set(reply_id, status=status, last_error=error, next_attempt_at=None)

    def retry_now(self) -> int:
        """After the fix (credentials, a raised budget): blocked replies, and those waiting,
        are tried at the next send. Their tries so far are kept, so the platform is asked
        first."""
        with self.engine.begin() as conn:
            return conn.execute(desk_replies.update().where(
                desk_replies.c.status.in_(("blocked", "retrying")))
                .values(status="retrying", next_attempt_at=None)).rowcount

    def sent_by_hand(self, item_id: int, reply_id: int, agent: str,
                     teams: frozenset[str] | None) -> int:
        """An agent confirms having posted a reply of item `item_id` by hand (a platform
        with no API): the `replied` event, now. Returns the item's id."""
        now = self._clock()
        with self.engine.begin() as conn:
            row = conn.execute(_WITH_TEAM.where(desk_replies.c.reply_id == reply_id)
                               ).mappings().one_or_none()
            if row is None or row["item_id"] != item_id or (
                    teams is not None and row["team"] not in teams):
                raise DeskError(f"no reply {reply_id} in your queues")
            if not conn.execute(desk_replies.update().where(
                    desk_replies.c.reply_id == reply_id, desk_replies.c.status == "by_hand")
                    .values(status="sent_by_hand", posted_at=now)).rowcount:
                raise DeskError(f"reply {reply_id} is {row['status']}: only a reply to post "
                                "by hand is confirmed by hand")
            _replied(conn, _queued(row), now, {"url": row["url"], "sent_by": agent,
                                               "by_hand": True})
        return row["item_id"]

    def awaiting(self, teams: frozenset[str] | None) -> list[tuple[QueuedReply, str]]:
        """Replies waiting for a lead, oldest first, with their item's team (of `teams`,
        or of every team)."""
        query = (_WITH_TEAM.where(desk_replies.c.status == "awaiting_approval")
                 .order_by(desk_replies.c.created_at, desk_replies.c.reply_id))
        if teams is not None:
            query = query.where(desk_items.c.team.in_(sorted(teams)))
        with self.engine.connect() as conn:
            return [(_queued(row), row["team"]) for row in conn.execute(query).mappings()]

    def review(self, reply_id: int, lead: str, approve: bool, text: str | None = None,
               note: str = "") -> int:
        """A lead approves a reply (with `text`, when they edited it) so that it goes, or
        rejects it with `note`; either way one `reply_approved`/`reply_rejected` event on
        the item says who and what. Returns the item's id."""
        now = self._clock()
        with self.engine.begin() as conn:
            row = conn.execute(_WITH_TEAM.where(desk_replies.c.reply_id == reply_id)
                               ).mappings().one_or_none()
            if row is None:
                raise DeskError(f"no reply {reply_id}")
            if row["status"] != "awaiting_approval":
                raise DeskError(f"reply {reply_id} is {row['status']}: it was reviewed already")
            edited = approve and text is not None and text.strip() != row["text"].strip()
            if approve and text is not None and not text.strip():
                raise DeskError(f"reply {reply_id} is empty: write the answer or reject it")
            if not approve and not note.strip():
                raise DeskError(f"say why reply {reply_id} is rejected: the agent reads it")
            values = ({"status": _ready(row["source"]), **({"text": text} if edited else {})}
                      if approve else {"status": "rejected", "last_error":
                                       f"rejected by {lead}: {note}"})
            if not conn.execute(desk_replies.update().where(
                    desk_replies.c.reply_id == reply_id,
                    desk_replies.c.status == "awaiting_approval")
                    .values(**values, reviewed_by=lead, reviewed_at=now)).rowcount:
                raise DeskError(f"reply {reply_id} is {row['status']}: it was reviewed already")
            conn.execute(desk_events.insert().values(
                item_id=row["item_id"], kind="reply_approved" if approve else "reply_rejected",
                actor=lead, at=now, data={"team": row["team"], "reply_id": reply_id,
                                          **({"text": text, "edited_from": row["text"]}
                                             if edited else {}),
                                          **({} if approve else {"note": note})}))
        return row["item_id"]

    def summary(self, month_start: datetime) -> dict[str, dict[str, int]]:
        """Per platform: the replies in each state, and those posted since `month_start`
        (`posted_this_month`, what a monthly write budget counts)."""
        found: dict[str, dict[str, int]] = {}
        with self.engine.connect() as conn:
            for source, status, count in conn.execute(
                    sa.select(desk_replies.c.source, desk_replies.c.status, sa.func.count())
                    .group_by(desk_replies.c.source, desk_replies.c.status)):
                found.setdefault(source, {})[status] = count
        for source in found:
            found[source]["posted_this_month"] = self.posted_since(source, month_start)
        return found

    def posted_since(self, source: str, since: datetime) -> int:
        """Replies posted on `source` since `since` (a platform's monthly write budget)."""
        with self.engine.connect() as conn:
            return conn.execute(sa.select(sa.func.count()).select_from(desk_replies).where(
                desk_replies.c.source == source, desk_replies.c.status == "posted",
                desk_replies.c.posted_at >= since)).scalar_one()

    def _set(self, reply_id: int, **values: Any) -> None:
        with self.engine.begin() as conn:
            conn.execute(desk_replies.update().where(desk_replies.c.reply_id == reply_id)
                         .values(**values))


def _replied(conn: sa.Connection, queued: QueuedReply, at: datetime, data: dict) -> None:
    team = conn.execute(sa.select(desk_items.c.team)
                        .where(desk_items.c.item_id == queued.item_id)).scalar_one()
    conn.execute(desk_events.insert().values(
        item_id=queued.item_id, at=at, actor=queued.author,
        kind="replied" if queued.purpose == "answer" else "rating_requested",
        data={"team": team, "text": queued.reply.text, "reply_id": queued.reply_id, **data}))


def _queued(row) -> QueuedReply:
    return QueuedReply(
        reply_id=row["reply_id"], item_id=row["item_id"], author=row["author"],
        status=row["status"], attempts=row["attempts"], next_attempt_at=row["next_attempt_at"],
        last_error=row["last_error"], external_url=row["external_url"],
        created_at=row["created_at"], posted_at=row["posted_at"], purpose=row["purpose"],
        reply=Reply(key=row["key"], source=row["source"], stream=row["stream"],
                    source_id=row["source_id"], thread_id=row["thread_id"], url=row["url"],
                    text=row["text"]))
