"""The built-in care desk as a destination: deliveries become queue items, and what agents
do with them (claim, reply, resolve, reopen, rate) comes back as outcomes.

Idempotency is the desk's unique delivery key (see desk/store.py). A store that cannot be
reached or is locked is retriable, like any other destination that is down.
"""

from __future__ import annotations

from datetime import datetime
from typing import Iterable

from sqlalchemy.exc import OperationalError

from carewire.desk.store import Desk
from carewire.routing.destinations.base import Outcome, Receipt, RetriableDestinationError
from carewire.core.delivery import Delivery

OUTCOME_KINDS = frozenset({"claimed", "replied", "resolved", "reopened", "rated", "reassigned"})
"""Desk events reported as outcomes; `delivered` is the desk's own bookkeeping. A
reassignment is reported so that the KPIs count the item for the team (and, when an agent
sent it to the community or the contact center, the route) that holds it now."""


class DeskDestination:
    name = "desk"
    kind = "desk"

    def __init__(self, desk: Desk):
        self.desk = desk

    def deliver(self, delivery: Delivery) -> Receipt:
        try:
            item_id, created = self.desk.add(delivery)
        except OperationalError as exc:
            raise _unreachable(exc) from exc
        return Receipt(external_id=str(item_id), url=None, created=created)

    def outcomes(self, external_ids: Iterable[str], since: datetime | None) -> list[Outcome]:
        try:
            events = self.desk.events(since, [int(i) for i in external_ids])
        except OperationalError as exc:
            raise _unreachable(exc) from exc
        return [Outcome(outcome_id=f"desk:{e.event_id}", external_id=str(e.item_id),
                        kind=e.kind, at=e.at, actor=e.actor, data=e.data)
                for e in events if e.kind in OUTCOME_KINDS]


def _unreachable(exc: OperationalError) -> RetriableDestinationError:
    return RetriableDestinationError(
        f"the desk store did not answer ({exc.orig}); deliveries wait in the backlog and are "
        "retried on the next run. Check routing.desk_url and that the database is up.",
        destination="desk")
