"""Fetching X (API v2 recent search) through tweepy: paging, cursor, deletions, budget.

tweepy runs unmodified. Its `Client` is built in raw-response mode
(`return_type=requests.Response`) and its `session` attribute (tweepy 4.17 sends every
call through `self.session.request`) is replaced by ours, so carewire's retry policy, and
in the demo the replay adapter, sit under every call, and each response lands verbatim.

Credentials: the Airflow Connection `sources.x.conn_id` (default `carewire_x`) holds the
app's **bearer token**, in its extra as `{"bearer_token": "..."}` or, if the extra has
none, in its password field. Login is not used.

The window. Each run asks for the tweets created in
`[start_time, end_time]` with `end_time = interval.end` and
`start_time = (cursor.newest_created_at or interval.start) - lag`, newest first,
following `next_token` until X sends none. `since_id` is not used: X rejects it together
with `start_time`, and the lag re-read (edits, deletions, engagement counts) needs
`start_time`. The cursor keeps the newest tweet (`newest_id`, `newest_created_at`) and the
ids seen within the lag window (`recent`); a tweet of `recent` that falls inside this run's
window but that the search no longer returns is looked up (`GET /2/tweets?ids=`), and the
ones X reports as not found land as deletions.

The cursor moves only when the window was read to its end. A run that stops early (the
monthly budget is spent, the month's read plan has nothing left for this interval, or a
page is not usable JSON) lands what it read and keeps the old cursor, so the next run asks
for the whole window again (loads upsert: nothing is duplicated, nothing is skipped; X
bills a post read twice in a day once, and so does the ledger).

The budget (`sources.x.monthly_read_budget`) is planned over the month (budget.py): each
page asks for no more tweets (`max_results`) than the plan leaves this stream, so the
month's reads stay under the budget whatever the cadence; a run the plan leaves less than
X's smallest page does not call X, and the next run's window covers it.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone
from typing import Any, Callable, ClassVar, Mapping

import requests
import tweepy

from carewire.core.errors import AuthError, FatalSourceError, RetriableSourceError
from carewire.core.settings import Fetching, XSource
from carewire.connectors import http, state
from carewire.core.types import Credentials, Interval
from carewire.connectors.base import FetchResult, Mention, Page, Stream
from carewire.connectors.x import budget, mapping

log = logging.getLogger(__name__)

TWEET_FIELDS = ["created_at", "lang", "conversation_id", "in_reply_to_user_id",
                "referenced_tweets", "public_metrics", "entities"]
USER_FIELDS = ["username", "name", "public_metrics", "verified", "created_at", "description"]
EXPANSIONS = ["author_id", "referenced_tweets.id", "referenced_tweets.id.author_id"]
"""Authors in `includes.users`; the tweets a tweet retweets or quotes in `includes.tweets`,
with their authors (a retweet is kept as the tweet it repeats, a quote with the quoted
text: mapping.py). `edit_history_tweet_ids` is a default field, sent unasked."""

SEARCH_HORIZON = timedelta(days=7) - timedelta(minutes=1)
"""Recent search covers seven days back from the request; start_time may not be older."""


def _iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).isoformat()


def _epoch_iso(value: str | None) -> str | None:
    if not value or not value.isdigit():
        return None
    return datetime.fromtimestamp(int(value), tz=timezone.utc).isoformat()


def make_client(session: requests.Session, fetching: Fetching, **auth: str) -> tweepy.Client:
    """A tweepy Client in raw-response mode that sends through `session` (carewire's
    timeout and retry policy) and never sleeps on a rate limit itself: reading and posting
    share this set-up and differ only in `auth` (tweepy.Client's keyword arguments)."""
    client = tweepy.Client(**auth, return_type=requests.Response, wait_on_rate_limit=False)
    client.session = session
    client.user_agent = f"{fetching.http.user_agent} {client.user_agent}"
    return client


class XConnector:
    source: ClassVar[str] = mapping.SOURCE
    parse = staticmethod(mapping.parse)
    max_results: ClassVar[int] = 100
    """Tweets per search page: X's maximum, so a 1,000-tweet hour costs 10 requests."""
    lookup_batch: ClassVar[int] = 100
    """Ids per tweet lookup: X's maximum."""
    recent_kept: ClassVar[int] = 1000
    """Most ids the cursor keeps for deletion checks (the newest within the lag window)."""

    def __init__(self, x: XSource, fetching: Fetching,
                 credentials: Mapping[str, Credentials] | None = None):
        self.x = x
        self.fetching = fetching
        self.credentials = dict(credentials or {})
        self.session = http.make_session(fetching.http)

    @staticmethod
    def streams(x: XSource) -> list[Stream]:
        return [Stream(source=mapping.SOURCE, name=query.name, options={"query": query.query},
                       conn_id=x.conn_id) for query in x.queries]

    # -- the client ---------------------------------------------------------------------

    def _client(self, stream: Stream) -> tweepy.Client:
        creds = self.credentials.get(stream.conn_id) if stream.conn_id else None
        token = None
        if creds is not None:
            token = (creds.extra or {}).get("bearer_token") or creds.password
        if not token:
            raise AuthError(
                f"no X bearer token for Airflow Connection '{stream.conn_id}': create it "
                "(airflow connections add) with the token in its password, or in its extra as "
                '{"bearer_token": "..."}', source=self.source, stream=stream.name)
        return make_client(self.session, self.fetching, bearer_token=token)

    def _call(self, stream: Stream, method: Callable[..., requests.Response],
              **params) -> requests.Response:
        """One tweepy call; its exceptions become carewire's, each saying what to do."""
        where = {"source": self.source, "stream": stream.name}
        try:
            return method(**params)
        except tweepy.errors.TooManyRequests as exc:
            reset = _epoch_iso(exc.response.headers.get("x-rate-limit-reset"))
            when = f"the window resets at {reset}" if reset else "X sent no reset time"
            raise RetriableSourceError(
                f"X rate limit still exceeded after all retries (HTTP 429 from "
                f"{exc.response.url}); {when}. The next run or task retry tries again.",
                **where) from exc
        except (tweepy.errors.Unauthorized, tweepy.errors.Forbidden) as exc:
            detail = "; ".join(exc.api_messages) or exc.response.reason
            raise AuthError(
                f"X refused the bearer token (HTTP {exc.response.status_code}: {detail}); "
                f"put a valid bearer token of a project with recent-search access in Airflow "
                f"Connection '{stream.conn_id}' (password, or extra bearer_token).",
                **where) from exc
        except tweepy.errors.BadRequest as exc:
            detail = "; ".join(exc.api_messages) or exc.response.text[:300]
            raise FatalSourceError(
                f"X rejected the request (HTTP 400: {detail}); check the query of stream "
                f"'{stream.name}' in sources.x.queries of carewire.yaml.", **where) from exc
        except tweepy.errors.TwitterServerError as exc:  # 5xx left after the retries
            http.raise_for_status(exc.response, conn_id=stream.conn_id, **where)
            raise
        except tweepy.errors.HTTPException as exc:
            detail = "; ".join(exc.api_messages) or exc.response.text[:300]
            raise FatalSourceError(
                f"X answered HTTP {exc.response.status_code} ({detail}) to "
                f"{exc.response.url}; retrying will not help. The API address is tweepy's, "
                "not carewire's config: check X's API status and the tweepy version.",
                **where) from exc
        except requests.RequestException as exc:
            raise RetriableSourceError(
                f"could not reach the X API after retries ({type(exc).__name__}: {exc}). "
                "Check the network; the next run retries.", **where) from exc

    # -- fetching -----------------------------------------------------------------------

    def _window(self, cursor: Mapping[str, Any], interval: Interval) -> tuple[datetime, datetime]:
        newest = cursor.get("newest_created_at")
        start = (datetime.fromisoformat(newest) if newest else interval.start) - self.fetching.lag
        if start >= interval.end:  # a cursor from after this interval: read the interval
            start = interval.start - self.fetching.lag
        earliest = interval.end - SEARCH_HORIZON
        if start < earliest:
            log.warning("X recent search reaches back seven days only: reading from %s, not "
                        "%s; older tweets of this gap are not fetched", _iso(earliest),
                        _iso(start))
            start = earliest
        return start, interval.end

    def fetch(self, stream: Stream, cursor: Mapping[str, Any], interval: Interval) -> FetchResult:
        client = self._client(stream)
        run = _Run(self, stream, interval)
        start, end = self._window(cursor, interval)
        fields = {"expansions": EXPANSIONS, "tweet_fields": TWEET_FIELDS,
                  "user_fields": USER_FIELDS}

        complete, token, tokens = False, None, set()
        while size := run.room(self.max_results, least=budget.MIN_PAGE):
            response = self._call(stream, client.search_recent_tweets,
                                  query=stream.options["query"], start_time=start,
                                  end_time=end, max_results=size, next_token=token, **fields)
            document = run.land(response)
            if document is None:
                run.stopped = "a page was not usable JSON; it is landed and rejected"
                break
            meta = document.get("meta")
            token = meta.get("next_token") if isinstance(meta, dict) else None
            if not token:
                complete = True
                break
            if token in tokens:  # a server repeating itself would page forever
                run.stopped = f"X sent next_token {token!r} twice; paging stopped there"
                break
            tokens.add(token)

        deletions_checked = False
        if complete:
            seen = run.seen_ids()
            recent = cursor.get("recent") or {}
            missing = sorted(tweet_id for tweet_id, created in recent.items()
                             if tweet_id not in seen
                             and start <= datetime.fromisoformat(created) <= end)
            deletions_checked = True
            for first in range(0, len(missing), self.lookup_batch):
                ids = missing[first:first + self.lookup_batch]
                if not run.room(len(ids), least=len(ids)):
                    deletions_checked = False
                    break
                document = run.land(self._call(stream, client.get_tweets, ids=ids, **fields))
                if document is None:
                    deletions_checked = False
                    break
            run.lookups = len(missing)

        new_cursor = self._next_cursor(cursor, run.mentions) if complete else dict(cursor)
        return FetchResult(run.pages, new_cursor,
                           run.summary(cursor, start, end, complete, deletions_checked))

    def _next_cursor(self, cursor: Mapping[str, Any], mentions: list[Mention]) -> dict[str, Any]:
        live = [m for m in mentions if not m.is_deleted]
        deleted = {m.source_id for m in mentions if m.is_deleted}
        newest_at = cursor.get("newest_created_at")
        newest_id = cursor.get("newest_id")
        if live:
            top = max(live, key=lambda m: (m.created_at, int(m.source_id)))
            if newest_at is None or top.created_at > datetime.fromisoformat(newest_at):
                newest_at, newest_id = _iso(top.created_at), top.source_id
        recent = {k: v for k, v in (cursor.get("recent") or {}).items() if k not in deleted}
        recent.update({m.source_id: _iso(m.created_at) for m in live})
        if newest_at is not None:
            floor = datetime.fromisoformat(newest_at) - self.fetching.lag
            recent = {k: v for k, v in recent.items() if datetime.fromisoformat(v) >= floor}
        kept = sorted(recent.items(), key=lambda kv: (kv[1], int(kv[0])))[-self.recent_kept:]
        return {"newest_id": newest_id, "newest_created_at": newest_at, "recent": dict(kept)}


class _Run:
    """What one fetch has read so far: pages, mentions, budget and rate-limit state."""

    def __init__(self, connector: XConnector, stream: Stream, interval: Interval):
        self.fetching = connector.fetching
        self.stream = stream
        self.moment = interval.end
        self.month = budget.month_of(interval.end)
        self.limit = connector.x.monthly_read_budget
        self.streams = max(1, len(connector.x.queries))  # they share the plan, in parallel
        self.pages: list[Page] = []
        self.requests = 0
        self.mentions: list[Mention] = []
        self.rejects: list = []
        self.tweet_ids: set[str] = set()
        self.retweets = 0
        self.rate_limit: dict[str, Any] = {}
        self.run = f"{stream.name}/{interval.key}"
        self.spent = budget.spent(self.fetching, self.month, self.run)
        self.reread = self.spent["this_run"]  # read by earlier attempts of this interval
        self.exhausted = False
        self.paced = False
        self.stopped: str | None = None
        self.lookups = 0

    def room(self, wanted: int, least: int = 1) -> int:
        """How many tweets, up to `wanted`, the next request may ask for within the month's
        read plan (budget.allowance); 0, with the reason in `stopped`, when under `least`."""
        if self.limit is None:
            return wanted
        self.spent = budget.spent(self.fetching, self.month)
        read = self.spent["tweets_read"]
        allowed = budget.allowance(self.limit, read, self.moment, self.streams, self.reread)
        if allowed >= least:
            return min(wanted, allowed)
        if (self.limit - read + self.reread) // self.streams >= least:
            self.paced = True
            self.stopped = "read plan: the month's budget has nothing left for this interval"
            log.info("X read plan: %d of %d tweets read in %s, %d allowed by %s; stream %s "
                     "waits for the next run, whose window starts at the cursor",
                     read, self.limit, self.month, budget.paced(self.limit, self.moment),
                     self.moment.isoformat(), self.stream.name)
            return 0
        self.exhausted = True
        self.stopped = "monthly read budget spent"
        log.warning(
            "X monthly read budget spent: %d of %d tweets read in %s (ledger %s in %s); "
            "stream %s stopped paging and keeps its cursor. Raise %s in carewire.yaml to "
            "read more this month.", read, self.limit, self.month, budget.KEY,
            state.safe_url(self.fetching.state_url), self.stream.name, budget.CONFIG_KEY)
        return 0

    def land(self, response: requests.Response) -> dict[str, Any] | None:
        """Keep the response as a page, charge the budget, parse it; its JSON or None."""
        page = Page.from_response(response)
        self.pages.append(page)
        self.requests += 1 + http.retries_spent(response)
        headers = response.headers
        self.rate_limit = {"limit": headers.get("x-rate-limit-limit"),
                           "remaining": headers.get("x-rate-limit-remaining"),
                           "reset": _epoch_iso(headers.get("x-rate-limit-reset"))}
        document = mapping.body_json(page)
        data = document.get("data") if document else None
        tweets = data if isinstance(data, list) else []
        self.spent = budget.charge(self.fetching, self.moment,
                                   [str(t["id"]) for t in tweets
                                    if isinstance(t, dict) and "id" in t], self.run)
        parsed = mapping.parse(self.stream, page)
        if document is not None:
            self.tweet_ids.update(mapping.page_tweet_ids(document))
            self.tweet_ids.update(m.source_id for m in parsed.mentions if not m.is_deleted)
            self.retweets += mapping.retweets(document)
        self.mentions.extend(parsed.mentions)
        self.rejects.extend(parsed.rejects)
        return document

    def seen_ids(self) -> set[str]:
        return set(self.tweet_ids)

    def summary(self, cursor: Mapping[str, Any], start: datetime, end: datetime,
                complete: bool, deletions_checked: bool) -> dict[str, Any]:
        since = cursor.get("newest_created_at")
        live = [m for m in self.mentions if not m.is_deleted]
        new = [m for m in live if since is None or m.created_at > datetime.fromisoformat(since)]
        gaps = {}
        if since and datetime.fromisoformat(since) < start:  # clamped to recent search's week
            gaps["search"] = (f"tweets between the cursor ({since}) and {_iso(start)} were not "
                              "fetched: recent search reaches back seven days only")
        summary: dict[str, Any] = {
            "entries": len(self.mentions), "new": len(new),
            "deleted": len(self.mentions) - len(live), "rejected": len(self.rejects),
            "retweets": self.retweets,
            "reasons": sorted({r.reason for r in self.rejects}),
            "requests": self.requests, "pages": len(self.pages),
            "start_time": _iso(start), "end_time": _iso(end),
            "complete": complete, "stopped": self.stopped, "gaps": gaps,
            "deletion_lookups": self.lookups, "deletions_checked": deletions_checked,
            "rate_limit": self.rate_limit,
            "budget": {"month": self.month, "monthly_read_budget": self.limit,
                       "tweets_read": self.spent["tweets_read"], "requests": self.spent["requests"]},
            "budget_exhausted": self.exhausted, "budget_paced": self.paced,
        }
        return summary
