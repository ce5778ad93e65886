"""The retry policy's waits: what the platform asks for, never more than the cap."""

from __future__ import annotations

import time

from urllib3 import HTTPResponse

from carewire.core.settings import HttpSettings
from carewire.connectors.http import CarewireRetry, make_session
from tests.conftest import Reply


def wait_for(headers: dict[str, str], cap: float = 30) -> float | None:
    return CarewireRetry(total=3, backoff_max=cap).get_retry_after(
        HTTPResponse(status=429, headers=headers))


def test_retry_after_is_honoured_up_to_the_cap():
    assert wait_for({"Retry-After": "7"}) == 7
    assert wait_for({"Retry-After": "3600"}) == 30


def test_x_rate_limit_reset_is_a_wait_until_that_epoch_second():
    in_twenty = int(time.time()) + 20
    assert 15 <= wait_for({"x-rate-limit-reset": str(in_twenty)}) <= 20
    assert wait_for({"x-rate-limit-reset": str(in_twenty + 7200)}) == 30
    assert wait_for({"x-rate-limit-reset": str(int(time.time()) - 5)}) == 0


def test_no_header_leaves_the_exponential_backoff_in_charge():
    assert wait_for({}) is None


def test_calls_without_a_timeout_of_their_own_get_the_configured_one(server):
    url = server.route("/slow", Reply(body=b"ok"))
    session = make_session(HttpSettings(timeout_s=7))
    sent = []
    session.hooks["response"].append(lambda response, **kwargs: sent.append(kwargs["timeout"]))
    session.get(url)  # as tweepy calls it: no timeout
    session.get(url, timeout=3)
    assert sent == [7, 3]
