"""The care desk's queue store, on SQLite and on PostgreSQL: the same tests on both."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from carewire.core.replies import Posted
from carewire.desk.outbox import ReplyTarget
from carewire.desk.store import Desk, DeskError
from carewire.routing.destinations.base import Outcome, Receipt
from carewire.core.delivery import Delivery, MentionRef
from carewire.routing.destinations.desk import DeskDestination

T0 = datetime(2026, 11, 24, 8, 0, tzinfo=timezone.utc)


class Clock:
    """Time that moves one second per reading, so event order and `since` are exact."""

    def __init__(self):
        self.now = T0

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now


TARGET = ReplyTarget("reddit", "support", "t3_abc", "t3_abc", "https://reddit.com/r/x/abc")
"""The post of `delivery()`, as the desk's reply form takes it from the snapshot."""


def posted(desk: Desk, item_id: int) -> None:
    """The item's queued reply, taken and posted as the sender does (carewire.app.replies)."""
    [queued] = desk.outbox.of_items([item_id])
    now = desk._now()
    assert desk.outbox.start(queued, now)
    desk.outbox.posted(queued, Posted("t1_reply", "https://reddit.com/r/x/abc/reply", now))


def delivery(key: str = "k1", *, team: str = "care", due: datetime = T0) -> Delivery:
    mention = MentionRef(source="reddit", source_id="t3_abc", url="https://reddit.com/r/x/abc",
                         author="alice", text="my order never arrived",
                         created_at=datetime(2026, 11, 24, 7, 30, tzinfo=timezone.utc))
    return Delivery(key=key, destination="desk", route="contact_center", unit="mention",
                    cluster_id="c9", mentions=(mention,), title="Order never arrived",
                    body="Alice says her order never arrived.", team=team, priority="high",
                    sla_due_at=due, rule_id="angry-order", reason="negative, order problem",
                    tags=("orders",), experts=("bob",))


@pytest.fixture
def desk(desk_url):
    with Desk(desk_url, clock=Clock()) as opened:
        yield opened


def test_add_is_idempotent_and_round_trips(desk):
    first = desk.add(delivery())
    again = desk.add(delivery())

    assert first == (again[0], True) and again[1] is False
    [item] = desk.items()
    assert item.item_id == first[0] and item.delivery_key == "k1" and item.status == "open"
    assert item.sla_due_at == T0 and item.sla_due_at.tzinfo is not None
    assert item.mentions == delivery().mentions and item.experts == ("bob",)
    assert (item.team, item.priority, item.route, item.cluster_id) == (
        "care", "high", "contact_center", "c9")
    assert [e.kind for e in desk.events()] == ["delivered"]


def test_add_keeps_the_instant_of_non_utc_datetimes(desk):
    paris = timezone(timedelta(hours=1))
    item_id, _ = desk.add(delivery(due=datetime(2026, 11, 24, 9, 0, tzinfo=paris)))

    due = desk.item(item_id).sla_due_at
    assert due == T0 and due.utcoffset() == timedelta(0)


def at_once(task, args: list) -> list:
    """Run `task(arg)` for every arg in its own thread, all released together (each opens
    its own Desk, like separate workers); what each returned, or the exception it raised."""
    start, results = threading.Barrier(len(args), timeout=10), []

    def run(arg):
        try:
            with Desk(arg[0]) as own:
                start.wait()
                results.append(task(own, *arg[1:]))
        except Exception as exc:  # noqa: BLE001 (the test asserts on what came back)
            start.abort()
            results.append(exc)

    threads = [threading.Thread(target=run, args=(arg,)) for arg in args]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=20)
    return results


def test_agents_rating_at_once_record_one_rating_and_a_lead_corrects_it(desk_url):
    """Issue 23: the once-per-item rule was checked outside the transaction, so two agents
    rating at once could both record one; now the database decides."""
    with Desk(desk_url) as desk:
        item_id, _ = desk.add(delivery())
    results = at_once(lambda own, n: own.rate(item_id, n, by=f"agent{n}"),
                      [(desk_url, n) for n in range(1, 6)])
    assert sum(not isinstance(r, Exception) for r in results) == 1, results
    assert all("recorded already" in str(r) for r in results if isinstance(r, Exception))
    with Desk(desk_url) as desk:
        assert [e.kind for e in desk.events()].count("rated") == 1
        desk.rate(item_id, 5, by="lee", correcting=True)
        assert [e.data["score"] for e in desk.events() if e.kind == "rated"][-1] == 5


def test_add_from_two_writers_at_once_creates_one_item(desk_url):
    results = at_once(lambda own: own.add(delivery()), [(desk_url,)] * 6)

    assert all(isinstance(r, tuple) for r in results), results
    assert len({item_id for item_id, _ in results}) == 1
    assert sorted(created for _, created in results) == [False] * 5 + [True]


def test_claim_reply_resolve_rate_writes_events_in_order(desk):
    item_id, _ = desk.add(delivery())

    assert desk.claim(item_id, "ann").assignee == "ann"
    desk.reply(item_id, "ann", "Sorry! A replacement ships today.", TARGET)
    posted(desk, item_id)
    resolved = desk.resolve(item_id, "ann")
    desk.rate(item_id, 5, by="alice")

    assert (resolved.status, resolved.assignee) == ("resolved", "ann")
    assert desk.item(item_id).status == "resolved"
    events = desk.events()
    assert [(e.kind, e.actor) for e in events] == [
        ("delivered", None), ("claimed", "ann"), ("reply_queued", "ann"), ("replied", "ann"),
        ("resolved", "ann"), ("rated", "alice")]
    assert events[2].data == {"team": "care", "text": "Sorry! A replacement ships today.",
                              "to": "reddit:t3_abc"}
    assert events[3].data == {
        "team": "care", "text": "Sorry! A replacement ships today.", "reply_id": 1,
        "url": "https://reddit.com/r/x/abc/reply", "external_id": "t1_reply",
        "found_on_platform": False}
    assert events[5].data == {"team": "care", "score": 5, "by": "agent"}
    assert [e.at for e in events] == sorted(e.at for e in events)
    assert all(e.at.tzinfo is not None for e in events)


def test_claiming_what_you_hold_changes_nothing(desk):
    item_id, _ = desk.add(delivery())
    desk.claim(item_id, "ann")

    assert desk.claim(item_id, "ann").assignee == "ann"
    assert [e.kind for e in desk.events()] == ["delivered", "claimed"]


def test_reassign_and_reopen_put_the_item_back_in_a_queue(desk):
    item_id, _ = desk.add(delivery())
    desk.claim(item_id, "ann")

    moved = desk.reassign(item_id, "lead", "billing")
    assert (moved.team, moved.status, moved.assignee) == ("billing", "open", None)
    desk.resolve(item_id, "ben")
    reopened = desk.reopen(item_id, "ben")

    assert (reopened.status, reopened.assignee, reopened.team) == ("open", None, "billing")
    reassigned, resolved = desk.events()[2:4]
    assert reassigned.data == {"team": "billing", "from_team": "care"}
    assert resolved.data == {"team": "billing"}


def test_invalid_transitions_raise_and_say_why(desk):
    item_id, _ = desk.add(delivery())
    desk.claim(item_id, "ann")

    with pytest.raises(DeskError, match="claimed by ann"):
        desk.claim(item_id, "ben")
    with pytest.raises(DeskError, match="claimed by ann"):
        desk.reply(item_id, "ben", "hi", TARGET)
    with pytest.raises(DeskError, match="not resolved"):
        desk.reopen(item_id, "ann")
    with pytest.raises(DeskError, match="empty"):
        desk.reply(item_id, "ann", "  ", TARGET)
    desk.resolve(item_id, "ann")
    with pytest.raises(DeskError, match="already resolved: reopen it"):
        desk.resolve(item_id, "ann")
    with pytest.raises(DeskError, match="already resolved"):
        desk.reassign(item_id, "lead", "billing")
    for score in (0, 6, 4.5, True):
        with pytest.raises(DeskError, match="from 1 .* to 5"):
            desk.rate(item_id, score, by="alice")
    with pytest.raises(DeskError, match="desk item 999 does not exist"):
        desk.claim(999, "ann")
    with pytest.raises(DeskError, match="desk item 999 does not exist"):
        desk.item(999)
    with pytest.raises(DeskError, match="unknown desk status"):
        desk.items(status="closed")

    assert [e.kind for e in desk.events()] == ["delivered", "claimed", "resolved"]


def test_two_agents_claiming_at_once_get_one_winner(desk_url):
    with Desk(desk_url) as setup:
        item_id, _ = setup.add(delivery())

    results = at_once(lambda own, agent: own.claim(item_id, agent).assignee,
                      [(desk_url, f"agent{i}") for i in range(6)])

    winners = [r for r in results if isinstance(r, str)]
    assert len(winners) == 1, results
    assert all(isinstance(r, DeskError) and f"claimed by {winners[0]}" in str(r)
               for r in results if r not in winners)
    with Desk(desk_url) as check:
        assert [e.actor for e in check.events() if e.kind == "claimed"] == winners


def test_items_pages_soonest_deadline_first(desk):
    dues = {"k3": 3, "k1": 1, "k5": 5, "k2": 2, "k4": 4}
    ids = {key: desk.add(delivery(key, team="billing" if hours % 2 else "care",
                                  due=T0 + timedelta(hours=hours)))[0]
           for key, hours in dues.items()}
    desk.claim(ids["k2"], "ann")

    assert [i.delivery_key for i in desk.items()] == ["k1", "k2", "k3", "k4", "k5"]
    assert [i.delivery_key for i in desk.items(limit=2, offset=2)] == ["k3", "k4"]
    assert [i.delivery_key for i in desk.items(limit=2, offset=4)] == ["k5"]
    assert [i.delivery_key for i in desk.items(team="billing")] == ["k1", "k3", "k5"]
    assert [i.delivery_key for i in desk.items(team="care", status="open")] == ["k4"]
    assert [i.delivery_key for i in desk.items(status="claimed")] == ["k2"]


def test_events_since_and_for_some_items(desk):
    one, _ = desk.add(delivery("k1"))
    two, _ = desk.add(delivery("k2"))
    desk.claim(one, "ann")
    cut = desk.events()[-1].at
    desk.claim(two, "ben")
    desk.resolve(one, "ann")

    assert [(e.item_id, e.kind) for e in desk.events(since=cut)] == [
        (one, "claimed"), (two, "claimed"), (one, "resolved")]
    assert [e.kind for e in desk.events(since=cut, item_ids=[one])] == ["claimed", "resolved"]
    assert [e.kind for e in desk.events(item_ids=[two])] == ["delivered", "claimed"]
    assert desk.events(item_ids=[]) == []
    assert desk.events(since=cut + timedelta(days=1)) == []


def test_desk_destination_delivers_and_reports_outcomes(desk):
    destination = DeskDestination(desk)

    receipt = destination.deliver(delivery())
    assert receipt == Receipt(external_id=receipt.external_id, url=None, created=True)
    assert destination.deliver(delivery()).created is False
    other = destination.deliver(delivery("k2")).external_id
    item_id = int(receipt.external_id)
    desk.claim(item_id, "ann")
    desk.reassign(item_id, "lead", "billing")
    desk.reply(item_id, "ben", "On its way.", TARGET)
    posted(desk, item_id)
    desk.resolve(item_id, "ben")
    desk.rate(item_id, 4, by="alice")
    desk.claim(int(other), "cy")

    outcomes = destination.outcomes([receipt.external_id], since=None)
    assert [(o.kind, o.actor) for o in outcomes] == [
        ("claimed", "ann"), ("reassigned", "lead"), ("replied", "ben"), ("resolved", "ben"),
        ("rated", "alice")]
    assert all(isinstance(o, Outcome) and o.external_id == receipt.external_id
               for o in outcomes)
    events = {e.kind: e for e in desk.events(item_ids=[item_id])}
    assert outcomes[4].outcome_id == f"desk:{events['rated'].event_id}"
    assert outcomes[0].data == {"team": "care"}
    assert outcomes[1].data == {"team": "billing", "from_team": "care"}
    assert outcomes[2].data == {  # posted on the platform: the first response, then
        "team": "billing", "text": "On its way.", "reply_id": 1,
        "url": "https://reddit.com/r/x/abc/reply", "external_id": "t1_reply",
        "found_on_platform": False}
    assert outcomes[4].data == {"team": "billing", "score": 4, "by": "agent"}
    since = destination.outcomes([receipt.external_id, other], since=outcomes[3].at)
    assert [(o.kind, o.external_id) for o in since] == [
        ("resolved", receipt.external_id), ("rated", receipt.external_id), ("claimed", other)]


def test_sqlite_store_creates_its_folder(tmp_path):
    path = tmp_path / "new" / "dir" / "desk.sqlite"
    with Desk(f"sqlite:///{path}") as desk:
        desk.add(delivery())
    assert path.is_file()


@pytest.mark.parametrize("url", [
    "nosuchdb://x/y",                              # not a SQLAlchemy dialect
    "postgresql+pg8000://x@127.0.0.1:1/desk",      # a driver that is not installed
    "postgresql+psycopg://x@127.0.0.1:1/desk",     # nothing listening
])
def test_a_store_that_cannot_be_used_says_what_to_check(url):
    with pytest.raises(DeskError, match="routing.desk_url"):
        Desk(url)


def test_queues_filter_count_and_page_on_the_facets_of_the_first_mention(desk):
    from dataclasses import replace

    for i, (sentiment, source) in enumerate([("negative", "x"), ("negative", "reddit"),
                                             ("positive", "x")]):
        first = replace(delivery().mentions[0], source=source, sentiment=sentiment,
                        language="en", intent="complaint", influence_tier="regular")
        desk.add(replace(delivery(f"k{i}"), mentions=(first,),
                         sla_due_at=T0 + timedelta(hours=i)))
    assert desk.count("care", ("open", "claimed"), sentiment="negative") == 2
    assert [i.delivery_key for i in desk.items("care", "open", sentiment="negative",
                                               source="x")] == ["k0"]
    assert [i.delivery_key for i in desk.items("care", limit=1, offset=1)] == ["k1"]
    assert desk.facet_values("care")["sentiment"] == ["negative", "positive"]
    with pytest.raises(DeskError, match="cannot be filtered on 'mood'"):
        desk.items(mood="sad")


def test_a_cluster_resolves_at_once_except_what_another_agent_holds(desk):
    ids = [desk.add(delivery(f"k{i}"))[0] for i in range(3)]
    desk.claim(ids[2], "bob")
    resolved, left = desk.resolve_cluster("c9", "ann")
    assert resolved == ids[:2] and [i.item_id for i in left] == [ids[2]]
    assert [e.kind for e in desk.events(item_ids=[ids[0]])] == ["delivered", "resolved"]
    assert desk.within(["community"]).resolve_cluster("c9", "ann") == ([], [])


def test_an_agent_scoped_to_a_team_cannot_act_on_an_item_moved_away(desk):
    item_id, _ = desk.add(delivery())
    care = desk.within(["care"])
    care.claim(item_id, "ann")
    desk.reassign(item_id, "lee", "community")  # lands between the page and the action
    with pytest.raises(DeskError, match="in the community queue, not one of yours"):
        care.resolve(item_id, "ann")
    assert desk.item(item_id).status == "open"


def test_sending_an_item_to_another_route_records_both_route_and_team(desk):
    item_id, _ = desk.add(delivery())
    moved = desk.reassign(item_id, "ann", "community", route="community")
    assert (moved.route, moved.team, moved.status) == ("community", "community", "open")
    event = desk.events(item_ids=[item_id])[-1]
    assert event.data == {"team": "community", "from_team": "care", "route": "community",
                          "from_route": "contact_center"}


def test_a_store_from_before_the_queue_filters_gets_their_columns_on_open(tmp_path):
    url = f"sqlite:///{tmp_path / 'old.sqlite'}"
    engine = sa.create_engine(url)
    with engine.begin() as conn:  # the 0.1 shape of desk_items, with one item in it
        conn.exec_driver_sql("""CREATE TABLE desk_items (item_id INTEGER PRIMARY KEY,
            delivery_key VARCHAR UNIQUE NOT NULL, route VARCHAR NOT NULL, team VARCHAR NOT NULL,
            priority VARCHAR NOT NULL, sla_due_at DATETIME NOT NULL, status VARCHAR NOT NULL,
            assignee VARCHAR, title TEXT NOT NULL, body TEXT NOT NULL, cluster_id VARCHAR,
            rule_id VARCHAR NOT NULL, reason TEXT NOT NULL, mentions TEXT NOT NULL,
            experts TEXT NOT NULL, created_at DATETIME NOT NULL, updated_at DATETIME NOT NULL)""")
        conn.exec_driver_sql("""INSERT INTO desk_items VALUES (1, 'old', 'community',
            'community', 'normal', '2026-11-24 08:00:00', 'open', NULL, 't', 'b', NULL, 'r',
            'why', '[{"source": "reddit", "source_id": "t3_a", "url": null, "author": "a",
            "text": "t", "created_at": "2026-11-24T07:00:00+00:00"}]', '[]',
            '2026-11-24 07:00:00', '2026-11-24 07:00:00')""")
    engine.dispose()
    with Desk(url) as upgraded:
        [item] = upgraded.items()
        assert item.delivery_key == "old" and item.sentiment is None
        assert item.source == "reddit" and upgraded.count(source="reddit") == 1
        assert upgraded.count(sentiment="negative") == 0
