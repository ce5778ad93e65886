"""A reply an agent wrote, on its way to the platform where the customer wrote.

The desk records the reply as an intent first (its `key` never changes); the sender
(carewire.app.replies) hands it to the platform's reply channel (connectors/<platform>/
replies.py) and records what came back. A retry after a timeout first asks the channel
whether the brand's reply is already there (`find`), so nothing is posted twice.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar, Protocol


@dataclass(frozen=True)
class Reply:
    key: str
    """Idempotency key: the same reply has this key on every try."""
    source: str
    """The platform: x, reddit, forums (feeds have no API to reply through)."""
    stream: str
    """The stream the answered post came in on (a forum's configured name, for its URL)."""
    source_id: str
    """The answered post as the warehouse keys it: a tweet id, a Reddit fullname (t3_/t1_),
    a Discourse `<host>:post:<id>`."""
    thread_id: str | None
    """Its conversation: X conversation id, Reddit submission fullname, Discourse
    `<host>:topic:<id>`."""
    url: str | None
    """Where a person opens the answered post."""
    text: str


@dataclass(frozen=True)
class Posted:
    external_id: str
    """The platform's id of the posted reply (tweet id, comment fullname, post id)."""
    url: str | None
    posted_at: datetime
    """When the platform says it was posted (the first-response KPI counts from here)."""
    found: bool = False
    """True when `find` found it already there (a post whose answer was lost)."""


class ReplyChannel(Protocol):
    """Post replies on one platform as the brand's account."""

    source: ClassVar[str]

    def find(self, reply: Reply) -> Posted | None:
        """The brand's reply with this text to this post, if it is on the platform already
        (asked before every retry: a post may have gone through before a timeout)."""

    def post(self, reply: Reply) -> Posted:
        """Post it once, without retrying by itself. Raises RetriableSourceError (429,
        5xx, timeout, network; `retry_after_s` when the platform said when), AuthError
        (401, 403 on the credentials: the Connection to fix) or ReplyRefused (the
        platform will not take it: deleted or locked post, duplicate; its own words)."""


def answer_offer(author: str, source: str, url: str) -> str:
    """The note of an answer-offer item (routing/outcomes.py): the reply that takes an
    accepted community answer to one author who asked, a short personal line and the
    thread's link, as the desk sends it (`offered_reply` reads it back)."""
    return (f"Reply to {author} on {source}: \"Thanks for asking, {author}! This is answered "
            f"in our community: {url}\"")


_OFFER = re.compile(r'^Reply to .+? on \w+: "(.+)"$', re.M)


def offered_reply(body: str) -> str | None:
    """The reply an answer-offer item's body proposes, or None for any other item."""
    found = _OFFER.search(body)
    return found.group(1) if found else None
