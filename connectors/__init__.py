"""Platform connectors. Each one fetches pages verbatim and parses them (connectors/base.py).

`CONNECTORS` is the registry the pipeline and the DAGs read: add a platform here and it
gets an `ingest_<source>` DAG and a place in the process step without other changes.
"""

from __future__ import annotations

from typing import Mapping

from carewire.connectors.base import Stream
from carewire.connectors.feeds import FeedConnector
from carewire.connectors.forums import DiscourseConnector
from carewire.connectors.reddit import RedditConnector
from carewire.connectors.x import XConnector
from carewire.core.settings import Settings
from carewire.core.types import Credentials

CONNECTORS = {connector.source: connector for connector in (
    FeedConnector, XConnector, RedditConnector, DiscourseConnector)}

__all__ = ["CONNECTORS", "configured_streams", "connector_for"]


def configured_streams(settings: Settings) -> dict[str, list[Stream]]:
    """Source -> streams, for every source that has a connector and configured streams."""
    found = {source: connector.streams(getattr(settings.sources, source))
             for source, connector in CONNECTORS.items()}
    return {source: streams for source, streams in found.items() if streams}


def connector_for(settings: Settings, source: str,
                  credentials: Mapping[str, Credentials] | None = None):
    """The connector of `source`, given its own section of `sources` (settings.sources.x
    for X) and what all connectors share (`Settings.fetching`), never the whole settings."""
    return CONNECTORS[source](getattr(settings.sources, source), settings.fetching, credentials)
