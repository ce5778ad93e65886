"""X mapping: pure, from one landed page to mentions and rejects."""

from __future__ import annotations

import json

from carewire.connectors.base import Page, Stream
from carewire.connectors.x import XConnector
from carewire.connectors.x.mapping import snowflake_time
import pytest

from tests.connectors.x.payloads import (at, edited, not_found, page, referenced_gone,
                                         retweet, snowflake, tweet, user_gone)

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
    assert first.quote_count == 0 and first.quoted_text is None
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


def test_an_author_x_leaves_out_keeps_the_id_and_the_url_its_handle_free_form():
    """A suspended or withheld author is missing from includes.users and named in errors;
    the tweet still says who wrote it."""
    orphan = tweet(at(23, 7, 40), "@KestrelMobile refund still not here", author="1009")
    known = tweet(at(23, 7, 30), "kestrel mobile down in Leeds")
    body = page([orphan, known], errors=[user_gone("1009")])
    assert [u["id"] for u in json.loads(body)["includes"]["users"]] == ["1001"]
    parsed = XConnector.parse(STREAM, landed(body))

    lost, found = parsed.mentions
    assert lost.author.author_id == "1009" and lost.author.handle is None
    assert lost.author.profile_url is None and lost.author.followers_count is None
    assert lost.row()["author_id"] == "1009"
    assert lost.url == f"https://x.com/i/web/status/{orphan['id']}"
    assert found.url == f"https://x.com/ada_w/status/{known['id']}"
    assert [m.is_deleted for m in parsed.mentions] == [False, False]  # a user error: no deletion


def test_a_retweet_is_kept_as_the_tweet_it_repeats_once_and_a_quote_as_its_own_words():
    original = tweet(at(23, 7, 5), "Kestrel Mobile outage: engineers say a fibre cut near "
                     "Huddersfield took out masts across West Yorkshire. Fix expected by noon, "
                     "they say. Compensation? Not a word yet.", author="1003",
                     public_metrics={"retweet_count": 41, "reply_count": 12, "like_count": 230,
                                     "quote_count": 7, "bookmark_count": 9,
                                     "impression_count": 48000})
    first = retweet(at(23, 7, 50), original, author="1001")
    quote = tweet(at(23, 7, 45), "So that's why I've had no signal since 7. @KestrelHelp "
                  "https://t.co/q7Xb2LmPa1", author="1002", sequence=1,
                  referenced_tweets=[{"type": "quoted", "id": original["id"]}])
    second = retweet(at(23, 7, 40), original, author="1002", sequence=2)
    body = page([first, quote, second], included=[original])
    assert json.loads(body)["data"][0]["text"].startswith("RT @techwithtara: Kestrel")
    assert json.loads(body)["data"][0]["text"].endswith("\u2026")
    parsed = XConnector.parse(STREAM, landed(body))

    repeated, quoting = parsed.mentions
    assert repeated.source_id == original["id"] and repeated.text == original["text"]
    assert repeated.url == f"https://x.com/techwithtara/status/{original['id']}"
    assert repeated.author.handle == "techwithtara" and repeated.author.followers_count == 251300
    assert repeated.created_at == at(23, 7, 5)
    assert (repeated.share_count, repeated.quote_count, repeated.like_count) == (41, 7, 230)
    assert repeated.quoted_text is None
    assert quoting.source_id == quote["id"] and quoting.text == quote["text"]
    assert quoting.quoted_text == original["text"] and quoting.parent_id is None
    assert [i["id"] for i in parsed.items] == [original["id"], quote["id"]]
    assert parsed.rejects == []


def test_a_retweet_of_a_tweet_x_cannot_include_yields_nothing_and_no_deletion():
    original = tweet(at(23, 6), "kestrel mobile ate my data allowance", author="1003")
    alone = retweet(at(23, 7), original)
    parsed = XConnector.parse(STREAM, landed(page([alone], errors=[
        referenced_gone(original["id"])])))
    assert parsed.mentions == [] and parsed.rejects == []


def test_an_edit_chain_is_one_mention_keyed_by_its_first_id_with_the_newest_version():
    first = tweet(at(23, 7, 10), "kestrel mobile billed me twice this month")
    earlier, newer = edited(first, at(23, 7, 14), "kestrel mobile billed me twice this month, "
                            "account 4471 2290 — who do I call?", sequence=3)
    assert newer["edit_history_tweet_ids"] == [first["id"], newer["id"]]
    for order in ([newer, earlier], [earlier, newer]):
        parsed = XConnector.parse(STREAM, landed(page(order)))
        [only] = parsed.mentions
        assert only.source_id == first["id"] and only.text == newer["text"]
        assert only.url == f"https://x.com/ada_w/status/{newer['id']}"
        assert only.created_at == at(23, 7, 10)  # when the customer first spoke
        assert parsed.items == [newer]
    # a version seen before it was edited has a history of one: keyed the same way
    [before] = XConnector.parse(STREAM, landed(page([first]))).mentions
    assert (before.source_id, before.text) == (first["id"], first["text"])


@pytest.mark.parametrize(("lang", "stored"), [
    ("en", "en"), ("cy", "cy"), ("in", "id"), ("iw", "he"), ("ji", "yi"), ("pt", "pt"),
    ("und", None), ("zxx", None), ("art", None), ("qam", None), ("qct", None), ("qht", None),
    ("qme", None), ("qst", None), ("", None), ("EN", "en")])
def test_x_language_codes_become_languages_or_none(lang, stored):
    [mention] = XConnector.parse(STREAM, landed(page([tweet(at(23, 8), "kestrel", lang=lang)]))
                                 ).mentions
    assert mention.language == stored
