"""From one landed Discourse response to mentions: pure, so fetch and load share it.

The connector lands four kinds of Discourse JSON, and the page's URL path says which:

    /latest.json             the topic list, newest activity first    -> no mentions
    /search.json             keyword search results (blurbs only)     -> no mentions
    /t/{id}.json             a topic with its first chunk of posts    -> one mention a post
    /t/{id}/posts.json       more posts of a long topic (post_ids[])  -> one mention a post

Listings and search results are landed for completeness and the cursor; only topic and
post pages hold whole posts, so only they yield mentions. Each post is a mention with its
thread: `thread_id` is the topic, `parent_id` the post it replies to (or the topic's first
post). A body that is not JSON, or JSON without the expected shape, is rejected whole; a
post without an id or a creation time is rejected alone and the rest of the page is kept.

What the page does not hold, a mention does not get (load reparses pages one by one):
a `posts.json` page carries no topic title, category or tags, and a reply whose parent is
not on the same page gets no `parent_id`. The category is named when the topic JSON lists
its `categories` (Discourse with lazy-loaded categories), else given as `category:<id>`.

A topic's accepted answer (the Solved plugin marks the post `accepted_answer`, and names its
number in the topic's own `accepted_answer`) is listed in `Parsed.accepted`: the load
records it as an `accepted_answer` event, so the community views know it for every topic
read, not only for the topics carewire delivered.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from carewire.core.types import dumps
from carewire.connectors.base import (Accepted, Author, Mention, Page, Parsed, Reject, Stream,
    json_int, rejecting_malformed)

SOURCE = "forums"

_TOPIC = re.compile(r"^(?P<prefix>.*)/t/(?:[^/]+/)?(?P<topic>\d+)\.json$")
_POSTS = re.compile(r"^(?P<prefix>.*)/t/(?P<topic>\d+)/posts\.json$")
_LISTING = re.compile(r"^(?P<prefix>.*)/(?:latest|search)\.json$")

LIKE_ACTION = 2  # Discourse's PostActionType id for "like"
REGULAR = 1
POST_TYPES = {1: "regular", 2: "moderator_action", 3: "small_action", 4: "whisper"}
"""Discourse's `Post.types`. Only regular posts are something a member said: a
moderator_action is the forum's own notice ("This topic is now pinned..."), a small_action
a status line ("closed this topic", rendered from its `action_code`), a whisper a staff-only
note (never shown to the public reader)."""
DELETED_BY_AUTHOR = ("(post deleted by author)", "(post withdrawn by author")


@dataclass
class Cooked:
    """A post's `cooked` HTML read apart: its own words, the words it quotes, its images."""

    text: str
    quotes: list[str] = field(default_factory=list)
    images: int = 0


def _lines(parts: list[str]) -> str:
    lines = (re.sub(r"[ \t\r\f\v]+", " ", line).strip() for line in "".join(parts).split("\n"))
    return "\n".join(line for line in lines if line)


class _CookedReader(HTMLParser):
    """Discourse's cooked HTML to text, keeping what the post says apart from what it shows.

    * `<aside class="quote">`: a quote of another post. Its `<blockquote>` goes to the
      quotes, its title line ("ana:") nowhere; a quote inside a quote stays in the outer one.
    * `<aside class="onebox">`: a preview of a linked page, in that page's words: only
      the link (`data-onebox-src`) stays in the text.
    * `<img class="emoji" alt=":confused:">`: the emoji's name stays in the text.
    * other `<img>`: counted; the lightbox caption under an upload (`<div class="meta">`:
      file name, size) is dropped.
    """

    _BLOCKS = {"p", "br", "div", "li", "blockquote", "h1", "h2", "h3", "h4", "h5", "h6",
               "tr", "pre", "aside", "ul", "ol", "details", "summary", "hr", "table"}
    _VOID = {"br", "img", "hr", "input", "meta", "link", "source", "wbr", "area", "col",
             "embed", "track", "param", "base"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.text: list[str] = []
        self.quotes: list[list[str]] = []
        self.images = 0
        self._open: list[tuple[str, str]] = []  # (tag, role) of each open element
        self._quote_depth = 0       # open quote asides
        self._in_blockquote = 0     # open blockquotes inside the outermost quote
        self._dropped = 0           # open elements whose content is not text

    def _out(self) -> list[str] | None:
        if self._dropped:
            return None
        if self._quote_depth:
            return self.quotes[-1] if self._in_blockquote else None
        return self.text

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        classes = set((attributes.get("class") or "").split())
        if tag == "img":
            self._image(classes, attributes)
            return
        if tag in self._VOID:
            if tag in self._BLOCKS and (out := self._out()) is not None:
                out.append("\n")
            return
        role = "plain"
        if tag in ("script", "style", "svg", "template"):
            role = "drop"
        elif tag == "aside" and "quote" in classes:
            role = "quote"
            if not self._quote_depth:
                self.quotes.append([])
        elif tag == "aside" and "onebox" in classes:
            role = "drop"
            src = attributes.get("data-onebox-src")
            if src and (out := self._out()) is not None:
                out.append(f"\n{src}\n")
        elif tag == "div" and ({"meta", "title"} & classes) and (self._quote_depth or "meta" in classes):
            role = "drop"  # a quote's "ana:" line, an upload's file name and size
        elif tag == "blockquote" and self._quote_depth:
            role = "blockquote"
        self._open.append((tag, role))
        if role == "drop":
            self._dropped += 1
        elif role == "quote":
            self._quote_depth += 1
        elif role == "blockquote":
            self._in_blockquote += 1
        if tag in self._BLOCKS and (out := self._out()) is not None:
            out.append("\n")

    def handle_endtag(self, tag):
        if tag in self._VOID or tag not in (open_tag for open_tag, _ in self._open):
            return  # a stray end tag
        if tag in self._BLOCKS and (out := self._out()) is not None:
            out.append("\n")
        while self._open:  # closing `tag` closes what was left open inside it
            open_tag, role = self._open.pop()
            if role == "drop":
                self._dropped -= 1
            elif role == "quote":
                self._quote_depth -= 1
            elif role == "blockquote":
                self._in_blockquote -= 1
            if open_tag == tag:
                return

    def handle_data(self, data):
        if (out := self._out()) is not None:
            out.append(data)

    def _image(self, classes: set[str], attributes: dict) -> None:
        if "emoji" in classes:
            name = attributes.get("alt") or attributes.get("title")
            if name and (out := self._out()) is not None:
                out.append(name)
        elif not self._dropped and not self._quote_depth and not {"avatar", "site-icon"} & classes:
            self.images += 1


def read_cooked(cooked: str) -> Cooked:
    """A post's `cooked` HTML: its own words, the quotes it holds, how many images."""
    reader = _CookedReader()
    reader.feed(cooked)
    reader.close()
    quotes = [q for q in (_lines(parts) for parts in reader.quotes) if q]
    return Cooked(_lines(reader.text), quotes, reader.images)


def page_kind(page: Page) -> str:
    """'topic', 'posts', 'latest', 'search' or 'other', from the page's URL path."""
    path = urlsplit(page.url).path
    if _POSTS.match(path):
        return "posts"
    if _TOPIC.match(path):
        return "topic"
    if path.endswith("/latest.json"):
        return "latest"
    if path.endswith("/search.json"):
        return "search"
    return "other"


def site_base(url: str) -> str:
    """The forum's root URL (a Discourse may live in a subfolder: https://host/forum)."""
    parts = urlsplit(url)
    path = parts.path
    for pattern in (_POSTS, _TOPIC, _LISTING):
        match = pattern.match(path)
        if match:
            path = match["prefix"]
            break
    return urlunsplit((parts.scheme, parts.netloc, path.rstrip("/"), "", ""))


def timestamp(value: Any) -> datetime | None:
    """Discourse's ISO 8601 times (`2026-11-23T07:12:45.123Z`) in UTC; None when unusable."""
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    if moment.tzinfo is None:
        return moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)


def load_json(page: Page) -> tuple[Any, str | None]:
    """The page's JSON, or None and why it cannot be read."""
    try:
        return json.loads(page.body.decode("utf-8")), None
    except UnicodeDecodeError:
        return None, "body is not UTF-8 text"
    except json.JSONDecodeError as exc:
        if page.looks_like_html:
            return None, ("HTML page instead of Discourse JSON (an error, login or "
                          "bot-challenge page?); check the forum URL in a browser")
        return None, (f"not valid JSON ({exc.msg} at char {exc.pos}; truncated?); "
                      "no post of this page is loaded until a rerun fetches it whole")


def _tags(topic: dict) -> list[str]:
    tags = []
    for tag in topic.get("tags") or []:
        name = tag.get("name") if isinstance(tag, dict) else tag  # objects since Discourse 3.3
        if isinstance(name, str) and name:
            tags.append(name)
    return tags


def _categories(topic: dict) -> list[str]:
    found = []
    category_id = topic.get("category_id")
    # Discourse names the topic's category (and its parent) in `categories` when it lazy-
    # loads categories (the default on big sites since 3.2); otherwise only by id.
    names = {c.get("id"): c.get("name") for c in topic.get("categories") or []
             if isinstance(c, dict) and isinstance(c.get("name"), str)}
    if names.get(category_id):
        found.append(names[category_id])
    elif category_id is not None:
        found.append(f"category:{category_id}")
    found.extend(_tags(topic))
    if topic.get("accepted_answer"):  # the Solved plugin: somebody's answer was accepted
        found.append("solved")
    return found


def _likes(post: dict) -> int | None:
    """Likes from `actions_summary`, as Discourse's PostSerializer writes it: an action
    appears only when it has a count or the reader may take it, and a count of 0 is left
    out. So a summary without a like entry, or a like entry without a count ({"id": 2,
    "can_act": true}), means no likes yet. A top-level `like_count` (other serializers,
    plugins) is used when the summary says nothing; no summary at all: unknown."""
    summary = post.get("actions_summary")
    top = json_int(post.get("like_count"))
    if not isinstance(summary, list):
        return top
    for action in summary:
        if isinstance(action, dict) and action.get("id") == LIKE_ACTION:
            count = json_int(action.get("count"))
            return count if count is not None else (top or 0)
    return top if top is not None else 0


def _author(post: dict, host: str, base: str) -> Author | None:
    username = post.get("username")
    user_key = post.get("user_id") if post.get("user_id") is not None else username
    if user_key is None:
        return None
    staff = any(post.get(flag) is True for flag in ("staff", "admin", "moderator"))
    return Author(
        source=SOURCE, author_id=f"{host}:{user_key}", handle=username,
        display_name=post.get("name") or None,
        profile_url=f"{base}/u/{username}" if username else None,
        # Discourse's reputation is its trust level, 0 (new) to 4 (leader).
        karma=json_int(post.get("trust_level")),
        # Staff of the community: the site itself vouches for who they are.
        is_verified=staff,
    )


def _is_deleted(post: dict, text: str) -> bool:
    return bool(post.get("deleted_at") or post.get("user_deleted") is True
                or text.startswith(DELETED_BY_AUTHOR))


@rejecting_malformed
def parse(stream: Stream, page: Page) -> Parsed:
    result = Parsed()
    if page.status != 200:
        return result  # a topic that vanished (404) between listing and fetch: nothing to keep
    data, problem = load_json(page)
    if problem:
        result.rejects.append(Reject(problem, page.body, page.url))
        return result
    kind = page_kind(page)
    if kind in ("latest", "search", "other"):
        shape = {"latest": "topic_list", "search": "grouped_search_result"}.get(kind)
        if shape and not (isinstance(data, dict) and isinstance(data.get(shape), dict)):
            result.rejects.append(Reject(
                f"{kind}.json without '{shape}': not a Discourse {kind} page", page.body,
                page.url))
        return result
    posts = (data.get("post_stream") or {}).get("posts") if isinstance(data, dict) else None
    if not isinstance(posts, list):
        result.rejects.append(Reject(
            "no post_stream.posts list: not a Discourse topic page (has the forum moved or "
            "changed its API?)", page.body, page.url))
        return result

    path_match = (_POSTS if kind == "posts" else _TOPIC).match(urlsplit(page.url).path)
    topic_id = json_int(data.get("id")) or int(path_match["topic"])
    host = urlsplit(page.url).hostname or stream.name
    base = site_base(page.url)
    topic = data if kind == "topic" else {}
    title = topic.get("title") if isinstance(topic.get("title"), str) else None
    categories = _categories(topic) if topic else []
    by_number = {p.get("post_number"): p.get("id") for p in posts
                 if isinstance(p, dict) and json_int(p.get("id")) is not None}
    stream_ids = (data.get("post_stream") or {}).get("stream") or []
    first_id = by_number.get(1) or (stream_ids[0] if topic and stream_ids else None)
    accepted_number = json_int((topic.get("accepted_answer") or {}).get("post_number")
                               if isinstance(topic.get("accepted_answer"), dict) else None)
    skipped: Counter[str] = Counter()

    for position, post in enumerate(posts):
        ref = f"{page.url}#post-{position}"
        if not isinstance(post, dict):
            result.rejects.append(Reject("post is not a JSON object", dumps(post).encode(), ref))
            continue
        post_type = post.get("post_type", REGULAR)
        if post_type != REGULAR:
            # "This topic is now pinned", "closed this topic", a staff whisper: the forum's
            # doing or staff's, not something a member said (a count, not a reject)
            skipped[f"{POST_TYPES.get(post_type, f'post_type {post_type}')} posts"] += 1
            continue
        post_id = json_int(post.get("id"))
        created = timestamp(post.get("created_at"))
        raw = dumps(post).encode("utf-8")
        if post_id is None:
            result.rejects.append(Reject("post has no numeric id, so it cannot be keyed", raw, ref))
            continue
        if created is None:
            what = ("no created_at" if post.get("created_at") is None
                    else f"an unreadable created_at {post['created_at']!r}")
            result.rejects.append(Reject(f"post {post_id} has {what}, so it cannot be placed "
                                         "in time", raw, f"{page.url}#post-{post_id}"))
            continue
        number = json_int(post.get("post_number"))
        slug = post.get("topic_slug") or topic.get("slug") or "topic"
        reply_to = json_int(post.get("reply_to_post_number"))
        if number == 1:
            parent = None
        elif reply_to is not None:
            parent = by_number.get(reply_to)
        else:
            parent = first_id
        cooked = read_cooked(post["cooked"] if isinstance(post.get("cooked"), str) else "")
        deleted = _is_deleted(post, cooked.text)
        if not deleted and not cooked.text and not (number == 1 and title):
            # Nothing of its own to read (an image, a bare quote): no text to score or
            # dedupe. A topic's first post keeps its mention: its title is its words.
            skipped["image-only posts" if cooked.images else "posts without text"] += 1
            continue
        url = f"{base}/t/{slug}/{topic_id}/{number}" if number else f"{base}/p/{post_id}"
        if number and not deleted and (post.get("accepted_answer") is True
                                       or number == accepted_number):
            # the Solved plugin's mark: on the post (topic and posts.json pages alike), and
            # the topic's own `accepted_answer` on its first page
            result.accepted.append(Accepted(
                source_id=f"{host}:post:{post_id}", external_id=str(topic_id), url=url,
                post_number=number, username=post.get("username") or None, created_at=created))
        result.mentions.append(Mention(
            source=SOURCE, source_id=f"{host}:post:{post_id}", stream=stream.name,
            url=url,
            title=title, text=cooked.text, created_at=created,
            author=_author(post, host, base), language=post.get("locale") or None,
            categories=list(categories), thread_id=f"{host}:topic:{topic_id}",
            parent_id=f"{host}:post:{parent}" if parent is not None else None,
            reply_count=json_int(post.get("reply_count")), like_count=_likes(post),
            quoted_text="\n\n".join(cooked.quotes) or None,
            is_deleted=deleted,
        ))
        result.items.append(post)
    result.skipped = dict(skipped)
    return result
