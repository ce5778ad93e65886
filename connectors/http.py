"""One retry policy for every HTTP call carewire makes.

The policy sits in the transport (a urllib3 `Retry` on the `requests` session), so it
covers our own calls and those the platform libraries make through a session we hand them:
retry 429, 5xx and connection errors with bounded exponential backoff, honour
`Retry-After` and X's `x-rate-limit-reset`, and never retry other 4xx. What is left after
the retries are spent becomes a `RetriableSourceError` (Airflow's task retries are the outer
net) or a `FatalSourceError` that names what to fix.
"""

from __future__ import annotations

import time

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from carewire.core.errors import AuthError, FatalSourceError, RetriableSourceError
from carewire.core.settings import HttpSettings

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


class CarewireRetry(Retry):
    """urllib3's Retry, plus X's reset header, with every wait capped at `backoff_max`."""

    def get_retry_after(self, response):
        seconds = super().get_retry_after(response)
        if seconds is None:
            reset = response.headers.get("x-rate-limit-reset")
            if reset and reset.isdigit():
                seconds = max(0.0, int(reset) - time.time())
        if seconds is not None:
            seconds = min(seconds, self.backoff_max)
        return seconds


class TimeoutSession(requests.Session):
    """Every call times out, by default after `http.timeout_s`: not every platform library
    passes a timeout of its own (tweepy does not), and a call without one can hang a task."""

    def __init__(self, timeout_s: float):
        super().__init__()
        self.timeout_s = timeout_s

    def request(self, method, url, **kwargs):
        kwargs.setdefault("timeout", self.timeout_s)
        return super().request(method, url, **kwargs)


def make_session(http: HttpSettings, *, retry_posts: bool = True) -> requests.Session:
    """A session with the retry policy mounted; replays cassettes when the settings say so.

    `retry_posts=False` is for a session that posts replies: a POST that timed out or got
    a 5xx may have been taken, and sending it again could post twice, so the transport
    retries only the other methods (and connections that never reached the server). The
    caller turns the failure into a RetriableSourceError and looks before it tries again."""
    session = TimeoutSession(http.timeout_s)
    session.headers["User-Agent"] = http.user_agent
    if http.replay_dir is not None:
        from carewire.connectors.replay import ReplayAdapter

        adapter: requests.adapters.BaseAdapter = ReplayAdapter(http.replay_dir)
    else:
        retry = CarewireRetry(
            total=http.max_retries,
            status_forcelist=RETRY_STATUSES,
            # the platforms' token and search calls are POSTs too
            allowed_methods=None if retry_posts else Retry.DEFAULT_ALLOWED_METHODS,
            backoff_factor=http.backoff_s,
            backoff_max=http.max_backoff_s,
            respect_retry_after_header=True,
            raise_on_status=False,  # the caller turns the last response into a clear error
        )
        adapter = HTTPAdapter(max_retries=retry)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session


def retries_spent(response: requests.Response) -> int:
    """How many times the transport retried (429, 5xx, connection errors) before this
    answer: urllib3 keeps the history on the raw response."""
    return len(getattr(getattr(response.raw, "retries", None), "history", None) or ())


def get(session: requests.Session, url: str, *, timeout: float, source: str, stream: str,
        **kwargs) -> requests.Response:
    """GET through the policy; network failures that survive the retries are retriable."""
    try:
        return session.get(url, timeout=timeout, **kwargs)
    except requests.exceptions.InvalidURL as exc:
        raise FatalSourceError(f"invalid URL {url!r}: fix it in carewire.yaml", source=source,
                               stream=stream) from exc
    except requests.RequestException as exc:
        raise RetriableSourceError(
            f"could not reach {url} after retries ({type(exc).__name__}: {exc}). "
            "Check the network or the host; the next run retries.", source=source, stream=stream
        ) from exc


def raise_for_status(response: requests.Response, *, source: str, stream: str,
                     conn_id: str | None) -> None:
    """Turn a failed response into the error that tells the operator what to do."""
    status = response.status_code
    if status < 400:
        return
    url = response.url
    if status in (401, 403):
        fix = (f"update the login/password of Airflow Connection '{conn_id}'" if conn_id else
               "this source needs credentials: add an Airflow Connection and set conn_id for it "
               "in carewire.yaml")
        raise AuthError(f"HTTP {status} from {url}: the platform refused our credentials; {fix}.",
                        source=source, stream=stream)
    if status in RETRY_STATUSES:
        wait = response.headers.get("Retry-After") or response.headers.get("x-rate-limit-reset")
        hint = f" (the platform asks to wait: {wait})" if wait else ""
        raise RetriableSourceError(
            f"HTTP {status} from {url} after all retries{hint}; the next run or task retry "
            "tries again.", source=source, stream=stream)
    raise FatalSourceError(
        f"HTTP {status} from {url}: retrying will not help; check the URL in carewire.yaml.",
        source=source, stream=stream)
