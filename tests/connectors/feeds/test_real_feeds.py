"""Real feeds from ../shared/data/replay, fetched over loopback HTTP by the real connector."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from carewire.core.settings import Settings
from carewire.core.types import Interval
from carewire.connectors.base import Stream
from carewire.connectors.feeds import FeedConnector
from tests.conftest import Reply

FEEDS = {
    "182cf60c6e9d1f6f7d1f557176ca5a84/feed.xml": "application/rss+xml",  # The Next Web
    "90c654888cac5a6037d18431d480abbf/feed.xml": "application/atom+xml",  # The Verge
    "f19a1363184d6e853b7e7d6c020102b8/feed.xml": "application/rss+xml",  # Mastodon user
    "feedparser_large_atom_feed_that_needs_css_sanitisation.xml": "application/atom+xml",
}


@pytest.mark.parametrize("name", sorted(FEEDS))
def test_real_feed_parses_into_mentions_without_rejects(name, shared_data, server, fast_http):
    body = (shared_data / "replay" / "rss_atom_feeds" / name).read_bytes()
    url = server.route("/feed", Reply(body=body, headers={"Content-Type": FEEDS[name]}))
    interval = Interval.hour_before(datetime(2026, 11, 24, 8, tzinfo=timezone.utc))
    result = FeedConnector([], Settings(http=fast_http).fetching).fetch(
        Stream("feeds", "real", {"url": url}), {}, interval)

    assert result.summary["rejected"] == 0, result.summary.get("reasons")
    parsed = FeedConnector.parse(Stream("feeds", "real"), result.pages[0])
    assert len(parsed.mentions) == result.summary["entries"] > 0
    for mention in parsed.mentions:
        assert mention.source_id and mention.url and mention.created_at
        assert mention.text.strip()
        assert "<script" not in mention.text and "<p>" not in mention.text
