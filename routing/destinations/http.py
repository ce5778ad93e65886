"""HTTP for destinations: carewire's one retry policy, and errors that say what to do.

The session is the connectors' (connectors/http.py): 429, 5xx and connection errors are
retried in the transport with bounded backoff, honouring Retry-After. What is still failing
after that becomes a `RetriableDestinationError` (the delivery waits in the backlog and is
tried again later) or a `FatalDestinationError` (held until someone fixes the cause).
"""

from __future__ import annotations

import requests

from carewire.core.settings import DestinationSettings, HttpSettings
from carewire.connectors.http import RETRY_STATUSES, make_session
from carewire.routing.destinations.base import FatalDestinationError, RetriableDestinationError

AFTER_FIX = "carewire route deliver --retry-blocked"
"""What to run once the cause of a refused delivery is fixed (alerts name their own)."""


def session_for(destination: DestinationSettings, http: HttpSettings) -> requests.Session:
    """A session with the retry policy; never the replay adapter (deliveries are writes)."""
    return make_session(http.model_copy(update={"timeout_s": destination.timeout_s,
                                                "replay_dir": None}))


def call(session: requests.Session, method: str, url: str, *, destination: str,
         conn_id: str | None, after_fix: str = AFTER_FIX, **kwargs) -> requests.Response:
    """One call; a network failure that outlasts the retries is retriable."""
    try:
        response = session.request(method, url, **kwargs)
    except requests.RequestException as exc:
        raise RetriableDestinationError(
            f"could not reach {url} ({type(exc).__name__}: {exc}); deliveries wait in the "
            "backlog and are retried on the next run", destination=destination) from exc
    check(response, destination=destination, conn_id=conn_id, after_fix=after_fix)
    return response


def check(response: requests.Response, *, destination: str, conn_id: str | None,
          after_fix: str = AFTER_FIX) -> None:
    """Raise the error that fits a failed response; return quietly on success."""
    status = response.status_code
    if status < 400:
        return
    detail = response.text[:300].strip()
    where = f"HTTP {status} from {response.request.method} {response.url}"
    if status in RETRY_STATUSES:
        wait = response.headers.get("Retry-After")
        raise RetriableDestinationError(
            f"{where} after retries{f' (Retry-After: {wait})' if wait else ''}; deliveries "
            "wait in the backlog and are retried on the next run",
            destination=destination,
            retry_after_s=float(wait) if wait and wait.isdigit() else None)
    if status in (401, 403):
        fix = (f"fix the credentials in Airflow Connection '{conn_id}'" if conn_id else
               f"set conn_id for destination '{destination}' in carewire.yaml")
        raise FatalDestinationError(f"{where}: credentials refused; {fix}, then run "
                                    f"`{after_fix}`.", destination=destination)
    raise FatalDestinationError(
        f"{where}: {detail or 'no detail'}. Retrying will not help: check the destination's "
        f"settings (url, category) in carewire.yaml, then `{after_fix}`.",
        destination=destination)


def missing_credentials(destination: DestinationSettings, system: str,
                        what: str) -> FatalDestinationError:
    """The error for a destination that has no credentials: which Airflow Connection to
    create (`what` says with which login and password), or that conn_id is missing."""
    conn_id = destination.conn_id
    fix = (f"create Airflow Connection '{conn_id}' {what}" if conn_id else
           f"set conn_id for destination '{destination.name}' in carewire.yaml and create "
           f"that Airflow Connection {what}")
    return FatalDestinationError(f"no {system} credentials: {fix}, then run `{AFTER_FIX}`.",
                                 destination=destination.name)
