"""Posting replies on X through unmodified tweepy and real HTTP on loopback."""

from __future__ import annotations

import json
import time
from urllib.parse import parse_qs, urlsplit

import pytest

from carewire.connectors.replies import CHANNELS, reply_channel_for
from carewire.connectors.x.replies import XReplies
from carewire.core.errors import AuthError, ReplyRefused, RetriableSourceError
from carewire.core.replies import Posted, Reply
from carewire.core.settings import HttpSettings, Settings, Sources, XSource
from carewire.core.types import Credentials
from tests.conftest import Reply as Answer
from tests.conftest import route_to_loopback
from tests.connectors.x.payloads import at, created, me, page, problem, snowflake, tweet

TWEETS = "/2/tweets"
SEARCH = "/2/tweets/search/recent"
ME = "/2/users/me"
BRAND = "1002"  # KestrelHelp in payloads.USERS
OAUTH1 = {"consumer_key": "ck", "consumer_secret": "cs", "access_token": "1002-at",
          "access_token_secret": "ats"}
CREDS = {"carewire_x": Credentials(password="AAAA-bearer", extra=OAUTH1)}

QUESTION = tweet(at(24, 7, 10), "@KestrelMobile my roaming stopped working in Lyon?")
REPLY = Reply(key="desk-reply-41", source="x", stream="brand", source_id=QUESTION["id"],
              thread_id=QUESTION["conversation_id"],
              url=f"https://x.com/ada_w/status/{QUESTION['id']}",
              text="Sorry, Ada! Roaming & data: restart once, then see "
                   "https://help.kestrel.example/roaming?eu=1. DM us if it stays off.")
POSTED_ID = snowflake(at(24, 8, 2, 30))
AS_X_SHOWS_IT = ("Sorry, Ada! Roaming &amp; data: restart once, then see "
                 "https://t.co/Xk29fLq0aZ. DM us if it stays off.")
"""The brand's reply as search returns it: the link wrapped in t.co, `&` escaped."""


def settings_for(tmp_path, http: HttpSettings) -> Settings:
    return Settings(data_dir=tmp_path, http=http, sources=Sources(x=XSource()))


def channel(tmp_path, server, http: HttpSettings, credentials=CREDS) -> XReplies:
    made = reply_channel_for(settings_for(tmp_path, http), "x", credentials)
    route_to_loopback(made.session, server)
    return made


def posts(server) -> list[dict]:
    """The POSTs to /2/tweets (the lookup of tweets shares the path but is a GET)."""
    return [json.loads(h["_body"]) for h in server.hits(TWEETS) if "_body" in h]


def taken(server) -> int:
    """Tweets the server created: POSTs it answered 201, heard by the client or not."""
    return sum(1 for method, path, status in server.answered
               if method == "POST" and path == TWEETS and status == 201)


def send(replies: XReplies, reply: Reply, tries: int = 3) -> tuple[Posted, list[Exception]]:
    """What the sender does: post; after a retriable failure, look before trying again."""
    failures: list[Exception] = []
    for _ in range(tries):
        if failures:
            found = replies.find(reply)
            if found is not None:
                return found, failures
        try:
            return replies.post(reply), failures
        except RetriableSourceError as exc:
            failures.append(exc)
    raise AssertionError(f"not sent after {tries} tries: {failures}")


def search_params(server) -> dict[str, str]:
    [path] = [p for p in server.paths() if p.startswith(SEARCH)]
    return {k: v[0] for k, v in parse_qs(urlsplit(path).query).items()}


def brand_reply(text: str = AS_X_SHOWS_IT, to: str = QUESTION["id"], author: str = BRAND,
                moment=at(24, 8, 2, 30)) -> dict:
    return tweet(moment, text, author=author, reply_to=to,
                 conversation_id=QUESTION["conversation_id"])


def test_posts_once_as_the_brand_in_reply_to_the_tweet(server, fast_http, tmp_path):
    server.route(TWEETS, Answer(201, created(POSTED_ID, AS_X_SHOWS_IT)))
    posted = channel(tmp_path, server, fast_http).post(REPLY)

    assert posts(server) == [{"text": REPLY.text,
                              "reply": {"in_reply_to_tweet_id": QUESTION["id"]}}]
    auth = server.hits(TWEETS)[0]["Authorization"]
    assert auth.startswith("OAuth ") and 'oauth_consumer_key="ck"' in auth
    assert 'oauth_token="1002-at"' in auth  # the brand's user context, not the app token
    assert posted == Posted(external_id=POSTED_ID, url=f"https://x.com/i/web/status/{POSTED_ID}",
                            posted_at=at(24, 8, 2, 30), found=False)


def test_an_oauth2_user_token_is_sent_as_bearer(server, fast_http, tmp_path):
    server.route(TWEETS, Answer(201, created(POSTED_ID, AS_X_SHOWS_IT)))
    creds = {"carewire_x": Credentials(extra={"user_access_token": "user-token"})}
    channel(tmp_path, server, fast_http, creds).post(REPLY)
    assert server.hits(TWEETS)[0]["Authorization"] == "Bearer user-token"


@pytest.mark.parametrize("extra, says", [
    ({}, "its extra has neither"),
    ({"consumer_key": "ck", "consumer_secret": "cs"},
     "has consumer_key, consumer_secret but lacks access_token, access_token_secret"),
])
def test_missing_user_context_names_the_connection_and_its_fields(
        server, fast_http, tmp_path, extra, says):
    creds = {"carewire_x": Credentials(password="AAAA-bearer", extra=extra)}
    with pytest.raises(AuthError, match=f"'carewire_x'.*{says}"):
        channel(tmp_path, server, fast_http, creds).post(REPLY)
    assert server.requests == []


def test_timeout_after_x_took_the_post_then_find_finds_it(server, tmp_path):
    http = HttpSettings(timeout_s=0.5, max_retries=3, backoff_s=0.01, max_backoff_s=0.05)
    server.route(TWEETS, Answer(201, created(POSTED_ID, AS_X_SHOWS_IT), delay_s=1.5))
    server.route(ME, Answer(body=me(BRAND)))
    server.route(SEARCH, Answer(body=page([brand_reply()])))
    replies = channel(tmp_path, server, http)

    posted, failures = send(replies, REPLY)

    [timeout] = failures
    assert "may have posted it" in str(timeout) and timeout.retry_after_s is None
    assert posted.found is True and posted.external_id == POSTED_ID
    assert posted.posted_at == at(24, 8, 2, 30)
    assert len(posts(server)) == 1 and taken(server) == 1  # the POST was not sent again
    assert search_params(server)["query"] == f"conversation_id:{QUESTION['id']} from:{BRAND}"


def test_rate_limit_says_when_and_the_post_is_not_retried_by_the_client(
        server, fast_http, tmp_path):
    reset = int(time.time()) + 900
    server.route(TWEETS,
                 Answer(429, problem(429, "Too Many Requests", "Too Many Requests"),
                        {"x-rate-limit-limit": "200", "x-rate-limit-remaining": "0",
                         "x-rate-limit-reset": str(reset)}),
                 Answer(201, created(POSTED_ID, AS_X_SHOWS_IT)))
    server.route(ME, Answer(body=me(BRAND)))
    server.route(SEARCH, Answer(body=page([])))
    replies = channel(tmp_path, server, fast_http)

    posted, [limited] = send(replies, REPLY)

    assert 895 <= limited.retry_after_s <= 900
    assert "HTTP 429" in str(limited) and "X lifts it in" in str(limited)
    assert len(posts(server)) == 2 and taken(server) == 1 and posted.found is False


def test_a_spent_24_hour_post_cap_waits_for_its_own_reset(server, fast_http, tmp_path):
    now = int(time.time())
    server.route(TWEETS, Answer(429, problem(429, "Too Many Requests", "Too Many Requests"), {
        "x-rate-limit-remaining": "99", "x-rate-limit-reset": str(now + 600),
        "x-user-limit-24hour-limit": "100", "x-user-limit-24hour-remaining": "0",
        "x-user-limit-24hour-reset": str(now + 20000)}))
    with pytest.raises(RetriableSourceError) as raised:
        channel(tmp_path, server, fast_http).post(REPLY)
    assert 19995 <= raised.value.retry_after_s <= 20000
    assert len(posts(server)) == 1


def test_server_error_then_recovery_posts_once(server, fast_http, tmp_path):
    server.route(TWEETS,
                 Answer(503, problem(503, "Service Unavailable", "Service Unavailable"),
                        {"Retry-After": "7"}),
                 Answer(201, created(POSTED_ID, AS_X_SHOWS_IT)))
    server.route(ME, Answer(body=me(BRAND)))
    server.route(SEARCH, Answer(500, b"{}"), Answer(body=page([])))  # GETs are retried
    replies = channel(tmp_path, server, fast_http)

    posted, [failed] = send(replies, REPLY)

    assert "HTTP 503" in str(failed) and failed.retry_after_s == 7.0
    assert len(server.hits(SEARCH)) == 2  # the search was retried by the transport
    assert len(posts(server)) == 2 and taken(server) == 1
    assert posted == Posted(POSTED_ID, f"https://x.com/i/web/status/{POSTED_ID}",
                            at(24, 8, 2, 30), found=False)


def test_unauthorised_names_the_connection(server, fast_http, tmp_path):
    server.route(TWEETS, Answer(401, problem(401, "Unauthorized", "Unauthorized")))
    with pytest.raises(AuthError, match="HTTP 401.*Airflow Connection 'carewire_x'"):
        channel(tmp_path, server, fast_http).post(REPLY)
    assert len(posts(server)) == 1 and taken(server) == 0


def test_a_read_only_app_is_an_auth_error_saying_what_to_change(server, fast_http, tmp_path):
    server.route(TWEETS, Answer(403, problem(
        403, "Forbidden", "Your client app is not configured with the appropriate oauth1 "
        "app permissions for this endpoint.",
        "https://api.twitter.com/2/problems/oauth1-permissions")))
    with pytest.raises(AuthError, match="oauth1 app permissions.*Read and write.*'carewire_x'"):
        channel(tmp_path, server, fast_http).post(REPLY)
    assert len(posts(server)) == 1


@pytest.mark.parametrize("status, detail", [
    (403, "You are not allowed to create a Tweet with duplicate content."),
    (403, "You attempted to reply to a Tweet that is deleted or not visible to you."),
    (403, "Reply to this conversation is not allowed because you have not been mentioned or "
          "otherwise engaged by the author of the post you are replying to."),
])
def test_refusals_carry_x_own_words(server, fast_http, tmp_path, status, detail):
    server.route(TWEETS, Answer(status, problem(status, "Forbidden", detail)))
    with pytest.raises(ReplyRefused) as refused:
        channel(tmp_path, server, fast_http).post(REPLY)
    assert detail in str(refused.value) and QUESTION["id"] in str(refused.value)
    assert len(posts(server)) == 1 and taken(server) == 0


def test_find_is_none_before_the_brand_replied(server, fast_http, tmp_path):
    server.route(ME, Answer(body=me(BRAND)))
    server.route(SEARCH, Answer(body=page([])))
    assert channel(tmp_path, server, fast_http).find(REPLY) is None
    assert server.hits(SEARCH)[0]["Authorization"].startswith("OAuth ")


def test_find_ignores_other_authors_other_texts_and_other_tweets(server, fast_http, tmp_path):
    others = [
        brand_reply(author="1001"),  # someone else said the same words
        brand_reply("Sorry, Ada! Have you tried turning it off and on?"),
        brand_reply(to=snowflake(at(24, 7, 40))),  # the same words to another tweet
    ]
    server.route(ME, Answer(body=me(BRAND)))
    server.route(SEARCH, Answer(body=page(others, next_token="p2")),
                 Answer(body=page([brand_reply(moment=at(24, 8, 4))])))
    replies = channel(tmp_path, server, fast_http)

    found = replies.find(REPLY)
    assert found is not None and found.found is True
    assert found.external_id == snowflake(at(24, 8, 4))  # from the second page

    server.route(SEARCH, Answer(body=page(others)))
    assert replies.find(REPLY) is None
    assert len(server.hits(ME)) == 1  # the brand's id is asked once per channel


def test_find_without_a_thread_searches_the_replies_to_the_tweet(server, fast_http, tmp_path):
    server.route(ME, Answer(body=me(BRAND)))
    server.route(SEARCH, Answer(body=page([])))
    unthreaded = Reply(**{**REPLY.__dict__, "thread_id": None})
    channel(tmp_path, server, fast_http).find(unthreaded)
    assert search_params(server)["query"] == f"in_reply_to_tweet_id:{QUESTION['id']} from:{BRAND}"


def test_the_registry_holds_the_x_channel_and_the_write_budget_is_a_setting():
    assert CHANNELS["x"] is XReplies
    assert XSource(monthly_write_budget=300).monthly_write_budget == 300
    assert XSource().monthly_write_budget is None
