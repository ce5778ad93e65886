"""Conversations on a real warehouse and a real SQLite desk: a customer's follow-ups in
their one-to-one case stay with its item and agent whatever they say; "thanks, all sorted"
resolves it, a thank-you does not reopen it, "still not here" does; another customer in
the same conversation is not part of the case. And `route simulate` measures each rule
against what the agents settled."""

from __future__ import annotations

import json
from datetime import timedelta

import duckdb
import pytest
import yaml

from carewire.app import pipeline
from carewire.app.cli import main
from carewire.connectors.landing import LandingZone
from carewire.connectors.base import Page, Stream
from carewire.core.types import Interval
from carewire.core.settings import Settings
from carewire.desk.store import Desk
from carewire.enrichment.thanks import closing
from carewire.routing.policy import DEFAULT_POLICY
from tests.connectors.x.payloads import at, page, tweet
from tests.desk.test_assignment import add_agent
from tests.warehouse.test_load import query

STREAM = Stream(source="x", name="mentions")
T0 = at(24, 9)


@pytest.fixture
def settings(tmp_path):
    settings = Settings(data_dir=tmp_path)
    pipeline.migrate(settings)
    return settings


def post(settings, hour: int, *tweets: dict) -> None:
    """Land `tweets` as the X page of hour `hour`, then load, enrich, route and deliver."""
    interval = Interval(T0 + timedelta(hours=hour), T0 + timedelta(hours=hour + 1))
    LandingZone(settings.landing).write_batch(STREAM, interval, [
        Page("https://api.x.test/2/tweets/search/recent", 200,
             {"Content-Type": "application/json"}, page(list(tweets)))])
    pipeline.load_landed(settings)
    pipeline.enrich(settings)
    pipeline.route(settings, interval.end, interval.end)
    pipeline.deliver(settings, {}, interval.end)


def decision(settings, tweet_id: str) -> tuple[str, str, str]:
    return query(settings, "SELECT route, rule_id, delivery_key FROM core__routing_decisions "
                           f"WHERE source_id = '{tweet_id}'")[0]


def the_item(settings, key: str):
    """The case's desk item (another customer's post may have made an item of its own)."""
    with Desk(settings.desk_url) as desk:
        [item] = [item for item in desk.items() if item.delivery_key == key]
        return item, [e.kind for e in desk.events(item_ids=[item.item_id])]


def test_follow_ups_stay_with_their_case_and_the_customer_closes_or_reopens_it(settings):
    with Desk(settings.desk_url) as desk:
        add_agent(desk, "ann", sources=("x",))
    case = tweet(T0 + timedelta(minutes=5), "@KestrelHelp my parcel says delivered but it "
                 "never came, order placed last week")
    post(settings, 0, case)
    route, rule, key = decision(settings, case["id"])
    assert (route, rule) == ("contact_center", "private-channel")
    with Desk(settings.desk_url) as desk:
        desk.claim(the_item(settings, key)[0].item_id, "ann")

    done = tweet(T0 + timedelta(hours=1, minutes=5), "done!", reply_to=case["id"])
    bystander = tweet(T0 + timedelta(hours=1, minutes=6), "same here lol", author="1003",
                      sequence=1, reply_to=case["id"])
    post(settings, 1, done, bystander)
    assert decision(settings, done["id"]) == ("contact_center", "open-case", key)
    assert decision(settings, bystander["id"])[1] != "open-case"
    item, kinds = the_item(settings, key)
    assert [m.source_id for m in item.mentions] == [case["id"], done["id"]]
    assert (item.status, item.assignee) == ("claimed", "ann")  # same item, same agent
    assert kinds.count("follow_up") == 1

    sorted_ = tweet(T0 + timedelta(hours=2, minutes=5), "thanks, all sorted now",
                    reply_to=case["id"])
    post(settings, 2, sorted_)
    assert decision(settings, sorted_["id"])[1:] == ("open-case", key)
    item, kinds = the_item(settings, key)
    assert item.status == "resolved" and kinds[-1] == "resolved"

    pipeline.sync_outcomes(settings, {}, T0 + timedelta(hours=3))
    thanks = tweet(T0 + timedelta(hours=3, minutes=5), "thank you x", reply_to=case["id"])
    post(settings, 3, thanks)
    assert decision(settings, thanks["id"])[1:] == ("open-case", key)
    item, _ = the_item(settings, key)
    assert item.status == "resolved" and len(item.mentions) == 4  # a thank-you never reopens

    again = tweet(T0 + timedelta(hours=4, minutes=5), "it is still not here",
                  reply_to=case["id"])
    post(settings, 4, again)
    assert decision(settings, again["id"])[1:] == ("open-case", key)
    item, kinds = the_item(settings, key)  # reopened, and offered back to the agent who had it
    assert (item.status, item.assignee) == ("open", "ann")
    assert kinds[-2:] == ["reopened", "assigned"]


@pytest.mark.parametrize("text, says", [
    ("thanks, all sorted", "solved"),
    ("That worked. Thanks", "solved"),
    ("working again now, cheers!", "solved"),
    ("done! thanks", "thanks"),
    ("Thank you x", "thanks"),
    ("still not fixed, thanks", None),
    ("it isn't sorted yet", None),
    ("thanks, but why was I charged twice?", None),
    ("thanks for nothing, still broken", None),
    ("iPhone 7, iOS 11", None),
])
def test_the_thank_you_detector(text, says):
    assert closing(text)[0] == says


def test_simulate_reports_each_rules_share_and_precision_against_what_agents_settled(
        settings, tmp_path, capsys):
    billed = tweet(T0 + timedelta(minutes=5), "@KestrelHelp I was billed 40 pounds extra this "
                   "month and nobody can tell me why")
    how_to = tweet(T0 + timedelta(minutes=6), "@KestrelHelp how do I turn on wifi calling in "
                   "the app?", author="1003", sequence=1)
    post(settings, 0, billed, how_to)
    assert decision(settings, how_to["id"])[:2] == ("community", "shared-issue")
    with Desk(settings.desk_url) as desk:
        by_team = {item.team: item for item in desk.items()}
        desk.resolve(by_team["care"].item_id, "ann")  # kept: one-to-one was right
        desk.reassign(by_team["community"].item_id, "ann", "care", "contact_center")  # moved
    pipeline.sync_outcomes(settings, {}, T0 + timedelta(hours=2))
    pipeline.publish(settings)
    config = tmp_path / "carewire.yaml"
    config.write_text(yaml.safe_dump(json.loads(settings.model_dump_json())))
    proposed = yaml.safe_load(DEFAULT_POLICY.read_text())
    proposed["rules"] = [r for r in proposed["rules"] if r["id"] != "private-channel"]
    (tmp_path / "proposed.yaml").write_text(yaml.safe_dump(proposed))

    args = ["--config", str(config), "route", "simulate", "--policy",
            str(tmp_path / "proposed.yaml"), "--since", "2026-11-01", "--until", "2026-12-01"]
    assert main([*args, "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["judged"] == 2 and result["moved"] == 1
    assert result["rules_before"]["private-channel"] == {
        "mentions": 1, "share": 0.5, "judged": 1, "precision": 1.0}
    assert result["rules_before"]["shared-issue"]["precision"] == 0.0  # an agent moved it
    assert "private-channel" not in result["rules_after"]
    assert main(args) == 0
    assert "1 50.0% 1.00 of 1" in capsys.readouterr().out

    labels = tmp_path / "labels.csv"  # a label overrides what the agents settled
    labels.write_text(f"source,source_id,route\nx,{how_to['id']},community\n")
    assert main([*args, "--json", "--labels", str(labels)]) == 0
    assert json.loads(capsys.readouterr().out)["rules_before"]["shared-issue"]["precision"] == 1.0
    labels.write_text("id,route\n1,community\n")
    assert main([*args, "--labels", str(labels)]) == 2
    assert "needs the columns source, source_id and route" in capsys.readouterr().err


def queued_at(settings, tweet_id: str):
    return query(settings, "SELECT queued_at FROM core__delivery_mentions "
                           f"WHERE source_id = '{tweet_id}'")[0][0]


@pytest.mark.parametrize("before_0020", [False, True])
def test_a_follow_up_is_queued_when_its_case_is_delivered_again(settings, before_0020):
    """The follow-up's queued_at is the deliver step's clock that brought it to the item;
    the case's first post keeps its own, or, decided before migration 0020 (no decided_at,
    no queued_at), stays unknown rather than taking the follow-up's moment."""
    case = tweet(T0 + timedelta(minutes=5), "@KestrelHelp my parcel says delivered but it "
                 "never came, order placed last week")
    post(settings, 0, case)
    assert queued_at(settings, case["id"]) == T0 + timedelta(hours=1)
    if before_0020:
        with duckdb.connect(str(settings.warehouse)) as con:
            con.execute("UPDATE core__routing_decisions SET decided_at = NULL")
            con.execute("UPDATE core__delivery_mentions SET queued_at = NULL")

    follow_up = tweet(T0 + timedelta(hours=1, minutes=5), "still nothing, any news?",
                      reply_to=case["id"])
    post(settings, 1, follow_up)
    assert decision(settings, follow_up["id"])[1] == "open-case"
    assert queued_at(settings, follow_up["id"]) == T0 + timedelta(hours=2)
    assert queued_at(settings, case["id"]) == (None if before_0020 else T0 + timedelta(hours=1))
