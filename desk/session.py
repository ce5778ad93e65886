"""Who is asking: the signed-in viewer of a request, role checks, and the CSRF check.

Every page but sign-in depends on `viewer`; a request without a live session is sent to
the sign-in page and comes back where it was going. Every form carries the session's CSRF
token, and `checked_form` refuses (403, audited) a POST without the right one: another
site cannot make a signed-in agent's browser resolve or reassign anything.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, HTTPException, Path, Query, Request
from starlette.datastructures import FormData

from carewire.desk.accounts import Accounts, User

SESSION_COOKIE = "carewire_session"
CSRF_FIELD = "csrf_token"

ItemId = Annotated[int, Path(ge=1, le=2**31 - 1)]
"""A queue item's id in a URL: what the store's INTEGER key can hold (on PostgreSQL 32
bits), so a longer number is a 422 before any query, never a 500 from the database."""
Page = Annotated[int, Query(ge=1, le=100_000)]
"""A page number of a list: from 1, and no further than a list the desk could show."""


@dataclass(frozen=True)
class Viewer(User):
    """The signed-in user of a request, with their session's CSRF token and cookie."""

    csrf_token: str
    token: str

    def can_see(self, team: str) -> bool:
        """Leads and admins see every queue; an agent only their teams'."""
        return self.role != "agent" or team in self.teams


class SignInRequired(Exception):
    """No live session: the app answers with a redirect to the sign-in page."""

    def __init__(self, next_path: str, expired: bool):
        self.next_path = next_path
        self.expired = expired


def accounts(request: Request) -> Accounts:
    return request.app.state.accounts


def client_ip(request: Request) -> str | None:
    return request.client.host if request.client else None


def viewer(request: Request) -> Viewer:
    token = request.cookies.get(SESSION_COOKIE)
    session = accounts(request).session(token)
    if session is None:
        wanted = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise SignInRequired(wanted if request.method == "GET" else "/", expired=bool(token))
    return Viewer(**vars(session.user), csrf_token=session.csrf_token, token=token)


def lead_viewer(request: Request, who: Viewer = Depends(viewer)) -> Viewer:
    return _at_least(request, who, ("lead", "admin"), "leads and admins")


def admin_viewer(request: Request, who: Viewer = Depends(viewer)) -> Viewer:
    return _at_least(request, who, ("admin",), "admins")


def refuse(request: Request, who: Viewer | None, why: str, status: int = 403) -> HTTPException:
    """Audit a refused request and return the error to raise."""
    accounts(request).audit(who.name if who else None, "refused", request.url.path,
                            client_ip(request), {"why": why, "method": request.method})
    return HTTPException(status_code=status, detail=why)


def _at_least(request: Request, who: Viewer, roles: tuple[str, ...], label: str) -> Viewer:
    if who.role not in roles:
        raise refuse(request, who, f"this page is for {label}; you are signed in as "
                                   f"{who.role} {who.name}")
    return who


async def checked_form(request: Request, who: Viewer = Depends(viewer)) -> FormData:
    """The POSTed form, once its CSRF token is the session's."""
    form = await request.form()
    sent = form.get(CSRF_FIELD)
    if not isinstance(sent, str) or not hmac.compare_digest(sent, who.csrf_token):
        raise refuse(request, who, "the form was not sent from a page of this desk (CSRF "
                                   "token missing or wrong): reload the page and try again")
    return form
