"""The care KPI views on the demo's warehouse, after known desk actions have come back
through sync_outcomes: every figure equals what the test works out itself from the actions
and the base tables (deliveries, mentions, events), not from the views."""

from __future__ import annotations

import statistics
from datetime import datetime, timedelta, timezone

import numpy as np
import pytest

from carewire.app import pipeline
from carewire.core.replies import Posted
from carewire.desk.outbox import ReplyTarget
from carewire.desk.store import Desk
from carewire.warehouse.db import connect, records


class Clock:
    def __init__(self):
        self.now = datetime(2026, 1, 1, tzinfo=timezone.utc)

    def __call__(self) -> datetime:
        return self.now


def kpis(con, grain: str, **keys) -> dict:
    where = " AND ".join(f"{k} IS NOT DISTINCT FROM ?" for k in ("team", "source", "week"))
    found = records(con, f"SELECT * FROM out__care_kpis WHERE grain = ? AND {where}",
                 [grain, keys.get("team"), keys.get("source"), keys.get("week")])
    assert len(found) == 1, (grain, keys, found)
    return found[0]


@pytest.fixture
def worked(demo_settings):
    """The demo's desk after agents worked five items, synced and published. Returns the
    settings; per delivery key what was done (hours after the customer's post to the first
    reply and to the current resolution, the last rating, the team holding it now); when
    each item's first mention was posted; and when outcomes were synced."""
    settings = demo_settings
    with connect(settings.warehouse, read_only=True) as con:
        posted = dict(con.execute("""
            SELECT d.delivery_key, min(m.created_at) FROM core__delivery_mentions d
            JOIN core__mentions m USING (source, source_id) GROUP BY ALL""").fetchall())
    clock = Clock()
    desk = Desk(settings.desk_url, clock=clock)
    care = desk.items(team="care", status="open", limit=4)
    # one the desk posts replies to (a blog post's reply is sent by hand)
    community = [i for i in desk.items(team="community", status="open")
                 if i.mentions[0].source != "feeds"][:1]
    assert len(care) == 4 and len(community) == 1, "the demo's desk has fewer items than before"
    a, b, c, e = care
    (d,) = community

    script = [  # item, hours after the post, action, its arguments after the item id
        # a reply counts when it reaches the customer (posted), not when it was written
        (a, 1, "claim", "ann"), (a, 1.5, "reply", "ann", "On it"), (a, 2, "posted"),
        (a, 3, "resolve", "ann"), (a, 4, "rate", 5, "customer"),
        (b, 1, "claim", "bob"), (b, 4, "reply", "bob", "Hi"), (b, 5, "posted"),
        (b, 10, "resolve", "bob"),
        (b, 11, "reopen", "bob"), (b, 12, "claim", "bob"), (b, 20, "resolve", "bob"),
        (b, 21, "rate", 2, "customer"),
        (c, 1, "reassign", "ann", "billing", "community"),  # counted by its new team and route
        (e, 1, "claim", "ann"), (e, 2, "resolve", "ann"), (e, 3, "reopen", "ann"),
        (d, 1, "claim", "cid"), (d, 1.25, "reply", "cid", "See"), (d, 1.5, "posted"),
        (d, 6, "resolve", "cid"),
        (d, 7, "rate", 4, "customer"),
    ]
    for item, hours, action, *args in script:
        clock.now = posted[item.delivery_key] + timedelta(hours=hours)
        if action == "reply":  # to the item's first post
            first = item.mentions[0]
            args.append(ReplyTarget(first.source, "stream", first.source_id, None, first.url))
        if action == "posted":  # as the sender records it (carewire.app.replies)
            [queued] = desk.outbox.of_items([item.item_id])
            assert desk.outbox.start(queued, clock.now)
            desk.outbox.posted(queued, Posted("p1", None, clock.now))
            continue
        getattr(desk, action)(item.item_id, *args)
    # d's customer also rated, on the rating page: theirs counts apart from the agent's 4
    clock.now = posted[d.delivery_key] + timedelta(hours=8)
    first = d.mentions[0]
    assert desk.ratings.ask(d.item_id, ReplyTarget(first.source, "stream", first.source_id,
                                                   None, first.url), "Rate us: {link}",
                            "https://care.example", timedelta(days=14), clock.now)
    [request] = [r for r in desk.outbox.of_items([d.item_id]) if r.purpose == "rating_request"]
    desk.ratings.rate(request.reply.text.rsplit("/", 1)[1], 1, "")
    desk.close()
    now = max(posted[i.delivery_key] for i in (a, b, c, d, e)) + timedelta(days=1)
    pipeline.sync_outcomes(settings, {}, now)
    pipeline.publish(settings)
    done = {a.delivery_key: dict(reply=2, resolved=3, rating=5, team="care"),
            b.delivery_key: dict(reply=5, resolved=20, rating=2, team="care"),
            c.delivery_key: dict(reply=None, resolved=None, rating=None, team="billing"),
            e.delivery_key: dict(reply=None, resolved=None, rating=None, team="care"),
            d.delivery_key: dict(reply=1.5, resolved=6, rating=4, team="community",
                                 customer_rating=1)}
    return settings, done, posted, now


def test_care_kpis_equal_what_the_agents_did(worked):
    settings, done, posted, synced_at = worked
    as_of = synced_at
    with connect(settings.snapshot, read_only=True) as con:
        delivered = records(con, """SELECT delivery_key, team, sla_due_at FROM core__deliveries
                                 WHERE status = 'delivered'""")
        overall = kpis(con, "all")
        care = kpis(con, "team", team="care")
        billing = kpis(con, "team", team="billing")
        weeks = records(con, "SELECT week, items FROM out__care_kpis WHERE grain = 'week'")
        b_key = next(k for k, v in done.items() if v["rating"] == 2)
        b_row = records(con, "SELECT * FROM out__care_items WHERE delivery_key = ?", [b_key])[0]
        c_key = next(k for k, v in done.items() if v["team"] == "billing")
        c_row = records(con, "SELECT * FROM out__care_items WHERE delivery_key = ?", [c_key])[0]

    resolved = [v["resolved"] for v in done.values() if v["resolved"] is not None]
    replies = [v["reply"] for v in done.values() if v["reply"] is not None]
    agent_ratings = [v["rating"] for v in done.values() if v["rating"] is not None]
    # an item's rating is its customer's where they gave one, else the agent-recorded one
    ratings = [v.get("customer_rating") or v["rating"] for v in done.values()
               if v["rating"] is not None]
    assert overall["items"] == len(delivered)
    assert overall["resolved"] == 3
    assert overall["resolution_rate"] == pytest.approx(3 / len(delivered))
    assert overall["resolution_hours_median"] == pytest.approx(statistics.median(resolved))
    assert overall["resolution_hours_p90"] == pytest.approx(np.percentile(resolved, 90))
    assert overall["first_response_hours_median"] == pytest.approx(statistics.median(replies))
    assert overall["ratings"] == 3
    assert overall["avg_rating"] == pytest.approx(sum(ratings) / 3)
    assert overall["csat"] == pytest.approx(1 / 3)  # 5 satisfied; 2 and the customer's 1 not
    assert (overall["customer_ratings"], overall["customer_csat"]) == (1, 0.0)
    assert overall["agent_ratings"] == len(agent_ratings) == 3
    assert overall["agent_csat"] == pytest.approx(2 / 3)  # the agents recorded 5, 2 and 4

    breached = met = 0
    for row in delivered:
        work = done.get(row["delivery_key"])
        if work and work["resolved"] is not None:
            resolved_at = posted[row["delivery_key"]] + timedelta(hours=work["resolved"])
            breached += resolved_at > row["sla_due_at"]
            met += resolved_at <= row["sla_due_at"]
        elif row["sla_due_at"] < as_of:
            breached += 1
    assert (overall["sla_breached"], overall["sla_met"]) == (breached, met)
    assert overall["sla_breach_rate"] == pytest.approx(breached / (breached + met))

    # the reassignment moved item c to billing; the demo's care items stay care
    care_items = sum(r["team"] == "care" for r in delivered) - 1
    assert (care["items"], care["resolved"], care["ratings"]) == (care_items, 2, 2)
    assert (billing["items"], billing["resolved"]) == (1, 0)
    assert sum(w["items"] for w in weeks) == len(delivered)

    # resolved, reopened, resolved again: timed from the post to the last resolution
    assert b_row["is_resolved"] and b_row["resolution_hours"] == pytest.approx(20)
    assert b_row["first_response_hours"] == pytest.approx(5)
    assert (b_row["rating_score"], b_row["is_satisfied"]) == (2, False)
    assert (b_row["rating_by"], b_row["agent_rating"], b_row["customer_rating"]) == (
        "agent", "2", None)
    d_key = next(k for k, v in done.items() if v.get("customer_rating"))
    with connect(settings.snapshot, read_only=True) as con:
        d_row = records(con, "SELECT * FROM out__care_items WHERE delivery_key = ?", [d_key])[0]
    assert (d_row["rating"], d_row["rating_by"], d_row["is_satisfied"]) == ("1", "customer",
                                                                             False)
    assert (d_row["agent_rating"], d_row["is_satisfied_agent"]) == ("4", True)
    assert (c_row["team"], c_row["route"]) == ("billing", "community")


def test_a_reopened_item_is_open_again_and_open_items_are_judged_at_the_last_sync(worked):
    settings, done, posted, as_of = worked
    reopened = next(k for k, v in done.items() if v["resolved"] is None and v["team"] == "care")
    with connect(settings.snapshot, read_only=True) as con:
        row = records(con, "SELECT * FROM out__care_items WHERE delivery_key = ?", [reopened])[0]
        still_open = records(con, "SELECT sla_due_at, is_sla_breached, as_of FROM out__care_items "
                               "WHERE NOT is_resolved")
    assert not row["is_resolved"] and row["resolved_at"] is None and row["resolution_hours"] is None
    assert still_open and all(r["as_of"] == as_of for r in still_open)
    assert [r["is_sla_breached"] for r in still_open] == [
        True if r["sla_due_at"] < as_of else None for r in still_open]
