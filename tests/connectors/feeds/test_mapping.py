"""Feed entries to mentions, without a network: author forms that real feeds use."""

from __future__ import annotations

import pytest

from carewire.connectors.base import Page, Stream
from carewire.connectors.feeds import mapping


def rss_with_author(element: str) -> Page:
    body = (f'<?xml version="1.0"?><rss version="2.0" '
            f'xmlns:dc="http://purl.org/dc/elements/1.1/"><channel><title>t</title>'
            f'<item><guid>https://social.test/@x/1</guid><pubDate>Tue, 24 Nov 2026 07:00:00 '
            f'GMT</pubDate><description>hi</description>{element}</item></channel></rss>')
    return Page("https://social.test/tags/kestrel.rss", 200,
                {"Content-Type": "application/rss+xml"}, body.encode())


@pytest.mark.parametrize("element, handle", [
    ("<dc:creator>@ceri_m@mastodon.social.example</dc:creator>",
     "@ceri_m@mastodon.social.example"),
    ("<dc:creator>@bob@mastodon.social</dc:creator>", "@bob@mastodon.social"),
    ("<author>jane@example.com (Jane Doe)</author>", "Jane Doe"),
    ("<dc:creator>Priya Raman</dc:creator>", "Priya Raman"),
])
def test_author_handles_are_kept_whole(element, handle):
    parsed = mapping.parse(Stream("feeds", "social"), rss_with_author(element))
    author = parsed.mentions[0].author
    assert author.handle == handle
    assert author.author_id == f"social.test:{handle.lower()}"


def test_an_entry_without_author_has_none():
    parsed = mapping.parse(Stream("feeds", "social"), rss_with_author(""))
    assert parsed.mentions[0].author is None


def test_keyword_alert_links_point_at_the_article_not_the_redirect():
    link = ("https://www.google.com/url?rct=j&amp;sa=t&amp;url=https://news.test/2026/11/24/"
            "outage/&amp;ct=ga&amp;cd=CAIy&amp;usg=AOvVaw")
    body = (f'<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>alert</title>'
            f'<id>tag:google.com,2005:reference:feed:1</id><entry>'
            f'<id>tag:google.com,2013:googlealerts/feed:1</id><title type="html">Outage</title>'
            f'<link href="{link}"/><published>2026-11-24T07:00:00Z</published>'
            f'<content type="html">text</content><author><name/></author></entry></feed>')
    page = Page("https://www.google.com/alerts/feeds/1/2", 200,
                {"Content-Type": "application/atom+xml"}, body.encode())
    mention = mapping.parse(Stream("feeds", "alerts"), page).mentions[0]
    assert mention.url == "https://news.test/2026/11/24/outage/"
    assert mention.source_id == "alerts:tag:google.com,2013:googlealerts/feed:1"
    assert mention.author is None
