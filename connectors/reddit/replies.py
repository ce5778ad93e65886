"""Posting an agent's reply on Reddit as the brand's account, once.

The brand's account posts through a Reddit "script" app (password grant): the app's
client id and secret are the login and password of the source's Airflow Connection (the
reader uses the same two), the account's username and password are `username` and
`password` in its extra. The account must be listed as a developer of the app.

`post` calls praw's `Comment.reply` / `Submission.reply`: one POST /api/comment with
`thing_id` = the answered post's fullname (`Reply.source_id`, `t1_`/`t3_`, as
connectors/reddit/mapping.py keys mentions). Nothing re-sends that POST by itself:
  * the session retries only idempotent methods (`make_session(retry_posts=False)`):
    urllib3 would otherwise re-send it after a read timeout or a 5xx;
  * prawcore's own retries (twice more on 5xx, timeouts, dropped connections, any
    method) are off (`client._NoRetry`);
  * praw does not sleep and re-send after a RATELIMIT refusal (`ratelimit_seconds=-1`).
A failure whose outcome is unknown (timeout, 5xx, an answer that is not JSON) is a
RetriableSourceError, and the sender calls `find` before it posts again.

`find` reads the answered post's direct replies, newest first (the thread with
`sort=new`), and takes the brand account's comment whose text is the reply's. Texts are
compared after Unicode NFC normalisation with every run of whitespace made one space and
the ends trimmed: Reddit keeps the Markdown as sent but may trim it and turn CRLF into LF
(prawcore always asks for `raw_json=1`, so &, < and > come back unescaped). Two texts
that differ only in spacing read the same on Reddit, so they count as the same reply.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime, timezone
from typing import ClassVar, Mapping

import praw
from praw.exceptions import ClientException, RedditAPIException
from praw.models import Comment, Submission
from prawcore.const import ACCESS_TOKEN_PATH
from prawcore.exceptions import (BadJSON, InsufficientScope, OAuthException, RequestException,
                                 ResponseException)

from carewire.core.errors import (AuthError, ReplyRefused, RetriableSourceError,
                                  SourceError)
from carewire.core.replies import Posted, Reply
from carewire.core.settings import Fetching, RedditSource
from carewire.core.types import Credentials
from carewire.connectors import http
from carewire.connectors.reddit import mapping
from carewire.connectors.reddit.client import make_reddit

_FAILURES = (RedditAPIException, OAuthException, RequestException, ResponseException)
"""What praw and prawcore raise when Reddit (or the way to it) said no; anything else is a
bug here and propagates as it is."""
_WAIT = re.compile(r"(\d+)\s*(millisecond|second|minute|hour)s?", re.I)
_UNIT_S = {"millisecond": 0.001, "second": 1, "minute": 60, "hour": 3600}


def _same_text(posted: str, written: str) -> bool:
    """The same reply as Reddit shows it (see the module docstring)."""
    def normal(text: str) -> str:
        return " ".join(unicodedata.normalize("NFC", text).split())
    return normal(posted) == normal(written)


def _wait_s(message: str | None) -> float | None:
    """Seconds a RATELIMIT refusal asks to wait ("try again in 5 minutes.")."""
    found = _WAIT.search(message or "")
    return int(found.group(1)) * _UNIT_S[found.group(2).lower()] if found else None


def _header_wait_s(response) -> float | None:
    """Retry-After, or Reddit's x-ratelimit-reset (seconds until its window resets)."""
    for name in ("Retry-After", "x-ratelimit-reset"):
        value = response.headers.get(name)
        try:
            return float(value)
        except (TypeError, ValueError):
            continue
    return None


class RedditReplies:
    """The reply channel for Reddit (carewire.core.replies.ReplyChannel)."""

    source: ClassVar[str] = mapping.SOURCE

    def __init__(self, reddit: RedditSource, fetching: Fetching,
                 credentials: Mapping[str, Credentials] | None = None):
        self.conn_id = reddit.conn_id
        self.fetching = fetching
        self.credentials = dict(credentials or {})
        # Replies go to Reddit itself, never to the demo's recorded traffic.
        self.session = http.make_session(fetching.http.model_copy(update={"replay_dir": None}),
                                         retry_posts=False)
        self._reddit: praw.Reddit | None = None
        self._username = ""

    # -- the channel -------------------------------------------------------------------

    def post(self, reply: Reply) -> Posted:
        doing = f"posting the reply to {reply.source_id}"
        try:
            made = self._target(reply).reply(reply.text)
        except _FAILURES as exc:
            raise self._error(exc, reply, doing) from exc
        if made is not None:
            return self._posted(made, found=False)
        # praw: Reddit takes the reply but returns nothing when the subreddit is
        # quarantined and the account has not opted in to view it.
        found = self.find(reply)
        if found is None:
            raise ReplyRefused(
                f"Reddit took the reply to {reply.source_id} ({reply.url}) but did not return "
                f"it, and u/{self._username} cannot see it in the thread (a quarantined "
                "subreddit the account has not opted in to?). Not retried, so it is not posted "
                "twice: look at the thread as the brand account before answering again.",
                source=self.source, stream=reply.stream)
        return found

    def find(self, reply: Reply) -> Posted | None:
        doing = f"looking for the brand's reply to {reply.source_id}"
        target = self._target(reply)
        try:
            if isinstance(target, Comment):
                target.reply_sort = "new"
                target.refresh()  # GET /comments/<thread>/_/<id>/?context=100&sort=new
                replies = list(target.replies)
            else:
                target.comment_sort = "new"
                replies = list(target.comments)  # GET /comments/<id>/?sort=new
        except ClientException:
            return None  # the answered comment is not in its thread any more
        except _FAILURES as exc:
            raise self._error(exc, reply, doing) from exc
        ours = [comment for comment in replies
                if isinstance(comment, Comment) and comment.parent_id == reply.source_id
                and comment.author is not None
                and comment.author.name.lower() == self._username.lower()
                and _same_text(comment.body, reply.text)]
        if not ours:
            return None
        return self._posted(min(ours, key=lambda comment: comment.created_utc), found=True)

    # -- helpers -----------------------------------------------------------------------

    def _client(self, reply: Reply) -> praw.Reddit:
        if self._reddit is not None:
            return self._reddit
        creds = self.credentials.get(self.conn_id)
        extra = creds.extra if creds else {}
        if (creds is None or not creds.login or not creds.password
                or not extra.get("username") or not extra.get("password")):
            raise AuthError(
                f"no Reddit account to post as in Airflow Connection '{self.conn_id}': set "
                "login = client id and password = client secret of a script app, and in extra "
                '"username" and "password" of the brand account (a developer of that app)',
                source=self.source, stream=reply.stream)
        self._username = extra["username"]
        self._reddit = make_reddit(
            client_id=creds.login, client_secret=creds.password,
            user_agent=extra.get("user_agent") or self.fetching.http.user_agent,
            http=self.fetching.http, session=self.session,
            username=extra["username"], password=extra["password"])
        return self._reddit

    def _target(self, reply: Reply) -> Comment | Submission:
        """The answered post as a lazy praw object (nothing is fetched yet)."""
        reddit = self._client(reply)
        kind, _, ident = reply.source_id.partition("_")
        if kind == "t3" and ident:
            return reddit.submission(ident)
        if kind == "t1" and ident:
            comment = reddit.comment(ident)
            if reply.thread_id and reply.thread_id.startswith("t3_"):
                # known thread: find reads it directly, without asking /api/info first
                comment.submission = reddit.submission(reply.thread_id.removeprefix("t3_"))
            return comment
        raise ReplyRefused(
            f"cannot answer {reply.source_id!r} on Reddit: it is not the fullname of a "
            "submission (t3_...) or a comment (t1_...)", source=self.source, stream=reply.stream)

    @staticmethod
    def _posted(comment: Comment, *, found: bool) -> Posted:
        permalink = getattr(comment, "permalink", None)
        return Posted(external_id=comment.fullname,
                      url=f"{mapping.SITE}{permalink}" if permalink else None,
                      posted_at=datetime.fromtimestamp(comment.created_utc, tz=timezone.utc),
                      found=found)

    def _error(self, exc: RedditAPIException | OAuthException | RequestException |
               ResponseException, reply: Reply, doing: str) -> SourceError:
        """praw/prawcore's exception as the carewire error that says what to do."""
        where = {"source": self.source, "stream": reply.stream}
        fix = f"Airflow Connection '{self.conn_id}'"
        unknown = ("the reply may or may not have been taken; the sender looks for it before "
                   "it posts again")
        if isinstance(exc, RedditAPIException):
            words = "; ".join(str(item) for item in exc.items)
            for item in exc.items:
                if item.error_type == "RATELIMIT":
                    return RetriableSourceError(
                        f"Reddit asks u/{self._username} to slow down while {doing} ({words}); "
                        "nothing was posted, the sender tries again after the wait",
                        retry_after_s=_wait_s(item.message), **where)
            return ReplyRefused(
                f"Reddit refused {doing} ({reply.url}): {words}. Nothing was posted; answer "
                "the customer another way (a locked or archived thread, a deleted post)",
                **where)
        if isinstance(exc, OAuthException):
            return AuthError(
                f"Reddit refused the brand account's login while {doing} ({exc}); check "
                f'"username" and "password" in the extra of {fix} (the account must be a '
                "developer of the app, without two-factor authentication)", **where)
        if isinstance(exc, RequestException):
            return RetriableSourceError(
                f"no answer from Reddit while {doing} ({exc.original_exception!r}); {unknown}",
                **where)
        response = exc.response
        status, body = response.status_code, response.text[:300]
        if status == 429:
            return RetriableSourceError(
                f"Reddit rate-limited the app (HTTP 429) while {doing} and did not carry the "
                "request out; the sender tries again after the wait", retry_after_s=_header_wait_s(response),
                **where)
        if status >= 500 or isinstance(exc, BadJSON):
            return RetriableSourceError(
                f"Reddit answered HTTP {status} while {doing} ({body!r}); {unknown}", **where)
        if ACCESS_TOKEN_PATH in response.url:
            return AuthError(
                f"Reddit refused the app's credentials (HTTP {status} from {response.url}: "
                f"{body}); update login (client id) and password (client secret) of {fix}",
                **where)
        if status == 401 or isinstance(exc, InsufficientScope):
            return AuthError(
                f"Reddit refused the token while {doing} (HTTP {status}: {body}); check the "
                f"app and the brand account in {fix}", **where)
        if status == 403:
            return ReplyRefused(
                f"Reddit forbids {doing} ({reply.url}; HTTP 403: {body}): the thread is locked, "
                f"u/{self._username} is banned from the subreddit, or the subreddit is private; "
                "answer the customer another way", **where)
        return ReplyRefused(f"Reddit refused {doing} ({reply.url}; HTTP {status}: {body}); "
                            "retrying will not change that", **where)
