"""The webhook destination against a real receiver on loopback that checks signatures the
way routing/destinations/webhook.py tells receivers to (with its `verify`)."""

from __future__ import annotations

import json
import threading
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from carewire.core.settings import DestinationSettings
from carewire.core.types import Credentials
from carewire.routing.destinations.base import (FatalDestinationError, Receipt,
                                                RetriableDestinationError)
from carewire.core.delivery import Delivery, MentionRef
from carewire.routing.destinations.webhook import WebhookDestination, verify

SECRET = "s3cret-signing-key"


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes
    verified: bool


class Receiver:
    """Answers 401 when the signature does not verify, else the scripted statuses in order
    (the last one repeats); keeps every request as it arrived."""

    def __init__(self, *statuses: int):
        self.statuses = list(statuses) or [204]
        self.received: list[Received] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's naming)
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                ok = verify(SECRET, self.headers.get("X-Carewire-Timestamp"), body,
                            self.headers.get("X-Carewire-Signature"))
                receiver.received.append(Received(dict(self.headers), body, ok))
                status = 401 if not ok else receiver.statuses[
                    min(len(receiver.received), len(receiver.statuses)) - 1]
                self.send_response(status)
                if 300 <= status < 400:
                    self.send_header("Location", "/elsewhere")
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                """Quiet: the tests assert on `received`."""

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_port}/carewire"
        threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True).start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def receiver():
    started: list[Receiver] = []

    def start(*statuses: int) -> Receiver:
        started.append(Receiver(*statuses))
        return started[-1]

    yield start
    for one in started:
        one.close()


def destination(url: str, http, secret: str | None = SECRET,
                conn_id: str | None = "crm_hook") -> WebhookDestination:
    settings = DestinationSettings(name="crm", kind="webhook", url=url, conn_id=conn_id,
                                   timeout_s=5)
    return WebhookDestination(settings, Credentials(password=secret), http)


def delivery() -> Delivery:
    mention = MentionRef(source="x", source_id="1860", url="https://x.com/alice/status/1860",
                         author="alice", text="still no refund 😡",
                         created_at=datetime(2026, 11, 24, 7, 30, tzinfo=timezone.utc))
    return Delivery(key="crm:mention:x:1860", destination="crm", route="contact_center",
                    unit="mention", cluster_id=None, mentions=(mention,), title="No refund",
                    body="Alice is still waiting for her refund.", team="billing",
                    priority="urgent", sla_due_at=datetime(2026, 11, 24, 9, 0,
                                                           tzinfo=timezone.utc),
                    rule_id="refund", reason="negative, refund", tags=("refund",),
                    experts=())


def test_a_signed_delivery_arrives_with_every_field(receiver, fast_http):
    hook = receiver(202)

    receipt = destination(hook.url, fast_http).deliver(delivery())

    assert receipt == Receipt(external_id="crm:mention:x:1860", url=None, created=True)
    [got] = hook.received
    assert got.verified
    key = receipt.external_id
    assert got.headers["X-Carewire-Delivery"] == got.headers["Idempotency-Key"] == key
    assert got.headers["Content-Type"] == "application/json"
    payload = json.loads(got.body)
    assert set(payload) == set(asdict(delivery()))
    assert payload["sla_due_at"] == "2026-11-24T09:00:00+00:00"
    assert payload["mentions"] == [{"source": "x", "source_id": "1860", "author": "alice",
                                    "url": "https://x.com/alice/status/1860",
                                    "text": "still no refund 😡",
                                    "created_at": "2026-11-24T07:30:00+00:00",
                                    "language": None, "sentiment": None, "intent": None,
                                    "influence_tier": None}]
    assert payload["tags"] == ["refund"] and payload["experts"] == []


def test_a_wrong_secret_fails_verification_and_is_fatal(receiver, fast_http):
    hook = receiver(200)

    with pytest.raises(FatalDestinationError, match="crm_hook"):
        destination(hook.url, fast_http, secret="not-the-secret").deliver(delivery())
    assert [r.verified for r in hook.received] == [False]


def test_a_tampered_or_stale_request_fails_verification(receiver, fast_http):
    hook = receiver(200)
    destination(hook.url, fast_http).deliver(delivery())
    [got] = hook.received
    stamp, signature = got.headers["X-Carewire-Timestamp"], got.headers["X-Carewire-Signature"]
    sent = int(stamp)

    assert verify(SECRET, stamp, got.body, signature, now=sent + 299)
    assert not verify(SECRET, stamp, got.body.replace(b"urgent", b"low"), signature)
    assert not verify(SECRET, str(sent + 1), got.body, signature)
    assert not verify(SECRET, stamp, got.body, signature, now=sent + 301)
    assert not verify(SECRET, stamp, got.body, signature, now=sent - 301)
    assert not verify(SECRET, stamp, got.body, signature.upper())
    assert not verify(SECRET, None, got.body, signature)
    assert not verify(SECRET, "yesterday", got.body, signature)


def test_a_receiver_failing_for_good_is_retriable(receiver, fast_http):
    hook = receiver(500)

    with pytest.raises(RetriableDestinationError, match="HTTP 500"):
        destination(hook.url, fast_http).deliver(delivery())
    assert len(hook.received) == 1 + fast_http.max_retries
    assert all(r.verified for r in hook.received)


def test_a_receiver_recovering_gets_the_delivery_once_more(receiver, fast_http):
    hook = receiver(503, 200)

    assert destination(hook.url, fast_http).deliver(delivery()).created
    assert [r.headers["X-Carewire-Delivery"] for r in hook.received] == [
        "crm:mention:x:1860"] * 2


@pytest.mark.parametrize("status", [410, 422])
def test_a_refusal_is_fatal_and_not_retried(receiver, fast_http, status):
    hook = receiver(status)

    with pytest.raises(FatalDestinationError, match=f"HTTP {status}"):
        destination(hook.url, fast_http).deliver(delivery())
    assert len(hook.received) == 1


def test_a_redirect_is_not_followed(receiver, fast_http):
    hook = receiver(302)

    with pytest.raises(FatalDestinationError, match="HTTP 302.*/elsewhere"):
        destination(hook.url, fast_http).deliver(delivery())
    assert len(hook.received) == 1


@pytest.mark.parametrize("conn_id, fix", [
    ("crm_hook", "password of Airflow Connection 'crm_hook'"),
    (None, "set conn_id for destination 'crm'"),
])
def test_without_a_secret_nothing_is_sent(receiver, fast_http, conn_id, fix):
    hook = receiver(200)

    with pytest.raises(FatalDestinationError, match=fix):
        destination(hook.url, fast_http, secret=None, conn_id=conn_id).deliver(delivery())
    assert hook.received == []


def test_a_webhook_reports_no_outcomes(fast_http):
    hook = destination("http://127.0.0.1:9/unused", fast_http)

    assert hook.outcomes(["crm:mention:x:1860"], since=None) == []
