"""Pages of a shape no mapping foresaw are rejected whole, at fetch and at every reload."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest

from carewire.app import pipeline
from carewire.core.errors import FatalSourceError
from carewire.core.settings import Settings
from carewire.connectors import CONNECTORS, http
from carewire.core.types import Interval
from carewire.connectors.base import Page, Stream
from carewire.connectors.landing import LandingZone
from tests.conftest import Reply, route_to_loopback

INTERVAL = Interval(datetime(2026, 11, 24, 7, tzinfo=timezone.utc),
                    datetime(2026, 11, 24, 8, tzinfo=timezone.utc))

ODD = [
    ("reddit", "https://oauth.reddit.com/r/x/new", {"kind": "Listing", "data": [1]}),
    ("reddit", "https://oauth.reddit.com/r/x/new",
     {"kind": "Listing", "data": {"children": [{"kind": "t3", "data": {
         "id": "a", "name": "t3_a", "created_utc": 1e20}}]}}),
    ("reddit", "https://oauth.reddit.com/user/a/about", {"kind": "t2", "data": [1]}),
    ("forums", "https://f.test/t/1.json", {"post_stream": [1]}),
    ("forums", "https://f.test/t/1.json", {"post_stream": {"posts": []}, "tags": 5}),
    ("forums", "https://f.test/t/1.json", {"post_stream": {"posts": [
        {"id": 1, "post_number": [1], "created_at": "2026-11-24T07:00:00Z"}]}}),
]


@pytest.mark.parametrize("source, url, document", ODD)
def test_an_unforeseen_shape_is_one_reject_with_the_error(source, url, document):
    body = json.dumps(document).encode()
    parsed = CONNECTORS[source].parse(Stream(source, "s"), Page(url, 200, {}, body))
    assert not parsed.mentions
    [reject] = parsed.rejects
    assert reject.reason.startswith("page has a shape carewire cannot map (")
    assert reject.payload == body


def test_an_odd_landed_page_never_blocks_the_loads_after_it(tmp_path):
    settings = Settings(data_dir=tmp_path)
    pipeline.migrate(settings)
    landing = LandingZone(settings.landing)
    odd = Page("https://f.test/t/1.json", 200, {}, b'{"post_stream": {"posts": []}, "tags": 5}')
    landing.write_batch(Stream("forums", "community"), INTERVAL, [odd])
    later = Interval(INTERVAL.end, datetime(2026, 11, 24, 9, tzinfo=timezone.utc))
    landing.write_batch(Stream("feeds", "news"), later, [Page(
        "https://news.test/feed", 200, {"Content-Type": "application/rss+xml"},
        b"<rss version='2.0'><channel><title>n</title><item><guid>g1</guid><title>Kestrel"
        b"</title><pubDate>Tue, 24 Nov 2026 08:30:00 GMT</pubDate></item></channel></rss>")])

    report = pipeline.load_landed(settings)

    assert report["batches_loaded"] == 2
    assert report["warehouse_totals"] == {"mentions": 1, "authors": 0, "quarantined": 1}


def test_paging_through_an_odd_shape_fails_with_what_to_do(tmp_path, server, fast_http,
                                                          monkeypatch):
    """The forum's listing says where the next page is with a number, not a URL."""
    settings = Settings(data_dir=tmp_path, http=fast_http,
                        sources={"forums": [{"name": "community", "url": "https://f.test"}]})
    server.route("/latest.json", Reply(body=json.dumps({"topic_list": {
        "topics": [{"id": 1, "bumped_at": "2026-11-24T07:30:00Z"}],
        "more_topics_url": 7}}).encode()))
    make_session = http.make_session

    def to_loopback(http_settings, **options):
        session = make_session(http_settings, **options)
        route_to_loopback(session, server)
        return session

    monkeypatch.setattr(http, "make_session", to_loopback)
    with pytest.raises(FatalSourceError, match="cannot page through .* nothing was landed"):
        pipeline.ingest_stream(settings, "forums", "community", INTERVAL)
    assert not list(settings.landing.glob("forums/community/*.jsonl"))
