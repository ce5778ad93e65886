"""The desk web app on a copy of the demo's data, with a clock the test moves, and a
browser-like client per user that signs in through the real sign-in form."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest
from fastapi.testclient import TestClient

from carewire.desk.web import create_app
from carewire.routing.policy import policy_for

PASSWORD = "correct horse battery"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


class Clock:
    def __init__(self):
        self.now = datetime.now(timezone.utc)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta) -> None:
        self.now += timedelta(**delta)


def csrf_of(html: str) -> str:
    found = CSRF.search(html)
    assert found, "the page has no form with a CSRF token"
    return found.group(1)


class DeskUser:
    """One signed-in browser: `get`, and `post` that sends the CSRF token of `page`."""

    def __init__(self, app, name: str):
        self.client = TestClient(app, follow_redirects=False)
        self.name = name

    def sign_in(self, password: str = PASSWORD):
        page = self.client.get("/login")
        return self.client.post("/login", data={"name": self.name, "password": password,
                                                "csrf_token": csrf_of(page.text), "next": "/"})

    def get(self, path: str, **kwargs):
        return self.client.get(path, **kwargs)

    def post(self, path: str, data: dict | None = None, page: str = "/"):
        token = csrf_of(self.client.get(page).text)
        return self.client.post(path, data={"csrf_token": token, **(data or {})})


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def desk_app(demo_settings, clock):
    """The app on the demo's desk store (64 care items, 117 community threads...) with
    users ann (agent, care), cid (agent, community), lee (lead) and ada (admin)."""
    app = create_app(demo_settings, policy_for(demo_settings).desk_teams(),
                     clock=clock)
    accounts = app.state.accounts
    accounts.add_user("ann", PASSWORD, "agent", ["care"])
    accounts.add_user("cid", PASSWORD, "agent", ["community"])
    accounts.add_user("lee", PASSWORD, "lead")
    accounts.add_user("ada", PASSWORD, "admin")
    yield app
    app.state.desk.close()


@pytest.fixture
def sign_in(desk_app):
    def signed_in(name: str) -> DeskUser:
        user = DeskUser(desk_app, name)
        assert user.sign_in().status_code == 303
        return user

    return signed_in
