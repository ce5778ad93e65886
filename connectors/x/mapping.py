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

What a tweet becomes:

* Its author is `includes.users[author_id]`. An author X leaves out (suspended, withheld,
  deactivated: X names them in `errors` instead) is kept as the bare `author_id`, and the
  url is X's handle-free form `https://x.com/i/web/status/<id>`.
* A retweet (`referenced_tweets` type `retweeted`) is not a mention: its text is X's
  truncated `RT @author: ...` and nobody expects an answer to it. The tweet it repeats,
  which the search expands into `includes.tweets` (`referenced_tweets.id`, its author by
  `referenced_tweets.id.author_id`), is the mention, once per page; the retweet counts
  only in that tweet's `share_count` (X's `retweet_count`). Its own metrics are not
  added: X reports the original's retweet count on it, and its likes are X's to ignore.
  Where X does not include the original (deleted, protected, withheld), nothing is kept.
* A quote tweet is its author's own words: a mention, with the quoted tweet's text (from
  `includes.tweets`) in `quoted_text`, context that sentiment and dedupe do not read.
* An edited tweet is one mention per edit chain, keyed by the chain's first id
  (`edit_history_tweet_ids[0]`), with the created_at of that first version and the text,
  url and counts of the newest one: an edit replaces the earlier version in the upsert
  and what was decided or delivered for it keeps its key. A version that its own
  `edit_history_tweet_ids` shows to be superseded yields nothing; within a page, of two
  versions of one chain the newer (larger id) wins. A row that a load before this rule
  keyed by a later version's own id is withdrawn by a reload of its batch
  (warehouse/load.py).
* `lang` is kept where it names a language. X's own codes for "no language" (`und`, `zxx`,
  `art`, and `qam`, `qct`, `qht`, `qme`, `qst`: mentions, cashtags, hashtags, media links,
  short texts) become None so enrichment detects the language; X's legacy codes
  `in`, `iw`, `ji` become `id`, `he`, `yi`.
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


def _author(user: Mapping[str, Any] | None, author_id: Any = None) -> Author | None:
    """The profile `user`, or where X left it out, an author known by `author_id` alone."""
    if not isinstance(user, Mapping) or not isinstance(user.get("id"), str):
        if isinstance(author_id, str) and _ID.match(author_id):
            return Author(source=SOURCE, author_id=author_id)
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


def _referenced(tweet: Mapping[str, Any], kind: str) -> str | None:
    """The id of the tweet `tweet` refers to as `kind` (replied_to, quoted, retweeted)."""
    refs = tweet.get("referenced_tweets")
    for ref in refs if isinstance(refs, list) else []:
        if isinstance(ref, Mapping) and ref.get("type") == kind and isinstance(
                ref.get("id"), str) and _ID.match(ref["id"]):
            return ref["id"]
    return None


def edit_chain(tweet: Mapping[str, Any]) -> list[str]:
    """The ids of the tweet's versions, oldest first (X's `edit_history_tweet_ids`); the
    tweet's own id alone where X sends no usable history."""
    history = tweet.get("edit_history_tweet_ids")
    if (isinstance(history, list) and history and tweet["id"] in history
            and all(isinstance(i, str) and _ID.match(i) for i in history)):
        return list(history)
    return [tweet["id"]]


def is_superseded(tweet: Mapping[str, Any]) -> bool:
    """An earlier version of an edited tweet: its own history names a later one."""
    return edit_chain(tweet)[-1] != tweet["id"]


NOT_A_LANGUAGE = frozenset({"und", "zxx", "art", "qam", "qct", "qht", "qme", "qst", "xx-lc"})
"""X's `lang` values that name no language: undetermined, no linguistic content, emoji
only, and X's private-use codes for tweets of mentions, cashtags, hashtags, media links or
short text only."""
LEGACY_LANGUAGE = {"in": "id", "iw": "he", "ji": "yi"}
"""X's withdrawn ISO 639-1 codes (Indonesian, Hebrew, Yiddish) and today's."""
_LANG = re.compile(r"^[a-z]{2,3}(-[a-z0-9]{2,8})*$")


def language(value: Any) -> str | None:
    """A language code from X's `lang`, or None where it names no language."""
    if not isinstance(value, str):
        return None
    code = value.strip().lower()
    if code in NOT_A_LANGUAGE or not _LANG.match(code):
        return None
    main, _, region = code.partition("-")
    main = LEGACY_LANGUAGE.get(main, main)
    return f"{main}-{region}" if region else main


def _hashtags(tweet: Mapping[str, Any]) -> list[str]:
    hashtags = _obj(tweet.get("entities")).get("hashtags")
    return [h["tag"] for h in (hashtags if isinstance(hashtags, list) else [])
            if isinstance(h, Mapping) and isinstance(h.get("tag"), str)]


def tweet_mention(stream: Stream, tweet: Mapping[str, Any],
                  users: Mapping[str, Mapping[str, Any]],
                  tweets: Mapping[str, Mapping[str, Any]] | None = None) -> Mention:
    """The mention of one tweet (not a retweet); `users` and `tweets` are the page's
    `includes`, by id."""
    author_id = _str(tweet.get("author_id"))
    author = _author(users.get(author_id), author_id)
    handle = author.handle if author and author.handle else "i/web"
    metrics = _obj(tweet.get("public_metrics"))
    chain = edit_chain(tweet)
    quoted = _obj((tweets or {}).get(_referenced(tweet, "quoted")))
    return Mention(
        source=SOURCE, source_id=chain[0], stream=stream.name,
        url=f"{SITE}/{handle}/status/{tweet['id']}", title=None, text=tweet["text"],
        created_at=(snowflake_time(chain[0]) if len(chain) > 1
                    else parse_time(tweet["created_at"])),
        author=author, language=language(tweet.get("lang")),
        categories=_hashtags(tweet),
        thread_id=_str(tweet.get("conversation_id")),
        parent_id=_referenced(tweet, "replied_to"),
        reply_count=json_int(metrics.get("reply_count")),
        like_count=json_int(metrics.get("like_count")),
        share_count=json_int(metrics.get("retweet_count")),
        quote_count=json_int(metrics.get("quote_count")),
        quoted_text=_str(quoted.get("text")),
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


def _by_id(listed: Any) -> dict[str, Mapping[str, Any]]:
    return {o["id"]: o for o in (listed if isinstance(listed, list) else [])
            if isinstance(o, Mapping) and isinstance(o.get("id"), str)}


@rejecting_malformed
def parse(stream: Stream, page: Page) -> Parsed:
    result = Parsed()
    if page.status != 200:
        return result  # errors never reach the landing zone
    document = body_json(page)
    if document is None:
        result.rejects.append(Reject(_document_problem(page), page.body, page.url))
        return result
    includes = _obj(document.get("includes"))
    users, included = _by_id(includes.get("users")), _by_id(includes.get("tweets"))
    data = document.get("data") or []
    if not isinstance(data, list):
        result.rejects.append(Reject(f"'data' is a {type(data).__name__}, not a list of tweets",
                                     page.body, page.url))
        data = []
    chosen: dict[str, Mapping[str, Any]] = {}  # chain key -> newest version, in page order
    for position, tweet in enumerate(data):
        problem = _tweet_problem(tweet)
        if problem is None and (original := _referenced(tweet, "retweeted")):
            if original not in included:
                continue  # X withheld the original (it says so in `errors`): nothing to keep
            tweet = included[original]
            problem = _tweet_problem(tweet)
            problem = problem and f"retweeted tweet in includes.tweets: {problem}"
        if problem:
            ref = tweet.get("id") if isinstance(tweet, Mapping) and tweet.get("id") else position
            result.rejects.append(Reject(problem, dumps(tweet).encode("utf-8"),
                                         f"{page.url}#tweet-{ref}"))
            continue
        if is_superseded(tweet):
            continue
        key = edit_chain(tweet)[0]
        if key not in chosen or int(tweet["id"]) > int(chosen[key]["id"]):
            chosen[key] = tweet
    for tweet in chosen.values():
        result.mentions.append(tweet_mention(stream, tweet, users, included))
        result.items.append(dict(tweet))
    for tweet_id, error in deleted_tweets(document):
        result.mentions.append(Mention(
            source=SOURCE, source_id=tweet_id, stream=stream.name,
            url=f"{SITE}/i/web/status/{tweet_id}", title=None, text="",
            created_at=snowflake_time(tweet_id), is_deleted=True))
        result.items.append(dict(error))
    return result


def page_tweet_ids(document: Mapping[str, Any]) -> set[str]:
    """Every tweet id a page shows alive: the tweets of `data`, each version of their edit
    chains, and the tweets they retweet that X included."""
    data = document.get("data")
    included = _by_id(_obj(document.get("includes")).get("tweets"))
    seen: set[str] = set()
    for tweet in data if isinstance(data, list) else []:
        if _tweet_problem(tweet) is not None:
            if isinstance(tweet, Mapping) and isinstance(tweet.get("id"), str):
                seen.add(tweet["id"])
            continue
        seen.update(edit_chain(tweet))
        original = included.get(_referenced(tweet, "retweeted") or "")
        if original is not None and isinstance(original.get("id"), str) and _ID.match(
                original["id"]):
            seen.update(edit_chain(original))
    return seen


def retweets(document: Mapping[str, Any]) -> int:
    """How many tweets of the page's `data` are retweets (counted, not kept as mentions)."""
    data = document.get("data")
    return sum(1 for t in (data if isinstance(data, list) else [])
               if isinstance(t, Mapping) and _referenced(t, "retweeted"))
