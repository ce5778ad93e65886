"""The X connector through unmodified tweepy and real HTTP on loopback."""

from __future__ import annotations

import json
import logging
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest

from carewire.app import pipeline
from carewire.core.errors import AuthError, FatalSourceError, RetriableSourceError
from carewire.core.settings import Settings, Sources, XQuery, XSource
from carewire.core.types import Credentials, Interval
from carewire.connectors import state
from carewire.connectors.x import XConnector, budget
from tests.conftest import Reply, route_to_loopback
from tests.connectors.x.payloads import (RATE, at, edited, not_found, page, retweet, tweet,
                                         user_gone)

SEARCH = "/2/tweets/search/recent"
LOOKUP = "/2/tweets"
QUERY = '("kestrel mobile" OR @KestrelMobile) -is:retweet'
INTERVAL = Interval(at(24, 7), at(24, 8))
CREDS = {"carewire_x": Credentials(password="AAAA-bearer")}


def make_settings(tmp_path, fast_http, budget_limit=None) -> Settings:
    return Settings(data_dir=tmp_path, http=fast_http, sources=Sources(x=XSource(
        queries=[XQuery(name="brand", query=QUERY)], monthly_read_budget=budget_limit)))


def connector(settings, server, credentials=CREDS) -> XConnector:
    made = XConnector(settings.sources.x, settings.fetching, credentials)
    route_to_loopback(made.session, server)
    return made


def stream(settings):
    [only] = XConnector.streams(settings.sources.x)
    return only


def params(path: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(path).query).items()}


NEWER = [tweet(at(24, 7, 50), "kestrel mobile app logs me out again", sequence=i)
         for i in range(3)]
OLDER = [tweet(at(24, 7, 10), "@KestrelMobile any news on the outage?", author="1002",
               sequence=i) for i in range(2)]


def test_pages_until_no_next_token_within_the_lag_window(server, fast_http, tmp_path):
    settings = make_settings(tmp_path, fast_http)
    server.route(SEARCH, Reply(body=page(NEWER, next_token="b26v89c19zqg8o3fo7"), headers=RATE),
                 Reply(body=page(OLDER), headers=RATE))
    cursor = {"newest_id": "1", "newest_created_at": at(24, 7, 20).isoformat(), "recent": {}}
    result = connector(settings, server).fetch(stream(settings), cursor, INTERVAL)

    first, second = (params(p) for p in server.paths())
    assert first["query"] == QUERY and first["max_results"] == "100"
    assert first["start_time"] == "2026-11-24T06:20:00Z"  # cursor minus settings.lag
    assert first["end_time"] == "2026-11-24T08:00:00Z"    # the interval's end, no clock
    assert "since_id" not in first and "next_token" not in first
    assert first["expansions"] == "author_id,referenced_tweets.id,referenced_tweets.id.author_id"
    assert first["tweet.fields"] == ("created_at,lang,conversation_id,in_reply_to_user_id,"
                                     "referenced_tweets,public_metrics,entities")
    assert first["user.fields"] == "username,name,public_metrics,verified,created_at,description"
    assert second["next_token"] == "b26v89c19zqg8o3fo7"
    assert server.hits(SEARCH)[0]["Authorization"] == "Bearer AAAA-bearer"

    assert [p.status for p in result.pages] == [200, 200]
    assert result.pages[0].body == page(NEWER, next_token="b26v89c19zqg8o3fo7")  # verbatim
    assert result.cursor["newest_created_at"] == at(24, 7, 50).isoformat()
    assert result.cursor["newest_id"] == NEWER[2]["id"]
    assert set(result.cursor["recent"]) == {t["id"] for t in NEWER + OLDER}  # within lag
    summary = result.summary
    assert (summary["entries"], summary["new"], summary["requests"]) == (5, 3, 2)
    assert summary["complete"] is True and summary["deletion_lookups"] == 0
    assert summary["rate_limit"] == {"limit": "450", "remaining": "448",
                                     "reset": "2026-11-24T09:00:00+00:00"}


def test_a_repeated_next_token_stops_paging_and_keeps_the_cursor(server, fast_http, tmp_path):
    settings = make_settings(tmp_path, fast_http)
    server.route(SEARCH, Reply(body=page(NEWER, next_token="same"), headers=RATE))
    cursor = {"newest_id": "1", "newest_created_at": at(24, 7, 20).isoformat(), "recent": {}}
    result = connector(settings, server).fetch(stream(settings), cursor, INTERVAL)
    assert len(server.hits(SEARCH)) == 2
    assert result.cursor == cursor and "twice" in result.summary["stopped"]


def test_a_cursor_older_than_recent_search_reaches_reports_the_gap(server, fast_http, tmp_path):
    settings = make_settings(tmp_path, fast_http)
    server.route(SEARCH, Reply(body=page([]), headers=RATE))
    cursor = {"newest_id": "1", "newest_created_at": at(10, 7).isoformat(), "recent": {}}
    result = connector(settings, server).fetch(stream(settings), cursor, INTERVAL)
    assert params(server.paths()[0])["start_time"] == "2026-11-17T08:01:00Z"
    assert "were not fetched" in result.summary["gaps"]["search"]


def test_first_run_reads_from_the_interval_start_minus_lag(server, fast_http, tmp_path):
    settings = make_settings(tmp_path, fast_http)
    server.route(SEARCH, Reply(body=page([]), headers=RATE))
    result = connector(settings, server).fetch(stream(settings), {}, INTERVAL)
    assert params(server.paths()[0])["start_time"] == "2026-11-24T06:00:00Z"
    assert result.summary["entries"] == 0
    assert result.cursor == {"newest_id": None, "newest_created_at": None, "recent": {}}


@pytest.mark.parametrize("first", [
    Reply(429, b'{"title":"Too Many Requests","detail":"Too Many Requests","type":"about:blank",'
               b'"status":429}',
          {**RATE, "x-rate-limit-remaining": "0", "x-rate-limit-reset": "0"}),
    Reply(503, b'{"title":"Service Unavailable","type":"about:blank","status":503}'),
])
def test_rate_limit_or_server_error_then_success(server, fast_http, tmp_path, first):
    settings = make_settings(tmp_path, fast_http)
    server.route(SEARCH, first, Reply(body=page(NEWER), headers=RATE))
    result = connector(settings, server).fetch(stream(settings), {}, INTERVAL)
    assert len(server.hits(SEARCH)) == 2
    assert [p.status for p in result.pages] == [200]
    assert result.summary["entries"] == 3 and result.summary["requests"] == 2


def test_rate_limit_that_persists_says_when_the_window_resets(server, fast_http, tmp_path):
    settings = make_settings(tmp_path, fast_http)
    server.route(SEARCH, Reply(429, b'{"title":"Too Many Requests","status":429}',
                               {**RATE, "x-rate-limit-remaining": "0"}))
    with pytest.raises(RetriableSourceError, match="window resets at 2026-11-24T09:00:00"):
        connector(settings, server).fetch(stream(settings), {}, INTERVAL)
    assert len(server.hits(SEARCH)) == fast_http.max_retries + 1


def test_unauthorised_names_the_connection_and_is_not_retried(server, fast_http, tmp_path):
    settings = make_settings(tmp_path, fast_http)
    server.route(SEARCH, Reply(401, b'{"title":"Unauthorized","type":"about:blank",'
                                    b'"status":401,"detail":"Unauthorized"}'))
    with pytest.raises(AuthError, match="Airflow Connection 'carewire_x'"):
        connector(settings, server).fetch(stream(settings), {}, INTERVAL)
    assert len(server.hits(SEARCH)) == 1


def test_missing_token_names_the_connection(server, fast_http, tmp_path):
    settings = make_settings(tmp_path, fast_http)
    with pytest.raises(AuthError, match="'carewire_x'.*bearer_token"):
        connector(settings, server, credentials={}).fetch(stream(settings), {}, INTERVAL)
    assert server.requests == []


def test_bearer_token_from_the_connection_extra_wins(server, fast_http, tmp_path):
    settings = make_settings(tmp_path, fast_http)
    server.route(SEARCH, Reply(body=page([])))
    creds = {"carewire_x": Credentials(password="old", extra={"bearer_token": "from-extra"})}
    connector(settings, server, creds).fetch(stream(settings), {}, INTERVAL)
    assert server.hits(SEARCH)[0]["Authorization"] == "Bearer from-extra"


def test_bad_query_fails_fast_naming_the_setting(server, fast_http, tmp_path):
    settings = make_settings(tmp_path, fast_http)
    server.route(SEARCH, Reply(400, json.dumps({"errors": [{"parameters": {"query": [QUERY]},
                 "message": "There were errors processing your request: missing )"}],
                 "title": "Invalid Request",
                 "type": "https://api.twitter.com/2/problems/invalid-request"}
                 ).encode()))
    with pytest.raises(FatalSourceError, match="missing \\).*sources.x.queries"):
        connector(settings, server).fetch(stream(settings), {}, INTERVAL)
    assert len(server.hits(SEARCH)) == 1


def test_other_client_errors_fail_fast_without_blaming_the_config(server, fast_http, tmp_path):
    settings = make_settings(tmp_path, fast_http)
    server.route(SEARCH, Reply(404, b'{"title": "Not Found Error", "detail": "gone"}'))
    with pytest.raises(FatalSourceError, match="HTTP 404 .* retrying will not help"):
        connector(settings, server).fetch(stream(settings), {}, INTERVAL)
    assert len(server.hits(SEARCH)) == 1


def test_truncated_page_is_landed_rejected_and_stops_paging(server, fast_http, tmp_path):
    settings = make_settings(tmp_path, fast_http)
    truncated = page(OLDER, next_token="next")[:-55]
    server.route(SEARCH, Reply(body=page(NEWER, next_token="p2"), headers=RATE),
                 Reply(body=truncated, headers=RATE))
    cursor = {"newest_id": "1", "newest_created_at": at(24, 7).isoformat(), "recent": {}}
    result = connector(settings, server).fetch(stream(settings), cursor, INTERVAL)

    assert len(server.hits(SEARCH)) == 2
    assert result.pages[1].body == truncated
    assert result.cursor == cursor  # the next run reads the whole window again
    assert result.summary["rejected"] == 1 and result.summary["complete"] is False
    assert XConnector.parse(stream(settings), result.pages[1]).rejects[0].payload == truncated


def test_tweets_gone_from_the_lag_window_are_looked_up_and_flagged_deleted(
        server, fast_http, tmp_path):
    settings = make_settings(tmp_path, fast_http)
    kept, deleted, moved = (tweet(at(24, 6, 50), "kestrel mobile", sequence=i) for i in range(3))
    old_only = tweet(at(24, 5, 10), "outside this run's window")
    cursor = {"newest_id": kept["id"], "newest_created_at": at(24, 6, 50).isoformat(),
              "recent": {t["id"]: t["created_at"].replace(".000Z", "+00:00")
                         for t in (kept, deleted, moved, old_only)}}
    server.route(SEARCH, Reply(body=page([tweet(at(24, 7, 30), "new one", sequence=9), kept])))
    moved_now = dict(moved, text="edited: no longer says the brand")
    server.route(LOOKUP, Reply(body=page([moved_now], errors=[not_found(deleted["id"])])))
    result = connector(settings, server).fetch(stream(settings), cursor, INTERVAL)

    [lookup] = server.hits(LOOKUP)
    looked_up = params(server.paths()[1])
    assert looked_up["ids"] == ",".join(sorted([deleted["id"], moved["id"]]))
    assert looked_up["tweet.fields"].startswith("created_at,lang")
    mentions = [m for p in result.pages for m in XConnector.parse(stream(settings), p).mentions]
    gone = [m for m in mentions if m.is_deleted]
    assert [m.source_id for m in gone] == [deleted["id"]]
    assert gone[0].created_at == at(24, 6, 50)
    assert result.summary["deleted"] == 1 and result.summary["deletion_lookups"] == 2
    assert deleted["id"] not in result.cursor["recent"]
    assert moved["id"] in result.cursor["recent"]
    assert old_only["id"] not in result.cursor["recent"]  # older than newest minus lag


def spend(settings, tweets: int, moment=INTERVAL.end, run: str = "other/earlier") -> None:
    """Charge the ledger with `tweets` reads of distinct posts, as earlier runs would."""
    budget.charge(settings.fetching, moment, [f"{run}-{i}" for i in range(tweets)], run)


def test_each_page_asks_for_no_more_than_the_read_plan_leaves_and_stops_before_it(
        server, fast_http, tmp_path, caplog):
    # 1000 a month: by 08:00 on the 24th (23 1/3 of 30 days) the plan allows 777 reads
    settings = make_settings(tmp_path, fast_http, budget_limit=1000)
    assert budget.paced(1000, INTERVAL.end) == 777
    spend(settings, 765)  # 12 left for this interval
    server.route(SEARCH, Reply(body=page(NEWER, next_token="p2")), Reply(body=page(OLDER)))
    cursor = {"newest_id": "1", "newest_created_at": at(24, 7).isoformat(), "recent": {}}
    with caplog.at_level(logging.INFO):
        result = connector(settings, server).fetch(stream(settings), cursor, INTERVAL)

    [first] = [params(p) for p in server.paths()]
    assert first["max_results"] == "12"  # not X's 100: a page may not pass the plan
    # 3 read, 9 left: less than X's smallest page (10), so the run stops there
    assert result.cursor == cursor  # the next run reads the window again
    assert result.summary["budget_paced"] is True and result.summary["budget_exhausted"] is False
    assert result.summary["budget"]["tweets_read"] == 768
    assert "read plan" in result.summary["stopped"]

    # the retry of this interval on the same day reads the same 3 posts again for nothing
    # (X bills a post once a day, and so does the ledger), then the 2 it had no room for
    server.route(SEARCH, Reply(body=page(NEWER, next_token="p2")), Reply(body=page(OLDER)))
    again = connector(settings, server).fetch(stream(settings), cursor, INTERVAL)
    assert [params(p)["max_results"] for p in server.paths()[1:]] == ["12", "12"]
    assert again.summary["complete"] is True and len(again.pages) == 2
    month = budget.read(settings.fetching, None)["months"]["2026-11"]
    assert (month["tweets_read"], month["returned"]) == (770, 765 + 3 + 3 + 2)
    assert month["tweets_read"] <= budget.paced(1000, INTERVAL.end)

    # two minutes later the line has risen by 1000 * 2 min / 30 days: not yet a page
    spend(settings, 7, run="other/later")  # another stream took what was left: 0 now
    later = Interval(INTERVAL.end, INTERVAL.end + timedelta(minutes=2))
    assert connector(settings, server).fetch(stream(settings), cursor, later).pages == []
    assert len(server.hits(SEARCH)) == 3
    # a day on, the line has risen by 33 (1000 / 30): the run pages again, and the posts
    # it read yesterday count again, as on X's bill
    server.route(SEARCH, Reply(body=page(NEWER, next_token="p2")), Reply(body=page(OLDER)))
    saved = Interval(INTERVAL.end + timedelta(days=1) - timedelta(minutes=2),
                     INTERVAL.end + timedelta(days=1))
    resumed = connector(settings, server).fetch(stream(settings), cursor, saved)
    assert params(server.paths()[-2])["max_results"] == str(811 - 777)
    assert resumed.summary["complete"] is True and resumed.summary["budget_paced"] is False
    assert resumed.summary["budget"]["tweets_read"] == 777 + 5
    # what the ledger keeps to count a day's posts once: digests, not ids, of two days
    days = state.read(settings.ingest_state_url, budget.KEY)["days"]
    assert sorted(days) == ["2026-11-24", "2026-11-25"]
    assert not [t["id"] for t in NEWER + OLDER if t["id"] in json.dumps(days)]
    assert resumed.cursor["newest_created_at"] == at(24, 7, 50).isoformat()


def test_a_spent_budget_stops_before_asking_and_says_which_key_raises_it(
        server, fast_http, tmp_path, caplog):
    settings = make_settings(tmp_path, fast_http, budget_limit=1000)
    spend(settings, 1000)
    server.route(SEARCH, Reply(body=page(NEWER)))
    cursor = {"newest_id": "1", "newest_created_at": at(24, 7).isoformat(), "recent": {}}
    last_minute = Interval(at(30, 23, 58), at(30, 23, 59))
    with caplog.at_level(logging.WARNING):
        result = connector(settings, server).fetch(stream(settings), cursor, last_minute)
    assert server.paths() == [] and result.pages == [] and result.cursor == cursor
    assert result.summary["budget_exhausted"] is True
    assert result.summary["budget"] == {"month": "2026-11", "monthly_read_budget": 1000,
                                        "tweets_read": 1000, "requests": 1}
    assert "sources.x.monthly_read_budget" in caplog.text
    # the next month has a budget of its own, planned from its first minute
    next_month = Interval(at(30, 23, 59) + timedelta(minutes=1), at(30, 23, 59) + timedelta(
        minutes=121))
    assert connector(settings, server).fetch(stream(settings), {}, next_month).summary[
        "budget"]["month"] == "2026-12"


def test_budget_ledger_is_shared_by_streams_running_in_parallel(fast_http, tmp_path):
    from concurrent.futures import ProcessPoolExecutor

    settings = make_settings(tmp_path, fast_http)
    with ProcessPoolExecutor(4) as pool:
        list(pool.map(_charge_ten, [settings] * 8, range(8)))
    month = budget.read(settings.fetching, None)["months"]["2026-11"]
    assert (month["tweets_read"], month["requests"], month["by_run"]) == (
        800, 80, {"brand/20261124T070000Z--20261124T080000Z": 800})


def _charge_ten(settings, worker: int):
    for page_number in range(10):
        budget.charge(settings.fetching, INTERVAL.end,
                      [f"{worker}-{page_number}-{i}" for i in range(10)],
                      "brand/20261124T070000Z--20261124T080000Z")


def test_crash_mid_run_then_rerun_loses_and_duplicates_nothing(
        server, fast_http, tmp_path, monkeypatch):
    settings = make_settings(tmp_path, fast_http)
    original = XConnector.__init__

    def routed(self, *args, **kwargs):
        original(self, *args, **kwargs)
        route_to_loopback(self.session, server)

    monkeypatch.setattr(XConnector, "__init__", routed)
    server.route(SEARCH, Reply(body=page(NEWER, next_token="p2")), Reply(500, b"{}"))
    with pytest.raises(RetriableSourceError, match="HTTP 500"):
        pipeline.ingest_stream(settings, "x", "brand", INTERVAL, CREDS)
    assert not (settings.landing / "x" / "brand").exists()  # nothing landed, no cursor

    server.route(SEARCH, Reply(body=page(NEWER, next_token="p2")), Reply(body=page(OLDER)))
    summary = pipeline.ingest_stream(settings, "x", "brand", INTERVAL, CREDS)
    assert summary["entries"] == 5 and summary["statuses"] == [200, 200]
    server.route(SEARCH, Reply(body=page(NEWER, next_token="p2")), Reply(body=page(OLDER)))
    pipeline.ingest_stream(settings, "x", "brand", INTERVAL, CREDS)  # the same interval again

    pipeline.migrate(settings)
    pipeline.load_landed(settings)
    from carewire.warehouse.db import connect

    with connect(settings.warehouse) as con:
        rows = con.execute("SELECT source_id FROM core__mentions WHERE source = 'x'").fetchall()
        authors = con.execute("SELECT count(*) FROM core__authors WHERE source = 'x'").fetchone()
    assert sorted(r[0] for r in rows) == sorted(t["id"] for t in NEWER + OLDER)
    assert authors == (len({t["author_id"] for t in NEWER + OLDER}),)


def test_edits_retweets_and_left_out_authors_across_two_runs_land_as_one_row_each(
        server, fast_http, tmp_path, monkeypatch):
    """Run one sees a tweet and a tweet by an author X later leaves out; run two sees the
    tweet's edit, a retweet of a third tweet and, with X leaving Ada's profile out now, a
    tweet of hers: the warehouse holds one live row per edit chain (the newest text), the
    retweeted tweet once, every author_id, and what it knew of each author."""
    settings = make_settings(tmp_path, fast_http)
    original = XConnector.__init__

    def routed(self, *args, **kwargs):
        original(self, *args, **kwargs)
        route_to_loopback(self.session, server)

    monkeypatch.setattr(XConnector, "__init__", routed)
    first = tweet(at(24, 7, 30), "kestrel mobile charged me twice")
    orphan = tweet(at(24, 7, 20), "@KestrelMobile where is my refund", author="1009", sequence=1)
    server.route(SEARCH, Reply(body=page([first, orphan], errors=[user_gone("1009")])))
    pipeline.ingest_stream(settings, "x", "brand", INTERVAL, CREDS)

    earlier, newer = edited(first, at(24, 7, 33), "kestrel mobile charged me twice, refund please",
                            sequence=2)
    shared = tweet(at(24, 6, 40), "Kestrel Mobile double-billing: I count 300 replies so far",
                   author="1003", sequence=3)
    rt = retweet(at(24, 8, 10), shared, author="1002")
    later = tweet(at(24, 8, 20), "@KestrelHelp still nothing", sequence=4)
    body = json.loads(page([later, rt, newer, earlier, orphan], included=[shared],
                           errors=[user_gone("1009"), user_gone("1001")]))
    body["includes"]["users"] = [u for u in body["includes"]["users"] if u["id"] != "1001"]
    server.route(SEARCH, Reply(body=json.dumps(body).encode()))
    next_hour = Interval(INTERVAL.end, INTERVAL.end + timedelta(hours=1))
    summary = pipeline.ingest_stream(settings, "x", "brand", next_hour, CREDS)
    assert server.hits(LOOKUP) == []  # the first version is seen through the edit's history
    assert summary["retweets"] == 1 and summary["entries"] == 4

    pipeline.migrate(settings)
    pipeline.load_landed(settings)
    from carewire.warehouse.db import connect

    with connect(settings.warehouse) as con:
        rows = dict(con.execute("SELECT source_id, text FROM core__mentions WHERE source = 'x' "
                                "AND NOT is_deleted").fetchall())
        by = dict(con.execute("SELECT source_id, author_id FROM core__mentions").fetchall())
        handles = dict(con.execute("SELECT author_id, handle FROM core__authors").fetchall())
        share = con.execute("SELECT share_count, url FROM core__mentions WHERE source_id = ?",
                            [shared["id"]]).fetchone()
    assert rows == {first["id"]: newer["text"], orphan["id"]: orphan["text"],
                    shared["id"]: shared["text"], later["id"]: later["text"]}
    assert by[orphan["id"]] == "1009" and by[later["id"]] == "1001"
    assert handles == {"1001": "ada_w", "1003": "techwithtara", "1009": None}
    assert share == (1, f"https://x.com/techwithtara/status/{shared['id']}")
