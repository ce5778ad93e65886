#!/usr/bin/env python3
"""Generate the bundled sample traffic: carewire/sample/cassettes/feeds.json.

The demo (`carewire demo`), the Airflow DAG tests and anyone trying carewire out replay
this file instead of the network (see connectors/replay.py and `http.replay_dir` in
carewire/sample/carewire.yaml). It is a betamax cassette holding one recorded GET per
feed configured there, for the fictional UK network "Kestrel Mobile" (its app, eSIMs and
the Kestrel Home Hub broadband router):

1. a Google Alerts keyword feed (Atom, served on one line as Google does);
2. a tech news site's WordPress RSS 2.0 feed with full article content;
3. a Mastodon hashtag RSS feed: the bulk of the customer voice, with recurring issues
   asked in different words, exact duplicates, personal data (account, phone and order
   numbers, emails), German and Spanish posts, replies, spam, bots and bird watchers;
4. a phpBB 3.3 board Atom feed with threaded discussions, two of whose entries have
   neither <id> nor <link> (a known phpBB extension bug);
5. a fan blog whose host now answers 200 with an HTML "Account Suspended" page;
6. a deals site's RSS feed cut off mid-item (Content-Length promises more).

Every document is written in the platform's real wire format, so the demo and the tests
run real feed documents through feedparser, including the broken ones that must end in
quarantine. All texts are invented; phone numbers are in Ofcom's drama ranges, emails use
example.com, and every host other than google.com ends in .example.

Run `python tools/make_sample.py` from anywhere to regenerate. It uses only the standard
library and a fixed seed (random.Random(20261124)), so the output is byte-identical on
every run; edit the texts below, not the JSON.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import random
import re
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from pathlib import Path

SEED = 20261124
UTC = timezone.utc
OUTPUT = Path(__file__).resolve().parents[1] / "carewire" / "sample" / "cassettes" / "feeds.json"

RECORDED = datetime(2026, 11, 24, 7, 59, 58, tzinfo=UTC)
WINDOW_START = datetime(2026, 11, 17, tzinfo=UTC)
WINDOW_END = datetime(2026, 11, 24, 7, 30, tzinfo=UTC)

ACCEPT = "application/atom+xml, application/rss+xml, application/xml;q=0.9, */*;q=0.8"
USER_AGENT = "carewire/0.1 (+https://github.com/carewire/carewire)"

ALERTS_URL = "https://www.google.com/alerts/feeds/08412345678901234567/7239910465531210843"
PHONEBEAT_URL = "https://www.phonebeat.example/feed/"
MASTODON_URL = "https://mastodon.social.example/tags/KestrelMobile.rss"
FORUM_URL = "https://forum.ukmobiles.example/app.php/feed/forum/12"
BLOG_URL = "https://kestrelfans.blog.example/atom.xml"
DEALS_URL = "https://deals.example/feeds/kestrel-mobile.xml"

# UK time is UTC in November. Relative posting activity per hour of the day.
HOUR_WEIGHTS = (2, 1, 1, 1, 1, 2, 4, 7, 9, 9, 8, 8, 9, 9, 8, 8, 8, 9, 10, 10, 9, 7, 5, 3)

# URL -> publication time, filled by the builders of the sites Google Alerts links to.
PUBLISHED: dict[str, datetime] = {}

DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


# --------------------------------------------------------------------------- time


def _days(days) -> tuple[int, int]:
    if days is None:
        return 17, 24
    if isinstance(days, int):
        return days, days
    return days


def pick_time(rng: random.Random, days=None, hours=None) -> datetime:
    """A moment in the recording window on the given day(s), busier in UK daytime."""
    first, last = _days(days)
    lo = max(datetime(2026, 11, first, tzinfo=UTC), WINDOW_START)
    hi = min(datetime(2026, 11, last, tzinfo=UTC) + timedelta(days=1), WINDOW_END)
    span = int((hi - lo).total_seconds())
    top = max(HOUR_WEIGHTS)
    while True:
        moment = lo + timedelta(seconds=rng.randrange(span))
        if hours and not hours[0] <= moment.hour < hours[1]:
            continue
        if rng.random() * top < HOUR_WEIGHTS[moment.hour]:
            return moment


def later(rng: random.Random, moment: datetime, minutes: tuple[int, int]) -> datetime:
    """A moment some minutes after `moment`, never past the end of the window."""
    candidate = moment + timedelta(seconds=rng.randint(minutes[0] * 60, minutes[1] * 60))
    if candidate > WINDOW_END:
        room = max(2, int((WINDOW_END - moment).total_seconds()))
        candidate = moment + timedelta(seconds=rng.randint(room // 2, room))
    return candidate


def rfc822(moment: datetime) -> str:
    return format_datetime(moment)  # Tue, 24 Nov 2026 07:31:12 +0000


def http_date(moment: datetime) -> str:
    return format_datetime(moment, usegmt=True)  # Tue, 24 Nov 2026 07:31:12 GMT


def iso_z(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def iso_offset(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S+00:00")


def phpbb_date(moment: datetime) -> str:
    hour = moment.hour % 12 or 12
    return (f"{DAYS[moment.weekday()]} {MONTHS[moment.month - 1]} {moment.day}, {moment.year} "
            f"{hour}:{moment.minute:02d} {'am' if moment.hour < 12 else 'pm'}")


# --------------------------------------------------------------------------- text


def esc(text: str) -> str:
    """XML character data."""
    return html.escape(text, quote=False)


def attr(text: str) -> str:
    return html.escape(text, quote=True)


def cdata(text: str) -> str:
    assert "]]>" not in text, text
    return f"<![CDATA[{text}]]>"


def texturize(escaped: str) -> str:
    """WordPress's wptexturize, the parts our texts need: curly quotes, dashes, ellipses."""
    text = re.sub(r'(^|[\s(\[])"', r"\1&#8220;", escaped)
    text = text.replace('"', "&#8221;")
    text = re.sub(r"(^|[\s(\[])'(?=\w)", r"\1&#8216;", text)
    text = text.replace("'", "&#8217;")
    text = text.replace(" - ", " &#8211; ").replace("...", "&#8230;")
    return text


def wp_inline(text: str) -> str:
    """Escaped, texturized HTML from a line with **bold** and [links](url)."""
    out = []
    for part in re.split(r"(\*\*[^*]+\*\*|\[[^\]]+\]\([^)]+\))", text):
        if part.startswith("**"):
            out.append(f"<strong>{texturize(esc(part[2:-2]))}</strong>")
        elif part.startswith("[") and "](" in part:
            label, url = part[1:-1].split("](", 1)
            out.append(f'<a href="{attr(url)}">{texturize(esc(label))}</a>')
        else:
            out.append(texturize(esc(part)))
    return "".join(out)


def plain(text: str) -> str:
    return re.sub(r"\[([^\]]+)\]\([^)]+\)", r"\1", text).replace("**", "")


# --------------------------------------------------------------------------- cassette


def interaction(url: str, headers: dict[str, str], body: str, status=(200, "OK")) -> dict:
    return {
        "request": {
            "method": "GET",
            "uri": url,
            "body": {"encoding": "utf-8", "string": ""},
            "headers": {"Accept": [ACCEPT], "User-Agent": [USER_AGENT]},
        },
        "response": {
            "status": {"code": status[0], "message": status[1]},
            "headers": {name: [value] for name, value in headers.items()},
            "body": {"encoding": "utf-8", "string": body},
            "url": url,
        },
        "recorded_at": RECORDED.strftime("%Y-%m-%dT%H:%M:%S"),
    }


def digest(body: str, algorithm: str = "sha1") -> str:
    return hashlib.new(algorithm, body.encode("utf-8")).hexdigest()


def size(body: str) -> str:
    return str(len(body.encode("utf-8")))


# --------------------------------------------------------------------------- 1. Google Alerts


def build_alerts() -> dict:
    rng = random.Random(SEED)
    # Google's `cd` is constant per alert: a protobuf naming the alert and its locale.
    alert_key = "".join(rng.choice("0123456789abcdef") for _ in range(16))
    cd = base64.urlsafe_b64encode(b"\x08\x02\x32\x1a" + alert_key.encode() + b":co.uk:en:GB")
    cd = cd.decode().rstrip("=")
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    seen: set[int] = set()
    entries = []
    for days, url, title, snippet, *hours in ALERTS:
        if url.startswith(("https://www.phonebeat.example/", "https://forum.ukmobiles.example/")):
            assert url in PUBLISHED, f"alert links to {url}, which is not in the sample"
            moment = later(rng, PUBLISHED[url], (15, 240))  # Google finds it after it's up
        else:
            moment = pick_time(rng, days, hours[0] if hours else None)
        entry_id = rng.randrange(10**18, 10**19)
        assert entry_id not in seen
        seen.add(entry_id)
        usg = "AOvVaw" + "".join(rng.choice(alphabet) for _ in range(22))
        href = f"https://www.google.com/url?rct=j&sa=t&url={url}&ct=ga&cd={cd}&usg={usg}"
        entries.append((moment, entry_id, href, title, snippet))
    entries.sort(key=lambda e: e[0], reverse=True)

    def highlighted(text: str) -> str:
        parts = re.split(r"\*([^*]+)\*", text)
        escaped = [html.escape(p, quote=True).replace("&#x27;", "&#39;") for p in parts]
        return "".join(f"<b>{p}</b>" if i % 2 else p for i, p in enumerate(escaped))

    newest = entries[0][0]
    parts = ['<?xml version="1.0" encoding="utf-8"?>'
             '<feed xmlns="http://www.w3.org/2005/Atom" xmlns:idx="urn:atom-extension:indexing">'
             f"<id>tag:google.com,2005:reference:feed:{ALERTS_URL}</id>"
             "<title>Google Alert - &quot;kestrel mobile&quot;</title>"
             f'<link href="{ALERTS_URL}" rel="self"></link>'
             f"<updated>{iso_z(newest)}</updated>"]
    for moment, entry_id, href, title, snippet in entries:
        parts.append(
            f"<entry><id>tag:google.com,2013:googlealerts/feed:{entry_id}</id>"
            f'<title type="html">{esc(highlighted(title))}</title>'
            f'<link href="{attr(href)}"/>'
            f"<published>{iso_z(moment)}</published><updated>{iso_z(moment)}</updated>"
            f'<content type="html">{esc(highlighted(snippet))}</content>'
            "<author><name></name></author></entry>")
    parts.append("</feed>")
    body = "".join(parts)
    headers = {
        "Content-Type": "application/atom+xml; charset=utf-8",
        "Vary": "Accept-Encoding",
        "Cache-Control": "private, max-age=0",
        "Expires": http_date(RECORDED),
        "Date": http_date(RECORDED),
        "Last-Modified": http_date(newest),
        "ETag": f'"{digest(body)}"',
        "Server": "GSE",
        "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": "SAMEORIGIN",
        "X-XSS-Protection": "0",
        "Content-Length": size(body),
        "Alt-Svc": 'h3=":443"; ma=2592000,h3-29=":443"; ma=2592000',
    }
    return interaction(ALERTS_URL, headers, body)


# --------------------------------------------------------------------------- 2. WordPress RSS


def wp_content(body: str) -> str:
    blocks = []
    for chunk in body.strip().split("\n\n"):
        lines = chunk.strip().split("\n")
        if lines[0].startswith("## "):
            blocks.append(f'<h2 class="wp-block-heading">{wp_inline(lines[0][3:])}</h2>')
        elif lines[0].startswith("- "):
            items = "\n".join(f"<li>{wp_inline(line[2:])}</li>" for line in lines)
            blocks.append(f'<ul class="wp-block-list">\n{items}\n</ul>')
        elif lines[0].startswith("> "):
            quoted = " ".join(line[2:] for line in lines)
            blocks.append('<blockquote class="wp-block-quote is-layout-flow '
                          'wp-block-quote-is-layout-flow">\n'
                          f"<p>{wp_inline(quoted)}</p>\n</blockquote>")
        else:
            blocks.append(f"<p>{wp_inline(' '.join(lines))}</p>")
    return "\n\n\n\n".join(blocks)


def wp_excerpt(body: str) -> str:
    words = []
    for chunk in body.strip().split("\n\n"):
        for line in chunk.strip().split("\n"):
            words.extend(plain(re.sub(r"^(## |- |> )", "", line)).split())
    return texturize(esc(" ".join(words[:55]))) + " [&#8230;]"


def build_phonebeat() -> dict:
    rng = random.Random(SEED)
    site = "https://www.phonebeat.example"
    posts = []
    for article in ARTICLES:
        moment = pick_time(rng, article["days"], article.get("hours", (6, 22)))
        posts.append((moment, article))
    posts.sort(key=lambda p: p[0])
    post_id = 48210
    numbered = []
    for moment, article in posts:
        post_id += rng.randint(3, 40)  # drafts, pages and attachments share the counter
        numbered.append((moment, post_id, article))
    numbered.reverse()
    newest = numbered[0][0]

    items = []
    for moment, pid, article in numbered:
        link = f"{site}/{moment:%Y/%m/%d}/{article['slug']}/"
        PUBLISHED[link] = moment
        title = texturize(esc(article["title"]))
        comments = article["comments"]
        categories = "\n".join(f"\t\t<category>{cdata(c)}</category>" for c in article["cats"])
        footer = (f'<p>The post <a href="{link}">{title}</a> appeared first on '
                  f'<a href="{site}">PhoneBeat</a>.</p>')
        content = wp_content(article["body"]) + "\n" + footer
        items.append(
            "\t<item>\n"
            f"\t\t<title>{title}</title>\n"
            f"\t\t<link>{link}</link>\n"
            f"\t\t\t\t\t<comments>{link}#{'comments' if comments else 'respond'}</comments>\n"
            "\t\t\n"
            f"\t\t<dc:creator>{cdata(article['author'])}</dc:creator>\n"
            f"\t\t<pubDate>{rfc822(moment)}</pubDate>\n"
            f"{categories}\n"
            f'\t\t<guid isPermaLink="false">{site}/?p={pid}</guid>\n\n'
            f"\t\t\t\t\t<description>{cdata(wp_excerpt(article['body']))}</description>\n"
            f"\t\t\t\t\t\t\t\t\t\t<content:encoded>{cdata(content)}</content:encoded>\n"
            f"\t\t\t\t\t<wfw:commentRss>{link}feed/</wfw:commentRss>\n"
            f"\t\t\t<slash:comments>{comments}</slash:comments>\n"
            "\t\t\n\t\t\n\t\t\t</item>")
    body = (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"\n'
        '\txmlns:content="http://purl.org/rss/1.0/modules/content/"\n'
        '\txmlns:wfw="http://wellformedweb.org/CommentAPI/"\n'
        '\txmlns:dc="http://purl.org/dc/elements/1.1/"\n'
        '\txmlns:atom="http://www.w3.org/2005/Atom"\n'
        '\txmlns:sy="http://purl.org/rss/1.0/modules/syndication/"\n'
        '\txmlns:slash="http://purl.org/rss/1.0/modules/slash/"\n'
        "\t>\n\n<channel>\n"
        "\t<title>PhoneBeat</title>\n"
        f'\t<atom:link href="{PHONEBEAT_URL}" rel="self" type="application/rss+xml" />\n'
        f"\t<link>{site}</link>\n"
        "\t<description>UK mobile news, reviews and deals</description>\n"
        f"\t<lastBuildDate>{rfc822(newest)}</lastBuildDate>\n"
        "\t<language>en-GB</language>\n"
        "\t<sy:updatePeriod>\n\thourly\t</sy:updatePeriod>\n"
        "\t<sy:updateFrequency>\n\t1\t</sy:updateFrequency>\n"
        "\t<generator>https://wordpress.org/?v=6.7.1</generator>\n\n"
        "<image>\n"
        f"\t<url>{site}/wp-content/uploads/2024/03/cropped-phonebeat-icon-32x32.png</url>\n"
        "\t<title>PhoneBeat</title>\n"
        f"\t<link>{site}</link>\n"
        "\t<width>32</width>\n\t<height>32</height>\n</image> \n"
        + "\n".join(items) + "\n\t</channel>\n</rss>\n")
    headers = {
        "Server": "nginx",
        "Date": http_date(RECORDED),
        "Content-Type": "application/rss+xml; charset=UTF-8",
        "Content-Length": size(body),
        "Last-Modified": http_date(newest),
        "ETag": f'"{digest(body, "md5")}"',
        "Link": f'<{site}/wp-json/>; rel="https://api.w.org/"',
        "Vary": "Accept-Encoding",
        "Cache-Control": "max-age=600, must-revalidate",
        "X-Cache": "HIT",
    }
    return interaction(PHONEBEAT_URL, headers, body)


# --------------------------------------------------------------------------- 3. Mastodon

MASTODON_HOST = "mastodon.social.example"

_TOKEN = re.compile(
    r"(?P<url>https?://[^\s<>\"]*[^\s<>\".,!?;:)])"
    r"|(?<![\w/.@&])#(?P<tag>\w+)"
    r"|(?<![\w/.@])@(?P<user>\w+)(?:@(?P<domain>[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]+))?")


def _toot_line(line: str) -> str:
    out, position = [], 0
    for match in _TOKEN.finditer(line):
        out.append(attr(line[position:match.start()]).replace("&#x27;", "&#39;"))
        position = match.end()
        if match["url"]:
            scheme, rest = match["url"].split("://", 1)
            shown = (f'<span class="ellipsis">{esc(rest[:30])}</span>'
                     f'<span class="invisible">{esc(rest[30:])}</span>' if len(rest) > 30
                     else f'<span class="">{esc(rest)}</span><span class="invisible"></span>')
            out.append(f'<a href="{attr(match["url"])}" target="_blank" rel="nofollow noopener" '
                       f'translate="no"><span class="invisible">{scheme}://</span>{shown}</a>')
        elif match["tag"]:
            out.append(f'<a href="https://{MASTODON_HOST}/tags/{match["tag"]}" '
                       f'class="mention hashtag" rel="tag">#<span>{match["tag"]}</span></a>')
        else:
            domain = match["domain"] or MASTODON_HOST
            out.append(f'<span class="h-card" translate="no"><a href="https://{domain}/@'
                       f'{match["user"]}" class="u-url mention">@<span>{match["user"]}'
                       "</span></a></span>")
    out.append(attr(line[position:]).replace("&#x27;", "&#39;"))
    return "".join(out)


def toot_html(text: str) -> str:
    return "".join("<p>" + "<br />".join(_toot_line(line) for line in para.split("\n")) + "</p>"
                   for para in text.strip().split("\n\n"))


def hashtags(text: str) -> list[str]:
    tags: list[str] = []
    for match in _TOKEN.finditer(text):
        if match["tag"] and match["tag"].lower() not in tags:
            tags.append(match["tag"].lower())
    return tags


def build_mastodon() -> dict:
    rng = random.Random(SEED)
    moments: dict[str, datetime] = {}
    toots = []
    for toot in TOOTS:
        if toot.get("after"):
            moment = later(rng, moments[toot["after"]], toot.get("delay", (8, 240)))
        else:
            moment = pick_time(rng, toot.get("days"), toot.get("hours"))
        if toot.get("key"):
            moments[toot["key"]] = moment
        toots.append((moment, toot))
    toots.sort(key=lambda t: t[0], reverse=True)
    newest = toots[0][0]

    seen: set[int] = set()
    items = []
    for moment, toot in toots:
        # Mastodon ids are snowflakes: milliseconds since the epoch, shifted, plus noise.
        status_id = (int(moment.timestamp() * 1000) << 16) | rng.randrange(1 << 16)
        assert status_id not in seen
        seen.add(status_id)
        handle, _, instance = toot["by"].partition("@")
        instance = instance or MASTODON_HOST
        url = f"https://{instance}/@{handle}/{status_id}"
        media = ""
        if toot.get("media"):
            digits = str(status_id)
            path = "/".join(digits[i:i + 3] for i in range(0, len(digits), 3))
            name = "".join(rng.choice("0123456789abcdef") for _ in range(16))
            kind = toot["media"][0]
            mime = "image/jpeg" if kind == "jpg" else f"image/{kind}"
            media = (f'\n      <media:content url="https://files.{instance}/media_attachments/'
                     f'files/{path}/original/{name}.{kind}" type="{mime}" '
                     f'fileSize="{rng.randint(90_000, 2_400_000)}" medium="image">\n'
                     '        <media:rating scheme="urn:simple">nonadult</media:rating>\n'
                     f'        <media:description type="plain">{esc(toot["media"][1])}'
                     "</media:description>\n      </media:content>")
        categories = "".join(f"\n      <category>{esc(tag)}</category>"
                             for tag in hashtags(toot["text"]))
        items.append(
            "    <item>\n"
            f'      <guid isPermaLink="true">{url}</guid>\n'
            f"      <link>{url}</link>\n"
            f"      <dc:creator>@{handle}@{instance}</dc:creator>\n"
            f"      <pubDate>{rfc822(moment)}</pubDate>\n"
            f"      <description>{esc(toot_html(toot['text']))}</description>"
            f"{media}{categories}\n"
            "    </item>")
    tag_url = f"https://{MASTODON_HOST}/tags/KestrelMobile"
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<rss version="2.0" xmlns:webfeeds="http://webfeeds.org/rss/1.0" '
        'xmlns:media="http://search.yahoo.com/mrss/" xmlns:dc="http://purl.org/dc/elements/1.1/">\n'
        "  <channel>\n"
        "    <title>#KestrelMobile</title>\n"
        f"    <description>Public posts from {MASTODON_HOST} tagged with #KestrelMobile"
        "</description>\n"
        f"    <link>{tag_url}</link>\n"
        "    <image>\n"
        f"      <url>https://files.{MASTODON_HOST}/site_uploads/files/000/000/001/@1x/"
        "57c12f441d083cde.png</url>\n"
        "      <title>#KestrelMobile</title>\n"
        f"      <link>{tag_url}</link>\n"
        "    </image>\n"
        f"    <lastBuildDate>{rfc822(newest)}</lastBuildDate>\n"
        f"    <webfeeds:icon>https://{MASTODON_HOST}/apple-touch-icon.png</webfeeds:icon>\n"
        "    <generator>Mastodon v4.5.2</generator>\n"
        + "\n".join(items) + "\n  </channel>\n</rss>\n")
    request_id = digest(body, "md5")
    headers = {
        "Server": "Mastodon",
        "Date": http_date(RECORDED),
        "Content-Type": "application/rss+xml; charset=utf-8",
        "Content-Length": size(body),
        "Vary": "Accept, Accept-Encoding, Origin",
        "Cache-Control": "max-age=300, public",
        "ETag": f'"{digest(body, "md5")}"',
        "Last-Modified": http_date(newest),
        "X-Frame-Options": "DENY",
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "same-origin",
        "Strict-Transport-Security": "max-age=63072000; includeSubDomains",
        "X-Request-Id": (f"{request_id[:8]}-{request_id[8:12]}-{request_id[12:16]}-"
                         f"{request_id[16:20]}-{request_id[20:]}"),
        "X-Runtime": "0.084213",
    }
    return interaction(MASTODON_URL, headers, body)


# --------------------------------------------------------------------------- 4. phpBB Atom

BOARD = "https://forum.ukmobiles.example"


def _bbcode(text: str, quote_target) -> str:
    """phpBB 3.3's rendering of the BBCode our posts use."""
    codes: list[str] = []

    def keep_code(match):
        codes.append('<div class="codebox"><p>Code: <a href="#" onclick="selectCode(this); '
                     'return false;">Select all</a></p><pre><code>'
                     f"{esc(match[1].strip(chr(10)))}</code></pre></div>")
        return f"\x00{len(codes) - 1}\x00"

    text = re.sub(r"\[code\](.*?)\[/code\]\n?", keep_code, text.strip(), flags=re.S)
    text = esc(text)

    def quote(match):
        user, quoted = match[1], match[2].strip()
        pid, uid, moment = quote_target(user)
        return (f'<blockquote cite="./viewtopic.php?p={pid}#p{pid}"><div><cite>'
                f'<a href="./memberlist.php?mode=viewprofile&amp;u={uid}">{user}</a> wrote: '
                f'<a href="./viewtopic.php?p={pid}#p{pid}" data-post-id="{pid}" '
                'onclick="if(document.getElementById(hash.substr(1)))href=hash">↑</a>'
                f'<span class="responsive-hide">{phpbb_date(moment)}</span></cite>'
                f"{quoted}</div></blockquote>")

    text = re.sub(r"\[quote=([^\]]+)\](.*?)\[/quote\]\n?", quote, text, flags=re.S)
    text = re.sub(r"\[list\]\n?(.*?)\[/list\]\n?",
                  lambda m: "<ul>" + "".join(f"<li>{item.strip()}</li>"
                                             for item in m[1].split("[*]") if item.strip())
                  + "</ul>", text, flags=re.S)
    text = re.sub(r"\[b\](.*?)\[/b\]", r'<strong class="text-strong">\1</strong>', text)
    text = re.sub(r"\[url=([^\]]+)\](.*?)\[/url\]", r'<a href="\1" class="postlink">\2</a>', text)
    text = text.replace("\n", "<br>")
    return re.sub("\x00(\\d+)\x00", lambda m: codes[int(m[1])], text)


def build_forum() -> dict:
    rng = random.Random(SEED)
    users: dict[str, int] = {}
    posts = []
    starts = [(pick_time(rng, t["days"], t.get("hours")), n) for n, t in enumerate(THREADS)]
    topics, topic_id = {}, 48790
    for start, n in sorted(starts):
        topic_id += rng.randint(1, 4)  # topic ids follow creation time
        topics[n] = topic_id
        PUBLISHED[f"{BOARD}/viewtopic.php?t={topic_id}"] = start
    for (moment, n), thread in zip(starts, THREADS):
        for index, post in enumerate(thread["posts"]):
            user, text = post[0], post[1]
            options = post[2] if len(post) > 2 else {}
            if index:
                moment = later(rng, moment, options.get("delay", thread.get("pace", (20, 600))))
            if user not in users:
                uid = options.get("uid")
                while uid is None or uid in users.values():
                    uid = rng.randint(180, 9400)
                users[user] = uid
            posts.append({"moment": moment, "thread": thread, "topic": topics[n],
                          "index": index, "user": user,
                          "text": text, "broken": options.get("broken", False),
                          "edited": options.get("edited")})
    posts.sort(key=lambda p: p["moment"])
    post_id = 184000
    for post in posts:
        post_id += rng.randint(1, 9)  # other boards share the post counter
        post["id"] = post_id
    assert sum(p["broken"] for p in posts) == 2

    def rendered(post) -> str:
        earlier = [p for p in posts if p["thread"] is post["thread"] and p["index"] < post["index"]]

        def target(user):
            source = [p for p in earlier if p["user"] == user][-1]
            return source["id"], users[user], source["moment"]
        return _bbcode(post["text"], target)

    entries = []
    newest = None
    for post in reversed(posts):
        url = f"{BOARD}/viewtopic.php?p={post['id']}#p{post['id']}"
        updated = post["moment"] + timedelta(minutes=post["edited"] or 0)
        newest = max(newest or updated, updated)
        prefix = "" if post["index"] == 0 else "Re: "
        title = f"Kestrel Mobile • {prefix}{esc(post['thread']['title'])}"
        key = "" if post["broken"] else f"<id>{url}</id>\n<link href=\"{url}\"/>\n"
        base = f"{BOARD}/viewtopic.php?t={post['topic']}" if post["broken"] else url
        stats = (f'<p>Statistics: Posted by <a href="{BOARD}/memberlist.php?mode=viewprofile'
                 f'&amp;u={users[post["user"]]}">{esc(post["user"])}</a> — '
                 f"{phpbb_date(post['moment'])}</p><hr />")
        entries.append(
            "<entry>\n"
            f"<author><name>{cdata(post['user'])}</name></author>\n"
            f"<updated>{iso_offset(updated)}</updated>\n\n"
            f"<published>{iso_offset(post['moment'])}</published>\n"
            f"{key}"
            f'<title type="html">{cdata(title)}</title>\n\n'
            '<category term="Kestrel Mobile" scheme="https://forum.ukmobiles.example/'
            'viewforum.php?f=12" label="Kestrel Mobile"/>\n'
            f'<content type="html" xml:base="{base}">'
            f"{cdata(chr(10) + rendered(post) + stats + chr(10))}</content>\n"
            "</entry>")
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="en-gb">\n'
        f'<link rel="self" type="application/atom+xml" href="{FORUM_URL}" />\n\n'
        "<title>UK Mobiles Forum</title>\n"
        "<subtitle>Independent discussion of UK networks, handsets and deals since 2004"
        "</subtitle>\n"
        f'<link href="{BOARD}/index.php" />\n'
        f"<updated>{iso_offset(newest)}</updated>\n\n"
        f"<author><name>{cdata('UK Mobiles Forum')}</name></author>\n"
        f"<id>{FORUM_URL}</id>\n\n"
        + "\n".join(entries) + "\n</feed>\n")
    headers = {
        "Date": http_date(RECORDED),
        "Server": "Apache",
        "Last-Modified": http_date(newest),
        "ETag": f'"{digest(body, "md5")}"',
        "Cache-Control": 'private, no-cache="set-cookie"',
        "Expires": "0",
        "Pragma": "no-cache",
        "Vary": "Accept-Encoding",
        "Content-Length": size(body),
        "Content-Type": "application/atom+xml; charset=UTF-8",
    }
    return interaction(FORUM_URL, headers, body)


# --------------------------------------------------------------------------- 5. suspended blog


def build_blog() -> dict:
    headers = {
        "Date": http_date(RECORDED),
        "Server": "Apache",
        "Cache-Control": "no-cache, no-store, must-revalidate",
        "Pragma": "no-cache",
        "Expires": "0",
        "Vary": "Accept-Encoding",
        "Content-Length": size(SUSPENDED_PAGE),
        "Content-Type": "text/html; charset=UTF-8",
    }
    return interaction(BLOG_URL, headers, SUSPENDED_PAGE)


# --------------------------------------------------------------------------- 6. truncated deals


def build_deals() -> dict:
    rng = random.Random(SEED)
    site = "https://deals.example"
    deals = sorted(((pick_time(rng, d["days"]), d) for d in DEALS), key=lambda d: d[0],
                   reverse=True)
    newest = deals[0][0]
    deal_ids, deal_id = [], 4412000
    for _ in deals:
        deal_id += rng.randint(40, 900)  # ids follow posting time
        deal_ids.append(deal_id)
    items = []
    for (moment, deal), deal_id in zip(deals, reversed(deal_ids)):
        slug = re.sub(r"[^a-z0-9]+", "-", deal["title"].lower()).strip("-")[:60].rstrip("-")
        link = f"{site}/deals/{slug}-{deal_id}"
        description = "".join(f"<p>{esc(p)}</p>" for p in deal["text"].strip().split("\n\n"))
        description += (f'<p>Posted by <a href="{site}/profile/{deal["by"]}">{deal["by"]}</a> '
                        f"· {deal['heat']}° · {deal['comments']} comments</p>")
        items.append(
            "<item>\n"
            f"<title>{esc(deal['title'])}</title>\n"
            f"<link>{link}</link>\n"
            f'<guid isPermaLink="true">{link}</guid>\n'
            f"<pubDate>{rfc822(moment)}</pubDate>\n"
            f"<category>{esc(deal['category'])}</category>\n"
            f"<description>{esc(description)}</description>\n"
            "</item>")
    full = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom">\n'
        "<channel>\n"
        "<title>deals.example · Kestrel Mobile</title>\n"
        f"<link>{site}/merchants/kestrel-mobile</link>\n"
        "<description>The latest Kestrel Mobile deals, voted on by the community</description>\n"
        "<language>en-gb</language>\n"
        f'<atom:link href="{DEALS_URL}" rel="self" type="application/rss+xml"/>\n'
        f"<lastBuildDate>{rfc822(newest)}</lastBuildDate>\n"
        "<ttl>15</ttl>\n"
        + "\n".join(items) + "\n</channel>\n</rss>\n")
    # The connection dropped part-way through the ninth item's description.
    ninth = full.index("<description>", full.index(items[8]))
    cut = full.index(" ", ninth + 260)
    assert cut < full.index("</description>", ninth)
    body = full[:cut]
    headers = {
        "Server": "nginx/1.26.2",
        "Date": http_date(RECORDED),
        "Content-Type": "application/rss+xml",
        "Content-Length": size(full),
        "Last-Modified": http_date(newest),
        # nginx's static-file ETag: last-modified time and length, in hex
        "ETag": f'"{int(newest.timestamp()):x}-{len(full.encode()):x}"',
        "Accept-Ranges": "bytes",
        "Cache-Control": "public, max-age=900",
        "Vary": "Accept-Encoding",
    }
    return interaction(DEALS_URL, headers, body)


# --------------------------------------------------------------------------- main


def main() -> None:
    phonebeat, forum = build_phonebeat(), build_forum()  # alerts link to both
    cassette = {
        "interactions": [build_alerts(), phonebeat, build_mastodon(), forum, build_blog(),
                         build_deals()],
        "recorded_with": "betamax/0.9.0",
    }
    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(cassette, indent=1, ensure_ascii=False, sort_keys=False) + "\n"
    OUTPUT.write_text(text, encoding="utf-8")
    print(f"wrote {OUTPUT} ({len(text.encode('utf-8')):,} bytes)")


# =========================================================================== the texts
#
# Dates: `days` is a day of November 2026 or an inclusive (first, last) range; the time of
# day is drawn at random, weighted towards UK waking hours. The story the texts share:
#   Tue 17  Kestrel opens eSIM to all pay-monthly customers; 5G standalone in Manchester
#           and Leeds; a payment processor fault takes some November direct debits twice.
#   Wed 18  Kestrel app 5.2.0 ships; some users are then signed out in a loop.
#   Thu 19  Price-rise emails: £1.50 to £2 a month more from 1 April 2027.
#   Fri 20  iPhone carrier settings 52.1 fix Wi-Fi calling broken since iOS 27.1.
#   Sun 22  App 5.2.1 fixes the login loop.
#   Mon 23  A fibre cut near Brighouse takes out Greater Manchester and West Yorkshire
#           from about 07:05 until mid afternoon (later in parts of Leeds).
#   Tue 24  Post-incident note; a day's line rental credited.
# Customer services is 0808 157 0123 (Ofcom's drama range); the PAC short code is 65075.

# --------------------------------------------------------------------------- 1. alerts
# (days, article URL, title, snippet); *stars* mark what Google highlights in bold.

ALERTS = [
    (23, "https://www.leedsgazette.example/news/kestrel-mobile-outage-leeds-no-signal-4821934",
     "*Kestrel Mobile* down: customers across Leeds left without signal",
     "Thousands of *Kestrel Mobile* customers in Leeds have been left without signal this "
     "morning, with phones showing 'SOS only' from around 7am. The network said engineers "
     "were investigating ...", (8, 24)),
    (23, "https://www.mcrevening.example/news/greater-manchester-news/kestrel-mobile-down-manchester-29811452",
     "*Kestrel Mobile* down in Manchester as network outage hits thousands",
     "Customers across Greater Manchester say they have had no calls, texts or data since "
     "early on Monday. A *Kestrel Mobile* spokesperson said: \"We're aware some customers "
     "in the North West ...", (8, 24)),
    (23, "https://www.bradfordherald.example/news/local/kestrel-outage-commuters-bradford",
     "Bradford commuters stranded without tickets in *Kestrel Mobile* network failure",
     "... rail passengers at Forster Square said they could not load mobile tickets after "
     "their *Kestrel Mobile* phones lost signal. Northway Trains staff accepted ...", (8, 24)),
    (23, "https://www.thenationalwire.example/business/telecoms/kestrel-mobile-outage-northern-england",
     "*Kestrel Mobile* outage leaves northern England customers without service",
     "*Kestrel Mobile*, which has about 3.1 million customers, said a \"major incident\" "
     "was affecting Greater Manchester and West Yorkshire. Downstatus received more than "
     "40000 reports ...", (8, 24)),
    (23, "https://www.downstatus.example/status/kestrel-mobile/",
     "*Kestrel Mobile* down? Current problems and outages",
     "User reports indicate *Kestrel Mobile* is having problems since 7:08 AM GMT. Most "
     "reported problems: No signal (68%), Mobile internet (24%), Phone calls (8%) ...", (8, 24)),
    (23, "https://www.stockportnews.example/news/gp-surgery-kestrel-outage-landline",
     "Stockport GP surgery urges patients to ring landline during *Kestrel Mobile* outage",
     "Heald Green Medical Practice said its duty doctor was unreachable on mobile because "
     "the practice's phones are on *Kestrel Mobile*, and asked patients to use ...", (8, 24)),
    (24, "https://www.phonebeat.example/2026/11/24/kestrel-fibre-cut-outage-explained/",
     "*Kestrel Mobile* blames single fibre cut for eight-hour outage",
     "*Kestrel Mobile* has confirmed that Monday's outage across Greater Manchester and West "
     "Yorkshire was caused by a third-party contractor cutting a fibre near Brighouse ..."),
    (24, "https://www.thenationalwire.example/money/kestrel-mobile-credit-outage",
     "*Kestrel Mobile* to credit customers a day's line rental after Monday outage",
     "Affected customers do not need to claim, *Kestrel Mobile* said, and the credit will "
     "appear on December bills. Consumer groups said the gesture did not ..."),
    (24, "https://www.mobiletoday.example/news/2026/11/ofcom-kestrel-outage",
     "Ofcom 'engaging' with *Kestrel Mobile* after northern outage",
     "The regulator said it was \"engaging with *Kestrel Mobile* to understand the cause "
     "and the impact on access to emergency services\" after calls to 999 ..."),
    (24, "https://www.yorkshirebusiness.example/news/kestrel-outage-cost-firms",
     "Yorkshire firms count the cost of *Kestrel Mobile* outage",
     "... a Leeds taxi firm said it lost most of Monday's bookings. \"Every one of our "
     "drivers is on *Kestrel Mobile*,\" said the owner, who is now looking at a second ..."),
    (24, "https://www.mobiletoday.example/news/2026/11/kestrel-status-page-green-outage",
     "*Kestrel Mobile* status page said 'all systems operational' during outage",
     "Screenshots shared on social media show the *Kestrel Mobile* status page reporting "
     "no problems until 08:52, almost two hours after customers began ..."),
    (19, "https://www.mobiletoday.example/news/2026/11/kestrel-app-login-loop",
     "*Kestrel Mobile* app update leaves users stuck in login loop",
     "Version 5.2.0 of the *Kestrel Mobile* app, released on Wednesday, is signing some "
     "customers out every time they open it, according to reports on social media ..."),
    (20, "https://www.gadgetdesk.example/how-to/fix-kestrel-app-login-loop/",
     "How to fix the *Kestrel Mobile* app login loop",
     "If the *Kestrel Mobile* app keeps sending you back to the sign-in screen, clear the "
     "app's cache (not its data) on Android, or offload and reinstall it on iPhone ..."),
    (22, "https://www.techradius.example/news/kestrel-app-5-2-1-fixes-sign-out-bug",
     "*Kestrel Mobile* app 5.2.1 fixes sign-out bug",
     "*Kestrel Mobile* says version 5.2.1 of its app, now rolling out on iOS and Android, "
     "fixes the bug that signed users out repeatedly after last week's update ..."),
    (19, "https://www.phonebeat.example/2026/11/19/kestrel-app-5-2-review/",
     "*Kestrel Mobile* app 5.2 review: a cleaner design let down by a login bug",
     "The redesigned *Kestrel Mobile* app puts your allowance front and centre and finally "
     "lets you download PDF bills, but a nasty sign-out bug ..."),
    (18, "https://www.appwatch.example/android/com.kestrelmobile.myaccount",
     "*Kestrel Mobile* - My Account 5.2.0 (Android): what's new",
     "What's new in 5.2.0: a redesigned home screen, eSIM transfer to a new phone without a "
     "QR code, faster bill view and bug fixes. *Kestrel Mobile* Ltd ..."),
    (17, "https://www.prnewsline.example/news-releases/kestrel-mobile-launches-instant-esim-for-all-pay-monthly-customers-302611874.html",
     "*Kestrel Mobile* launches instant eSIM for all pay monthly customers",
     "LONDON, Nov. 17, 2026 /PRNewsline/ -- *Kestrel Mobile*, the UK network, today made "
     "eSIM available to all of its pay monthly customers, with activation in the app in ..."),
    (17, "https://www.mobiletoday.example/news/2026/11/kestrel-esim-all-customers",
     "*Kestrel Mobile* opens eSIM to every pay monthly customer",
     "Until now *Kestrel Mobile* only offered eSIM on new contracts. From today existing "
     "customers can switch from a physical SIM in the app, free of charge ..."),
    (21, "https://www.gadgetdesk.example/news/kestrel-esim-qr-code-already-used/",
     "*Kestrel Mobile* eSIM 'QR code already used' error: what to do",
     "Several readers moving a *Kestrel Mobile* eSIM to a new iPhone have hit an error "
     "saying the QR code has already been used. Here's why it happens and how to ..."),
    (20, "https://www.simonsays-tech.example/2026/11/20/i-moved-my-kestrel-esim/",
     "I moved my *Kestrel Mobile* eSIM to a new phone. It took three days",
     "... the first QR code died when my hotel Wi-Fi dropped halfway through the download. "
     "*Kestrel Mobile* support sent the same code twice more before anyone ..."),
    (19, "https://www.moneywise-uk.example/phones/kestrel-mobile-price-rise-april-2027",
     "*Kestrel Mobile* price rise: bills to go up by up to £2 a month from April",
     "*Kestrel Mobile* customers will pay between £1.50 and £2 a month more from 1 April "
     "2027. Because the rises are set out in pounds and pence in contracts ..."),
    (19, "https://www.thenationalwire.example/money/kestrel-mobile-price-rise-2027",
     "*Kestrel Mobile* to raise bills by up to £24 a year",
     "*Kestrel Mobile* has become the latest network to confirm next year's increases, "
     "blaming \"continued investment in 5G and network resilience\" ..."),
    (20, "https://www.savingsclub.example/blog/can-you-leave-kestrel-mobile-after-price-rise",
     "Can you leave *Kestrel Mobile* penalty-free after the price rise?",
     "Probably not, if you joined or upgraded after 17 January 2025. But some older "
     "*Kestrel Mobile* contracts were written with CPI-linked rises, and ..."),
    (21, "https://www.consumervoice.example/news/mobile-broadband-price-rises-april-2027",
     "April 2027 price rises: Harbour, Lumen and *Kestrel Mobile* confirm increases",
     "Here is how much each provider is putting up prices by. *Kestrel Mobile*: £1.50 a "
     "month on 30-day and 12-month plans, £2 on 24-month plans ..."),
    (18, "https://www.moneywise-uk.example/news/kestrel-mobile-customers-charged-twice",
     "*Kestrel Mobile* customers charged twice for November bills",
     "Some *Kestrel Mobile* customers have had their monthly payment taken twice, on the 16th "
     "and again on the 17th. The network blamed a fault at its payment processor ..."),
    (19, "https://www.thenationalwire.example/money/kestrel-refunds-duplicate-direct-debits",
     "*Kestrel Mobile* promises refunds after duplicate direct debits",
     "\"Nobody needs to contact us,\" a *Kestrel Mobile* spokesperson said, adding "
     "that duplicate payments would be returned by 24 November ..."),
    (17, "https://www.techradius.example/news/kestrel-5g-standalone-manchester-leeds",
     "*Kestrel Mobile* switches on 5G standalone in Manchester and Leeds",
     "*Kestrel Mobile* is the latest UK operator to launch standalone 5G, starting in "
     "central Manchester and Leeds. Customers with compatible phones need ..."),
    (18, "https://www.networkperf.example/reports/uk-mobile-network-experience-november-2026",
     "UK mobile network experience report: Harbour leads, *Kestrel Mobile* most improved",
     "*Kestrel Mobile* users saw average download speeds of 61.4Mbps, up 18% on our May "
     "report, the biggest improvement of any UK operator ..."),
    (22, "https://www.northwalesdaily.example/news/anglesey-news/new-mast-llangefni-signal",
     "New mast to boost *Kestrel Mobile* signal in rural Anglesey",
     "The 20m mast near Llangefni, shared by *Kestrel Mobile* and Tern, should bring 4G to "
     "around 300 homes that currently have no indoor signal ..."),
    (20, "https://www.cornwallnews.example/news/st-just-mast-plans-refused",
     "Plans for 25m *Kestrel Mobile* mast near St Just refused",
     "Councillors refused the application, saying the mast would harm views of the "
     "World Heritage Site. *Kestrel Mobile* said it would consider an appeal ..."),
    (20, "https://www.dealradar.example/kestrel-mobile-black-friday-2026/",
     "*Kestrel Mobile* Black Friday 2026: the best SIM-only deals",
     "The standout is 100GB of 5G data for £12 a month on a 24-month plan. *Kestrel Mobile* "
     "also has 25GB for £8 on a 30-day rolling contract ..."),
    (22, "https://www.phonebeat.example/2026/11/22/kestrel-harbour-lumen-black-friday-sim-deals/",
     "*Kestrel Mobile* vs Harbour vs Lumen: which Black Friday SIM deal is best?",
     "On price per gigabyte *Kestrel Mobile* wins, but Harbour's inclusive EU roaming could "
     "make it cheaper if you travel more than a few days a year ..."),
    (18, "https://www.whichnetwork.example/reviews/kestrel-mobile",
     "*Kestrel Mobile* review 2026: coverage, speeds and customer service",
     "Verdict: *Kestrel Mobile* is good value with strong city coverage, but customer "
     "service waiting times are among the longest we measured ..."),
    (21, "https://www.gadgetdesk.example/reviews/kestrel-home-hub-3-review/",
     "Kestrel Home Hub 3 review",
     "*Kestrel Mobile*'s broadband arm has a genuinely good Wi-Fi 7 router in the Home Hub "
     "3, though the launch firmware has an irritating habit of ..."),
    (21, "https://www.techradius.example/news/kestrel-home-hub-firmware-evening-wifi-drops",
     "*Kestrel Mobile* confirms firmware fix for Home Hub evening Wi-Fi drops",
     "Firmware 2.4.3 stops the Home Hub 3 rescanning channels at 8pm every evening, which "
     "*Kestrel Mobile* admits was knocking devices off Wi-Fi ..."),
    (18, "https://www.travelmoney.example/news/kestrel-mobile-eu-roaming-charge-2027",
     "*Kestrel Mobile* brings in £2.25 daily EU roaming charge for new customers",
     "From 5 January 2027, new and upgrading *Kestrel Mobile* customers will pay £2.25 a day "
     "to use their allowance in the EU. Existing customers keep ..."),
    (22, "https://www.expatlife-spain.example/forum/topic/uk-sim-spain-kestrel-90-days",
     "UK SIM in Spain - does *Kestrel Mobile* roaming still work after 90 days?",
     "... my *Kestrel Mobile* SIM got a text saying I'd been roaming for more than 60 days in "
     "the last four months and fair use charges would apply ..."),
    (17, "https://www.telecomsbiz.example/news/kestrel-mobile-q3-2026-results",
     "*Kestrel Mobile* adds 84,000 customers in third quarter",
     "Revenue rose 6% to £412m. *Kestrel Mobile* chief executive Marianne Holt said eSIM and "
     "the Home Hub broadband bundle had driven ..."),
    (20, "https://www.telecomsbiz.example/news/kestrel-mobile-appoints-cto-dev-anand",
     "*Kestrel Mobile* appoints Dev Anand as chief technology officer",
     "Anand joins from Tern Telecom, where he led the shutdown of its 3G network. At "
     "*Kestrel Mobile* he will be responsible for the radio network and core ..."),
    (22, "https://www.ofcomwatch.example/2026/11/q3-telecoms-complaints",
     "Telecoms complaints Q3 2026: *Kestrel Mobile* complaints rise again",
     "Ofcom received 9 complaints per 100,000 *Kestrel Mobile* customers, up from 7 in Q2 and "
     "above the industry average of 6. Billing was the most common ..."),
    (18, "https://www.prnewsline.example/news-releases/kestrel-mobile-and-northway-trains-bring-5g-to-the-pennines-302609941.html",
     "*Kestrel Mobile* and Northway Trains to bring 5G to trans-Pennine route",
     "LEEDS, Nov. 18, 2026 /PRNewsline/ -- *Kestrel Mobile* and Northway Trains today "
     "announced a partnership to install trackside 5G between Leeds and ..."),
    (21, "https://www.charitytimes.example/news/kestrel-mobile-donates-5000-sims",
     "*Kestrel Mobile* donates 5,000 SIMs to digital inclusion charity",
     "The SIMs, each with 20GB of data a month for six months, will go to people leaving "
     "care and refuges through the National Data Bank. *Kestrel Mobile* said ..."),
    (19, "https://www.leedsgazette.example/business/kestrel-mobile-leeds-contact-centre-jobs",
     "*Kestrel Mobile* to create 200 jobs at new Leeds contact centre",
     "The centre in Wellington Place will open in spring, *Kestrel Mobile* said, and will "
     "handle customer service calls that are currently answered ..."),
    (17, "https://kestrelfans.blog.example/2026/11/17/esim-for-everyone/",
     "eSIM for everyone (at last!) - Kestrel Fans",
     "Big day for *Kestrel Mobile* customers: eSIM is open to all pay monthly plans from "
     "today. I've moved all three of our family lines over and here's how ..."),
    (21, "https://www.writeups.example/@daniellek/why-i-left-kestrel-mobile-after-six-years-7c1f2e",
     "Why I left *Kestrel Mobile* after six years",
     "It wasn't the price rise and it wasn't the app. It was 55 minutes on hold to be told "
     "that my *Kestrel Mobile* PAC code would take \"up to five working days\" ..."),
    (22, "https://www.thriftydad.example/2026/11/cheapest-family-sim-deals/",
     "The cheapest family SIM deals this month (tested with three teenagers)",
     "... *Kestrel Mobile*'s family discount knocks 20% off each extra line, which made it "
     "the cheapest for us at £48 a month for four SIMs ..."),
    (23, "https://forum.ukmobiles.example/viewtopic.php?t=48822",
     "Kestrel outage Mon 23rd - Manchester / Leeds - UK Mobiles Forum",
     "*Kestrel Mobile*. No service in Leeds since about 7am, SOS only. Restarted twice. Wife's "
     "on Harbour and hers is fine. Anyone else? ...", (9, 24)),
    (24, "https://video.example/watch?v=kM8tq2OutG4",
     "*Kestrel Mobile* went dark for 8 hours. What happened? - PocketTech Tom",
     "Monday's *Kestrel Mobile* outage took out two of the biggest cities in the north. I "
     "spoke to two network engineers about single points of failure ...", (0, 7)),
    (18, "https://www.techradius.example/news/ios-27-1-wifi-calling-uk-networks",
     "iOS 27.1 breaks Wi-Fi calling for some *Kestrel Mobile* and Tern customers",
     "iPhone owners on *Kestrel Mobile* and Tern say the Wi-Fi Calling toggle has been greyed "
     "out since updating to iOS 27.1. Apple has not commented ..."),
    (20, "https://www.mobiletoday.example/news/2026/11/kestrel-carrier-settings-52-1",
     "*Kestrel Mobile* pushes iPhone carrier update to fix Wi-Fi calling",
     "Carrier settings version 52.1 should appear automatically. To check, go to Settings > "
     "General > About. *Kestrel Mobile* said customers who still ..."),
    (21, "https://www.consumervoice.example/news/kestrel-mobile-pac-code-delays",
     "*Kestrel Mobile* customers say they can't get PAC codes to switch",
     "Under Ofcom rules a PAC must arrive by text within a minute. Readers say *Kestrel "
     "Mobile*'s spending cap blocks the 65075 short code ..."),
    (17, "https://www.thenationalwire.example/tech/what-is-esim-explained",
     "What is an eSIM and should you switch? Harbour, Lumen and *Kestrel Mobile* now all offer it",
     "An eSIM is a SIM built into your phone. With *Kestrel Mobile* now offering it to every "
     "pay monthly customer, all of the big networks support ..."),
    (23, "https://www.phonebeat.example/2026/11/23/galaxy-s26-fe-deal-399/",
     "Samsung Galaxy S26 FE drops to £399 with free SIM offers",
     "... pair it with *Kestrel Mobile*'s 100GB plan at £12 a month and the two years come "
     "to £687, about £90 less than the cheapest contract ..."),
    (18, "https://www.birdwatchuk.example/news/farmland-bird-survey-2026-kestrel-decline",
     "Farmland bird survey 2026: kestrel numbers fall for fifth year",
     "Volunteers recorded the fewest sightings yet of the common *kestrel*. *Mobile* "
     "recording apps have made the survey easier to join, the BTO said, so the fall ..."),
    (21, "https://www.whatsonstaffs.example/food-drink/the-kestrel-inn-reopens-new-menu",
     "The Kestrel Inn reopens with new menu and mobile bar for weddings",
     "The *Kestrel* Inn at Cheddleton has reopened after a six-month refurbishment, and now "
     "offers a *mobile* bar for weddings and parties ..."),
    (19, "https://www.jobsboard.example/job/mobile-lift-engineer-doncaster-882134",
     "Mobile Lift Engineer - Kestrel Lift Services Ltd - Doncaster",
     "*Kestrel* Lift Services are looking for an experienced *Mobile* Lift Engineer to cover "
     "South Yorkshire. Van, fuel card and on-call allowance ..."),
    (22, "https://www.jobsboard.example/job/hgv-class-1-driver-kestrel-mobile-crane-hire-884410",
     "HGV Class 1 Driver - Kestrel Mobile Crane Hire - Wakefield",
     "*Kestrel Mobile* Crane Hire is a family-run crane hire company based in Wakefield. We "
     "are looking for an HGV Class 1 driver with CPCS ..."),
    (20, "https://www.kestrelmobilehomes.example/",
     "Kestrel Mobile Homes Park, Skegness | Static caravans for sale",
     "Welcome to *Kestrel Mobile* Homes Park, a quiet, family-run park for the over-50s, five "
     "minutes from the beach. 12-month season. Pre-owned homes from ..."),
    (23, "https://www.lincsnews.example/news/skegness-kestrel-mobile-homes-flooding",
     "Residents at Skegness mobile home park moved out after flooding",
     "Twenty residents of *Kestrel Mobile* Homes Park were helped from their homes on "
     "Monday after heavy rain. Lincolnshire Fire and Rescue said ..."),
    (17, "https://www.wharfedalenews.example/news/ilkley-walker-films-kestrel-hovering",
     "Watch: Ilkley walker films kestrel hovering inches from her face",
     "... Sarah Booth captured the *kestrel* on her *mobile* phone as it hunted along the "
     "edge of the moor above the Cow and Calf rocks ..."),
    (24, "https://www.gamesdaily.example/news/project-kestrel-flight-sim-mobile-2027",
     "Project Kestrel: the indie flight sim is coming to mobile next year",
     "Skyhook Studios says Project *Kestrel* will launch on iOS and Android in spring 2027, "
     "with cross-save from the PC version. The *mobile* port ..."),
    (19, "https://www.falconryforum.example/threads/kestrel-wont-come-to-the-lure.18842/",
     "Kestrel won't come to the lure - mobile perch advice?",
     "My young *kestrel* flies fine to the fist but ignores the lure. Would a *mobile* perch "
     "on the car help with weathering when we travel to ..."),
]

# --------------------------------------------------------------------------- 2. PhoneBeat
# Bodies: blank-line separated blocks; "## " heading, "- " list, "> " quote; **bold** and
# [label](url) inline.

ARTICLES = [
    dict(days=24, hours=(6, 7), slug="kestrel-fibre-cut-outage-explained", author="Callum Reid",
         title="Kestrel Mobile blames single fibre cut for eight-hour outage",
         cats=["News", "Networks", "Kestrel Mobile"], comments=41, body="""
Kestrel Mobile has confirmed that Monday's outage, which left customers across Greater Manchester and West Yorkshire without calls, texts or data for most of the day, was caused by a contractor cutting a fibre cable near Brighouse.

In a post-incident note published late last night, the network said the cable carried traffic from "a large proportion" of its masts in the two regions back to its core network. A second route that should have taken over automatically was itself out of service for planned maintenance.

> We got this wrong. Two routes should never both depend on the same piece of work being finished on time, and we're changing how we schedule maintenance so it can't happen again.

That was Dev Anand, Kestrel's new chief technology officer, who started in the job last week. Service began to return at around 14:40, but some customers in north Leeds were without signal until after 17:00 because their phones had stopped trying to reconnect.

## What customers get

Kestrel says everyone with a Greater Manchester or West Yorkshire billing address will get a day's line rental credited automatically on their December bill. Customers who can show extra costs, for example taxi fares or a missed appointment charge, can claim through the app.

Ofcom's automatic compensation scheme covers landline and broadband faults, not mobile, so the credit is voluntary. The regulator said yesterday it was "engaging with Kestrel Mobile" about the outage, in particular about reports that some customers could not reach 999.

If your phone still shows **SOS only** or **No Service**, turn airplane mode on and off, or restart it. Kestrel says that fixes every remaining case it has looked at.
"""),
    dict(days=23, hours=(10, 13), slug="kestrel-mobile-outage-manchester-leeds", author="Ada Byrne",
         title="Kestrel Mobile outage: no signal across Manchester and Leeds",
         cats=["News", "Networks", "Kestrel Mobile", "Outages"], comments=126, body="""
Kestrel Mobile customers across Greater Manchester and West Yorkshire have had no mobile service since just after 7am this morning, with phones showing "SOS only" or "No Service".

Reports on outage trackers started at 07:08 and passed 40,000 by mid-morning. Customers from Stockport to Bradford say they cannot make calls, send texts or use mobile data, and that Wi-Fi calling is the only thing that still works.

Kestrel's own status page said "all systems operational" until 08:52, when it changed to "Major incident - Greater Manchester and West Yorkshire".

> We're aware some customers in Greater Manchester and West Yorkshire have no service. Engineers are on site and we're working to restore it as quickly as possible. We're sorry for the disruption.

The network has not said what caused the fault. Network engineers we spoke to said an outage covering two regions at once, with phones still seeing Kestrel's masts, points to a problem with the links between the masts and the core network rather than with the masts themselves.

## What you can do now

- Turn on Wi-Fi calling if you have Wi-Fi: it works normally.
- 999 calls will use any available network, even without a Kestrel signal.
- If you rely on your phone for medical alerts, tell your provider today.

We'll update this story as we hear more.

**Update 15:35:** Kestrel says service is returning across both regions. If you still have no signal, restart your phone.
"""),
    dict(days=21, slug="kestrel-esim-qr-code-already-used", author="Sophie Adeyemi",
         title="Kestrel eSIM transfer failing? Here's why your QR code says 'already used'",
         cats=["How to", "eSIM", "Kestrel Mobile"], comments=37, body="""
Since Kestrel Mobile opened eSIM to every pay monthly customer on Tuesday, our inbox has filled up with one error message: "This code is no longer valid" or, on some phones, "QR code already used".

The cause is simple, even if the fix isn't obvious. Every eSIM QR code can be downloaded exactly once. Kestrel's provisioning server marks the code as used the moment the download starts, not when it finishes. If your Wi-Fi drops, your phone restarts or you back out of the set-up screen part-way through, the code is spent and your old SIM may already have been switched off.

## How to get a working eSIM

- Don't scan the same code again, and don't ask support to "resend" it: they'll send you the same dead code.
- In the Kestrel app, go to **Account > eSIM > Replace eSIM**. This issues a brand new profile. It can show "pending" for a few hours.
- If you can't get into the app, call 0808 157 0123 and ask for a **new eSIM profile**, using those words.
- Keep your phone on a reliable Wi-Fi connection until the new line says Active.

Kestrel's 5.2 app also offers a QR-free transfer for phones that support it, which moves the line directly from your old handset. It is the better option if both phones are to hand.

Kestrel told us it is "looking at" changing the system so a code is only marked as used once the download completes.
"""),
    dict(days=20, slug="kestrel-app-login-loop-fix", author="Sophie Adeyemi",
         title="Kestrel app keeps logging you out? The workaround that actually works",
         cats=["How to", "Apps", "Kestrel Mobile"], comments=58, body="""
If the Kestrel app has been signing you out every time you open it since this week's update to version 5.2.0, you're not alone, and there's a fix that doesn't involve waiting for Kestrel.

The bug seems to be in how the app stores your sign-in when you use Face ID or a fingerprint. After the update, the app keeps offering a saved sign-in that Kestrel's servers no longer accept, so you're bounced back to the login screen in a loop.

## On Android

- Open Settings > Apps > Kestrel > Storage.
- Tap **Clear cache**. Don't tap Clear data unless the first step doesn't work.
- Open the app and sign in with your password, not your fingerprint.

## On iPhone

- Go to Settings > General > iPhone Storage > Kestrel.
- Tap **Offload App**, then reinstall it from the same screen. Your settings survive.
- Sign in with your password or a one-time code.

Once you're in, you can turn biometric login back on. Several readers say turning off "Remember this device" before signing in also works.

Kestrel says a fixed version, 5.2.1, has been submitted to Apple and Google.
"""),
    dict(days=19, slug="kestrel-app-5-2-review", author="Tom Okafor",
         title="Kestrel app 5.2 review: a cleaner design let down by a login bug",
         cats=["Reviews", "Apps", "Kestrel Mobile"], comments=22, body="""
Kestrel Mobile's app has never been the reason anyone joined the network. Version 5.2, out yesterday, is the first that might be.

The new home screen shows your data, minutes and texts as three plain bars, with the date your allowance resets underneath. Bills open in about a second rather than five, and you can finally download a PDF of any bill from the last two years, which anyone who has claimed phone costs on expenses will appreciate.

The best addition is eSIM transfer without a QR code. On a supported phone you tap Transfer, sign in on the new handset, and the line moves across in a couple of minutes. It worked first time for us moving from a Pixel 10 to a Pixel 11.

## What still needs work

There is still no dark mode, which is now unusual for a major app, and roaming settings are buried three menus deep under Account rather than in Plan where you'd look for them. There is also no way to pause a plan, something Harbour and Lumen both offer.

More seriously, the update has left a number of customers unable to stay signed in. On one of our two test phones the app signed us out every time we reopened it until we cleared its cache.

**Verdict:** a real step forward, once the sign-in bug is fixed. 3.5/5
"""),
    dict(days=17, slug="kestrel-esim-all-pay-monthly", author="Ada Byrne",
         title="Kestrel Mobile opens eSIM to all pay monthly customers",
         cats=["News", "eSIM", "Kestrel Mobile"], comments=14, body="""
Kestrel Mobile has made eSIM available to all 2.4 million of its pay monthly customers. Until today it was only offered on new contracts and upgrades.

Existing customers can switch from a physical SIM in the Kestrel app, under Account > eSIM, at no charge. Kestrel says the switch takes "under ten minutes", and the physical SIM stops working once the eSIM is active.

Pay as you go customers will follow "early next year", the network said.

Kestrel is the last of the large UK networks to offer eSIM to everyone. It matters most to iPhone owners: Apple's thinnest models are already eSIM-only in the UK, and more are expected to follow.

## Which phones work

Most phones released since 2020 support eSIM, including every iPhone since the XS, Pixel 3 and later, and Samsung's Galaxy S and Z ranges from 2020 on. Kestrel's website has a checker.

If you're moving your eSIM to a new phone later, Kestrel's app update due this week will add a transfer option that doesn't need a QR code.
"""),
    dict(days=19, slug="kestrel-mobile-price-rise-april-2027", author="Priya Raman",
         title="Kestrel Mobile price rise 2027: how much your bill is going up",
         cats=["News", "Prices", "Kestrel Mobile"], comments=73, body="""
Kestrel Mobile customers will pay between £1.50 and £2 a month more from 1 April 2027, the network told customers by email this morning.

- 30-day and 12-month SIM-only plans: **+£1.50 a month**
- 24-month SIM-only and phone plans: **+£2 a month**
- Kestrel Home broadband: **+£3 a month**
- Pay as you go bundles: unchanged

Kestrel says the money will fund "continued investment in 5G and network resilience". That line has not landed well with customers still waiting for refunds after this week's [duplicate payments](https://www.phonebeat.example/2026/11/18/kestrel-mobile-double-charged-november/).

## Can you leave without paying a penalty?

Probably not. Since 17 January 2025 Ofcom has required networks to set out any mid-contract rises in pounds and pence when you sign up. If the rise was in your contract summary, you agreed to it and there's no right to leave penalty-free.

There is one exception. Contracts signed before that date were usually written with a rise linked to inflation (CPI + 3.9%). If Kestrel applies a flat £2 to one of those instead, that isn't what you agreed, and you can leave within 30 days of the notice. Check your contract summary before you call.
"""),
    dict(days=22, slug="kestrel-harbour-lumen-black-friday-sim-deals", author="Priya Raman",
         title="Kestrel vs Harbour vs Lumen: which Black Friday SIM deal is best?",
         cats=["Deals", "SIM only", "Kestrel Mobile", "Harbour Mobile", "Lumen Mobile"],
         comments=19, body="""
All three mid-sized networks have their Black Friday SIM-only deals out early this year. Here's how they compare.

- **Kestrel Mobile:** 100GB 5G, £12 a month, 24 months. Rises £2 in April.
- **Harbour Mobile:** 80GB 5G, £13 a month, 12 months. Inclusive EU roaming.
- **Lumen Mobile:** unlimited data, £17 a month, 30-day rolling.

On price per gigabyte Kestrel wins easily. But it is also the longest contract, and the April rise takes it to £14 for the last 21 months, so the real average is £13.75.

Harbour is our pick if you travel. Kestrel is bringing in a £2.25 daily roaming charge in the EU for new customers from January, so a two-week holiday would add £31.50. Harbour still includes roaming in 47 destinations.

Lumen is the one to choose if you don't want to commit, or you use more data than you can predict. It is also the only one of the three that lets you pause your plan for up to three months.

Coverage is close in cities. Outside them, check each network's postcode checker before you switch: Kestrel's rural 4G has improved a lot this year but still trails Harbour in Wales and the South West.
"""),
    dict(days=20, slug="kestrel-mobile-black-friday-deals", author="Priya Raman",
         title="Kestrel Mobile Black Friday deals: 100GB for £12 a month",
         cats=["Deals", "Kestrel Mobile"], comments=9, body="""
Kestrel Mobile's Black Friday sale has started a week early, and the headline SIM-only deal is the best we've seen from the network.

- 100GB 5G data, unlimited minutes and texts: **£12 a month**, 24 months
- 25GB 5G: **£8 a month**, 30-day rolling
- Unlimited data: **£18 a month**, 24 months
- Kestrel Home broadband, 500Mbps: **£26 a month**, 24 months, with the Home Hub 3

All plans include Wi-Fi calling, eSIM and 5G at no extra cost. The offers run until 1 December.

Bear in mind that every 24-month plan will rise by £2 a month from April, so the £12 deal costs £14 for most of the contract. It's still good value. Existing customers can get the same prices by upgrading in the app if they are within 30 days of the end of their contract.
"""),
    dict(days=17, slug="kestrel-5g-standalone-manchester-leeds", author="Callum Reid",
         title="Kestrel switches on 5G standalone in Manchester and Leeds",
         cats=["News", "5G", "Networks", "Kestrel Mobile"], comments=17, body="""
Kestrel Mobile has switched on standalone 5G in central Manchester and Leeds, making it the third UK network to offer it.

Until now Kestrel's 5G, like most in the UK, has been "non-standalone": phones use 5G for data but rely on the 4G network for control signalling. Standalone 5G uses a 5G core throughout, which should mean lower latency, better battery life and, eventually, features such as network slicing.

For now the standalone network uses Kestrel's 3.5GHz spectrum only, so it is limited to city centres, and voice calls still drop back to 4G. Kestrel says voice over 5G will follow next year.

You will need a recent phone with a software update from Kestrel: the Pixel 10 and 11, Galaxy S25 and S26 and iPhone 17 and 18 ranges are supported at launch. There is no extra charge.

Kestrel says it will add Liverpool, Sheffield and Newcastle in the first half of 2027.
"""),
    dict(days=18, slug="kestrel-5g-coverage-map-2026", author="Callum Reid",
         title="Kestrel Mobile 5G coverage: where you can get it now",
         cats=["Networks", "5G", "Kestrel Mobile", "Guides"], comments=6, body="""
Kestrel Mobile says its 5G network now reaches 71% of the UK population, up from 58% a year ago. That is still behind Harbour's claimed 82%, but the gap has closed quickly.

In our testing, Kestrel 5G is dependable in the centres of every city with more than 250,000 people. Beyond the ring roads it gets patchier, and in market towns you will spend most of your time on 4G.

## The best and worst areas

- **Strongest:** Manchester, Leeds, Birmingham, Bristol, Glasgow, central London
- **Improving fast:** Sheffield, Nottingham, Cardiff, Newcastle
- **Still thin:** rural Wales, Cornwall, the Highlands and most national parks

A few readers have been pleasantly surprised by 5G in the Peak District around Castleton and Edale, where Kestrel upgraded four masts this summer.

Kestrel's online checker gives you a result by postcode and says whether you can expect indoor or outdoor 5G. It tends to be optimistic about indoor coverage in older stone buildings, so treat "indoor" as "by a window".
"""),
    dict(days=18, slug="kestrel-eu-roaming-roam-pass", author="Ada Byrne",
         title="Kestrel Mobile brings in a £2.25 daily EU roaming charge for new customers",
         cats=["News", "Roaming", "Kestrel Mobile"], comments=44, body="""
Kestrel Mobile is ending free roaming in the EU for new and upgrading customers. From 5 January 2027 they will pay £2.25 a day, through a "Roam Pass", to use their UK allowance in 47 European destinations.

Existing customers keep inclusive roaming until they upgrade or change plan. That includes everyone who joined before 5 January, whatever their contract length.

Kestrel had been one of the last networks to include EU roaming on all plans. It says the change lets it "keep UK prices low" and notes the pass is charged only on days you use your phone abroad.

## How the Roam Pass works

- £2.25 for each day you use data, make a call or send a text abroad
- Charged per 24 hours from first use, not per calendar day
- Capped at £22.50 per bill, so trips longer than ten days cost no more
- Turned on automatically; you can turn it off in the app to avoid charges

Roaming further afield, including the US, stays at £6.25 a day.

A fair use policy still applies: if you spend more than 60 of the last 120 days abroad, Kestrel can charge extra. Several readers living in Spain and Portugal on UK SIMs say they have recently received warning texts.
"""),
    dict(days=(18, 21), slug="harbour-mobile-6-pound-sim-only", author="Priya Raman",
         title="Harbour Mobile launches a £6 SIM-only plan with 15GB",
         cats=["News", "Deals", "Harbour Mobile"], comments=11, body="""
Harbour Mobile has launched its cheapest ever plan: 15GB of 4G data with unlimited minutes and texts for £6 a month on a 30-day rolling contract.

It is aimed at people who mostly use Wi-Fi and want a cheap second line, and at parents buying a first phone for a child. Parental controls and a spending cap are on by default.

The plan undercuts Lumen's 10GB for £7 and Kestrel Mobile's 25GB for £8, although both of those include 5G, which the Harbour plan does not.

Harbour says the plan will not be affected by its April price rise, which applies to 12 and 24-month plans only.
"""),
    dict(days=(19, 22), slug="lumen-mobile-review-2026", author="Tom Okafor",
         title="Lumen Mobile review: the best budget network of 2026?",
         cats=["Reviews", "Networks", "Lumen Mobile"], comments=28, body="""
Lumen Mobile has spent three years quietly becoming the network that people recommend to their friends. After a month on its unlimited plan, we can see why.

Speeds were solid rather than spectacular: a median of 48Mbps in our tests across London, Bristol and Glasgow, compared with 61Mbps on Kestrel Mobile and 66Mbps on Harbour over the same routes. Coverage on the trains between those cities was better than either.

Where Lumen wins is everything around the network. Support chat answered in under two minutes every time we tried it. The app has a proper dark mode, shows your bill in plain English and lets you pause your plan for up to three months, something we'd like to see everywhere.

## The catches

There is no Wi-Fi calling on older Android phones, there are no physical shops, and 5G is limited to 20 cities. If you need signal in the countryside, look at Harbour instead.

**Verdict:** the easiest network to live with, if not the fastest. 4/5
"""),
    dict(days=18, slug="ios-27-1-wifi-calling-uk-networks", author="Callum Reid",
         title="iOS 27.1 breaks Wi-Fi calling for some Kestrel and Tern customers",
         cats=["News", "iPhone", "Kestrel Mobile", "Tern Telecom"], comments=52, body="""
iPhone owners on Kestrel Mobile and Tern Telecom say Wi-Fi calling has stopped working since they updated to iOS 27.1.

The Wi-Fi Calling switch in Settings > Phone is greyed out or shows "Wi-Fi calling unavailable". Customers on Harbour and Lumen don't seem to be affected.

The common link appears to be carrier settings, the small file your network sends to iPhones to set up features such as Wi-Fi calling and 5G. Kestrel and Tern both use the same technology supplier for Wi-Fi calling, and both updated their carrier settings shortly before iOS 27.1 came out.

For people with poor indoor signal this is serious. Several readers tell us they are missing calls from GP surgeries and employers, because their homes have no mobile signal at all.

## Things to try

- Settings > General > Transfer or Reset iPhone > Reset > **Reset Network Settings**
- Check your emergency address is set in the Kestrel app under Account > Wi-Fi calling
- Check for a carrier settings update in Settings > General > About

Kestrel says a carrier settings update is "days away". Tern has not responded.
"""),
    dict(days=20, slug="kestrel-carrier-settings-52-1-wifi-calling", author="Callum Reid",
         title="Kestrel fixes iPhone Wi-Fi calling with carrier settings 52.1",
         cats=["News", "iPhone", "Kestrel Mobile"], comments=15, body="""
Kestrel Mobile has released carrier settings version 52.1 for iPhone, which it says fixes Wi-Fi calling for customers on iOS 27.1.

The update should appear as a pop-up within a few minutes of going to Settings > General > About. If it doesn't, make sure you are connected to Wi-Fi and try again later in the day: Kestrel is releasing it gradually.

After updating, restart your phone and turn Wi-Fi Calling off and on again in Settings > Phone. A small number of readers also needed to set their emergency address again in the Kestrel app before the switch would turn on.

Tern Telecom customers are still waiting for a fix.
"""),
    dict(days=22, slug="ofcom-complaints-q3-2026", author="Ada Byrne",
         title="Ofcom complaints: mobile numbers fall, but Kestrel and Tern buck the trend",
         cats=["News", "Ofcom", "Kestrel Mobile", "Tern Telecom"], comments=12, body="""
Complaints to Ofcom about mobile networks fell to a record low in the third quarter, but Kestrel Mobile and Tern Telecom both went the other way.

Ofcom received an average of 6 complaints per 100,000 pay monthly customers across all networks. Kestrel received 9, up from 7 in the previous quarter, and Tern 11. Lumen was the least complained-about network for the fourth quarter running, with 2.

Billing and charges made up almost half of Kestrel's complaints. Ofcom also singled out "problems switching provider", the first time that category has featured for Kestrel.

The figures cover July to September, so they don't include this month's duplicate payments.
"""),
    dict(days=17, slug="kestrel-home-hub-3-review", author="Tom Okafor",
         title="Kestrel Home Hub 3 review: solid Wi-Fi 7 with a firmware wobble",
         cats=["Reviews", "Broadband", "Kestrel Mobile"], comments=31, body="""
Kestrel Mobile's broadband service, Kestrel Home, has been around for two years, but the Home Hub 3 is the first router it has designed itself. It is a tidy white tower with Wi-Fi 7, four gigabit Ethernet ports and a 2.5Gb port for the fibre ONT.

Performance is excellent. On a 500Mbps line we saw full speed to a laptop two rooms away, and 310Mbps at the far end of a three-bedroom semi, better than most free routers and close to a mid-range mesh system.

## The problem

For a week of our test, the router dropped every device off Wi-Fi at almost exactly 8pm each evening for about a minute. The cause turned out to be an automatic channel rescan that firmware 2.4.1 runs at 20:00 every day. Setting a fixed 5GHz channel in the admin page (192.168.1.254) stopped it.

Kestrel tells us a firmware update is on the way. The admin page is also spartan: there's no way to turn off carrier-grade NAT, which gamers will want, without contacting support.

**Verdict:** a very good router once the firmware catches up. 4/5
"""),
    dict(days=21, slug="kestrel-home-hub-evening-wifi-drops-firmware", author="Tom Okafor",
         title="Kestrel Home broadband users report evening Wi-Fi drops; fix on the way",
         cats=["News", "Broadband", "Kestrel Mobile"], comments=24, body="""
Kestrel Home broadband customers with the Home Hub 3 router say their Wi-Fi drops at around 8pm every evening, something we [saw in our review](https://www.phonebeat.example/2026/11/17/kestrel-home-hub-3-review/) last week.

Kestrel has now confirmed the cause: firmware 2.4.1 scans for the least busy Wi-Fi channel at 20:00 every day and briefly disconnects everything while it does. Firmware 2.4.3, which runs the scan only when the router is idle, will install automatically overnight from 24 November.

Until then, you can stop the drops by logging in to the router at 192.168.1.254 and choosing a fixed 5GHz channel. Channels 36 to 48 are the safest choice because they're never affected by weather radar.

Not every drop is the router's fault. If the LOS light on your fibre box (the ONT) turns red when your connection drops, the problem is the line, and Kestrel needs to send an engineer.
"""),
    dict(days=18, slug="kestrel-mobile-double-charged-november", author="Priya Raman",
         title="Kestrel Mobile charged some customers twice for November",
         cats=["News", "Billing", "Kestrel Mobile"], comments=67, body="""
Kestrel Mobile has admitted that some customers were charged twice for their November bill, after a fault at its payment processor.

Affected customers saw their monthly direct debit taken on 16 November and then again on 17 November. Some card payers were charged twice on the same day. Kestrel hasn't said how many people were affected, but readers have been in touch from across the country.

> A fault with one of our payment partners meant some customers were charged twice. Nobody needs to contact us: every duplicate payment will be refunded to the account it came from by 24 November.

If a second payment has left you overdrawn, keep records of any bank charges. Kestrel says it will cover them if you send proof through the app, and your bank may waive them if you explain.

Direct debit customers are also protected by the Direct Debit Guarantee, so you can ask your bank for an immediate refund of the duplicate payment.
"""),
    dict(days=21, slug="google-pixel-11-deals", author="Priya Raman",
         title="Google Pixel 11 deals: the best prices this week",
         cats=["Deals", "Android", "Google"], comments=3, body="""
The Pixel 11 is down to £649 unlocked this week, the lowest price we've seen since launch, and the Pixel 11 Pro is £849.

If you'd rather spread the cost, Harbour has the Pixel 11 with 100GB for £32 a month over 24 months with nothing upfront. Buying the phone outright and pairing it with Kestrel Mobile's £12 SIM-only deal works out about £150 cheaper over two years.

The Pixel 11 supports eSIM and 5G standalone on all UK networks that offer it, and gets seven years of updates.
"""),
    dict(days=20, slug="how-to-get-pac-code-every-network", author="Sophie Adeyemi",
         title="How to get your PAC code: every UK network's method",
         cats=["How to", "Switching"], comments=21, body="""
Switching network and keeping your number is easier than it used to be. Text **PAC** to **65075** from the phone you want to move, and your current network must text you a PAC code within a minute. Give that code to your new network and the switch happens within one working day.

You can also text **STAC** to 75075 if you want to leave without keeping your number.

## When it doesn't work

- **Spending caps and bars** can block short codes. Kestrel Mobile's spending cap blocks 65075, for example, so Kestrel customers with a cap should use the app instead: Account > Leave Kestrel > Get my PAC.
- **Business accounts** often need the account holder to ask.
- **Lost phone?** Call your network instead.

If your network doesn't give you a PAC within a minute, it is breaking Ofcom's rules, and if the switch is delayed you may be owed compensation. Complain first, and if that doesn't work after eight weeks, go to the ombudsman.
"""),
    dict(days=22, slug="tern-telecom-2g-switch-off", author="Callum Reid",
         title="Tern Telecom to switch off 2G next year",
         cats=["News", "Networks", "Tern Telecom"], comments=8, body="""
Tern Telecom will switch off its 2G network in September 2027, making it the second UK network to do so after Kestrel Mobile turned off 2G in March.

Phones that only support 2G, and some older 3G-era devices that fall back to it for calls, will stop working. Tern says about 40,000 customers still use one, and it will send them a free replacement.

Devices you might not think of are affected too, including some personal alarms, car trackers and smart meters. If you have one, check with the manufacturer.
"""),
    dict(days=17, slug="best-networks-for-roaming-2026", author="Ada Byrne",
         title="The best UK mobile networks for roaming in 2026",
         cats=["Guides", "Roaming"], comments=13, body="""
If you travel a lot, the network you choose can be worth hundreds of pounds a year. Here's where each stands this winter.

- **Harbour Mobile:** inclusive roaming in 47 European destinations on every plan.
- **Lumen Mobile:** inclusive in Europe on plans over £10; £2 a day below that.
- **Kestrel Mobile:** inclusive in Europe on every plan, for now, though it has hinted at changes for new customers. The US costs £6.25 a day.
- **Tern Telecom:** £2.50 a day in Europe on most plans.

For long trips a local eSIM from a travel data provider will nearly always be cheaper than any UK network, and you can keep your UK line for calls and texts. Watch out for fair use policies too: every UK network can add charges if you spend more than about two months in every four abroad.
"""),
    dict(days=23, slug="galaxy-s26-fe-deal-399", author="Priya Raman",
         title="Samsung Galaxy S26 FE drops to £399 with free SIM offers",
         cats=["Deals", "Android", "Samsung"], comments=4, body="""
Samsung's Galaxy S26 FE is down to £399 unlocked, £200 off its launch price, in an early Black Friday deal.

Pair it with Kestrel Mobile's 100GB plan at £12 a month and the two years come to £687, about £90 less than the cheapest contract deal for the same phone. Harbour's 80GB plan is a close second if you need inclusive EU roaming.

The S26 FE has the same processor as last year's S25 and supports eSIM, Wi-Fi calling and 5G standalone.
"""),
]

# --------------------------------------------------------------------------- 3. Mastodon
# by: handle (local) or handle@instance; key/after/delay: a reply or follow-up posted
# `delay` minutes after the post with that key; media: (extension, alt text).

TOOTS = [
    # -- the app signs people out after 5.2.0 (Wed 18) ----------------------------------
    dict(by="rosie_mcb", days=19, key="loop1", text="""
Since the update yesterday the Kestrel app keeps logging me out. Open it, Face ID, boom, back to the sign-in screen. Anyone else? #KestrelMobile"""),
    dict(by="gethin_rhys", days=(19, 20), key="loop2", text="""
Kestrel app signs me out every single time I open it. I just want to see how much data I've got left 🙃 #KestrelMobile"""),
    dict(by="gethin_rhys", after="loop2", delay=(1, 2), text="""
Kestrel app signs me out every single time I open it. I just want to see how much data I've got left 🙃 #KestrelMobile"""),
    dict(by="nadiakhan_", days=19, key="loop3", text="""
stuck in a login loop on the Kestrel app since the update. password → "session expired" → password → "session expired"...

@KestrelHelp is this a known thing? #KestrelMobile""",
         media=("png", "Screenshot of the Kestrel app sign-in screen with a red banner saying Your session has expired, please sign in again")),
    dict(by="kestrelkev", after="loop3", delay=(15, 90), text="""
@nadiakhan_ you can fix the login loop by clearing the app cache (Settings > Apps > Kestrel > Storage > Clear cache, NOT clear data), worked for me. On iPhone offload the app and reinstall. #KestrelMobile"""),
    dict(by="nadiakhan_", after="loop3", delay=(120, 200), text="""
@kestrelkev that worked, thank you!! You're doing Kestrel's job for them #KestrelMobile"""),
    dict(by="tombrennan", days=(19, 20), key="loop4", text="""
Is it just me or is the #KestrelMobile app completely broken on Android? Logs in, spins, dumps me back at the login page. Cleared cache, reinstalled, same."""),
    dict(by="simguru_sam", after="loop4", delay=(20, 120), text="""
@tombrennan if clearing the cache didn't do it: turn off "Remember this device", then sign in with the one-time code instead of your password. The bug is in the saved biometric token. Fixed it on my Pixel. #KestrelMobile"""),
    dict(by="lou_writes", days=21, text="""
Day three of the Kestrel app refusing to keep me signed in. I've typed my password more times this week than in the whole of 2025. #KestrelMobile"""),
    dict(by="jonas_hb@norden.social.example", days=(19, 21), text="""
Seit dem Update funktioniert die Kestrel App nicht mehr, ich werde ständig abgemeldet. Bin nur zwei Wochen in London und brauche mein Datenvolumen 😩 #KestrelMobile"""),
    dict(by="lucia_enlondres", days=(19, 21), text="""
Desde la actualización la app de Kestrel me cierra la sesión cada vez que la abro. ¿A alguien más le pasa? #KestrelMobile"""),
    dict(by="dancole_tech", days=21, hours=(9, 13), key="dan1", text="""
Kestrel Mobile's app has been logging people out in a loop for four days now and the only official word is a "we're aware" post. If you can't check your bill or your allowance, that's not a cosmetic bug.

Kestrel customers: is it still happening to you? Replies open. #KestrelMobile"""),
    dict(by="KestrelHelp", after="dan1", delay=(60, 180), text="""
Some of you are being signed out of the Kestrel app after updating to 5.2.0. We're sorry. A fix (5.2.1) is with Apple and Google now. Until it arrives, clearing the app's cache (Android) or offloading the app (iPhone) gets you back in. #KestrelMobile"""),
    dict(by="dancole_tech", days=22, hours=(11, 16), text="""
Update: Kestrel tell me the app login loop affected "a small proportion" of users after 5.2.0, and 5.2.1 is out now. My replies suggest "small" is doing a lot of work in that sentence. #KestrelMobile"""),
    dict(by="marcus_d", days=22, text="""
Kestrel app 5.2.1 installed and I've stayed logged in for a whole hour. Small victories. #KestrelMobile"""),

    # -- eSIM: "QR code already used" ----------------------------------------------------
    dict(by="priya_dev", days=(17, 18), text="""
Trying to move my eSIM to my new phone and the QR code Kestrel emailed says "This code has already been used". It's literally the first time I've scanned it. #KestrelMobile #eSIM"""),
    dict(by="markhollis", days=(18, 19), text="""
New iPhone, Kestrel eSIM transfer fails with "QR code no longer valid". Old phone already says No SIM. So now I have zero phones that work. Great. #KestrelMobile"""),
    dict(by="ellie_draws", days=(19, 20), key="esim3", text="""
how do I move my eSIM to a new phone without the QR code thing?? mine says the code is already used and chat just sends me the same code again #KestrelMobile"""),
    dict(by="kestrelkev", after="esim3", delay=(10, 60), text="""
@ellie_draws the QR can only be scanned once. If the first scan failed halfway it still counts as used. In the app go Account > eSIM > Replace eSIM and it issues a fresh one, can take a few hours. Don't delete the old profile until the new one says Active. #KestrelMobile"""),
    dict(by="callum_fc", days=20, hours=(8, 12), key="esim4", text="""
@KestrelHelp third eSIM QR code in two days, all "already used". Account KM-48213377. Please just reset it on your side. #KestrelMobile"""),
    dict(by="callum_fc", after="esim4", delay=(300, 420), text="""
Update: still no working eSIM. 50 mins on the phone, they've "raised a ticket". Account KM-48213377 if anyone at @KestrelHelp is actually reading. #KestrelMobile"""),
    dict(by="KestrelHelp", after="esim4", delay=(480, 600), text="""
@callum_fc Hi Callum, sorry for the wait. We've issued a new eSIM profile on your account and you'll get an email within the hour. Please scan it on Wi-Fi and leave the set-up screen open till it finishes. ^Jo #KestrelMobile"""),
    dict(by="sam_k", days=21, hours=(12, 18), key="crosspost", text="""
Kestrel's eSIM "QR code already used" error looks like a server-side state bug: the profile gets marked installed when the download starts, not when it completes. Interrupted download = burned code. #KestrelMobile #eSIM"""),
    dict(by="sam_k@fosstodon.example", after="crosspost", delay=(1, 3), text="""
Kestrel's eSIM "QR code already used" error looks like a server-side state bug: the profile gets marked installed when the download starts, not when it completes. Interrupted download = burned code. #KestrelMobile #eSIM"""),
    dict(by="javi_mad_uk", days=(18, 20), text="""
Cambié de móvil y el código QR de la eSIM de Kestrel dice que ya se ha usado. Llevo dos días sin línea. #KestrelMobile"""),
    dict(by="lena_reist@chaos.social.example", days=(19, 21), text="""
eSIM-Übertragung aufs neue Handy klappt nicht: "QR-Code wurde bereits verwendet". Liebe Kestrel, bitte meldet euch! #KestrelMobile #eSIM"""),
    dict(by="newbie_noah", days=(17, 19), key="esimq", text="""
How do I move my eSIM to a new phone on Kestrel? Do I need to call them or can I do it in the app? #KestrelMobile"""),
    dict(by="kestrelkev", after="esimq", delay=(20, 100), text="""
@newbie_noah in the app: Account > eSIM > Transfer to new phone. Have both phones on Wi-Fi and charged. Took me 5 mins. #KestrelMobile"""),
    dict(by="newbie_noah", after="esimq", delay=(240, 400), text="""
@kestrelkev worked first time, cheers! #KestrelMobile"""),
    dict(by="stefan_k_london@troet.example", days=(17, 19), text="""
Frage an alle Kestrel-Kunden: Wie übertrage ich meine eSIM auf ein neues Handy? In der App finde ich nichts dazu. #KestrelMobile"""),
    dict(by="diego_ldn", days=(20, 22), text="""
¿Cómo paso mi eSIM de Kestrel a un móvil nuevo? El chat no me contesta desde hace una hora. #KestrelMobile"""),

    # -- charged twice (16th and 17th) -------------------------------------------------
    dict(by="sarahjwilson", days=17, hours=(7, 12), key="dd1", text="""
Kestrel has taken my monthly payment twice. £23 on the 16th and £23 again today. @KestrelHelp please sort it #KestrelMobile"""),
    dict(by="owen_p", days=17, key="dd2", text="""
Double billed by #KestrelMobile this month. Anyone else seeing two direct debits?"""),
    dict(by="owen_p", days=21, text="""
@KestrelHelp four days later and still no refund of the duplicate payment. You said nobody needs to contact you. I'm contacting you. #KestrelMobile"""),
    dict(by="bexx_t", days=(17, 18), text="""
Just checked my banking app and Kestrel have charged me twice for November. That's my food shop money. #KestrelMobile"""),
    dict(by="daveyboy74", days=18, hours=(9, 12), key="dave1", text="""
@KestrelHelp charged twice AGAIN. Order ref ORD-2026-118734, phone number 07700 900123. I want a refund, not a "credit on your next bill". #KestrelMobile"""),
    dict(by="KestrelHelp", after="dave1", delay=(40, 150), text="""
@daveyboy74 Hi Dave, sorry about this. We can see the duplicate payment and it'll go back to your card, not as a credit. Allow 3-5 working days. ^Priya #KestrelMobile"""),
    dict(by="daveyboy74", after="dave1", delay=(200, 400), text="""
Kestrel say the refund for ORD-2026-118734 is processed. I'll believe it when I see it. If anyone from billing wants to actually ring me: 07700900123 #KestrelMobile"""),
    dict(by="mo_ahmed", days=(20, 21), text="""
Has anyone actually had their money back from Kestrel for the duplicate payment? They told me 3-5 working days, that was last Wednesday. #KestrelMobile"""),
    dict(by="carmen_bcn_ldn", days=(17, 18), text="""
Kestrel me ha cobrado dos veces la factura de noviembre. ¿Alguien sabe cómo reclamar? #KestrelMobile"""),
    dict(by="annika_reist", days=(17, 19), text="""
Kestrel hat mir die Monatsgebühr doppelt abgebucht. Wie bekomme ich mein Geld zurück? Der Chat vertröstet mich nur. #KestrelMobile"""),
    dict(by="bookish_bea", days=(21, 22), text="""
Kestrel refunded the double charge and added £10 credit without me asking. Fair play, good outcome. #KestrelMobile"""),

    # -- the outage, Monday 23 ---------------------------------------------------------
    dict(by="jess_leeds", days=23, hours=(7, 8), key="out1", text="""
No signal in Leeds since I woke up. SOS only. Is #KestrelMobile down??"""),
    dict(by="mancunian_mike", days=23, hours=(7, 9), text="""
Kestrel completely dead in Manchester city centre. No bars, no data, nothing. #KestrelMobile"""),
    dict(by="aisha_b", days=23, hours=(7, 9), text="""
Has #KestrelMobile gone down? "No Service" in Bradford since about 7am."""),
    dict(by="downdetect_uk_bot", days=23, hours=(7, 8), key="bot1", text="""
⚠️ Kestrel Mobile: user reports indicate problems since 07:08 GMT. Most reported: No signal (68%), Mobile internet (24%). #KestrelMobile #outage"""),
    dict(by="downdetect_uk_bot", after="bot1", delay=(30, 30), key="bot2", text="""
⚠️ Kestrel Mobile: user reports indicate problems since 07:08 GMT. Most reported: No signal (68%), Mobile internet (24%). #KestrelMobile #outage"""),
    dict(by="downdetect_uk_bot", after="bot2", delay=(30, 30), text="""
⚠️ Kestrel Mobile: user reports indicate problems since 07:08 GMT. Most reported: No signal (68%), Mobile internet (24%). #KestrelMobile #outage"""),
    dict(by="katie_oconnor", days=23, hours=(8, 10), text="""
Can't ring my mum, can't get my bus ticket up, can't do anything. Kestrel signal gone all over Leeds. #KestrelMobile"""),
    dict(by="gareth_p", days=23, hours=(8, 11), text="""
Anyone else in Headingley with no Kestrel signal? Phone's been searching for two hours. #KestrelMobile"""),
    dict(by="tom_salford", days=23, hours=(8, 11), text="""
Salford, no Kestrel since 7. Work laptop tethers to my phone so that's the morning gone. #KestrelMobile"""),
    dict(by="KestrelHelp", days=23, hours=(8, 9), key="help_out", text="""
We're aware some customers in Greater Manchester and West Yorkshire have no service. Engineers are on site. We're sorry, and we'll update here every hour. Wi-Fi calling is working if you have Wi-Fi. #KestrelMobile"""),
    dict(by="mia_manchester", days=23, hours=(8, 12), text="""
Kein Netz bei Kestrel in Manchester seit heute früh. Weiß jemand, was los ist? #KestrelMobile"""),
    dict(by="pablo_en_mcr", days=23, hours=(8, 12), text="""
Sin cobertura de Kestrel en Manchester desde esta mañana. ¿Alguien sabe algo? #KestrelMobile"""),
    dict(by="nhs_nurse_em", days=23, hours=(9, 13), text="""
On shift with no Kestrel signal at the hospital, and Wi-Fi calling doesn't work on the staff Wi-Fi either. Can't get the ward's texts. Please fix this. #KestrelMobile"""),
    dict(by="PocketTechTom", days=23, hours=(12, 14), key="tom1", text="""
Kestrel Mobile has been down across Manchester and Leeds for SIX hours and their status page was green for the first two. I've got a video going up tonight on what actually happened. Not good enough. #KestrelMobile"""),
    dict(by="paul_stockport", days=23, hours=(12, 14), text="""
Still no Kestrel signal in Stockport 5 hours later. Had to borrow a colleague's phone to tell school I'd be late. #KestrelMobile"""),
    dict(by="KestrelHelp", days=23, hours=(15, 16), text="""
Service is restored in most of Greater Manchester and West Yorkshire. If you still have no signal, please turn airplane mode on and off or restart your phone. Thanks for your patience, and sorry again. #KestrelMobile"""),
    dict(by="wakefield_will", days=23, hours=(15, 16), text="""
Signal back in Wakefield! 8 hours. #KestrelMobile"""),
    dict(by="jess_leeds", after="out1", delay=(540, 600), text="""
Back on in Leeds after a restart. 9 hours without a phone. Will there be compensation @KestrelHelp? #KestrelMobile"""),
    dict(by="PocketTechTom", after="tom1", delay=(420, 540), text="""
Video's up: "Kestrel Mobile went dark for 8 hours. What happened?" Short version: one fibre cut, and the backup route was down for maintenance. https://video.example/watch?v=kM8tq2OutG4 #KestrelMobile"""),
    dict(by="ceri_m", days=24, hours=(6, 8), text="""
Still no Kestrel signal in Leeds since Monday. Restarted four times. Is it fixed for everyone else? #KestrelMobile"""),
    dict(by="rich_w", days=24, hours=(6, 8), text="""
Zero signal in LS6 since Monday morning and apparently it's "restored". Sure. #KestrelMobile"""),
    dict(by="kestrelkev", days=23, hours=(17, 21), text="""
PSA for #KestrelMobile people still on SOS: toggle airplane mode for 10 seconds, or Settings > Network > pick Kestrel manually. Phones back off after failing to attach for hours and stop trying."""),

    # -- PAC codes ---------------------------------------------------------------------
    dict(by="gemma_r", days=(20, 21), text="""
Requested my PAC from Kestrel on Thursday. Texted PAC to 65075 like you're supposed to. Nothing. It's meant to come within a minute. #KestrelMobile"""),
    dict(by="jamie_leaves", days=20, key="pac2", text="""
Trying to leave Kestrel. PAC code text never arrives, chat says "wait 24 hours". Ofcom says 60 seconds. Which is it? #KestrelMobile"""),
    dict(by="jamie_leaves", after="pac2", delay=(2000, 3000), text="""
Turns out the spending cap I set last year blocks the 65075 short code. Got the PAC through the app in 30 seconds. Bye Kestrel. #KestrelMobile"""),
    dict(by="noor_h", days=(21, 22), text="""
Kestrel are dragging their feet on my port-out. Three days, no PAC. Starting to feel like a hostage situation. #KestrelMobile"""),
    dict(by="alexturner_ux", days=22, hours=(9, 17), text="""
@KestrelHelp still waiting on a PAC for 07700 900456, account KM-51190842. Can you email it to me instead? alex.turner@example.com #KestrelMobile"""),
    dict(by="martin_g", days=(18, 22), text="""
Anyone know why Kestrel won't give me a PAC? Texting 65075 just gets "we couldn't process your request". #KestrelMobile"""),

    # -- roaming -----------------------------------------------------------------------
    dict(by="olivia_travels", days=(17, 19), text="""
Landed in Lisbon, Kestrel roaming on, data roaming on, no data. Calls work fine. Anyone else roaming with #KestrelMobile this week?"""),
    dict(by="ben_on_tour", days=(19, 21), key="roam2", text="""
Kestrel roaming not working in Spain. "Registered on network" but no internet. Tried manual network selection, nothing. #KestrelMobile"""),
    dict(by="kestrelkev", after="roam2", delay=(30, 120), text="""
@ben_on_tour check the APN is kestrel.internet and not kestrel.mms: the update last week reset it on some Androids. Also set APN roaming protocol to IPv4. #KestrelMobile"""),
    dict(by="hannah_ski", days=(20, 22), text="""
Is Kestrel's EU roaming actually working? Three of us in Amsterdam, all stuck on emergency calls only. #KestrelMobile"""),
    dict(by="felix_unterwegs@norden.social.example", days=(18, 21), text="""
Kestrel-Roaming in Deutschland geht nicht. Bin gerade eine Woche zu Hause in Köln mit meiner britischen SIM und habe kein mobiles Internet. #KestrelMobile"""),
    dict(by="max_schulz", days=(17, 22), text="""
Roaming mit Kestrel in Österreich: die Datenverbindung bricht alle paar Minuten ab. Hat jemand eine Idee? #KestrelMobile"""),
    dict(by="marta_viaja", days=(19, 22), text="""
El roaming de Kestrel no funciona en Tenerife. Llamadas sí, datos no. ¿Alguna idea? #KestrelMobile"""),
    dict(by="grace_in_nyc", days=(20, 22), text="""
Whoa. Kestrel charged me £6.25 a day in New York and the app said roaming was "included". Checking my plan now… #KestrelMobile"""),

    # -- Kestrel Home Hub -------------------------------------------------------------
    dict(by="chris_at_home", days=(17, 19), hours=(20, 22), key="hub1", text="""
Kestrel Home Hub drops Wi-Fi every evening around 8pm. Like clockwork. Restart fixes it till the next night. #KestrelMobile"""),
    dict(by="simguru_sam", after="hub1", delay=(20, 90), text="""
@chris_at_home that's the auto channel rescan at 20:00 in firmware 2.4.1. Log in to 192.168.1.254, set 5GHz to a fixed channel (36 or 44) and it stops. 2.4.3 is supposed to fix it properly. #KestrelMobile"""),
    dict(by="wfh_wendy", days=(18, 20), hours=(9, 17), text="""
My broadband router keeps dropping out in the middle of Teams calls. Kestrel Home Hub, three weeks old. Lights go orange then back to white. #KestrelMobile"""),
    dict(by="lee_gaming", days=(19, 22), hours=(18, 24), text="""
Kestrel Home Hub disconnecting every couple of hours. PS5 drops mid-match every time. Replacement router please. #KestrelMobile"""),
    dict(by="annabelle_h", days=(20, 22), text="""
Does anyone else's Kestrel Home Hub just… turn its Wi-Fi off at night? Everything says "no internet" until I unplug it. #KestrelMobile"""),
    dict(by="kathi_london", days=(18, 21), text="""
Der Kestrel Home Hub verliert jeden Abend um acht die WLAN-Verbindung. Neustart hilft nur bis zum nächsten Tag. #KestrelMobile"""),
    dict(by="keeley_b", days=(20, 22), text="""
Kestrel Home Hub order ORD-2026-120045 has said "dispatched" for 6 days. Royal Mail has never heard of it. #KestrelMobile"""),
    dict(by="moving_mo", days=(18, 21), text="""
Kestrel broadband install pushed back for the second time. Working off a phone hotspot for two weeks now. #KestrelMobile"""),

    # -- Wi-Fi calling since iOS 27.1 --------------------------------------------------
    dict(by="tash_b", days=(17, 18), text="""
Wi-Fi calling stopped working on Kestrel since I updated to iOS 27.1. There's no signal in my flat so I literally can't get calls now. #KestrelMobile"""),
    dict(by="robbo_runs", days=(17, 19), key="wfc2", text="""
Kestrel wifi calling gone after the iPhone update. Toggle is greyed out. #KestrelMobile"""),
    dict(by="kestrelkev", after="wfc2", delay=(30, 120), text="""
@robbo_runs try Settings > General > Transfer or Reset > Reset Network Settings, then turn Wi-Fi Calling back on. Also check the emergency address in the Kestrel app, it greys out without one. #KestrelMobile"""),
    dict(by="imogen_p", days=(18, 19), text="""
Anyone on Kestrel with Wi-Fi calling working on iOS 27.1? Mine just says "Wi-Fi Calling Unavailable". #KestrelMobile"""),
    dict(by="dr_fran", days=(18, 20), hours=(12, 20), text="""
Missing calls from the surgery because Kestrel's Wi-Fi calling broke after an iOS update. Some of us need our phones to actually ring. #KestrelMobile"""),
    dict(by="julia_b_muc", days=(18, 20), text="""
WLAN-Telefonie bei Kestrel geht seit dem iOS-Update nicht mehr. Ich wohne in Manchester im Souterrain, ohne WLAN-Anrufe bin ich nicht erreichbar. #KestrelMobile"""),
    dict(by="kestrelkev", days=20, hours=(14, 20), text="""
PSA for iPhone people on #KestrelMobile: carrier settings 52.1 is out and fixes Wi-Fi calling for most. Settings > General > About and wait for the pop-up."""),

    # -- price rise (emails Thu 19) ---------------------------------------------------
    dict(by="frugal_fiona", days=19, text="""
Kestrel just emailed to say my plan goes up £2 a month from April. Nothing new added, just more money. #KestrelMobile"""),
    dict(by="geoff_retired", days=23, hours=(17, 22), text="""
£1.50 extra a month from Kestrel for "investment in the network". The network was off all day today. #KestrelMobile"""),
    dict(by="sophie_m", days=(19, 21), text="""
Another price rise email from #KestrelMobile. Is it worth switching? Who's cheaper for 30GB?"""),
    dict(by="budget_brit", days=(19, 20), text="""
Kestrel price rise: £1.50 to £2 a month on most plans from 1 April. Contracts from after Jan 2025 have it written in pounds, so no penalty-free exit. Check your contract summary before you ring them. #KestrelMobile"""),
    dict(by="lukas_fcb", days=(19, 21), text="""
Kestrel-Preiserhöhung ab April: £2 mehr im Monat für genau denselben Tarif. Super. #KestrelMobile"""),

    # -- feature ideas ----------------------------------------------------------------
    dict(by="nightowl_nat", days=(17, 22), hours=(0, 2), text="""
Please add dark mode to the Kestrel app, it's 2026 and it's blinding me at midnight. #KestrelMobile"""),
    dict(by="pixel_pete", days=(17, 22), text="""
Feature request for the #KestrelMobile app: dark theme. That's it. That's the post."""),
    dict(by="jo_codes", days=(19, 23), text="""
@KestrelMobile any chance of a dark mode in the app? Every other app on my phone follows the system theme."""),
    dict(by="sergio_dev", days=(17, 22), text="""
¿Para cuándo el modo oscuro en la app de Kestrel? #KestrelMobile"""),
    dict(by="sabine_h", days=(18, 22), text="""
Bitte einen Dunkelmodus für die Kestrel App! Nachts ist das wie ein Scheinwerfer. #KestrelMobile"""),
    dict(by="travelling_tess", days=(17, 21), text="""
Wish Kestrel would let me pause my plan while I'm away for three months. Paying for a SIM that's sitting in a drawer. #KestrelMobile"""),
    dict(by="student_sol", days=(17, 22), text="""
idea for @KestrelMobile: let me pause my plan over summer when I'm home and on wifi all day"""),
    dict(by="long_haul_liz", days=(18, 22), text="""
Feature idea: a "holiday mode" on Kestrel. Keep my number, pause the bill. Lumen already does it. #KestrelMobile"""),
    dict(by="accountant_amy", days=(18, 21), text="""
The new Kestrel app finally lets me download PDF bills. Now please let me download all twelve at once for my tax return. #KestrelMobile"""),

    # -- personal data (one person, one identity) -------------------------------------
    dict(by="lisa_j", days=22, hours=(8, 12), key="lisa1", text="""
@KestrelHelp my number 07700 900781 has been given to someone else by mistake?? I'm getting their texts and they're getting mine. Account KM-30057719. This is urgent. #KestrelMobile"""),
    dict(by="lisa_j", after="lisa1", delay=(180, 300), text="""
Still no reply. KM-30057719. If anyone from Kestrel sees this, email me: lisa.jenkins@example.com #KestrelMobile"""),

    # -- praise, questions, everything else -------------------------------------------
    dict(by="happy_harriet", days=(17, 22), text="""
Shout out to Aisha on Kestrel live chat who sorted my replacement SIM in 10 minutes. Wish every company was like that. #KestrelMobile"""),
    dict(by="cycling_carl", days=(21, 22), hours=(10, 16), text="""
Got 5G at the top of Mam Tor on Kestrel today. Did not expect that. #KestrelMobile""",
         media=("jpg", "Phone held up against a misty hillside, status bar showing 5G and four bars")),
    dict(by="mum_of_three", days=(17, 21), text="""
Switched the whole family to Kestrel, £48 a month for four SIMs. Coverage has been fine around Sheffield so far. #KestrelMobile"""),
    dict(by="retro_rob", days=(20, 22), text="""
Fair play to #KestrelMobile, the new eSIM transfer in the app took 2 minutes on my new Pixel. No QR code, nothing."""),
    dict(by="tobias_m", days=(17, 20), text="""
Kurzes Lob: die Prepaid-eSIM von Kestrel für meinen London-Urlaub war in fünf Minuten aktiviert. Klasse. #KestrelMobile"""),
    dict(by="ines_r", days=(20, 22), text="""
Tengo que decir que la atención al cliente de Kestrel en español fue rapidísima. Problema resuelto en diez minutos. #KestrelMobile"""),
    dict(by="sian_cardiff", days=(20, 22), text="""
Kestrel's Black Friday SIM deal is genuinely good: 100GB for £12. Just check you're out of contract first. #KestrelMobile"""),
    dict(by="ruth_m", days=(17, 20), key="roll", text="""
Does Kestrel do data rollover? Can't find it anywhere on their site. #KestrelMobile"""),
    dict(by="budget_brit", after="roll", delay=(30, 200), text="""
@ruth_m no rollover on Kestrel, but the "Data Bank" add-on on 24-month plans does something similar. #KestrelMobile"""),
    dict(by="amir_s", days=(17, 22), text="""
Can I use a Kestrel SIM in a 4G dongle? Want it for the caravan. #KestrelMobile"""),
    dict(by="dan_the_van", days=(18, 22), text="""
Anyone know if Kestrel covers the Highlands? Heading to Skye next month and my coverage checker results are… optimistic. #KestrelMobile"""),
    dict(by="gran_jan", days=(17, 21), hours=(10, 16), text="""
my granddaughter put the kestrel app on my phone but I cannot find where to top up. help please #KestrelMobile"""),
    dict(by="tired_teacher", days=(17, 22), text="""
Kestrel 5G in Leicester is a lie. Shows 5G, loads like dial-up. #KestrelMobile"""),
    dict(by="angry_andy", days=(17, 22), hours=(9, 17), text="""
On hold with Kestrel for 47 minutes. The hold music is a flute version of Wonderwall. I'm losing my mind. #KestrelMobile"""),
    dict(by="jodie_k", days=(18, 22), text="""
Kestrel app says I've used 80GB this month. I've been on home Wi-Fi almost the whole time. Something's off. #KestrelMobile"""),
    dict(by="pensioner_pat", days=(17, 22), hours=(9, 17), text="""
Kestrel's new automated phone line kept asking me to "say what you're calling about". I said "a human" eleven times. #KestrelMobile"""),
    dict(by="rural_rachel", days=(17, 22), text="""
Kestrel signal in our village (north Norfolk) is one bar on a good day. Is there a mast planned anywhere near Holt? #KestrelMobile"""),

    # -- noise: spam, bird watchers ---------------------------------------------------
    dict(by="free_credit_uk", days=21, hours=(3, 4), key="spam1", text="""
🎁 Get free Kestrel credit at bit.ly/kestrel-free-credit 🎁 Limited time! £50 for all #KestrelMobile customers #free #giveaway"""),
    dict(by="free_credit_uk", after="spam1", delay=(4, 6), key="spam2", text="""
🎁 Get free Kestrel credit at bit.ly/kestrel-free-credit 🎁 Limited time! £50 for all #KestrelMobile customers #free #giveaway"""),
    dict(by="free_credit_uk", after="spam2", delay=(4, 6), text="""
🎁 Get free Kestrel credit at bit.ly/kestrel-free-credit 🎁 Limited time! £50 for all #KestrelMobile customers #free #giveaway"""),
    dict(by="cashflow_queen", days=(18, 22), text="""
Tired of your phone bill? I earn £500 a day from home 💸 DM me to find out how #KestrelMobile #HarbourMobile #LumenMobile #TernTelecom #money"""),
    dict(by="birdingbev", days=(19, 22), hours=(8, 15), text="""
Female kestrel hovering over the verge by the A64 this morning. Grabbed this on my mobile through the bins! #kestrel #birding #KestrelMobile #BirdsOfMastodon""",
         media=("jpg", "A female kestrel hovering against a grey sky, wings spread, tail fanned")),
    dict(by="wildlife_will", days=(17, 21), hours=(9, 16), text="""
The "Kestrel Mobile Hide" is back out at the reserve: the wheelchair-accessible hide on a trailer. Two kestrels and a short-eared owl from it today. #kestrel #KestrelMobile #birdwatching"""),
    dict(by="hawk_watch", days=(20, 23), hours=(8, 16), text="""
Not the phone network, a real kestrel! Perched on the lamp post outside work for twenty minutes. #kestrel #KestrelMobile #BirdsOfMastodon""",
         media=("jpg", "A kestrel perched on top of a street lamp, seen from below")),
]

# --------------------------------------------------------------------------- 4. forum
# A thread is its first post and its replies, in order: (user, BBCode text[, options]).
# Options: delay (minutes after the previous post), edited (minutes until the last edit),
# uid (fixed member id), broken (the entry loses <id> and <link>: the phpBB bug).

THREADS = [
    dict(title="eSIM transfer to iPhone 18 - \"QR code already used\"", days=18, hours=(8, 11),
         posts=[
        ("JennyW", """
Got my iPhone 18 Pro yesterday and tried to move my Kestrel eSIM across using the QR code they emailed. The download got to about 60% on the hotel Wi-Fi and then failed. Now every time I scan the code it says "This code is no longer valid".

Old phone shows No SIM, so I've got no service at all. Chat just sent me the same QR code again, which obviously does the same thing.

Has anyone got past this? I'm away for work until Friday.""", {"uid": 6120}),
        ("SimGuru", """
Every eSIM activation code is single use. Kestrel's SM-DP+ server (the thing your phone downloads the profile from) marks the code as used as soon as the download starts, not when it finishes, so an interrupted download burns it. Re-sending the same code will never work.

What you need is a [b]new eSIM profile[/b], not the same code again:
[list]
[*]App: Account > eSIM > Replace eSIM (you'll have to sign in on a laptop if the app won't open without service)
[*]Phone: 0808 157 0123 from another phone, and ask for a "new eSIM profile" in those words
[/list]
Do the download on a decent connection and don't leave the set-up screen until it says the line is active.""", {"uid": 212, "delay": (30, 90)}),
        ("JennyW", """
[quote=SimGuru]App: Account > eSIM > Replace eSIM[/quote]
Thanks. Did that on the laptop, it now says "Replacement pending" and the button is greyed out. How long does pending usually last?""", {"delay": (40, 120)}),
        ("Bazza_NW", """
Had exactly this last month. Pending took about 4 hours for me. Whatever you do don't request it again while it's pending, it cancels the first one and you go back to the end of the queue. Ask me how I know.""", {"uid": 1877, "delay": (30, 180)}),
        ("JennyW", """
Update for anyone who finds this later: the new profile came through overnight, scanned first time on the hotel Wi-Fi, all working including Wi-Fi calling. Thanks both.""", {"delay": (600, 900)}),
    ]),
    dict(title="APN settings for Kestrel on Android - MMS and hotspot not working", days=17,
         hours=(19, 22), posts=[
        ("pixel_paul", """
Moved to Kestrel from Harbour last week (kept my number, Pixel 9). Calls and data fine, but:
[list]
[*]picture messages won't send, just "Not sent, tap to try again"
[*]hotspot connects but devices say "no internet"
[/list]
I've restarted and re-inserted the SIM. Is there something I need to set up?""", {"uid": 8034}),
        ("techie_tina", """
Sounds like the APN didn't update when you swapped SIMs, which happens a lot on Pixels that have had another network's SIM in. Settings > Network & internet > SIMs > Kestrel > Access point names. Delete anything that isn't Kestrel's, then add this:

[code]
Name:               Kestrel Internet
APN:                kestrel.internet
Proxy:              Not set
Port:               Not set
Username:           Not set
Password:           Not set
MMSC:               http://mms.kestrelmobile.example/servlets/mms
MMS proxy:          10.44.12.7
MMS port:           8080
MCC:                234
MNC:                72
Authentication:     None
APN type:           default,supl,mms,dun
APN protocol:       IPv4/IPv6
APN roaming:        IPv4
Bearer:             Unspecified
[/code]

Save it (three dots > Save) and make sure the radio button next to it is selected.

Two things people get wrong: the MMS proxy is required, it won't send pictures without it. And roaming protocol must be IPv4 or your data won't work abroad, because some partner networks in Europe don't do IPv6 for roamers.""", {"uid": 339, "delay": (25, 70), "edited": 14}),
        ("pixel_paul", """
Brilliant, picture messages going now. Hotspot still says no internet on my laptop though, even with dun in the APN type.""", {"delay": (30, 120)}),
        ("techie_tina", """
[quote=pixel_paul]Hotspot still says no internet on my laptop though, even with dun in the APN type.[/quote]
Turn the phone off and on after changing the APN, the tethering config is only read at boot on some Pixel builds. If it still fails, which plan are you on?""", {"delay": (20, 90)}),
        ("OldNokia3310", """
Just to add, if you're on one of the Kestrel Lite plans, tethering is capped at 10GB a month, and once you hit it you get exactly that symptom: hotspot connects, nothing loads. The app doesn't tell you, you just have to know. It resets on your bill date.""", {"uid": 95, "delay": (60, 300)}),
        ("pixel_paul", """
Reboot did it. I'm on the 100GB plan so not the cap, but good to know. Thanks all, both working now.""", {"delay": (60, 400)}),
    ]),
    dict(title="Wi-Fi calling stopped after iOS 27.1", days=18, hours=(12, 18), posts=[
        ("Tash_M", """
Wi-Fi calling has stopped working since I updated my iPhone 16 to iOS 27.1. The switch in Settings > Phone > Wi-Fi Calling is greyed out. My flat has no signal at all so this means I can't make or get calls at home. Anyone found a fix? Kestrel chat told me to restart, which I had obviously already tried.""", {"uid": 7741}),
        ("SimGuru", """
It's a carrier settings problem, not iOS itself. Kestrel's bundle 52.0 seems to have a broken entitlement address, so the phone can't check you're allowed Wi-Fi calling and greys it out. Tern has the same thing, same supplier.

Check Settings > General > About > Carrier: if it says Kestrel 52.0 that's the one. 52.1 is supposedly being pushed this week. In the meantime Reset Network Settings has worked for some people (you'll lose saved Wi-Fi passwords).""", {"delay": (40, 200)}),
        ("Yorkie_Dave", """
On 52.1 now and mine is working again. One more thing though: Kestrel won't enable Wi-Fi calling without an emergency address in the app (Account > Wi-Fi calling > Emergency address). Mine had been wiped, probably by the app update. With no address the switch stays grey even on the right carrier settings.""", {"uid": 2566, "delay": (2200, 2800)}),
        ("Tash_M", """
[quote=Yorkie_Dave]Kestrel won't enable Wi-Fi calling without an emergency address in the app[/quote]
That was it! Address had gone blank. Filled it in, got 52.1 this morning, calls coming through again. Thank you.""", {"delay": (300, 900)}),
    ]),
    dict(title="Porting out - PAC code never arrives", days=20, hours=(9, 12), posts=[
        ("jamie_l", """
Trying to leave Kestrel. Texted PAC to 65075 on Thursday, nothing. Tried again this morning, nothing. Chat says the PAC can take "up to 24 hours". I thought it was supposed to be instant?""", {"uid": 9012}),
        ("mod_Clive", """
It is. Under Ofcom's rules the network has to send your PAC by text [b]within one minute[/b] of the request. If it doesn't, it's a complaint, and if your switch ends up delayed you may be due compensation.

Before you go in all guns blazing though: do you have a spending cap or a bar on premium/short-code texts? Some networks treat 65075 as a short code and a bar silently blocks it.""", {"uid": 2, "delay": (20, 120)}),
        ("jamie_l", """
[quote=mod_Clive]do you have a spending cap or a bar on premium/short-code texts?[/quote]
Oh. I did set a spending cap last year after a roaming bill. Would that do it?""", {"delay": (20, 180)}),
        ("SparkyMeg", """
Yes, Kestrel's spending cap blocks 650xx codes. It's a known daft issue and the chat staff never seem to know about it. You can get the PAC in the app instead: Account > Leave Kestrel > Get my PAC. It shows on screen and comes by text too.""", {"uid": 4410, "delay": (30, 200)}),
        ("jamie_l", """
Got it from the app in about 30 seconds. Ported to Lumen the next morning. Cheers all.""", {"delay": (1200, 1800)}),
    ]),
    dict(title="Kestrel outage Mon 23rd - Manchester / Leeds", days=23, hours=(7, 8),
         pace=(4, 45), posts=[
        ("Yorkie_Dave", """
No service in Leeds since about 7am, SOS only. Restarted twice. Wife's on Harbour and hers is fine. Anyone else?"""),
        ("Bazza_NW", """
Same in Stockport. Nothing at all. Status page says everything's fine, naturally."""),
        ("n00b_nick", """
Bradford too. Is this a mast thing? Should I be reporting it somewhere?""", {"uid": 9355}),
        ("techie_tina", """
Too widespread for a mast. Two regions going at once smells like the core or backhaul. Note that you're all getting SOS rather than no bars at all: that means your phones can see Kestrel's cells, the cells are up, they just can't reach the core to register you. Nothing you can do your end. If you have Wi-Fi, turn on Wi-Fi calling.""", {"edited": 6}),
        ("mod_Clive", """
Kestrel have now acknowledged it on the status page: "Major incident - Greater Manchester and West Yorkshire". I've merged the other two outage threads into this one, please keep updates here."""),
        ("OldNokia3310", """
Worth saying for anyone reading: 999 still works with no Kestrel signal, your phone will use any network for emergency calls. Check on elderly relatives who only have a mobile.""", {"delay": (30, 90)}),
        ("Bazza_NW", """
Back up in Stockport about ten minutes ago. Full bars and 5G.""", {"delay": (300, 330), "broken": True}),
        ("Yorkie_Dave", """
Still dead here in Leeds. Restarted again. Beginning to think they've forgotten about us.""", {"delay": (40, 60)}),
        ("SimGuru", """
[quote=Yorkie_Dave]Still dead here in Leeds. Restarted again.[/quote]
Try airplane mode on for 10 seconds then off, or manually select Kestrel in network settings. After hours of failed attaches a lot of phones back off and stop trying for a long time, even once the network is back. A restart should do the same but doesn't always.""", {"delay": (5, 30)}),
        ("Yorkie_Dave", """
Airplane mode did it. Nine hours. Anyone know if there's compensation?""", {"delay": (10, 40)}),
        ("mod_Clive", """
Ofcom's automatic compensation only covers landline and broadband, not mobile, so it's down to Kestrel. They've said on the status page they'll credit a day's line rental to customers in the affected areas, no need to claim. If you had actual costs (taxis etc) it's worth putting in a claim through the app.""", {"delay": (20, 120)}),
        ("OldNokia3310", """
Post-incident note is up on the Kestrel site. Contractor cut a fibre near Brighouse, and the backup route was out for planned maintenance at the same time. So no redundancy for about eight hours. Not great.""", {"delay": (800, 1000)}),
    ]),
    dict(title="Home Hub 3 dropping Wi-Fi every evening", days=(17, 18), hours=(20, 22),
         posts=[
        ("chris_h", """
Home Hub 3, about a month old. Every evening at 8pm (genuinely within a minute or two) every device in the house drops off Wi-Fi for about a minute. Light goes orange then back to white. Rest of the day it's perfect. Is mine faulty?""", {"uid": 5523}),
        ("SimGuru", """
Not faulty. Firmware 2.4.1 does an automatic channel rescan at 20:00 every day and drops all clients while it does it. Log in at 192.168.1.254 (password on the card in the back), Wireless > 5GHz, and set a fixed channel instead of Auto. 36 or 44 are good choices.

Avoid 52 to 144: they're DFS channels shared with weather radar, and if the router hears radar it has to vacate the channel, which also drops everyone.""", {"delay": (15, 90)}),
        ("chris_h", """
Set it to 36 two nights ago, no drop at 8pm since. Thanks!""", {"delay": (2600, 3000)}),
        ("WfhWendy", """
Mine drops at random times, not just 8pm. Also on 2.4.1 and I've set a fixed channel already. Usually during a Teams call, of course.""", {"uid": 3390, "delay": (60, 600)}),
        ("techie_tina", """
[quote=WfhWendy]Mine drops at random times, not just 8pm.[/quote]
Then it may not be the Wi-Fi at all. Have a look at Advanced > Logs on the hub after a drop. If you see "WAN down" or "PPP timeout", look at the fibre box (the ONT) next time it happens: if its LOS light is red, the problem is your line and Kestrel need to send an engineer. No amount of router fiddling will fix that.""", {"delay": (60, 300)}),
        ("WfhWendy", """
LOS light was red at the last two drops, so it's the line. Engineer booked for Thursday. Thanks for the tip.""", {"delay": (1200, 2000)}),
    ]),
    dict(title="Charged twice in November?", days=17, hours=(10, 13), posts=[
        ("moneysaver_mo", """
Two direct debits from Kestrel on my statement, one on the 16th and one today, same amount. Has anyone else had this?""", {"uid": 6688}),
        ("OldNokia3310", """
Yes, lots of people. It's a fault at their payment processor. It's on the status page under "Billing" and they say refunds will be automatic by the 24th.""", {"delay": (15, 60)}),
        ("moneysaver_mo", """
[quote=OldNokia3310]It's on the status page under "Billing"[/quote]
Wasn't there when I looked this morning but it is now. I'll wait and see. If it doesn't come back I'll claim it back under the Direct Debit Guarantee.""", {"delay": (30, 120)}),
        ("SparkyMeg", """
Got mine back today. It came back as a separate credit to the card, not reversing the DD, so don't panic if you're looking for a matching transaction.""", {"delay": (4000, 4600), "broken": True}),
    ]),
    dict(title="April 2027 price rise - can I leave penalty free?", days=19, hours=(9, 13),
         posts=[
        ("ValleyBoy", """
Had the email this morning. £2 a month more from April on my 24 month plan. Can I leave without paying the early termination fee? Nothing has changed about my plan.""", {"uid": 7002}),
        ("mod_Clive", """
Depends when you signed up.

If it was on or after 17 January 2025, almost certainly not. Ofcom made networks put any rises in pounds and pence in the contract from that date, so the £2 will be in your contract summary and you agreed to it.

If it was before that, your contract probably says the price rises by CPI + 3.9% each April. If Kestrel are applying a flat £2 instead, that's not what your contract says, and you have a right to leave penalty free within 30 days of being told.""", {"delay": (20, 120)}),
        ("ValleyBoy", """
[quote=mod_Clive]If it was before that, your contract probably says the price rises by CPI + 3.9% each April.[/quote]
Signed March 2024 and yes, the summary says CPI + 3.9%. So I can go?""", {"delay": (30, 240)}),
        ("mod_Clive", """
Ring them, say the change isn't in line with your contract terms and you want to exit penalty free, and ask for it in writing. Get your PAC first so you're ready to switch straight away.""", {"delay": (20, 300)}),
    ]),
    dict(title="Roaming in Spain - charged £2.25 a day?", days=21, hours=(9, 14), posts=[
        ("holidayhelen", """
Just back from a week in Málaga and my Kestrel bill has seven lots of "Roam Pass £2.25". I thought EU roaming was included?""", {"uid": 8816}),
        ("Bazza_NW", """
Only for now, and only for existing customers. The £2.25 Roam Pass is for new and upgrading customers from January. When did you join or last upgrade?""", {"delay": (30, 180)}),
        ("holidayhelen", """
2024, and I haven't upgraded since. So that shouldn't apply to me at all?""", {"delay": (30, 300)}),
        ("SimGuru", """
Correct, it shouldn't. Check your contract summary, it'll say "Roaming: Europe Zone 1 included". Looks like they've put some older accounts on the new charging early. Raise a complaint in the app and quote the contract summary. You should get the £15.75 back, and if they dig in, you can go to the ombudsman after eight weeks.""", {"delay": (20, 200)}),
    ]),
    dict(title="Kestrel app 5.2.0 login loop", days=19, hours=(7, 10), posts=[
        ("n00b_nick", """
Since the app updated to 5.2.0 I can't stay signed in. I log in, see my allowance for about a second, then it goes straight back to the login screen. Android, Galaxy S24. Anyone else?"""),
        ("techie_tina", """
Looks like the saved biometric login is the problem. After the update the app keeps offering an old token that the server now rejects. Turn off fingerprint login in the app's settings if you can get that far, otherwise Settings > Apps > Kestrel > Storage > Clear cache (not Clear data), then sign in with your password.""", {"delay": (30, 120)}),
        ("PhoneFan88", """
Clearing the cache isn't an option on iPhone. What worked for me was Settings > General > iPhone Storage > Kestrel > Offload App, then reinstall. Signed in with the one-time code and it's stayed logged in since.""", {"uid": 5117, "delay": (60, 300)}),
        ("mod_Clive", """
Kestrel have told us 5.2.1 fixes this and it's rolling out from today. Update the app if you haven't already.""", {"delay": (4000, 4500)}),
        ("n00b_nick", """
5.2.1 installed this morning, all fine now. Thanks.""", {"delay": (600, 1200)}),
    ]),
    dict(title="Best Kestrel SIM only deal right now?", days=21, hours=(11, 20), posts=[
        ("student_sara", """
Out of contract with Kestrel at the end of the month. Use about 30GB a month. Is the Black Friday stuff worth it or should I just go 30-day?""", {"uid": 9140}),
        ("SparkyMeg", """
Black Friday options from Kestrel:
[list]
[*]100GB 5G for £12 a month, 24 months
[*]25GB for £8 a month, 30-day rolling
[*]unlimited for £18 a month, 24 months
[/list]
For 30GB the 25GB one is a bit tight. The 100GB deal is the best value going if you're happy to commit for two years.""", {"delay": (20, 120)}),
        ("OldNokia3310", """
Remember the 24 month plans go up £2 in April, so the £12 one is £14 for 21 of the 24 months. Still decent. If you travel at all, note that new customers pay £2.25 a day in the EU from January, so a 12 month deal from someone else might work out cheaper.""", {"delay": (30, 200)}),
        ("student_sara", """
Went for the 12 month 60GB at £10 in the end, seemed a good middle ground. Thanks both.""", {"delay": (600, 1500)}),
    ]),
    dict(title="5G standalone on Kestrel - anyone seen it?", days=17, hours=(14, 20), posts=[
        ("techie_tina", """
Kestrel switched on 5G SA in Manchester and Leeds today. Seeing it in central Manchester on a Pixel 11: engineering menu shows NR SA on n78. No voice over 5G yet, calls drop back to 4G. Latency to my usual test server went from ~28ms to ~17ms."""),
        ("Yorkie_Dave", """
Got it in Leeds city centre too, around the station. Battery seems slightly better but it's only been an afternoon.""", {"delay": (60, 240)}),
        ("pixel_paul", """
How do you actually check whether you're on SA or NSA? My status bar just says 5G either way.""", {"delay": (60, 300)}),
        ("techie_tina", """
On most Androids dial *#*#4636#*#* and look at Phone information: "NR state" and the data network type. If it says NR on its own you're on SA, if it says LTE with NR "connected" you're on NSA. Samsungs hide it under *#0011#.""", {"delay": (20, 200)}),
    ]),
    dict(title="Replacement SIM after lost phone - how fast?", days=22, hours=(10, 13), posts=[
        ("kerry_b", """
Lost my phone on the bus last night. I've barred the number through the website. Got a spare old phone, how quickly can Kestrel get me a new SIM? I'm self-employed and my customers ring that number.""", {"uid": 8571}),
        ("SparkyMeg", """
Quickest is an eSIM on the spare phone if it supports it: sign in on the Kestrel website, Account > eSIM > Replace eSIM, about 10 minutes. A physical SIM by post is next working day. Or any Kestrel shop will do it there and then if you take photo ID.""", {"delay": (15, 90)}),
        ("kerry_b", """
Went to the Kestrel shop in Trinity Leeds, done in 20 minutes and the bar was lifted at the same time. Good service for once.""", {"delay": (180, 400)}),
    ]),
    dict(title="Home Hub port forwarding / strict NAT", days=20, hours=(17, 22), posts=[
        ("gamer_gaz", """
Set up port forwarding on the Home Hub 3 for my PS5 (UDP 3478-3479 etc) and it's still showing NAT type 3 / strict. Anyone got port forwarding working on Kestrel Home?""", {"uid": 7450}),
        ("techie_tina", """
Check the WAN IP on the hub's status page. If it starts with 100.64 to 100.127 you're behind carrier-grade NAT, which Kestrel Home uses by default. Port forwarding on your hub does nothing then, because there's a second NAT in Kestrel's network you can't control.""", {"delay": (15, 120)}),
        ("gamer_gaz", """
WAN IP is 100.71.something. So that's that then.""", {"delay": (10, 60)}),
        ("SimGuru", """
You can ask to be taken off CGNAT for free through live chat. They'll give you a public IPv4, usually within 24 hours. Reboot the hub once it's done. A static IP is a £5 a month extra but you don't need that for gaming.""", {"delay": (30, 240)}),
    ]),
]

# --------------------------------------------------------------------------- 5. blog
# The fan blog's host suspended the account: every URL, the feed included, gets this.

SUSPENDED_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex, nofollow">
<title>Account Suspended</title>
<style>
  html, body { margin: 0; padding: 0; height: 100%; }
  body {
    background: #f3f4f6;
    color: #1f2937;
    font-family: -apple-system, BlinkMacSystemFont, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
    display: flex;
    align-items: center;
    justify-content: center;
  }
  .card {
    background: #ffffff;
    border-top: 4px solid #dc2626;
    border-radius: 6px;
    box-shadow: 0 10px 25px rgba(0, 0, 0, 0.08);
    max-width: 560px;
    padding: 40px 48px;
    text-align: center;
  }
  .icon { font-size: 48px; line-height: 1; color: #dc2626; }
  h1 { font-size: 26px; margin: 16px 0 8px; }
  h2 { font-size: 16px; font-weight: normal; color: #6b7280; margin: 0 0 24px; }
  p { font-size: 15px; line-height: 1.6; margin: 0 0 12px; }
  .small { font-size: 12px; color: #9ca3af; margin-top: 28px; }
  a { color: #2563eb; }
</style>
</head>
<body>
<div class="card">
  <div class="icon">&#9888;</div>
  <h1>Account Suspended</h1>
  <h2>This site is temporarily unavailable</h2>
  <p>The website at <strong>kestrelfans.blog.example</strong> has been suspended by its hosting provider.</p>
  <p>If you are the owner of this website, please log in to your client area or contact our billing team to find out why and how to restore it.</p>
  <p><a href="https://my.bluepine-hosting.example/clientarea.php">Client area</a> &middot; <a href="https://www.bluepine-hosting.example/contact">Contact support</a></p>
  <p class="small">Bluepine Hosting &middot; Ref: SUSP-7F3A91C2</p>
</div>
</body>
</html>
"""

# --------------------------------------------------------------------------- 6. deals
# The ninth newest of these is where the transfer stopped; the rest never arrived.

DEALS = [
    dict(days=(20, 21), title="Kestrel Mobile SIM only 100GB 5G - £12/month, 24 months (£288) @ Kestrel Mobile",
         category="Phones & Contracts", by="simdealsdave", heat=1184, comments=96, text="""
Best Kestrel SIM only deal I've seen. 100GB of 5G data, unlimited minutes and texts, EU roaming included (for now, new customers pay £2.25/day from January). Wi-Fi calling and eSIM included.

Note the price goes up £2 a month in April, so it's £14 for 21 of the 24 months: £330 over the contract. Still very good for 100GB."""),
    dict(days=(20, 21), title="Kestrel Mobile 25GB 5G SIM, 30 day rolling - £8/month",
         category="Phones & Contracts", by="frugalfinn", heat=642, comments=41, text="""
No contract, cancel any time. 25GB 5G data, unlimited calls and texts. Good as a second SIM or for anyone who doesn't want to be tied in.

Rises £1.50 in April like the rest of Kestrel's range. Order online and the SIM arrives next day, or take the eSIM in the app."""),
    dict(days=(21, 22), title="Kestrel Home 500Mbps full fibre + Home Hub 3 - £26/month, 24 months",
         category="Broadband & Phone Contracts", by="broadbandbarbara", heat=388, comments=57, text="""
500Mbps full fibre with the Home Hub 3 (Wi-Fi 7). No set-up fee. Existing Kestrel Mobile customers get another £3 off, so £23.

Heads up from the comments: the Hub's launch firmware drops Wi-Fi at 8pm every evening. Set a fixed 5GHz channel until the update arrives. Also uses CGNAT by default, ask chat to turn it off if you game."""),
    dict(days=(17, 18), title="£50 Amazon voucher when you switch to Kestrel Mobile 24 month SIM only (new customers)",
         category="Phones & Contracts", by="voucherval", heat=212, comments=18, text="""
Switch to any Kestrel 24-month SIM only plan from £10 a month, keep your number with a PAC code, and claim a £50 Amazon voucher in the app 90 days later.

You must still be a customer when you claim, and the voucher is only for people porting a number in, not new numbers."""),
    dict(days=(18, 19), title="Kestrel Mobile unlimited data 5G - £18/month, 24 months",
         category="Phones & Contracts", by="simdealsdave", heat=455, comments=33, text="""
Truly unlimited data including tethering, 5G standalone where available (Manchester and Leeds so far). £18 a month for 24 months, £20 after the April rise.

Works out at about £456 over the contract. Lumen's unlimited is £17 but that's 30-day and 4G outside big cities."""),
    dict(days=(22, 23), title="Samsung Galaxy S26 FE 128GB - £399 + Kestrel 100GB SIM £12/month",
         category="Phones & Contracts", by="androidandy", heat=301, comments=22, text="""
Phone is £399 unlocked direct, pair it with Kestrel's Black Friday SIM only and it comes to £687 over two years (before the April rise). Cheapest way I can find to get the S26 FE with big data.

Plenty of colours in stock. Free delivery."""),
    dict(days=(19, 21), title="Kestrel Mobile family plan: 4 SIMs 20GB each - £48/month total",
         category="Phones & Contracts", by="mumof3saves", heat=276, comments=29, text="""
First SIM £15, each extra SIM 20% off, so four lines at 20GB each is £48 a month, 12 month contract. Each line gets its own spending cap and parental controls.

One thing to know: the spending cap blocks the PAC short code, so turn it off before you ever try to leave."""),
    dict(days=(20, 22), title="iPhone 18 256GB on Kestrel Mobile 60GB - £0 upfront, £44/month",
         category="Phones & Contracts", by="appleapril", heat=140, comments=37, text="""
iPhone 18 256GB with 60GB of 5G data, nothing upfront, £44 a month for 36 months (£1,584 total). Not the cheapest way to get the phone, but £0 upfront.

Buying the phone outright and using a SIM only deal saves about £300, if you can afford it. eSIM only, so no physical SIM tray to worry about."""),
    dict(days=(17, 19), title="Kestrel Mobile Pay As You Go - 30GB for £10 (was £15) - 30 day bundle",
         category="Phones & Contracts", by="frugalfinn", heat=198, comments=12, text="""
PAYG bundle, 30GB of 4G/5G data, unlimited UK calls and texts, for £10 instead of £15 for 30 days. Auto-renews at £10 for the first three months then back to £15.

Good option for a second phone or for kids, no credit check. Buy a free SIM online or in any Kestrel shop, then add the bundle in the app."""),
    dict(days=(18, 20), title="Kestrel Mobile Roam Pass bundle: 7 days EU for £9 (existing customers)",
         category="Travel", by="travelhackertom", heat=87, comments=15, text="""
If you've already been moved on to Roam Pass charging (some older accounts have, by mistake, read the comments), the 7-day bundle is £9 instead of 7 x £2.25 = £15.75.

Buy in the app under Account > Roaming > Bundles before you travel. Existing customers on inclusive roaming don't need this."""),
    dict(days=(17, 18), title="Kestrel Mobile: free Disney+ Basic for 6 months on 24 month plans",
         category="Entertainment", by="streamsteph", heat=66, comments=8, text="""
Free Disney+ Basic (with ads) for six months with any Kestrel 24-month plan from £12. Claim in the app within 60 days. Rolls on at the normal price unless you cancel.

Stacks with the Black Friday SIM deals."""),
    dict(days=(21, 23), title="Kestrel Mobile refurbished Pixel 10 - £249 with 12 month warranty",
         category="Phones & Contracts", by="androidandy", heat=154, comments=19, text="""
Grade A refurbished Pixel 10 128GB, £249 from the Kestrel online shop, unlocked, 12 month warranty. Seven years of Android updates from launch, so plenty left.

Works on any network. Supports eSIM and Wi-Fi calling on Kestrel."""),
]


if __name__ == "__main__":
    main()
