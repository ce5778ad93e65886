"""Forums: Discourse communities through their public JSON API (see connector.py)."""

from carewire.connectors.forums.connector import DiscourseConnector

__all__ = ["DiscourseConnector"]
