"""The one way carewire builds a praw client: the reader's and the reply channel's.

praw and prawcore run unmodified on carewire's session (`requestor_kwargs={"session":
...}`), so carewire's transport decides what is retried (connectors/http.py). Every
setting praw would otherwise read from praw.ini files (the packaged one,
~/.config/praw.ini, ./praw.ini) or praw_* environment variables is given here, so nothing
outside carewire's settings changes what praw does.
"""

from __future__ import annotations

from dataclasses import dataclass

import praw
import requests
from prawcore import Requestor
from prawcore.sessions import RetryStrategy

from carewire.core.settings import HttpSettings


@dataclass(frozen=True)
class _NoRetry(RetryStrategy):
    """prawcore's own retries (2 more tries, with random sleeps, on 5xx, timeouts and
    dropped connections, for every method, POST /api/comment included) would multiply the
    transport's and could send a reply twice: the session decides what is retried, so
    prawcore never does."""

    def _sleep_seconds(self) -> float | None:
        return None

    def consume_available_retry(self) -> "_NoRetry":
        return self

    def should_retry_on_failure(self) -> bool:
        return False


class _Requestor(Requestor):
    """prawcore asks every API call to wait 16 s (or $prawcore_timeout) for an answer, and
    praw no longer passes its own `timeout` setting down: carewire's `http.timeout_s`
    applies to every call instead, the token request included."""

    def request(self, *args, timeout: float | None = None, **kwargs):
        return super().request(*args, timeout=self.timeout, **kwargs)


def make_reddit(*, client_id: str, client_secret: str, user_agent: str, http: HttpSettings,
                session: requests.Session, username: str | None = None,
                password: str | None = None) -> praw.Reddit:
    """A praw client on `session`. Without username/password it reads as the app alone
    (client credentials grant); with them it acts as that account (password grant of a
    script app), which posting needs.

    `ratelimit_seconds=-1`: praw sleeps and sends a POST again when Reddit refused it with
    RATELIMIT and a wait of at most this many seconds; -1 means never, so the caller sees
    the refusal and decides when to try again.
    """
    reddit = praw.Reddit(
        site_name="DEFAULT", client_id=client_id, client_secret=client_secret,
        user_agent=user_agent, username=username, password=password, refresh_token=None,
        redirect_uri=None, check_for_updates=False, check_for_async=False,
        oauth_url="https://oauth.reddit.com", reddit_url="https://www.reddit.com",
        short_url="https://redd.it", ratelimit_seconds=-1,
        timeout=int(http.timeout_s), window_size=600,
        comment_kind="t1", message_kind="t4", redditor_kind="t2", submission_kind="t3",
        subreddit_kind="t5", trophy_kind="t6",
        requestor_class=_Requestor,
        requestor_kwargs={"session": session, "timeout": http.timeout_s},
    )
    for core in (reddit._read_only_core, reddit._core):
        if core is not None:
            core._retry_strategy_class = _NoRetry
    return reddit
