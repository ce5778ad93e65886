"""From one landed feed response to mentions: pure, so fetch and load share it.

feedparser does the parsing (RSS 0.9x/1.0/2.0, Atom 0.3/1.0, encodings, HTML sanitising);
this module decides what is usable (`parse_document`, `parse`):

* The response headers reach feedparser lower-cased, the only spelling it reads: the HTTP
  charset decides the decoding (RFC 3023), as it does in a browser. `Content-Location`
  and `Content-Language` are applied here, not by feedparser (see below).
* A document that is not a feed (an HTML error, login or bot-challenge page) or is not
  well-formed XML is rejected whole: a truncated feed may hold a truncated entry, and we
  cannot tell which. One repair is made first: HTML's named entities (`&nbsp;`,
  `&eacute;`), which XML does not define and many feeds use, are written as the numeric
  references they stand for, and the document is parsed strictly again. Whatever else is
  wrong with it (a feed cut off mid-document: "no element found") still rejects it whole.
* Titles and texts are stripped of markup only where the feed says they are HTML or
  XHTML; `text/plain` ("History of the <blink> tag") is kept as written.
* The language is the entry's own (`xml:lang`, inherited from its feed), else the feed's
  (`<language>`, the root's `xml:lang`), else the response's `Content-Language`.
* Links (the mention's url, an author's page) are resolved against the document's URL:
  its `Content-Location`, else the address it was fetched from. feedparser is not given
  that base, because it would resolve ids too, and an id is a key (below).

An entry is keyed within its feed: `source_id` is `<feed name>:<guid>` (`entry_key`). A
guid is unique only within the feed that publishes it (`1`, `post-42`, a permalink that a
second feed carries too), so a key of the guid alone let one feed's entry overwrite
another's in the warehouse. The feed name is the configured one (the stream), the same on
every run; it matches `^[a-z0-9][a-z0-9_-]*$`, so it holds no colon and the first colon of
a key always ends it (`entry_guid`). The guid is kept whole and readable, as published (a
relative one is not resolved: its key stays what it was before links were resolved). An
entry with neither guid nor link is keyed by `entry_hash`: `sha256:` and 32 hex digits of
the SHA-256 of its feed name, title, date and text as the feed gives them, stable across
fetches; it has no url.
"""

from __future__ import annotations

import calendar
import hashlib
import json
import re
import time
from datetime import date, datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from html.entities import html5
from html.parser import HTMLParser
from typing import Any, Mapping
from urllib.parse import parse_qs, urljoin, urlsplit

import feedparser

from carewire.core.types import dumps
from carewire.connectors.base import (Author, Mention, Page, Parsed, Reject, Stream,
    rejecting_malformed)

SOURCE = "feeds"


def entry_key(feed: str, guid: str) -> str:
    """The `source_id` of the entry `guid` (its <id>/<guid>, else its <link>, else its
    `entry_hash`) of `feed`."""
    return f"{feed}:{guid}"


def entry_guid(source_id: str) -> str:
    """The entry's own guid (or link) in a feed `source_id`, as the feed publishes it."""
    return source_id.split(":", 1)[1]


def entry_hash(feed: str, entry: Mapping[str, Any]) -> str:
    """The id of an entry that has neither guid nor link: `sha256:` and the first 32 hex
    digits of the SHA-256 of the JSON array [feed name, title, date, text], each as
    feedparser gives it (the title and the first content, else the summary, as sanitised;
    the date as written, published else updated; "" for what is missing). The same entry
    fetched again gets the same id; an edit of its title or text makes it a new entry."""
    content = entry.get("content") or [{}]
    text = content[0].get("value") or entry.get("summary") or ""
    when = entry.get("published") or entry.get("updated") or ""
    material = json.dumps([feed, entry.get("title") or "", when, text], ensure_ascii=False)
    return "sha256:" + hashlib.sha256(material.encode("utf-8")).hexdigest()[:32]


def entry_id(feed: str, entry: Mapping[str, Any]) -> str:
    """What keys `entry` within `feed`: its guid, else its link, else `entry_hash`."""
    return entry.get("id") or entry.get("link") or entry_hash(feed, entry)


# bozo reasons that do not make the entries untrustworthy
_HARMLESS = (feedparser.CharacterEncodingOverride, feedparser.NonXMLContentType)
_HTML_TYPES = ("text/html", "application/xhtml+xml")
_XML_ENTITIES = {"amp", "lt", "gt", "quot", "apos"}
# the references to repair, skipping CDATA sections and comments, where `&` is literal
_ENTITY_OR_LITERAL = re.compile(rb"<!\[CDATA\[.*?\]\]>|<!--.*?-->|&([A-Za-z][A-Za-z0-9]{1,31});",
                                re.S)


def headers_of(page: Page) -> dict[str, str]:
    """The page's response headers by lower-case name (HTTP names are case-insensitive;
    the landing keeps the server's spelling)."""
    return {str(name).lower(): ", ".join(value) if isinstance(value, list) else str(value)
            for name, value in page.headers.items()}


def document_url(page: Page) -> str:
    """Where the document says it lives: its Content-Location, resolved against the
    address it was fetched from, else that address."""
    location = headers_of(page).get("content-location", "").strip()
    return urljoin(page.url, location) if location else page.url


def _undefined_entity(exc: BaseException | None) -> bool:
    return "undefined entity" in str(exc or "")


def _numeric_entities(body: bytes) -> bytes:
    """`body` with HTML's named entities written as numeric references (`&nbsp;` ->
    `&#160;`), outside CDATA and comments; XML's own five and unknown names are left."""

    def numeric(match: re.Match) -> bytes:
        name = match.group(1)
        if name is None or name.decode("ascii") in _XML_ENTITIES:
            return match.group(0)
        chars = html5.get(name.decode("ascii") + ";")
        if chars is None:
            return match.group(0)
        return "".join(f"&#{ord(c)};" for c in chars).encode("ascii")

    return _ENTITY_OR_LITERAL.sub(numeric, body)


def parse_document(page: Page):
    """feedparser's reading of the page, as `parse` (and the redaction) uses it: headers
    lower-cased, without Content-Location and Content-Language (applied by the mapping),
    and a document that fails only on HTML's named entities parsed again with them
    written as numeric references."""
    headers = {name: value for name, value in headers_of(page).items()
               if name not in ("content-location", "content-language")}
    parsed = feedparser.parse(page.body, response_headers=headers)
    if parsed.get("bozo") and _undefined_entity(parsed.get("bozo_exception")):
        repaired = _numeric_entities(page.body)
        if repaired != page.body:
            return feedparser.parse(repaired, response_headers=headers)
    return parsed


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


def plain_text(text: str) -> str:
    """Plain text with its runs of blanks and its empty lines dropped, as `html_to_text`
    leaves HTML's text."""
    lines = (re.sub(r"[ \t\r\f\v]+", " ", line).strip() for line in text.split("\n"))
    return "\n".join(line for line in lines if line)


def _readable(detail: Mapping[str, Any] | None, value: str | None) -> str:
    """The text of a title, summary or content: HTML and XHTML stripped of markup, any
    other type (`text/plain`) kept as written. No type at all: HTML, to be safe."""
    if not value:
        return ""
    kind = str((detail or {}).get("type") or "text/html").lower()
    return html_to_text(value) if kind in _HTML_TYPES else plain_text(value)


def _timestamp(struct) -> datetime | None:
    return datetime.fromtimestamp(calendar.timegm(struct), tz=timezone.utc) if struct else None


def _http_date(value: str | None) -> datetime | None:
    """An HTTP `Date` header as UTC, or None when missing or unreadable."""
    if not value:
        return None
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if moment.tzinfo is None:  # "-0000": UTC, said without vouching for the zone
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)


def _html_title(body: bytes) -> str:
    match = re.search(rb"<title[^>]*>(.*?)</title>", body, re.I | re.S)
    return html_to_text(match.group(1).decode("utf-8", "replace"))[:120] if match else "untitled"


def _document_problem(parsed, page: Page) -> str | None:
    """Why this response cannot be trusted as a feed, or None when it can."""
    content_type = headers_of(page).get("content-type", "")
    if not parsed.get("version"):
        if "html" in content_type.lower() or page.looks_like_html:
            return (f"HTML page instead of a feed (an error, login or bot-challenge page?), "
                    f"titled {_html_title(page.body)!r}; check the feed URL in a browser")
        return f"not an RSS or Atom document (Content-Type {content_type or 'missing'})"
    if parsed.get("bozo") and not isinstance(parsed.get("bozo_exception"), _HARMLESS):
        return (f"malformed feed ({type(parsed.bozo_exception).__name__}: "
                f"{parsed.bozo_exception}); no entry of it is loaded until the feed is fixed")
    return None


def _author(entry, feed_host: str, base: str = "") -> Author | None:
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
                  display_name=name, profile_url=_web_url(detail.get("href"), base))


def _text(entry) -> str:
    if entry.get("content"):
        return _readable(entry.content[0], entry.content[0].get("value"))
    return _readable(entry.get("summary_detail"), entry.get("summary"))


def _language(entry, parsed, headers: Mapping[str, str]) -> str | None:
    """The entry's own language (feedparser puts an `xml:lang`, the entry's or inherited,
    on its title, summary and content), else the feed's, else the response's first
    Content-Language."""
    details = [*(entry.get("content") or [])[:1], entry.get("summary_detail"),
               entry.get("title_detail")]
    for detail in details:
        if detail and detail.get("language"):
            return detail["language"]
    http = headers.get("content-language", "").split(",")[0].strip()
    return parsed.feed.get("language") or http or None


def _web_url(link: str | None, base: str) -> str | None:
    """`link` resolved against the document's URL; None unless it is http(s) then."""
    if not link:
        return None
    resolved = urljoin(base, link.strip())
    return resolved if urlsplit(resolved).scheme in ("http", "https") else None


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


def jsonable(value: Any) -> Any:
    """A feedparser entry as plain JSON values, for raw__items and the quarantine: what the
    JSON encoder does not know is written as the nearest plain value (a podcast chapter's
    `timedelta` as seconds, bytes as text, a date as ISO 8601). `time.struct_time` stays
    the 9-number list it always was, so stored payloads do not change."""
    if isinstance(value, Mapping):
        return {str(key): jsonable(item) for key, item in value.items()}
    if isinstance(value, time.struct_time):
        return list(value)
    if isinstance(value, (list, tuple, set, frozenset)):
        return [jsonable(item) for item in value]
    if isinstance(value, timedelta):
        return value.total_seconds()
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, (bytes, bytearray)):
        return bytes(value).decode("utf-8", "replace")
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


@rejecting_malformed
def parse(stream: Stream, page: Page) -> Parsed:
    result = Parsed()
    if page.status != 200:
        return result  # 304 Not Modified: nothing new; errors never reach the landing zone
    parsed = parse_document(page)
    problem = _document_problem(parsed, page)
    if problem:
        result.rejects.append(Reject(problem, page.body, page.url))
        return result
    headers = headers_of(page)
    base = document_url(page)
    feed_host = urlsplit(page.url).hostname or stream.name
    fallback_time = _http_date(headers.get("date"))
    for position, entry in enumerate(parsed.entries):
        item = jsonable(entry)
        ref = f"{page.url}#entry-{position}"
        raw = dumps(item).encode("utf-8")
        title = _readable(entry.get("title_detail"), entry.get("title")) or None
        text = _text(entry)
        if not (entry.get("id") or entry.get("link") or title or text):
            result.rejects.append(Reject(
                "entry has no <id>/<guid>, <link>, title or text: nothing to key or read; "
                "ask the site to fix its feed", raw, ref))
            continue
        created = (_timestamp(entry.get("published_parsed")) or
                   _timestamp(entry.get("updated_parsed")) or fallback_time)
        if created is None:
            result.rejects.append(Reject("entry has no date and the response no Date header",
                                         raw, ref))
            continue
        result.mentions.append(Mention(
            source=SOURCE, source_id=entry_key(stream.name, entry_id(stream.name, entry)),
            stream=stream.name, url=_article_url(_web_url(entry.get("link"), base)),
            title=title, text=text or title or "", created_at=created,
            author=_author(entry, feed_host, base),
            language=_language(entry, parsed, headers),
            categories=[t.term for t in entry.get("tags", []) if t.get("term")],
            reply_count=_int(entry.get("slash_comments")),
        ))
        result.items.append(item)
    return result
