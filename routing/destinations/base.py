"""What every destination is: deliver one unit of work once, and report what became of it.

A destination is an outside system (Discourse, Zendesk, a webhook receiver) or carewire's
own care desk. The delivery step (routing/deliver.py) hands it `Delivery` objects and
keeps the state in the warehouse; a destination only talks to its system.

Idempotency is the destination's duty too: `Delivery.key` is stable across reruns and
retries, and `deliver` must return the existing ticket, topic or queue item when that
key was delivered before (Zendesk `external_id`, Discourse topic `external_id`, a unique
key in the desk), never create a second one. The warehouse mapping is the first guard;
this is the second, for the crash between "created" and "recorded".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Iterable, Literal, Protocol

from carewire.core.delivery import Delivery
from carewire.core.errors import CarewireError

OutcomeKind = Literal["claimed", "replied", "resolved", "reopened", "rated", "reassigned",
                      "accepted_answer", "status"]


@dataclass(frozen=True)
class Receipt:
    """Where the delivery landed."""

    external_id: str            # ticket id, topic id, queue item id
    url: str | None
    created: bool               # False: an existing item was found (by key, or by search)
    detail: str = ""            # e.g. "linked to topic 123 that already answers this"


@dataclass(frozen=True)
class Outcome:
    """Something that happened to a delivered item, as the destination reports it."""

    outcome_id: str             # stable: the same outcome fetched twice is one event
    external_id: str            # the ticket / topic / queue item it belongs to
    kind: OutcomeKind
    at: datetime
    actor: str | None = None
    data: dict[str, Any] = field(default_factory=dict)   # rating, status, answer url, text


class Destination(Protocol):
    name: str
    kind: str

    def deliver(self, delivery: Delivery) -> Receipt:
        """Create (or find, by `delivery.key`) the item; raise a DestinationError if not."""

    def outcomes(self, external_ids: Iterable[str], since: datetime | None) -> list[Outcome]:
        """What happened since `since` to the given items (all of them when `since` is
        None). Reported again on a later call is fine: `outcome_id` deduplicates."""


class DestinationError(CarewireError):
    """A destination refused or failed a call. Carries the destination's name."""

    def __init__(self, message: str, *, destination: str):
        super().__init__(f"[destination {destination}] {message}")
        self.destination = destination


class RetriableDestinationError(DestinationError):
    """Down, rate-limited (429) or a 5xx: the delivery waits and is retried with backoff."""

    def __init__(self, message: str, *, destination: str, retry_after_s: float | None = None):
        super().__init__(message, destination=destination)
        self.retry_after_s = retry_after_s


class FatalDestinationError(DestinationError):
    """401/403, 404, 422: retrying the same call fails again until someone fixes the
    configuration or the credentials. The delivery is held (status `blocked`) with this
    message, and `carewire route deliver --retry-blocked` releases it after the fix."""
