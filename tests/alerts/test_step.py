"""The alerts step end to end on a real warehouse, a real SQLite desk store and a real
webhook receiver on loopback: stored once, sent once, signed, and retried after a failure."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
import sqlalchemy as sa

from carewire.desk import alert_store
from carewire.alerts.step import run
from carewire.app import pipeline
from carewire.core.settings import Settings
from carewire.core.types import Credentials
from carewire.desk.store import Desk
from carewire.routing.destinations.webhook import verify
from tests.alerts.conftest import SPIKE_HOUR, WATCHED_FROM, flat_history
from tests.routing.json_api import JsonApiServer

SECRET = "alert-signing-secret"
NOW = SPIKE_HOUR + timedelta(hours=3, minutes=20)


class Receiver(JsonApiServer):
    """A webhook receiver that checks signatures as webhook.py tells receivers to, and
    answers the scripted statuses in order (the last one repeats)."""

    def __init__(self, *statuses: int):
        super().__init__()
        self.statuses = list(statuses) or [200]
        self.received: list[dict] = []

    def handle(self, method, target, headers, body):
        ok = verify(SECRET, headers.get("X-Carewire-Timestamp"), body,
                    headers.get("X-Carewire-Signature"))
        self.received.append({"headers": headers, "body": json.loads(body), "verified": ok})
        status = self.statuses[min(len(self.received), len(self.statuses)) - 1]
        return (status if ok else 401), {}, {}


@pytest.fixture
def receiver():
    started = []

    def start(*statuses: int) -> Receiver:
        started.append(Receiver(*statuses).start())
        return started[-1]

    yield start
    for server in started:
        server.stop()


@pytest.fixture
def spiked(warehouse):
    """A steady series (4 mentions on Tuesdays at 9:00, one negative) and 20 more negative
    ones in that hour, three hours before NOW."""
    warehouse.watch("x")
    flat_history(warehouse, WATCHED_FROM, NOW)
    warehouse.mentions(SPIKE_HOUR, 20, sentiment="negative", cluster="cl-outage",
                       text="no signal since 9")
    warehouse.flush()
    return warehouse


def settings_for(tmp_path, fast_http, url: str | None = None) -> Settings:
    hooks = [{"name": "ops-hook", "kind": "webhook", "url": url, "conn_id": "ops_hook",
              "timeout_s": 5}] if url else []
    return Settings(data_dir=tmp_path / "data", http=fast_http,
                    routing={"destinations": hooks},
                    alerts={"destinations": ["ops-hook"] if url else []})


@pytest.fixture
def desk(tmp_path):
    store = Desk(f"sqlite:///{tmp_path / 'desk.sqlite'}")
    yield store
    store.close()


def desk_rows(desk: Desk) -> list[dict]:
    return alert_store.recent(desk.engine)


def notifications(con) -> list[tuple]:
    return con.execute("""SELECT destination, status, attempts FROM core__alert_notifications
                          ORDER BY alert_id, destination""").fetchall()


def test_a_spike_is_stored_and_sent_once_even_when_run_again(spiked, desk, receiver,
                                                            tmp_path, fast_http):
    hook = receiver(200)
    settings = settings_for(tmp_path, fast_http, hook.url + "/alerts")
    credentials = {"ops_hook": Credentials(password=SECRET)}

    first = run(spiked.con, settings, credentials, desk.engine, NOW)
    again = run(spiked.con, settings, credentials, desk.engine, NOW + timedelta(hours=1))

    assert first["fired"] == 2 and len(first["new_alerts"]) == 2
    assert first["notifications"]["sent"] == {"desk": 2, "ops-hook": 2}
    assert again["fired"] == 2 and again["new_alerts"] == []
    assert again["notifications"]["sent"] == {}
    stored = spiked.con.execute("SELECT alert_id, metric, count, detected_for FROM core__alerts "
                                "ORDER BY metric").fetchall()
    assert [(metric, count) for _, metric, count, _ in stored] == [("mentions", 24),
                                                                   ("negative", 21)]
    assert {row[3] for row in stored} == {NOW}
    assert notifications(spiked.con) == [("desk", "sent", 1), ("ops-hook", "sent", 1)] * 2
    on_desk = desk_rows(desk)
    assert sorted(r["alert_id"] for r in on_desk) == sorted(row[0] for row in stored)
    assert all(r["data"]["top_clusters"][0]["cluster_id"] == "cl-outage" for r in on_desk)
    assert len(hook.received) == 2


def test_the_webhook_gets_signed_json_keyed_by_the_alert_id(spiked, desk, receiver, tmp_path,
                                                           fast_http):
    hook = receiver(200)
    settings = settings_for(tmp_path, fast_http, hook.url + "/alerts")

    run(spiked.con, settings, {"ops_hook": Credentials(password=SECRET)}, desk.engine, NOW)

    ids = [row[0] for row in spiked.con.execute(
        "SELECT alert_id FROM core__alerts ORDER BY hour_start, alert_id").fetchall()]
    assert all(got["verified"] for got in hook.received)
    assert [got["headers"]["Idempotency-Key"] for got in hook.received] == ids
    assert [got["headers"]["X-Carewire-Delivery"] for got in hook.received] == ids
    negative = next(got["body"] for got in hook.received if got["body"]["metric"] == "negative")
    assert negative["kind"] == "alert"
    assert (negative["brand"], negative["source"], negative["topic"]) == (
        "Kestrel Mobile", "x", "billing")
    assert negative["hour_start"] == "2026-11-24T09:00:00+00:00"
    assert negative["hour_end"] == "2026-11-24T10:00:00+00:00"
    assert negative["count"] == 21 and negative["top_clusters"][0]["mentions"] == 20
    assert negative["explanation"].startswith("Negative relevant mentions of Kestrel Mobile")


def test_a_failing_webhook_loses_nothing_and_is_retried_next_run(spiked, desk, receiver,
                                                                tmp_path, fast_http):
    hook = receiver(503, 503, 503, 503, 200)
    settings = settings_for(tmp_path, fast_http, hook.url + "/alerts")
    credentials = {"ops_hook": Credentials(password=SECRET)}

    first = run(spiked.con, settings, credentials, desk.engine, NOW)

    assert first["notifications"]["sent"] == {"desk": 2}
    assert "HTTP 503" in first["notifications"]["errors"]["ops-hook"]
    assert "retried on the next run" in first["notifications"]["errors"]["ops-hook"]
    # The first alert was tried (with the transport's retries); the second waited its turn.
    assert len(hook.received) == 1 + fast_http.max_retries
    waiting = spiked.con.execute("""
        SELECT status, attempts, last_error IS NOT NULL FROM core__alert_notifications
        WHERE destination = 'ops-hook' ORDER BY attempts DESC""").fetchall()
    assert waiting == [("pending", 1, True), ("pending", 0, False)]

    second = run(spiked.con, settings, credentials, desk.engine, NOW + timedelta(hours=1))

    assert second["new_alerts"] == [] and second["notifications"]["sent"] == {"ops-hook": 2}
    assert [status for _, status, _ in notifications(spiked.con)] == ["sent"] * 4
    assert len(desk_rows(desk)) == 2


def test_a_missing_signing_secret_says_what_to_do_and_gives_up_after_max_attempts(
        spiked, desk, receiver, tmp_path, fast_http):
    hook = receiver(200)
    settings = settings_for(tmp_path, fast_http, hook.url + "/alerts")
    settings.alerts.max_attempts = 2

    first = run(spiked.con, settings, {}, desk.engine, NOW)
    run(spiked.con, settings, {}, desk.engine, NOW)

    error = first["notifications"]["errors"]["ops-hook"]
    assert "no signing secret" in error and "Airflow Connection 'ops_hook'" in error
    assert "`carewire alerts detect`" in error
    statuses = spiked.con.execute("""SELECT status, attempts FROM core__alert_notifications
                                     WHERE destination = 'ops-hook'""").fetchall()
    assert sorted(statuses) == [("failed", 2), ("pending", 0)]
    assert hook.received == []
    last_error, = spiked.con.execute(
        "SELECT DISTINCT last_error FROM out__alerts WHERE last_error IS NOT NULL").fetchone()
    assert "no signing secret" in last_error


def test_the_pipeline_step_opens_the_warehouse_and_the_desk_itself(spiked, tmp_path,
                                                                   fast_http):
    spiked.con.close()
    settings = Settings(data_dir=tmp_path / "data", warehouse_path=spiked.path, http=fast_http)

    result = pipeline.detect_alerts(settings, NOW)

    assert result["fired"] == 2 and result["notifications"]["sent"] == {"desk": 2}
    engine = sa.create_engine(settings.desk_url)
    try:
        assert len(alert_store.recent(engine)) == 2
    finally:
        engine.dispose()
    switched_off = settings.model_copy(update={"alerts": settings.alerts.model_copy(
        update={"enabled": False})})
    assert pipeline.detect_alerts(switched_off, NOW) == {"enabled": False}


def test_a_desk_store_that_cannot_be_opened_keeps_the_alerts_waiting(spiked, tmp_path,
                                                                    fast_http):
    unreachable = sa.create_engine(f"sqlite:///{tmp_path / 'no-such-dir' / 'desk.sqlite'}")
    settings = settings_for(tmp_path, fast_http)

    result = run(spiked.con, settings, {}, unreachable, NOW)

    assert result["fired"] == 2 and result["notifications"]["sent"] == {}
    assert "unable to open database file" in result["notifications"]["errors"]["desk"]
    assert sorted(notifications(spiked.con)) == [("desk", "pending", 0), ("desk", "pending", 1)]
