"""Fetching a Discourse forum: the latest-activity list, brand searches, then whole topics.

One run of one forum:

1. `GET /latest.json?order=activity`, following `more_topics_url`, newest activity first,
   until topics are older than the cursor minus the `lag` setting (pinned topics sit on top
   whatever their age and never stop the paging).
2. `GET /search.json?q=<keyword> order:latest` for each brand keyword, paged with `page=`
   down to the same floor. Search also finds topics the latest list leaves out (muted
   categories); on a busy forum it is how brand mentions are found at all.
3. `GET /t/{id}.json` once per topic found with activity since the floor; when the topic's
   `post_stream.stream` lists more ids than the page holds, the rest come from
   `GET /t/{id}/posts.json?post_ids[]=...` in chunks of 20, newest first, until a chunk
   holds nothing newer than the floor.

The cursor is the newest topic activity (`bumped_at` / `last_posted_at`) among the topics
whose pages were fetched. It never moves past a topic whose page could not be used, and
not at all when a listing broke off early (the topics below the break were never seen).
With no cursor yet, the first run reads `INITIAL_PAGES` pages of each listing: the most
recently active topics (every post of each), not every topic the forum ever had.

Discourse's public JSON needs no credentials. Classic forums are configured under
`sources.feeds` with `kind: forum` (the feed connector reads their RSS/Atom); the config
refuses them under `sources.forums`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar, Mapping
from urllib.parse import urlencode, urljoin, urlsplit, urlunsplit

import requests

from carewire.core.settings import Fetching, ForumSource, HttpSettings
from carewire.connectors import http
from carewire.core.types import Credentials, Interval
from carewire.connectors.base import FetchResult, Page, Parsed, Stream
from carewire.connectors.forums import mapping

ACCEPT = "application/json"


def json_session(settings: HttpSettings, *, retry_posts: bool = True) -> requests.Session:
    """carewire's HTTP session asking Discourse for JSON, for the reader and the reply
    channel alike (the channel's does not retry its POSTs: connectors/http.py)."""
    session = http.make_session(settings, retry_posts=retry_posts)
    session.headers["Accept"] = ACCEPT
    return session


class _Run:
    """What one fetch has gathered so far."""

    def __init__(self):
        self.pages: list[Page] = []
        self.parsed: list[Parsed] = []
        self.requests = 0
        self.retries = 0
        self.complete = True  # every listing was read down to the floor
        self.topics: dict[int, datetime | None] = {}  # topic id -> activity, in found order
        self.fetched: list[datetime | None] = []
        self.failed: list[datetime | None] = []
        self.gone = 0


class DiscourseConnector:
    source: ClassVar[str] = mapping.SOURCE
    parse = staticmethod(mapping.parse)

    CHUNK: ClassVar[int] = 20  # post ids per posts.json request (Discourse's chunk size)
    INITIAL_PAGES: ClassVar[int] = 3  # listing pages read per listing when there is no cursor
    cursor_field: ClassVar[str] = "newest_activity_at"

    def __init__(self, forums: list[ForumSource], fetching: Fetching,
                 credentials: Mapping[str, Credentials] | None = None):
        self.http = fetching.http
        self.lag = fetching.lag
        self.keywords = list(fetching.keywords)
        self.session = json_session(fetching.http)

    @staticmethod
    def streams(forums: list[ForumSource]) -> list[Stream]:
        return [Stream(source=mapping.SOURCE, name=forum.name,
                       options={"url": forum.url.rstrip("/"), "kind": forum.kind})
                for forum in forums]

    # -- HTTP ----------------------------------------------------------------------------

    def _get(self, run: _Run, stream: Stream, url: str, *, missing_ok: bool = False) -> Page:
        response = http.get(self.session, url, timeout=self.http.timeout_s, source=self.source,
                            stream=stream.name)
        retries = http.retries_spent(response)
        run.requests += 1 + retries
        run.retries += retries
        # a topic deleted (404, 410) or moved to a private category (403) since it was listed
        if not (missing_ok and response.status_code in (403, 404, 410)):
            http.raise_for_status(response, source=self.source, stream=stream.name,
                                  conn_id=stream.conn_id)
        # The URL as we asked for it (not where a test or proxy adapter sent it): the
        # mapping reads the forum's host and the page kind from it.
        page = Page.from_response(response, url)
        run.pages.append(page)
        run.parsed.append(mapping.parse(stream, page))
        return page

    # -- fetch ---------------------------------------------------------------------------

    def fetch(self, stream: Stream, cursor: Mapping[str, Any], interval: Interval) -> FetchResult:
        base = stream.options["url"].rstrip("/")
        since = mapping.timestamp(cursor.get(self.cursor_field))
        floor = since - self.lag if since else None
        run = _Run()
        self._latest(run, stream, base, floor)
        for keyword in self.keywords:
            self._search(run, stream, base, keyword, floor)
        for topic_id, activity in run.topics.items():
            self._topic(run, stream, base, topic_id, activity, floor)
        return FetchResult(run.pages, self._next_cursor(run, since), self._summary(run, since))

    @staticmethod
    def _newer(activity: datetime | None, floor: datetime | None) -> bool:
        return floor is None or activity is None or activity >= floor

    def _latest(self, run: _Run, stream: Stream, base: str, floor: datetime | None) -> None:
        url: str | None = f"{base}/latest.json?order=activity"
        seen_urls: set[str] = set()
        pages = 0
        while url and url not in seen_urls:
            seen_urls.add(url)
            page = self._get(run, stream, url)
            pages += 1
            data, problem = mapping.load_json(page)
            topic_list = data.get("topic_list") if isinstance(data, dict) else None
            if problem or not isinstance(topic_list, dict) or not isinstance(
                    topic_list.get("topics"), list):
                run.complete = False  # landed (and rejected by parse); stop paging here
                return
            reached_floor, known = False, len(run.topics)
            for topic in topic_list["topics"]:
                if not isinstance(topic, dict) or not isinstance(topic.get("id"), int):
                    continue
                activity = self._activity(topic)
                if not self._newer(activity, floor):
                    if topic.get("pinned") or topic.get("pinned_globally"):
                        continue  # pinned topics head the list whatever their age
                    reached_floor = True
                    break
                run.topics.setdefault(topic["id"], activity)
            more = topic_list.get("more_topics_url")
            if reached_floor or len(run.topics) == known or not more:
                return  # the floor, the end, or a server that ignores `page` (no new topics)
            if floor is None and pages >= self.INITIAL_PAGES:
                return
            url = self._json_url(base, more)

    def _search(self, run: _Run, stream: Stream, base: str, keyword: str,
                floor: datetime | None) -> None:
        query = {"q": f"{keyword} order:latest"}
        seen: set = set()
        for number in range(1, 1000):
            params = dict(query, page=number) if number > 1 else query
            page = self._get(run, stream, f"{base}/search.json?{urlencode(params)}")
            data, problem = mapping.load_json(page)
            if problem or not isinstance(data, dict) or not isinstance(
                    data.get("grouped_search_result"), dict):
                run.complete = False
                return
            posts = [p for p in data.get("posts") or [] if isinstance(p, dict)]
            topics = {t.get("id"): t for t in data.get("topics") or [] if isinstance(t, dict)}
            reached_floor, ids = False, {post.get("id") for post in posts}
            if ids <= seen:
                return  # a server that ignores `page` sends the same results again
            seen |= ids
            for post in posts:
                created = mapping.timestamp(post.get("created_at"))
                if not self._newer(created, floor):
                    reached_floor = True  # order:latest: every later result is older
                    break
                topic_id = post.get("topic_id")
                if isinstance(topic_id, int):
                    activity = self._activity(topics.get(topic_id, {})) or created
                    run.topics.setdefault(topic_id, activity)
            more = data["grouped_search_result"].get("more_full_page_results")
            if reached_floor or not posts or not more:
                return
            if floor is None and number >= self.INITIAL_PAGES:
                return

    def _topic(self, run: _Run, stream: Stream, base: str, topic_id: int,
               activity: datetime | None, floor: datetime | None) -> None:
        page = self._get(run, stream, f"{base}/t/{topic_id}.json", missing_ok=True)
        if page.status != 200:
            run.gone += 1  # deleted or made private since it was listed
            return
        data, _ = mapping.load_json(page)
        post_stream = data.get("post_stream") if isinstance(data, dict) else None
        if not isinstance(post_stream, dict) or not isinstance(post_stream.get("posts"), list):
            run.failed.append(activity)  # landed and rejected; refetched by the next run
            return
        have = {p.get("id") for p in post_stream["posts"] if isinstance(p, dict)}
        rest = [i for i in post_stream.get("stream") or [] if i not in have]
        # newest chunk first; stop once a whole chunk is older than the floor
        for end in range(len(rest), 0, -self.CHUNK):
            chunk = rest[max(0, end - self.CHUNK):end]
            query = urlencode([("post_ids[]", i) for i in chunk])
            chunk_page = self._get(run, stream, f"{base}/t/{topic_id}/posts.json?{query}")
            parsed = run.parsed[-1]
            if chunk_page.status != 200 or (parsed.rejects and not parsed.mentions):
                run.failed.append(activity)
                return
            newest = max((m.created_at for m in parsed.mentions), default=None)
            if floor is not None and newest is not None and newest < floor:
                break
        run.fetched.append(activity)

    @staticmethod
    def _activity(topic: Mapping[str, Any]) -> datetime | None:
        times = [mapping.timestamp(topic.get(k)) for k in ("bumped_at", "last_posted_at")]
        times = [t for t in times if t is not None]
        return max(times) if times else None

    @staticmethod
    def _json_url(base: str, more: str) -> str:
        """`/latest?order=activity&page=1` (Discourse's `more_topics_url`) as its JSON URL."""
        parts = urlsplit(urljoin(base + "/", more))
        path = parts.path if parts.path.endswith(".json") else parts.path + ".json"
        return urlunsplit(parts._replace(path=path))

    # -- cursor and summary ----------------------------------------------------------------

    @staticmethod
    def _next_cursor(run: _Run, since: datetime | None) -> dict[str, Any]:
        """The newest activity the landed topic pages hold, held back by any failure."""
        if not run.complete:
            return {DiscourseConnector.cursor_field: since.isoformat() if since else None}
        newest = max([t for t in run.fetched if t is not None] + ([since] if since else []),
                     default=None)
        if run.failed:
            if newest is None or any(t is None for t in run.failed):
                newest = since
            else:
                newest = min([newest, *run.failed])
        return {DiscourseConnector.cursor_field: newest.isoformat() if newest else None}

    @staticmethod
    def _summary(run: _Run, since: datetime | None) -> dict[str, Any]:
        mentions = {m.source_id: m for parsed in run.parsed for m in parsed.mentions}
        rejects = [r for parsed in run.parsed for r in parsed.rejects]
        new = [m for m in mentions.values() if since is None or m.created_at > since]
        skipped: dict[str, int] = {}
        for parsed in run.parsed:
            for why, count in parsed.skipped.items():
                skipped[why] = skipped.get(why, 0) + count
        return {"entries": len(mentions), "new": len(new), "rejected": len(rejects),
                "reasons": sorted({r.reason for r in rejects}),
                # regular posts only: moderator notices, status lines, whispers and posts
                # with no words of their own are counted here, not loaded
                "skipped": dict(sorted(skipped.items())),
                "topics_listed": len(run.topics), "topics_fetched": len(run.fetched),
                "topics_failed": len(run.failed), "topics_gone": run.gone,
                "requests": run.requests, "retries": run.retries,
                "listings_complete": run.complete,
                # Discourse sends no quota headers; anonymous callers get 200 requests a
                # minute and 50 per 10 s per IP by default, and 429 + Retry-After beyond.
                "budget": {"requests": run.requests, "retried": run.retries}}
