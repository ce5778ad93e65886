"""The agent's pages: the queues, an item with its context, and the actions on it.

Every list is one indexed, paged query in the desk store (filters and order in SQL), so a
queue with 100,000 open items costs what a page of 50 costs. Every action is a POST with
the session's CSRF token, checked against the viewer's teams, written with its event in
one transaction (desk/store.py), and answered with a redirect (post/redirect/get), so a
reload never repeats it.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import RedirectResponse
from starlette.datastructures import FormData

from carewire.desk.context import cluster_context, item_context, reply_target
from carewire.core.replies import offered_reply
from carewire.desk.outbox import BY_HAND_SOURCES
from carewire.desk.pages import flash_redirect, render
from carewire.desk.schema import AGENT_STATUSES
from carewire.desk.session import (ItemId, Page, Viewer, checked_form, lead_viewer, refuse,
                                   viewer)
from carewire.desk.store import FACETS, Desk, DeskError, DeskItem
from carewire.desk.suggestions import LIMIT, suggestions

router = APIRouter()

ACTIVE = ("open", "claimed")
STATUS_CHOICES = {"active": ACTIVE, "open": ("open",), "claimed": ("claimed",),
                  "resolved": ("resolved",)}


def _desk(request: Request) -> Desk:
    return request.app.state.desk


FACET_CHOICES_TTL = timedelta(minutes=5)
"""How long the values offered in a queue's filter menus are reused: finding them scans the
team's unresolved items, which is most of a page load's cost in a queue of 100,000."""


def _facet_choices(request: Request, team: str) -> dict[str, list[str]]:
    cache = request.app.state.facet_choices
    now = request.app.state.clock()
    if team not in cache or cache[team][0] <= now:
        cache[team] = (now + FACET_CHOICES_TTL, _desk(request).facet_values(team))
    return cache[team][1]


def _teams(request: Request) -> list[str]:
    return request.app.state.teams


def _visible_item(request: Request, who: Viewer, item_id: int) -> DeskItem:
    try:
        item = _desk(request).item(item_id)
    except DeskError as exc:
        raise refuse(request, who, str(exc), status=404) from exc
    if not who.can_see(item.team):
        raise refuse(request, who, f"desk item {item_id} is in the {item.team} queue, which "
                                   f"is not one of your teams ({', '.join(who.teams)})")
    return item


def _back(who: Viewer, item_id: int, done: str | None = None,
          error: str | None = None) -> RedirectResponse:
    return flash_redirect(f"/items/{item_id}", who, done=done, error=error)


@router.get("/")
def home(request: Request, who: Viewer = Depends(viewer)):
    desk = _desk(request)
    rows = [{"team": team, "open": desk.count(team, "open"),
             "claimed": desk.count(team, "claimed")}
            for team in _teams(request) if who.can_see(team)]
    me, mine = None, []
    if who.role == "agent":  # their availability (a form) and what the desk gave them
        try:
            me = desk.assignment.agent(who.name)
        except DeskError:
            me = None
        mine = desk.items(status=ACTIVE, assignee=who.name,
                          limit=request.app.state.settings.desk.page_size)
    return render(request, "home.html", who, queues=rows, me=me, mine=mine,
                  statuses=AGENT_STATUSES)


@router.get("/queue/{team}")
def queue(request: Request, team: str, status: str = "active", page: Page = 1,
          who: Viewer = Depends(viewer)):
    if team not in _teams(request):
        raise refuse(request, who, f"there is no {team} queue: the teams are "
                                   f"{', '.join(_teams(request))}", status=404)
    if not who.can_see(team):
        raise refuse(request, who, f"the {team} queue is not one of your teams "
                                   f"({', '.join(who.teams)})")
    if status not in STATUS_CHOICES:
        raise refuse(request, who, f"unknown status filter {status!r}: use one of "
                                   f"{', '.join(STATUS_CHOICES)}", status=400)
    facets = {name: request.query_params.get(name) or None for name in FACETS}
    desk = _desk(request)
    size = request.app.state.settings.desk.page_size
    page = max(page, 1)
    total = desk.count(team, STATUS_CHOICES[status], **facets)
    items = desk.items(team, STATUS_CHOICES[status], limit=size, offset=(page - 1) * size,
                       **facets)
    kept = {"status": status, **{k: v for k, v in facets.items() if v}}
    return render(request, "queue.html", who, team=team, items=items, total=total, page=page,
                  pages=max(1, -(-total // size)), status=status, facets=facets,
                  choices=_facet_choices(request, team), statuses=list(STATUS_CHOICES),
                  query=lambda **change: urlencode({**kept, **change}))


Suggested = Annotated[int | None, Query(ge=1, le=LIMIT)]
"""Which suggested reply (1 to 3) an item page puts in its reply box."""


@router.get("/items/{item_id}")
def item_page(request: Request, item_id: ItemId, use: Suggested = None,
              who: Viewer = Depends(viewer)):
    """The item, its context and its actions. `use=n` puts suggested reply n in the reply
    box, for the agent to edit before sending (a link: the desk works without scripts)."""
    item = _visible_item(request, who, item_id)
    first = item.mentions[0] if item.mentions else None
    snapshot = request.app.state.settings.snapshot
    context = (item_context(snapshot, first.source, first.source_id, item.cluster_id)
               if first else None)
    # beside the reply box, which a resolved item does not show
    offered = (suggestions(snapshot, first.source, first.source_id)
               if first and item.status != "resolved" else [])
    draft = (offered[use - 1].text
             if use and isinstance(offered, list) and use <= len(offered) else "")
    events = _desk(request).events(item_ids=[item_id])
    replies = _desk(request).outbox.of_items([item_id])
    return render(request, "item.html", who, item=item, context=context, events=events,
                  replies=replies, teams=_teams(request), suggestions=offered, draft=draft)


@router.get("/clusters/{cluster_id}")
def cluster_page(request: Request, cluster_id: str, who: Viewer = Depends(viewer)):
    items = [i for i in _desk(request).cluster_items(cluster_id) if who.can_see(i.team)]
    if not items and who.role == "agent":
        # Who asked, and what, is care data: an agent sees the clusters of their queues.
        raise refuse(request, who, f"issue cluster {cluster_id} has no item in your teams' "
                                   f"queues ({', '.join(who.teams)})")
    context = cluster_context(request.app.state.settings.snapshot, cluster_id)
    return render(request, "cluster.html", who, cluster_id=cluster_id, items=items,
                  context=context if isinstance(context, dict) else None,
                  note=context if isinstance(context, str) else "",
                  offers=_offers(request, items))


def _offers(request: Request, items: list[DeskItem]) -> list[dict]:
    """The cluster's answer offers (one item per author who asked, once its thread has an
    accepted answer): each with the reply it proposes and, when one was written, its
    reply's state; `send` when it is still to go."""
    offers = [(item, offered_reply(item.body)) for item in items
              if item.route == "answer_offer" and item.status != "resolved"]
    replies = {r.item_id: r for r in _desk(request).outbox.of_items(
        [item.item_id for item, _ in offers]) if r.status not in ("rejected", "refused")}
    return [{"item": item, "text": text, "reply": replies.get(item.item_id),
             "send": item.item_id not in replies and bool(item.mentions)}
            for item, text in offers if text]


@router.post("/clusters/{cluster_id}/answer-everyone")
def answer_everyone(request: Request, cluster_id: str, who: Viewer = Depends(viewer),
                    form: FormData = Depends(checked_form)):
    """Queue the accepted answer to every author of the cluster who has none yet: one
    reply each, on their own platform; the sender posts them, waiting where a platform
    asks it to. Sent again, it queues nothing twice."""
    items = [i for i in _desk(request).cluster_items(cluster_id) if who.can_see(i.team)]
    if not items:
        raise refuse(request, who, f"issue cluster {cluster_id} has no desk item you may work")
    desk, queued, skipped = _scoped(request, who), 0, []
    teams = request.app.state.settings.desk.approval_teams
    for offer in _offers(request, items):
        if not offer["send"]:
            continue
        item, first = offer["item"], offer["item"].mentions[0]
        target = reply_target(request.app.state.settings.snapshot, first.source,
                              first.source_id, first.url)
        try:
            if isinstance(target, str):
                raise DeskError(target)
            desk.reply(item.item_id, who.name, offer["text"], target, teams)
            queued += 1
        except DeskError as exc:
            skipped.append(f"#{item.item_id}: {exc}")
    message = (f"queued the answer for {queued} author(s), each on their own platform; "
               "their state shows below")
    if skipped:
        return flash_redirect(f"/clusters/{cluster_id}", who,
                              error=message + "; not queued: " + "; ".join(skipped))
    return flash_redirect(f"/clusters/{cluster_id}", who, done=message)


def _scoped(request: Request, who: Viewer) -> Desk:
    """The desk as this viewer may act on it: an agent, on their teams' items only."""
    return _desk(request).within(who.teams if who.role == "agent" else None)


def _act(request: Request, who: Viewer, item_id: int, action) -> RedirectResponse:
    _visible_item(request, who, item_id)
    try:
        done = action(_scoped(request, who))
    except DeskError as exc:
        return _back(who, item_id, error=str(exc))
    return _back(who, item_id, done=done)


@router.post("/items/{item_id}/claim")
def claim(request: Request, item_id: ItemId, who: Viewer = Depends(viewer),
          form: FormData = Depends(checked_form)):
    return _act(request, who, item_id,
                lambda desk: desk.claim(item_id, who.name) and "claimed")


@router.post("/items/{item_id}/reply")
def reply(request: Request, item_id: ItemId, who: Viewer = Depends(viewer),
          form: FormData = Depends(checked_form)):
    """Queue the reply to the item's first post, to be posted where the customer wrote
    (send_replies); its stream and conversation come from the snapshot."""
    item = _visible_item(request, who, item_id)
    text = str(form.get("text") or "")
    if not item.mentions:
        return _back(who, item_id, error="this item holds no post to reply to")
    first = item.mentions[0]
    target = reply_target(request.app.state.settings.snapshot, first.source,
                          first.source_id, first.url)
    if isinstance(target, str):
        return _back(who, item_id, error=f"cannot reply yet: {target}")
    done = ("reply queued: post it by hand (no API on this platform), then confirm it below"
            if first.source in BY_HAND_SOURCES else
            f"reply queued: it is posted on {first.source} within minutes")
    teams = request.app.state.settings.desk.approval_teams
    if item.team in teams:
        done = "reply queued for a lead's approval"
    return _act(request, who, item_id,
                lambda desk: desk.reply(item_id, who.name, text, target, teams) and done)


@router.get("/approvals")
def approvals(request: Request, who: Viewer = Depends(lead_viewer)):
    """Replies of the teams in desk.approval_teams, waiting for a lead."""
    return render(request, "approvals.html", who,
                  waiting=_desk(request).outbox.awaiting(None))


@router.post("/replies/{reply_id}/review")
def review(request: Request, reply_id: ItemId, who: Viewer = Depends(lead_viewer),
           form: FormData = Depends(checked_form)):
    """Approve (with the text as the lead left it) or reject (with a note) a reply."""
    approve = form.get("decision") == "approve"
    try:
        item_id = _desk(request).review_reply(reply_id, who.name, approve,
                                              str(form.get("text") or ""),
                                              str(form.get("note") or ""))
    except DeskError as exc:
        return flash_redirect("/approvals", who, error=str(exc))
    return flash_redirect("/approvals", who, done=f"reply {reply_id} of item {item_id} "
                          + ("approved: it is posted within minutes" if approve
                             else "rejected; the agent sees why on the item"))


@router.post("/items/{item_id}/replies/{reply_id}/sent")
def sent_by_hand(request: Request, item_id: ItemId, reply_id: ItemId,
                 who: Viewer = Depends(viewer), form: FormData = Depends(checked_form)):
    """The agent posted a reply by hand where there is no API (a blog) and confirms it."""
    return _act(request, who, item_id,
                lambda desk: desk.sent_by_hand(item_id, reply_id, who.name) and "marked as sent by hand")


@router.post("/items/{item_id}/resolve")
def resolve(request: Request, item_id: ItemId, who: Viewer = Depends(viewer),
            form: FormData = Depends(checked_form)):
    return _act(request, who, item_id,
                lambda desk: desk.resolve(item_id, who.name) and "resolved")


@router.post("/items/{item_id}/reopen")
def reopen(request: Request, item_id: ItemId, who: Viewer = Depends(viewer),
           form: FormData = Depends(checked_form)):
    return _act(request, who, item_id,
                lambda desk: desk.reopen(item_id, who.name) and "reopened")


@router.post("/items/{item_id}/rate")
def rate(request: Request, item_id: ItemId, who: Viewer = Depends(viewer),
         form: FormData = Depends(checked_form)):
    """Record the rating the customer gave. Once per item for agents: the CSAT figure must
    not be open to overwriting by whoever comes last; a lead corrects a mistyped one."""
    raw = str(form.get("score") or "")
    score = int(raw) if raw.isdecimal() else raw  # "²" is a digit int() refuses
    return _act(request, who, item_id, lambda desk: desk.rate(
        item_id, score, who.name, correcting=who.role != "agent") and f"rated {score}")


@router.post("/items/{item_id}/reassign")
def reassign(request: Request, item_id: ItemId, who: Viewer = Depends(viewer),
             form: FormData = Depends(checked_form)):
    team = str(form.get("team") or "")
    if team not in _teams(request):
        return _back(who, item_id, error=f"unknown team {team!r}: choose one of "
                                    f"{', '.join(_teams(request))}")
    return _act(request, who, item_id,
                lambda desk: desk.reassign(item_id, who.name, team) and f"reassigned to {team}")


@router.post("/items/{item_id}/send")
def send(request: Request, item_id: ItemId, who: Viewer = Depends(viewer),
         form: FormData = Depends(checked_form)):
    """Send to the community or to the contact center: route and team change together."""
    route = str(form.get("route") or "")
    routes = request.app.state.route_teams
    if route not in routes:
        return _back(who, item_id, error=f"cannot send to {route!r}: choose one of "
                                    f"{', '.join(routes)}")
    return _act(request, who, item_id, lambda desk: desk.reassign(
        item_id, who.name, routes[route], route=route) and f"sent to {route.replace('_', ' ')}")


@router.post("/clusters/{cluster_id}/resolve")
def resolve_cluster(request: Request, cluster_id: str, who: Viewer = Depends(viewer),
                    form: FormData = Depends(checked_form)):
    resolved, left = _scoped(request, who).resolve_cluster(cluster_id, who.name)
    message = f"resolved {len(resolved)} item(s) of the cluster"
    if left:
        message += "; left: " + ", ".join(f"#{i.item_id} (claimed by {i.assignee})"
                                          for i in left)
    back = str(form.get("back") or "")
    if back.isdecimal():
        return _back(who, int(back), done=message)
    return flash_redirect(f"/clusters/{cluster_id}", who, done=message)
