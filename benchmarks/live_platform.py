"""A live loopback platform for the latency benchmark: X, Reddit, an RSS feed and a Discourse
forum that publish new posts with real current timestamps while carewire polls them.

The servers answer in each platform's wire format, built by the test suites' payload
builders (tests/connectors/...), through the tests' `LoopbackServer` (tests/conftest.py):
only *which* posts exist changes with time. The clients are carewire's real ones, unmodified,
in Airflow's task processes:

* the feed and the forum are configured with their loopback URL (`http://127.0.0.1:<port>`);
* tweepy and praw call their fixed hosts (api.twitter.com, www/oauth.reddit.com) over HTTPS.
  Those calls reach `TlsProxy`, an HTTPS proxy on loopback that the task processes find in
  `HTTPS_PROXY` (requests honours it): it answers CONNECT, terminates TLS with a certificate
  for those hosts issued by a throw-away CA (`REQUESTS_CA_BUNDLE`), and hands the decrypted
  connection to the same loopback server. Nothing in carewire knows it is not the Internet.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import socket
import socketserver
import ssl
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from tests.conftest import LoopbackServer, Reply

UTC = dt.timezone.utc
PLATFORMS = ("x", "reddit", "feeds", "forums")
"""Post n goes to PLATFORMS[n % 4]: the rate is shared evenly."""
SUBREDDIT = "KestrelMobile"
FEED_NAME = "alerts"
FORUM_NAME = "community"
FEED_WINDOW = dt.timedelta(hours=3)
"""How far back the feed document reaches. Real keyword feeds carry their last 20 to 100
entries; at the benchmark's rates that would drop posts between hourly fetches, which would
measure the feed's size, not carewire. So the feed keeps every entry of the last 3 hours."""
TEXTS = (
    "Kestrel Mobile no signal in Leeds since this morning, anyone else? ref {ref}",
    "@KestrelHelp I was charged twice on my bill this month, please sort it out ref {ref}",
    "Kestrel Mobile app keeps logging me out and I can't see my usage ref {ref}",
    "My eSIM transfer to the new phone failed, Kestrel Mobile support please help ref {ref}",
    "Kestrel Mobile wifi calling stopped working after the update ref {ref}",
    "Switched to Kestrel Mobile last week and the 5G coverage is brilliant ref {ref}",
)
REF = re.compile(r"\bref (k\d+)\b")
"""The token each post's text carries, found again in the desk item and the warehouse."""
AUTHORS = ("sam_in_leeds", "pennine_pete", "ada_w", "tara_o", "kim_b")


def ref_of(text: str) -> str | None:
    found = REF.search(text or "")
    return found.group(1) if found else None


@dataclass(frozen=True)
class Post:
    number: int
    platform: str
    created_at: dt.datetime

    @property
    def ref(self) -> str:
        return f"k{self.number}"

    @property
    def text(self) -> str:
        return TEXTS[self.number % len(TEXTS)].format(ref=self.ref)

    @property
    def author(self) -> str:
        return AUTHORS[self.number % len(AUTHORS)]


class Timeline:
    """The posts published so far, in order; thread-safe."""

    def __init__(self):
        self._posts: list[Post] = []
        self._lock = threading.Lock()

    def publish(self, created_at: dt.datetime) -> Post:
        with self._lock:
            number = len(self._posts)
            post = Post(number, PLATFORMS[number % len(PLATFORMS)], created_at)
            self._posts.append(post)
            return post

    def posts(self, platform: str | None = None) -> list[Post]:
        with self._lock:
            return [p for p in self._posts if platform is None or p.platform == platform]


def publish_steadily(timeline: Timeline, rate: float, seconds: float,
                     stop: threading.Event) -> None:
    """Publish post n at start + n / rate, stamped with the wall clock when it appears."""
    start = time.monotonic()
    number = 0
    while not stop.is_set():
        if number / rate >= seconds:
            return
        if stop.wait(max(0.0, start + number / rate - time.monotonic())):
            return
        timeline.publish(dt.datetime.now(UTC))
        number += 1


# -- the platforms' answers ----------------------------------------------------------------

def _query(path: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(path).query)


def _time(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))


def x_search(posts: list[Post], path: str) -> Reply:
    """GET /2/tweets/search/recent: the tweets within start_time..end_time, newest first,
    100 a page, the next page named by next_token."""
    from tests.connectors.x.payloads import RATE, page, tweet

    query = _query(path)
    start = _time(query["start_time"][0]) if "start_time" in query else None
    end = _time(query["end_time"][0]) if "end_time" in query else None
    size = int(query.get("max_results", ["10"])[0])
    offset = int(query.get("next_token", ["0"])[0])
    found = [p for p in reversed(posts)
             if (start is None or p.created_at >= start) and (end is None or p.created_at < end)]
    chunk = found[offset:offset + size]
    more = str(offset + size) if offset + size < len(found) else None
    return Reply(body=page([_tweet(tweet, p) for p in chunk], next_token=more), headers=RATE)


def x_lookup(posts: list[Post], path: str) -> Reply:
    """GET /2/tweets?ids=...: the tweets that still exist (all of them: nothing is deleted)."""
    from tests.connectors.x.payloads import RATE, page, snowflake, tweet

    wanted = set(",".join(_query(path).get("ids", [""])).split(","))
    found = [p for p in posts if snowflake(p.created_at, p.number % 4096) in wanted]
    return Reply(body=page([_tweet(tweet, p) for p in found]), headers=RATE)


def _tweet(tweet, post: Post) -> dict:
    return tweet(post.created_at, post.text, author=("1001", "1003")[post.number % 2],
                 sequence=post.number % 4096, hashtags=("KestrelMobile",))


def reddit_new(posts: list[Post], path: str) -> Reply:
    """GET /r/<sub>/new: submissions newest first, `limit` a page, paged by `after`; like
    Reddit, the listing ends after about 1,000 items."""
    from tests.connectors.reddit.test_reddit_connector import BUDGET, listing_data, t3

    query = _query(path)
    size = int(query.get("limit", ["25"])[0])
    newest_first = list(reversed(posts))[:1000]
    offset = 0
    if "after" in query:
        names = [f"t3_{_reddit_id(p)}" for p in newest_first]
        after = query["after"][0]
        offset = names.index(after) + 1 if after in names else len(names)
    chunk = newest_first[offset:offset + size]
    kids = [t3(_reddit_id(p), int(p.created_at.timestamp()), title=p.text[:80], selftext=p.text,
               author=p.author, author_fullname=f"t2_{p.author}", subreddit=SUBREDDIT)
            for p in chunk]
    after = kids[-1]["data"]["name"] if offset + size < len(newest_first) and kids else None
    return Reply(body=json.dumps(listing_data(*kids, after=after)).encode(), headers=BUDGET)


def _reddit_id(post: Post) -> str:
    return f"b{post.number:x}"


def reddit_about(path: str) -> Reply:
    """GET /user/<name>/about/: the author's profile (brand mentions look their author up)."""
    from tests.connectors.reddit.test_reddit_connector import ABOUT, BUDGET

    name = urlsplit(path).path.split("/")[2]
    about = {"kind": "t2", "data": {**ABOUT["data"], "name": name, "id": name[:6]}}
    return Reply(body=json.dumps(about).encode(), headers=BUDGET)


def feed(posts: list[Post], now: dt.datetime) -> Reply:
    """The RSS document: every entry of the last FEED_WINDOW, newest first, with an ETag
    so that an unchanged feed answers 304 to a conditional GET."""
    from email.utils import format_datetime

    recent = [p for p in reversed(posts) if p.created_at >= now - FEED_WINDOW]
    items = "".join(
        f"<item><guid>https://news.test/{p.ref}</guid><link>https://news.test/{p.ref}</link>"
        f"<title>{p.text[:60]}</title><dc:creator>{p.author}</dc:creator>"
        f"<pubDate>{format_datetime(p.created_at, usegmt=True)}</pubDate>"
        f"<content:encoded><![CDATA[<p>{p.text}</p>]]></content:encoded></item>"
        for p in recent)
    body = ('<?xml version="1.0"?><rss version="2.0" '
            'xmlns:dc="http://purl.org/dc/elements/1.1/" '
            'xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel>'
            f"<title>Kestrel alerts</title>{items}</channel></rss>").encode()
    etag = f'"{len(posts)}"'
    return Reply(body=body, headers={"Content-Type": "application/rss+xml", "ETag": etag})


def forum_latest(posts: list[Post], path: str) -> Reply:
    """GET /latest.json?order=activity[&page=n]: one topic per post, newest first, 30 a page."""
    from tests.connectors.forums.test_discourse_connector import iso, latest, listed

    number = int(_query(path).get("page", ["0"])[0])
    newest_first = list(reversed(posts))
    chunk = newest_first[number * 30:(number + 1) * 30]
    topics = [dict(listed(_topic_id(p), 0), bumped_at=iso(p.created_at),
                   last_posted_at=iso(p.created_at), posts_count=1) for p in chunk]
    more = (f"/latest?order=activity&page={number + 1}"
            if (number + 1) * 30 < len(newest_first) else None)
    return Reply(body=latest(*topics, more=more))


def forum_topic(posts: list[Post], path: str) -> Reply | None:
    """GET /t/<id>.json: the topic, whose one post is the benchmark's post."""
    from tests.connectors.forums.test_discourse_connector import iso, post, topic_page

    topic_id = int(urlsplit(path).path.split("/")[2].removesuffix(".json"))
    found = [p for p in posts if _topic_id(p) == topic_id]
    if not found:
        return Reply(status=404, body=b'{"errors": ["not found"]}')
    p = found[0]
    record = post(topic_id * 10 + 1, 1, 0, topic_id=topic_id, username=p.author,
                  text=p.text, created_at=iso(p.created_at), updated_at=iso(p.created_at))
    return Reply(body=topic_page(topic_id, [record]))


def forum_search(posts: list[Post], path: str) -> Reply:
    """GET /search.json?q=<keyword> order:latest[&page=n]: matching first posts, newest
    first, 50 a page."""
    from tests.connectors.forums.test_discourse_connector import iso, listed

    query = _query(path)
    words = [w for w in query.get("q", [""])[0].lower().split() if ":" not in w]
    number = int(query.get("page", ["1"])[0])
    hits = [p for p in reversed(posts) if all(w.strip('"') in p.text.lower() for w in words)]
    chunk = hits[(number - 1) * 50:number * 50]
    body = {"posts": [{"id": _topic_id(p) * 10 + 1, "topic_id": _topic_id(p),
                       "created_at": iso(p.created_at), "blurb": p.text[:40], "post_number": 1,
                       "username": p.author} for p in chunk],
            "topics": [dict(listed(_topic_id(p), 0), bumped_at=iso(p.created_at),
                            last_posted_at=iso(p.created_at)) for p in chunk],
            "users": [], "categories": [],
            "grouped_search_result": {"term": query.get("q", [""])[0],
                                      "post_ids": [_topic_id(p) * 10 + 1 for p in chunk],
                                      "more_full_page_results": number * 50 < len(hits)}}
    return Reply(body=json.dumps(body).encode())


def _topic_id(post: Post) -> int:
    return post.number + 1


class LivePlatform(LoopbackServer):
    """The tests' loopback server, answering from the timeline instead of a script."""

    def __init__(self, timeline: Timeline):
        super().__init__()
        self.timeline = timeline
        self.count_lock = threading.Lock()
        self.calls: dict[str, int] = {}
        self.requests = _Forgetful()  # hours of polling: count, do not keep every request

    def reply_for(self, method: str, path: str) -> Reply | None:
        from tests.connectors.reddit.test_reddit_connector import BUDGET, TOKEN, listing_data

        route = urlsplit(path).path
        kind = re.sub(r"^/t/\d+", "/t/<n>", route)
        with self.count_lock:
            self.calls[kind] = self.calls.get(kind, 0) + 1
        posts = self.timeline.posts
        if route == "/2/tweets/search/recent":
            return x_search(posts("x"), path)
        if route == "/2/tweets":
            return x_lookup(posts("x"), path)
        if route == "/api/v1/access_token":
            return TOKEN
        if route.rstrip("/") == f"/r/{SUBREDDIT}/new":
            return reddit_new(posts("reddit"), path)
        if route.rstrip("/") == f"/r/{SUBREDDIT}/comments":
            return Reply(body=json.dumps(listing_data()).encode(), headers=BUDGET)
        if route.startswith("/user/") and route.rstrip("/").endswith("/about"):
            return reddit_about(path)
        if route == "/feed":
            return feed(posts("feeds"), dt.datetime.now(UTC))
        if route == "/latest.json":
            return forum_latest(posts("forums"), path)
        if route == "/search.json":
            return forum_search(posts("forums"), path)
        if re.fullmatch(r"/t/\d+\.json", route):
            return forum_topic(posts("forums"), path)
        return None


class _Forgetful(list):
    """A request log that keeps nothing (LoopbackServer appends every request to it)."""

    def append(self, item) -> None:
        pass


# -- the HTTPS side: a CONNECT proxy that terminates TLS into the live platform ------------

TLS_HOSTS = ("api.twitter.com", "api.x.com", "www.reddit.com", "oauth.reddit.com")
VALID = (dt.datetime(2000, 1, 1, tzinfo=UTC), dt.datetime(2100, 1, 1, tzinfo=UTC))
"""The certificates' validity: fixed, not from the clock, which a test may move while
OpenSSL checks against the real one; they live for one run on loopback."""


def make_certificates(folder: Path) -> tuple[Path, Path, Path]:
    """A throw-away CA and a certificate it signs for TLS_HOSTS: (ca.pem, cert.pem, key.pem)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "carewire latency bench CA")])
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name)
          .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
          .not_valid_before(VALID[0]).not_valid_after(VALID[1])
          .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
          .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False),
                         critical=True)
          .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()),
                         critical=False)
          .sign(ca_key, hashes.SHA256()))
    leaf = (x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, TLS_HOSTS[0])]))
            .issuer_name(ca_name).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(VALID[0]).not_valid_after(VALID[1])
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(h) for h in TLS_HOSTS]),
                           critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
                           critical=False)
            .sign(ca_key, hashes.SHA256()))
    pem = serialization.Encoding.PEM
    paths = folder / "ca.pem", folder / "cert.pem", folder / "key.pem"
    paths[0].write_bytes(ca.public_bytes(pem))
    paths[1].write_bytes(leaf.public_bytes(pem))
    paths[2].write_bytes(key.private_bytes(pem, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return paths


class TlsProxy(socketserver.ThreadingTCPServer):
    """An HTTPS proxy for TLS_HOSTS that ends in `platform`: CONNECT, TLS, then the
    platform's own request handler on the decrypted connection."""

    daemon_threads = True

    def __init__(self, platform: LivePlatform, cert: Path, key: Path):
        self.platform = platform
        self.context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.context.load_cert_chain(cert, key)
        super().__init__(("127.0.0.1", 0), _ConnectHandler)
        self.thread = threading.Thread(target=self.serve_forever, args=(0.05,), daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def start(self) -> "TlsProxy":
        self.thread.start()
        return self

    def stop(self) -> None:
        self.shutdown()
        self.server_close()


class _ConnectHandler(socketserver.BaseRequestHandler):
    def handle(self) -> None:
        sock: socket.socket = self.request
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = sock.recv(4096)
            if not chunk:
                return
            head += chunk
        method, target = head.split(b" ", 2)[:2]
        host = target.decode().split(":")[0]
        if method != b"CONNECT" or host not in TLS_HOSTS:
            sock.sendall(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n")
            return
        sock.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
        try:
            tls = self.server.context.wrap_socket(sock, server_side=True)
        except (ssl.SSLError, OSError):
            return
        httpd = self.server.platform.httpd
        httpd.finish_request(tls, self.client_address)
        try:
            tls.unwrap()
        except (ssl.SSLError, OSError):
            pass
