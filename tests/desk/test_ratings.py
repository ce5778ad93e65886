"""Satisfaction asked where the customer is: after a resolution the sender posts a rating
request under the customer's post (the real X channel, unmodified tweepy, on a loopback
server speaking X's write API), once; the customer rates on the public page without
signing in; the link works once and expires; the rating is the customer's, counted apart
from the ratings agents record."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from carewire.core.errors import ConfigError
from carewire.core.settings import DeskSettings
from carewire.desk.ratings import ASK_WITHIN
from carewire.desk.store import Desk, DeskError
from tests.conftest import DEMO_NOW
from tests.conftest import Reply as Answer
from tests.connectors.x.payloads import at, created, snowflake
from tests.desk.test_replies import sender, tweets_taken

PUBLIC = "https://care.kestrel.example"
LINK = re.compile(re.escape(PUBLIC) + r"/rate/([\w-]{43})")


@pytest.fixture
def asking(demo_settings):
    """The demo's settings with the care team asking for ratings, posting live (to the
    loopback server) instead of replaying the sample's recordings."""
    return demo_settings.model_copy(update={
        "desk": demo_settings.desk.model_copy(update={"rating_request_teams": ["care"],
                                                      "public_url": PUBLIC}),
        "http": demo_settings.http.model_copy(update={"replay_dir": None})})


class Clock:
    def __init__(self):
        self.now = DEMO_NOW

    def __call__(self):
        return self.now


def resolved_on_x(settings, clock, count: int = 1) -> list[int]:
    """Resolve `count` open care items whose post is on X, now."""
    with Desk(settings.desk_url, clock=clock) as desk:
        items = desk.items(team="care", status="open", source="x", limit=count)
        for item in items:
            desk.resolve(item.item_id, "ann")
    assert len(items) == count, "the demo's care queue has fewer X items than before"
    return [item.item_id for item in items]


def requests_of(settings, item_id: int):
    with Desk(settings.desk_url) as desk:
        return [r for r in desk.outbox.of_items([item_id]) if r.purpose == "rating_request"]


def test_a_resolved_item_gets_one_rating_request_which_is_not_a_first_response(asking,
                                                                               server):
    clock = Clock()
    [item_id] = resolved_on_x(asking, clock)
    posted_at = DEMO_NOW + timedelta(minutes=2)
    server.route("/2/tweets", Answer(201, created(snowflake(posted_at), "rating request")))

    first = sender(asking, server, DEMO_NOW + timedelta(minutes=2))
    again = sender(asking, server, DEMO_NOW + timedelta(minutes=4))

    assert (first["rating_requests_queued"], first["posted"]) == (1, 1)
    assert (again["rating_requests_queued"], again["posted"]) == (0, 0)
    assert tweets_taken(server) == 1
    [request] = requests_of(asking, item_id)
    assert request.status == "posted" and LINK.search(request.reply.text)
    assert request.reply.text.startswith("Thanks for getting in touch! How did we do?")
    with Desk(asking.desk_url) as desk:
        kinds = [e.kind for e in desk.events(item_ids=[item_id])]
    assert kinds.count("rating_requested") == 1 and "replied" not in kinds


def test_only_recent_unrated_resolutions_of_asking_teams_are_asked(asking, demo_settings):
    clock = Clock()
    old, rated, fresh = resolved_on_x(asking, clock, 3)
    with Desk(asking.desk_url, clock=clock) as desk:
        desk.rate(rated, 4, "ann")
        community = desk.items(team="community", status="open", limit=1)[0]
        desk.resolve(community.item_id, "cid")  # a team that does not ask
        later = DEMO_NOW + ASK_WITHIN + timedelta(minutes=1)
        clock.now = later
        desk.reopen(fresh, "ann")
        desk.resolve(fresh, "ann")  # resolved again, lately

        due = [d.item_id for d in desk.ratings.due(["care"], later)]
    assert due == [fresh]  # old: resolved too long ago; rated: an agent has the rating
    assert demo_settings.desk.rating_request_teams == []  # nothing is asked by default


def test_the_customer_rates_once_on_the_public_page_without_signing_in(asking, desk_app,
                                                                       clock, server):
    [item_id] = resolved_on_x(asking, Clock())
    clock.now = DEMO_NOW + timedelta(minutes=5)  # the desk's: when the customer opens it
    server.route("/2/tweets", Answer(201, created(snowflake(at(24, 8, 6)), "rating request")))
    sender(asking, server, DEMO_NOW + timedelta(minutes=1))
    [request] = requests_of(asking, item_id)
    token = LINK.search(request.reply.text).group(1)
    customer = TestClient(desk_app)  # no session, no cookies

    form = customer.get(f"/rate/{token}")
    assert form.status_code == 200 and 'name="score"' in form.text
    assert "<script" not in form.text.split("</head>")[1]  # works without JavaScript
    bad = customer.post(f"/rate/{token}", data={"score": "9", "comment": "hm"})
    assert bad.status_code == 400 and "from 1" in bad.text and "hm</textarea>" in bad.text
    done = customer.post(f"/rate/{token}", data={"score": "2", "comment": "slow <b>reply</b>"})
    assert done.status_code == 200 and "Thank you" in done.text

    replay = customer.post(f"/rate/{token}", data={"score": "5"})
    assert replay.status_code == 410 and "recorded already" in replay.text
    assert customer.get(f"/rate/{token}").status_code == 410
    guessed = token[:-1] + ("A" if token[-1] != "A" else "B")
    assert customer.get(f"/rate/{guessed}").status_code == 404
    assert customer.post(f"/rate/{guessed}", data={"score": "5"}).status_code == 404

    with Desk(asking.desk_url) as desk:
        [rated] = [e for e in desk.events(item_ids=[item_id]) if e.kind == "rated"]
        assert (rated.actor, rated.data["by"], rated.data["score"]) == ("customer", "customer", 2)
        assert rated.data["comment"] == "slow <b>reply</b>"
        desk.rate(item_id, 4, "ann")  # what the agent was told is recorded beside it
        kinds = [e.data.get("by") for e in desk.events(item_ids=[item_id]) if e.kind == "rated"]
    assert kinds == ["customer", "agent"]
    shown = TestClient(desk_app).get(f"/rate/{token}").text
    assert "slow" not in shown and "2 –" not in shown  # a used link shows no answer


def test_a_link_expires_and_a_token_is_kept_only_as_its_hash(asking, server):
    import sqlalchemy as sa

    clock = Clock()
    [item_id] = resolved_on_x(asking, clock)
    server.route("/2/tweets", Answer(201, created(snowflake(at(24, 8, 6)), "rating request")))
    sender(asking, server, DEMO_NOW + timedelta(minutes=1))
    token = LINK.search(requests_of(asking, item_id)[0].reply.text).group(1)
    with Desk(asking.desk_url, clock=clock) as desk:
        with desk.engine.connect() as conn:
            stored = conn.execute(sa.text("SELECT * FROM desk_rating_links")).mappings().one()
        assert token not in str(dict(stored))
        clock.now = DEMO_NOW + asking.desk.rating_link_valid + timedelta(minutes=2)
        assert desk.ratings.link(token).state == "expired"
        with pytest.raises(DeskError, match="used already or has expired"):
            desk.ratings.rate(token, 5, "")


def test_rating_requests_need_a_public_address_and_a_link_in_the_text():
    with pytest.raises(ValueError, match="needs public_url"):
        DeskSettings(rating_request_teams=["care"])
    with pytest.raises(ValueError, match="has no {link}"):
        DeskSettings(rating_request_text="How did we do?")
    with pytest.raises(ValueError, match="not a web address"):
        DeskSettings(public_url="care.example.com")


def test_a_rating_team_the_desk_does_not_have_is_refused(asking):
    from carewire.desk.web import create_app
    from carewire.routing.policy import policy_for

    settings = asking.model_copy(update={"desk": asking.desk.model_copy(
        update={"rating_request_teams": ["caer"]})})
    with pytest.raises(ConfigError, match="rating_request_teams names caer"):
        create_app(settings, policy_for(settings).desk_teams())


def test_an_answer_offer_is_asked_about_the_answer_only_when_the_desk_says_so(asking, clock):
    """Issue 22, rated help: an author sent a community answer rates that answer; the
    rating says so, and the warehouse credits it to the answer's helper."""
    import duckdb

    from carewire.app.replies import ask_for_ratings
    from carewire.core.delivery import Delivery, MentionRef
    from carewire.core.replies import answer_offer

    with duckdb.connect(str(asking.snapshot), read_only=True) as con:
        source, source_id, link, author, text, created = con.execute("""
            SELECT m.source, m.source_id, m.url, coalesce(a.handle, m.author_id), m.text,
                   m.created_at
            FROM core__mentions m LEFT JOIN core__authors a USING (source, author_id)
            WHERE m.source = 'x' ORDER BY m.created_at LIMIT 1""").fetchone()
    url = "https://community.kestrel.example/t/roaming/42/3"
    answers = asking.model_copy(update={"desk": asking.desk.model_copy(
        update={"rating_request_teams": ["community"]})})
    with Desk(asking.desk_url, clock=clock) as desk:
        item_id, _ = desk.add(Delivery(
            "offer-1", "desk", "answer_offer", "mention", "cl-answered",
            (MentionRef(source, source_id, link, author, text, created),), text[:80],
            answer_offer(author, source, url), "community", "low", created,
            "accepted-answer", f"accepted answer in {url}", (), ()))
        desk.resolve(item_id, "cid")
        assert ask_for_ratings(answers, desk.ratings, clock.now) == 0  # not by default

        opted = answers.model_copy(update={"desk": answers.desk.model_copy(
            update={"rating_request_answers": True})})
        assert [d.answer for d in desk.ratings.due(["community"], clock.now, answers=True)] \
            == [True]
        assert ask_for_ratings(opted, desk.ratings, clock.now) == 1
        [request] = [r for r in desk.outbox.of_items([item_id])
                     if r.purpose == "rating_request"]
        assert request.reply.text.startswith("Did this answer from our community help you?")
        desk.ratings.rate(LINK.search(request.reply.text).group(1), 5, "")
        [rated] = [e for e in desk.events(item_ids=[item_id]) if e.kind == "rated"]
    assert rated.data == {"team": "community", "score": 5, "by": "customer",
                          "rates": "answer"}
