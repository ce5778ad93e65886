"""X mapping: pure, from one landed page to mentions and rejects."""

from __future__ import annotations

import json

from carewire.connectors.base import Page, Stream
from carewire.connectors.x import XConnector
from carewire.connectors.x.mapping import snowflake_time
from tests.connectors.x.payloads import at, not_found, page, snowflake, tweet

STREAM = Stream(source="x", name="brand", options={"query": "kestrel"}, conn_id="carewire_x")
URL = "https://api.twitter.com/2/tweets/search/recent?query=kestrel"


def landed(body: bytes, status: int = 200) -> Page:
    return Page(URL, status, {"Content-Type": "application/json"}, body)


def test_tweets_map_to_mentions_with_their_authors():
    root = tweet(at(23, 7, 6), "@KestrelMobile no signal in Leeds since 7 #outage #KestrelMobile",
                 hashtags=("outage", "KestrelMobile"))
    reply = tweet(at(23, 7, 20), "@ada_w Sorry Ada, engineers are on it.", author="1002",
                  reply_to=root["id"], lang="en")
    parsed = XConnector.parse(STREAM, landed(page([reply, root])))

    first, second = parsed.mentions
    assert first.source == "x" and first.stream == "brand"
    assert first.source_id == reply["id"]
    assert first.url == f"https://x.com/KestrelHelp/status/{reply['id']}"
    assert first.parent_id == root["id"] and first.thread_id == root["id"]
    assert first.author.handle == "KestrelHelp" and first.author.is_verified is True
    assert first.author.followers_count == 48210 and first.author.post_count == 310442
    assert first.author.profile_url == "https://x.com/KestrelHelp"
    assert (first.reply_count, first.like_count, first.share_count) == (2, 3, 1)
    assert second.created_at == at(23, 7, 6)
    assert second.categories == ["outage", "KestrelMobile"]
    assert second.language == "en" and second.title is None
    assert second.parent_id is None and second.thread_id == root["id"]
    assert second.author.account_created_at.year == 2014
    assert parsed.items[1]["id"] == root["id"] and parsed.rejects == []


def test_a_tweet_without_required_fields_is_rejected_and_the_rest_kept():
    good = tweet(at(23, 8), "kestrel mobile down again")
    no_date = tweet(at(23, 8, 1), "lost date", sequence=1)
    del no_date["created_at"]
    wrong_type = tweet(at(23, 8, 2), "text", sequence=2)
    wrong_type["text"] = 42
    no_id = {"text": "no id", "created_at": "2026-11-23T08:00:00.000Z"}
    parsed = XConnector.parse(STREAM, landed(page([good, no_date, wrong_type, no_id])))

    assert [m.source_id for m in parsed.mentions] == [good["id"]]
    reasons = [r.reason for r in parsed.rejects]
    assert reasons == ["tweet has no usable 'created_at' (ISO 8601 UTC timestamp)",
                       "tweet has no 'text' string",
                       "tweet has no usable 'id' (a string of digits), so it cannot be keyed"]
    assert json.loads(parsed.rejects[0].payload)["text"] == "lost date"
    assert parsed.rejects[0].item_ref.endswith(f"#tweet-{no_date['id']}")


def test_odd_optional_fields_are_ignored_not_fatal():
    odd = tweet(at(23, 9), "kestrel mobile", author_id=["1001"], referenced_tweets=7,
                entities={"hashtags": "KestrelMobile"}, public_metrics=None, lang=3,
                conversation_id=12)
    body = json.loads(page([odd]))
    body["includes"] = {"users": "nobody"}
    body["errors"] = {"not": "a list"}
    [mention] = XConnector.parse(STREAM, landed(json.dumps(body).encode())).mentions
    assert mention.author is None and mention.url.startswith("https://x.com/i/web/status/")
    assert (mention.parent_id, mention.categories, mention.language, mention.thread_id,
            mention.like_count) == (None, [], None, None, None)


def test_truncated_or_html_bodies_are_rejected_whole():
    body = page([tweet(at(23, 8), "kestrel")])
    truncated = XConnector.parse(STREAM, landed(body[:-40]))
    assert truncated.mentions == [] and truncated.rejects[0].payload == body[:-40]
    assert truncated.rejects[0].reason.startswith("body is not a JSON object")
    html = XConnector.parse(STREAM, landed(b"<!DOCTYPE html><html><title>Over capacity</title>"))
    assert html.rejects[0].reason.startswith("HTML page instead of X API JSON")


def test_lookup_not_found_errors_become_deleted_mentions():
    kept = tweet(at(23, 7, 30), "still here")
    gone_id = snowflake(at(23, 7, 10), 5)
    parsed = XConnector.parse(STREAM, landed(page([kept], errors=[not_found(gone_id)])))

    live, deleted = parsed.mentions
    assert live.source_id == kept["id"] and not live.is_deleted
    assert deleted.source_id == gone_id and deleted.is_deleted
    assert deleted.created_at == at(23, 7, 10) == snowflake_time(gone_id)
    assert deleted.row()["text"] == ""
    assert parsed.items[1]["type"].endswith("resource-not-found")


def test_error_responses_yield_nothing():
    assert XConnector.parse(STREAM, landed(b'{"title":"Too Many Requests"}', 429)).mentions == []
