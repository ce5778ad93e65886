"""The desk's web application: `create_app(settings, teams)`, served by `carewire desk`.

Server-rendered HTML (Jinja2 on FastAPI), no JavaScript framework and nothing fetched from
the internet: it works on a locked-down network, and every page is a plain form an agent
can use with the keyboard. Sign-in, sign-out and the admin pages live here; the queues are
in desk/queues.py, dashboards in desk/dashboards.py, the community's health in
desk/community_page.py, alerts in desk/alerts_page.py,
the public rating page (no sign-in) in desk/rating_page.py.
"""

from __future__ import annotations

import hmac
import logging
import secrets
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, FastAPI, Form, HTTPException, Request
from fastapi.responses import PlainTextResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from starlette.datastructures import FormData

from carewire.core.errors import ConfigError
from carewire.core.settings import Settings
from carewire.desk import (agents_page, alerts_page, community_page, dashboards, queues,
                           rating_page)
from carewire.desk.accounts import ROLES, AccountError, Accounts
from carewire.desk.pages import flash_redirect, render
from carewire.desk.session import (SESSION_COOKIE, SignInRequired, Viewer, admin_viewer,
                          checked_form, client_ip, viewer)
from carewire.desk.store import Desk, DeskTeams

LOGIN_CSRF_COOKIE = "carewire_login_csrf"
MAX_BODY = 64 * 1024
"""The largest request body the desk reads: a reply is text an agent typed, a form a few
fields; anything bigger is refused with 413 before it is read into memory."""
AUDIT_PAGE = 100
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; "
                               "style-src 'self' 'unsafe-inline'; frame-ancestors 'none'",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


def _now() -> datetime:
    return datetime.now(timezone.utc)


def create_app(settings: Settings, teams: DeskTeams, *,
               clock: Callable[[], datetime] = _now) -> FastAPI:
    """The app on the desk store of `settings`, with the queues of `teams` (the routing
    policy's: `load_policy(...).desk_teams()`)."""
    for setting in ("approval_teams", "rating_request_teams"):
        unknown = sorted(set(getattr(settings.desk, setting)) - set(teams.queues))
        if unknown:
            raise ConfigError(f"desk.{setting} names {', '.join(unknown)}, which the desk has "
                              f"no queue for: the teams are {', '.join(teams.queues)}")
    app = FastAPI(title="carewire desk", docs_url=None, redoc_url=None, openapi_url=None)
    desk = Desk(settings.desk_url, clock=clock)
    app.state.settings = settings
    app.state.clock = clock
    app.state.desk = desk
    app.state.accounts = Accounts(desk.engine, clock, idle=settings.desk.session_idle,
                                  lifetime=settings.desk.session_lifetime,
                                  known_teams=teams.queues)
    app.state.teams = list(teams.queues)
    app.state.facet_choices = {}  # team -> (expires at, values): see desk/queues.py
    app.state.route_teams = dict(teams.by_route)

    @app.middleware("http")
    async def security_headers(request: Request, call_next):
        """On every response, a crash's included (Starlette answers those outside the
        app's own handlers, without them)."""
        try:
            response = await call_next(request)
        except Exception as exc:  # logged by the server; the client gets a plain page
            if _too_large(exc):
                raise  # BodyLimit, outside this, answers it
            logging.getLogger(__name__).exception("desk: %s %s failed", request.method,
                                                  request.url.path)
            response = PlainTextResponse("the desk could not answer this; it is logged",
                                         status_code=500)
        response.headers.update(SECURITY_HEADERS)
        return response

    app.add_middleware(BodyLimit, limit=MAX_BODY)

    @app.exception_handler(SignInRequired)
    async def to_sign_in(request: Request, exc: SignInRequired):
        query = {"next": exc.next_path, **({"expired": "1"} if exc.expired else {})}
        response = RedirectResponse(f"/login?{urlencode(query)}", status_code=303)
        response.delete_cookie(SESSION_COOKIE)
        return response

    @app.exception_handler(HTTPException)
    async def error_page(request: Request, exc: HTTPException):
        return render(request, "error.html", None, status_code=exc.status_code,
                      status=exc.status_code, message=exc.detail)

    app.mount("/static", StaticFiles(directory=Path(__file__).parent / "static"), name="static")
    app.include_router(_sign_in_routes(settings))
    app.include_router(_admin_routes())
    app.include_router(queues.router)
    app.include_router(alerts_page.router)
    app.include_router(agents_page.router)
    app.include_router(dashboards.router)
    app.include_router(community_page.router)
    app.include_router(rating_page.router)
    app.router.on_shutdown.append(desk.close)
    return app


class BodyLimit:
    """ASGI middleware: a request whose body is over `limit` bytes gets 413, whether it
    says its length or streams it in chunks."""

    def __init__(self, app, limit: int):
        self.app = app
        self.limit = limit

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.limit):
            return await self._refuse(send)
        seen = 0

        async def counted():
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.limit:
                raise _TooLarge
            return message

        started = False

        async def sending(message):
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted, sending)
        except* _TooLarge:  # bare, or grouped by the task group of a middleware in between
            if not started:
                await self._refuse(send)

    async def _refuse(self, send) -> None:
        body = f"request body over {self.limit} bytes".encode()
        headers = [(b"content-type", b"text/plain; charset=utf-8"),
                   (b"content-length", str(len(body)).encode()),
                   *((name.lower().encode(), value.encode())
                     for name, value in SECURITY_HEADERS.items())]
        await send({"type": "http.response.start", "status": 413, "headers": headers})
        await send({"type": "http.response.body", "body": body})


class _TooLarge(Exception):
    """Raised inside a request whose streamed body passed the limit."""


def _too_large(exc: BaseException) -> bool:
    if isinstance(exc, BaseExceptionGroup):
        return exc.subgroup(_TooLarge) is not None
    return isinstance(exc, _TooLarge)


def _safe_next(path: str | None) -> str:
    """Only a path on this site: a sign-in link must not send anyone elsewhere."""
    if not path or not path.startswith("/") or path.startswith("//") or "\\" in path:
        return "/"
    return path


def _sign_in_routes(settings: Settings) -> APIRouter:
    router = APIRouter()

    @router.get("/login")
    def login_page(request: Request, next: str = "/", expired: str = ""):
        token = secrets.token_urlsafe(32)
        response = render(request, "login.html", None, next=_safe_next(next), csrf=token,
                          error="Your session expired: sign in again." if expired else "")
        response.set_cookie(LOGIN_CSRF_COOKIE, token, httponly=True, samesite="strict",
                            secure=settings.desk.secure_cookies, path="/login")
        return response

    @router.post("/login")
    def login(request: Request, name: str = Form(""), password: str = Form(""),
              next: str = Form("/"), csrf_token: str = Form("")):
        cookie = request.cookies.get(LOGIN_CSRF_COOKIE, "")
        accounts: Accounts = request.app.state.accounts
        if not cookie or not hmac.compare_digest(cookie, csrf_token):
            accounts.audit(None, "refused", "/login", client_ip(request),
                           {"why": "sign-in form without its CSRF token", "name": name})
            raise HTTPException(403, "the sign-in form was not sent from this desk's sign-in "
                                     "page (CSRF token missing or wrong): open /login and "
                                     "try again")
        try:
            token, _ = accounts.sign_in(name, password, client_ip(request))
        except AccountError as exc:
            fresh = secrets.token_urlsafe(32)
            response = render(request, "login.html", None, status_code=401,
                              next=_safe_next(next),
                              csrf=fresh, error=str(exc), name=name)
            response.set_cookie(LOGIN_CSRF_COOKIE, fresh, httponly=True, samesite="strict",
                                secure=settings.desk.secure_cookies, path="/login")
            return response
        response = RedirectResponse(_safe_next(next), status_code=303)
        response.set_cookie(SESSION_COOKIE, token, httponly=True, samesite="strict",
                            secure=settings.desk.secure_cookies,
                            max_age=int(settings.desk.session_lifetime.total_seconds()))
        response.delete_cookie(LOGIN_CSRF_COOKIE, path="/login")
        return response

    @router.post("/logout")
    def logout(request: Request, who: Viewer = Depends(viewer),
               form: FormData = Depends(checked_form)):
        request.app.state.accounts.sign_out(who.token, client_ip(request))
        if who.role == "agent" and who.name in {
                a.name for a in request.app.state.desk.assignment.agents()}:
            # nothing waits behind someone who left
            request.app.state.desk.assignment.set_status(who.name, "offline", who.name)
        response = RedirectResponse("/login", status_code=303)
        response.delete_cookie(SESSION_COOKIE)
        return response

    return router


def _admin_routes() -> APIRouter:
    router = APIRouter(prefix="/admin")

    @router.get("/users")
    def users(request: Request, who: Viewer = Depends(admin_viewer)):
        return render(request, "users.html", who, users=request.app.state.accounts.users(),
                      roles=ROLES, teams=request.app.state.teams)

    @router.post("/users")
    def add_user(request: Request, who: Viewer = Depends(admin_viewer),
                 form: FormData = Depends(checked_form)):
        try:
            request.app.state.accounts.add_user(
                str(form.get("name") or ""), str(form.get("password") or ""),
                str(form.get("role") or ""), [str(t) for t in form.getlist("teams")],
                actor=who.name)
        except AccountError as exc:
            return flash_redirect("/admin/users", who, error=str(exc))
        return flash_redirect("/admin/users", who, done="user added")

    @router.post("/users/{name}/active")
    def set_active(request: Request, name: str, who: Viewer = Depends(admin_viewer),
                   form: FormData = Depends(checked_form)):
        active = form.get("active") == "1"
        try:
            request.app.state.accounts.set_active(name, active, who.name)
        except AccountError as exc:
            return flash_redirect("/admin/users", who, error=str(exc))
        if not active and name in {a.name for a in request.app.state.desk.assignment.agents()}:
            # a disabled agent takes nothing; what they had not started goes on
            request.app.state.desk.assignment.set_status(name, "offline", who.name)
        return flash_redirect("/admin/users", who,
                              done=f"{name} {'enabled' if active else 'disabled'}")

    @router.get("/audit")
    def audit(request: Request, page: int = 1, who: Viewer = Depends(admin_viewer)):
        page = max(page, 1)
        entries = request.app.state.accounts.audit_log(AUDIT_PAGE, (page - 1) * AUDIT_PAGE)
        return render(request, "audit.html", who, entries=entries, page=page,
                      more=len(entries) == AUDIT_PAGE)

    return router
