"""Zendesk destination: contact-center work becomes a Zendesk Support ticket.

Credentials: the destination's Airflow Connection (`conn_id`) holds an agent's email as
login and an API token as password (Admin Center > Apps and integrations > Zendesk API);
calls authenticate as `{email}/token:{token}`, Zendesk's API-token scheme.

Idempotency: every ticket carries the delivery key as `external_id`; before creating one,
`deliver` lists tickets by that external id and returns the one it finds.

The requester: Zendesk creates a requester only from a name *and* an email, and social
posts carry no email, so tickets are requested by the API agent and the post's author,
link and words are in the first comment. That comment is an internal note: there is no
customer inbox to notify; agents answer on the platform, through the link.

Outcomes come from Show Multiple Tickets (status, satisfaction rating) and, for solved
tickets, Show Ticket Metrics (`solved_at`).
"""

from __future__ import annotations

import re
from datetime import datetime, timezone
from typing import Any, Iterable

import requests

from carewire.core.settings import DestinationSettings, HttpSettings
from carewire.core.types import Credentials, utc
from carewire.routing.destinations.base import FatalDestinationError, Outcome, Receipt
from carewire.core.delivery import Delivery, MentionRef
from carewire.routing.destinations.http import call, missing_credentials, session_for

CREDENTIALS = ("with login = a Zendesk agent's email and password = an API token (Admin "
               "Center > Apps and integrations > Zendesk API)")
"""What the destination's Airflow Connection holds."""

SHOW_MANY_LIMIT = 100
"""Show Multiple Tickets returns at most this many tickets per call."""

MENTION_TEXT_LIMIT = 2000
"""Characters of each mention quoted in the ticket: a large cluster stays well inside
Zendesk's comment size limit, and the link leads to the whole post."""

TICKET_TYPES = {"contact_center": "incident"}
"""Contact-center work is someone's trouble with the product (an incident; agents can link
a cluster's incidents to a Zendesk problem). Anything else routed here asks for an answer."""

SOLVED = ("solved", "closed")
RATED = ("good", "bad")          # "offered" and "unoffered" are not ratings yet


class ZendeskDestination:
    kind = "zendesk"

    def __init__(self, settings: DestinationSettings, credentials: Credentials | None,
                 http: HttpSettings):
        self.name = settings.name
        self.settings = settings
        self._base = settings.url.rstrip("/")
        self._session = session_for(settings, http)
        if credentials and credentials.login and credentials.password:
            self._session.auth = (f"{credentials.login}/token", credentials.password)

    def deliver(self, delivery: Delivery) -> Receipt:
        """Return the ticket that already carries this key, or create it."""
        found = self._call("GET", "/api/v2/tickets.json",
                           params={"external_id": delivery.key}).json().get("tickets") or []
        if found:
            first = min(found, key=lambda ticket: ticket["id"])
            return Receipt(external_id=str(first["id"]), url=self._agent_url(first["id"]),
                           created=False,
                           detail=f"ticket {first['id']} already has external_id {delivery.key}")
        response = self._call("POST", "/api/v2/tickets.json",
                              json={"ticket": ticket_payload(delivery)},
                              hooks={"response": self._refuse_invalid})
        ticket_id = response.json()["ticket"]["id"]
        return Receipt(external_id=str(ticket_id), url=self._agent_url(ticket_id), created=True)

    def outcomes(self, external_ids: Iterable[str], since: datetime | None) -> list[Outcome]:
        """Status, resolution and rating of each ticket. Tickets not updated since `since`
        are skipped (nothing new can have happened to them); a ticket Zendesk no longer
        returns is reported as deleted."""
        ids = list(dict.fromkeys(str(external_id) for external_id in external_ids))
        found: list[Outcome] = []
        for start in range(0, len(ids), SHOW_MANY_LIMIT):
            batch = ids[start:start + SHOW_MANY_LIMIT]
            tickets = self._call("GET", "/api/v2/tickets/show_many.json",
                                 params={"ids": ",".join(batch)}).json().get("tickets") or []
            by_id = {str(ticket["id"]): ticket for ticket in tickets}
            for ticket_id in batch:
                ticket = by_id.get(ticket_id)
                if ticket is None:
                    found.append(Outcome(f"zendesk:{self.name}:{ticket_id}:status:deleted",
                                         ticket_id, "status", datetime.now(timezone.utc),
                                         data={"status": "deleted"}))
                elif since is None or _when(ticket["updated_at"]) >= utc(since):
                    found.extend(self._ticket_outcomes(ticket))
        return found

    def _ticket_outcomes(self, ticket: dict[str, Any]) -> list[Outcome]:
        ticket_id, status, updated = str(ticket["id"]), ticket["status"], ticket["updated_at"]
        prefix = f"zendesk:{self.name}:{ticket_id}"
        found = [Outcome(f"{prefix}:status:{status}:{updated}", ticket_id, "status",
                         _when(updated), data={"status": status})]
        if status in SOLVED:
            found.append(Outcome(f"{prefix}:solved", ticket_id, "resolved",
                                 self._solved_at(ticket_id) or _when(updated)))
        rating = ticket.get("satisfaction_rating") or {}
        if rating.get("score") in RATED:
            found.append(Outcome(f"{prefix}:rated:{rating['score']}", ticket_id, "rated",
                                 _when(updated), data={"score": rating["score"],
                                                       "comment": rating.get("comment"),
                                                       "by": "customer"}))
        return found

    def _solved_at(self, ticket_id: str) -> datetime | None:
        metric = self._call("GET", f"/api/v2/tickets/{ticket_id}/metrics.json").json()
        solved_at = (metric.get("ticket_metric") or {}).get("solved_at")
        return _when(solved_at) if solved_at else None

    def _call(self, method: str, path: str, **kwargs) -> requests.Response:
        if self._session.auth is None:
            raise missing_credentials(self.settings, "Zendesk", CREDENTIALS)
        return call(self._session, method, self._base + path, destination=self.name,
                    conn_id=self.settings.conn_id, **kwargs)

    def _refuse_invalid(self, response: requests.Response, **_) -> None:
        """A 422 is Zendesk's RecordInvalid: say which fields it refused and why, rather
        than the truncated body the generic check would quote."""
        if response.status_code != 422:
            return
        try:
            body = response.json()
        except ValueError:
            body = {}
        details = body.get("details") or {}
        reasons = "; ".join(
            f"{field}: {problem.get('description') or problem.get('error')}"
            for field, problems in details.items() for problem in problems
        ) or response.text[:300] or "no detail"
        raise FatalDestinationError(
            f"Zendesk refused the ticket ({body.get('error', 'HTTP 422')}: {reasons}). "
            "Retrying will not help: fix the rule's priority or the account's required ticket "
            "fields, then run `carewire route deliver --retry-blocked`.",
            destination=self.name)

    def _agent_url(self, ticket_id: int | str) -> str:
        return f"{self._base}/agent/tickets/{ticket_id}"


def ticket_payload(delivery: Delivery) -> dict[str, Any]:
    """The `ticket` object of Create Ticket for this delivery."""
    sources = dict.fromkeys(mention.source for mention in delivery.mentions)
    tags = ["carewire", delivery.route, f"rule_{delivery.rule_id}", f"team_{delivery.team}",
            *(f"source_{source}" for source in sources), *delivery.tags]
    return {
        "subject": delivery.title,
        "comment": {"body": comment_body(delivery), "public": False},
        "external_id": delivery.key,
        "priority": delivery.priority,
        "type": TICKET_TYPES.get(delivery.route, "question"),
        "tags": list(dict.fromkeys(filter(None, map(_tag, tags)))),
    }


def comment_body(delivery: Delivery) -> str:
    """What an agent needs without leaving Zendesk: why it was routed, by when to answer,
    and each post with its author and link."""
    count = len(delivery.mentions)
    lines = [delivery.body.strip(), "",
             f"Routed by carewire rule {delivery.rule_id}: {delivery.reason}",
             f"Route: {delivery.route} · Team: {delivery.team} · Priority: {delivery.priority}",
             f"Respond by: {_stamp(delivery.sla_due_at)}"]
    if delivery.unit == "cluster":
        lines.append(f"Issue cluster {delivery.cluster_id}: {count} mention"
                     f"{'' if count == 1 else 's'} of the same issue, the one that started "
                     "it first.")
    for number, mention in enumerate(delivery.mentions, 1):
        lines += ["", f"Mention {number} of {count}" if count > 1 else "Mention", *_quote(mention)]
    if delivery.experts:
        lines += ["", f"Superfans who could answer: {', '.join(delivery.experts)}"]
    return "\n".join(lines).strip() + "\n"


def _quote(mention: MentionRef) -> list[str]:
    text = mention.text.strip()
    if len(text) > MENTION_TEXT_LIMIT:
        text = text[:MENTION_TEXT_LIMIT].rstrip() + " […]"
    return [f"Author: {mention.author or 'unknown'} on {mention.source}, "
            f"{_stamp(mention.created_at)}",
            f"Link: {mention.url or 'none (the platform gave no address)'}",
            *(f"> {line}" for line in text.splitlines() or [""])]


def _tag(value: str) -> str:
    """Zendesk tags are lowercase and split on spaces: keep letters, digits, _ and -."""
    return re.sub(r"[^a-z0-9_-]+", "_", value.lower()).strip("_")


def _stamp(moment: datetime) -> str:
    return f"{utc(moment):%Y-%m-%d %H:%M} UTC"


def _when(value: str) -> datetime:
    """A Zendesk timestamp ("2011-05-05T10:38:52Z") as a UTC datetime."""
    return utc(datetime.fromisoformat(value.replace("Z", "+00:00")))
