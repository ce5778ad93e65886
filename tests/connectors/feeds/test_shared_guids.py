"""Two feeds that publish the same guids (`1`, a permalink both carry) keep distinct
mentions: fetched over loopback HTTP by the real connector, landed and loaded into DuckDB
(issue 23, part 2)."""

from __future__ import annotations

from datetime import datetime, timezone

import duckdb

from carewire.app import pipeline
from carewire.connectors.feeds.mapping import entry_guid, entry_key
from carewire.core.settings import Settings
from carewire.core.types import Interval
from tests.conftest import Reply

INTERVAL = Interval(datetime(2026, 11, 24, 7, tzinfo=timezone.utc),
                    datetime(2026, 11, 24, 8, tzinfo=timezone.utc))


def rss(title: str, *items: tuple[str, str]) -> bytes:
    body = "".join(
        f"<item><title>{text}</title><link>https://{title}.test/{guid.rsplit('/', 1)[-1]}"
        f"</link><guid isPermaLink=\"false\">{guid}</guid>"
        f"<pubDate>Tue, 24 Nov 2026 07:{n:02d}:00 +0000</pubDate>"
        f"<description>{text}</description></item>" for n, (guid, text) in enumerate(items))
    return (f'<?xml version="1.0"?><rss version="2.0"><channel><title>{title}</title>'
            f"<link>https://{title}.test/</link>{body}</channel></rss>").encode()


SHARED = "https://syndicated.test/kestrel-outage"


def test_two_feeds_sharing_guids_land_load_and_keep_distinct_mentions(server, fast_http,
                                                                      tmp_path):
    headers = {"Content-Type": "application/rss+xml"}
    news = server.route("/news", Reply(body=rss("news", ("1", "Kestrel prices up"),
                                            (SHARED, "Outage in Leeds (news)")),
                                        headers=headers))
    blog = server.route("/blog", Reply(body=rss("blog", ("1", "My Kestrel eSIM works"),
                                            (SHARED, "Outage in Leeds (blog)")),
                                        headers=headers))
    settings = Settings(data_dir=tmp_path, http=fast_http, sources={"feeds": [
        {"name": "news", "url": news}, {"name": "blog", "url": blog}]})
    for name in ("news", "blog"):
        landed = pipeline.ingest_stream(settings, "feeds", name, INTERVAL)
        assert landed["entries"] == 2
    pipeline.migrate(settings)
    assert pipeline.load_landed(settings)["warehouse_totals"]["mentions"] == 4

    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        rows = con.execute("SELECT source_id, stream, title FROM core__mentions "
                           "ORDER BY source_id").fetchall()
        items = con.execute("SELECT source_id, stream FROM raw__items "
                            "ORDER BY source_id").fetchall()
    assert rows == [("blog:1", "blog", "My Kestrel eSIM works"),
                    (entry_key("blog", SHARED), "blog", "Outage in Leeds (blog)"),
                    ("news:1", "news", "Kestrel prices up"),
                    (entry_key("news", SHARED), "news", "Outage in Leeds (news)")]
    assert items == [(source_id, stream) for source_id, stream, _ in rows]
    # the guid stays readable in the key, whole
    assert {entry_guid(source_id) for source_id, _, _ in rows} == {"1", SHARED}

    # a second run of the same hour changes nothing: the keys are stable across runs
    before = rows
    for name in ("news", "blog"):
        pipeline.ingest_stream(settings, "feeds", name, INTERVAL)
    pipeline.load_landed(settings, (INTERVAL.start, INTERVAL.end))
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        assert con.execute("SELECT source_id, stream, title FROM core__mentions "
                           "ORDER BY source_id").fetchall() == before
