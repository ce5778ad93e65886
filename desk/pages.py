"""Rendering: the Jinja templates under desk/templates, the filters they share, and the
one-line messages an action leaves for the page it redirects to."""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates

templates = Jinja2Templates(directory=Path(__file__).parent / "templates")
FLASH_KINDS = ("done", "error")


def _flash_sig(viewer, kind: str, text: str) -> str:
    return hmac.new(viewer.csrf_token.encode(), f"{kind}|{text}".encode(),
                    hashlib.sha256).hexdigest()[:32]


def flash_redirect(path: str, viewer, *, done: str | None = None,
                   error: str | None = None) -> RedirectResponse:
    """Post/redirect/get with a message for the next page. The message travels in the URL,
    signed with the viewer's session: a link crafted elsewhere cannot put words ("your
    session expired, sign in at ...") on a desk page."""
    kind, text = ("error", error) if error else ("done", done)
    query = {kind: text, "sig": _flash_sig(viewer, kind, text)} if text else {}
    return RedirectResponse(path + (f"?{urlencode(query)}" if query else ""), status_code=303)


def _flash(request: Request, viewer) -> dict[str, str]:
    sig = request.query_params.get("sig", "")
    for kind in FLASH_KINDS:
        text = request.query_params.get(kind)
        if viewer is not None and text and hmac.compare_digest(
                sig, _flash_sig(viewer, kind, text)):
            return {kind: text}
    return {}


def render(request: Request, template: str, viewer, status_code: int = 200,
           **context) -> HTMLResponse:
    now = request.app.state.clock()
    return templates.TemplateResponse(request, template,
                                      {"viewer": viewer, "now": now, **_flash(request, viewer),
                                       **context},
                                      status_code=status_code)


def span(delta: timedelta) -> str:
    """'3d 4h', '2h 05m', '12m': the shortest text an agent reads at a glance."""
    minutes = int(abs(delta.total_seconds()) // 60)
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    if days:
        return f"{days}d {hours}h"
    return f"{hours}h {minutes:02d}m" if hours else f"{minutes}m"


def countdown(due: datetime, now: datetime) -> str:
    left = due - now
    return f"due in {span(left)}" if left >= timedelta(0) else f"breached {span(left)} ago"


def when(moment: datetime | None) -> str:
    return "" if moment is None else moment.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


def web_link(url: str | None) -> str | None:
    """The URL when it is http(s), else None: a platform-supplied `javascript:` or `data:`
    link is never rendered as a link."""
    return url if isinstance(url, str) and url.lower().startswith(("https://", "http://")) \
        else None


templates.env.filters["when"] = when
templates.env.filters["web_link"] = web_link
templates.env.globals["countdown"] = countdown
