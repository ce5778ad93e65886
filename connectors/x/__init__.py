"""X (API v2 recent search) through tweepy: one stream per configured query."""

from carewire.connectors.x.connector import XConnector

__all__ = ["XConnector"]
