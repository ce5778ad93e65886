"""Routing end to end on a real DuckDB warehouse, a real SQLite desk and loopback Discourse
and Zendesk servers: decide, deliver once, survive a destination outage, bring outcomes
back, offer the accepted answer to every author, escalate what stays unanswered, and
explain and simulate from the command line."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest
import yaml

from carewire.app import pipeline
from carewire.app.cli import main
from carewire.core.settings import DestinationSettings, HttpSettings, RoutingSettings, Settings
from carewire.core.types import Credentials
from carewire.desk.store import Desk
from carewire.routing.policy import DEFAULT_POLICY
from tests.warehouse.test_load import T0, atom, hour, land, query

ACCOUNT = ("a1", "I was charged twice for order #A1234567 and want my refund now", "Sam")
HOW_TO = ("q1", "How do I turn on wifi calling in the Kestrel app?", "Ana")
HOW_TO_AGAIN = ("q2", "how do i enable wifi calling on the kestrel app??", "Lee")
HOW_TO_LATER = ("q3", "Does anyone know how to switch on wifi calling in the Kestrel app?", "Kim")
SPAM = ("s1", "Make money fast!!! http://spam.example #ad #win #free #cash #money #deal", "Bot")
NOW = T0 + timedelta(hours=2)


@pytest.fixture
def settings(tmp_path, discourse, zendesk):
    policy = yaml.safe_load(DEFAULT_POLICY.read_text())
    policy["destinations"] = {"community": "community", "contact_center": "tickets",
                              "advocacy": "desk"}
    (tmp_path / "policy.yaml").write_text(yaml.safe_dump(policy))
    settings = Settings(
        data_dir=tmp_path / "data",
        http=HttpSettings(timeout_s=5, max_retries=2, backoff_s=0, max_backoff_s=0.01),
        routing=RoutingSettings(policy=tmp_path / "policy.yaml", destinations=[
            DestinationSettings(name="community", kind="discourse", url=discourse.url,
                                conn_id="discourse", category_id=5),
            DestinationSettings(name="tickets", kind="zendesk", url=zendesk.url,
                                conn_id="zendesk")]))
    pipeline.migrate(settings)
    return settings


@pytest.fixture
def credentials(discourse, zendesk):
    return {"discourse": Credentials(discourse.api_username, discourse.api_key),
            "zendesk": Credentials(zendesk.login, zendesk.token)}


def process(settings, credentials, *entries, at=NOW, interval=hour(0)):
    if entries:
        land(settings, interval, atom(*entries))
        pipeline.load_landed(settings)
        pipeline.enrich(settings)
    routed = pipeline.route(settings, at, at)
    return routed, pipeline.deliver(settings, credentials, at)


def routes(settings) -> dict[str, tuple[str, str]]:
    """Keyed by the entry's own id (a feed entry's key is `<feed>:<id>`)."""
    return {sid.split(":")[-1]: (route, rule) for sid, route, rule in query(
        settings, "SELECT source_id, route, rule_id FROM core__routing_decisions")}


def test_each_mention_goes_where_the_policy_says_once_and_a_rerun_delivers_nothing(
        settings, credentials, discourse, zendesk):
    routed, delivered = process(settings, credentials, ACCOUNT, HOW_TO, HOW_TO_AGAIN, SPAM)
    assert routed["decided"] == 4
    found = routes(settings)
    assert found["a1"] == ("contact_center", "account-reference")
    assert found["q1"][0] == found["q2"][0] == "community"
    assert found["s1"] == ("ignore", "noise")
    assert delivered["delivered"] == 2 and delivered["backlog"] == []
    assert zendesk.hits("POST", "/api/v2/tickets") and len(zendesk.tickets) == 1
    assert len(discourse.topics) == 1  # one thread for both askers
    topic = next(iter(discourse.topics.values()))
    assert "2 customers raised this issue" in topic.posts[0]["raw"]

    again_routed, again = process(settings, credentials, ACCOUNT, HOW_TO, HOW_TO_AGAIN, SPAM)
    assert again_routed["decided"] == 0 and again["delivered"] == again["found_existing"] == 0
    assert len(zendesk.tickets) == 1 and len(discourse.topics) == 1

    # a later mention of the same issue is linked to the thread that exists
    later, _ = process(settings, credentials, HOW_TO_LATER, interval=hour(1))
    assert later["linked_to_existing"] == 1 and len(discourse.topics) == 1
    assert query(settings, "SELECT count(*) FROM core__events WHERE kind = 'linked'") == [(1,)]


def test_a_lost_record_finds_the_ticket_it_created_instead_of_opening_another(
        settings, credentials, zendesk):
    process(settings, credentials, ACCOUNT)
    from carewire.warehouse.db import connect

    with connect(settings.warehouse) as con:  # as if the run died before recording it
        con.execute("UPDATE core__deliveries SET status = 'pending', external_id = NULL")
    _, again = pipeline.route(settings, NOW, NOW), pipeline.deliver(settings, credentials, NOW)
    assert again["found_existing"] == 1 and len(zendesk.tickets) == 1


def test_a_destination_that_fails_and_recovers_gets_every_item_exactly_once(
        settings, credentials, zendesk):
    zendesk.fail_next(1000, 500)
    routed, first = process(settings, credentials, ACCOUNT, ("a2", "Where is my order "
                            "#B7654321? It never arrived and nobody replies", "Ana"))
    assert first["delivered"] == 0 and first["retry_later"] == 1  # one try, then it waits
    assert "tickets" in first["destinations_down"]
    backlog = {(b["destination"], b["status"]): b for b in first["backlog"]}
    assert backlog[("tickets", "pending")]["items"] == 2
    assert "HTTP 500" in backlog[("tickets", "pending")]["last_error"]
    assert zendesk.tickets == {}

    zendesk.recover()
    too_soon = pipeline.deliver(settings, credentials, NOW + timedelta(seconds=1))
    assert too_soon["delivered"] == 1  # the one never tried; the failed one waits its backoff
    later = pipeline.deliver(settings, credentials, NOW + timedelta(hours=1))
    assert later["delivered"] == 1 and later["backlog"] == []
    assert sorted(t["external_id"] for t in zendesk.tickets.values()) == sorted(
        k for (k,) in query(settings, "SELECT delivery_key FROM core__deliveries"))


def test_refused_credentials_hold_items_until_fixed_and_released(settings, zendesk):
    bad = {"zendesk": Credentials(zendesk.login, "wrong-token")}
    _, first = process(settings, bad, ACCOUNT)
    assert first["blocked"] == 1
    (error,) = query(settings, "SELECT last_error FROM core__deliveries WHERE status = 'blocked'")
    assert "Airflow Connection 'zendesk'" in error[0]
    good = {"zendesk": Credentials(zendesk.login, zendesk.token)}
    assert pipeline.deliver(settings, good, NOW)["delivered"] == 0  # held, not retried
    released = pipeline.deliver(settings, good, NOW, retry_blocked=True)
    assert released["released_from_blocked"] == 1 and released["delivered"] == 1


def test_outcomes_come_back_and_an_accepted_answer_is_offered_to_every_author(
        settings, credentials, discourse, zendesk):
    process(settings, credentials, ACCOUNT, HOW_TO, HOW_TO_AGAIN)
    topic_id = next(iter(discourse.topics))
    discourse.reply(topic_id, "Settings > Calls > Wifi calling, then restart the app.",
                    username="mo")
    discourse.accept(topic_id, 2)
    ticket_id = next(iter(zendesk.tickets))
    zendesk.solve(ticket_id, NOW + timedelta(hours=1))
    zendesk.rate(ticket_id, "good", "quick, thanks")

    synced = pipeline.sync_outcomes(settings, credentials, NOW + timedelta(hours=2))
    kinds = dict(query(settings, "SELECT kind, count(*) FROM core__events GROUP BY ALL"))
    assert kinds["accepted_answer"] == 1 and kinds["replied"] == 1
    assert kinds["resolved"] == 1 and kinds["rated"] == 1
    assert synced["answer_offers_queued"] == 2 and synced["delivery"]["delivered"] == 2
    with Desk(settings.desk_url) as desk:
        offers = desk.items(team="community")
    assert sorted(i.mentions[0].author for i in offers) == ["Ana", "Lee"]
    assert all("/t/" in i.body and "answered in our community" in i.body for i in offers)
    # each offer names the answer it carries, so a rating of it reaches mo (issue 22)
    carried = query(settings, "SELECT DISTINCT (data->'answer'->>'helper') FROM core__events "
                              "WHERE kind = 'answer_offered'")
    assert carried == [("mo",)]

    again = pipeline.sync_outcomes(settings, credentials, NOW + timedelta(hours=3))
    assert sum(again["outcomes_recorded"].values()) == 0
    assert again["answer_offers_queued"] == 0 and again["escalated"] == 0


def test_a_community_item_without_an_answer_moves_to_the_contact_center(
        settings, credentials, discourse, zendesk):
    process(settings, credentials, HOW_TO, HOW_TO_AGAIN)
    assert pipeline.sync_outcomes(settings, credentials, NOW)["escalated"] == 0
    late = NOW + timedelta(hours=49)
    synced = pipeline.sync_outcomes(settings, credentials, late)
    assert synced["escalated"] == 1 and synced["delivery"]["delivered"] == 1
    (ticket,) = zendesk.tickets.values()
    assert "escalation" in ticket["tags"] and ticket["priority"] == "high"
    assert pipeline.sync_outcomes(settings, credentials, late)["escalated"] == 0


def test_explain_and_simulate_from_the_command_line(settings, credentials, tmp_path, capsys):
    process(settings, credentials, ACCOUNT, HOW_TO, HOW_TO_AGAIN, SPAM)
    pipeline.publish(settings)  # as the process DAG does: the commands read the snapshot
    config = tmp_path / "carewire.yaml"
    config.write_text(yaml.safe_dump(json.loads(settings.model_dump_json())))
    (mention,) = query(settings, "SELECT source || ':' || source_id FROM core__mentions "
                                 "WHERE text LIKE 'I was charged%'")[0:1]
    assert main(["--config", str(config), "route", "explain", mention[0]]) == 0
    shown = capsys.readouterr().out
    assert "Decision: contact_center -> destination tickets" in shown
    assert "Rule: account-reference" in shown and "text matches order_number" in shown
    assert "- noise: relevant true is false" in shown  # the rules tried before it
    assert "delivered" in shown

    proposed = yaml.safe_load(settings.routing.policy.read_text())
    for rule in proposed["rules"]:
        if rule["id"] == "shared-issue":
            rule["then"] = {"route": "contact_center", "priority": "normal"}
    path = tmp_path / "proposed.yaml"
    path.write_text(yaml.safe_dump(proposed))
    before = query(settings, "SELECT count(*) FROM core__deliveries")
    assert main(["--config", str(config), "route", "simulate", "--policy", str(path),
                 "--since", "2026-11-01", "--until", "2026-12-01", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["mentions"] == 4 and result["moved"] == 2
    assert {"from": "community", "to": "contact_center", "mentions": 2} in result["flows"]
    assert query(settings, "SELECT count(*) FROM core__deliveries") == before


def test_each_mention_is_queued_when_it_reached_its_destination(settings, credentials):
    """decided_at is routing's clock, queued_at the deliver step's when the item was
    delivered; a later mention of the issue joins the thread that exists when it is linked,
    at its own routing's clock (migration 0020)."""
    decided, delivered = NOW + timedelta(minutes=1), NOW + timedelta(minutes=3)
    land(settings, hour(0), atom(ACCOUNT, HOW_TO, HOW_TO_AGAIN, SPAM))
    pipeline.load_landed(settings)
    pipeline.enrich(settings)
    pipeline.route(settings, NOW, decided)
    assert query(settings, "SELECT count(*) FROM core__delivery_mentions "
                           "WHERE queued_at IS NOT NULL") == [(0,)]  # planned, not delivered
    pipeline.deliver(settings, credentials, delivered)

    linked = NOW + timedelta(hours=1, minutes=2)
    land(settings, hour(1), atom(HOW_TO_LATER))
    pipeline.load_landed(settings)
    pipeline.enrich(settings)
    assert pipeline.route(settings, NOW + timedelta(hours=1), linked)["linked_to_existing"] == 1
    pipeline.deliver(settings, credentials, linked + timedelta(minutes=5))  # nothing to send

    found = {sid.split(":")[-1]: (decided_at, queued_at, to_queue) for sid, decided_at,
             queued_at, to_queue in query(settings, """
        SELECT source_id, decided_at, queued_at, to_queue_seconds FROM out__queue_latency""")}
    posted = datetime(2026, 11, 24, 5, tzinfo=timezone.utc)  # the entries' <updated>
    assert found == {
        "a1": (decided, delivered, (delivered - posted).total_seconds()),
        "q1": (decided, delivered, (delivered - posted).total_seconds()),
        "q2": (decided, delivered, (delivered - posted).total_seconds()),
        "q3": (linked, linked, (linked - posted).total_seconds())}  # s1 is ignored
