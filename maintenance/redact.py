"""Redacting the landing zone: each landed page in its own platform's wire format.

The landing zone is what the warehouse is rebuilt from, so an erasure that left it alone
would come back with the next reload. Each page loses the records of the target, in the
structure its platform uses, so that the connector's own `parse` reads what is left as a
page the platform might have sent:

    x        tweets in `data` and `includes.tweets`, the author in `includes.users`, the
             "not found" notices of erased ids in `errors`
    reddit   listing children (submissions, comments, nested replies: other people's
             replies to an erased comment move up a level and stay); a profile page
             (`/user/<name>/about`) of the author is dropped whole
    forums   posts in `post_stream.posts` and their ids in `post_stream.stream`; the
             author in topic lists' `users`; search hits
    feeds    the `<item>` (RSS) or `<entry>` (Atom) element, cut out of the XML text

Then the page's URL, headers and body pass through the target's scrub (handles and ids in
other people's records, quotes of erased texts). A page is rewritten only when something
changed; the batch file is replaced atomically, and only if no ingest replaced it while it
was being redacted (otherwise the request stays queued and the next run redacts the new
file). Other files under the source's folder (cursor manifests, the Reddit author cache
an earlier release kept there) are JSON and are scrubbed the same way, and so are the
source's documents in the ingest state store (`redact_state`: the author cache now).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any, Callable
from urllib.parse import urlsplit

from carewire.core.types import dumps
from carewire.connectors import state
from carewire.connectors.base import Page
from carewire.connectors.feeds.mapping import _author as feed_author  # how the mapping reads one
from carewire.connectors.feeds.mapping import entry_id, entry_key
from carewire.connectors.feeds.mapping import parse_document as parse_feed
from carewire.connectors.landing import CURSOR_FILE, CURSOR_OBJECTS, Batch, LandingZone, Location
from carewire.maintenance.target import Target


@dataclass
class LandingResult:
    batches: list[Batch] = field(default_factory=list)   # rewritten: reload them
    records: int = 0                                     # records removed from pages
    pages: int = 0                                       # pages dropped whole
    state_files: int = 0                                 # cursor manifests, caches
    raced: list[str] = field(default_factory=list)       # replaced by an ingest meanwhile


# -- per platform: remove the target's records from a parsed JSON page -------------------

def _x(doc: Any, page: Page, target: Target) -> tuple[Any, int]:
    if not isinstance(doc, dict):
        return doc, 0
    removed = 0

    def gone(tweet: Any) -> bool:
        return isinstance(tweet, dict) and (tweet.get("id") in target.source_ids
                                            or tweet.get("author_id") in target.author_ids)

    if isinstance(doc.get("data"), list):
        kept = [t for t in doc["data"] if not gone(t)]
        removed += len(doc["data"]) - len(kept)
        doc["data"] = kept
    includes = doc.get("includes")
    if isinstance(includes, dict):
        if isinstance(includes.get("tweets"), list):
            includes["tweets"] = [t for t in includes["tweets"] if not gone(t)]
        if isinstance(includes.get("users"), list):
            includes["users"] = [u for u in includes["users"] if not (
                isinstance(u, dict) and (u.get("id") in target.author_ids or
                                         str(u.get("username", "")).lower() in target.handles))]
    if isinstance(doc.get("errors"), list):
        kept = [e for e in doc["errors"] if not (isinstance(e, dict) and (
            str(e.get("value") or e.get("resource_id") or "") in target.source_ids))]
        removed += len(doc["errors"]) - len(kept)
        doc["errors"] = kept
    return doc, removed


def _reddit(doc: Any, page: Page, target: Target) -> tuple[Any, int]:
    if isinstance(doc, dict) and doc.get("kind") == "t2":
        about = doc.get("data") or {}
        if str(about.get("name", "")).lower() in target.handles or (
                f"t2_{about.get('id')}" in target.author_ids):
            return None, 1
        return doc, 0
    removed = 0

    def gone(child: Any) -> bool:
        if not isinstance(child, dict) or not isinstance(child.get("data"), dict):
            return False
        data = child["data"]
        fullname = data.get("name") or f"{child.get('kind')}_{data.get('id')}"
        return (fullname in target.source_ids
                or str(data.get("author", "")).lower() in target.handles
                or data.get("author_fullname") in target.author_ids)

    def listing(node: Any) -> None:
        nonlocal removed
        if not isinstance(node, dict) or node.get("kind") != "Listing":
            return
        kids = (node.get("data") or {}).get("children")
        if not isinstance(kids, list):
            return
        kept = []
        for child in kids:
            if isinstance(child, dict) and isinstance(child.get("data"), dict):
                listing(child["data"].get("replies"))
            if not gone(child):
                kept.append(child)
                continue
            removed += 1
            # Other people's replies to an erased comment stay: they move up a level.
            replies = child["data"].get("replies")
            if isinstance(replies, dict):
                kept.extend((replies.get("data") or {}).get("children") or [])
        node["data"]["children"] = kept

    for node in doc if isinstance(doc, list) else [doc]:
        listing(node)
    return doc, removed


def _forums(doc: Any, page: Page, target: Target) -> tuple[Any, int]:
    if not isinstance(doc, dict):
        return doc, 0
    host = urlsplit(page.url).hostname or ""
    post_ids = {sid.rsplit(":", 1)[1] for sid in target.source_ids
                if sid.startswith(f"{host}:post:")}
    removed = 0

    def gone(post: Any) -> bool:
        if not isinstance(post, dict):
            return False
        user_key = post.get("user_id") if post.get("user_id") is not None else post.get(
            "username")
        return (str(post.get("id")) in post_ids
                or str(post.get("username", "")).lower() in target.handles
                or f"{host}:{user_key}" in target.author_ids)

    stream = doc.get("post_stream")
    if isinstance(stream, dict) and isinstance(stream.get("posts"), list):
        erased = {str(p.get("id")) for p in stream["posts"] if gone(p)}
        post_ids |= erased
        stream["posts"] = [p for p in stream["posts"] if not gone(p)]
        removed += len(erased)
        if isinstance(stream.get("stream"), list):
            stream["stream"] = [i for i in stream["stream"]
                                if str(i) not in erased | post_ids]
    if isinstance(doc.get("posts"), list):  # search results
        post_ids |= {str(p.get("id")) for p in doc["posts"] if gone(p)}
        doc["posts"] = [p for p in doc["posts"] if not gone(p)]
    # The author's user id on this forum as Discourse writes it (a bare number, where the
    # warehouse keys `host:2362`), wherever a page names the user: topic `details`
    # (created_by, last_poster, participants), topic lists' `users` and `posters`, a
    # topic's or search hit's `user_id`, search's `user_ids`, a post's `reply_to_user`;
    # and the erased posts' ids in search's `post_ids`.
    user_ids = {aid.split(":", 1)[1] for aid in target.author_ids
                if aid.startswith(f"{host}:")}
    return _forum_users(doc, user_ids, post_ids, target), removed


def _forum_users(node: Any, user_ids: set[str], post_ids: set[str], target: Target) -> Any:
    """`node` without the target's user objects (dropped from lists, null elsewhere), with
    their user id nulled where a topic or post names its user, and without erased post ids
    in id lists."""

    def is_user(value: Any) -> bool:
        if not isinstance(value, dict):
            return False
        if str(value.get("username", "")).lower() in target.handles:
            return True
        if "user_id" in value:  # a poster entry; a topic or post keeps itself
            return str(value["user_id"]) in user_ids and not (
                {"title", "fancy_title", "cooked", "raw", "posters"} & value.keys())
        return "username" in value and str(value.get("id")) in user_ids

    if isinstance(node, list):
        return [_forum_users(v, user_ids, post_ids, target) for v in node if not is_user(v)]
    if not isinstance(node, dict):
        return node
    kept = {}
    for key, value in node.items():
        if key == "user_id" and str(value) in user_ids:
            value = None
        elif key == "user_ids" and isinstance(value, list):
            value = [v for v in value if str(v) not in user_ids]
        elif key == "post_ids" and isinstance(value, list):
            value = [v for v in value if str(v) not in post_ids]
        elif is_user(value):
            value = None
        else:
            value = _forum_users(value, user_ids, post_ids, target)
        kept[key] = value
    return kept


JSON_REDACTORS: dict[str, Callable[[Any, Page, Target], tuple[Any, int]]] = {
    "x": _x, "reddit": _reddit, "forums": _forums}

_ENTRY = re.compile(rb"<(item|entry)\b[^>]*>.*?</\1\s*>", re.S | re.I)


def _feed(page: Page, stream: str, target: Target) -> tuple[bytes, int]:
    """Cut the target's entries out of an RSS/Atom document of feed `stream`, keeping every
    other byte.

    feedparser decides what each entry is (its key within the feed and its author, as the
    mapping reads them: another feed's entry with the same guid is someone else's);
    the elements are matched to its entries in document order. When the two counts differ
    (a document feedparser repairs) no element is cut by position: the scrub that follows
    still blanks every trace in the text."""
    entries = parse_feed(page).entries
    elements = list(_ENTRY.finditer(page.body))
    if len(entries) != len(elements):
        return page.body, 0
    host = urlsplit(page.url).hostname or ""
    body, removed, end = [], 0, 0
    for entry, element in zip(entries, elements):
        author = feed_author(entry, host)
        if entry_key(stream, entry_id(stream, entry)) in target.source_ids or (author and (
                author.author_id in target.author_ids
                or str(author.handle).lower().lstrip("@") in target.handles)):
            body.append(page.body[end:element.start()])
            end = element.end()
            removed += 1
    body.append(page.body[end:])
    return b"".join(body), removed


def redact_page(source: str, stream: str, page: Page, target: Target
                ) -> tuple[Page | None, int]:
    """The page, landed for `stream`, without the target (None: drop it whole), and how
    many records went."""
    removed = 0
    body = page.body
    if source == "feeds":
        body, removed = _feed(page, stream, target)
        body = scrub_bytes(body, target)
    else:
        try:
            doc = json.loads(body)
        except (UnicodeDecodeError, ValueError):
            doc = None
        if doc is None:  # not JSON (an error page, a cut-off body): text scrub only
            body = scrub_bytes(body, target)
        else:
            doc, removed = JSON_REDACTORS[source](doc, page, target)
            if doc is None:
                return None, removed
            scrubbed = target.scrub_json(doc)
            if removed or scrubbed != json.loads(body):
                body = json.dumps(scrubbed, ensure_ascii=False).encode("utf-8")
    return Page(target.scrub_text(page.url), page.status, target.scrub_json(page.headers),
                body), removed


def scrub_bytes(body: bytes, target: Target) -> bytes:
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return body
    scrubbed = _scrub_markup(text, target)
    return body if scrubbed == text else scrubbed.encode("utf-8")


_TAG = re.compile(r"(<[^>]*>)")


def _scrub_markup(text: str, target: Target) -> str:
    """Scrub an XML or HTML document line by line and, within a line, the text between
    tags apart from the tags themselves, so the document stays well-formed: a quote of an
    erased text becomes the marker, a handle or id in an attribute (a link) too."""
    lines = []
    for line in text.split("\n"):
        if target.holds(line):
            line = "".join(target.scrub_text(part) if not part.startswith("<")
                           else target.scrub_tokens(part) for part in _TAG.split(line))
        lines.append(line)
    return "\n".join(lines)


def redact_landing(landing: LandingZone, target: Target) -> LandingResult:
    result = LandingResult()
    for batch in landing.batches():
        if batch.source != target.source:
            continue
        before = landing.version(batch.path)
        pages = list(batch.pages())
        redacted = []
        for page in pages:
            new, removed = redact_page(batch.source, batch.stream, page, target)
            result.records += removed
            if new is None:
                result.pages += 1
            else:
                redacted.append(new)
        if redacted == pages:
            continue
        header = json.loads(batch.path.open(encoding="utf-8").readline())
        header["pages"] = len(redacted)
        lines = [dumps(header)] + [dumps(p.to_record(seq)) for seq, p in enumerate(redacted)]
        if landing.version(batch.path) != before:
            result.raced.append(batch.batch_id)
            continue
        landing.write_text(batch.path, "\n".join(lines) + "\n")
        result.batches.append(batch)
    for path in sorted((landing.root / target.source).rglob("*.json")):
        if _scrub_state_file(landing, path, target):
            result.state_files += 1
    return result


def _scrub_state_file(landing: LandingZone, path: Location, target: Target) -> bool:
    """A JSON state file (a cursor manifest or entry, the author cache an earlier release
    kept here) without the target's traces, under the lock its writers take."""
    text = path.read_text(encoding="utf-8")
    if not target.holds(text) and not any(t.lower() in text.lower() for t in target.tokens):
        return False
    with landing.locked(path):
        data = json.loads(path.read_text(encoding="utf-8"))
        scrubbed = target.scrub_json(data)
        if scrubbed == data:
            return False
        landing.write_text(path, dumps(scrubbed) if path.name == CURSOR_FILE
                           or path.parent.name == CURSOR_OBJECTS
                           else json.dumps(scrubbed, indent=1, sort_keys=True))
    return True


def redact_state(url: str, target: Target) -> int:
    """Scrub the target's source's documents in the ingest state store (connectors/state.py:
    keys `<source>/...`), each in its own locked transaction, then compact the store; the
    number of documents changed."""
    changed = 0
    for key in state.keys(url, f"{target.source}/"):
        with state.updating(url, key) as document:
            scrubbed = target.scrub_json(document)
            if scrubbed != document:
                document.clear()
                document.update(scrubbed)
                changed += 1
    if changed:
        state.compact(url)
    return changed
