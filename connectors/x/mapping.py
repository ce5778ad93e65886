"""From one landed X API v2 response to mentions: pure, so fetch and load share it.

Two kinds of page land for an X stream, and both have the v2 shape
`{"data": [tweet...], "includes": {"users": [...]}, "errors": [...], "meta": {...}}`:

* a recent-search page (`GET /2/tweets/search/recent`), newest tweet first;
* a tweet lookup (`GET /2/tweets?ids=...`) of tweets an earlier run saw that the search no
  longer returns. X lists the ones that are gone in `errors` as `resource-not-found`
  ("Could not find tweet with ids: [...]"); they become `Mention(is_deleted=True)`.

A deleted tweet's page says nothing but its id, so its `created_at` comes from the id
itself: X ids are snowflakes whose top bits are milliseconds since the Twitter epoch.

A body that is not a JSON object (a truncated response, an HTML error page sent with 200)
is rejected whole. A tweet without a usable `id`, `text` or `created_at` is rejected alone
and the rest of the page is kept.
"""

from __future__ import annotations

import json
import re
from datetime import datetime, timezone
from typing import Any, Mapping

from carewire.core.types import dumps
from carewire.connectors.base import (Author, Mention, Page, Parsed, Reject, Stream, json_int,
    rejecting_malformed)

SOURCE = "x"
SITE = "https://x.com"
TWITTER_EPOCH_MS = 1288834974657
NOT_FOUND = "resource-not-found"
_ID = re.compile(r"^[0-9]{1,20}$")


def snowflake_time(tweet_id: str) -> datetime:
    """When X minted this id (tweets since Nov 2010 carry their creation time in it)."""
    millis = (int(tweet_id) >> 22) + TWITTER_EPOCH_MS
    return datetime.fromtimestamp(millis / 1000, tz=timezone.utc).replace(microsecond=0)


def parse_time(value: Any) -> datetime | None:
    """X's `2026-11-23T07:05:12.000Z`; None when it is not such a string."""
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment.astimezone(timezone.utc) if moment.tzinfo else None


def _obj(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def body_json(page: Page) -> dict[str, Any] | None:
    """The page's JSON object, or None when the body is not one."""
    try:
        document = json.loads(page.body)
    except (UnicodeDecodeError, ValueError):
        return None
    return document if isinstance(document, dict) else None


def _document_problem(page: Page) -> str:
    if page.looks_like_html:
        return ("HTML page instead of X API JSON (an error or maintenance page sent with "
                "200); nothing on it is loaded")
    return (f"body is not a JSON object ({len(page.body)} bytes; truncated?); no tweet of "
            "this page is loaded, the next run fetches it again")


def _author(user: Mapping[str, Any] | None) -> Author | None:
    if not isinstance(user, Mapping) or not isinstance(user.get("id"), str):
        return None
    metrics = _obj(user.get("public_metrics"))
    handle = user.get("username") if isinstance(user.get("username"), str) else None
    verified = user.get("verified")
    return Author(
        source=SOURCE, author_id=user["id"], handle=handle,
        display_name=user.get("name") if isinstance(user.get("name"), str) else None,
        profile_url=f"{SITE}/{handle}" if handle else None,
        followers_count=json_int(metrics.get("followers_count")),
        following_count=json_int(metrics.get("following_count")),
        post_count=json_int(metrics.get("tweet_count")),
        is_verified=verified if isinstance(verified, bool) else None,
        account_created_at=parse_time(user.get("created_at")),
    )


def _tweet_problem(tweet: Any) -> str | None:
    if not isinstance(tweet, Mapping):
        return f"tweet is a {type(tweet).__name__}, not an object"
    if not isinstance(tweet.get("id"), str) or not _ID.match(tweet["id"]):
        return "tweet has no usable 'id' (a string of digits), so it cannot be keyed"
    if not isinstance(tweet.get("text"), str):
        return "tweet has no 'text' string"
    if parse_time(tweet.get("created_at")) is None:
        return "tweet has no usable 'created_at' (ISO 8601 UTC timestamp)"
    return None


def _parent(tweet: Mapping[str, Any]) -> str | None:
    refs = tweet.get("referenced_tweets")
    for ref in refs if isinstance(refs, list) else []:
        if isinstance(ref, Mapping) and ref.get("type") == "replied_to":
            return _str(ref.get("id"))
    return None


def _hashtags(tweet: Mapping[str, Any]) -> list[str]:
    hashtags = _obj(tweet.get("entities")).get("hashtags")
    return [h["tag"] for h in (hashtags if isinstance(hashtags, list) else [])
            if isinstance(h, Mapping) and isinstance(h.get("tag"), str)]


def tweet_mention(stream: Stream, tweet: Mapping[str, Any],
                  users: Mapping[str, Mapping[str, Any]]) -> Mention:
    author = _author(users.get(_str(tweet.get("author_id"))))
    handle = author.handle if author and author.handle else "i/web"
    metrics = _obj(tweet.get("public_metrics"))
    lang = tweet.get("lang")
    return Mention(
        source=SOURCE, source_id=tweet["id"], stream=stream.name,
        url=f"{SITE}/{handle}/status/{tweet['id']}", title=None, text=tweet["text"],
        created_at=parse_time(tweet["created_at"]), author=author,
        language=lang if isinstance(lang, str) and lang != "und" else None,
        categories=_hashtags(tweet),
        thread_id=_str(tweet.get("conversation_id")),
        parent_id=_parent(tweet),
        reply_count=json_int(metrics.get("reply_count")),
        like_count=json_int(metrics.get("like_count")),
        share_count=json_int(metrics.get("retweet_count")),
    )


def deleted_tweets(document: Mapping[str, Any]) -> list[tuple[str, Mapping[str, Any]]]:
    """(id, error) of each tweet a lookup reports as gone (deleted, or its account
    suspended or deleted)."""
    found = []
    errors = document.get("errors")
    for error in errors if isinstance(errors, list) else []:
        if not isinstance(error, Mapping):
            continue
        is_tweet = error.get("resource_type") == "tweet" and error.get("parameter") == "ids"
        gone = str(error.get("type", "")).endswith(NOT_FOUND) or str(
            error.get("detail", "")).startswith("Could not find tweet with ids")
        value = str(error.get("value") or error.get("resource_id") or "")
        if is_tweet and gone and _ID.match(value):
            found.append((value, error))
    return found


@rejecting_malformed
def parse(stream: Stream, page: Page) -> Parsed:
    result = Parsed()
    if page.status != 200:
        return result  # errors never reach the landing zone
    document = body_json(page)
    if document is None:
        result.rejects.append(Reject(_document_problem(page), page.body, page.url))
        return result
    listed = _obj(document.get("includes")).get("users")
    users = {u["id"]: u for u in (listed if isinstance(listed, list) else [])
             if isinstance(u, Mapping) and isinstance(u.get("id"), str)}
    data = document.get("data") or []
    if not isinstance(data, list):
        result.rejects.append(Reject(f"'data' is a {type(data).__name__}, not a list of tweets",
                                     page.body, page.url))
        data = []
    for position, tweet in enumerate(data):
        problem = _tweet_problem(tweet)
        if problem:
            ref = tweet.get("id") if isinstance(tweet, Mapping) and tweet.get("id") else position
            result.rejects.append(Reject(problem, dumps(tweet).encode("utf-8"),
                                         f"{page.url}#tweet-{ref}"))
            continue
        result.mentions.append(tweet_mention(stream, tweet, users))
        result.items.append(dict(tweet))
    for tweet_id, error in deleted_tweets(document):
        result.mentions.append(Mention(
            source=SOURCE, source_id=tweet_id, stream=stream.name,
            url=f"{SITE}/i/web/status/{tweet_id}", title=None, text="",
            created_at=snowflake_time(tweet_id), is_deleted=True))
        result.items.append(dict(error))
    return result
