"""The desk served by uvicorn on loopback, and headless Chromium driving it.

Chromium is Debian's package (/usr/bin/chromium, or $CAREWIRE_CHROMIUM); Playwright only
drives it, nothing is downloaded. Without the browser these tests skip and say how to
install it, except where CAREWIRE_REQUIRE_BROWSER=1 (CI installs it and sets that), where
a missing browser fails the run instead of passing it quietly.
"""

from __future__ import annotations

import os
import shutil
import threading
import time
from pathlib import Path

import pytest
import uvicorn

from carewire.desk.web import create_app
from carewire.routing.policy import policy_for
from tests.desk.conftest import PASSWORD

CHROMIUM = os.environ.get("CAREWIRE_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def chromium():
    if not Path(CHROMIUM).is_file():
        why = (f"no Chromium at {CHROMIUM}: apt-get install chromium (Debian), or set "
               "CAREWIRE_CHROMIUM to a Chromium binary")
        if os.environ.get("CAREWIRE_REQUIRE_BROWSER") == "1":
            pytest.fail(why)
        pytest.skip(why)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM,
                                             args=["--no-sandbox", "--disable-gpu"])
        yield browser
        browser.close()


class LiveDesk:
    """The app on a real port, run by uvicorn in a thread until the test ends."""

    def __init__(self, app):
        self.app = app
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0,
                                                    log_level="warning"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> LiveDesk:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the desk server did not start")
            time.sleep(0.05)
        port = self.server.servers[0].sockets[0].getsockname()[1]
        self.url = f"http://127.0.0.1:{port}"
        return self

    def __exit__(self, *exc_info) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


@pytest.fixture
def live_desk(demo_settings):
    app = create_app(demo_settings, policy_for(demo_settings).desk_teams())
    accounts = app.state.accounts
    accounts.add_user("ann", PASSWORD, "agent", ["care"])
    accounts.add_user("lee", PASSWORD, "lead")
    with LiveDesk(app) as live:
        yield live
    app.state.desk.close()


@pytest.fixture
def screenshots(tmp_path) -> Path:
    """Where screenshots go: $CAREWIRE_SCREENSHOT_DIR (`make screenshots` points it at
    docs/screenshots), else the test's tmp dir."""
    target = Path(os.environ.get("CAREWIRE_SCREENSHOT_DIR") or tmp_path / "screenshots")
    target.mkdir(parents=True, exist_ok=True)
    return target


@pytest.fixture
def browse(chromium, live_desk):
    """A fresh browser context (its own cookies) per user, at a desktop size."""
    contexts = []

    def page_for(name: str):
        context = chromium.new_context(viewport={"width": 1360, "height": 900},
                                       base_url=live_desk.url)
        contexts.append(context)
        page = context.new_page()
        page.goto("/login")
        page.fill("input[name=name]", name)
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_load_state()
        return page

    yield page_for
    for context in contexts:
        context.close()
