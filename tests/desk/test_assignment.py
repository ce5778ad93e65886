"""Assignment to agents (issue 16): skills, capacity, availability, least loaded then
round-robin, soonest deadline first, reopened items back to their agent, the team switch,
and deliveries at once never putting an agent over capacity or an item in two hands; on
SQLite and on PostgreSQL."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import datetime, timedelta

import pytest

from carewire.core.delivery import Delivery, MentionRef
from carewire.desk.accounts import Accounts
from carewire.desk.assignment import AssignmentError
from carewire.desk.store import Desk, DeskError
from tests.desk.conftest import PASSWORD
from tests.desk.test_store import T0, Clock


def delivery(key: str, *, team: str = "care", due: datetime = T0, language: str = "en",
             source: str = "reddit", intent: str | None = "complaint") -> Delivery:
    mention = MentionRef(source=source, source_id=f"id-{key}", url=None, author="alice",
                         text="my order never arrived", created_at=T0 - timedelta(hours=1),
                         language=language, intent=intent)
    return Delivery(key=key, destination="desk", route="contact_center", unit="mention",
                    cluster_id=None, mentions=(mention,), title=f"item {key}", body="...",
                    team=team, priority="high", sla_due_at=due, rule_id="r", reason="why")


def add_agent(desk: Desk, name: str, *, teams=("care",), languages=("en",),
              sources=("reddit",), topics=(), capacity: int = 5,
              status: str = "available") -> None:
    accounts = Accounts(desk.engine, desk._now, idle=timedelta(minutes=30),
                        lifetime=timedelta(hours=12))
    accounts.add_user(name, PASSWORD, "agent", list(teams))
    desk.assignment.set_skills(name, "lee", languages=languages, sources=sources,
                               topics=topics, capacity=capacity)
    if status != "offline":
        desk.assignment.set_status(name, status, name)


def holder(desk: Desk, item_id: int) -> str | None:
    return desk.item(item_id).assignee


def assigned_events(desk: Desk):
    return [e for e in desk.events() if e.kind == "assigned"]


@pytest.fixture
def desk(desk_url):
    with Desk(desk_url, clock=Clock()) as opened:
        yield opened


def test_a_new_agent_is_offline_and_takes_nothing_until_set_available(desk):
    accounts = Accounts(desk.engine, desk._now, idle=timedelta(minutes=30),
                        lifetime=timedelta(hours=12))
    accounts.add_user("ann", PASSWORD, "agent", ["care"])
    accounts.add_user("lee", PASSWORD, "lead")
    [ann] = desk.assignment.agents()  # leads are not agents
    assert (ann.name, ann.status, ann.capacity, ann.load, ann.languages) == (
        "ann", "offline", 5, 0, ())

    item_id, _ = desk.add(delivery("k1"))
    assert holder(desk, item_id) is None

    desk.assignment.set_skills("ann", "lee", languages=["en"], sources=["reddit"])
    assert holder(desk, item_id) is None  # offline still
    desk.assignment.set_status("ann", "available", "ann")
    assert holder(desk, item_id) == "ann" and desk.item(item_id).status == "open"
    with pytest.raises(AssignmentError, match="lee is not a desk agent"):
        desk.assignment.set_status("lee", "available", "lee")


def test_skills_decide_who_may_take_an_item(desk):
    add_agent(desk, "ann", languages=["en"], sources=["reddit"])
    add_agent(desk, "bea", languages=["de"], sources=["x", "reddit"])
    add_agent(desk, "cid", languages=["en", "de"], sources=["reddit"], topics=["refund"])

    english, _ = desk.add(delivery("en", language="en", source="reddit"))
    german_x, _ = desk.add(delivery("de-x", language="de", source="x"))
    french, _ = desk.add(delivery("fr", language="fr"))
    refund, _ = desk.add(delivery("refund", language="de", intent="refund"))
    forum, _ = desk.add(delivery("forum", source="discourse"))

    assert holder(desk, english) == "ann"  # cid speaks en but takes refunds only
    assert holder(desk, german_x) == "bea"
    assert holder(desk, french) is None and holder(desk, forum) is None  # nobody has it
    assert holder(desk, refund) == "cid"  # bea has it too, but holds one already

    [event] = [e for e in assigned_events(desk) if e.item_id == refund]
    assert event.actor is None and event.data["rule"] == "least_loaded"
    assert event.data["skills"] == {"language": "de", "source": "reddit", "topic": "refund"}
    assert (event.data["load"], event.data["capacity"]) == (0, 5)
    assert "cid has the skills it needs" in event.data["why"]
    assert "the fewest of the 2 available agent(s) able" in event.data["why"]


def test_another_teams_items_and_disabled_agents_get_nothing(desk):
    add_agent(desk, "ann", teams=["community"])
    add_agent(desk, "bob")
    Accounts(desk.engine, desk._now, idle=timedelta(minutes=30),
             lifetime=timedelta(hours=12)).set_active("bob", False, "ada")

    item_id, _ = desk.add(delivery("k1", team="care"))
    assert holder(desk, item_id) is None


def test_capacity_is_never_passed_and_a_resolved_item_frees_a_slot(desk):
    add_agent(desk, "ann", capacity=2)
    ids = [desk.add(delivery(f"k{n}", due=T0 + timedelta(minutes=n)))[0] for n in range(3)]

    assert [holder(desk, i) for i in ids] == ["ann", "ann", None]
    assert desk.assignment.agent("ann").load == 2
    desk.claim(ids[0], "ann")  # started: still counts
    assert desk.assignment.agent("ann").load == 2

    desk.resolve(ids[0], "ann")
    assert holder(desk, ids[2]) == "ann" and desk.assignment.agent("ann").load == 2

    desk.assignment.set_skills("ann", "lee", capacity=1)  # lower: nothing taken away
    assert desk.assignment.agent("ann").load == 2
    desk.resolve(ids[1], "ann")
    waiting, _ = desk.add(delivery("k9"))
    assert holder(desk, waiting) is None  # holds 1 of 1


def test_claiming_by_hand_and_what_others_may_do_with_an_assigned_item(desk):
    add_agent(desk, "ann")
    item_id, _ = desk.add(delivery("k1"))
    assert holder(desk, item_id) == "ann"

    with pytest.raises(DeskError, match="assigned to ann, who has not started it"):
        desk.claim(item_id, "bob")
    with pytest.raises(DeskError, match="assigned to ann"):
        desk.resolve(item_id, "bob")
    claimed = desk.claim(item_id, "ann")
    assert (claimed.status, claimed.assignee) == ("claimed", "ann")


def test_an_agent_going_away_gives_back_what_they_had_not_started(desk):
    add_agent(desk, "ann")
    started, _ = desk.add(delivery("k1", due=T0))
    waiting, _ = desk.add(delivery("k2", due=T0 + timedelta(minutes=1)))
    desk.claim(started, "ann")
    add_agent(desk, "bob", status="offline")
    assert holder(desk, waiting) == "ann"

    # nobody else is available: it goes back to the queue and waits there
    assert desk.assignment.set_status("ann", "away", "ann") == [waiting]
    assert holder(desk, waiting) is None
    assert holder(desk, started) == "ann"  # started: hers still
    [given_back] = [e for e in desk.events() if e.kind == "unassigned"]
    assert given_back.data == {"team": "care", "agent": "ann", "why": "ann is away"}

    new, _ = desk.add(delivery("k3"))
    assert holder(desk, new) is None  # away agents get nothing

    desk.assignment.set_status("bob", "available", "bob")
    assert holder(desk, waiting) == "bob" and holder(desk, new) == "bob"

    desk.assignment.set_status("bob", "offline", "lee")  # a lead may set it too
    desk.assignment.set_status("ann", "available", "ann")
    assert holder(desk, waiting) == "ann" and holder(desk, new) == "ann"


def test_least_loaded_first_then_round_robin_among_equals(desk):
    for name in ("ann", "bob", "cid"):
        add_agent(desk, name, capacity=10, status="offline")
    for n in range(2):  # ann holds two, claimed by hand
        desk.claim(desk.add(delivery(f"hand{n}"))[0], "ann")
    for name in ("ann", "bob", "cid"):
        desk.assignment.set_status(name, "available", name)
    assert [a.load for a in desk.assignment.agents()] == [2, 0, 0]

    order = [holder(desk, desk.add(delivery(f"k{n}"))[0]) for n in range(7)]
    # bob and cid take turns (neither was ever assigned: by name first) until they hold
    # two like ann; then all three in turn, the one assigned longest ago first
    assert order == ["bob", "cid", "bob", "cid", "ann", "bob", "cid"]


def test_the_soonest_deadline_is_assigned_first(desk):
    add_agent(desk, "ann", capacity=1, status="offline")
    later, _ = desk.add(delivery("later", due=T0 + timedelta(hours=3)))
    soonest, _ = desk.add(delivery("soonest", due=T0 - timedelta(hours=1)))  # breached
    middle, _ = desk.add(delivery("middle", due=T0 + timedelta(hours=1)))

    desk.assignment.set_status("ann", "available", "ann")
    assert holder(desk, soonest) == "ann"
    desk.resolve(soonest, "ann")
    assert holder(desk, middle) == "ann" and holder(desk, later) is None
    desk.resolve(middle, "ann")
    assert holder(desk, later) == "ann"


def test_a_reopened_item_goes_back_to_its_agent_when_they_can_take_it(desk):
    add_agent(desk, "ann", capacity=1)
    add_agent(desk, "bob", capacity=1)
    first, _ = desk.add(delivery("k1"))
    assert holder(desk, first) == "ann"
    desk.resolve(first, "ann")

    reopened = desk.reopen(first, "lee")
    assert (reopened.status, reopened.assignee) == ("open", "ann")  # bob had more room
    [back] = [e for e in assigned_events(desk) if e.item_id == first][-1:]
    assert back.data["rule"] == "previous_agent" and "who resolved it" in back.data["why"]

    desk.resolve(first, "ann")
    desk.assignment.set_skills("ann", "lee", capacity=0)  # no room: to whoever has it
    again = desk.reopen(first, "lee")
    assert again.assignee == "bob"
    assert assigned_events(desk)[-1].data["rule"] == "least_loaded"


def test_a_reopened_item_waits_when_its_agent_is_away(desk):
    add_agent(desk, "ann")
    item_id, _ = desk.add(delivery("k1"))
    desk.resolve(item_id, "ann")
    desk.assignment.set_status("ann", "away", "ann")

    assert desk.reopen(item_id, "lee").assignee is None
    add_agent(desk, "bob")
    assert holder(desk, item_id) == "bob"


def test_a_team_with_auto_assignment_off_is_claimed_by_hand(desk):
    add_agent(desk, "ann")
    desk.assignment.set_auto_assign("care", False, "lee")
    assert desk.assignment.auto_assign(["care", "community"]) == {"care": False,
                                                                  "community": True}
    item_id, _ = desk.add(delivery("k1"))
    assert holder(desk, item_id) is None
    desk.assignment.set_status("ann", "away", "ann")
    desk.assignment.set_status("ann", "available", "ann")
    assert holder(desk, item_id) is None

    claimed = desk.claim(item_id, "bob")  # by hand, as before
    assert (claimed.status, claimed.assignee) == ("claimed", "bob")
    desk.resolve(item_id, "bob")
    assert desk.reopen(item_id, "lee").assignee is None

    desk.assignment.set_auto_assign("care", True, "lee")  # on again: what waits is taken
    assert holder(desk, item_id) == "ann"


def test_reassigning_hands_the_item_to_the_new_teams_agents(desk):
    add_agent(desk, "ann", teams=["care"], capacity=1)
    add_agent(desk, "cid", teams=["community"])
    first, _ = desk.add(delivery("k1"))
    waiting, _ = desk.add(delivery("k2"))
    assert (holder(desk, first), holder(desk, waiting)) == ("ann", None)

    moved = desk.reassign(first, "ann", "community")
    assert (moved.team, moved.assignee) == ("community", "cid")
    assert holder(desk, waiting) == "ann"  # ann had room again


def test_skills_and_capacity_are_checked(desk):
    add_agent(desk, "ann")
    with pytest.raises(AssignmentError, match="capacity -1 for ann is not allowed"):
        desk.assignment.set_skills("ann", "lee", capacity=-1)
    with pytest.raises(AssignmentError, match="cannot be one of ann's languages"):
        desk.assignment.set_skills("ann", "lee", languages=["en; drop"])
    with pytest.raises(AssignmentError, match="unknown status 'busy'"):
        desk.assignment.set_status("ann", "busy", "ann")


def deliver_at_once(url: str, keys: list[str]) -> list:
    """Every key delivered from its own thread and its own Desk (like separate delivery
    workers), all released together; what each returned, or the exception it raised."""
    start, results = threading.Barrier(len(keys), timeout=20), []

    def run(key):
        try:
            with Desk(url, clock=lambda: T0) as own:
                start.wait()
                results.append(own.add(delivery(key, due=T0 + timedelta(
                    minutes=int(key.split("-")[1])))))
        except Exception as exc:  # noqa: BLE001 (the test asserts on what came back)
            start.abort()
            results.append(exc)

    threads = [threading.Thread(target=run, args=(key,)) for key in keys]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results


def test_deliveries_at_once_never_pass_capacity_nor_assign_an_item_twice(desk_url):
    with Desk(desk_url, clock=Clock()) as desk:
        add_agent(desk, "ann", capacity=3)
        add_agent(desk, "bob", capacity=2)
        add_agent(desk, "cid", capacity=1)
        add_agent(desk, "dan", capacity=4, languages=["de"])  # takes none of these

    for round_ in range(4):  # each round: 16 at once for 6 free slots, then all resolved
        results = deliver_at_once(desk_url, [f"r{round_}-{n}" for n in range(16)])
        assert not [r for r in results if isinstance(r, Exception)], results
        with Desk(desk_url, clock=Clock()) as desk:
            items = desk.items(status="open", limit=100)
            assert len(items) == 16
            held = Counter(i.assignee for i in items if i.assignee)
            assert held == {"ann": 3, "bob": 2, "cid": 1}, round_  # full, and not one more
            events = assigned_events(desk)
            assert max(Counter(e.item_id for e in events).values()) == 1
            assert all(e.data["load"] < e.data["capacity"] for e in events)
            for item in items:
                desk.resolve(item.item_id, desk.item(item.item_id).assignee or "lee")
            assert desk.count(status="open") == 0

    with Desk(desk_url, clock=Clock()) as desk:  # each resolved by whoever it was given
        events = assigned_events(desk)
        assert max(Counter(e.item_id for e in events).values()) == 1
        assert all(e.data["agent"] == desk.item(e.item_id).assignee for e in events)


def test_two_teams_at_once_never_give_their_shared_agent_more_than_capacity(desk_url):
    """Passes of two teams pick different items for the one agent both share: only the
    hold on the agent's row while their load is counted keeps them to their capacity."""
    with Desk(desk_url, clock=Clock()) as desk:
        add_agent(desk, "ann", teams=["care", "community"], capacity=1)
    for round_ in range(5):
        start, errors = threading.Barrier(8, timeout=20), []

        def deliver(n, round_=round_, start=start, errors=errors):
            try:
                with Desk(desk_url, clock=lambda: T0) as own:
                    start.wait()
                    own.add(delivery(f"r{round_}-{n}", team=("care", "community")[n % 2]))
            except Exception as exc:  # noqa: BLE001
                start.abort()
                errors.append(exc)

        threads = [threading.Thread(target=deliver, args=(n,)) for n in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
        assert not errors, errors
        with Desk(desk_url, clock=Clock()) as desk:
            assert desk.assignment.agent("ann").load == 1, round_
            for item in desk.items(status="open", limit=100):
                desk.resolve(item.item_id, desk.item(item.item_id).assignee or "lee")


def test_agents_going_away_while_items_arrive_leave_nothing_behind_them(desk_url):
    """Status changes and deliveries at once: an away agent ends holding nothing they had
    not started, and nobody holds more than their capacity."""
    with Desk(desk_url, clock=Clock()) as desk:
        add_agent(desk, "ann", capacity=4)
        add_agent(desk, "bob", capacity=4)
    start = threading.Barrier(9, timeout=20)
    errors = []

    def deliver(n):
        try:
            with Desk(desk_url, clock=lambda: T0) as own:
                start.wait()
                own.add(delivery(f"k-{n}", due=T0 + timedelta(minutes=n)))
        except Exception as exc:  # noqa: BLE001
            start.abort()
            errors.append(exc)

    def away():
        try:
            with Desk(desk_url, clock=lambda: T0) as own:
                start.wait()
                own.assignment.set_status("ann", "away", "ann")
        except Exception as exc:  # noqa: BLE001
            start.abort()
            errors.append(exc)

    threads = [threading.Thread(target=deliver, args=(n,)) for n in range(8)]
    threads.insert(4, threading.Thread(target=away))
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors, errors

    with Desk(desk_url, clock=Clock()) as desk:
        items = desk.items(limit=100)
        held = Counter(i.assignee for i in items if i.assignee)
        assert "ann" not in held and held["bob"] == 4
        assert all(e.data["load"] < e.data["capacity"] for e in assigned_events(desk))
