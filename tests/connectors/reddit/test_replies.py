"""The Reddit reply channel, through real HTTP on loopback and unmodified praw/prawcore.

The loopback server of the connector tests answers in Reddit's wire format and, like
Reddit, keeps the comments it is sent: POST /api/comment stores one, and the thread's GETs
(`/comments/<id>/`, `/comments/<id>/_/<comment>/`) list it. Faults are answered to POSTs
before any is taken; a slow server stores the comment and answers after the client gave up.
Every fault test ends with the comment stored exactly once.
"""

from __future__ import annotations

import json
import time
from datetime import datetime, timezone
from urllib.parse import parse_qs

import pytest

from carewire.connectors.reddit import RedditConnector
from carewire.connectors.reddit.replies import RedditReplies
from carewire.connectors.replies import reply_channel_for
from carewire.core.errors import AuthError, ReplyRefused, RetriableSourceError
from carewire.core.replies import Posted
from carewire.core.replies import Reply as AgentReply
from carewire.core.settings import RedditSource, Settings, Sources
from carewire.core.types import Credentials
from tests.conftest import LoopbackServer, Reply, route_to_loopback
from tests.connectors.reddit.test_reddit_connector import (BUDGET, T0, TOKEN, listing_data, t1,
                                                           t3)

BRAND = "KestrelMobileCare"
CREDS = {"carewire_reddit": Credentials("app-id", "app-secret", {
    "user_agent": "carewire tests", "username": BRAND, "password": "brand-pass"})}
TEXT = ("Hi Sam, sorry about the login loop. Version 5.2.1 fixes it:\n\n"
        "1. update the app\n2. sign in again")
THREAD = "https://www.reddit.com/r/KestrelMobile/comments/p1/x/"
ON_COMMENT = AgentReply(key="k-1", source="reddit", stream="r-kestrelmobile", source_id="t1_c1",
                        thread_id="t3_p1", url=f"{THREAD}c1/", text=TEXT)
ON_POST = AgentReply(key="k-2", source="reddit", stream="r-kestrelmobile", source_id="t3_p1",
                     thread_id="t3_p1", url=THREAD, text=TEXT)
POSTED_AT = datetime(2026, 11, 24, 8, 0, 1, tzinfo=timezone.utc)  # T0 + 601: the first taken


def api_errors(*errors: list[str]) -> Reply:
    """Reddit's refusal of POST /api/comment: HTTP 200, the reasons in json.errors."""
    return Reply(body=json.dumps({"json": {"errors": list(errors)}}).encode(), headers=BUDGET)


class RedditServer(LoopbackServer):
    """The loopback server, plus what Reddit does with comments (see the module docstring).
    Thread p1 by sam_in_leeds holds his comment c1; `comments` lists every comment."""

    def __init__(self):
        super().__init__()
        self.submission = t3("p1", T0)
        self.comments = [t1("c1", T0 + 60, author="sam_in_leeds", link_id="t3_p1",
                            parent_id="t3_p1", permalink="/r/KestrelMobile/comments/p1/x/c1/")]
        self.faults: list[Reply] = []
        """Answered to POST /api/comment, in order, before any comment is taken."""
        self.slow_s = 0.0
        """How long after storing a comment the answer to its POST is sent."""
        self.returns_taken = True
        """False: a taken comment is answered with no things (a quarantined subreddit)."""
        self.route("/api/v1/access_token", TOKEN)

    def add(self, ident: str, parent: str, author: str, body: str) -> None:
        self.comments.append(t1(ident, T0 + 300 + len(self.comments), author=author, body=body,
                                link_id="t3_p1", parent_id=parent,
                                permalink=f"/r/KestrelMobile/comments/p1/x/{ident}/"))

    def taken(self) -> list[dict]:
        """The brand's comments the server stored."""
        return [c["data"] for c in self.comments if c["data"]["author"] == BRAND]

    def posts(self) -> int:
        return len(self.hits("/api/comment/"))

    def reply_for(self, method: str, path: str) -> Reply | None:
        route = path.split("?")[0]
        if method == "POST" and route == "/api/comment/":
            if self.faults:
                return self.faults.pop(0)
            return self._take(parse_qs(self.requests[-1][1]["_body"]))
        if method == "GET" and route.startswith("/comments/p1/"):
            return self._thread(route)
        return super().reply_for(method, path)

    def _take(self, form: dict[str, list[str]]) -> Reply:
        ident = f"r{len(self.taken()) + 1}"
        comment = t1(ident, T0 + 600 + len(self.taken()) + 1, author=BRAND,
                     author_fullname="t2_brand", body=form["text"][0], link_id="t3_p1",
                     parent_id=form["thing_id"][0],
                     permalink=f"/r/KestrelMobile/comments/p1/x/{ident}/")
        self.comments.append(comment)
        time.sleep(self.slow_s)
        things = [comment] if self.returns_taken else []
        body = {"json": {"errors": [], "data": {"things": things}}}
        return Reply(body=json.dumps(body).encode(), headers=BUDGET)

    def _tree(self, comment: dict) -> dict:
        """The comment with its replies nested, newest first (sort=new)."""
        kids = sorted((c for c in self.comments if c["data"]["parent_id"] == comment["data"]["name"]),
                      key=lambda c: -c["data"]["created_utc"])
        return {"kind": "t1", "data": {**comment["data"], "replies":
                                       listing_data(*map(self._tree, kids)) if kids else ""}}

    def _thread(self, route: str) -> Reply:
        if route == "/comments/p1/":
            top = [c for c in self.comments if c["data"]["parent_id"] == "t3_p1"]
        else:  # /comments/p1/_/<id>/: that comment and its replies
            top = [c for c in self.comments if c["data"]["id"] == route.split("/")[4]]
        top.sort(key=lambda c: -c["data"]["created_utc"])
        body = [listing_data(self.submission), listing_data(*map(self._tree, top))]
        return Reply(body=json.dumps(body).encode(), headers=BUDGET)


@pytest.fixture
def reddit():
    loopback = RedditServer().start()
    yield loopback
    loopback.stop()


@pytest.fixture
def http(fast_http):
    """One-second timeouts (praw takes whole seconds), so the slow-server test is short."""
    return fast_http.model_copy(update={"timeout_s": 1})


def settings(tmp_path, http) -> Settings:
    return Settings(data_dir=tmp_path, http=http,
                    sources=Sources(reddit=RedditSource(subreddits=["KestrelMobile"])))


def channel(tmp_path, http, server, credentials=CREDS) -> RedditReplies:
    made = reply_channel_for(settings(tmp_path, http), "reddit", credentials)
    route_to_loopback(made.session, server)
    return made


def test_posts_a_reply_to_a_comment_as_the_brand_account(tmp_path, http, reddit):
    posted = channel(tmp_path, http, reddit).post(ON_COMMENT)

    assert posted == Posted(external_id="t1_r1", url=f"{THREAD}r1/", posted_at=POSTED_AT)
    [token] = reddit.hits("/api/v1/access_token")
    assert parse_qs(token["_body"]) == {"grant_type": ["password"], "username": [BRAND],
                                        "password": ["brand-pass"]}
    assert token["Authorization"].startswith("Basic ")  # the app's id and secret
    [sent] = reddit.hits("/api/comment/")
    assert parse_qs(sent["_body"]) == {"api_type": ["json"], "text": [TEXT],
                                       "thing_id": ["t1_c1"]}
    assert sent["Authorization"] == "bearer -placeholder"
    assert [c["parent_id"] for c in reddit.taken()] == ["t1_c1"]


def test_posts_a_top_level_comment_on_a_submission(tmp_path, http, reddit):
    posted = channel(tmp_path, http, reddit).post(ON_POST)
    assert posted.external_id == "t1_r1" and not posted.found
    assert parse_qs(reddit.hits("/api/comment/")[0]["_body"])["thing_id"] == ["t3_p1"]


@pytest.mark.parametrize("reply", [ON_COMMENT, ON_POST], ids=["comment", "submission"])
def test_a_timeout_after_reddit_took_the_reply_is_found_not_posted_again(
        tmp_path, http, reddit, reply):
    reddit.slow_s = 2  # stored at once, answered after the client's 1 s timeout
    replies = channel(tmp_path, http, reddit)

    with pytest.raises(RetriableSourceError, match="may or may not have been taken"):
        replies.post(reply)
    assert reddit.posts() == 1  # neither urllib3 nor prawcore sent it again

    # what the sender does before a retry
    found = replies.find(reply)
    assert found == Posted(external_id="t1_r1", url=f"{THREAD}r1/", posted_at=POSTED_AT,
                           found=True)
    assert reddit.posts() == 1 and len(reddit.taken()) == 1
    thread_reads = [p for p in reddit.paths() if p.startswith("/comments/")]
    assert all("sort=new" in p for p in thread_reads)


def test_rate_limited_429_says_how_long_to_wait(tmp_path, http, reddit):
    reddit.faults = [Reply(429, b'{"message": "Too Many Requests", "error": 429}', {
        "Content-Type": "application/json; charset=UTF-8", "x-ratelimit-remaining": "0",
        "x-ratelimit-used": "600", "x-ratelimit-reset": "1"})]
    replies = channel(tmp_path, http, reddit)

    with pytest.raises(RetriableSourceError, match="HTTP 429") as raised:
        replies.post(ON_COMMENT)
    assert raised.value.retry_after_s == 1.0  # x-ratelimit-reset: seconds until the window resets
    assert reddit.posts() == 1 and reddit.taken() == []

    # the sender's retry after the wait: look, then post once
    assert replies.find(ON_COMMENT) is None
    assert replies.post(ON_COMMENT).external_id == "t1_r1"
    assert reddit.posts() == 2 and len(reddit.taken()) == 1


@pytest.mark.parametrize("message, wait", [
    ("you are doing that too much. try again in 5 minutes.", 300),
    ("you are doing that too much. try again in 3 seconds.", 3),  # praw's default re-sends it
])
def test_ratelimit_refusal_is_retriable_and_never_re_sent_by_praw(
        tmp_path, http, reddit, message, wait):
    reddit.faults = [api_errors(["RATELIMIT", message, "ratelimit"])]
    with pytest.raises(RetriableSourceError, match="RATELIMIT") as raised:
        channel(tmp_path, http, reddit).post(ON_COMMENT)
    assert raised.value.retry_after_s == wait
    assert reddit.posts() == 1 and reddit.taken() == []


def test_server_error_then_recovery_posts_once(tmp_path, http, reddit):
    reddit.faults = [Reply(503, b"<html><body>upstream connect error</body></html>")]
    replies = channel(tmp_path, http, reddit)

    with pytest.raises(RetriableSourceError, match="HTTP 503") as raised:
        replies.post(ON_COMMENT)
    assert raised.value.retry_after_s is None
    assert reddit.posts() == 1  # the transport does not retry a POST

    assert replies.find(ON_COMMENT) is None
    assert replies.post(ON_COMMENT).external_id == "t1_r1"
    assert reddit.posts() == 2 and len(reddit.taken()) == 1


@pytest.mark.parametrize("token, fault", [
    (Reply(401, b'{"message": "Unauthorized", "error": 401}'), None),  # app id/secret
    (Reply(body=b'{"error": "invalid_grant"}', headers=BUDGET), None),  # account password
    (TOKEN, Reply(401, b'{"message": "Unauthorized", "error": 401}',
                  {"www-authenticate": 'Bearer realm="reddit", error="invalid_token"'})),
    (TOKEN, Reply(403, b'{"message": "Forbidden", "error": 403}',
                  {"www-authenticate": 'Bearer realm="reddit", error="insufficient_scope"'})),
], ids=["app-401", "invalid_grant", "token-401", "insufficient_scope"])
def test_refused_credentials_name_the_connection(tmp_path, http, reddit, token, fault):
    reddit.route("/api/v1/access_token", token)
    reddit.faults = [fault] if fault else []
    with pytest.raises(AuthError, match="Airflow Connection 'carewire_reddit'"):
        channel(tmp_path, http, reddit).post(ON_COMMENT)
    assert reddit.posts() == (1 if fault else 0) and reddit.taken() == []


def test_missing_account_says_what_to_put_in_the_connection(tmp_path, http, reddit):
    app_only = {"carewire_reddit": Credentials("app-id", "app-secret", {})}  # the reader's
    with pytest.raises(AuthError, match="'carewire_reddit'.*extra.*\"username\" and \"password\""):
        channel(tmp_path, http, reddit, app_only).post(ON_COMMENT)
    assert reddit.requests == []


def test_forbidden_on_the_post_is_a_refusal(tmp_path, http, reddit):
    """403 without an OAuth error: the token is fine, the account may not comment here
    (locked thread, banned from the subreddit, private subreddit); the Connection is not
    what to fix."""
    reddit.faults = [Reply(403, b'{"message": "Forbidden", "error": 403}')]
    with pytest.raises(ReplyRefused, match="HTTP 403.*thread is locked.*banned"):
        channel(tmp_path, http, reddit).post(ON_COMMENT)
    assert reddit.posts() == 1 and reddit.taken() == []


@pytest.mark.parametrize("error", [
    ["THREAD_LOCKED", "that thread is locked", "parent"],
    ["DELETED_COMMENT", "that comment has been deleted", "parent"],
    ["TOO_OLD", "that's a piece of history now; it's too old to reply to", "parent"],
])
def test_reddit_refusals_carry_its_own_words(tmp_path, http, reddit, error):
    reddit.faults = [api_errors(error)]
    with pytest.raises(ReplyRefused) as raised:
        channel(tmp_path, http, reddit).post(ON_COMMENT)
    assert f"{error[0]}: {error[1]!r} on field 'parent'" in str(raised.value)
    assert ON_COMMENT.url in str(raised.value)
    assert reddit.posts() == 1 and reddit.taken() == []


@pytest.mark.parametrize("reply", [ON_COMMENT, ON_POST], ids=["comment", "submission"])
def test_find_takes_only_the_brand_accounts_reply_with_this_text(tmp_path, http, reddit, reply):
    parent = reply.source_id
    reddit.add("o1", parent, "pennine_pete", TEXT)  # someone else, same words
    reddit.add("o2", parent, BRAND, "Could you DM us your account number?")  # other text
    reddit.add("o3", "t1_o1", BRAND, TEXT)  # the brand's words, under another comment
    replies = channel(tmp_path, http, reddit)
    assert replies.find(reply) is None

    # Reddit trimmed it and turned CRLF into LF: the same reply
    reddit.add("o4", parent, BRAND.lower(), "  " + TEXT.replace("\n", "\r\n") + "\n")
    found = replies.find(reply)
    assert found == Posted(external_id="t1_o4", url=f"{THREAD}o4/",
                           posted_at=datetime.fromtimestamp(T0 + 304, tz=timezone.utc),
                           found=True)
    assert reddit.posts() == 0


def test_find_on_a_comment_gone_from_its_thread_is_none(tmp_path, http, reddit):
    gone = AgentReply(key="k-3", source="reddit", stream="r-kestrelmobile", source_id="t1_zz",
                      thread_id="t3_p1", url=None, text=TEXT)
    assert channel(tmp_path, http, reddit).find(gone) is None


def test_a_reply_reddit_took_without_returning_it_is_found(tmp_path, http, reddit):
    """praw returns None when Reddit takes a comment in a quarantined subreddit and sends
    nothing back: the channel looks for it instead of reporting a failure."""
    reddit.returns_taken = False
    found = channel(tmp_path, http, reddit).post(ON_COMMENT)
    assert found.external_id == "t1_r1" and found.found
    assert reddit.posts() == 1


def test_not_a_fullname_is_refused_without_a_request(tmp_path, http, reddit):
    odd = AgentReply(key="k-4", source="reddit", stream="r-kestrelmobile", source_id="c1",
                     thread_id=None, url=None, text=TEXT)
    with pytest.raises(ReplyRefused, match="not the fullname"):
        channel(tmp_path, http, reddit).post(odd)
    assert reddit.requests == []


def test_source_ids_are_the_readers_fullnames(tmp_path, http, reddit):
    """What the desk answers is keyed by the reader's mapping: a comment's fullname, its
    submission's fullname as the thread."""
    from carewire.connectors.base import Page, Stream

    body = json.dumps(listing_data(reddit.comments[0])).encode()
    [mention] = RedditConnector.parse(Stream("reddit", "r-kestrelmobile"),
                                      Page("https://oauth.reddit.com/r/x/comments/", 200, {},
                                           body)).mentions
    assert (mention.source_id, mention.thread_id, mention.url) == (
        ON_COMMENT.source_id, ON_COMMENT.thread_id, ON_COMMENT.url)


def test_the_channels_session_retries_reads_but_never_a_post(tmp_path, http, server):
    """find's GETs keep the transport's retries; a POST is sent once whatever comes back."""
    replies = channel(tmp_path, http, server)
    server.route("/read", Reply(503, b"busy"), Reply(body=b"ok"))
    server.route("/write", Reply(503, b"busy"), Reply(body=b"ok"))
    assert replies.session.get("https://oauth.reddit.com/read").status_code == 200
    assert replies.session.post("https://oauth.reddit.com/write").status_code == 503
    assert (len(server.hits("/read")), len(server.hits("/write"))) == (2, 1)
