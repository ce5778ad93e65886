"""Sustained connector throughput: a busy hour per platform over loopback HTTP.

The sample traffic (benchmarks/connectors.py) is small; here each platform pages through
about 1,000 to 5,000 mentions, the shape of a busy hour, served by the loopback server
the tests use, in each platform's real wire format (the test suites' payload builders).
Each connector fetches, parses and lands its batch as an ingest task does; the baseline
sends the very same requests with bare `requests` and parses nothing. Printed: requests
per 1,000 mentions, mentions per second, and connector time over baseline time.

    make bench            # runs this after benchmarks/connectors.py
"""

from __future__ import annotations

import json
import statistics
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Callable

from benchmarks.connectors import HEADER, baseline, row
from carewire.core.settings import HttpSettings, Settings
from carewire.connectors import CONNECTORS, connector_for
from carewire.core.types import Credentials, Interval
from carewire.connectors.landing import LandingZone
from tests.conftest import LoopbackServer, Reply, route_to_loopback

REPEATS = 5
INTERVAL = Interval(datetime(2026, 11, 24, 7, tzinfo=timezone.utc),
                    datetime(2026, 11, 24, 8, tzinfo=timezone.utc))
TEXT = "Kestrel Mobile signal gone again in Leeds since the outage, anyone else? #KestrelMobile"


def feeds(server: LoopbackServer) -> Settings:
    """One RSS document of 1,000 items (a busy keyword-alert feed)."""
    items = "".join(
        f"<item><guid>https://news.test/{n}</guid><link>https://news.test/{n}</link>"
        f"<title>Kestrel story {n}</title><dc:creator>Writer {n % 40}</dc:creator>"
        f"<pubDate>Tue, 24 Nov 2026 07:{n % 60:02d}:00 GMT</pubDate>"
        f"<content:encoded><![CDATA[<p>{TEXT}</p><p>{TEXT}</p>]]></content:encoded></item>"
        for n in range(1000))
    body = ('<?xml version="1.0"?><rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/" '
            'xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel><title>n</title>'
            f"{items}</channel></rss>").encode()
    server.route("/feed", Reply(body=body, headers={"Content-Type": "application/rss+xml"}))
    return Settings(sources={"feeds": [{"name": "busy", "url": "https://news.test/feed"}]})


def x(server: LoopbackServer) -> Settings:
    """50 search pages of 100 tweets, joined by next_token."""
    from tests.connectors.x.payloads import RATE, page, tweet

    moment, bodies = INTERVAL.end, []
    for number in range(50):
        tweets = []
        for i in range(100):
            moment -= timedelta(milliseconds=700)
            tweets.append(tweet(moment, f"{TEXT} {number}-{i}", author=str(1000 + i % 60),
                                sequence=i, hashtags=("KestrelMobile",)))
        bodies.append(page(tweets, next_token=f"t{number}" if number < 49 else None))
    server.route("/2/tweets/search/recent", *[Reply(body=b, headers=RATE) for b in bodies])
    return Settings(sources={"x": {"queries": [{"name": "brand", "query": "kestrel"}]}})


def reddit(server: LoopbackServer) -> Settings:
    """Ten listing pages of 100 submissions (Reddit's listing cap) and an empty comment list."""
    from tests.connectors.reddit.test_reddit_connector import BUDGET, TOKEN, t3

    newest = int(INTERVAL.end.timestamp()) - 10
    pages = []
    for number in range(10):
        children = [t3(f"p{number}x{i}", newest - (number * 100 + i) * 3, title=TEXT)
                    for i in range(100)]
        after = None if number == 9 else children[-1]["data"]["name"]
        pages.append(Reply(body=json.dumps({"kind": "Listing", "data": {
            "after": after, "children": children}}).encode(), headers=BUDGET))
    server.route("/api/v1/access_token", TOKEN)
    server.route("/r/KestrelMobile/new", *pages)
    server.route("/r/KestrelMobile/comments/", Reply(body=json.dumps(
        {"kind": "Listing", "data": {"after": None, "children": []}}).encode(), headers=BUDGET))
    return Settings(sources={"reddit": {"subreddits": ["KestrelMobile"]}})


def forums(server: LoopbackServer) -> Settings:
    """A Discourse forum: 300 active topics of 20 posts, on ten latest.json pages."""
    from tests.connectors.forums.test_discourse_connector import (FORUM, latest, listed, post,
                                                                  topic_page)

    for number in range(10):
        ids = range(number * 30 + 1, number * 30 + 31)
        more = f"/latest?order=activity&page={number + 1}" if number < 9 else None
        path = "/latest.json?order=activity" + (f"&page={number}" if number else "")
        server.route(path, Reply(body=latest(*[listed(t, 40 - t / 10) for t in ids], more=more)))
    for topic in range(1, 301):
        server.route(f"/t/{topic}.json", Reply(body=topic_page(topic, [
            post(topic * 100 + k, k + 1, 30, topic_id=topic, text=TEXT) for k in range(20)])))
    return Settings(sources={"forums": [{"name": "community", "url": FORUM}]})


PLATFORMS: dict[str, Callable[[LoopbackServer], Settings]] = {
    "feeds": feeds, "x": x, "reddit": reddit, "forums": forums}
CURSORS = {"forums": {"newest_activity_at": "2026-11-24T04:00:00+00:00"}}
"""Where a first run would stop early by design (Discourse reads three listing pages), the
run starts from a cursor two hours back instead, as an hourly run after a quiet spell."""
CREDENTIALS = {"carewire_x": Credentials(password="bench"),
               "carewire_reddit": Credentials("id", "secret", {"user_agent": "carewire bench"})}


def _connector_run(source: str, build, scratch: Path) -> tuple[float, list, int]:
    """One fetch, parse and landing of the platform's busy hour; (seconds, the requests the
    server received, mentions)."""
    server = LoopbackServer()
    server.thread.start()
    try:
        settings = build(server).model_copy(update={"data_dir": scratch,
                                                    "http": HttpSettings()})
        connector = connector_for(settings, source, CREDENTIALS)
        route_to_loopback(connector.session, server)
        [stream] = CONNECTORS[source].streams(getattr(settings.sources, source))
        start = time.perf_counter()
        result = connector.fetch(stream, CURSORS.get(source, {}), INTERVAL)
        LandingZone.of(settings).write_batch(stream, INTERVAL, result.pages)
        elapsed = time.perf_counter() - start
        return elapsed, list(server.requests), result.summary["entries"]
    finally:
        server.httpd.shutdown()
        server.httpd.server_close()


def _baseline_run(sent: list, build) -> float:
    """The same requests with bare `requests`, bodies read, nothing parsed or written."""
    server = LoopbackServer()
    server.thread.start()
    try:
        build(server)
        return baseline(sent, server)
    finally:
        server.httpd.shutdown()
        server.httpd.server_close()


def main() -> None:
    print("\nsustained: a busy hour per platform over loopback HTTP, median of "
          f"{REPEATS} runs (fetch, parse, land)")
    print(HEADER)
    with tempfile.TemporaryDirectory() as scratch:
        for source, build in PLATFORMS.items():
            runs = [_connector_run(source, build, Path(scratch) / f"{source}-{n}")
                    for n in range(REPEATS)]
            seconds = statistics.median(r[0] for r in runs)
            _, sent, mentions = runs[-1]
            baseline = statistics.median(_baseline_run(sent, build) for _ in range(REPEATS))
            print(row(source, len(sent), mentions, seconds, baseline))


if __name__ == "__main__":
    main()
