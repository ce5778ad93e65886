"""Posting the desk's replies on X (API v2 `POST /2/tweets`) as the brand's account.

Credentials. X posts only as a user, never with the app's bearer token the reader uses.
The brand account's user context lives in the extra of the same Airflow Connection
(`sources.x.conn_id`, default `carewire_x`), beside the reader's bearer token:

* OAuth 1.0a: `consumer_key`, `consumer_secret` (the app's API key and secret) and
  `access_token`, `access_token_secret` (the brand account's, generated after the app was
  given "Read and write" permission: tokens made before keep the old read-only grant).
  They do not expire, so they are the ones for an unattended sender; or
* OAuth 2.0: `user_access_token`, a user access token with the tweet.read, tweet.write
  and users.read scopes. X lets it expire after two hours and carewire does not refresh
  it; a 401 then says to put a fresh one in.

When both are there, OAuth 1.0a is used.

Exactly once. X takes no idempotency key, so a POST is sent once: the session does not
retry POSTs (`http.make_session(retry_posts=False)`) and tweepy does not retry by itself
(`wait_on_rate_limit=False`). A timeout, a 5xx or a 429 raises RetriableSourceError, and
before any retry the sender calls `find`, which searches the conversation for the brand's
reply (recent search: `conversation_id:<thread_id> from:<brand user id>`, the id from
`GET /2/users/me`) and takes the tweet that replies to the answered tweet with the same
text. Recent search reaches seven days back and shows a new tweet after a few seconds;
if a retry misses the first post anyway, X refuses the second as duplicate content and
the sender gets ReplyRefused, not a second reply.
"""

from __future__ import annotations

import html
import re
import time
import unicodedata
from typing import Any, Callable, ClassVar, Mapping

import requests
import tweepy

from carewire.connectors import http
from carewire.connectors.x import mapping
from carewire.connectors.x.connector import make_client
from carewire.core.errors import AuthError, FatalSourceError, ReplyRefused, RetriableSourceError
from carewire.core.replies import Posted, Reply
from carewire.core.settings import Fetching, XSource
from carewire.core.types import Credentials

OAUTH1_FIELDS = ("consumer_key", "consumer_secret", "access_token", "access_token_secret")
OAUTH2_FIELD = "user_access_token"

CREDENTIALS_PROBLEMS = ("/oauth1-permissions", "/client-forbidden", "/unsupported-authentication")
"""Ends of the `type` of X's 403 problems about the app or the token, not the tweet: a
read-only app, an app outside a Project, an app-only token. Every reply would fail the
same way, so they are AuthError. X's other 403s to a reply are about that reply
(duplicate content, a deleted or hidden tweet, a conversation limited to people the
author mentioned): ReplyRefused, in X's words."""

RATE_WINDOWS = ("x-rate-limit", "x-user-limit-24hour", "x-app-limit-24hour")
"""X's rate-limit headers (`<window>-remaining`, `<window>-reset` in epoch seconds): the
15-minute window of the endpoint, and the 24-hour post caps of the user and the app."""

_URL = re.compile(r"https?://\S+")


def comparable(text: str) -> str:
    """The text as `find` compares it: X wraps every link in the posted text as
    `https://t.co/<code>` (whatever the agent wrote: the link is in `entities`), so each
    URL becomes one marker on both sides; the rest must match exactly, apart from the
    surrounding whitespace and the Unicode normal form (X stores text in NFC). A link
    written without `http(s)://` is not recognised on the agent's side; such a reply is
    not found, and X then refuses to post it again as duplicate content."""
    return unicodedata.normalize("NFC", _URL.sub("<url>", text).strip())


def retry_after(headers: Mapping[str, str]) -> float | None:
    """Seconds until X takes posts again: the latest reset among the windows that say
    nothing is left, else the endpoint window's reset; None when X sent no reset."""
    resets = {window: headers.get(f"{window}-reset") or "" for window in RATE_WINDOWS}
    spent = [int(reset) for window, reset in resets.items()
             if reset.isdigit() and headers.get(f"{window}-remaining") == "0"]
    endpoint = resets[RATE_WINDOWS[0]]
    latest = max(spent) if spent else int(endpoint) if endpoint.isdigit() else None
    return None if latest is None else max(0.0, latest - time.time())


def _detail(exc: tweepy.errors.HTTPException) -> str:
    return "; ".join(exc.api_messages) or exc.response.text[:300] or exc.response.reason


class XReplies:
    """The ReplyChannel of X: `post` once through tweepy, `find` by recent search."""

    source: ClassVar[str] = mapping.SOURCE
    search_page: ClassVar[int] = 100
    """Tweets per search page: X's maximum (a brand rarely says more in one thread)."""

    def __init__(self, x: XSource, fetching: Fetching,
                 credentials: Mapping[str, Credentials] | None = None):
        self.x = x
        self.fetching = fetching
        self.credentials = dict(credentials or {})
        self.session = http.make_session(fetching.http, retry_posts=False)
        self._brand_id: str | None = None

    # -- the client ---------------------------------------------------------------------

    def _client(self, reply: Reply) -> tuple[tweepy.Client, bool]:
        """The tweepy client acting as the brand's account, and tweepy's `user_auth`
        (True: OAuth 1.0a signing; False: the OAuth 2.0 user token as bearer)."""
        creds = self.credentials.get(self.x.conn_id)
        extra = dict(creds.extra or {}) if creds is not None else {}
        oauth1 = {name: extra.get(name) for name in OAUTH1_FIELDS}
        if all(oauth1.values()):
            return make_client(self.session, self.fetching, **oauth1), True
        if extra.get(OAUTH2_FIELD):
            return make_client(self.session, self.fetching,
                               bearer_token=extra[OAUTH2_FIELD]), False
        partial = [name for name, value in oauth1.items() if value]
        missing = (f"its extra has {', '.join(partial)} but lacks "
                   f"{', '.join(n for n, v in oauth1.items() if not v)}" if partial else
                   "its extra has neither")
        raise AuthError(
            f"cannot post on X as the brand: Airflow Connection '{self.x.conn_id}' needs the "
            f"brand account's user context in its extra, either {', '.join(OAUTH1_FIELDS)} "
            f"(OAuth 1.0a, from an app with Read and write permission) or {OAUTH2_FIELD} "
            f"(OAuth 2.0 with tweet.write); {missing}.", source=self.source, stream=reply.stream)

    def _call(self, reply: Reply, method: Callable[..., requests.Response], *, posting: bool,
              **params) -> requests.Response:
        """One tweepy call; its exceptions become carewire's, each saying what to do."""
        where = {"source": self.source, "stream": reply.stream}
        doing = (f"posting the reply to tweet {reply.source_id}" if posting else
                 f"looking for the brand's reply to tweet {reply.source_id}")
        unsure = ("X may have posted it all the same: the sender looks for it before trying "
                  "again." if posting else "nothing was posted; the sender tries again later.")
        try:
            return method(**params)
        except tweepy.errors.TooManyRequests as exc:
            wait = retry_after(exc.response.headers)
            when = (f"X lifts it in {wait:.0f} s" if wait is not None else
                    "X sent no reset time")
            raise RetriableSourceError(
                f"X rate limit reached {doing} (HTTP 429: {_detail(exc)}); {when}. The "
                "sender waits and tries again; nothing was posted.", retry_after_s=wait,
                **where) from exc
        except tweepy.errors.Unauthorized as exc:
            raise AuthError(
                f"X refused the brand account's credentials {doing} (HTTP 401: "
                f"{_detail(exc)}); put valid ones in the extra of Airflow Connection "
                f"'{self.x.conn_id}' ({', '.join(OAUTH1_FIELDS)}, or a fresh "
                f"{OAUTH2_FIELD}).", **where) from exc
        except tweepy.errors.Forbidden as exc:
            problem = str(_json(exc.response).get("type", ""))
            if posting and not problem.endswith(CREDENTIALS_PROBLEMS):
                raise ReplyRefused(
                    f"X will not post the reply to tweet {reply.source_id} (HTTP 403): "
                    f"{_detail(exc)}", **where) from exc
            raise AuthError(
                f"X refused the app or the brand account {doing} (HTTP 403: {_detail(exc)}); "
                "give the app Read and write permission in the X developer portal (and attach "
                "it to a Project), then generate the access token and secret again and put "
                f"them in the extra of Airflow Connection '{self.x.conn_id}'.",
                **where) from exc
        except tweepy.errors.BadRequest as exc:
            if posting:
                raise ReplyRefused(
                    f"X will not post the reply to tweet {reply.source_id} (HTTP 400): "
                    f"{_detail(exc)}", **where) from exc
            raise FatalSourceError(
                f"X rejected the search {doing} (HTTP 400: {_detail(exc)}); the reply's "
                f"source_id {reply.source_id!r} and thread_id {reply.thread_id!r} must be X "
                "tweet ids: check where the desk took them from.", **where) from exc
        except tweepy.errors.TwitterServerError as exc:
            wait = exc.response.headers.get("Retry-After") or ""
            raise RetriableSourceError(
                f"X failed {doing} (HTTP {exc.response.status_code}: {_detail(exc)}); "
                f"{unsure}", retry_after_s=float(wait) if wait.isdigit() else None, **where) from exc
        except tweepy.errors.HTTPException as exc:
            raise FatalSourceError(
                f"X answered HTTP {exc.response.status_code} ({_detail(exc)}) {doing} at "
                f"{exc.response.url}; retrying will not help. Check X's API status and the "
                "tweepy version.", **where) from exc
        except requests.RequestException as exc:
            raise RetriableSourceError(
                f"no answer from X {doing} ({type(exc).__name__}: {exc}); {unsure}",
                **where) from exc

    # -- the channel --------------------------------------------------------------------

    def post(self, reply: Reply) -> Posted:
        client, user_auth = self._client(reply)
        response = self._call(reply, client.create_tweet, posting=True, text=reply.text,
                              in_reply_to_tweet_id=reply.source_id, user_auth=user_auth)
        tweet_id = _field(_json(response), "data", "id")
        if not isinstance(tweet_id, str) or not tweet_id.isdigit():
            raise RetriableSourceError(
                f"X answered HTTP {response.status_code} to the reply to tweet "
                f"{reply.source_id} without a tweet id ({response.text[:200]!r}); it may be "
                "posted: the sender looks for it before trying again.",
                source=self.source, stream=reply.stream)
        return _posted(tweet_id, found=False)

    def find(self, reply: Reply) -> Posted | None:
        client, user_auth = self._client(reply)
        brand = self._brand(reply, client, user_auth)
        where = (f"conversation_id:{reply.thread_id}" if reply.thread_id else
                 f"in_reply_to_tweet_id:{reply.source_id}")
        token, tokens = None, set()
        while True:
            response = self._call(
                reply, client.search_recent_tweets, posting=False,
                query=f"{where} from:{brand}", max_results=self.search_page, next_token=token,
                tweet_fields=["author_id", "created_at", "referenced_tweets"],
                user_auth=user_auth)
            document = _json(response)
            tweets = document.get("data")
            for tweet in tweets if isinstance(tweets, list) else []:
                if _is_the_reply(tweet, reply, brand):
                    return _posted(tweet["id"], found=True)
            token = _field(document, "meta", "next_token")
            if not token or token in tokens:
                return None
            tokens.add(token)

    def _brand(self, reply: Reply, client: tweepy.Client, user_auth: bool) -> str:
        """The brand account's user id: whose the credentials are (`GET /2/users/me`)."""
        if self._brand_id is None:
            me = _field(_json(self._call(reply, client.get_me, posting=False,
                                         user_auth=user_auth)), "data", "id")
            if not isinstance(me, str) or not me.isdigit():
                raise RetriableSourceError(
                    "X's /2/users/me did not say whose the credentials are; the sender tries "
                    "again later.", source=self.source, stream=reply.stream)
            self._brand_id = me
        return self._brand_id


def _json(response: requests.Response) -> dict[str, Any]:
    """The body's JSON object; {} when it is not one (an HTML error page, a cut body)."""
    try:
        document = response.json()
    except ValueError:
        return {}
    return document if isinstance(document, dict) else {}


def _field(document: Mapping[str, Any], part: str, name: str) -> Any:
    """`document[part][name]`, or None where X's answer lacks either."""
    inner = document.get(part)
    return inner.get(name) if isinstance(inner, Mapping) else None


def _is_the_reply(tweet: Any, reply: Reply, brand: str) -> bool:
    """Whether a searched tweet is the brand's reply to the answered tweet with this text.
    X sends the text HTML-escaped (`&amp;`, `&lt;`, `&gt;`), so it is unescaped first."""
    if not isinstance(tweet, Mapping) or tweet.get("author_id") != brand:
        return False
    if not isinstance(tweet.get("id"), str) or not isinstance(tweet.get("text"), str):
        return False
    refs = tweet.get("referenced_tweets")
    answers = any(isinstance(ref, Mapping) and ref.get("type") == "replied_to"
                  and ref.get("id") == reply.source_id
                  for ref in (refs if isinstance(refs, list) else []))
    return answers and comparable(html.unescape(tweet["text"])) == comparable(reply.text)


def _posted(tweet_id: str, *, found: bool) -> Posted:
    """X answers a post with the id only; the id is a snowflake that carries the moment X
    minted it, so `posted_at` is X's own word for both a post and a found reply."""
    return Posted(external_id=tweet_id, url=f"{mapping.SITE}/i/web/status/{tweet_id}",
                  posted_at=mapping.snowflake_time(tweet_id), found=found)
