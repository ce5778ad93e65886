"""What real feeds do that the mapping once got wrong, on real-shaped RSS 2.0 and Atom 1.0
documents through unmodified feedparser: response headers as servers spell them, relative
links, entry-level xml:lang, plain-text titles, podcast chapters, HTML's named entities and
entries with neither guid nor link."""

from __future__ import annotations

import json
from datetime import datetime, timezone

from carewire.connectors.base import Page, Stream
from carewire.connectors.feeds import mapping
from carewire.core.types import dumps

FEED = Stream("feeds", "news")


def page(body: bytes, url: str = "https://news.test/feed.xml", **headers: str) -> Page:
    """A landed response; header names as the server spelt them (`Content_Type` ->
    `Content-Type`)."""
    return Page(url, 200, {name.replace("_", "-"): value for name, value in headers.items()},
                body)


# UTF-8 without an encoding declaration, and without <language>
UNDECLARED_UTF8 = """<?xml version="1.0"?>
<rss version="2.0"><channel><title>Nachrichten</title><link>https://news.test/</link>
<item><title>Kestrel Mobile in Zürich ☎</title><link>https://news.test/zurich</link>
<pubDate>Tue, 24 Nov 2026 06:30:00 +0000</pubDate>
<description>Störung in Zürich ☎ seit heute früh</description></item>
</channel></rss>""".encode("utf-8")


def test_the_http_charset_decodes_a_feed_without_encoding_declaration():
    parsed = mapping.parse(FEED, page(UNDECLARED_UTF8,
                                      Content_Type="application/rss+xml; charset=utf-8",
                                      Content_Language="de-CH"))
    [mention] = parsed.mentions
    assert parsed.rejects == []
    assert mention.title == "Kestrel Mobile in Zürich ☎"
    assert mention.text == "Störung in Zürich ☎ seit heute früh"
    assert mention.language == "de-CH"  # the feed names none: the response's


def test_header_names_are_read_in_any_spelling():
    """An entry without a date takes the response's Date, however the server spells it."""
    body = UNDECLARED_UTF8.replace(b"<pubDate>Tue, 24 Nov 2026 06:30:00 +0000</pubDate>", b"")
    for name in ("Date", "date", "DATE"):
        parsed = mapping.parse(FEED, Page("https://news.test/feed.xml", 200, {
            "content-type": "application/rss+xml; charset=UTF-8",
            name: "Tue, 24 Nov 2026 07:59:58 GMT"}, body))
        assert parsed.mentions[0].created_at == datetime(2026, 11, 24, 7, 59, 58,
                                                         tzinfo=timezone.utc), name


ATOM_RELATIVE = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="en">
  <title>Kestrel community blog</title><id>urn:uuid:60a76c80-d399-11d9-b93C-0003939e0af6</id>
  <updated>2026-11-24T07:00:00Z</updated>
  <entry>
    <title type="text">History of the &lt;blink&gt; tag</title>
    <link href="/relative/uri"/><id>/relative/uri</id>
    <author><name>Ceri</name><uri>/people/ceri</uri></author>
    <updated>2026-11-24T07:00:00Z</updated>
    <content type="text">Use &lt;blink&gt; &amp; &lt;marquee&gt; sparingly.</content>
  </entry>
  <entry xml:lang="de">
    <title type="html">Netz&lt;b&gt;ausfall&lt;/b&gt; in Berlin</title>
    <link href="https://blog.test/2026/ausfall"/><id>post-42</id>
    <updated>2026-11-24T06:00:00Z</updated>
    <summary type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml"><p>Seit <b>Montag</b>
      kein Netz.</p></div></summary>
  </entry>
  <entry xml:base="https://mirror.test/blog/">
    <title>Relative to xml:base</title><link href="posts/7"/><id>tag:blog.test,2026:7</id>
    <updated>2026-11-24T05:00:00Z</updated><summary>seven</summary>
  </entry>
</feed>"""


def test_relative_links_resolve_against_the_document_and_keys_stay_as_published():
    parsed = mapping.parse(FEED, page(ATOM_RELATIVE, url="https://blog.test/feeds/all.atom",
                                      Content_Type="application/atom+xml"))
    relative, german, based = parsed.mentions
    assert relative.url == "https://blog.test/relative/uri"
    assert relative.source_id == "news:/relative/uri"  # the key as before: not re-keyed
    assert relative.author.profile_url == "https://blog.test/people/ceri"
    assert german.url == "https://blog.test/2026/ausfall"
    assert german.source_id == "news:post-42"  # a bare id is not made into a URL
    assert based.url == "https://mirror.test/blog/posts/7"  # xml:base wins

    # Content-Location says where the document lives: relative links resolve there
    moved = mapping.parse(FEED, page(ATOM_RELATIVE, url="https://blog.test/feeds/all.atom",
                                     Content_Type="application/atom+xml",
                                     Content_Location="https://www.blog.test/atom"))
    assert moved.mentions[0].url == "https://www.blog.test/relative/uri"
    assert [m.source_id for m in moved.mentions] == [m.source_id for m in parsed.mentions]


def test_entry_language_and_plain_text_are_kept():
    parsed = mapping.parse(FEED, page(ATOM_RELATIVE, Content_Type="application/atom+xml",
                                      Content_Language="fr"))
    relative, german, based = parsed.mentions
    assert relative.title == "History of the <blink> tag"  # text/plain, kept as written
    assert relative.text == "Use <blink> & <marquee> sparingly."
    assert german.title == "Netzausfall in Berlin"  # html: stripped
    assert german.text == "Seit Montag\nkein Netz."  # xhtml: stripped
    assert [m.language for m in parsed.mentions] == ["en", "de", "en"]  # not the header's


RSS_LANGUAGES = b"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>UK mobiles</title><link>https://uk.test/</link>
<language>en-GB</language>
<item><title>Signal gone</title><guid isPermaLink="false">uk-1</guid>
<pubDate>Tue, 24 Nov 2026 06:30:00 +0000</pubDate><description>No signal</description></item>
<item xml:lang="cy"><title>Dim signal</title><guid isPermaLink="false">uk-2</guid>
<pubDate>Tue, 24 Nov 2026 06:31:00 +0000</pubDate><description>Dim signal yng Nghaerdydd</description></item>
</channel></rss>"""


def test_rss_entry_language_then_the_channel_s_then_the_response_s():
    parsed = mapping.parse(FEED, page(RSS_LANGUAGES, Content_Type="application/rss+xml",
                                      Content_Language="de"))
    assert [m.language for m in parsed.mentions] == ["en-GB", "cy"]


PODCAST = b"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:psc="http://podlove.org/simple-chapters"
     xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd">
<channel><title>Care pod</title><link>https://pod.test/</link>
<item><title>Episode 12: the Kestrel outage</title><guid isPermaLink="false">ep-12</guid>
<pubDate>Tue, 24 Nov 2026 06:00:00 +0000</pubDate>
<description>We talk about the Kestrel Mobile outage.</description>
<itunes:duration>00:31:04</itunes:duration>
<enclosure url="https://pod.test/ep12.mp3" length="30412345" type="audio/mpeg"/>
<psc:chapters version="1.2">
  <psc:chapter start="00:00:00.000" title="Intro"/>
  <psc:chapter start="00:05:30.500" title="The outage" href="https://pod.test/ep12#c2"/>
</psc:chapters>
</item></channel></rss>"""


def test_podcast_chapters_do_not_reject_the_feed():
    parsed = mapping.parse(FEED, page(PODCAST, Content_Type="application/rss+xml"))
    assert parsed.rejects == []
    [mention] = parsed.mentions
    assert mention.title == "Episode 12: the Kestrel outage"
    stored = json.loads(dumps(parsed.items[0]))  # as raw__items keeps it
    assert [c["start_parsed"] for c in stored["psc_chapters"]["chapters"]] == [0.0, 330.5]
    assert stored["published_parsed"][:3] == [2026, 11, 24]


NBSP = b"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Deals&nbsp;&amp;&nbsp;offers</title>
<link>https://deals.test/</link>
<item><title>Kestrel&nbsp;SIM &eacute;dition &ndash; 10GB</title>
<link>https://deals.test/1</link><pubDate>Tue, 24 Nov 2026 06:00:00 +0000</pubDate>
<description><![CDATA[<p>Only&nbsp;&pound;5</p>]]></description></item>
<item><title>Harbour SIM</title><link>https://deals.test/2</link>
<pubDate>Tue, 24 Nov 2026 05:00:00 +0000</pubDate><description>12&nbsp;months</description></item>
</channel></rss>"""


def test_html_named_entities_do_not_reject_the_feed():
    parsed = mapping.parse(FEED, page(NBSP, Content_Type="application/rss+xml"))
    assert parsed.rejects == []
    first, second = parsed.mentions
    assert first.title == "Kestrel\xa0SIM \xe9dition \u2013 10GB"
    assert first.text == "Only\xa0£5"  # CDATA is left alone; its HTML reads the same
    assert second.text == "12\xa0months"


def test_a_feed_cut_off_mid_document_is_still_rejected_whole():
    truncated = NBSP[:NBSP.index(b"<title>Harbour SIM")]
    parsed = mapping.parse(FEED, page(truncated, Content_Type="application/rss+xml"))
    assert parsed.mentions == []
    [reject] = parsed.rejects
    assert reject.reason.startswith("malformed feed (SAXParseException")
    assert "no element found" in reject.reason
    assert reject.payload == truncated


def test_an_unknown_entity_still_rejects_the_feed():
    parsed = mapping.parse(FEED, page(NBSP.replace(b"&ndash;", b"&notanentity;"),
                                      Content_Type="application/rss+xml"))
    assert parsed.mentions == [] and "undefined entity" in parsed.rejects[0].reason


NO_KEYS = b"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Forum</title><link>https://forum.test/</link>
<item><title>Re: eSIM stuck</title><pubDate>Tue, 24 Nov 2026 06:00:00 +0000</pubDate>
<description>Same here since Monday.</description></item>
<item><title>Re: eSIM stuck</title><pubDate>Tue, 24 Nov 2026 06:05:00 +0000</pubDate>
<description>Same here since Monday.</description></item>
<item><pubDate>Tue, 24 Nov 2026 06:10:00 +0000</pubDate></item>
</channel></rss>"""


def test_entries_with_neither_guid_nor_link_are_keyed_by_a_stable_hash():
    first = mapping.parse(FEED, page(NO_KEYS, Content_Type="application/rss+xml"))
    again = mapping.parse(FEED, page(NO_KEYS, Content_Type="application/rss+xml",
                                     Date="Wed, 25 Nov 2026 07:00:00 GMT"))
    other = mapping.parse(Stream("feeds", "other"), page(NO_KEYS,
                                                         Content_Type="application/rss+xml"))
    ids = [m.source_id for m in first.mentions]
    assert len(ids) == len(set(ids)) == 2  # same words, other date: another entry
    assert all(i.startswith("news:sha256:") and len(mapping.entry_guid(i)) == 7 + 32
               for i in ids)
    assert ids == [m.source_id for m in again.mentions]  # stable across fetches
    assert [mapping.entry_guid(m.source_id) for m in other.mentions] != [
        mapping.entry_guid(i) for i in ids]  # the feed is part of it
    assert [m.url for m in first.mentions] == [None, None]
    assert first.mentions[0].text == "Same here since Monday."
    [empty] = first.rejects  # nothing to key or read
    assert "no <id>/<guid>, <link>, title or text" in empty.reason
