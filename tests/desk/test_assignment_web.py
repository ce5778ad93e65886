"""Assignment on the desk (issue 16): an agent sets their own availability on the home page
and sees what the desk gave them; a lead sees every agent's load, sets a status and turns a
team's auto-assignment off; signing out gives back what was not started. Through HTTP, on
a copy of the demo's store."""

from __future__ import annotations

from collections import Counter


def _skilled(desk_app, name: str, capacity: int = 3) -> None:
    """Every language and source of the care queue, as an admin sets them from the shell."""
    desk = desk_app.state.desk
    values = desk.facet_values("care")
    desk.assignment.set_skills(name, "ada", languages=values["language"],
                               sources=values["source"], capacity=capacity)


def _held(desk_app) -> Counter:
    desk = desk_app.state.desk
    return Counter(i.assignee for i in desk.items("care", ("open", "claimed"), limit=500)
                   if i.assignee)


def test_an_agent_sets_themselves_available_and_gets_work_up_to_capacity(desk_app, sign_in):
    _skilled(desk_app, "ann")
    ann = sign_in("ann")
    home = ann.get("/").text
    assert 'action="/me/status"' in home and "<option selected>offline</option>" in home
    assert "Nothing assigned to you while you are offline" in home
    assert _held(desk_app) == Counter()

    done = ann.post("/me/status", {"status": "available"})
    assert done.status_code == 303
    home = ann.get(done.headers["location"]).text
    assert "you are available" in home and "holding 3 of 3" in home
    assert home.count("assigned to you: claim it to start") == 3
    assert _held(desk_app) == Counter({"ann": 3})

    [first, *_] = desk_app.state.desk.items("care", "open", assignee="ann")
    page = ann.get(f"/items/{first.item_id}").text
    assert "assigned to ann, not started" in page
    assert ann.post(f"/items/{first.item_id}/claim").status_code == 303
    assert desk_app.state.desk.item(first.item_id).status == "claimed"

    refused = ann.post("/me/status", {"status": "busy"})
    assert "unknown status" in ann.get(refused.headers["location"]).text

    # signing out: offline, and the two not started go back to the queue
    ann.post("/logout")
    assert _held(desk_app) == Counter({"ann": 1})
    assert desk_app.state.desk.assignment.agent("ann").status == "offline"


def test_a_lead_sees_the_load_sets_a_status_and_turns_a_team_off(desk_app, sign_in):
    _skilled(desk_app, "ann", capacity=2)
    desk_app.state.desk.assignment.set_status("ann", "available", "ann")
    lee = sign_in("lee")
    page = lee.get("/agents").text
    assert "<td>ann</td>" in page and "<td>2 / 2</td>" in page and "auto-assignment on" in page
    assert "<td>cid</td>" in page  # community's agent, offline, no skills
    assert 'href="/agents"' in page  # in the lead's menu

    moved = lee.post("/agents/ann/status", {"status": "away"}, page="/agents")
    assert "2 item(s) not started went back" in lee.get(moved.headers["location"]).text
    assert _held(desk_app) == Counter()

    off = lee.post("/teams/care/auto-assign", {"on": "0"}, page="/agents")
    assert "auto-assignment off for care" in lee.get(off.headers["location"]).text
    desk_app.state.desk.assignment.set_status("ann", "available", "lee")
    assert _held(desk_app) == Counter()  # off: claimed by hand
    assert "auto-assignment off: claimed by hand" in lee.get("/agents").text

    lee.post("/teams/care/auto-assign", {"on": "1"}, page="/agents")
    assert _held(desk_app) == Counter({"ann": 2})
    assert lee.post("/teams/nowhere/auto-assign", {"on": "0"},
                    page="/agents").status_code == 404


def test_agents_may_not_use_the_leads_page_nor_set_someone_else(desk_app, sign_in):
    ann = sign_in("ann")
    assert ann.get("/agents").status_code == 403
    assert ann.post("/agents/cid/status", {"status": "away"}).status_code == 403
    assert ann.post("/teams/care/auto-assign", {"on": "0"}).status_code == 403
    assert sign_in("lee").post("/me/status", {"status": "away"}).status_code == 403
    assert desk_app.state.desk.assignment.auto_assign(["care"]) == {"care": True}
