"""Platform connectors. Each one fetches pages verbatim and parses them (connectors/base.py).

`CONNECTORS` is the registry the pipeline and the DAGs read: add a platform here and it
gets an `ingest_<source>` DAG and a place in the process step without other changes.
"""

from carewire.connectors.feeds import FeedConnector
from carewire.connectors.forums import DiscourseConnector
from carewire.connectors.reddit import RedditConnector
from carewire.connectors.x import XConnector

CONNECTORS = {connector.source: connector for connector in (
    FeedConnector, XConnector, RedditConnector, DiscourseConnector)}

__all__ = ["CONNECTORS"]
