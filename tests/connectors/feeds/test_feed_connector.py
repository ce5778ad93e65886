"""The feed connector, through real HTTP on loopback and unmodified feedparser."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from carewire.core.errors import AuthError, FatalSourceError, RetriableSourceError
from carewire.core.settings import Settings
from carewire.core.types import Credentials, Interval
from carewire.connectors.base import Stream
from carewire.connectors.feeds import FeedConnector
from tests.conftest import Reply

INTERVAL = Interval(datetime(2026, 11, 24, 7, tzinfo=timezone.utc),
                    datetime(2026, 11, 24, 8, tzinfo=timezone.utc))

RSS = b"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"
     xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:slash="http://purl.org/rss/1.0/modules/slash/">
<channel><title>Phone news</title><link>https://news.test/</link><language>en-GB</language>
<item>
  <title>Kestrel Mobile raises prices &amp; adds 5G</title>
  <link>https://news.test/kestrel-prices</link>
  <guid isPermaLink="false">https://news.test/?p=101</guid>
  <pubDate>Tue, 24 Nov 2026 06:30:00 +0000</pubDate>
  <dc:creator><![CDATA[Ada Byrne]]></dc:creator>
  <category>Networks</category><category>Kestrel Mobile</category>
  <description>Short summary.</description>
  <content:encoded><![CDATA[<p>Kestrel Mobile customers will pay <b>3%</b> more.</p><p>5G comes to Leeds.</p>
  <script>track()</script>]]></content:encoded>
  <slash:comments>12</slash:comments>
  <enclosure url="https://news.test/img.jpg" type="image/jpeg" length="1000"/>
</item>
<item>
  <title>Harbour Mobile review</title>
  <link>https://news.test/harbour</link>
  <pubDate>Mon, 23 Nov 2026 10:00:00 +0000</pubDate>
  <description>&lt;p&gt;Not about Kestrel.&lt;/p&gt;</description>
</item>
</channel></rss>"""

ATOM = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <title>Forum - Kestrel Mobile</title><id>urn:forum</id><updated>2026-11-24T07:00:00Z</updated>
  <entry>
    <id>https://forum.test/viewtopic.php?p=9#p9</id>
    <title>Re: eSIM stuck on activating</title>
    <link href="https://forum.test/viewtopic.php?p=9#p9"/>
    <author><name>SimGuru</name></author>
    <category term="Kestrel Mobile" label="Kestrel Mobile"/>
    <updated>2026-11-24T07:00:00Z</updated><published>2026-11-24T06:59:00Z</published>
    <content type="html">&lt;p&gt;Go to Account &amp;gt; eSIM &amp;gt; Transfer.&lt;/p&gt;</content>
  </entry>
  <entry>
    <title>an entry with no id and no link</title>
    <updated>2026-11-24T06:00:00Z</updated>
    <content type="text">lost</content>
  </entry>
</feed>"""

HTML_CHALLENGE = b"""<!DOCTYPE html><html><head><title>Just a moment...</title></head>
<body>Checking your browser before accessing the site.</body></html>"""

TRUNCATED = RSS[: RSS.index(b"<slash:comments>")]


def stream(url: str, conn_id: str | None = None) -> Stream:
    return Stream(source="feeds", name="test-feed", options={"url": url}, conn_id=conn_id)


def test_rss_entries_map_to_mentions(server, fast_http):
    url = server.route("/rss", Reply(body=RSS, headers={"Content-Type": "application/rss+xml"}))
    result = FeedConnector([], Settings(http=fast_http).fetching).fetch(stream(url), {}, INTERVAL)
    parsed = FeedConnector.parse(stream(url), result.pages[0])

    first, second = parsed.mentions
    assert first.source_id == "test-feed:https://news.test/?p=101"  # keyed within its feed
    assert first.url == "https://news.test/kestrel-prices"
    assert first.title == "Kestrel Mobile raises prices & adds 5G"
    assert first.text == "Kestrel Mobile customers will pay 3% more.\n5G comes to Leeds."
    assert first.created_at == datetime(2026, 11, 24, 6, 30, tzinfo=timezone.utc)
    assert first.author.handle == "Ada Byrne"
    assert first.author.author_id == "127.0.0.1:ada byrne"
    assert first.categories == ["Networks", "Kestrel Mobile"]
    assert first.language == "en-GB"
    assert first.reply_count == 12
    # no guid: the link is the key; no content: the summary is the text
    assert second.source_id == "test-feed:https://news.test/harbour"
    assert second.text == "Not about Kestrel."
    assert second.author is None
    assert parsed.items[0]["title"] == "Kestrel Mobile raises prices & adds 5G"
    assert result.summary == {"not_modified": False, "entries": 2, "new": 2, "rejected": 0,
                              "reasons": []}
    assert result.cursor["newest_entry_at"] == "2026-11-24T06:30:00+00:00"


def test_atom_entry_without_id_or_link_is_keyed_by_its_hash(server, fast_http):
    url = server.route("/atom", Reply(body=ATOM, headers={"Content-Type": "application/atom+xml"}))
    result = FeedConnector([], Settings(http=fast_http).fetching).fetch(stream(url), {}, INTERVAL)
    parsed = FeedConnector.parse(stream(url), result.pages[0])

    forum, unkeyed = parsed.mentions
    assert forum.author.handle == "SimGuru"
    assert forum.text == "Go to Account > eSIM > Transfer."
    assert forum.categories == ["Kestrel Mobile"]
    assert unkeyed.source_id.startswith("test-feed:sha256:")
    assert (unkeyed.url, unkeyed.title, unkeyed.text) == (
        None, "an entry with no id and no link", "lost")
    assert parsed.rejects == [] and result.summary["rejected"] == 0


def test_conditional_get_with_etag_returns_304_and_keeps_the_cursor(server, fast_http):
    url = server.route("/rss", Reply(body=RSS, headers={"Content-Type": "application/rss+xml",
                                                        "ETag": '"v1"'}))
    connector = FeedConnector([], Settings(http=fast_http).fetching)
    first = connector.fetch(stream(url), {}, INTERVAL)
    assert first.cursor["etag"] == '"v1"'

    second = connector.fetch(stream(url), first.cursor, INTERVAL)
    assert server.hits("/rss")[1]["If-None-Match"] == '"v1"'
    assert [p.status for p in second.pages] == [304]
    assert second.cursor == first.cursor
    assert second.summary["not_modified"] is True


def test_conditional_get_with_last_modified(server, fast_http):
    stamp = "Tue, 24 Nov 2026 07:00:00 GMT"
    url = server.route("/rss", Reply(body=RSS, headers={"Last-Modified": stamp}))
    connector = FeedConnector([], Settings(http=fast_http).fetching)
    first = connector.fetch(stream(url), {}, INTERVAL)
    second = connector.fetch(stream(url), first.cursor, INTERVAL)
    assert server.hits("/rss")[1]["If-Modified-Since"] == stamp
    assert second.pages[0].status == 304


@pytest.mark.parametrize("first", [
    Reply(429, b"slow down", {"Retry-After": "0"}),
    Reply(503, b"<html>maintenance</html>", {"Content-Type": "text/html"}),
])
def test_rate_limit_or_server_error_then_success(server, fast_http, first):
    url = server.route("/rss", first, Reply(body=RSS))
    result = FeedConnector([], Settings(http=fast_http).fetching).fetch(stream(url), {}, INTERVAL)
    assert len(server.hits("/rss")) == 2
    assert result.pages[0].status == 200
    assert result.summary["entries"] == 2


def test_server_errors_that_persist_become_retriable_after_bounded_retries(server, fast_http):
    url = server.route("/rss", Reply(500, b"boom"))
    with pytest.raises(RetriableSourceError, match="HTTP 500 .* after all retries"):
        FeedConnector([], Settings(http=fast_http).fetching).fetch(stream(url), {}, INTERVAL)
    assert len(server.hits("/rss")) == fast_http.max_retries + 1


def test_unauthorised_names_the_connection_and_is_not_retried(server, fast_http):
    url = server.route("/private", Reply(401, b"no"))
    connector = FeedConnector([], Settings(http=fast_http).fetching, {"kestrel_private_feed": Credentials("bot", "old")})
    with pytest.raises(AuthError, match="Airflow Connection 'kestrel_private_feed'"):
        connector.fetch(stream(url, conn_id="kestrel_private_feed"), {}, INTERVAL)
    assert len(server.hits("/private")) == 1
    assert server.hits("/private")[0]["Authorization"].startswith("Basic ")


def test_missing_feed_fails_fast(server, fast_http):
    with pytest.raises(FatalSourceError, match="HTTP 404 .* check the URL"):
        FeedConnector([], Settings(http=fast_http).fetching).fetch(stream(server.url("/gone")), {}, INTERVAL)
    assert len(server.hits("/gone")) == 1


def test_unreachable_host_is_retriable(fast_http):
    with pytest.raises(RetriableSourceError, match="could not reach"):
        FeedConnector([], Settings(http=fast_http).fetching).fetch(stream("http://127.0.0.1:9/feed"), {}, INTERVAL)


@pytest.mark.parametrize("body, content_type, reason", [
    (HTML_CHALLENGE, "text/html; charset=UTF-8",
     "HTML page instead of a feed (an error, login or bot-challenge page?), titled "
     "'Just a moment...'"),
    (TRUNCATED, "application/rss+xml", "malformed feed (SAXParseException"),
    (b"just some text", "text/plain", "not an RSS or Atom document (Content-Type text/plain)"),
])
def test_broken_documents_are_rejected_whole_and_do_not_move_the_cursor(
        server, fast_http, body, content_type, reason):
    url = server.route("/feed", Reply(body=body, headers={"Content-Type": content_type,
                                                          "ETag": '"broken"'}))
    cursor = {"etag": '"older"', "last_modified": None, "newest_entry_at": None}
    result = FeedConnector([], Settings(http=fast_http).fetching).fetch(stream(url), cursor, INTERVAL)
    parsed = FeedConnector.parse(stream(url), result.pages[0])

    assert parsed.mentions == []
    [reject] = parsed.rejects
    assert reject.reason.startswith(reason)
    assert reject.payload == body
    assert result.cursor == cursor  # the next run fetches the whole feed again


def test_private_feed_sends_the_connection_credentials(server, fast_http):
    url = server.route("/private", Reply(body=RSS))
    connector = FeedConnector([], Settings(http=fast_http).fetching, {"kestrel_private_feed": Credentials("bot", "s3cret")})
    connector.fetch(stream(url, conn_id="kestrel_private_feed"), {}, INTERVAL)
    assert server.hits("/private")[0]["Authorization"] == "Basic Ym90OnMzY3JldA=="


def test_private_feed_without_credentials_says_which_connection_to_create(server, fast_http):
    with pytest.raises(AuthError, match="'kestrel_private_feed'.*airflow connections add"):
        FeedConnector([], Settings(http=fast_http).fetching).fetch(stream(server.url("/p"), "kestrel_private_feed"), {},
                                       INTERVAL)
