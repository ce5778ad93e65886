"""Fixtures for routing tests: loopback stand-ins for the destinations' real APIs."""

from __future__ import annotations

import pytest

from tests.routing.discourse_server import DiscourseServer
from tests.routing.zendesk_server import ZendeskServer


@pytest.fixture
def zendesk():
    """A Zendesk Support API on 127.0.0.1; log in as `zendesk.login` / `zendesk.token`."""
    server = ZendeskServer().start()
    yield server
    server.stop()


@pytest.fixture
def discourse():
    """A Discourse on 127.0.0.1; authenticate as `discourse.api_username` with
    `discourse.api_key`."""
    server = DiscourseServer().start()
    yield server
    server.stop()
