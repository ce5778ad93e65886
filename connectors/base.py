"""The shape every connector has, so a new platform slots in without touching the pipeline.

A connector does two things, and keeps them apart:

* `fetch(stream, cursor, interval)` talks to the platform and returns the HTTP responses
  exactly as received (`Page`s) plus the cursor to save once those pages are landed.
* `parse(stream, page)` is a pure function from one landed page to mentions, the raw
  items they came from, and rejects (with reasons). The connector calls it while fetching
  to move its cursor; the process step calls the *same* function to load the warehouse from
  the landing files, so every table can be rebuilt from landing without calling an API.
"""

from __future__ import annotations

import base64
import functools
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any, Callable, ClassVar, Mapping, Protocol

from carewire.core.settings import Fetching
from carewire.core.types import Credentials, Interval


@dataclass(frozen=True)
class Stream:
    """One thing to watch on one platform: a feed, a query, a subreddit.

    The stream declares its keys and cursor up front (as Singer/Meltano streams do)
    instead of burying them in the paging loop.
    """

    source: str
    name: str
    options: Mapping[str, Any] = field(default_factory=dict)
    conn_id: str | None = None
    primary_key: ClassVar[tuple[str, str]] = ("source", "source_id")
    cursor_field: ClassVar[str] = "created_at"


@dataclass
class Page:
    """One HTTP response as the platform sent it. Kept verbatim in the landing zone."""

    url: str
    status: int
    headers: dict[str, str]
    body: bytes

    def to_record(self, seq: int) -> dict[str, Any]:
        record: dict[str, Any] = {"seq": seq, "url": self.url, "status": self.status,
                                  "headers": self.headers}
        try:
            record["body"] = self.body.decode("utf-8")
        except UnicodeDecodeError:
            record["body_b64"] = base64.b64encode(self.body).decode("ascii")
        return record

    @property
    def looks_like_html(self) -> bool:
        """The body starts like an HTML document: an error, login or bot-challenge page sent
        where a feed or JSON was expected."""
        return self.body.lstrip()[:15].lower().startswith((b"<!doctype html", b"<html"))

    @classmethod
    def from_response(cls, response, url: str | None = None) -> "Page":
        """A `requests` response as landed; `url` is the address as asked for, where the
        transport may have sent it elsewhere (a redirect, a test's loopback server)."""
        return cls(url or response.url, response.status_code, dict(response.headers.items()),
                   response.content)

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> "Page":
        if "body_b64" in record:
            body = base64.b64decode(record["body_b64"])
        else:
            body = record["body"].encode("utf-8")
        return cls(record["url"], int(record["status"]), dict(record["headers"]), body)


@dataclass
class Author:
    source: str
    author_id: str
    handle: str | None = None
    display_name: str | None = None
    profile_url: str | None = None
    followers_count: int | None = None
    following_count: int | None = None
    post_count: int | None = None
    karma: int | None = None
    is_verified: bool | None = None
    account_created_at: datetime | None = None


@dataclass
class Mention:
    """The one record every platform maps to (see core__mentions)."""

    source: str
    source_id: str
    stream: str
    url: str | None
    title: str | None
    text: str
    created_at: datetime
    author: Author | None = None
    language: str | None = None
    categories: list[str] = field(default_factory=list)
    thread_id: str | None = None
    parent_id: str | None = None
    reply_count: int | None = None
    like_count: int | None = None
    share_count: int | None = None
    is_deleted: bool = False
    """The platform says it was deleted or removed: text and title are blanked, the row
    stays so the deletion wins over older copies, and `out__` views leave it out."""
    quote_count: int | None = None
    link_url: str | None = None
    """The page a link post points to (a Reddit link post's target), not the post's own url."""
    crosspost_count: int | None = None
    quoted_text: str | None = None
    """Words the post quotes from someone else (a Discourse quote): context for the agent,
    kept out of `text`, which is what sentiment and dedupe read."""

    def row(self) -> dict[str, Any]:
        row = asdict(self)
        author = row.pop("author")
        row["author_id"] = author["author_id"] if author else None
        if self.is_deleted:
            row["text"], row["title"], row["quoted_text"] = "", None, None
        return row


@dataclass
class Reject:
    """Something that could not be used, with the reason and the original bytes."""

    reason: str
    payload: bytes
    item_ref: str


@dataclass
class Accepted:
    """An answer the platform marks as the accepted one (a Discourse topic's accepted answer,
    the Solved plugin's mark), as its page shows it. The load records it once as an
    `accepted_answer` event in `core__events`, the outcome sync_outcomes records for the
    topics carewire delivered, so the community views count it for every topic read."""

    source_id: str
    """The answer's mention (`core__mentions.source_id`)."""
    external_id: str
    """Its thread on the platform (a Discourse topic's id)."""
    url: str
    post_number: int
    username: str | None
    created_at: datetime
    """The answer's own time: the platform does not say when it was accepted."""


@dataclass
class Parsed:
    """What one page yields. `items[i]` is the platform's own record behind `mentions[i]`.

    `authors` holds profiles a page describes on their own (a Reddit `/user/<name>/about`
    answer), beside the authors that come attached to mentions; `skipped` counts what
    the page held that is not a mention by design."""

    mentions: list[Mention] = field(default_factory=list)
    items: list[dict[str, Any]] = field(default_factory=list)
    rejects: list[Reject] = field(default_factory=list)
    authors: list[Author] = field(default_factory=list)
    skipped: dict[str, int] = field(default_factory=dict)
    """Records left out on purpose, counted by why (a forum's "closed this topic" notice):
    not errors, so not quarantined, but counted so the fetch summary and the load report
    say what was read and not kept."""
    accepted: list[Accepted] = field(default_factory=list)
    """Answers the page marks accepted, among its `mentions`."""


@dataclass
class FetchResult:
    pages: list[Page]
    cursor: dict[str, Any]
    summary: dict[str, Any] = field(default_factory=dict)


MALFORMED = (KeyError, IndexError, TypeError, AttributeError, ValueError, OverflowError)
"""What a mapping raises when a platform answers in a shape it was not written for."""


def rejecting_malformed(parse: Callable[[Stream, Page], Parsed]) -> Callable[[Stream, Page], Parsed]:
    """Wrap a connector's `parse`: a page of an unexpected shape is rejected whole with the
    error instead of raising. Mappings reject what they foresee item by item; this catches
    what they did not, so one odd page never stops a fetch or, worse, every later load (the
    process step re-parses landed pages). The page waits in quarantine for a mapping fix and
    a reload."""

    @functools.wraps(parse)
    def guarded(stream: Stream, page: Page) -> Parsed:
        try:
            return parse(stream, page)
        except MALFORMED as exc:
            return Parsed(rejects=[Reject(
                f"page has a shape carewire cannot map ({type(exc).__name__}: {exc}); it is "
                "kept here: report it, and reload once the mapping is fixed",
                page.body, page.url)])

    return guarded


class Connector(Protocol):
    """What the pipeline needs from a platform. See connectors/feeds for the reference one."""

    source: ClassVar[str]

    def __init__(self, section, fetching: Fetching,
                 credentials: Mapping[str, Credentials] | None = None):
        """`section` is this source's own part of `sources` in carewire.yaml (its feeds,
        its queries); `fetching` what every connector shares (HTTP policy, lag, keywords,
        landing root for source-wide state); `credentials` maps conn_id to what the DAG
        read. Never the whole settings: `carewire.connectors.connector_for` builds one."""

    @staticmethod
    def streams(section) -> list[Stream]:
        """The streams this source's section asks the connector to watch."""

    def fetch(self, stream: Stream, cursor: Mapping[str, Any], interval: Interval) -> FetchResult:
        """Call the platform; return pages verbatim and the cursor to save after landing."""

    @staticmethod
    def parse(stream: Stream, page: Page) -> Parsed:
        """Pure: one landed page to mentions, raw items and rejects."""


def json_int(value: Any) -> int | None:
    """An integer from a JSON payload, or None: never a bool, a float or a numeric string."""
    return value if isinstance(value, int) and not isinstance(value, bool) else None
