"""The Reddit connector, through real HTTP on loopback and unmodified praw/prawcore.

The fixtures are written in Reddit's wire format (`/api/v1/access_token`, listings of
`t3`/`t1` children, `/user/<name>/about`); praw builds the real requests and the loopback
server answers them.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from carewire.app import pipeline
from carewire.core.errors import AuthError, FatalSourceError, RetriableSourceError
from carewire.core.settings import Brand, RedditSearch, RedditSource, Settings, Sources
from carewire.core.types import Credentials, Interval
from carewire.connectors.base import Page
from carewire.connectors import state
from carewire.connectors.reddit import RedditConnector
from carewire.connectors.reddit.connector import AUTHORS_KEY
from tests.conftest import Reply, route_to_loopback

INTERVAL = Interval(datetime(2026, 11, 24, 7, tzinfo=timezone.utc),
                    datetime(2026, 11, 24, 8, tzinfo=timezone.utc))
T0 = int(datetime(2026, 11, 24, 7, 50, tzinfo=timezone.utc).timestamp())
CREDS = {"carewire_reddit": Credentials("app-id", "app-secret", {"user_agent": "carewire tests"})}
BUDGET = {"Content-Type": "application/json; charset=UTF-8", "x-ratelimit-remaining": "598.0",
          "x-ratelimit-used": "2", "x-ratelimit-reset": "300"}
TOKEN = Reply(body=b'{"access_token": "-placeholder", "token_type": "bearer", '
                   b'"expires_in": 86400, "scope": "*"}',
              headers={"Content-Type": "application/json; charset=UTF-8"})


def t3(ident: str, created: int, **data) -> dict:
    base = {"id": ident, "name": f"t3_{ident}", "created_utc": float(created),
            "subreddit": "KestrelMobile", "author": "sam_in_leeds",
            "author_fullname": "t2_abc12", "title": f"post {ident}",
            "selftext": f"text of {ident}", "permalink": f"/r/KestrelMobile/comments/{ident}/x/",
            "num_comments": 3, "score": 5, "link_flair_text": "App", "removed_by_category": None}
    return {"kind": "t3", "data": {**base, **data}}


def t1(ident: str, created: int, **data) -> dict:
    base = {"id": ident, "name": f"t1_{ident}", "created_utc": float(created),
            "subreddit": "KestrelMobile", "author": "pennine_pete", "author_fullname": "t2_def34",
            "body": f"comment {ident}", "link_id": "t3_aaa", "parent_id": "t3_aaa",
            "permalink": f"/r/KestrelMobile/comments/aaa/x/{ident}/", "score": 2}
    return {"kind": "t1", "data": {**base, **data}}


def listing_data(*kids: dict, after: str | None = None) -> dict:
    return {"kind": "Listing", "data": {"after": after, "dist": len(kids), "modhash": "",
                                        "geo_filter": "", "children": list(kids), "before": None}}


def listing(*kids: dict, after: str | None = None) -> Reply:
    return Reply(body=json.dumps(listing_data(*kids, after=after)).encode(), headers=BUDGET)


EMPTY = listing()


def settings(tmp_path: Path, fast_http, **reddit) -> Settings:
    reddit = {"subreddits": ["KestrelMobile"], **reddit}
    return Settings(data_dir=tmp_path, http=fast_http, lag=timedelta(minutes=30),
                    brands=[Brand(name="Kestrel Mobile", keywords=["kestrel mobile"])],
                    sources=Sources(reddit=RedditSource(**reddit)))


def connector(tmp_path, fast_http, server, **reddit) -> tuple[RedditConnector, list]:
    config = settings(tmp_path, fast_http, **reddit)
    made = RedditConnector(config.sources.reddit, config.fetching, CREDS)
    route_to_loopback(made.session, server)
    return made, RedditConnector.streams(config.sources.reddit)


def test_streams_from_settings(tmp_path, fast_http):
    config = settings(tmp_path, fast_http, subreddits=["KestrelMobile", "UKtelecoms"],
                      searches=[RedditSearch(name="brand", query='"kestrel mobile"')])
    assert [(s.name, s.options["kind"]) for s in RedditConnector.streams(config.sources.reddit)
            ] == [
        ("r-kestrelmobile", "subreddit"), ("r-uktelecoms", "subreddit"), ("brand", "search")]


def test_pages_newest_first_until_the_cursor_minus_lag(tmp_path, fast_http, server):
    server.route("/api/v1/access_token", TOKEN)
    server.route("/r/KestrelMobile/new",
                 listing(t3("p5", T0), t3("p4", T0 - 60), after="t3_p4"),
                 listing(t3("p3", T0 - 1200), t3("p2", T0 - 3600), after="t3_p2"),
                 listing(t3("p1", T0 - 9000), after=None))
    server.route("/r/KestrelMobile/comments/", listing(t1("c2", T0 - 30), t1("c1", T0 - 90)))
    made, [stream] = connector(tmp_path, fast_http, server)
    cursor = {"submissions": {"newest_created_utc": float(T0 - 1200), "seen_ids_at_newest": ["t3_p3"]},
              "comments": {"newest_created_utc": float(T0 - 90), "seen_ids_at_newest": ["t1_c1"]}}

    result = made.fetch(stream, cursor, INTERVAL)

    # page 2 holds p2, older than the cursor minus the 30-minute lag: page 3 is never asked
    assert [p for p in server.paths() if "/new" in p] == [
        "/r/KestrelMobile/new?limit=100&raw_json=1",
        "/r/KestrelMobile/new?limit=100&after=t3_p4&raw_json=1"]
    assert server.hits("/api/v1/access_token")[0]["_body"] == "grant_type=client_credentials"
    assert server.hits("/r/KestrelMobile/new")[0]["Authorization"] == "bearer -placeholder"
    assert all("access_token" not in p.url for p in result.pages)
    assert len(result.pages) == 3  # two submission pages, one comment page
    assert result.cursor == {
        "submissions": {"newest_created_utc": float(T0), "seen_ids_at_newest": ["t3_p5"]},
        "comments": {"newest_created_utc": float(T0 - 30), "seen_ids_at_newest": ["t1_c2"]}}
    assert result.summary["entries"] == 6
    assert result.summary["new"] == 3  # p5, p4, c2; p3/p2/c1 are the re-read lag window
    assert result.summary["requests"] == 4
    assert result.summary["budget"] == {"remaining": "598.0", "used": "2", "reset": "300"}


def test_mapping_of_submissions_and_comments(tmp_path, fast_http, server):
    server.route("/api/v1/access_token", TOKEN)
    server.route("/r/KestrelMobile/new", listing(t3("p1", T0, title="Login loop on 5.2.0")))
    server.route("/r/KestrelMobile/comments/", listing(t1("c1", T0 + 5, parent_id="t1_c0")))
    made, [stream] = connector(tmp_path, fast_http, server, )
    result = made.fetch(stream, {}, INTERVAL)
    [post] = RedditConnector.parse(stream, result.pages[0]).mentions
    [comment] = RedditConnector.parse(stream, result.pages[1]).mentions

    assert post.source_id == "t3_p1" and post.source == "reddit"
    assert post.url == "https://www.reddit.com/r/KestrelMobile/comments/p1/x/"
    assert post.title == "Login loop on 5.2.0" and post.text == "text of p1"
    assert post.created_at == datetime(2026, 11, 24, 7, 50, tzinfo=timezone.utc)
    assert post.author.author_id == "t2_abc12" and post.author.handle == "sam_in_leeds"
    assert post.thread_id == "t3_p1" and post.parent_id is None
    assert (post.reply_count, post.like_count) == (3, 5)
    assert post.categories == ["KestrelMobile", "App"]
    assert comment.source_id == "t1_c1" and comment.title is None
    assert comment.thread_id == "t3_aaa" and comment.parent_id == "t1_c0"
    assert comment.categories == ["KestrelMobile"]


def test_link_posts_keep_their_target_and_crosspost_count(tmp_path, fast_http, server):
    # As Reddit sends them: a link post points at another site, a crosspost's url is the
    # original's path on Reddit, an image post points at i.redd.it; a self post's url is
    # its own page (and a search listing's permalink carries ?ref=search_posts).
    server.route("/api/v1/access_token", TOKEN)
    server.route("/r/KestrelMobile/new", listing(
        t3("l1", T0, is_self=False, selftext="", domain="bbc.co.uk", post_hint="link",
           url="https://www.bbc.co.uk/news/articles/kestrel-outage", num_crossposts=2),
        t3("x1", T0 - 1, is_self=False, selftext="", domain="self.uktelecoms",
           url="/r/uktelecoms/comments/4m5okqe/kestrel_outage/", num_crossposts=0,
           crosspost_parent="t3_4m5okqe",
           crosspost_parent_list=[{"id": "4m5okqe", "num_crossposts": 1,
                                   "url": "https://www.reddit.com/r/uktelecoms/comments/"
                                          "4m5okqe/kestrel_outage/"}]),
        t3("i1", T0 - 2, is_self=False, selftext="", domain="i.redd.it", post_hint="image",
           url="https://i.redd.it/9f3kq2b7w1xd1.jpeg", num_crossposts=0),
        t3("s1", T0 - 3, is_self=True, domain="self.KestrelMobile", num_crossposts=1,
           url="https://www.reddit.com/r/KestrelMobile/comments/s1/x/",
           permalink="/r/KestrelMobile/comments/s1/x/?ref=search_posts")))
    server.route("/r/KestrelMobile/comments/", listing(t1("c1", T0)))
    made, [stream] = connector(tmp_path, fast_http, server)
    result = made.fetch(stream, {}, INTERVAL)
    link, cross, image, own = RedditConnector.parse(stream, result.pages[0]).mentions
    [comment] = RedditConnector.parse(stream, result.pages[1]).mentions

    assert link.url == "https://www.reddit.com/r/KestrelMobile/comments/l1/x/"
    assert link.link_url == "https://www.bbc.co.uk/news/articles/kestrel-outage"
    assert (link.text, link.crosspost_count) == ("", 2)
    assert cross.link_url == "https://www.reddit.com/r/uktelecoms/comments/4m5okqe/kestrel_outage/"
    assert cross.crosspost_count == 0
    assert image.link_url == "https://i.redd.it/9f3kq2b7w1xd1.jpeg"
    assert own.link_url is None and own.crosspost_count == 1
    assert comment.link_url is None and comment.crosspost_count is None
    row = link.row()
    assert row["link_url"] == link.link_url and row["crosspost_count"] == 2


@pytest.mark.parametrize("first", [Reply(429, b'{"message": "Too Many Requests", "error": 429}',
                                         {"Retry-After": "0"}),
                                   Reply(503, b"<html>upstream connect error</html>")])
def test_rate_limit_or_server_error_then_success(tmp_path, fast_http, server, first):
    server.route("/api/v1/access_token", TOKEN)
    server.route("/r/KestrelMobile/new", first, listing(t3("p1", T0)))
    server.route("/r/KestrelMobile/comments/", EMPTY)
    made, [stream] = connector(tmp_path, fast_http, server)
    result = made.fetch(stream, {}, INTERVAL)
    assert len(server.hits("/r/KestrelMobile/new")) == 2
    assert [p.status for p in result.pages] == [200, 200]
    assert result.summary["entries"] == 1


def test_server_errors_that_persist_are_retriable_and_retried_only_by_the_transport(
        tmp_path, fast_http, server):
    server.route("/api/v1/access_token", TOKEN)
    server.route("/r/KestrelMobile/new", Reply(500, b"boom"))
    made, [stream] = connector(tmp_path, fast_http, server)
    with pytest.raises(RetriableSourceError, match="HTTP 500 .* after all retries"):
        made.fetch(stream, {}, INTERVAL)
    assert len(server.hits("/r/KestrelMobile/new")) == fast_http.max_retries + 1


def test_refused_credentials_name_the_connection(tmp_path, fast_http, server):
    server.route("/api/v1/access_token", Reply(401, b'{"message": "Unauthorized", "error": 401}'))
    made, [stream] = connector(tmp_path, fast_http, server)
    with pytest.raises(AuthError, match="Airflow Connection 'carewire_reddit'"):
        made.fetch(stream, {}, INTERVAL)
    assert len(server.hits("/api/v1/access_token")) == 1
    assert server.hits("/api/v1/access_token")[0]["Authorization"].startswith("Basic ")


def test_missing_credentials_say_which_connection_to_create(tmp_path, fast_http):
    config = settings(tmp_path, fast_http)
    with pytest.raises(AuthError, match="'carewire_reddit'.*airflow connections add"):
        RedditConnector(config.sources.reddit, config.fetching).fetch(
            RedditConnector.streams(config.sources.reddit)[0], {}, INTERVAL)


def test_missing_subreddit_fails_fast(tmp_path, fast_http, server):
    server.route("/api/v1/access_token", TOKEN)
    server.route("/r/KestrelMobile/new", Reply(404, b'{"message": "Not Found", "error": 404}'))
    made, [stream] = connector(tmp_path, fast_http, server)
    with pytest.raises(FatalSourceError, match="HTTP 404"):
        made.fetch(stream, {}, INTERVAL)
    assert len(server.hits("/r/KestrelMobile/new")) == 1


@pytest.mark.parametrize("body, reason", [
    (b'{"kind": "Listing", "data": {"after": "t3_p9", "children": [{"kind": "t3", "da',
     "not valid JSON"),
    (b"<!DOCTYPE html><html><head><title>reddit.com: over capacity</title></head></html>",
     "an HTML page"),
])
def test_broken_page_is_landed_rejected_whole_and_keeps_the_cursor(
        tmp_path, fast_http, server, body, reason):
    server.route("/api/v1/access_token", TOKEN)
    server.route("/r/KestrelMobile/new", listing(t3("p5", T0), after="t3_p5"),
                 Reply(body=body, headers=BUDGET))
    server.route("/r/KestrelMobile/comments/", listing(t1("c1", T0)))
    made, [stream] = connector(tmp_path, fast_http, server)
    cursor = {"submissions": {"newest_created_utc": float(T0 - 9000), "seen_ids_at_newest": ["t3_p0"]},
              "comments": {}}

    result = made.fetch(stream, cursor, INTERVAL)

    assert [p.body for p in result.pages][:2][1] == body  # landed verbatim
    [reject] = RedditConnector.parse(stream, result.pages[1]).rejects
    assert reason in reject.reason and reject.payload == body
    # the unread gap between the broken page and the old cursor is read again next time
    assert result.cursor["submissions"] == cursor["submissions"]
    assert result.cursor["comments"]["seen_ids_at_newest"] == ["t1_c1"]  # the other listing moves
    assert result.summary["rejected"] == 1
    assert "submissions" in result.summary["stopped_early"]


def test_deleted_removed_and_malformed_children(tmp_path, fast_http, server):
    server.route("/api/v1/access_token", TOKEN)
    server.route("/r/KestrelMobile/new", listing(
        t3("p4", T0, author="[deleted]", author_fullname=None, selftext="[deleted]"),
        t3("p3", T0 - 1, removed_by_category="moderator", selftext="[removed]"),
        {"kind": "t3", "data": {"name": "t3_noid", "title": "no id"}},
        t3("p2", T0 - 2, created_utc="yesterday"),
        t3("p1", T0 - 3, score="many"),
        t3("p0", T0 - 4)))
    server.route("/r/KestrelMobile/comments/", listing(t1("c1", T0, body="[removed]")))
    made, [stream] = connector(tmp_path, fast_http, server)
    result = made.fetch(stream, {}, INTERVAL)
    parsed = RedditConnector.parse(stream, result.pages[0])

    assert [(m.source_id, m.is_deleted) for m in parsed.mentions] == [
        ("t3_p4", True), ("t3_p3", True), ("t3_p0", False)]
    assert parsed.mentions[0].author is None
    assert parsed.mentions[0].row()["text"] == "" and parsed.mentions[0].row()["title"] is None
    assert [r.reason for r in parsed.rejects] == [
        "t3 child has no id, so it cannot be keyed",
        "t3 child p2 has no numeric created_utc (found str)",
        "t3 child p1 has fields of the wrong type: score"]
    assert b'"no id"' in parsed.rejects[0].payload
    assert RedditConnector.parse(stream, result.pages[1]).mentions[0].is_deleted
    assert result.summary["rejected"] == 3


def test_search_stream(tmp_path, fast_http, server):
    server.route("/api/v1/access_token", TOKEN)
    server.route("/r/all/search/", listing(t3("s1", T0, subreddit="CasualUK")))
    made, [search] = connector(tmp_path, fast_http, server, subreddits=[], searches=[
        RedditSearch(name="brand", query='"kestrel mobile"')])
    result = made.fetch(search, {}, INTERVAL)
    [path] = [p for p in server.paths() if "search" in p]
    assert "q=%22kestrel+mobile%22" in path and "sort=new" in path and "t=all" in path
    assert result.cursor == {"newest_created_utc": float(T0), "seen_ids_at_newest": ["t3_s1"]}


def test_cursor_never_passes_the_interval_end(tmp_path, fast_http, server):
    later = int(INTERVAL.end.timestamp()) + 600
    server.route("/api/v1/access_token", TOKEN)
    server.route("/r/KestrelMobile/new", listing(t3("p2", later), t3("p1", T0)))
    server.route("/r/KestrelMobile/comments/", EMPTY)
    made, [stream] = connector(tmp_path, fast_http, server)
    result = made.fetch(stream, {}, INTERVAL)
    assert result.cursor["submissions"] == {"newest_created_utc": float(T0),
                                            "seen_ids_at_newest": ["t3_p1"]}
    assert result.cursor["comments"] == {"newest_created_utc": None, "seen_ids_at_newest": []}


ABOUT = {"kind": "t2", "data": {"name": "sam_in_leeds", "id": "abc12", "link_karma": 120,
                                "comment_karma": 3400, "created_utc": 1514764800.0,
                                "verified": True, "is_suspended": False}}


def test_authors_of_brand_mentions_are_looked_up_once_and_cached(tmp_path, fast_http, server):
    server.route("/api/v1/access_token", TOKEN)
    server.route("/r/KestrelMobile/new", listing(
        t3("p2", T0, title="Kestrel Mobile app logs me out"),
        t3("p1", T0 - 5, author="quiet_one", author_fullname="t2_q")))
    server.route("/r/KestrelMobile/comments/", EMPTY)
    server.route("/user/sam_in_leeds/about/",
                 Reply(body=json.dumps(ABOUT).encode(), headers=BUDGET))
    made, [stream] = connector(tmp_path, fast_http, server)

    first = made.fetch(stream, {}, INTERVAL)
    assert [p for p in server.paths() if p.startswith("/user/")] == [
        "/user/sam_in_leeds/about/?raw_json=1"]  # quiet_one did not mention the brand
    assert first.summary["authors"] == {"looked_up": 1, "cached": 0}
    [author] = RedditConnector.parse(stream, first.pages[-1]).authors
    assert (author.author_id, author.karma, author.is_verified) == ("t2_abc12", 3520, True)
    assert author.account_created_at == datetime(2018, 1, 1, tzinfo=timezone.utc)
    cache = state.read(made.fetching.state_url, AUTHORS_KEY)
    assert cache["sam_in_leeds"]["fetched_at"] == INTERVAL.end.isoformat()

    next_hour = Interval(INTERVAL.end, INTERVAL.end + timedelta(hours=1))
    second = made.fetch(stream, first.cursor, next_hour)
    assert len(server.hits("/user/sam_in_leeds/about/")) == 1
    assert second.summary["authors"] == {"looked_up": 0, "cached": 1}

    # a rerun of the first interval sees the cache as it stood then: same requests again
    rerun = made.fetch(stream, {}, INTERVAL)
    assert len(server.hits("/user/sam_in_leeds/about/")) == 2
    assert len(rerun.pages) == len(first.pages)


def test_not_json_at_all_and_non_listing_json_are_rejected_whole():
    from carewire.connectors.base import Stream

    stream = Stream("reddit", "r-x")
    page = Page("https://oauth.reddit.com/r/x/new/", 200, {}, b'{"error": 500}')
    [reject] = RedditConnector.parse(stream, page).rejects
    assert reject.reason.startswith("Reddit answered an error object")
    assert RedditConnector.parse(stream, Page("u", 404, {}, b"{}")).mentions == []


def test_crash_mid_run_then_rerun_loses_and_duplicates_nothing(
        tmp_path, fast_http, server, monkeypatch):
    config = settings(tmp_path, fast_http)
    real_init = RedditConnector.__init__

    def on_loopback(self, *args, **kwargs):  # the test's /etc/hosts entry, nothing else
        real_init(self, *args, **kwargs)
        route_to_loopback(self.session, server)

    monkeypatch.setattr(RedditConnector, "__init__", on_loopback)
    server.route("/api/v1/access_token", TOKEN)
    server.route("/r/KestrelMobile/new", listing(t3("p3", T0), t3("p2", T0 - 60), after="t3_p2"),
                 *[Reply(502, b"bad gateway")] * (fast_http.max_retries + 1),
                 listing(t3("p3", T0), t3("p2", T0 - 60), after="t3_p2"),
                 listing(t3("p1", T0 - 120)))
    server.route("/r/KestrelMobile/comments/", listing(t1("c1", T0 - 10)))

    with pytest.raises(RetriableSourceError):
        pipeline.ingest_stream(config, "reddit", "r-kestrelmobile", INTERVAL, CREDS)
    assert not list((tmp_path / "landing").glob("reddit/*/*.jsonl"))
    assert not list((tmp_path / "landing").glob("reddit/*/_cursor.json"))

    rerun = pipeline.ingest_stream(config, "reddit", "r-kestrelmobile", INTERVAL, CREDS)
    assert rerun["entries"] == 4 and rerun["statuses"] == [200, 200, 200]
    pipeline.migrate(config)
    pipeline.load_landed(config)
    following = Interval(INTERVAL.end, INTERVAL.end + timedelta(hours=1))
    again = pipeline.ingest_stream(config, "reddit", "r-kestrelmobile", following, CREDS)
    assert again["new"] == 0 and again["entries"] == 2  # p1 and c1: the lag window
    pipeline.load_landed(config)

    from carewire.warehouse.db import connect

    with connect(config.warehouse) as con:
        rows = con.execute("SELECT source_id FROM core__mentions ORDER BY source_id").fetchall()
    assert [r[0] for r in rows] == ["t1_c1", "t3_p1", "t3_p2", "t3_p3"]


def test_a_listing_that_ends_before_the_cursor_reports_the_gap(tmp_path, fast_http, server):
    server.route("/api/v1/access_token", TOKEN)
    # ten full pages, all newer than the cursor, then Reddit has nothing more
    pages = [listing(*(t3(f"p{n}{i}", T0 - 100 * n - i) for i in range(100)),
                     after=f"t3_p{n}99" if n < 9 else None) for n in range(10)]
    server.route("/r/KestrelMobile/new", *pages)
    server.route("/r/KestrelMobile/comments/", EMPTY)
    made, [stream] = connector(tmp_path, fast_http, server)
    cursor = {"submissions": {"newest_created_utc": float(T0 - 86400), "seen_ids_at_newest": []}}

    result = made.fetch(stream, cursor, INTERVAL)

    assert result.summary["entries"] == 1000
    assert "not fetched" in result.summary["gaps"]["submissions"]
    assert result.summary["gaps"].get("comments") is None
