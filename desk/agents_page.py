"""Who takes the work: an agent sets their own availability (the home page's form), and a
lead sees every agent's load (what they hold of their capacity), status and skills per team
on the Agents page, sets an agent's status (one who left without signing out) and turns a
team's auto-assignment on or off. The rules are in desk/assignment.py; these are plain
forms, no script.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from starlette.datastructures import FormData

from carewire.desk.assignment import AssignmentError
from carewire.desk.pages import flash_redirect, render
from carewire.desk.schema import AGENT_STATUSES
from carewire.desk.session import Viewer, checked_form, lead_viewer, refuse, viewer

router = APIRouter()


def _assignment(request: Request):
    return request.app.state.desk.assignment


@router.get("/agents")
def agents(request: Request, who: Viewer = Depends(lead_viewer)):
    teams = request.app.state.teams
    everyone = _assignment(request).agents()
    switches = _assignment(request).auto_assign(teams)
    rows = [{"team": team, "auto_assign": switches[team],
             "agents": [a for a in everyone if team in a.teams]} for team in teams]
    return render(request, "agents.html", who, teams=rows, statuses=AGENT_STATUSES)


@router.post("/me/status")
def my_status(request: Request, who: Viewer = Depends(viewer),
              form: FormData = Depends(checked_form)):
    """An agent's own availability: away or offline gives back what they have not
    started; available lets the desk assign them work at once."""
    if who.role != "agent":
        raise refuse(request, who, "only agents take assigned work; leads set an agent's "
                                   "status on the Agents page")
    return _set_status(request, who, who.name, str(form.get("status") or ""), "/")


@router.post("/agents/{name}/status")
def agent_status(request: Request, name: str, who: Viewer = Depends(lead_viewer),
                 form: FormData = Depends(checked_form)):
    return _set_status(request, who, name, str(form.get("status") or ""), "/agents")


@router.post("/teams/{team}/auto-assign")
def auto_assign(request: Request, team: str, who: Viewer = Depends(lead_viewer),
                form: FormData = Depends(checked_form)):
    if team not in request.app.state.teams:
        raise refuse(request, who, f"there is no {team} queue: the teams are "
                                   f"{', '.join(request.app.state.teams)}", status=404)
    on = form.get("on") == "1"
    _assignment(request).set_auto_assign(team, on, who.name)
    return flash_redirect("/agents", who, done=f"auto-assignment {'on' if on else 'off'} for "
                          f"{team}" + ("" if on else ": its items wait to be claimed by hand"))


def _set_status(request: Request, who: Viewer, name: str, status: str, back: str):
    try:
        released = _assignment(request).set_status(name, status, who.name)
    except AssignmentError as exc:
        return flash_redirect(back, who, error=str(exc))
    done = f"{'you are' if name == who.name else name + ' is'} {status}"
    if released:
        done += f"; {len(released)} item(s) not started went back to the queue"
    return flash_redirect(back, who, done=done)
