"""The desk's alerts page through the real app, sign-in and CSRF check: leads read and
acknowledge, agents are refused."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from carewire.alerts.detect import Alert, alert_id
from carewire.alerts.notify import desk_data
from carewire.core.settings import Settings
from carewire.desk import alert_store
from carewire.desk.web import create_app
from carewire.routing.policy import policy_for
from tests.alerts.conftest import SPIKE_HOUR
from tests.desk.conftest import PASSWORD, DeskUser

FIRED_AT = datetime(2026, 11, 24, 12, 5, tzinfo=timezone.utc)


def spike(hour: datetime = SPIKE_HOUR, topic: str = "billing") -> Alert:
    return Alert(
        alert_id=alert_id("negative", "Kestrel Mobile", "x", topic, hour), metric="negative",
        brand="Kestrel Mobile", source="x", topic=topic, hour_start=hour, count=21,
        baseline_median=1.0, baseline_mad=0.0, baseline_weeks=8, baseline_spread=1.0,
        threshold=5.0, score=20.0,
        explanation="Negative relevant mentions of Kestrel Mobile / x / topic billing: 21 in "
                    "the hour from 2026-11-24 09:00 UTC against a median of 1.",
        top_clusters=({"cluster_id": "cl-outage", "mentions": 20, "size": 31,
                       "founder_text": "no signal since 9, is the network down?",
                       "examples": ["https://x.com/a/status/1", "https://x.com/b/status/2"]},),
        examples=("https://x.com/a/status/1",))


@pytest.fixture
def app(tmp_path):
    settings = Settings(data_dir=tmp_path / "data")
    app = create_app(settings, policy_for(settings).desk_teams(),
                     clock=lambda: FIRED_AT)
    app.state.accounts.add_user("lee", PASSWORD, "lead")
    app.state.accounts.add_user("ann", PASSWORD, "agent", ["care"])
    engine = app.state.desk.engine
    for alert in (spike(), spike(SPIKE_HOUR.replace(hour=11), topic="network")):
        alert_store.add(engine, alert_id=alert.alert_id, fired_at=FIRED_AT,
                        hour_start=alert.hour_start, title=alert.title,
                        explanation=alert.explanation, data=desk_data(alert))
    yield app
    app.state.desk.close()


def signed_in(app, name: str) -> DeskUser:
    user = DeskUser(app, name)
    assert user.sign_in().status_code == 303
    return user


def test_a_lead_sees_the_alerts_newest_hour_first_with_their_issues(app):
    page = signed_in(app, "lee").get("/alerts")

    assert page.status_code == 200
    html = page.text
    assert html.index("topic network") < html.index("topic billing")
    assert "21 in the hour from 2026-11-24 09:00 UTC" in html
    assert 'href="/clusters/cl-outage">no signal since 9, is the network down?</a>' in html
    assert 'href="https://x.com/a/status/1"' in html
    assert html.count('action="/alerts/alert-') == 2


def test_an_agent_is_refused(app):
    ann = signed_in(app, "ann")

    assert ann.get("/alerts").status_code == 403
    ack = ann.post(f"/alerts/{spike().alert_id}/ack", page="/")
    assert ack.status_code == 403
    assert alert_store.recent(app.state.desk.engine)[1]["acknowledged_by"] is None


def test_acknowledging_needs_the_forms_csrf_token_and_counts_once(app):
    lee = signed_in(app, "lee")
    target = spike().alert_id

    forged = lee.client.post(f"/alerts/{target}/ack", data={"csrf_token": "not-it"})
    assert forged.status_code == 403

    done = lee.post(f"/alerts/{target}/ack", page="/alerts")
    assert done.status_code == 303
    assert done.headers["location"].startswith("/alerts?done=acknowledged&sig=")
    again = lee.post(f"/alerts/{target}/ack", page="/alerts")
    assert "already+acknowledged" in again.headers["location"]

    row = next(r for r in alert_store.recent(app.state.desk.engine) if r["alert_id"] == target)
    assert (row["acknowledged_by"], row["acknowledged_at"]) == ("lee", FIRED_AT)
    html = lee.get("/alerts").text
    assert "acknowledged by lee 2026-11-24 12:05 UTC" in html
    assert html.count('action="/alerts/alert-') == 1


def test_an_unknown_alert_is_404(app):
    assert signed_in(app, "lee").post("/alerts/alert-nope/ack", page="/alerts").status_code \
        == 404
