"""The Discourse connector, through real HTTP on loopback and plain requests.

Fixtures are Discourse's own JSON shapes (latest.json, search.json, /t/{id}.json,
/t/{id}/posts.json), cut down to the fields that matter plus a few that do not.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from urllib.parse import parse_qs, urlsplit

import pytest

from carewire.app import pipeline
from carewire.core.errors import AuthError, FatalSourceError, RetriableSourceError
from carewire.core.settings import Settings
from carewire.core.types import Interval
from carewire.connectors.base import Page, Stream
from carewire.connectors.forums import DiscourseConnector
from carewire.connectors.landing import LandingZone
from tests.conftest import Reply, route_to_loopback

UTC = timezone.utc
INTERVAL = Interval(datetime(2026, 11, 24, 7, tzinfo=UTC), datetime(2026, 11, 24, 8, tzinfo=UTC))
FORUM = "https://forum.test"
T0 = datetime(2026, 11, 24, 6, 0, tzinfo=UTC)


def iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.000Z")


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


def post(post_id: int, number: int, minutes: int | None, *, topic_id: int = 1,
         username: str = "ana", user_id: int | None = 10, text: str = "hello",
         reply_to: int | None = None, **extra) -> dict:
    record = {"id": post_id, "name": username.title(), "username": username,
              "avatar_template": f"/user_avatar/forum.test/{username}/{{size}}/1_2.png",
              "created_at": iso(at(minutes)) if minutes is not None else None,
              "cooked": f"<p>{text}</p>", "post_number": number, "post_type": 1,
              "updated_at": iso(at(minutes or 0)), "reply_count": 0,
              "reply_to_post_number": reply_to, "quote_count": 0, "reads": 3,
              "topic_id": topic_id, "topic_slug": f"topic-{topic_id}", "user_id": user_id,
              "trust_level": 1, "staff": False, "admin": False, "moderator": False,
              "actions_summary": [], "deleted_at": None, "user_deleted": False,
              "accepted_answer": False}
    record.update(extra)
    return record


def topic_page(topic_id: int, posts: list[dict], stream: list[int] | None = None,
               **extra) -> bytes:
    ids = stream or [p["id"] for p in posts if "id" in p]
    record = {"post_stream": {"posts": posts, "stream": ids},
              "id": topic_id, "title": f"Topic {topic_id}", "slug": f"topic-{topic_id}",
              "category_id": 5, "tags": ["esim"], "posts_count": len(stream or posts),
              "chunk_size": 20, "archetype": "regular", **extra}
    return json.dumps(record).encode()


def listed(topic_id: int, minutes: int, pinned: bool = False) -> dict:
    return {"id": topic_id, "title": f"Topic {topic_id}", "slug": f"topic-{topic_id}",
            "bumped_at": iso(at(minutes)), "last_posted_at": iso(at(minutes)),
            "pinned": pinned, "category_id": 5, "posts_count": 2}


def latest(*topics: dict, more: str | None = None) -> bytes:
    return json.dumps({"users": [], "topic_list": {
        "can_create_topic": False, "per_page": 30, "topics": list(topics),
        **({"more_topics_url": more} if more else {})}}).encode()


def search(*hits: tuple[int, int, int], more: bool | None = None) -> bytes:
    """hits: (post id, topic id, minutes)."""
    return json.dumps({
        "posts": [{"id": p, "topic_id": t, "created_at": iso(at(m)), "blurb": "kestrel...",
                   "post_number": 2, "username": "ana"} for p, t, m in hits],
        "topics": [listed(t, m) for _, t, m in hits], "users": [], "categories": [],
        "grouped_search_result": {"term": "kestrel order:latest",
                                  "post_ids": [p for p, _, _ in hits],
                                  "more_full_page_results": more}}).encode()


def settings(fast_http, keywords=(), **extra) -> Settings:
    return Settings(http=fast_http,
                    brands=[{"name": "Kestrel", "keywords": list(keywords)}] if keywords else [],
                    sources={"forums": [{"name": "community", "kind": "discourse",
                                         "url": FORUM}]}, **extra)


def connector(server, fast_http, keywords=()) -> DiscourseConnector:
    config = settings(fast_http, keywords)
    made = DiscourseConnector(config.sources.forums, config.fetching)
    route_to_loopback(made.session, server)
    return made


def stream(conn_id: str | None = None) -> Stream:
    return Stream(source="forums", name="community", options={"url": FORUM, "kind": "discourse"},
                  conn_id=conn_id)


def mentions(result):
    return [m for page in result.pages for m in DiscourseConnector.parse(stream(), page).mentions]


def rejects(result):
    return [r for page in result.pages for r in DiscourseConnector.parse(stream(), page).rejects]


def test_posts_map_to_mentions_with_their_thread(server, fast_http):
    server.route("/latest.json", Reply(body=latest(listed(1, 30))))
    server.route("/t/1.json", Reply(body=topic_page(1, [
        post(101, 1, 0, text="eSIM stuck on <b>activating</b>", reply_count=1,
             actions_summary=[{"id": 2, "count": 4}], locale="en"),
        post(102, 2, 10, username="sage", user_id=77, trust_level=4, staff=True,
             text="Replace it in the app &gt; Account", reply_to=1, accepted_answer=True),
        post(103, 3, 20, text="thanks"),  # no reply_to: replies to the topic
        post(104, 4, 25, reply_to=2, text="(post deleted by author)", user_deleted=True),
        post(105, 5, 28, post_type=3, text="", action_code="closed.enabled"),
    ], categories=[{"id": 5, "name": "Help: eSIM"}], accepted_answer={"post_number": 2})))
    result = connector(server, fast_http).fetch(stream(), {}, INTERVAL)

    first, answer, thanks, deleted = mentions(result)
    assert first.source_id == "forum.test:post:101"
    assert first.url == "https://forum.test/t/topic-1/1/1"
    assert first.title == "Topic 1"
    assert first.text == "eSIM stuck on activating"
    assert first.created_at == at(0)
    assert first.thread_id == "forum.test:topic:1" and first.parent_id is None
    assert first.reply_count == 1 and first.like_count == 4 and first.language == "en"
    assert first.categories == ["Help: eSIM", "esim", "solved"]
    assert first.author.author_id == "forum.test:10" and first.author.handle == "ana"
    assert answer.text == "Replace it in the app > Account"
    assert answer.parent_id == "forum.test:post:101"
    assert answer.author.karma == 4 and answer.author.is_verified is True
    assert answer.author.profile_url == "https://forum.test/u/sage"
    assert thanks.parent_id == "forum.test:post:101"
    assert deleted.is_deleted and deleted.parent_id == "forum.test:post:102"
    assert deleted.row()["text"] == ""
    assert result.cursor == {"newest_activity_at": at(30).isoformat()}
    assert result.summary["entries"] == 4 and result.summary["topics_fetched"] == 1
    assert result.summary["requests"] == 2


def test_listing_and_search_pages_yield_no_mentions():
    for page in (Page(f"{FORUM}/latest.json?order=activity", 200, {}, latest(listed(1, 5))),
                 Page(f"{FORUM}/search.json?q=kestrel", 200, {}, search((101, 1, 5)))):
        parsed = DiscourseConnector.parse(stream(), page)
        assert parsed.mentions == [] and parsed.rejects == []


def test_pages_newest_first_until_the_cursor_minus_lag(server, fast_http):
    # cursor 06:30, lag 1 h: floor 05:30 = minute -30
    server.route("/latest.json?order=activity", Reply(body=latest(
        listed(9, -600, pinned=True), listed(3, 50), listed(2, 20),
        more="/latest?order=activity&page=1")))
    server.route("/latest.json?order=activity&page=1", Reply(body=latest(
        listed(1, -10), listed(8, -31), listed(7, -40), more="/latest?order=activity&page=2")))
    for topic in (1, 2, 3):
        server.route(f"/t/{topic}.json", Reply(body=topic_page(topic, [
            post(topic * 100, 1, -10 * topic, topic_id=topic)])))
    result = connector(server, fast_http).fetch(
        stream(), {"newest_activity_at": at(30).isoformat()}, INTERVAL)

    assert server.paths() == ["/latest.json?order=activity", "/latest.json?order=activity&page=1",
                              "/t/3.json", "/t/2.json", "/t/1.json"]  # no page 2, no 9, 8, 7
    assert result.cursor == {"newest_activity_at": at(50).isoformat()}
    assert result.summary["new"] == 0  # every post is older than the old cursor


def test_first_run_reads_a_bounded_number_of_listing_pages(server, fast_http):
    server.route("/latest.json", Reply(body=latest(listed(1, 5), more="/latest?page=n")))
    server.route("/latest.json?page=n", Reply(body=latest(listed(1, 5), listed(3, 5),
                                                          more="/latest?page=m")))
    server.route("/latest.json?page=m", Reply(body=latest(listed(2, 4), more="/latest?page=o")))
    for topic in (1, 2, 3):
        server.route(f"/t/{topic}.json", Reply(body=topic_page(topic, [
            post(topic, 1, 0, topic_id=topic)])))
    result = connector(server, fast_http).fetch(stream(), {}, INTERVAL)
    assert len(server.hits("/latest.json")) == DiscourseConnector.INITIAL_PAGES
    assert result.summary["topics_fetched"] == 3  # topic 1 listed twice, fetched once


def test_a_forum_that_ignores_the_page_parameter_does_not_loop(server, fast_http):
    server.route("/latest.json", Reply(body=latest(listed(1, 5), more="/latest?page=2")))
    server.route("/t/1.json", Reply(body=topic_page(1, [post(1, 1, 0)])))
    result = connector(server, fast_http).fetch(
        stream(), {"newest_activity_at": at(0).isoformat()}, INTERVAL)
    assert len(server.hits("/latest.json")) == 2 and result.summary["topics_fetched"] == 1


def test_a_search_that_ignores_the_page_parameter_does_not_loop(server, fast_http):
    server.route("/latest.json", Reply(body=latest()))
    server.route("/search.json", Reply(body=search((101, 1, 5), more=True)))
    server.route("/t/1.json", Reply(body=topic_page(1, [post(101, 1, 5)])))
    connector(server, fast_http, keywords=["kestrel"]).fetch(
        stream(), {"newest_activity_at": at(0).isoformat()}, INTERVAL)
    assert len(server.hits("/search.json")) == 2


def test_long_topic_fetches_the_rest_newest_chunk_first_down_to_the_floor(server, fast_http):
    ids = list(range(1001, 1066))  # 65 posts: 20 on the topic page, 45 to fetch
    number = {pid: n for n, pid in enumerate(ids, start=1)}
    server.route("/latest.json", Reply(body=latest(listed(1, 200))))
    server.route("/t/1.json", Reply(body=topic_page(1, [post(i, number[i], -300) for i in ids[:20]],
                                                   stream=ids)))
    server.route("/t/1/posts.json",
                 Reply(body=json.dumps({"id": 1, "post_stream": {"posts": [
                     post(i, number[i], 100 if i == 1065 else -100, reply_to=number[i] - 1)
                     for i in ids[45:]]}}).encode()),
                 Reply(body=json.dumps({"id": 1, "post_stream": {"posts": [
                     post(i, number[i], -100) for i in ids[25:45]]}}).encode()))
    result = connector(server, fast_http).fetch(
        stream(), {"newest_activity_at": at(60).isoformat()}, INTERVAL)  # floor: minute 0

    asked = [parse_qs(urlsplit(path).query)["post_ids[]"] for path in server.paths()
             if path.startswith("/t/1/posts.json")]
    assert asked == [[str(i) for i in ids[45:]], [str(i) for i in ids[25:45]]]  # not 21-25
    found = mentions(result)
    assert len(found) == 60
    chunked = {m.source_id: m for m in found}
    assert chunked["forum.test:post:1065"].parent_id == "forum.test:post:1064"
    assert chunked["forum.test:post:1046"].parent_id is None  # its parent is on another page
    assert chunked["forum.test:post:1065"].title is None  # posts.json carries no topic title


def test_brand_search_finds_topics_the_latest_list_leaves_out(server, fast_http):
    server.route("/latest.json", Reply(body=latest(listed(1, 40))))
    server.route("/search.json", Reply(body=search((201, 2, 35), (101, 1, 30), (301, 3, -90),
                                                   more=True)))
    server.route("/t/1.json", Reply(body=topic_page(1, [post(101, 1, 30)])))
    server.route("/t/2.json", Reply(body=topic_page(2, [post(201, 1, 35, topic_id=2)])))
    result = connector(server, fast_http, keywords=["kestrel mobile"]).fetch(
        stream(), {"newest_activity_at": at(0).isoformat()}, INTERVAL)  # floor: minute -60

    [query] = [parse_qs(urlsplit(p).query) for p in server.paths() if p.startswith("/search")]
    assert query == {"q": ["kestrel mobile order:latest"]}  # page 1 only: it reached the floor
    assert server.paths().count("/t/1.json") == 1 and "/t/3.json" not in server.paths()
    assert {m.thread_id for m in mentions(result)} == {"forum.test:topic:1", "forum.test:topic:2"}


@pytest.mark.parametrize("first", [
    Reply(429, b'{"errors":["You\'ve performed this action too many times."]}',
          {"Retry-After": "0", "Content-Type": "application/json"}),
    Reply(503, b"<html>Discourse is updating</html>", {"Content-Type": "text/html"}),
])
def test_rate_limit_or_server_error_then_success(server, fast_http, first):
    server.route("/latest.json", Reply(body=latest(listed(1, 5))))
    server.route("/t/1.json", first, Reply(body=topic_page(1, [post(1, 1, 5)])))
    result = connector(server, fast_http).fetch(stream(), {}, INTERVAL)
    assert len(server.hits("/t/1.json")) == 2
    assert [p.status for p in result.pages] == [200, 200]
    assert len(mentions(result)) == 1
    assert result.summary["requests"] == 3 and result.summary["retries"] == 1


def test_errors_that_persist_are_retriable_after_bounded_retries(server, fast_http):
    server.route("/latest.json", Reply(502, b"bad gateway"))
    with pytest.raises(RetriableSourceError, match="HTTP 502 .* after all retries"):
        connector(server, fast_http).fetch(stream(), {}, INTERVAL)
    assert len(server.hits("/latest.json")) == fast_http.max_retries + 1


@pytest.mark.parametrize("conn_id, fix", [
    (None, "add an Airflow Connection and set conn_id"),
    ("kestrel_forum", "Airflow Connection 'kestrel_forum'"),
])
def test_unauthorised_says_which_connection_and_is_not_retried(server, fast_http, conn_id, fix):
    server.route("/latest.json", Reply(403, b'{"error_type":"invalid_access"}'))
    with pytest.raises(AuthError, match=fix):
        connector(server, fast_http).fetch(stream(conn_id), {}, INTERVAL)
    assert len(server.hits("/latest.json")) == 1


def test_a_topic_made_private_since_it_was_listed_is_skipped(server, fast_http):
    server.route("/latest.json", Reply(body=latest(listed(2, 9), listed(1, 5))))
    server.route("/t/2.json", Reply(403, b'{"error_type":"invalid_access"}'))
    server.route("/t/1.json", Reply(body=topic_page(1, [post(1, 1, 5)])))
    result = connector(server, fast_http).fetch(stream(), {}, INTERVAL)
    assert result.summary["topics_gone"] == 1 and len(mentions(result)) == 1


def test_vanished_topic_is_skipped_but_a_missing_forum_fails_fast(server, fast_http):
    server.route("/latest.json", Reply(body=latest(listed(2, 9), listed(1, 5))))
    server.route("/t/1.json", Reply(body=topic_page(1, [post(1, 1, 5)])))
    result = connector(server, fast_http).fetch(stream(), {}, INTERVAL)
    assert result.summary["topics_gone"] == 1 and len(mentions(result)) == 1
    assert result.cursor == {"newest_activity_at": at(5).isoformat()}

    server.routes.pop("/latest.json")
    with pytest.raises(FatalSourceError, match="HTTP 404 .* check the URL"):
        connector(server, fast_http).fetch(stream(), {}, INTERVAL)


def test_truncated_topic_is_rejected_whole_and_holds_the_cursor_back(server, fast_http):
    server.route("/latest.json", Reply(body=latest(listed(2, 50), listed(1, 20))))
    server.route("/t/1.json", Reply(body=topic_page(1, [post(1, 1, 20)])))
    server.route("/t/2.json", Reply(body=topic_page(2, [post(2, 1, 50, topic_id=2)])[:60]))
    result = connector(server, fast_http).fetch(stream(), {}, INTERVAL)

    [reject] = rejects(result)
    assert reject.reason.startswith("not valid JSON") and reject.item_ref.endswith("/t/2.json")
    assert reject.payload == result.pages[1].body
    assert [m.source_id for m in mentions(result)] == ["forum.test:post:1"]
    assert result.cursor == {"newest_activity_at": at(20).isoformat()}  # not topic 2's 50
    assert result.summary["rejected"] == 1 and result.summary["topics_failed"] == 1


@pytest.mark.parametrize("body, reason", [
    (b'{"users":[],"topic_list":{"topics":[{"id":1,"bumped_at":"2026-', "not valid JSON"),
    (b"<!DOCTYPE html><html><title>Just a moment...</title></html>", "HTML page instead"),
    (b'{"errors":["not found"]}', "latest.json without 'topic_list'"),
])
def test_broken_listing_is_landed_and_stops_paging_without_moving_the_cursor(
        server, fast_http, body, reason):
    server.route("/latest.json?order=activity", Reply(body=latest(
        listed(1, 40), more="/latest?order=activity&page=1")))
    server.route("/latest.json?order=activity&page=1", Reply(body=body))
    server.route("/t/1.json", Reply(body=topic_page(1, [post(1, 1, 40)])))
    cursor = {"newest_activity_at": at(0).isoformat()}
    result = connector(server, fast_http).fetch(stream(), cursor, INTERVAL)

    assert result.pages[1].body == body
    [reject] = rejects(result)
    assert reject.reason.startswith(reason)
    assert len(mentions(result)) == 1  # what was found before the break is still landed
    assert result.cursor == cursor and result.summary["listings_complete"] is False


def test_post_without_created_at_is_rejected_alone():
    page = Page(f"{FORUM}/t/1.json", 200, {}, topic_page(1, [
        post(1, 1, 0), post(2, 2, None), {"post_number": 3, "cooked": "<p>no id</p>"},
        post(4, 3, 5, actions_summary=[], like_count=2)]))
    parsed = DiscourseConnector.parse(stream(), page)
    assert [m.source_id for m in parsed.mentions] == ["forum.test:post:1", "forum.test:post:4"]
    assert parsed.mentions[1].like_count == 2
    assert [r.reason for r in parsed.rejects] == [
        "post 2 has no created_at, so it cannot be placed in time",
        "post has no numeric id, so it cannot be keyed"]
    assert b'"id": 2' in parsed.rejects[0].payload


def test_staff_deleted_post_is_flagged_deleted():
    page = Page(f"{FORUM}/t/1.json", 200, {}, topic_page(1, [
        post(1, 1, 0), post(2, 2, 3, deleted_at=iso(at(9)), text="spam link")]))
    _, removed = DiscourseConnector.parse(stream(), page).mentions
    assert removed.is_deleted and removed.row()["text"] == "" and removed.row()["title"] is None


def test_streams_come_from_the_settings(fast_http):
    assert DiscourseConnector.streams(settings(fast_http).sources.forums) == [
        Stream(source="forums", name="community", options={"url": FORUM, "kind": "discourse"})]


def test_crash_mid_run_then_rerun_loses_and_duplicates_nothing(server, fast_http, tmp_path,
                                                              monkeypatch):
    config = Settings(data_dir=tmp_path, http=fast_http, sources={"forums": [
        {"name": "community", "kind": "discourse", "url": server.url("")}]})
    server.route("/latest.json", Reply(body=latest(listed(2, 50), listed(1, 20))))
    server.route("/t/1.json", Reply(body=topic_page(1, [post(1, 1, 20), post(2, 2, 21)])))
    server.route("/t/2.json", Reply(500, b"boom"))

    with pytest.raises(RetriableSourceError):
        pipeline.ingest_stream(config, "forums", "community", INTERVAL)
    landing = LandingZone.of(config)
    assert landing.batches() == []
    assert landing.cursor_before(stream(), INTERVAL.end) == {}

    server.route("/t/2.json", Reply(body=topic_page(2, [post(3, 1, 50, topic_id=2)])))
    first = pipeline.ingest_stream(config, "forums", "community", INTERVAL)
    second = pipeline.ingest_stream(config, "forums", "community", INTERVAL)  # a task retry
    assert first["entries"] == second["entries"] == 3
    pipeline.migrate(config)
    report = pipeline.load_landed(config)
    assert report["warehouse_totals"]["mentions"] == 3
    assert len(landing.batches()) == 1

    from carewire.warehouse.db import connect
    with connect(config.warehouse) as con:
        rows = con.execute("SELECT source_id, count(*) FROM core__mentions "
                           "GROUP BY source_id ORDER BY source_id").fetchall()
    assert rows == [("127.0.0.1:post:1", 1), ("127.0.0.1:post:2", 1), ("127.0.0.1:post:3", 1)]


def test_the_accepted_answer_is_marked_on_its_post_on_topic_and_posts_pages():
    topic = Page(f"{FORUM}/t/1.json", 200, {}, topic_page(1, [
        post(1, 1, 0, text="How do I move my eSIM?"),
        post(2, 2, 5, username="sage", user_id=77, text="Replace it in the app"),
    ], accepted_answer={"post_number": 2, "username": "sage"}))  # the topic names it
    more = Page(f"{FORUM}/t/1/posts.json?post_ids[]=7", 200, {}, json.dumps(
        {"id": 1, "post_stream": {"posts": [
            post(7, 7, 9, username="bo", user_id=12, text="the real fix",
                 accepted_answer=True),  # the post carries the plugin's mark
            post(8, 8, 12, username="cy", user_id=13, accepted_answer=True,
                 user_deleted=True, text="(post deleted by author)")]}}).encode())
    [named] = DiscourseConnector.parse(stream(), topic).accepted
    assert (named.source_id, named.external_id, named.post_number, named.username) == (
        "forum.test:post:2", "1", 2, "sage")
    assert named.url == "https://forum.test/t/topic-1/1/2" and named.created_at == at(5)
    # a deleted post is no answer, whatever its mark
    assert [a.source_id for a in DiscourseConnector.parse(stream(), more).accepted] == [
        "forum.test:post:7"]


def test_an_accepted_answer_is_recorded_once_and_counted_by_the_community_views(
        server, fast_http, tmp_path):
    """Without any delivery: the forum's own pages say which answer was accepted."""
    config = Settings(data_dir=tmp_path, http=fast_http, sources={"forums": [
        {"name": "community", "kind": "discourse", "url": server.url("")}]})
    server.route("/latest.json", Reply(body=latest(listed(1, 30))))
    server.route("/t/1.json", Reply(body=topic_page(1, [
        post(1, 1, 0, text="How do I move my eSIM?"),
        post(2, 2, 5, username="sage", user_id=77, text="Replace it in the app",
             accepted_answer=True)], accepted_answer={"post_number": 2, "username": "sage"})))
    pipeline.ingest_stream(config, "forums", "community", INTERVAL)
    pipeline.migrate(config)
    pipeline.load_landed(config)
    pipeline.load_landed(config, window=(INTERVAL.start, INTERVAL.end))  # a reload

    from carewire.warehouse.community import write_spaces
    from carewire.warehouse.db import connect
    with connect(config.warehouse) as con:
        write_spaces(con, config)
        events = con.execute("""SELECT occurred_at, delivery_key, external_id, actor,
                                       (data->>'url'), (data->>'post_number'), recorded_at
                                FROM core__events WHERE kind = 'accepted_answer'""").fetchall()
        accepted = con.execute("""SELECT source_id, accepted_at FROM core__community_posts
                                  WHERE accepted_at IS NOT NULL""").fetchall()
    assert events == [(at(5), None, "1", "sage", f"{server.url('')}/t/topic-1/1/2", "2",
                       INTERVAL.end)]
    assert accepted == [("127.0.0.1:post:2", at(5))]


def test_the_bundled_sample_replays_without_errors(sample_settings):
    fetcher = DiscourseConnector(sample_settings.sources.forums, sample_settings.fetching)
    [forum] = DiscourseConnector.streams(sample_settings.sources.forums)
    result = fetcher.fetch(forum, {}, INTERVAL)
    parsed = [DiscourseConnector.parse(forum, page) for page in result.pages]
    found = [m for p in parsed for m in p.mentions]
    assert len(found) >= 60 and all(p.status == 200 for p in result.pages)
    assert any(m.is_deleted for m in found)
    assert [r.reason for p in parsed for r in p.rejects] == [
        "post 31738 has no created_at, so it cannot be placed in time"]
    assert {"Billing", "Help: App", "Help: eSIM", "Network & Coverage", "Ideas",
            "Home Broadband"} <= {m.categories[0] for m in found if m.categories}


# Cooked HTML as Discourse renders it: a quote of another post, an emoji, an upload with
# its lightbox caption, a link preview (onebox).
QUOTE = ('<aside class="quote no-group" data-username="{user}" data-post="{number}" '
         'data-topic="1">\n<div class="title">\n<div class="quote-controls"></div>\n'
         '<img loading="lazy" alt="" width="24" height="24" '
         'src="https://forum.test/user_avatar/forum.test/{user}/48/8722_2.png" class="avatar">'
         ' {user}:</div>\n<blockquote>\n<p>{text}</p>\n</blockquote>\n</aside>\n')
CONFUSED = ('<img src="https://forum.test/images/emoji/twitter/confused.png?v=12" '
            'title=":confused:" class="emoji" alt=":confused:" loading="lazy" width="20" '
            'height="20">')
UPLOAD = ('<p><div class="lightbox-wrapper"><a class="lightbox" '
          'href="https://forum.test/uploads/default/original/2X/a/a1b2.jpeg" '
          'data-download-href="/uploads/default/a1b2" title="IMG_2231.jpeg">'
          '<img src="https://forum.test/uploads/default/optimized/2X/a/a1b2_2_230x500.jpeg" '
          'alt="IMG_2231" data-base62-sha1="n8Yq" width="230" height="500">'
          '<div class="meta"><svg class="fa d-icon d-icon-far-image svg-icon" '
          'aria-hidden="true"><use href="#far-image"></use></svg><span class="filename">'
          'IMG_2231.jpeg</span><span class="informations">1170×2532 149 KB</span></div>'
          '</a></div></p>')
ONEBOX = ('<aside class="onebox allowlistedgeneric" '
          'data-onebox-src="https://status.kestrel.test/incidents/77">\n<header class="source">'
          '<img src="https://status.kestrel.test/favicon.png" class="site-icon" width="32" '
          'height="32"><a href="https://status.kestrel.test/incidents/77">status.kestrel.test'
          '</a></header>\n<article class="onebox-body"><h3><a href="https://status.kestrel'
          '.test/incidents/77">Major outage resolved</a></h3><p>All services are running '
          'normally.</p></article>\n</aside>\n')


def cooked(post_id: int, number: int, minutes: int, html: str, **extra) -> dict:
    record = post(post_id, number, minutes, **extra)
    record["cooked"] = html
    return record


def test_quotes_are_kept_apart_from_the_posts_own_words(server, fast_http):
    server.route("/latest.json", Reply(body=latest(listed(1, 30))))
    server.route("/t/1.json", Reply(body=topic_page(1, [
        post(101, 1, 0, text="eSIM stuck on activating"),
        post(102, 2, 5, username="pete", user_id=11, text="Turn off wifi calling, it worked"),
        cooked(103, 3, 10, QUOTE.format(user="pete", number=2,
                                        text="Turn off wifi calling, it worked")
               + QUOTE.format(user="ana", number=1, text="eSIM stuck on activating")
               + f"<p>Tried that, still stuck {CONFUSED}</p>", reply_to=2, quote_count=2),
        cooked(104, 4, 15, f"<p>Still down for me</p>\n{ONEBOX}"),
    ])))
    result = connector(server, fast_http).fetch(stream(), {}, INTERVAL)
    _, _, reply, linked = mentions(result)

    assert reply.text == "Tried that, still stuck :confused:"
    assert reply.quoted_text == ("Turn off wifi calling, it worked\n\n"
                                 "eSIM stuck on activating")
    assert reply.parent_id == "forum.test:post:102"
    # a link preview is the linked page's words: only the link stays
    assert linked.text == "Still down for me\nhttps://status.kestrel.test/incidents/77"
    assert linked.quoted_text is None
    assert reply.row()["quoted_text"] == reply.quoted_text


def test_likes_are_zero_when_the_summary_has_no_like():
    # Discourse's PostSerializer lists an action only when it has a count or the reader
    # may take it, and drops a zero count
    page = Page(f"{FORUM}/t/1.json", 200, {}, topic_page(1, [
        post(1, 1, 0, actions_summary=[{"id": 2, "count": 3}]),
        post(2, 2, 1, actions_summary=[]),  # anonymous reader, no likes
        post(3, 3, 2, actions_summary=[{"id": 2, "can_act": True}]),  # signed in, no likes
        post(4, 4, 3, actions_summary=[{"id": 8, "can_act": True}], like_count=5),
        post(5, 5, 4, actions_summary=None),  # a payload that says nothing of likes
    ]))
    likes = [m.like_count for m in DiscourseConnector.parse(stream(), page).mentions]
    assert likes == [3, 0, 0, 5, None]


def test_only_regular_posts_become_mentions_the_rest_are_counted(server, fast_http):
    server.route("/latest.json", Reply(body=latest(listed(1, 30))))
    server.route("/t/1.json", Reply(body=topic_page(1, [
        post(1, 1, 0, text="eSIM stuck on activating"),
        post(2, 2, 1, post_type=2, username="system", user_id=-1, action_code="pinned.enabled",
             text="This topic is now pinned. It will appear at the top of its category until "
                  "it is unpinned by staff for everyone, or by individual users for themselves."),
        post(3, 3, 2, post_type=3, text="", action_code="closed.enabled"),
        post(4, 4, 3, post_type=4, username="sage", text="Escalated to the eSIM team"),
        cooked(5, 5, 4, UPLOAD),  # a screenshot, no words
        cooked(6, 6, 5, QUOTE.format(user="ana", number=1, text="eSIM stuck")),  # bare quote
        cooked(7, 7, 6, f"<p>{CONFUSED}</p>"),  # an emoji is something said
        cooked(8, 8, 7, f"<p>Here is the error</p>{UPLOAD}"),
        post(9, 9, 8, user_deleted=True, text="(post deleted by author)"),
    ])))
    result = connector(server, fast_http).fetch(stream(), {}, INTERVAL)

    kept = mentions(result)
    assert [m.source_id.rsplit(":", 1)[1] for m in kept] == ["1", "7", "8", "9"]
    assert kept[1].text == ":confused:" and kept[2].text == "Here is the error"
    assert kept[3].is_deleted
    assert result.summary["skipped"] == {"image-only posts": 1, "moderator_action posts": 1,
                                         "posts without text": 1, "small_action posts": 1,
                                         "whisper posts": 1}
    assert result.summary["rejected"] == 0  # left out by design, not quarantined


def test_a_first_post_that_is_only_an_image_keeps_its_title():
    page = Page(f"{FORUM}/t/1.json", 200, {}, topic_page(1, [cooked(1, 1, 0, UPLOAD)]))
    [first] = DiscourseConnector.parse(stream(), page).mentions
    assert (first.title, first.text) == ("Topic 1", "")


def test_a_reload_of_the_window_reparses_rows_loaded_before(server, fast_http, tmp_path):
    """Rows loaded by an older mapping change only when their landing batch is parsed
    again: an unchanged file is skipped by checksum; `carewire rerun --reload` (a load with
    the window) reparses it."""
    config = Settings(data_dir=tmp_path, http=fast_http, sources={"forums": [
        {"name": "community", "kind": "discourse", "url": server.url("")}]})
    server.route("/latest.json", Reply(body=latest(listed(1, 30))))
    server.route("/t/1.json", Reply(body=topic_page(1, [
        post(1, 1, 0, text="eSIM stuck"),
        cooked(2, 2, 5, QUOTE.format(user="ana", number=1, text="eSIM stuck")
               + "<p>Same here</p>", actions_summary=[]),
        post(3, 3, 6, post_type=3, text="", action_code="closed.enabled")])))
    pipeline.ingest_stream(config, "forums", "community", INTERVAL)
    pipeline.migrate(config)
    first = pipeline.load_landed(config)
    assert first["per_stream"]["forums/community"]["skipped"] == 1

    from carewire.warehouse.db import connect
    select = ("SELECT text, quoted_text, like_count FROM core__mentions "
              "WHERE source_id = '127.0.0.1:post:2'")
    with connect(config.warehouse) as con:
        assert con.execute(select).fetchall() == [("Same here", "eSIM stuck", 0)]
        # as an older mapping left it: the quote folded into the text, likes unknown
        con.execute("UPDATE core__mentions SET text = 'ana:\neSIM stuck\nSame here', "
                    "quoted_text = NULL, like_count = NULL")
    assert pipeline.load_landed(config)["batches_unchanged"] == 1
    with connect(config.warehouse) as con:
        assert con.execute(select).fetchall()[0][1] is None  # unchanged file: not reparsed
    reloaded = pipeline.load_landed(config, (INTERVAL.start, INTERVAL.end))
    assert reloaded["batches_loaded"] == 1
    with connect(config.warehouse) as con:
        assert con.execute(select).fetchall() == [("Same here", "eSIM stuck", 0)]
