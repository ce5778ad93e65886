"""Posting agents' replies on a Discourse forum: the channel's real HTTP client (requests,
through carewire's session) against the loopback Discourse of tests/discourse_server.py.

The reply is made from the mention the forum mapping keys out of the topic page, so its
source_id and thread_id are exactly what the warehouse holds. Every fault test ends with
the forum holding the brand's reply once, or not at all where it was refused.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime, timezone

import pytest
import requests

from carewire.connectors.base import Mention, Page, Stream
from carewire.connectors.forums import mapping
from carewire.connectors.forums.replies import DiscourseReplies
from carewire.connectors.replies import reply_channel_for
from carewire.core.errors import (AuthError, FatalSourceError, ReplyRefused,
                                  RetriableSourceError)
from carewire.core.replies import Posted, Reply
from carewire.core.settings import HttpSettings, Settings
from carewire.core.types import Credentials
from tests.discourse_server import TOO_SIMILAR, TOPIC_NOT_FOUND

CONN_ID = "carewire_forum"
ANSWER = "Sorry about that! A reset of the network settings fixes this; DM us if it doesn't."
QUESTION = "My Kestrel eSIM has been stuck on activating since this morning, any ideas?"


def settings(server, http: HttpSettings, conn_id: str | None = CONN_ID) -> Settings:
    return Settings(http=http, sources={"forums": [
        {"name": "community", "url": server.url + "/", "conn_id": conn_id}]})


def channel(server, http: HttpSettings, *, conn_id: str | None = CONN_ID,
            credentials: Credentials | None = None) -> DiscourseReplies:
    if credentials is None:
        credentials = Credentials(login=server.api_username, password=server.api_key)
    config = settings(server, http, conn_id)
    return reply_channel_for(config, "forums", {CONN_ID: credentials})


def mention(server, topic_id: int, post_number: int) -> Mention:
    """The post as the connector lands and maps it from GET /t/{id}.json (the loopback
    forum wants the API key on every call; the connector reads public forums without)."""
    url = f"{server.url}/t/{topic_id}.json"
    headers = {"Api-Key": server.api_key, "Api-Username": server.api_username}
    page = Page.from_response(requests.get(url, headers=headers, timeout=5), url)
    stream = Stream(source="forums", name="community", options={"url": server.url})
    parsed = mapping.parse(stream, page)
    return next(m for m in parsed.mentions if m.url.endswith(f"/{post_number}"))


def reply_to(found: Mention, text: str = ANSWER, key: str = "r-1") -> Reply:
    return Reply(key=key, source=found.source, stream=found.stream, source_id=found.source_id,
                 thread_id=found.thread_id, url=found.url, text=text)


@pytest.fixture
def question(discourse):
    """A customer's question answered by another member, post 2 of its topic."""
    topic = discourse.add_topic("Kestrel eSIM stuck on activating", "Anyone? " + QUESTION,
                                username="opener")
    discourse.reply(topic.id, QUESTION, username="ana", reply_to=1)
    return topic


def brand_posts(server) -> list[dict]:
    return server.posts_by(server.api_username)


def post_calls(server) -> int:
    return server.count("POST", "/posts.json")


# -- posting ---------------------------------------------------------------------------------


def test_posts_the_reply_to_the_post_as_the_api_user(discourse, question, fast_http):
    reply = reply_to(mention(discourse, question.id, 2))
    assert reply.source_id == f"127.0.0.1:post:{question.posts[1]['id']}"
    assert reply.thread_id == f"127.0.0.1:topic:{question.id}"

    posted = channel(discourse, fast_http).post(reply)

    [post] = brand_posts(discourse)
    assert (post["topic_id"], post["reply_to_post_number"], post["raw"]) == (
        question.id, 2, ANSWER)
    assert posted == Posted(external_id=str(post["id"]),
                            url=f"{discourse.url}/t/{question.slug}/{question.id}/3",
                            posted_at=datetime(2026, 3, 2, 9, 15, tzinfo=timezone.utc))
    call = next(r for r in discourse.requests if r.method == "POST")
    assert (call.headers["Api-Key"], call.headers["Api-Username"]) == (
        discourse.api_key, discourse.api_username)
    assert json.loads(call.body) == {"topic_id": question.id, "raw": ANSWER,
                                     "reply_to_post_number": 2}


def test_the_topic_is_the_posts_own_when_a_moderator_moved_it(discourse, question, fast_http):
    reply = reply_to(mention(discourse, question.id, 2))
    moved = discourse.add_topic("eSIM activation problems, merged", "Merged from elsewhere.")
    moved.posts.append(question.posts.pop(1) | {"topic_id": moved.id, "post_number": 2})

    channel(discourse, fast_http).post(reply)   # its thread_id still names the old topic

    [post] = brand_posts(discourse)
    assert (post["topic_id"], post["reply_to_post_number"]) == (moved.id, 2)


# -- find ------------------------------------------------------------------------------------


def test_find_is_none_until_the_brand_replied_with_that_text(discourse, question, fast_http):
    reply = reply_to(mention(discourse, question.id, 2))
    forum = channel(discourse, fast_http)
    discourse.reply(question.id, ANSWER, username=discourse.api_username,
                    reply_to=1)                                                # other post
    discourse.reply(question.id, ANSWER, username="helper", reply_to=2)       # another user
    discourse.reply(question.id, "We're on it, hang on.", username=discourse.api_username,
                    reply_to=2)                                                # other text

    assert forum.find(reply) is None

    posted = forum.post(reply)
    assert forum.find(reply) == Posted(posted.external_id, posted.url, posted.posted_at,
                                       found=True)
    assert len([p for p in brand_posts(discourse) if p["raw"] == ANSWER]) == 2


def test_find_reads_every_page_of_the_brands_posts(discourse, question, fast_http):
    reply = reply_to(mention(discourse, question.id, 2), text="Line one.\n\nLine two ")
    for number in range(45):   # the brand answers others in the same long topic
        discourse.reply(question.id, f"Answer {number} to someone else entirely",
                        username=discourse.api_username, reply_to=1)
    discourse.reply(question.id, "Line one.\r\n\r\nLine two", username=discourse.api_username,
                    reply_to=2)   # as Discourse keeps it: trailing space gone
    for number in range(30):
        discourse.reply(question.id, f"Later answer {number} to someone else",
                        username=discourse.api_username, reply_to=1)

    found = channel(discourse, fast_http).find(reply)

    assert found is not None and found.found
    assert found.url.endswith(f"/{question.id}/{2 + 45 + 1}")
    chunks = [r.path for r in discourse.requests if "/posts.json" in r.path]
    assert chunks and all("include_raw=true" in path for path in chunks)


# -- faults ----------------------------------------------------------------------------------


def test_a_timeout_after_discourse_took_the_reply_is_found_not_posted_again(
        discourse, question, fast_http):
    forum = channel(discourse, fast_http.model_copy(update={"timeout_s": 0.5}))
    reply = reply_to(mention(discourse, question.id, 2))
    discourse.delay_next(1.5, on="POST /posts.json")

    with pytest.raises(RetriableSourceError, match="may have been posted"):
        forum.post(reply)
    found = forum.find(reply)   # what the sender asks before it tries again

    assert found is not None and found.found
    assert [p["id"] for p in brand_posts(discourse)] == [int(found.external_id)]
    assert post_calls(discourse) == 1   # the transport did not send it again


def test_a_rate_limit_says_how_long_to_wait(discourse, question, fast_http):
    forum = channel(discourse, fast_http)
    reply = reply_to(mention(discourse, question.id, 2))
    discourse.rate_limit_next(1, retry_after=7, on="POST /posts.json")

    with pytest.raises(RetriableSourceError) as raised:
        forum.post(reply)
    assert raised.value.retry_after_s == 7
    assert "performed this action too many times" in str(raised.value)
    assert forum.find(reply) is None
    forum.post(reply)

    assert len(brand_posts(discourse)) == 1
    assert post_calls(discourse) == 2


def test_a_server_error_is_retriable_and_the_next_try_posts_once(discourse, question, fast_http):
    forum = channel(discourse, fast_http)
    reply = reply_to(mention(discourse, question.id, 2))
    discourse.fail_next(1, 503, on="POST /posts.json")

    with pytest.raises(RetriableSourceError, match="HTTP 503"):
        forum.post(reply)
    assert post_calls(discourse) == 1 and brand_posts(discourse) == []
    assert forum.find(reply) is None
    forum.post(reply)

    assert len(brand_posts(discourse)) == 1


def test_a_server_error_after_the_post_was_taken_is_found(discourse, question, fast_http):
    forum = channel(discourse, fast_http)
    reply = reply_to(mention(discourse, question.id, 2))
    discourse.fail_next(1, 502, on="POST /posts.json", after_handling=True)

    with pytest.raises(RetriableSourceError):
        forum.post(reply)

    assert forum.find(reply) is not None
    assert len(brand_posts(discourse)) == 1


def test_a_second_post_refused_as_too_similar_returns_the_first(discourse, question, fast_http):
    """A sender that posts again without looking (or whose look came before the first
    try was saved) gets Discourse's duplicate refusal: the earlier reply is returned."""
    forum = channel(discourse, fast_http)
    reply = reply_to(mention(discourse, question.id, 2))
    first = forum.post(reply)

    again = forum.post(reply)

    assert (again.external_id, again.found) == (first.external_id, True)
    assert len(brand_posts(discourse)) == 1


@pytest.mark.parametrize("status", [401, 403])
def test_refused_credentials_name_the_connection(discourse, question, fast_http, status):
    discourse.bad_credentials_status = status   # Discourse says 403; a proxy may say 401
    forum = channel(discourse, fast_http, credentials=Credentials("carewire", "revoked-key"))
    reply = reply_to(mention(discourse, question.id, 2))

    with pytest.raises(AuthError, match=f"Airflow Connection '{CONN_ID}'") as raised:
        forum.post(reply)

    assert f"HTTP {status}" in str(raised.value)
    assert brand_posts(discourse) == []


def test_a_post_the_api_user_may_not_see_is_refused_in_discourses_words(
        discourse, question, fast_http):
    reply = reply_to(mention(discourse, question.id, 2))
    question.private = True   # moved to a staff-only category since it was fetched

    with pytest.raises(ReplyRefused, match="not permitted to view") as raised:
        channel(discourse, fast_http).post(reply)

    assert "may not see or post there" in str(raised.value)
    assert not isinstance(raised.value, AuthError)
    assert brand_posts(discourse) == []


def test_a_closed_topic_refuses_the_reply(discourse, question, fast_http):
    reply = reply_to(mention(discourse, question.id, 2))
    question.closed = True

    with pytest.raises(ReplyRefused) as raised:
        channel(discourse, fast_http).post(reply)

    assert TOPIC_NOT_FOUND in str(raised.value) and "HTTP 422" in str(raised.value)
    assert brand_posts(discourse) == []


def test_a_deleted_post_is_refused(discourse, question, fast_http):
    reply = reply_to(mention(discourse, question.id, 2))
    discourse.delete(question.id)

    with pytest.raises(ReplyRefused, match="could not be found.*is gone"):
        channel(discourse, fast_http).post(reply)
    assert brand_posts(discourse) == []


def test_the_same_text_to_another_customer_within_minutes_is_refused(
        discourse, question, fast_http):
    other = discourse.add_topic("Roaming not working in Spain", "No data abroad since Monday.")
    forum = channel(discourse, fast_http)
    forum.post(reply_to(mention(discourse, other.id, 1), key="r-0"))

    with pytest.raises(ReplyRefused, match=TOO_SIMILAR):
        forum.post(reply_to(mention(discourse, question.id, 2)))

    assert [p["topic_id"] for p in brand_posts(discourse)] == [other.id]


def test_a_reply_held_for_approval_is_refused_with_what_to_do(discourse, question, fast_http):
    discourse.require_approval = True

    with pytest.raises(ReplyRefused, match="review queue"):
        channel(discourse, fast_http).post(reply_to(mention(discourse, question.id, 2)))


# -- configuration ---------------------------------------------------------------------------


def test_a_forum_without_conn_id_gets_no_replies(discourse, question, fast_http):
    forum = channel(discourse, fast_http, conn_id=None)
    reply = reply_to(mention(discourse, question.id, 2))
    calls = len(discourse.requests)

    with pytest.raises(AuthError, match="no conn_id, so carewire does not reply there"):
        forum.post(reply)
    with pytest.raises(AuthError, match="no conn_id"):
        forum.find(reply)
    assert len(discourse.requests) == calls


def test_a_connection_without_key_is_named(discourse, question, fast_http):
    forum = channel(discourse, fast_http, credentials=Credentials(login="carewire"))

    with pytest.raises(AuthError, match=f"'{CONN_ID}'"):
        forum.post(reply_to(mention(discourse, question.id, 2)))


def test_a_post_of_another_host_is_not_answered_here(discourse, question, fast_http):
    reply = reply_to(mention(discourse, question.id, 2))
    elsewhere = replace(reply, source_id=reply.source_id.replace("127.0.0.1", "old.forum.test"))
    unknown = replace(reply, stream="gone")

    with pytest.raises(FatalSourceError, match="is another post"):
        channel(discourse, fast_http).post(elsewhere)
    with pytest.raises(FatalSourceError, match="no forum named 'gone'"):
        channel(discourse, fast_http).post(unknown)
    assert brand_posts(discourse) == []


def test_only_platforms_with_a_channel_get_one(discourse, fast_http):
    with pytest.raises(FatalSourceError, match="cannot post replies on feeds"):
        reply_channel_for(settings(discourse, fast_http), "feeds")


def test_looking_is_retried_by_the_transport_posting_is_not(discourse, question, fast_http):
    forum = channel(discourse, fast_http)
    reply = reply_to(mention(discourse, question.id, 2))
    read = discourse.count("GET", f"/t/{question.id}.json")
    discourse.fail_next(1, 503, on=f"GET /t/{question.id}.json")
    discourse.fail_next(1, 503, on="POST /posts.json")

    assert forum.find(reply) is None
    with pytest.raises(RetriableSourceError):
        forum.post(reply)

    assert discourse.count("GET", f"/t/{question.id}.json") == read + 2
    assert post_calls(discourse) == 1
