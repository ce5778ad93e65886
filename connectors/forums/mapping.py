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
"""

from __future__ import annotations

import json
import re
from datetime import datetime, timezone
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from carewire.core.types import dumps
from carewire.connectors.base import (Author, Mention, Page, Parsed, Reject, Stream, json_int,
    rejecting_malformed)
from carewire.connectors.feeds.mapping import html_to_text

SOURCE = "forums"

_TOPIC = re.compile(r"^(?P<prefix>.*)/t/(?:[^/]+/)?(?P<topic>\d+)\.json$")
_POSTS = re.compile(r"^(?P<prefix>.*)/t/(?P<topic>\d+)/posts\.json$")
_LISTING = re.compile(r"^(?P<prefix>.*)/(?:latest|search)\.json$")

LIKE_ACTION = 2  # Discourse's PostActionType id for "like"
SMALL_ACTION = 3  # post_type of "closed this topic", "pinned", ...: not something someone said
DELETED_BY_AUTHOR = ("(post deleted by author)", "(post withdrawn by author")


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
    for action in post.get("actions_summary") or []:
        if isinstance(action, dict) and action.get("id") == LIKE_ACTION:
            return json_int(action.get("count"))
    return json_int(post.get("like_count"))


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


def _is_deleted(post: dict) -> bool:
    cooked = html_to_text(post.get("cooked") or "") if isinstance(post.get("cooked"), str) else ""
    return bool(post.get("deleted_at") or post.get("user_deleted") is True
                or cooked.startswith(DELETED_BY_AUTHOR))


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

    for position, post in enumerate(posts):
        ref = f"{page.url}#post-{position}"
        if not isinstance(post, dict):
            result.rejects.append(Reject("post is not a JSON object", dumps(post).encode(), ref))
            continue
        if post.get("post_type") == SMALL_ACTION:
            continue  # "closed the topic", "pinned globally": the forum's doing, not a post
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
        cooked = post.get("cooked") if isinstance(post.get("cooked"), str) else ""
        result.mentions.append(Mention(
            source=SOURCE, source_id=f"{host}:post:{post_id}", stream=stream.name,
            url=f"{base}/t/{slug}/{topic_id}/{number}" if number else f"{base}/p/{post_id}",
            title=title, text=html_to_text(cooked), created_at=created,
            author=_author(post, host, base), language=post.get("locale") or None,
            categories=list(categories), thread_id=f"{host}:topic:{topic_id}",
            parent_id=f"{host}:post:{parent}" if parent is not None else None,
            reply_count=json_int(post.get("reply_count")), like_count=_likes(post),
            is_deleted=_is_deleted(post),
        ))
        result.items.append(post)
    return result
