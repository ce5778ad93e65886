"""RSS and Atom feeds (feedparser): blogs, news sites, keyword alerts, classic forums."""

from connectors.feeds.connector import FeedConnector

__all__ = ["FeedConnector"]
