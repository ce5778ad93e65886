"""Reddit (praw): new submissions and comments of subreddits, and searches, read-only."""

from carewire.connectors.reddit.connector import RedditConnector

__all__ = ["RedditConnector"]
