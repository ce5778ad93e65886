"""A routed unit of work as every destination receives it: the care desk's store below
routing, and routing's outside destinations (Discourse, Zendesk, webhooks) above it, both
take a `Delivery` of one or more `MentionRef`s."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

Unit = Literal["mention", "cluster"]


@dataclass(frozen=True)
class MentionRef:
    """One mention behind a delivery: enough to find it, link to it and answer its author."""

    source: str
    source_id: str
    url: str | None
    author: str | None          # handle as shown on the platform
    text: str
    created_at: datetime
    # How enrichment read it: the care desk filters its queues on these.
    language: str | None = None
    sentiment: str | None = None
    intent: str | None = None
    influence_tier: str | None = None


@dataclass(frozen=True)
class Delivery:
    """One unit of work for one destination: a mention, or a whole issue cluster."""

    key: str                    # idempotency key, stable across reruns and retries
    destination: str            # configured destination name
    route: str                  # community | contact_center | advocacy
    unit: Unit
    cluster_id: str | None
    mentions: tuple[MentionRef, ...]   # the founder (or the mention) first
    title: str
    body: str
    team: str
    priority: str               # urgent | high | normal | low
    sla_due_at: datetime
    rule_id: str
    reason: str
    tags: tuple[str, ...] = ()
    experts: tuple[str, ...] = ()      # superfans offered the question (handles)
