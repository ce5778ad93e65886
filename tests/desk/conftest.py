"""The desk web app on a copy of the demo's data, with a clock the test moves, and a
browser-like client per user that signs in through the real sign-in form."""

from __future__ import annotations

import re
import shutil
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from carewire.core.settings import SAMPLE_CONFIG, load_settings
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


USERS = (("ann", "agent", ["care"]), ("cid", "agent", ["community"]), ("lee", "lead", []),
         ("ada", "admin", []))


@pytest.fixture(scope="session")
def desk_data_dir(demo_data_dir: Path, tmp_path_factory) -> Path:
    """The demo run's data directory with the desk's users added, once per session: each
    account costs an argon2id hash (64 MiB, 3 passes), and ~100 tests start from them."""
    data = tmp_path_factory.mktemp("desk") / "data"
    shutil.copytree(demo_data_dir, data)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CAREWIRE_DATA_DIR", str(data))
        settings = load_settings(SAMPLE_CONFIG)
        app = create_app(settings, policy_for(settings).desk_teams())
        try:
            for name, role, teams in USERS:
                app.state.accounts.add_user(name, PASSWORD, role, teams)
        finally:
            app.state.desk.close()
    return data


@pytest.fixture
def demo_settings(desk_data_dir: Path, tmp_path: Path, monkeypatch):
    """Settings on a private copy of the demo run's data directory, its desk users added
    (`desk_data_dir`): the desk's tests sign in as them."""
    data = tmp_path / "data"
    shutil.copytree(desk_data_dir, data)
    monkeypatch.setenv("CAREWIRE_DATA_DIR", str(data))
    return load_settings(SAMPLE_CONFIG)


@pytest.fixture
def desk_app(demo_settings, clock):
    """The app on the demo's desk store (its care and community items) with
    users ann (agent, care), cid (agent, community), lee (lead) and ada (admin)."""
    app = create_app(demo_settings, policy_for(demo_settings).desk_teams(),
                     clock=clock)
    yield app
    app.state.desk.close()


@pytest.fixture
def sign_in(desk_app):
    def signed_in(name: str) -> DeskUser:
        user = DeskUser(desk_app, name)
        assert user.sign_in().status_code == 303
        return user

    return signed_in
