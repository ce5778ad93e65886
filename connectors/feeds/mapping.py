"""From one landed feed response to mentions: pure, so fetch and load share it.

feedparser does the parsing (RSS 0.9x/1.0/2.0, Atom 0.3/1.0, encodings, HTML sanitising);
this module decides what is usable. A document that is not a feed (an HTML error, login
or bot-challenge page) or is not well-formed XML is rejected whole: a truncated feed may
hold a truncated entry, and we cannot tell which. Entries without a key are rejected one
by one and the rest of the feed is kept.

An entry is keyed within its feed: `source_id` is `<feed name>:<guid>` (`entry_key`). A
guid is unique only within the feed that publishes it (`1`, `post-42`, a permalink that a
second feed carries too), so a key of the guid alone let one feed's entry overwrite
another's in the warehouse. The feed name is the configured one (the stream), the same on
every run; it matches `^[a-z0-9][a-z0-9_-]*$`, so it holds no colon and the first colon of
a key always ends it (`entry_guid`). The guid is kept whole and readable.
"""

from __future__ import annotations

import calendar
import re
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

import feedparser

from carewire.core.types import dumps
from carewire.connectors.base import (Author, Mention, Page, Parsed, Reject, Stream,
    rejecting_malformed)

SOURCE = "feeds"


def entry_key(feed: str, guid: str) -> str:
    """The `source_id` of the entry `guid` (its <id>/<guid>, else its <link>) of `feed`."""
    return f"{feed}:{guid}"


def entry_guid(source_id: str) -> str:
    """The entry's own guid (or link) in a feed `source_id`, as the feed publishes it."""
    return source_id.split(":", 1)[1]

# bozo reasons that do not make the entries untrustworthy
_HARMLESS = (feedparser.CharacterEncodingOverride, feedparser.NonXMLContentType)


class _TextExtractor(HTMLParser):
    """HTML to readable text: block elements become line breaks, scripts are dropped."""

    _BLOCKS = {"p", "br", "div", "li", "blockquote", "h1", "h2", "h3", "h4", "tr", "pre"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._skip += 1
        elif tag in self._BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag):
        if tag in ("script", "style") and self._skip:
            self._skip -= 1
        elif tag in self._BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def html_to_text(html: str) -> str:
    extractor = _TextExtractor()
    extractor.feed(html)
    extractor.close()
    lines = (re.sub(r"[ \t\r\f\v]+", " ", line).strip() for line in "".join(extractor.parts).split("\n"))
    return "\n".join(line for line in lines if line)


def _timestamp(struct) -> datetime | None:
    return datetime.fromtimestamp(calendar.timegm(struct), tz=timezone.utc) if struct else None


def _html_title(body: bytes) -> str:
    match = re.search(rb"<title[^>]*>(.*?)</title>", body, re.I | re.S)
    return html_to_text(match.group(1).decode("utf-8", "replace"))[:120] if match else "untitled"


def _document_problem(parsed, page: Page) -> str | None:
    """Why this response cannot be trusted as a feed, or None when it can."""
    content_type = page.headers.get("Content-Type", page.headers.get("content-type", ""))
    if not parsed.version:
        if "html" in content_type.lower() or page.looks_like_html:
            return (f"HTML page instead of a feed (an error, login or bot-challenge page?), "
                    f"titled {_html_title(page.body)!r}; check the feed URL in a browser")
        return f"not an RSS or Atom document (Content-Type {content_type or 'missing'})"
    if parsed.bozo and not isinstance(parsed.bozo_exception, _HARMLESS):
        return (f"malformed feed ({type(parsed.bozo_exception).__name__}: "
                f"{parsed.bozo_exception}); no entry of it is loaded until the feed is fixed")
    return None


def _author(entry, feed_host: str) -> Author | None:
    """The author as the feed names them.

    A single token (`@ana@mastodon.social`, `ana@example.com`) is kept whole: feedparser
    reads it as an email address and, finding no 2-4 letter ending, splits fediverse
    handles in the wrong place (`@ana@mastodon.social` -> name `@al`). Otherwise the parsed
    name drops the email of RSS's `email (Name)` form.
    """
    raw = (entry.get("author") or "").strip()
    detail = entry.get("author_detail") or {}
    name = raw if raw and not re.search(r"\s", raw) else (detail.get("name") or raw).strip()
    if not name:
        return None
    # Handles are unique per site, not across sites: key them by the feed's host.
    return Author(source=SOURCE, author_id=f"{feed_host}:{name.lower()}", handle=name,
                  display_name=name, profile_url=detail.get("href"))


def _text(entry) -> str:
    if entry.get("content"):
        return html_to_text(entry.content[0].value)
    return html_to_text(entry.get("summary", ""))


def _article_url(link: str | None) -> str | None:
    """Keyword-alert feeds (Google Alerts) link through a redirect; keep the article's URL,
    which is what an agent opens and what another feed carrying the same article links."""
    if not link:
        return link
    parts = urlsplit(link)
    if parts.hostname in ("www.google.com", "google.com") and parts.path == "/url":
        target = parse_qs(parts.query).get("url", [None])[0]
        if target and target.startswith(("http://", "https://")):
            return target
    return link


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@rejecting_malformed
def parse(stream: Stream, page: Page) -> Parsed:
    result = Parsed()
    if page.status != 200:
        return result  # 304 Not Modified: nothing new; errors never reach the landing zone
    parsed = feedparser.parse(page.body, response_headers=page.headers)
    problem = _document_problem(parsed, page)
    if problem:
        result.rejects.append(Reject(problem, page.body, page.url))
        return result
    feed_host = urlsplit(page.url).hostname or stream.name
    fallback_time = None
    if page.headers.get("Date"):
        fallback_time = parsedate_to_datetime(page.headers["Date"]).astimezone(timezone.utc)
    for position, entry in enumerate(parsed.entries):
        guid = entry.get("id") or entry.get("link")
        ref = f"{page.url}#entry-{position}"
        raw = dumps(entry).encode("utf-8")
        if not guid:
            result.rejects.append(Reject(
                "entry has neither <id>/<guid> nor <link>, so it cannot be keyed or "
                "linked; ask the site to fix its feed", raw, ref))
            continue
        created = (_timestamp(entry.get("published_parsed")) or
                   _timestamp(entry.get("updated_parsed")) or fallback_time)
        if created is None:
            result.rejects.append(Reject("entry has no date and the response no Date header",
                                         raw, ref))
            continue
        title = html_to_text(entry.get("title", "")) or None
        result.mentions.append(Mention(
            source=SOURCE, source_id=entry_key(stream.name, guid), stream=stream.name, url=_article_url(entry.get("link")),
            title=title, text=_text(entry) or title or "", created_at=created,
            author=_author(entry, feed_host),
            language=entry.get("language") or parsed.feed.get("language") or None,
            categories=[t.term for t in entry.get("tags", []) if t.get("term")],
            reply_count=_int(entry.get("slash_comments")),
        ))
        result.items.append(dict(entry))
    return result
