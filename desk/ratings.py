"""Satisfaction asked where the customer is: after a resolution, a rating request posted
under the customer's post, with a one-time link to the desk's public rating page.

For the teams in `desk.rating_request_teams`, each resolved item gets one request, ever
(its `desk_rating_links` row is keyed by the item): carewire.app.replies asks for the
ones due (`due`, then `ask`) and the outbox posts them exactly once, like any reply. The
link carries a random 256-bit token; the store keeps only its SHA-256, so the table gives
no link away, and a token cannot be guessed or counted through. The first rating through
a link uses it up (a guarded UPDATE, so two at once record one), and a link expires after
`desk.rating_link_valid`.

The request is posted in public on most platforms, so whoever reads it first could use the
link: the rating is recorded `by: customer` and counted apart from the ratings agents
record, which is the most a link in a public reply can promise.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Callable, Iterable, Literal

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from carewire.desk.errors import DeskError
from carewire.desk.outbox import BY_HAND_SOURCES, ReplyTarget, queue_reply
from carewire.desk.schema import desk_events, desk_items, desk_rating_links

ASK_WITHIN = timedelta(days=1)
"""Only items resolved this recently are asked: turning rating requests on for a team does
not send one to everyone it ever helped."""
ASKED_BY = "carewire (rating request)"
"""The author the desk shows for a rating request: no agent wrote it."""
COMMENT_CHARS = 2000

LinkState = Literal["open", "used", "expired"]


@dataclass(frozen=True)
class RatingLink:
    item_id: int
    team: str
    state: LinkState
    expires_at: datetime


@dataclass(frozen=True)
class Resolved:
    """A resolved item a rating request is due for, and the post it answers."""

    item_id: int
    source: str
    source_id: str
    url: str | None
    answer: bool = False
    """An answer offer: the rating is of the community answer it took to the author."""


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _link_with_team(token: str):
    """The link of `token` with the team of its item (what its `rated` event names)."""
    return (sa.select(desk_rating_links, desk_items.c.team, desk_items.c.route)
            .join(desk_items, desk_items.c.item_id == desk_rating_links.c.item_id)
            .where(desk_rating_links.c.token_sha256 == _hash(token)))


class Ratings:
    """Rating requests and the ratings customers give through them, on the desk store."""

    def __init__(self, engine: sa.Engine, clock: Callable[[], datetime]):
        self.engine = engine
        self._clock = clock

    def due(self, teams: Iterable[str], now: datetime, limit: int = 100,
            answers: bool = False) -> list[Resolved]:
        """Items of `teams` resolved in the last ASK_WITHIN and still resolved, neither
        rated by an agent nor asked before, on a platform the desk can post to. Answer
        offers only with `answers`: those authors did not come to the brand themselves,
        and are asked about the answer they were sent, not about the care team."""
        resolved_lately = (sa.select(desk_events.c.item_id)
                           .where(desk_events.c.kind == "resolved",
                                  desk_events.c.at >= now - ASK_WITHIN))
        asked = sa.select(desk_rating_links.c.item_id)
        query = (sa.select(desk_items.c.item_id, desk_items.c.mentions, desk_items.c.route)
                 .where(desk_items.c.team.in_(sorted(set(teams))),
                        desk_items.c.status == "resolved", desk_items.c.rated_at.is_(None),
                        *(() if answers else (desk_items.c.route != "answer_offer",)),
                        desk_items.c.item_id.in_(resolved_lately),
                        desk_items.c.item_id.not_in(asked))
                 .order_by(desk_items.c.item_id).limit(limit))
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
        due = []
        for item_id, mentions, route in rows:
            first = mentions[0] if mentions else None
            if first is not None and first["source"] not in BY_HAND_SOURCES:
                due.append(Resolved(item_id, first["source"], first["source_id"],
                                    first.get("url"), route == "answer_offer"))
        return due

    def ask(self, item_id: int, target: ReplyTarget, text: str, public_url: str,
            valid: timedelta, now: datetime) -> bool:
        """Queue the rating request of a resolved item, with its new link, in one
        transaction; False when the item was asked already (by another sender, say)."""
        token = secrets.token_urlsafe(32)
        link = f"{public_url.rstrip('/')}/rate/{token}"
        try:
            with self.engine.begin() as conn:
                reply_id = queue_reply(conn, item_id, ASKED_BY, text.replace("{link}", link),
                                       target, now, False, purpose="rating_request")
                conn.execute(desk_rating_links.insert().values(
                    item_id=item_id, token_sha256=_hash(token), reply_id=reply_id,
                    created_at=now, expires_at=now + valid))
        except IntegrityError:
            return False
        return True

    def link(self, token: str) -> RatingLink | None:
        """What a link leads to now; None for a token the desk never gave."""
        with self.engine.connect() as conn:
            row = conn.execute(_link_with_team(token)).mappings().first()
        if row is None:
            return None
        state: LinkState = ("used" if row["used_at"] is not None else
                            "expired" if row["expires_at"] <= self._clock() else "open")
        return RatingLink(row["item_id"], row["team"], state, row["expires_at"])

    def rate(self, token: str, score: int, comment: str) -> int:
        """Record the customer's rating through their link (1 worst .. 5 best), as the
        item's `rated` event `by` the customer; the link is used up. Returns the item's id.
        Raises DeskError, in words for the customer, when it cannot be taken."""
        if isinstance(score, bool) or not isinstance(score, int) or not 1 <= score <= 5:
            raise DeskError("choose a rating from 1 (very dissatisfied) to 5 (very satisfied)")
        comment = comment.strip()
        if len(comment) > COMMENT_CHARS:
            raise DeskError(f"the comment is over {COMMENT_CHARS} characters: shorten it")
        now = self._clock()
        with self.engine.begin() as conn:
            row = conn.execute(_link_with_team(token)).mappings().first()
            if row is None:
                raise DeskError("this rating link is not one the desk gave")
            used = conn.execute(desk_rating_links.update().where(
                desk_rating_links.c.token_sha256 == _hash(token),
                desk_rating_links.c.used_at.is_(None),
                desk_rating_links.c.expires_at > now).values(used_at=now)).rowcount
            if not used:
                raise DeskError("this rating link was used already or has expired: thank "
                                "you all the same")
            conn.execute(desk_events.insert().values(
                item_id=row["item_id"], kind="rated", actor="customer", at=now,
                data={"team": row["team"], "score": score, "by": "customer",
                      **({"rates": "answer"} if row["route"] == "answer_offer" else {}),
                      **({"comment": comment} if comment else {})}))
        return row["item_id"]
