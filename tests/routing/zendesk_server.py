"""A small Zendesk Support on loopback: the part of the API the Zendesk destination uses.

It answers with Zendesk's documented payloads and errors, so the real client (its URLs,
auth header, JSON and retry policy) is what the tests exercise:

    GET  /api/v2/tickets.json?external_id=K       {"tickets": [...], "count": n, ...}
    POST /api/v2/tickets.json                      201 {"ticket": {...}, "audit": {...}}
    GET  /api/v2/tickets/show_many.json?ids=1,2    {"tickets": [...]} (unknown ids left out)
    GET  /api/v2/tickets/{id}/metrics.json         {"ticket_metric": {..., "solved_at"}}

Errors: 401 `{"error": "Couldn't authenticate you"}` for a wrong API token, 404
RecordNotFound, 422 RecordInvalid (no comment body, an unknown priority or type, a
requester without an email), and whatever `fail_next` scripts (429 with Retry-After, 5xx).
The ".json" suffix is optional, as on Zendesk.
"""

from __future__ import annotations

import base64
import json
import threading
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.routing.json_api import JsonApiServer

PRIORITIES = ("urgent", "high", "normal", "low")
TYPES = ("problem", "incident", "question", "task")
AGENT_ID = 1000


@dataclass
class Recorded:
    method: str
    path: str                      # without the query string
    query: dict[str, str]
    body: Any                      # parsed JSON, or None
    headers: dict[str, str]


@dataclass
class _Failure:
    status: int
    method: str | None
    retry_after: str | None


class ZendeskServer(JsonApiServer):
    """In-memory tickets behind a real HTTP server on 127.0.0.1 (any free port)."""

    def __init__(self, login: str = "agent@example.com", token: str = "api-token"):
        self.login, self.token = login, token
        self.tickets: dict[int, dict[str, Any]] = {}
        self.metrics: dict[int, dict[str, Any]] = {}
        self.comments: dict[int, list[dict[str, Any]]] = {}
        self.requests: list[Recorded] = []
        self._failures: list[_Failure] = []
        self._next_id = 35436
        self._lock = threading.Lock()
        super().__init__()

    # What tests script and inspect.

    def fail_next(self, count: int, status: int = 500, *, method: str | None = None,
                  retry_after: str | None = None) -> None:
        """Answer the next `count` requests (of `method`, when given) with `status`."""
        with self._lock:
            self._failures += [_Failure(status, method, retry_after)] * count

    def recover(self) -> None:
        """Drop the failures still queued by `fail_next`: the service is back."""
        with self._lock:
            self._failures.clear()

    def solve(self, ticket_id: int, at: datetime) -> None:
        """What an agent pressing "Submit as Solved" does to the ticket and its metrics."""
        stamp = _stamp(at)
        with self._lock:
            self.tickets[ticket_id].update(status="solved", updated_at=stamp)
            self.metrics[ticket_id].update(solved_at=stamp, updated_at=stamp)

    def rate(self, ticket_id: int, score: str, comment: str = "", at: datetime | None = None
             ) -> None:
        """The requester answers the satisfaction survey ("good" or "bad")."""
        with self._lock:
            ticket = self.tickets[ticket_id]
            ticket["satisfaction_rating"] = {"id": 9000 + ticket_id, "score": score,
                                             "comment": comment}
            ticket["updated_at"] = _stamp(at or datetime.now(timezone.utc))

    def delete(self, ticket_id: int) -> None:
        with self._lock:
            for store in (self.tickets, self.metrics, self.comments):
                del store[ticket_id]

    def hits(self, method: str, path: str) -> list[Recorded]:
        """Requests to `path` (without query; the ".json" suffix ignored) by `method`."""
        return [r for r in self.requests
                if r.method == method and _route(r.path) == _route(path)]

    # The API.

    def handle(self, method: str, raw_path: str, headers: dict[str, str],
               raw_body: bytes) -> tuple[int, dict[str, str], Any]:
        parts = urlsplit(raw_path)
        query = {key: values[-1] for key, values in parse_qs(parts.query).items()}
        try:
            body = json.loads(raw_body) if raw_body else None
        except ValueError:
            body = None
        with self._lock:
            self.requests.append(Recorded(method, parts.path, query, body, headers))
            failure = next((f for f in self._failures if f.method in (None, method)), None)
            if failure is not None:
                self._failures.remove(failure)
                extra = {"Retry-After": failure.retry_after} if failure.retry_after else {}
                return failure.status, extra, {"error": "Server error" if failure.status >= 500
                                               else "TooManyRequests"}
            if not self._authorized(headers.get("Authorization", "")):
                return 401, {}, {"error": "Couldn't authenticate you"}
            route = _route(parts.path)
            if method == "GET" and route == "/api/v2/tickets":
                return self._list(query)
            if method == "POST" and route == "/api/v2/tickets":
                return self._create(body)
            if method == "GET" and route == "/api/v2/tickets/show_many":
                return self._show_many(query)
            segments = route.split("/")
            if (method == "GET" and len(segments) == 6 and segments[5] == "metrics"
                    and segments[4].isdigit() and int(segments[4]) in self.metrics):
                return 200, {}, {"ticket_metric": self.metrics[int(segments[4])]}
            return 404, {}, {"error": "RecordNotFound", "description": "Not found"}

    def _authorized(self, header: str) -> bool:
        expected = base64.b64encode(f"{self.login}/token:{self.token}".encode()).decode()
        return header == f"Basic {expected}"

    def _list(self, query: dict[str, str]) -> tuple[int, dict[str, str], Any]:
        wanted = query.get("external_id")
        tickets = [t for t in self.tickets.values()
                   if wanted is None or t["external_id"] == wanted]
        return 200, {}, {"tickets": tickets, "count": len(tickets), "next_page": None,
                         "previous_page": None}

    def _show_many(self, query: dict[str, str]) -> tuple[int, dict[str, str], Any]:
        ids = [i for i in query.get("ids", "").split(",") if i]
        if len(ids) > 100:
            return 400, {}, {"error": "InvalidValue",
                             "description": "Show Multiple Tickets takes at most 100 ids"}
        return 200, {}, {"tickets": [self.tickets[int(i)] for i in ids
                                     if i.isdigit() and int(i) in self.tickets]}

    def _create(self, body: Any) -> tuple[int, dict[str, str], Any]:
        ticket = body.get("ticket") if isinstance(body, dict) else None
        if not isinstance(ticket, dict):
            return 400, {}, {"error": "InvalidEndpoint",
                             "description": "The request body must hold a ticket object"}
        errors = self._invalid(ticket)
        if errors:
            return 422, {}, {"error": "RecordInvalid", "description": "Record validation errors",
                             "details": errors}
        ticket_id, now = self._next_id, _stamp(datetime.now(timezone.utc))
        self._next_id += 1
        comment = ticket["comment"]
        self.tickets[ticket_id] = {
            "id": ticket_id, "url": f"{self.url}/api/v2/tickets/{ticket_id}.json",
            "external_id": ticket.get("external_id"), "subject": ticket.get("subject"),
            "raw_subject": ticket.get("subject"),
            "description": comment.get("body") or comment.get("html_body"),
            "priority": ticket.get("priority"), "type": ticket.get("type"),
            "status": ticket.get("status", "new"),
            "tags": sorted({str(t).lower() for t in ticket.get("tags") or []}),
            "requester_id": AGENT_ID, "submitter_id": AGENT_ID,
            "satisfaction_rating": {"score": "unoffered"},
            "created_at": now, "updated_at": now,
        }
        self.comments[ticket_id] = [{"body": comment.get("body") or comment.get("html_body"),
                                     "public": comment.get("public", True),
                                     "author_id": AGENT_ID}]
        self.metrics[ticket_id] = {"id": 70000 + ticket_id, "ticket_id": ticket_id,
                                   "created_at": now, "updated_at": now, "solved_at": None,
                                   "reopens": 0, "replies": 0}
        audit = {"id": 80000 + ticket_id, "ticket_id": ticket_id, "created_at": now,
                 "author_id": AGENT_ID, "events": []}
        return 201, {"Location": self.tickets[ticket_id]["url"]}, {
            "ticket": self.tickets[ticket_id], "audit": audit}

    @staticmethod
    def _invalid(ticket: dict[str, Any]) -> dict[str, list[dict[str, str]]]:
        errors: dict[str, list[dict[str, str]]] = {}
        comment = ticket.get("comment") or {}
        if not (comment.get("body") or comment.get("html_body") or "").strip():
            errors["description"] = [{"description": "Description: cannot be blank",
                                      "error": "BlankValue"}]
        if ticket.get("priority") not in (None, *PRIORITIES):
            errors["priority"] = [{"description": "Priority: is invalid",
                                   "error": "InvalidValue"}]
        if ticket.get("type") not in (None, *TYPES):
            errors["type"] = [{"description": "Type: is invalid", "error": "InvalidValue"}]
        requester = ticket.get("requester")
        if requester is not None and not (isinstance(requester, dict) and requester.get("email")):
            errors["requester"] = [{"description": "Requester: Email is required",
                                    "error": "InvalidValue"}]
        return errors


def _route(path: str) -> str:
    return path.removesuffix(".json")


def _stamp(moment: datetime) -> str:
    """Zendesk's timestamp format: ISO 8601 in UTC, whole seconds, "Z"."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
