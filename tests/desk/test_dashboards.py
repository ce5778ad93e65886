"""The dashboard page on the demo's snapshot: for leads only, every figure names its view,
charts are inline SVG, and desk actions show once sync_outcomes has run and published."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import duckdb

from carewire.app import pipeline

VIEWS = ("out__care_kpis", "out__volume_sentiment_daily", "out__top_authors",
         "out__open_clusters", "out__share_of_voice")


def resolved_tile(html: str) -> int:
    return int(re.search(r"resolution rate \((\d+) resolved\)", html).group(1))


def test_a_lead_sees_charts_and_the_view_behind_every_figure(desk_app, sign_in):
    page = sign_in("lee").get("/dashboard")
    assert page.status_code == 200
    for view in VIEWS:  # the sample config has a competitor, so share of voice is shown
        assert f"from <code>{view}</code>" in page.text, view
    assert page.text.count("<svg") >= 10
    assert "snapshot of 20" in page.text and "sync_outcomes" in page.text
    assert "Anyone else with Kestrel Mobile been charged twice" in page.text  # largest cluster
    assert resolved_tile(page.text) == 0


def test_mentions_whose_sentiment_was_not_scored_are_counted_apart(desk_app, sign_in):
    """The demo brand's German, Spanish, Polish and Welsh posts have no sentiment model:
    the page says how many, and the negative share is of the scored ones."""
    page = sign_in("lee").get("/dashboard")
    found = re.search(r"(\d+) of these mentions were not scored: no sentiment model for "
                      "their language is configured", page.text)
    assert found and int(found.group(1)) > 0
    assert "Share of negative mentions per topic (of those scored)" in page.text


def test_agents_may_not_see_the_dashboard(desk_app, sign_in):
    answer = sign_in("ann").get("/dashboard")
    assert answer.status_code == 403 and "for leads and admins" in answer.text


def test_filters_pick_the_matching_grain(desk_app, sign_in):
    page = sign_in("lee").get("/dashboard", params={"team": "care", "source": "x", "weeks": 2})
    assert page.status_code == 200
    assert "grain team_source ·" in page.text and "grain team_source_week" in page.text
    assert '<option selected>care</option>' in page.text


def test_desk_actions_reach_the_dashboard_when_outcomes_are_synced_and_published(
        desk_app, sign_in, demo_settings):
    ann, lee = sign_in("ann"), sign_in("lee")
    queue = ann.get("/queue/care")
    item = re.search(r'href="/items/(\d+)"', queue.text).group(1)
    for action in ("claim", "resolve"):
        assert ann.post(f"/items/{item}/{action}", page=f"/items/{item}").status_code == 303
    assert resolved_tile(lee.get("/dashboard").text) == 0  # the snapshot has not heard yet

    pipeline.sync_outcomes(demo_settings, {}, datetime.now(timezone.utc))
    pipeline.publish(demo_settings)
    assert resolved_tile(lee.get("/dashboard").text) == 1


def customer_tile(html: str) -> tuple[str, int]:
    found = re.search(r'csat-customers"><div class="value">([^<]+)</div><div class="label">'
                      r'CSAT from customers \((\d+) ratings', html)
    return found.group(1), int(found.group(2))


def test_a_customer_s_rating_moves_the_customers_csat_not_the_agents(desk_app, sign_in,
                                                                    demo_settings):
    from datetime import timedelta

    from fastapi.testclient import TestClient

    from carewire.desk.outbox import ReplyTarget

    lee, desk = sign_in("lee"), desk_app.state.desk
    assert customer_tile(lee.get("/dashboard").text) == ("–", 0)
    item = desk.items(team="care", status="open", limit=1)[0]
    desk.resolve(item.item_id, "ann")
    first = item.mentions[0]
    desk.ratings.ask(item.item_id, ReplyTarget(first.source, "s", first.source_id, None, None),
                     "{link}", "https://care.example", timedelta(days=1),
                     desk_app.state.clock())
    [request] = [r for r in desk.outbox.of_items([item.item_id])]
    token = request.reply.text.rsplit("/", 1)[1]
    assert TestClient(desk_app).post(f"/rate/{token}", data={"score": "5"}).status_code == 200

    pipeline.sync_outcomes(demo_settings, {}, datetime.now(timezone.utc))
    pipeline.publish(demo_settings)
    page = lee.get("/dashboard").text
    assert customer_tile(page) == ("100%", 1)
    assert "CSAT recorded by agents (0 ratings" in page


def test_without_a_snapshot_or_its_views_the_page_says_what_to_run(desk_app, sign_in,
                                                                    demo_settings):
    lee = sign_in("lee")
    with duckdb.connect(str(demo_settings.snapshot)) as con:
        con.execute("DROP VIEW out__open_clusters")
    assert "has no KPI views yet" in lee.get("/dashboard").text

    demo_settings.snapshot.unlink()
    page = lee.get("/dashboard")
    assert page.status_code == 200
    assert "run the process DAG or `carewire demo` first" in page.text


def test_the_page_says_which_clock_each_teams_sla_runs_on(demo_settings, clock):
    from carewire.core.settings import BusinessHoursSettings
    from carewire.desk.web import create_app
    from carewire.routing.policy import policy_for
    from tests.desk.conftest import DeskUser

    hours = BusinessHoursSettings(timezone="Europe/Berlin",
                                  hours={"mon-fri": "08:00-20:00", "sat": "10:00-16:00"})
    settings = demo_settings.model_copy(update={"routing": demo_settings.routing.model_copy(
        update={"business_hours": {"care": hours}})})
    app = create_app(settings, policy_for(settings).desk_teams(), clock=clock)
    try:
        lee = DeskUser(app, "lee")
        assert lee.sign_in().status_code == 303
        care = "business hours, Europe/Berlin, mon-fri 08:00-20:00, sat 10:00-16:00"
        page = lee.get("/dashboard").text
        assert f'<td class="sla-clock">{care}</td>' in page
        assert '<td class="sla-clock">24/7</td>' in page  # community
        assert f"care\n<em>{care}</em>" in page and "community\n<em>24/7</em>" in page
        tile = lee.get("/dashboard", params={"team": "care"}).text
        assert re.search(rf"SLA breach rate \(\d+ breached, \d+ met; {care}\)", tile)
    finally:
        app.state.desk.close()


def test_leads_see_post_to_queue_over_the_last_hour(desk_app, sign_in, demo_settings, clock):
    """The demo routed and delivered at its clock, DEMO_NOW: an hour later the tile shows
    the waits of the mentions queued then, worked out here from the base tables; two hours
    later none reached a queue in the last hour."""
    import numpy as np

    from carewire.warehouse.latency import seconds
    from tests.conftest import DEMO_NOW

    with duckdb.connect(str(demo_settings.snapshot), read_only=True) as con:
        waits = [w for (w,) in con.execute("""
            SELECT epoch(q.queued_at) - epoch(m.created_at)
            FROM core__routing_decisions d
            JOIN core__delivery_mentions q USING (delivery_key, source, source_id)
            JOIN core__mentions m USING (source, source_id)
            WHERE q.queued_at = ? AND NOT m.is_deleted""", [DEMO_NOW]).fetchall()]
    assert len(waits) > 10
    lee = sign_in("lee")
    clock.now = DEMO_NOW + timedelta(minutes=59)
    page = lee.get("/dashboard").text
    tile = page[page.index('<section class="queue-latency">'):]
    assert (f'<div class="value">{seconds(np.percentile(waits, 50))}</div><div class="label">'
            "post to queue, median</div>") in tile
    assert (f'<div class="value">{seconds(np.percentile(waits, 95))}</div><div class="label">'
            "post to queue, 95th percentile</div>") in tile
    assert (f'<div class="value">{len(waits)}</div><div class="label">mentions that reached '
            "a queue in the last hour</div>") in tile
    assert "from <code>out__queue_latency</code>" in tile

    clock.now = DEMO_NOW + timedelta(hours=2)
    assert "No mention reached a queue in the last hour" in lee.get("/dashboard").text
