"""Reddit (praw): new submissions and comments of subreddits, and searches, read-only."""

from connectors.reddit.connector import RedditConnector

__all__ = ["RedditConnector"]
