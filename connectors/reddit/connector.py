"""Fetching Reddit through praw: newest-first listings read back to a cursor per listing.

Streams: `r-<subreddit>` reads a subreddit's new submissions and its new comments (two
listings, two cursors); a search stream reads `search(query, sort="new")` in one
subreddit (`all` by default). Each listing is read newest first, 100 per request, until it
reaches its cursor minus the `lag` setting (so edits, deletions and scores of the last hour
are read again), or until Reddit has nothing older (listings end after ~1000 items).

praw and prawcore run unmodified on carewire's session (connectors/reddit/client.py), so
the one retry policy of connectors/http.py and the replay adapter apply. prawcore keeps
to Reddit's rate limit (x-ratelimit-remaining/used/reset) by sleeping when the window runs
low. A response hook on that session captures every API response as a
`Page`, except the OAuth token response (it holds the token).

The authors of mentions that name a brand keyword are looked up once
(`/user/<name>/about`: karma and account age) and remembered for a week in the ingest
state store (connectors/state.py, key `reddit/authors`; before, the landing root's
`reddit/_authors.json`, carried over once); those responses are landed with the stream's
pages.
"""

from __future__ import annotations

import logging
import re
from datetime import datetime, timedelta
from typing import Any, ClassVar, Iterable, Mapping

import praw
import prawcore

from carewire.core.errors import AuthError, FatalSourceError, RetriableSourceError
from carewire.core.settings import Fetching, RedditSource
from carewire.connectors import http
from carewire.core.types import Credentials, Interval, utc
from carewire.connectors.base import FetchResult, Mention, Page, Stream
from carewire.connectors import state
from carewire.connectors.reddit import mapping
from carewire.connectors.reddit.client import make_reddit

log = logging.getLogger(__name__)

TOKEN_PATH = "/api/v1/access_token"
PAGE_SIZE = 100
LISTING_CAP = 1000  # Reddit serves about this many items of a listing, however it is paged
AUTHOR_TTL = timedelta(days=7)
AUTHORS_KEY = "reddit/authors"
"""The author cache's key in the ingest state store: {lower-case name: lookup}."""
AUTHORS_FILE = "_authors.json"
"""Where an earlier release kept the cache, in the landing root's reddit folder."""
BUDGET_HEADERS = ("x-ratelimit-remaining", "x-ratelimit-used", "x-ratelimit-reset")


class _Capture:
    """The session's response hook: every API response as a Page, and the budget headers."""

    def __init__(self):
        self.pages: list[Page] = []
        self.requests = 0
        self.budget: dict[str, str] = {}

    def __call__(self, response, *args, **kwargs):
        self.requests += 1
        for name in BUDGET_HEADERS:
            if name in response.headers:
                self.budget[name] = response.headers[name]
        if not response.request.path_url.startswith(TOKEN_PATH):
            self.pages.append(Page.from_response(response))
        return response


def _epoch(moment: datetime) -> float:
    return utc(moment).timestamp()


def _is_old(created: float, ident: str, cursor: Mapping[str, Any]) -> bool:
    """At or before the cursor: seen by an earlier run."""
    newest = cursor.get("newest_created_utc")
    if newest is None:
        return False
    return created < newest or (created == newest and ident in cursor.get("seen_ids_at_newest", []))


class RedditConnector:
    source: ClassVar[str] = mapping.SOURCE
    parse = staticmethod(mapping.parse)

    def __init__(self, reddit: RedditSource, fetching: Fetching,
                 credentials: Mapping[str, Credentials] | None = None):
        self.fetching = fetching
        self.credentials = dict(credentials or {})
        self.session = http.make_session(fetching.http)
        self._capture = _Capture()
        self.session.hooks["response"].append(self._capture)
        self._reddit: praw.Reddit | None = None
        self._keywords = (re.compile("|".join(re.escape(k) for k in fetching.keywords), re.I)
                          if fetching.keywords else None)

    @staticmethod
    def streams(reddit: RedditSource) -> list[Stream]:
        found = [Stream(source=mapping.SOURCE, name=f"r-{name.lower()}",
                        options={"kind": "subreddit", "subreddit": name}, conn_id=reddit.conn_id)
                 for name in reddit.subreddits]
        found += [Stream(source=mapping.SOURCE, name=search.name,
                         options={"kind": "search", "query": search.query,
                                  "subreddit": search.subreddit}, conn_id=reddit.conn_id)
                  for search in reddit.searches]
        return found

    # -- client ------------------------------------------------------------------------

    def _client(self, stream: Stream) -> praw.Reddit:
        if self._reddit is not None:
            return self._reddit
        creds = self.credentials.get(stream.conn_id or "")
        if creds is None or not creds.login or not creds.password:
            raise AuthError(f"no Reddit app credentials were passed for Airflow Connection "
                            f"'{stream.conn_id}'; create it with login = client id, password = "
                            "client secret (airflow connections add)",
                            source=self.source, stream=stream.name)
        # No username/password: read-only, application-only OAuth (client credentials grant).
        user_agent = creds.extra.get("user_agent") or self.fetching.http.user_agent
        reddit = make_reddit(client_id=creds.login, client_secret=creds.password,
                             user_agent=user_agent, http=self.fetching.http, session=self.session)
        reddit.read_only = True
        self._reddit = reddit
        return reddit

    def _error(self, exc: Exception, stream: Stream) -> Exception:
        """praw/prawcore's exception as the carewire error that says what to do."""
        where = {"source": self.source, "stream": stream.name}
        if isinstance(exc, prawcore.exceptions.ResponseException):
            response = exc.response
            if isinstance(exc, prawcore.exceptions.Redirect) or response.status_code in (301, 302):
                return FatalSourceError(
                    f"Reddit redirected {response.url} to {response.headers.get('location')}: "
                    f"the subreddit {stream.options.get('subreddit')!r} does not exist or is "
                    "banned; fix it in carewire.yaml", **where)
            try:
                http.raise_for_status(response, conn_id=stream.conn_id, **where)
            except (AuthError, RetriableSourceError, FatalSourceError) as mapped:
                return mapped
            return FatalSourceError(f"unexpected HTTP {response.status_code} from {response.url}",
                                    **where)
        if isinstance(exc, prawcore.exceptions.OAuthException):
            return AuthError(f"Reddit refused the app credentials ({exc}); update the login "
                             f"(client id) and password (client secret) of Airflow Connection "
                             f"'{stream.conn_id}'", **where)
        if isinstance(exc, prawcore.exceptions.RequestException):
            return RetriableSourceError(
                f"could not reach Reddit after retries ({exc.original_exception!r}); check the "
                "network; the next run retries", **where)
        return FatalSourceError(f"praw failed: {type(exc).__name__}: {exc}", **where)

    # -- fetch -------------------------------------------------------------------------

    def fetch(self, stream: Stream, cursor: Mapping[str, Any], interval: Interval) -> FetchResult:
        self._capture.pages, self._capture.requests, self._capture.budget = [], 0, {}
        try:
            reddit = self._client(stream)
            subreddit = reddit.subreddit(stream.options["subreddit"])
            if stream.options["kind"] == "subreddit":
                listings = {
                    "submissions": lambda: subreddit.new(limit=None, request_limit=PAGE_SIZE),
                    "comments": lambda: subreddit.comments(limit=None, request_limit=PAGE_SIZE),
                }
            else:
                query = stream.options["query"]
                # sort=new, time_filter=all: the cursor bounds the read, not Reddit's
                # clock-relative hour/day/week windows (a rerun of an old interval must
                # ask the same question).
                listings = {"search": lambda: subreddit.search(
                    query, sort="new", time_filter="all", limit=None, request_limit=PAGE_SIZE)}
            states: dict[str, Any] = {}
            mentions: dict[str, Mention] = {}
            stats = {"new": 0, "rejected": 0, "reasons": set(), "stopped": {}, "gaps": {}}
            for name, listing in listings.items():
                old = cursor.get(name, {}) if len(listings) > 1 else cursor
                state, found = self._read(stream, listing, old, interval, stats, name)
                states[name] = state
                mentions.update(found)
            authors = self._fetch_authors(reddit, mentions.values(), interval)
        except (prawcore.exceptions.PrawcoreException, praw.exceptions.PRAWException) as exc:
            raise self._error(exc, stream) from exc
        new_cursor = states if len(listings) > 1 else states["search"]
        summary = {"entries": len(mentions), "new": stats["new"], "rejected": stats["rejected"],
                   "reasons": sorted(stats["reasons"]), "requests": self._capture.requests,
                   "pages": len(self._capture.pages), "stopped_early": stats["stopped"],
                   "gaps": stats["gaps"],
                   "authors": authors,
                   "budget": {k.removeprefix("x-ratelimit-"): v
                              for k, v in self._capture.budget.items()}}
        return FetchResult(list(self._capture.pages), new_cursor, summary)

    def _read(self, stream: Stream, listing, old: Mapping[str, Any], interval: Interval,
              stats: dict, name: str) -> tuple[dict[str, Any], dict[str, Mention]]:
        """Read one listing newest first until it reaches `old` minus the lag window.

        Decisions are made on our own parse of each captured page, never on praw's lazy
        objects (reading a missing attribute of those fetches it). Returns the cursor to
        save and the mentions read. The cursor moves only when the read reached the old
        cursor or the end of the listing: stopping on a broken page leaves a gap between
        that page and the old cursor, which the next run must read again.
        """
        stop_at = None
        if old.get("newest_created_utc") is not None:
            stop_at = old["newest_created_utc"] - self.fetching.lag.total_seconds()
        mentions: dict[str, Mention] = {}
        complete, reached = True, False
        seen_pages = len(self._capture.pages)
        generator = listing()
        while True:
            try:
                next(generator)
            except StopIteration:
                break  # the listing has nothing older
            except prawcore.exceptions.BadJSON:
                complete = False  # hook landed it; parse rejects it whole
                stats["stopped"][name] = "a response was not JSON"
                stats["rejected"] += self._count_rejects(stream, seen_pages, stats)
                break
            except (KeyError, TypeError, ValueError, AttributeError) as exc:
                complete = False  # praw could not read the page; parse says why
                stats["stopped"][name] = f"praw could not read a page ({type(exc).__name__})"
                stats["rejected"] += self._count_rejects(stream, seen_pages, stats)
                break
            if len(self._capture.pages) == seen_pages:
                continue  # still inside a page already looked at
            page = self._capture.pages[-1]
            seen_pages = len(self._capture.pages)
            parsed = mapping.parse(stream, page)
            stats["rejected"] += len(parsed.rejects)
            stats["reasons"].update(r.reason for r in parsed.rejects)
            reached = False
            for mention in parsed.mentions:
                created = _epoch(mention.created_at)
                if mention.source_id not in mentions and not _is_old(created, mention.source_id, old):
                    stats["new"] += 1
                mentions[mention.source_id] = mention
                if stop_at is not None and (created < stop_at or (
                        stop_at == old["newest_created_utc"] and
                        _is_old(created, mention.source_id, old))):
                    reached = True
            if parsed.rejects and not parsed.mentions:
                complete = False
                stats["stopped"][name] = "a page held nothing usable"
                break
            if reached:
                break
        if not complete:
            return dict(old), mentions
        oldest = min((_epoch(m.created_at) for m in mentions.values()), default=None)
        if (stop_at is not None and not reached and len(mentions) >= LISTING_CAP - PAGE_SIZE
                and oldest is not None and oldest > old["newest_created_utc"]):
            # Reddit lists about 1,000 items: after a long outage of carewire the listing
            # can end before the cursor. What lies between cannot be fetched any more.
            stats["gaps"][name] = ("the listing ended before the last cursor: mentions "
                                   "between its oldest item and the cursor were not fetched")
            log.warning("reddit %s/%s: %s", stream.name, name, stats["gaps"][name])
        return self._advance(old, mentions.values(), interval), mentions

    def _count_rejects(self, stream: Stream, seen_pages: int, stats: dict) -> int:
        count = 0
        for page in self._capture.pages[seen_pages:]:
            parsed = mapping.parse(stream, page)
            stats["reasons"].update(r.reason for r in parsed.rejects)
            count += len(parsed.rejects)
        return count

    @staticmethod
    def _advance(old: Mapping[str, Any], mentions: Iterable[Mention],
                 interval: Interval) -> dict[str, Any]:
        """The newest creation second read (never past the interval's end) and its ids."""
        cap = _epoch(interval.end)
        newest = old.get("newest_created_utc")
        seen = set(old.get("seen_ids_at_newest", []))
        for mention in mentions:
            created = _epoch(mention.created_at)
            if created > cap:
                continue  # posted after this interval: the next interval counts it
            if newest is None or created > newest:
                newest, seen = created, {mention.source_id}
            elif created == newest:
                seen.add(mention.source_id)
        return {"newest_created_utc": newest, "seen_ids_at_newest": sorted(seen)}

    # -- authors -----------------------------------------------------------------------

    def _fetch_authors(self, reddit: praw.Reddit, mentions: Iterable[Mention],
                       interval: Interval) -> dict[str, int]:
        """Look up the authors of brand mentions not looked up in the week before.

        The cache is read as it stood when the interval began, like a cursor: a profile
        looked up by this interval (or a later one) is looked up again, so a rerun, or a
        sibling stream of the same interval, makes the same requests whatever ran first. A
        backfill of earlier hours that looks an author up does spare a later rerun that
        request; the profile is then in the backfill's batch, and the warehouse is the same.
        """
        cached = 0
        looked_up: list[str] = []
        if self._keywords is None:
            return {"looked_up": 0, "cached": 0}
        files = self.fetching.state_files
        first = state.legacy_json(files / mapping.SOURCE / AUTHORS_FILE if files else None)
        cache = state.read(self.fetching.state_url, AUTHORS_KEY, first)
        wanted = sorted({m.author.handle for m in mentions
                         if m.author and m.author.handle and not m.is_deleted
                         and self._keywords.search(f"{m.title or ''}\n{m.text}")})
        for name in wanted:
            entry = cache.get(name.lower())
            fetched = datetime.fromisoformat(entry["fetched_at"]) if entry else None
            if fetched and fetched <= interval.start and interval.start - fetched < AUTHOR_TTL:
                cached += 1
                continue
            redditor = reddit.redditor(name)
            try:
                found = getattr(redditor, "id", None) is not None  # fetches /user/<name>/about
            except prawcore.exceptions.NotFound:
                found = False  # the account is gone; its 404 page is landed and skipped
            cache[name.lower()] = {"fetched_at": interval.end.isoformat(), "found": found}
            looked_up.append(name.lower())
        if looked_up:  # merge: a sibling stream may have written meanwhile
            with state.updating(self.fetching.state_url, AUTHORS_KEY, first) as current:
                for name in looked_up:  # the newest lookup is kept (a rerun may be older)
                    if current.get(name, {}).get("fetched_at", "") < cache[name]["fetched_at"]:
                        current[name] = cache[name]
        return {"looked_up": len(looked_up), "cached": cached}
