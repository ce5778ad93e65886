"""The bundled X sample (tools/make_sample_x.py) replays through the real connector."""

from __future__ import annotations

from carewire.app import pipeline
from carewire.connectors.x import XConnector
from tests.connectors.x.test_x_connector import INTERVAL


def test_every_configured_x_stream_replays_with_mentions(sample_settings):
    streams = XConnector.streams(sample_settings.sources.x)
    assert [s.name for s in streams] == ["brand"]
    for stream in streams:
        summary = pipeline.ingest_stream(sample_settings, "x", stream.name, INTERVAL)
        assert summary["statuses"] == [200, 200] and summary["complete"] is True
        assert summary["entries"] > 80 and summary["rejected"] == 1
        assert summary["budget"]["tweets_read"] == summary["entries"] + 1

    pipeline.migrate(sample_settings)
    load = pipeline.load_landed(sample_settings)
    assert load["per_stream"]["x/brand"]["mentions"] == summary["entries"]
    assert load["quarantine_reasons"] == {
        "x/brand: tweet has no usable 'created_at' (ISO 8601 UTC timestamp)": 1}
