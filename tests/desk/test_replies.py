"""An agent's reply, from the desk to the platform, exactly once: queued as an intent,
sent by carewire.app.replies through the real X channel (unmodified tweepy) on a loopback
server speaking X's write API, found on the platform instead of posted again after a lost
answer, held with the reason when it cannot go, and sent by hand where no API exists."""

from __future__ import annotations

import json
import threading
from datetime import datetime, timedelta, timezone

import pytest

from carewire.app.replies import send
from carewire.connectors.replies import reply_channel_for
from carewire.core.delivery import Delivery, MentionRef
from carewire.core.settings import HttpSettings, Settings, Sources, XSource
from carewire.core.types import Credentials
from carewire.desk.outbox import ReplyTarget
from carewire.desk.store import Desk, DeskError
from tests.conftest import Reply as Answer
from tests.conftest import route_to_loopback
from tests.connectors.x.payloads import at, created, me, page, problem, snowflake, tweet

NOW = datetime(2026, 11, 24, 9, tzinfo=timezone.utc)
QUESTION = tweet(at(24, 7, 10), "@KestrelMobile my roaming stopped working in Lyon?")
POSTED_ID = snowflake(at(24, 9, 0, 5))
TEXT = "Sorry, Ada! Please restart once; DM us if roaming stays off."
CREDS = {"carewire_x": Credentials(extra={"consumer_key": "ck", "consumer_secret": "cs",
                                          "access_token": "1002-at",
                                          "access_token_secret": "ats"})}
BRAND = "1002"


def delivery(key: str, source: str = "x", source_id: str = QUESTION["id"]) -> Delivery:
    mention = MentionRef(source=source, source_id=source_id,
                         url=f"https://x.com/ada_w/status/{source_id}", author="ada_w",
                         text=QUESTION["text"], created_at=at(24, 7, 10))
    return Delivery(key=key, destination="desk", route="contact_center", unit="mention",
                    cluster_id=None, mentions=(mention,), title="Roaming", body="Roaming",
                    team="care", priority="high", sla_due_at=NOW, rule_id="r", reason="r",
                    tags=(), experts=())


@pytest.fixture
def settings(tmp_path):
    return Settings(data_dir=tmp_path, sources=Sources(x=XSource(monthly_write_budget=2)),
                    http=HttpSettings(timeout_s=0.5, max_retries=1, backoff_s=0.01,
                                      max_backoff_s=0.02))


@pytest.fixture
def desk(settings):
    with Desk(settings.desk_url, clock=lambda: NOW) as desk:
        yield desk


def queue(desk, key: str = "k1", source: str = "x", text: str = TEXT) -> int:
    source_id = QUESTION["id"] if source == "x" else "blog:post-42"
    item_id, _ = desk.add(delivery(key, source, source_id))
    desk.reply(item_id, "ann", text, ReplyTarget(source, "brand", source_id,
                                                 QUESTION["conversation_id"], None))
    return item_id


def sender(settings, server, at: datetime = NOW, credentials=CREDS):
    channel = reply_channel_for(settings, "x", credentials)
    route_to_loopback(channel.session, server)
    return send(settings, credentials, at, {"x": channel})


def tweets_taken(server) -> int:
    return sum(1 for method, path, status in server.answered
               if method == "POST" and path == "/2/tweets" and status == 201)


def replied(desk, item_id):
    return [e for e in desk.events(item_ids=[item_id]) if e.kind == "replied"]


def test_a_reply_is_posted_once_and_its_time_and_link_come_back(settings, desk, server):
    item_id = queue(desk)
    server.route("/2/tweets", Answer(201, created(POSTED_ID, TEXT)))

    assert sender(settings, server)["posted"] == 1
    assert sender(settings, server, NOW + timedelta(hours=1))["posted"] == 0  # nothing twice

    assert tweets_taken(server) == 1
    [body] = [json.loads(h["_body"]) for h in server.hits("/2/tweets")]
    assert body == {"text": TEXT, "reply": {"in_reply_to_tweet_id": QUESTION["id"]}}
    [event] = replied(desk, item_id)
    assert event.at == at(24, 9, 0, 5)  # when X posted it, not when it was written
    assert event.data["url"] == f"https://x.com/i/web/status/{POSTED_ID}"
    [reply] = desk.outbox.of_items([item_id])
    assert (reply.status, reply.attempts, reply.posted_at) == ("posted", 1, at(24, 9, 0, 5))


def test_an_answer_lost_after_x_took_the_post_is_found_not_posted_again(settings, desk,
                                                                         server):
    item_id = queue(desk)
    server.route("/2/tweets", Answer(201, created(POSTED_ID, TEXT), delay_s=1.5))
    server.route("/2/users/me", Answer(body=me(BRAND)))
    server.route("/2/tweets/search/recent", Answer(body=page([tweet(
        at(24, 9, 0, 5), TEXT, author=BRAND, reply_to=QUESTION["id"],
        conversation_id=QUESTION["conversation_id"])])))

    first = sender(settings, server)
    assert first["retry_later"] == 1 and "x" in first["platforms_waiting"]
    [waiting] = desk.outbox.of_items([item_id])
    assert waiting.status == "retrying" and "may have posted it" in waiting.last_error
    assert sender(settings, server, NOW + timedelta(seconds=30))["posted"] == 0  # not yet due

    later = sender(settings, server, NOW + timedelta(hours=1))
    assert later["found_posted"] == 1 and tweets_taken(server) == 1
    [event] = replied(desk, item_id)
    assert event.data["found_on_platform"] is True


def test_refusals_and_bad_credentials_are_held_with_the_words_and_released_after_the_fix(
        settings, desk, server):
    refused = queue(desk, "k1")
    blocked = queue(desk, "k2", text="Another answer")
    server.route("/2/tweets",
                 Answer(403, problem(403, "Forbidden", "You attempted to reply to a Tweet "
                                     "that is deleted or not visible to you.")),
                 Answer(401, problem(401, "Unauthorized", "Unauthorized")),
                 Answer(201, created(POSTED_ID, "Another answer")))

    result = sender(settings, server)
    assert (result["refused"], result["blocked"]) == (1, 1)
    [r] = desk.outbox.of_items([refused])
    assert r.status == "refused" and "deleted or not visible" in r.last_error
    [b] = desk.outbox.of_items([blocked])
    assert b.status == "blocked" and "carewire_x" in b.last_error
    assert "carewire desk replies retry" in b.last_error

    assert desk.outbox.retry_now() == 1  # the blocked one; a refusal is final
    server.route("/2/users/me", Answer(body=me(BRAND)))
    server.route("/2/tweets/search/recent", Answer(body=page([])))  # asked first: not there
    assert sender(settings, server, NOW + timedelta(minutes=1))["posted"] == 1
    assert tweets_taken(server) == 1 and not replied(desk, refused)


def test_the_monthly_write_budget_holds_replies_to_the_next_month(settings, desk, server):
    items = [queue(desk, f"k{n}", text=f"Answer {n}") for n in range(3)]
    server.route("/2/tweets", *(Answer(201, created(snowflake(at(24, 9, 0, n)), f"Answer {n}"))
                                for n in range(3)))

    result = sender(settings, server)
    assert (result["posted"], result["over_budget"]) == (2, 1)  # monthly_write_budget: 2
    [held] = desk.outbox.of_items([items[2]])
    assert held.status == "retrying" and "monthly write budget on X (2 posts" in held.last_error
    assert held.next_attempt_at == datetime(2026, 12, 1, tzinfo=timezone.utc)


def test_two_senders_at_once_post_a_reply_once(settings, desk, server):
    queue(desk)
    server.route("/2/tweets", Answer(201, created(POSTED_ID, TEXT), delay_s=0.2),
                 Answer(201, created(POSTED_ID, TEXT)))
    results = []
    threads = [threading.Thread(target=lambda: results.append(sender(settings, server)))
               for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(r["posted"] for r in results) == [0, 1] and tweets_taken(server) == 1


def test_a_blog_reply_is_posted_by_hand_and_confirmed(settings, desk, server):
    item_id = queue(desk, source="feeds")
    [reply] = desk.outbox.of_items([item_id])
    assert reply.status == "by_hand"
    assert sender(settings, server)["posted"] == 0 and server.requests == []

    with pytest.raises(DeskError, match="no reply"):
        desk.sent_by_hand(item_id + 1, reply.reply_id, "ann")  # not this item's
    desk.sent_by_hand(item_id, reply.reply_id, "ann")
    [event] = replied(desk, item_id)
    assert event.data["by_hand"] is True and event.at == NOW
    with pytest.raises(DeskError, match="only a reply to post by hand"):
        desk.sent_by_hand(item_id, reply.reply_id, "ann")


def test_while_the_demo_replays_recordings_replies_go_to_the_local_recorder_once(
        demo_settings):
    from carewire.connectors.recorder import RECORDED

    with Desk(demo_settings.desk_url, clock=lambda: NOW) as desk:
        item = desk.items(team="care", status="open", source="reddit", limit=1)[0]
        first = item.mentions[0]
        desk.reply(item.item_id, "ann", "Thanks, we are on it.",
                   ReplyTarget(first.source, "stream", first.source_id, None, first.url))

    assert send(demo_settings, {}, NOW)["posted"] == 1  # no credentials needed
    assert send(demo_settings, {}, NOW + timedelta(hours=1))["posted"] == 0

    [line] = (demo_settings.data_dir / RECORDED).read_text().splitlines()
    kept = json.loads(line)
    assert (kept["source"], kept["in_reply_to"], kept["text"]) == (
        "reddit", first.source_id, "Thanks, we are on it.")
    with Desk(demo_settings.desk_url) as desk:
        [reply] = desk.outbox.of_items([item.item_id])
        assert (reply.status, reply.external_url) == ("posted", None)
        assert replied(desk, item.item_id)[0].data["external_id"] == kept["id"]
