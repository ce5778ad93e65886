"""Rendering: the Jinja templates under desk/templates, and the filters they share."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

templates = Jinja2Templates(directory=Path(__file__).parent / "templates")


def render(request: Request, template: str, viewer, status_code: int = 200,
           **context) -> HTMLResponse:
    now = request.app.state.clock()
    return templates.TemplateResponse(request, template,
                                      {"viewer": viewer, "now": now, **context},
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
