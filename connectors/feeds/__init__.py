"""RSS and Atom feeds (feedparser): blogs, news sites, keyword alerts, classic forums."""

from carewire.connectors.feeds.connector import FeedConnector

__all__ = ["FeedConnector"]
