"""Webhook destination: POST each delivery as signed JSON to a receiver you run.

For systems carewire has no connector for: the receiver gets every `Delivery` field as JSON
(datetimes as ISO 8601 in UTC, mentions as objects) and these headers:

    X-Carewire-Delivery:  the delivery key
    Idempotency-Key:      the same key, under the name many frameworks look for
    X-Carewire-Timestamp: when it was signed, in Unix seconds
    X-Carewire-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<raw body>">

The secret is the password of the destination's Airflow Connection (`conn_id`).

A receiver should, in this order:

1. Verify before parsing: compute the HMAC over the timestamp header, a dot and the *raw*
   body bytes (not re-serialised JSON), compare in constant time, and answer 401 when it
   differs. `verify()` below does this and step 2; it is plain stdlib, copy it if you like.
2. Reject stale timestamps (more than 5 minutes from its own clock, either way): a captured
   request replayed later then fails even though its signature is genuine.
3. Deduplicate by `X-Carewire-Delivery`: carewire retries until it sees a 2xx, so the same
   delivery can arrive more than once (a timeout after the receiver stored it).
4. Answer 2xx once stored. 429 and 5xx are retried with backoff; any other status holds
   the delivery as blocked until someone fixes the cause. Redirects are not followed.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from dataclasses import asdict
from datetime import datetime
from typing import Iterable

from carewire.core.settings import DestinationSettings, HttpSettings
from carewire.core.types import Credentials, dumps
from carewire.routing.destinations.base import FatalDestinationError, Outcome, Receipt
from carewire.core.delivery import Delivery
from carewire.routing.destinations.http import AFTER_FIX, call, session_for

SIGNATURE_PREFIX = "sha256="


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """The X-Carewire-Signature value for this timestamp header and raw body."""
    mac = hmac.new(secret.encode("utf-8"), timestamp.encode("utf-8") + b"." + body,
                   hashlib.sha256)
    return SIGNATURE_PREFIX + mac.hexdigest()


def verify(secret: str, timestamp: str | int | None, body: bytes | str,
           signature: str | None, max_age_s: float = 300, now: float | None = None) -> bool:
    """True when `signature` is ours for this timestamp and body, and the timestamp is
    within `max_age_s` of `now` (Unix seconds; default: the clock). Pass the headers as
    received (missing ones as None) and the raw body."""
    if timestamp is None or signature is None:
        return False
    timestamp = str(timestamp)
    try:
        sent = int(timestamp)
    except ValueError:
        return False
    if abs((time.time() if now is None else now) - sent) > max_age_s:
        return False
    raw = body.encode("utf-8") if isinstance(body, str) else body
    return hmac.compare_digest(sign(secret, timestamp, raw).encode(), signature.encode())


class WebhookDestination:
    kind = "webhook"

    def __init__(self, settings: DestinationSettings, credentials: Credentials | None,
                 http: HttpSettings):
        self.name = settings.name
        self.settings = settings
        self._secret = credentials.password if credentials else None
        self._session = session_for(settings, http)

    def deliver(self, delivery: Delivery) -> Receipt:
        """POST once (the transport retries 429/5xx); a 2xx means the receiver has it."""
        self.post(delivery.key, asdict(delivery))
        return Receipt(external_id=delivery.key, url=None, created=True)

    def post(self, key: str, payload: dict, *, after_fix: str = AFTER_FIX) -> None:
        """POST `payload` as signed JSON under the idempotency `key`. Spike alerts
        (alerts/notify.py) are sent through here too, naming their own `after_fix`."""
        secret = self._signing_secret(after_fix)
        body = dumps(payload).encode("utf-8")
        timestamp = str(int(time.time()))
        headers = {"Content-Type": "application/json",
                   "X-Carewire-Delivery": key,
                   "Idempotency-Key": key,
                   "X-Carewire-Timestamp": timestamp,
                   "X-Carewire-Signature": sign(secret, timestamp, body)}
        url = self.settings.url
        response = call(self._session, "POST", url, destination=self.name,
                        conn_id=self.settings.conn_id, after_fix=after_fix, data=body,
                        headers=headers, allow_redirects=False)
        if not 200 <= response.status_code < 300:
            where = response.headers.get("Location", "nowhere")
            raise FatalDestinationError(
                f"HTTP {response.status_code} from POST {url} (Location: {where}): a webhook "
                "receiver must answer 2xx and redirects are not followed; set this "
                f"destination's url in carewire.yaml to the final address, then "
                f"`{after_fix}`.", destination=self.name)

    def outcomes(self, external_ids: Iterable[str], since: datetime | None) -> list[Outcome]:
        """A webhook reports nothing back."""
        return []

    def _signing_secret(self, after_fix: str) -> str:
        if self._secret:
            return self._secret
        conn_id = self.settings.conn_id
        fix = (f"set the password of Airflow Connection '{conn_id}' to the signing secret"
               if conn_id else
               f"set conn_id for destination '{self.name}' in carewire.yaml to an Airflow "
               "Connection whose password is the signing secret")
        raise FatalDestinationError(
            f"no signing secret, so nothing is sent unsigned: {fix}, then run `{after_fix}`.",
            destination=self.name)
