"""The bundled sample (carewire/sample/cassettes/reddit.json) replays through praw."""

from __future__ import annotations

import shutil
from datetime import datetime, timezone

from carewire.app.pipeline import REPLAY_CREDENTIALS
from carewire.core.settings import SAMPLE_CONFIG, load_settings
from carewire.core.types import Interval
from carewire.connectors.reddit import RedditConnector


def test_every_configured_reddit_stream_replays_with_mentions(tmp_path, monkeypatch):
    shutil.copy(SAMPLE_CONFIG, tmp_path / "carewire.yaml")
    shutil.copytree(SAMPLE_CONFIG.parent / "cassettes", tmp_path / "cassettes")
    monkeypatch.setenv("CAREWIRE_DATA_DIR", str(tmp_path / "data"))
    settings = load_settings(tmp_path / "carewire.yaml")
    interval = Interval.hour_before(datetime(2026, 11, 24, 8, 30, tzinfo=timezone.utc))
    streams = RedditConnector.streams(settings.sources.reddit)
    assert streams, "the sample config has no reddit streams"
    for stream in streams:
        result = RedditConnector(settings.sources.reddit, settings.fetching,
                                 {stream.conn_id: REPLAY_CREDENTIALS}).fetch(
            stream, {}, interval)
        parsed = [RedditConnector.parse(stream, page) for page in result.pages]
        assert sum(len(p.mentions) for p in parsed) > 0, stream.name
        assert all(page.status == 200 for page in result.pages)
        assert not result.summary["stopped_early"]
