"""SLA clocks through routing: a team with business hours gets due times that leave nights,
weekends and holidays out; a team without keeps the mention's time plus the rule's SLA.
On fixed dates: the sample's mentions are from Tuesday 24 November 2026, 05:00 UTC
(06:00 in Berlin, before the care team opens)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pandas as pd
import pytest

from carewire.app import pipeline
from carewire.core.errors import ConfigError
from carewire.core.settings import BusinessHoursSettings, RoutingSettings, Settings
from carewire.routing.policy import policy_for
from carewire.routing.step import prepare
from tests.routing.test_routing_flow import ACCOUNT, HOW_TO, HOW_TO_AGAIN, NOW
from tests.warehouse.test_load import atom, hour, land, query

UTC = timezone.utc
POSTED = datetime(2026, 11, 24, 5, tzinfo=UTC)
CARE_HOURS = BusinessHoursSettings(timezone="Europe/Berlin", hours={"mon-fri": "08:00-20:00"})


@pytest.fixture
def settings(tmp_path):
    settings = Settings(data_dir=tmp_path / "data",
                        routing=RoutingSettings(business_hours={"care": CARE_HOURS}))
    pipeline.migrate(settings)
    return settings


def sla_due(settings) -> dict[str, tuple[str, datetime, datetime]]:
    return {sid.split(":")[-1]: (team, created, due) for sid, team, created, due in query(
        settings, """SELECT source_id, team, m.created_at, d.sla_due_at
                     FROM core__routing_decisions d JOIN core__mentions m USING (source, source_id)
                     WHERE d.route <> 'ignore'""")}


def test_the_routing_step_counts_business_hours_for_a_team_that_has_them(settings):
    land(settings, hour(0), atom(ACCOUNT, HOW_TO, HOW_TO_AGAIN))
    pipeline.load_landed(settings)
    pipeline.enrich(settings)
    pipeline.route(settings, NOW, NOW)
    found = sla_due(settings)

    team, created, due = found["a1"]  # contact center, account-reference: 8h, team care
    assert team == "care" and created == POSTED
    # posted 06:00 in Berlin: the clock starts at 08:00 and runs to 16:00 (15:00 UTC)
    assert due == datetime(2026, 11, 24, 15, tzinfo=UTC)
    (planned,) = query(settings, "SELECT sla_due_at FROM core__deliveries WHERE team = 'care'")
    assert planned == (due,)

    team, created, due = found["q1"]  # community: 24/7, the mention's time + 48h
    assert team == "community" and due == created + timedelta(hours=48)

    # Community work not answered by Friday 17:00 in Berlin escalates to care, whose 8h
    # SLA then runs three hours on Friday and five on Monday.
    pipeline.deliver(settings, {}, NOW)
    friday = datetime(2026, 11, 27, 16, tzinfo=UTC)
    assert pipeline.sync_outcomes(settings, {}, friday)["escalated"] == 1
    assert query(settings, "SELECT sla_due_at FROM core__deliveries WHERE rule_id = 'escalation'") \
        == [(datetime(2026, 11, 30, 12, tzinfo=UTC),)]


def test_prepare_counts_each_team_on_its_own_clock(settings):
    frame = pd.DataFrame({
        "source": ["feeds"] * 3, "source_id": ["f:a", "f:b", "f:c"],
        "key_source_id": ["f:a", "f:b", "f:c"],
        "route": ["contact_center", "advocacy", "ignore"], "team": ["care", "advocacy", None],
        "destination": ["desk", "desk", None], "unit": ["mention"] * 3,
        "cluster_id": [None] * 3, "created_at": [datetime(2026, 11, 27, 17, tzinfo=UTC)] * 3,
        "sla": [timedelta(hours=8), timedelta(hours=8), None], "evidence": [{}, {}, {}],
        "cluster_size": [1, 1, 1]})
    due = prepare(frame, policy_for(settings), NOW, NOW)["sla_due_at"].tolist()
    # Friday 18:00 in Berlin: two hours that evening, six on Monday
    assert due[0] == datetime(2026, 11, 30, 13, tzinfo=UTC)
    assert due[1] == datetime(2026, 11, 28, 1, tzinfo=UTC)
    assert pd.isna(due[2])


def test_business_hours_for_a_team_the_policy_does_not_have_are_refused(tmp_path):
    settings = Settings(data_dir=tmp_path, routing=RoutingSettings(
        business_hours={"cair": CARE_HOURS}))
    with pytest.raises(ConfigError, match="routing.business_hours names teams cair, which the "
                                          "routing policy .* sends no work to"):
        policy_for(settings)
