"""X API v2 payloads in the wire format, built from a few facts per tweet.

Ids are real snowflakes (creation time in the top bits), as X mints them.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone

TWITTER_EPOCH_MS = 1288834974657


def at(day: int, hour: int, minute: int = 0, second: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, second, tzinfo=timezone.utc)


def snowflake(moment: datetime, sequence: int = 0) -> str:
    millis = int(moment.timestamp() * 1000) - TWITTER_EPOCH_MS
    return str((millis << 22) | (1 << 17) | sequence)


def iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.000Z")


USERS = {
    "1001": {"id": "1001", "username": "ada_w", "name": "Ada Wright", "verified": False,
             "created_at": "2014-03-02T10:00:00.000Z", "description": "Leeds. Tea.",
             "public_metrics": {"followers_count": 312, "following_count": 280,
                                "tweet_count": 9120, "listed_count": 2, "like_count": 5000}},
    "1002": {"id": "1002", "username": "KestrelHelp", "name": "Kestrel Mobile Help",
             "verified": True, "created_at": "2012-05-01T09:00:00.000Z",
             "description": "We're here 8am-10pm",
             "public_metrics": {"followers_count": 48210, "following_count": 12,
                                "tweet_count": 310442, "listed_count": 300, "like_count": 10}},
    "1003": {"id": "1003", "username": "techwithtara", "name": "Tara Osei", "verified": True,
             "created_at": "2010-06-11T08:00:00.000Z", "description": "Telecoms reporter.",
             "public_metrics": {"followers_count": 251300, "following_count": 1893,
                                "tweet_count": 48211, "listed_count": 1200, "like_count": 900}},
}
"""Profiles X sends in `includes.users`. An author_id not here (suspended, withheld) is left
out of includes, as X does, and named in `errors` (see `user_gone`)."""


def tweet(moment: datetime, text: str, author: str = "1001", sequence: int = 0,
          reply_to: str | None = None, hashtags=(), **extra) -> dict:
    tweet_id = snowflake(moment, sequence)
    body = {"id": tweet_id, "text": text, "author_id": author, "created_at": iso(moment),
            "lang": "en", "conversation_id": reply_to or tweet_id,
            "edit_history_tweet_ids": [tweet_id],
            "public_metrics": {"retweet_count": 1, "reply_count": 2, "like_count": 3,
                               "quote_count": 0, "bookmark_count": 0, "impression_count": 99}}
    if reply_to:
        body["referenced_tweets"] = [{"type": "replied_to", "id": reply_to}]
        body["in_reply_to_user_id"] = "1001"
    if hashtags:
        body["entities"] = {"hashtags": [{"start": 0, "end": len(h) + 1, "tag": h}
                                         for h in hashtags]}
    body.update(extra)
    return body


def retweet(moment: datetime, original: dict, author: str = "1001", sequence: int = 0) -> dict:
    """A retweet as search returns it: X's `RT @handle: ` text cut to 140 characters, its
    own id and conversation, the original's retweet count, nothing else of its own."""
    handle = USERS[original["author_id"]]["username"]
    text = f"RT @{handle}: {original['text']}"
    tweet_id = snowflake(moment, sequence)
    return {"id": tweet_id, "text": text if len(text) <= 140 else text[:139] + "\u2026",
            "author_id": author, "created_at": iso(moment), "lang": original["lang"],
            "conversation_id": tweet_id, "edit_history_tweet_ids": [tweet_id],
            "referenced_tweets": [{"type": "retweeted", "id": original["id"]}],
            "entities": {"mentions": [{"start": 3, "end": 4 + len(handle), "username": handle,
                                       "id": original["author_id"]}]},
            "public_metrics": {"retweet_count": original["public_metrics"]["retweet_count"],
                               "reply_count": 0, "like_count": 0, "quote_count": 0,
                               "bookmark_count": 0, "impression_count": 0}}


def edited(first: dict, moment: datetime, text: str, sequence: int = 0) -> tuple[dict, dict]:
    """An edit of `first` made at `moment`: (the earlier version as X now returns it, with
    the whole chain in its history, the new version)."""
    new = tweet(moment, text, author=first["author_id"], sequence=sequence,
                conversation_id=first["conversation_id"])
    chain = first["edit_history_tweet_ids"] + [new["id"]]
    return dict(first, edit_history_tweet_ids=chain), dict(new, edit_history_tweet_ids=chain)


def page(tweets: list[dict], next_token: str | None = None, errors=None,
         included: list[dict] = ()) -> bytes:
    """A search or lookup page; `included` are the retweeted or quoted tweets X expands
    into `includes.tweets` (with their authors in `includes.users`)."""
    meta = {"result_count": len(tweets)}
    if tweets:
        meta["newest_id"] = tweets[0].get("id")
        meta["oldest_id"] = tweets[-1].get("id")
    if next_token:
        meta["next_token"] = next_token
    body: dict = {"meta": meta}
    if tweets:
        body["data"] = tweets
        authors = sorted({t["author_id"] for t in [*tweets, *included]
                          if str(t.get("author_id")) in USERS})
        body["includes"] = {"users": [USERS[a] for a in authors]}
        if included:
            body["includes"]["tweets"] = list(included)
    if errors:
        body["errors"] = errors
    return json.dumps(body).encode("utf-8")


def not_found(tweet_id: str) -> dict:
    return {"value": tweet_id, "detail": f"Could not find tweet with ids: [{tweet_id}].",
            "title": "Not Found Error", "resource_type": "tweet", "parameter": "ids",
            "resource_id": tweet_id,
            "type": "https://api.twitter.com/2/problems/resource-not-found"}


def user_gone(user_id: str) -> dict:
    """X's partial error for an author it leaves out of `includes.users` (suspended)."""
    return {"value": user_id, "detail": f"User has been suspended: [{user_id}].",
            "title": "Forbidden", "resource_type": "user", "parameter": "author_id",
            "resource_id": user_id,
            "type": "https://api.twitter.com/2/problems/resource-not-found"}


def referenced_gone(tweet_id: str) -> dict:
    """X's partial error for a retweeted or quoted tweet it cannot include."""
    return {"value": tweet_id,
            "detail": f"Could not find tweet with referenced_tweets.id: [{tweet_id}].",
            "title": "Not Found Error", "resource_type": "tweet",
            "parameter": "referenced_tweets.id", "resource_id": tweet_id,
            "type": "https://api.twitter.com/2/problems/resource-not-found"}


RATE = {"Content-Type": "application/json; charset=utf-8", "x-rate-limit-limit": "450",
        "x-rate-limit-remaining": "448", "x-rate-limit-reset": "1795510800"}


def created(tweet_id: str, text: str) -> bytes:
    """X's 201 to `POST /2/tweets`: the new tweet's id and text, nothing else."""
    return json.dumps({"data": {"id": tweet_id, "text": text,
                                "edit_history_tweet_ids": [tweet_id]}}).encode("utf-8")


def me(user_id: str) -> bytes:
    """`GET /2/users/me`: the user whose credentials made the call."""
    user = USERS[user_id]
    return json.dumps({"data": {k: user[k] for k in ("id", "name", "username")}}
                      ).encode("utf-8")


def problem(status: int, title: str, detail: str, problem_type: str = "about:blank") -> bytes:
    """An X API v2 error (RFC 7807 problem details), as X sends it with a 4xx/5xx."""
    return json.dumps({"title": title, "detail": detail, "type": problem_type,
                       "status": status}).encode("utf-8")
