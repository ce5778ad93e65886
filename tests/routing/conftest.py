"""Fixtures for routing tests: loopback stand-ins for the destinations' real APIs (the
Discourse one, shared with the forum reply channel's tests, is in tests/conftest.py)."""

from __future__ import annotations

import pytest

from tests.routing.zendesk_server import ZendeskServer


@pytest.fixture
def zendesk():
    """A Zendesk Support API on 127.0.0.1; log in as `zendesk.login` / `zendesk.token`."""
    server = ZendeskServer().start()
    yield server
    server.stop()

