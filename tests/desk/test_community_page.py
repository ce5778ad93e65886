"""The Community page on the demo's snapshot: for leads only, its figures are the rows of
the views it names, and a fact sheet posted about a cluster shows on the cluster's page."""

from __future__ import annotations

import json
import re
from datetime import datetime, timezone

import duckdb
from markupsafe import escape

from carewire.app import pipeline
from carewire.desk.community_page import PHASES
from tests.warehouse_rows import insert


def view_rows(settings, sql: str, params=()) -> list[dict]:
    with duckdb.connect(str(settings.snapshot), read_only=True) as con:
        cursor = con.execute(sql, list(params))
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row)) for row in cursor.fetchall()]


def tile(html: str, name: str) -> str:
    return re.search(rf'class="tile {name}"><div class="value">([^<]+)</div>', html).group(1)


def test_a_lead_sees_the_newest_week_of_the_busiest_space_as_the_view_has_it(
        desk_app, sign_in, demo_settings):
    page = sign_in("lee").get("/community")
    assert page.status_code == 200
    [busiest] = view_rows(demo_settings, """SELECT space FROM out__community_health
                                           GROUP BY space ORDER BY sum(members) DESC LIMIT 1""")
    [week] = view_rows(demo_settings, """SELECT * FROM out__community_health WHERE space = ?
                                        ORDER BY week DESC LIMIT 1""", [busiest["space"]])
    assert f"<option selected>{busiest['space']}</option>" in page.text
    assert f"Week of {week['week']}" in page.text
    assert tile(page.text, "members") == str(week["members"])
    assert tile(page.text, "questions") == str(week["questions"])
    assert tile(page.text, "deflected") == str(week["contacts_deflected"])
    share = week["answered_by_customers_share"]
    assert tile(page.text, "customers-share") == ("–" if share is None else f"{share:.0%}")
    for phase in PHASES:  # the funnel's bars carry the exact values in their tooltips
        assert f"<title>{phase}: {week[f'members_{phase}']}</title>" in page.text, phase
    for view in ("out__community_health", "out__community_members", "out__helper_ranking"):
        assert f"from <code>{view}</code>" in page.text, view
    assert "an estimate" in page.text and page.text.count("<svg") >= 6


def test_the_members_of_the_week_are_listed_with_why(desk_app, sign_in, demo_settings):
    page = sign_in("lee").get("/community")
    [week] = view_rows(demo_settings, "SELECT max(week) AS week FROM out__community_members")
    members = view_rows(demo_settings, """SELECT phase, phase_reason FROM out__community_members
                                         WHERE week = ?""", [week["week"]])
    assert members
    table = re.search(r'<table class="grid members">.*?</table>', page.text, re.S).group(0)
    rows = re.findall(r"<tr><td>[^<]*</td><td>[^<]*</td><td>(\w+)</td>", table)
    assert sorted(rows) == sorted(m["phase"] for m in members)
    assert all(str(escape(m["phase_reason"])) in table for m in members)


def test_agents_may_not_see_the_community_page(desk_app, sign_in):
    answer = sign_in("ann").get("/community")
    assert answer.status_code == 403


def test_an_unknown_space_is_refused_with_the_spaces_there_are(desk_app, sign_in):
    answer = sign_in("lee").get("/community", params={"space": "r/nowhere"})
    assert answer.status_code == 404 and "kestrel-community" in answer.text


def test_a_fact_sheet_posted_about_a_cluster_shows_on_the_cluster_page(
        desk_app, sign_in, demo_settings):
    lee = sign_in("lee")
    cluster = re.search(r'href="/clusters/([^"]+)"', lee.get("/dashboard").text).group(1)
    with duckdb.connect(str(demo_settings.warehouse)) as con:
        insert(con, "core__events", datetime(2026, 11, 24, 9, tzinfo=timezone.utc),
               event_id="fact-sheet-1", kind="fact_sheet_posted", actor="lee",
               data=json.dumps({"cluster_id": cluster, "title": "Double charges on November bills",
                                "url": "https://community.kestrelmobile.example/t/double-charges/77"}))
    assert "Double charges on November bills" not in lee.get(f"/clusters/{cluster}").text
    pipeline.publish(demo_settings)
    page = lee.get(f"/clusters/{cluster}").text
    assert "Fact sheets for the helpers" in page
    assert ('href="https://community.kestrelmobile.example/t/double-charges/77"' in page
            and "Double charges on November bills" in page)


def test_without_a_snapshot_the_page_says_how_to_make_one(desk_app, sign_in, demo_settings):
    demo_settings.snapshot.unlink()
    page = sign_in("lee").get("/community")
    assert page.status_code == 200
    assert f"There is no analyst snapshot at {demo_settings.snapshot} yet" in page.text
