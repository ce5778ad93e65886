"""The Zendesk destination through its real HTTP client, against a loopback Zendesk."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from carewire.core.settings import DestinationSettings, HttpSettings
from carewire.core.types import Credentials
from carewire.routing.destinations.base import FatalDestinationError, RetriableDestinationError
from carewire.core.delivery import Delivery, MentionRef
from carewire.routing.destinations.zendesk import ZendeskDestination

NOW = datetime(2026, 11, 24, 8, 0, tzinfo=timezone.utc)
FAST = HttpSettings(backoff_s=0, max_retries=4, max_backoff_s=0.01)


def mention(number: int, author: str | None = "dana_k") -> MentionRef:
    return MentionRef(source="reddit", source_id=f"t3_{number}",
                      url=f"https://www.reddit.com/r/acme/comments/{number}/",
                      author=author, text=f"My Acme router drops wifi every hour ({number})",
                      created_at=NOW - timedelta(minutes=number))


def delivery(key: str = "zendesk-contact:m1", *mentions: MentionRef,
             unit: str = "mention", priority: str = "high") -> Delivery:
    return Delivery(key=key, destination="support", route="contact_center", unit=unit,
                    cluster_id="c42" if unit == "cluster" else None,
                    mentions=mentions or (mention(1),), title="Router drops wifi",
                    body="A customer reports wifi drops.", team="care-tier1",
                    priority=priority, sla_due_at=NOW + timedelta(hours=4),
                    rule_id="negative-complaint", reason="negative sentiment, complaint intent",
                    tags=("Wifi Issue",), experts=())


def destination(server, http: HttpSettings = FAST, token: str | None = None,
                conn_id: str | None = "carewire_zendesk") -> ZendeskDestination:
    settings = DestinationSettings(name="support", kind="zendesk", url=server.url,
                                   conn_id=conn_id, timeout_s=5)
    credentials = Credentials(login=server.login, password=token or server.token)
    return ZendeskDestination(settings, credentials, http)


def test_creates_a_ticket_that_says_what_and_why(zendesk):
    receipt = destination(zendesk).deliver(delivery())

    assert receipt.created
    ticket = zendesk.tickets[int(receipt.external_id)]
    assert receipt.url == f"{zendesk.url}/agent/tickets/{ticket['id']}"
    assert ticket["external_id"] == "zendesk-contact:m1"
    assert ticket["priority"] == "high"
    assert ticket["type"] == "incident"
    assert {"carewire", "contact_center", "rule_negative-complaint", "source_reddit",
            "team_care-tier1", "wifi_issue"} <= set(ticket["tags"])
    note = zendesk.comments[ticket["id"]][0]
    assert note["public"] is False
    for needed in ("https://www.reddit.com/r/acme/comments/1/", "dana_k",
                   "My Acme router drops wifi every hour (1)", "negative-complaint",
                   "negative sentiment, complaint intent", "2026-11-24 12:00 UTC"):
        assert needed in note["body"]
    auth = zendesk.hits("POST", "/api/v2/tickets")[0].headers["Authorization"]
    assert auth.startswith("Basic ")


def test_a_cluster_ticket_lists_every_mention(zendesk):
    mentions = (mention(1), mention(2, author="lee"), mention(3, author=None))
    receipt = destination(zendesk).deliver(delivery("cluster:c42", *mentions, unit="cluster"))

    body = zendesk.comments[int(receipt.external_id)][0]["body"]
    assert "Issue cluster c42: 3 mentions" in body
    for number in (1, 2, 3):
        assert f"https://www.reddit.com/r/acme/comments/{number}/" in body
        assert f"Mention {number} of 3" in body
    assert "lee" in body and "unknown" in body


def test_the_same_key_twice_creates_one_ticket(zendesk):
    support = destination(zendesk)
    first = support.deliver(delivery())
    again = support.deliver(delivery())

    assert len(zendesk.hits("POST", "/api/v2/tickets")) == 1
    assert not again.created
    assert (again.external_id, again.url) == (first.external_id, first.url)


def test_a_refused_token_is_fatal_and_names_the_connection(zendesk):
    with pytest.raises(FatalDestinationError, match="carewire_zendesk"):
        destination(zendesk, token="wrong").deliver(delivery())
    assert zendesk.tickets == {}


def test_missing_credentials_are_fatal_before_any_call(zendesk):
    settings = DestinationSettings(name="support", kind="zendesk", url=zendesk.url,
                                   conn_id="carewire_zendesk")
    support = ZendeskDestination(settings, None, FAST)
    with pytest.raises(FatalDestinationError, match="create Airflow Connection 'carewire_zendesk'"):
        support.deliver(delivery())
    assert zendesk.requests == []


def test_a_record_invalid_answer_is_fatal_with_zendesk_details(zendesk):
    with pytest.raises(FatalDestinationError,
                       match="RecordInvalid: priority: Priority: is invalid"):
        destination(zendesk).deliver(delivery(priority="critical"))
    assert zendesk.tickets == {}


def test_server_errors_are_retried_in_the_transport(zendesk):
    zendesk.fail_next(2, 500, method="POST")
    receipt = destination(zendesk).deliver(delivery())

    assert receipt.created
    assert len(zendesk.tickets) == 1
    assert len(zendesk.hits("POST", "/api/v2/tickets")) == 3


def test_rate_limits_are_waited_out_with_retry_after(zendesk):
    zendesk.fail_next(1, 429, retry_after="1")
    assert destination(zendesk).deliver(delivery()).created
    assert len(zendesk.tickets) == 1


def test_a_server_that_stays_down_is_retriable(zendesk):
    zendesk.fail_next(100, 500)
    with pytest.raises(RetriableDestinationError):
        destination(zendesk).deliver(delivery())
    assert len(zendesk.requests) == FAST.max_retries + 1


def test_outcomes_report_solved_and_rated_tickets_stably(zendesk):
    support = destination(zendesk)
    ticket_id = int(support.deliver(delivery()).external_id)
    solved_at = NOW + timedelta(hours=2)
    zendesk.solve(ticket_id, at=solved_at)
    zendesk.rate(ticket_id, "good", "Fixed fast, thanks", at=solved_at + timedelta(hours=1))

    outcomes = support.outcomes([str(ticket_id)], since=None)
    by_kind = {outcome.kind: outcome for outcome in outcomes}
    assert by_kind["status"].data == {"status": "solved"}
    assert by_kind["resolved"].at == solved_at
    assert by_kind["rated"].data == {"score": "good", "comment": "Fixed fast, thanks",
                                     "by": "customer"}  # a survey answer, not an agent's
    assert {o.external_id for o in outcomes} == {str(ticket_id)}

    again = support.outcomes([str(ticket_id)], since=None)
    assert [o.outcome_id for o in again] == [o.outcome_id for o in outcomes]


def test_outcomes_skip_quiet_tickets_and_report_deleted_ones(zendesk):
    support = destination(zendesk)
    kept = int(support.deliver(delivery("k1")).external_id)
    gone = int(support.deliver(delivery("k2")).external_id)
    zendesk.delete(gone)

    later = datetime.now(timezone.utc) + timedelta(days=1)
    outcomes = support.outcomes([str(kept), str(gone)], since=later)
    assert [(o.external_id, o.kind, o.data) for o in outcomes] == [
        (str(gone), "status", {"status": "deleted"})]


def test_outcomes_ask_for_at_most_100_tickets_at_a_time(zendesk):
    support = destination(zendesk)
    ids = [str(n) for n in range(1, 251)]
    outcomes = support.outcomes(ids, since=None)

    assert len(zendesk.hits("GET", "/api/v2/tickets/show_many")) == 3
    assert len(outcomes) == 250 and {o.data["status"] for o in outcomes} == {"deleted"}
