"""The destinations a policy can name: the built-in care desk, and those configured under
`routing.destinations` (Discourse, Zendesk, webhook). See base.py for the interface."""

from __future__ import annotations

from typing import Callable, Mapping

from carewire.core.settings import Settings
from carewire.core.types import Credentials
from carewire.routing.destinations.base import Destination

Matcher = Callable[[str, list[str]], "int | None"]


def build(settings: Settings, credentials: Mapping[str, Credentials], desk,
          matcher: Matcher | None = None) -> dict[str, Destination]:
    """Name -> destination, for the desk (an open `carewire.desk.store.Desk`) and every
    configured destination. `matcher` lets Discourse link to a topic that already answers."""
    from carewire.routing.destinations.desk import DeskDestination

    built: dict[str, Destination] = {"desk": DeskDestination(desk)}
    for config in settings.routing.destinations:
        creds = credentials.get(config.conn_id) if config.conn_id else None
        if config.kind == "discourse":
            from carewire.routing.destinations.discourse import DiscourseDestination

            built[config.name] = DiscourseDestination(config, creds, settings.http, matcher)
        elif config.kind == "zendesk":
            from carewire.routing.destinations.zendesk import ZendeskDestination

            built[config.name] = ZendeskDestination(config, creds, settings.http)
        else:
            from carewire.routing.destinations.webhook import WebhookDestination

            built[config.name] = WebhookDestination(config, creds, settings.http)
    return built


def same_issue_matcher(enricher, pairs) -> Matcher:
    """Which of the found topic titles raises the same issue as the text, by the same
    model that builds issue clusters; None when none does."""
    import numpy as np

    def match(text: str, titles: list[str]) -> int | None:
        if not titles:
            return None
        vectors = enricher.embed([text, *titles])
        first = np.repeat(vectors[:1], len(titles), axis=0)
        scores = pairs.score(first, vectors[1:], [text] * len(titles), titles)
        same = pairs.same(first, vectors[1:], [text] * len(titles), titles)
        best = int(np.argmax(np.where(same, scores, -1.0)))
        return best if same[best] else None
    return match
