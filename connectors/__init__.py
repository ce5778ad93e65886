"""Platform connectors. Each one fetches pages verbatim and parses them (connectors/base.py).

`CONNECTORS` is the registry the pipeline and the DAGs read: add a platform here and it
gets an `ingest_<source>` DAG and a place in the process step without other changes.
"""

from __future__ import annotations

from carewire.connectors.base import Stream
from carewire.connectors.feeds import FeedConnector
from carewire.connectors.forums import DiscourseConnector
from carewire.connectors.reddit import RedditConnector
from carewire.connectors.x import XConnector
from carewire.core.settings import Settings

CONNECTORS = {connector.source: connector for connector in (
    FeedConnector, XConnector, RedditConnector, DiscourseConnector)}

__all__ = ["CONNECTORS", "configured_streams"]


def configured_streams(settings: Settings) -> dict[str, list[Stream]]:
    """Source -> streams, for every source that has a connector and configured streams."""
    found = {source: connector.streams(settings) for source, connector in CONNECTORS.items()}
    return {source: streams for source, streams in found.items() if streams}
