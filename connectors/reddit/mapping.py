"""From one landed Reddit API response to mentions: pure, so fetch and load share it.

Reddit answers listings as `{"kind": "Listing", "data": {"children": [...]}}`; a thread
(`/comments/<id>/`) is a list of two listings whose comments nest further listings under
`replies`. Children of kind `t3` (submissions) and `t1` (comments) become mentions; `more`
stubs are links to comments not sent and are skipped. A `/user/<name>/about` response
(kind `t2`) becomes an `Author` with karma and account age, in `Parsed.authors`.

A submission's `url` is its own page for a self post, else what it links to: the mention
keeps its permalink as `url` and the target as `link_url`; `num_crossposts` is its
`crosspost_count`. Comments have neither.

A body that is not JSON (a truncated answer, an HTML error page served with 200) is
rejected whole. A child without a usable `id` or `created_utc`, or with fields of the wrong
type, is rejected on its own and the rest of the page is kept.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any, Iterator
from urllib.parse import urlsplit

from carewire.core.types import dumps
from carewire.connectors.base import (Author, Mention, Page, Parsed, Reject, Stream, json_int,
    rejecting_malformed)

SOURCE = "reddit"
SITE = "https://www.reddit.com"
DELETED_TEXTS = frozenset({"[removed]", "[deleted]"})

# field -> the JSON types it may have (None always allowed except for the keys)
_STR = (str,)
_NUM = (int, float)
_TYPES: dict[str, tuple[type, ...]] = {
    "name": _STR, "author": _STR, "author_fullname": _STR, "permalink": _STR, "title": _STR,
    "selftext": _STR, "body": _STR, "subreddit": _STR, "link_flair_text": _STR,
    "link_id": _STR, "parent_id": _STR, "score": (int,), "num_comments": (int,),
}


def _is_number(value: Any) -> bool:
    return isinstance(value, _NUM) and not isinstance(value, bool)


def _problem(kind: str, data: Any) -> str | None:
    """Why this child cannot become a mention, or None when it can."""
    if not isinstance(data, dict):
        return f"{kind} child has no data object"
    if not isinstance(data.get("id"), str) or not data["id"]:
        return f"{kind} child has no id, so it cannot be keyed"
    if not _is_number(data.get("created_utc")):
        return (f"{kind} child {data['id']} has no numeric created_utc "
                f"(found {type(data.get('created_utc')).__name__})")
    wrong = sorted(name for name, types in _TYPES.items()
                   if data.get(name) is not None and (not isinstance(data[name], types)
                                                      or isinstance(data[name], bool)))
    if wrong:
        return f"{kind} child {data['id']} has fields of the wrong type: {', '.join(wrong)}"
    return None


def _author(data: dict) -> Author | None:
    name = data.get("author")
    if not name or name == "[deleted]":
        return None
    return Author(source=SOURCE, author_id=data.get("author_fullname") or name, handle=name,
                  profile_url=f"{SITE}/user/{name}/")


def is_deleted(data: dict) -> bool:
    text = data.get("selftext") if "selftext" in data else data.get("body")
    return (data.get("author") == "[deleted]" or text in DELETED_TEXTS
            or bool(data.get("removed_by_category")))


def _same_page(one: str, other: str) -> bool:
    """The two addresses name the same page: host, and path up to a trailing slash (a
    search listing's permalinks end in `?ref=search_posts`)."""
    a, b = urlsplit(one), urlsplit(other)
    return (a.netloc.lower().removeprefix("www."), a.path.rstrip("/")) == (
        b.netloc.lower().removeprefix("www."), b.path.rstrip("/"))


def link_url(data: dict, permalink: str | None) -> str | None:
    """Where a link post points: its `url` when it is not a self post (`is_self` false)
    and is not the post's own page. A crosspost's `url` is the original's path on Reddit
    (`/r/<sub>/comments/...`), made absolute; images, videos and galleries are links to
    i.redd.it, v.redd.it and reddit.com/gallery/<id>."""
    url = data.get("url")
    if data.get("is_self") is not False or not isinstance(url, str) or not url.strip():
        return None
    url = url.strip()
    if url.startswith("/"):
        url = f"{SITE}{url}"
    if permalink and _same_page(url, permalink):
        return None
    return url


def _mention(stream: Stream, kind: str, data: dict) -> Mention:
    fullname = data.get("name") or f"{kind}_{data['id']}"
    submission = kind == "t3"
    text = data.get("selftext") if submission else data.get("body")
    permalink = data.get("permalink")
    if not permalink and data.get("subreddit"):  # older comment payloads carry no permalink
        thread = data["id"] if submission else (data.get("link_id") or "").removeprefix("t3_")
        if thread:
            permalink = (f"/r/{data['subreddit']}/comments/{thread}/"
                         + ("" if submission else f"_/{data['id']}/"))
    own_url = f"{SITE}{permalink}" if permalink else None
    return Mention(
        source=SOURCE, source_id=fullname, stream=stream.name,
        url=own_url,
        title=data.get("title") if submission else None,
        text=text or "",
        created_at=datetime.fromtimestamp(data["created_utc"], tz=timezone.utc),
        author=_author(data),
        categories=[c for c in (data.get("subreddit"), data.get("link_flair_text")) if c],
        thread_id=fullname if submission else data.get("link_id"),
        parent_id=None if submission else data.get("parent_id"),
        reply_count=data.get("num_comments") if submission else None,
        like_count=data.get("score"),
        is_deleted=is_deleted(data),
        link_url=link_url(data, own_url) if submission else None,
        crosspost_count=json_int(data.get("num_crossposts")) if submission else None,
    )


def author_from_about(data: dict) -> Author | None:
    """A `/user/<name>/about` payload to an Author (suspended accounts have no metrics)."""
    name = data.get("name")
    if not isinstance(name, str) or not name:
        return None
    ident = data.get("id")
    karma = None
    if isinstance(data.get("link_karma"), int) and isinstance(data.get("comment_karma"), int):
        karma = data["link_karma"] + data["comment_karma"]
    created = data.get("created_utc")
    return Author(
        source=SOURCE, author_id=f"t2_{ident}" if isinstance(ident, str) and ident else name,
        handle=name, profile_url=f"{SITE}/user/{name}/", karma=karma,
        is_verified=data.get("verified") if isinstance(data.get("verified"), bool) else None,
        account_created_at=(datetime.fromtimestamp(created, tz=timezone.utc)
                            if _is_number(created) else None),
    )


def children(payload: Any) -> Iterator[tuple[str, Any, str]]:
    """(kind, data, path) for every child of a listing, a thread, or nested replies."""
    listings = payload if isinstance(payload, list) else [payload]
    for number, listing in enumerate(listings):
        if not isinstance(listing, dict) or listing.get("kind") != "Listing":
            continue
        kids = (listing.get("data") or {}).get("children")
        if not isinstance(kids, list):
            continue
        for position, child in enumerate(kids):
            path = f"{number}.{position}"
            if not isinstance(child, dict):
                yield "?", child, path
                continue
            kind, data = child.get("kind"), child.get("data")
            yield kind, data, path
            replies = data.get("replies") if isinstance(data, dict) else None
            if isinstance(replies, dict):
                for sub_kind, sub_data, sub_path in children(replies):
                    yield sub_kind, sub_data, f"{path}/{sub_path}"


def _document_problem(page: Page, payload: Any) -> str | None:
    if isinstance(payload, list) and all(isinstance(p, dict) and p.get("kind") == "Listing"
                                         for p in payload):
        return None
    if isinstance(payload, dict) and payload.get("kind") in ("Listing", "t2"):
        return None
    if isinstance(payload, dict) and "error" in payload:
        return f"Reddit answered an error object instead of a listing: {dumps(payload)[:200]}"
    return "JSON that is neither a Reddit listing nor a user profile"


@rejecting_malformed
def parse(stream: Stream, page: Page) -> Parsed:
    result = Parsed()
    if page.status != 200:
        return result  # a 404 for a vanished user: nothing to load
    try:
        payload = json.loads(page.body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        what = ("an HTML page (an error or maintenance page?)"
                if page.looks_like_html else
                f"not valid JSON ({exc}), probably cut off in transit")
        result.rejects.append(Reject(f"Reddit response is {what}; nothing in it is loaded",
                                     page.body, page.url))
        return result
    problem = _document_problem(page, payload)
    if problem:
        result.rejects.append(Reject(problem, page.body, page.url))
        return result
    if isinstance(payload, dict) and payload.get("kind") == "t2":
        author = author_from_about(payload.get("data") or {})
        if author is None:
            result.rejects.append(Reject("user profile without a name", page.body, page.url))
        else:
            result.authors.append(author)
        return result
    for kind, data, path in children(payload):
        if kind == "more":
            continue  # "load more comments": ids only, no content
        ref = f"{page.url}#{path}"
        raw = dumps({"kind": kind, "data": data}).encode("utf-8")
        if kind not in ("t1", "t3"):
            result.rejects.append(Reject(f"unexpected child kind {kind!r} in a listing", raw, ref))
            continue
        problem = _problem(kind, data)
        if problem:
            result.rejects.append(Reject(problem, raw, ref))
            continue
        result.mentions.append(_mention(stream, kind, data))
        result.items.append({"kind": kind,
                             "data": {k: v for k, v in data.items() if k != "replies"}})
    return result
