"""The alerts page: spikes the pipeline found (alerts/), newest hour first, with what rose,
against what, and the issues behind it; a lead acknowledges each one once it is handled.

For leads and admins: an alert is about a brand's whole conversation, not one customer,
so it is a lead's call what to do (staff up, post a status update, tell the product team).
The alerts live in the desk store (`desk_alerts`, desk/alert_store.py), written by the
process DAG's alerts task; this page only reads them and records acknowledgements.
"""

from __future__ import annotations

import sqlalchemy as sa
from fastapi import APIRouter, Depends, Request
from starlette.datastructures import FormData

from carewire.desk import alert_store
from carewire.desk.pages import flash_redirect, render
from carewire.desk.session import Page, Viewer, checked_form, lead_viewer, refuse
from carewire.desk.store import DeskError

router = APIRouter()


def _engine(request: Request) -> sa.Engine:
    """The desk store; create_app makes sure the alerts table is in it."""
    return request.app.state.desk.engine


@router.get("/alerts")
def alerts_list(request: Request, page: Page = 1, who: Viewer = Depends(lead_viewer)):
    size = request.app.state.settings.desk.page_size
    page = max(page, 1)
    engine = _engine(request)
    rows = alert_store.recent(engine, limit=size + 1, offset=(page - 1) * size)
    return render(request, "alerts.html", who, alerts=rows[:size], page=page,
                  more=len(rows) > size)


@router.post("/alerts/{alert_id}/ack")
def acknowledge(request: Request, alert_id: str, who: Viewer = Depends(lead_viewer),
                form: FormData = Depends(checked_form)):
    try:
        first = alert_store.acknowledge(_engine(request), alert_id, who.name,
                                        request.app.state.clock())
    except DeskError as exc:
        raise refuse(request, who, str(exc), status=404) from exc
    message = "acknowledged" if first else "already acknowledged by someone else"
    return flash_redirect("/alerts", who, done=message)
