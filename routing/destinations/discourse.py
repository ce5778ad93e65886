"""Discourse destination ("community threads"): a question becomes a topic on the brand's
community, or a link to the topic that already answers it.

Credentials: the destination's Airflow Connection (`conn_id`) holds the API username as
login and an API key as password (Admin > API > New API Key); every call sends them as the
`Api-Username` and `Api-Key` headers.

`deliver`, in this order and why:

1. Idempotency: `GET /t/external_id/{key}.json`. Topics carry the delivery key as
   `external_id` and Discourse redirects that address to the topic, so a rerun after a
   crash between "created" and "recorded" finds the topic instead of posting it again.
2. Search the community first: a solved topic that already answers the question helps the
   asker at once and spares the helpers a repeat. `search.json` proposes topics by a few
   salient title words; the caller's `matcher` (the similarity model lives outside this
   module) judges whether one of the solved ones answers this question.
3. Otherwise `POST /posts.json` creates the topic in `category_id` and names the superfans
   who answered similar questions before.

`outcomes` reads `GET /t/{id}.json`: every reply, and the accepted answer that the
discourse-solved plugin reports.
"""

from __future__ import annotations

import hashlib
import re
from datetime import datetime, timezone
from typing import Any, Callable, Iterable

import requests

from carewire.core.settings import DestinationSettings, HttpSettings
from carewire.core.types import Credentials, utc
from carewire.connectors.feeds.mapping import html_to_text
from carewire.connectors.forums.mapping import timestamp
from carewire.connectors.http import RETRY_STATUSES
from carewire.routing.destinations.base import FatalDestinationError, Outcome, Receipt
from carewire.core.delivery import Delivery
from carewire.routing.destinations.http import call, missing_credentials, session_for

Matcher = Callable[[str, list[str]], "int | None"]
"""(the asker's words, titles of solved topics) -> index of the title that answers them."""

TITLE_MIN, TITLE_MAX = 15, 255
"""Discourse's default `min_topic_title_length` and `max_topic_title_length`."""

CREDENTIALS = ("with login = the API username and password = an API key (Discourse: Admin "
               "> API > New API Key)")
"""What the destination's Airflow Connection holds."""

SEARCH_WORDS = 4
"""Discourse requires every search term to match: more words find fewer topics, often none."""

POSTS_PER_CALL = 20
"""`/t/{id}.json` holds the first 20 posts; the rest come 20 ids at a time, as Discourse's
own client asks for them."""

REGULAR_POST = 1
"""post_type of a post someone wrote; whispers (4), moderator actions (2) and small actions
such as "closed this topic" are not replies to the asker."""

_EXTERNAL_ID = re.compile(r"[a-z0-9_-]{1,50}")
_STOPWORDS = frozenset("""
    about after again all also and any anyone are been before being but can cannot could did
    does doesn don for from get gets got had has have help hello her his how into isn its just
    keeps more not now our out please still than that the their them then there they this too
    very was wasn way what when where which while who why will with won would you your
""".split())


def topic_external_id(key: str) -> str:
    """The delivery key as Discourse can store it: at most 50 of `[A-Za-z0-9_-]`, compared
    ignoring case. A key that does not fit (carewire's are 32 hex digits) becomes a stable
    digest of itself, so its reruns still find the topic."""
    if _EXTERNAL_ID.fullmatch(key):
        return key
    return "cw-" + hashlib.sha256(key.encode()).hexdigest()[:40]


def topic_title(title: str) -> str:
    """A title Discourse accepts at its default limits (15 to 255 characters, counted after
    it squeezes spaces and repeated ! and ?), so a terse title is not refused with a 422."""
    title = re.sub(r"([!?])\1+", r"\1", " ".join(title.split()))
    if len(title) < TITLE_MIN:
        title = f"Community question: {title}".rstrip(": ")
    if len(title) > TITLE_MAX:
        title = title[:TITLE_MAX - 1].rsplit(" ", 1)[0] + "…"
    return title


def search_terms(title: str) -> list[str]:
    """The few longest words of the title that are not filler, in their order."""
    words = [word for word in dict.fromkeys(re.findall(r"[^\W_]+", title.lower()))
             if len(word) > 2 and word not in _STOPWORDS]
    longest = set(sorted(words, key=len, reverse=True)[:SEARCH_WORDS])
    return [word for word in words if word in longest]


FORUM_MEMBER = " (forums)"
"""How routing.experts labels a superfan of the Discourse forums source."""


def topic_raw(delivery: Delivery) -> str:
    """The first post: the delivery's body, then a call to the superfans who are members
    of the forum, by @mention (Discourse notifies each of them). Experts are labelled
    "handle (source)"; those from other platforms have no account here to mention."""
    members = [expert.removesuffix(FORUM_MEMBER) for expert in delivery.experts
               if expert.endswith(FORUM_MEMBER)]
    if not members:
        return delivery.body
    handles = ", ".join(f"@{handle.lstrip('@')}" for handle in members)
    return (f"{delivery.body.rstrip()}\n\n{handles}: you have answered questions like this "
            "before. Can you help?")


class _Absent(Exception):
    """Discourse answered 404 where "no such topic" is an answer, not a failure."""


class _Refused(FatalDestinationError):
    """A 4xx that Discourse explained in its `errors` list."""

    def __init__(self, message: str, *, destination: str, status: int):
        super().__init__(message, destination=destination)
        self.status = status


class DiscourseDestination:
    kind = "discourse"

    def __init__(self, settings: DestinationSettings, credentials: Credentials | None,
                 http: HttpSettings, matcher: Matcher | None = None):
        self.name = settings.name
        self.settings = settings
        self.matcher = matcher
        self._base = settings.url.rstrip("/")
        self._session = session_for(settings, http)
        self._session.headers["Accept"] = "application/json"
        self._has_credentials = bool(credentials and credentials.login and credentials.password)
        if self._has_credentials:
            self._session.headers.update({"Api-Key": credentials.password,
                                          "Api-Username": credentials.login})

    def deliver(self, delivery: Delivery) -> Receipt:
        """The topic that already carries this key, else a solved topic that answers the
        question, else a new topic."""
        key = topic_external_id(delivery.key)
        return (self._existing(key) or self._answered(delivery)
                or self._create(delivery, key))

    def outcomes(self, external_ids: Iterable[str], since: datetime | None) -> list[Outcome]:
        """Replies posted since `since` and the accepted answer (always: `outcome_id`
        deduplicates it); a topic that is gone is reported as deleted."""
        floor = utc(since) if since is not None else None
        found: list[Outcome] = []
        for topic_id in dict.fromkeys(str(external_id) for external_id in external_ids):
            found.extend(self._topic_outcomes(topic_id, floor))
        return found

    def _existing(self, key: str) -> Receipt | None:
        response = self._call("GET", f"/t/external_id/{key}.json", absent_ok=True)
        if response is None:
            return None
        topic = self._json(response)
        return Receipt(external_id=str(topic["id"]), url=self._url(topic), created=False,
                       detail="already delivered")

    def _answered(self, delivery: Delivery) -> Receipt | None:
        terms = search_terms(delivery.title)
        if self.matcher is None or not terms:
            return None
        # in:first searches titles and first posts: the questions, not the chatter under them
        results = self._json(self._call("GET", "/search.json",
                                        params={"q": " ".join(terms) + " in:first"}))
        solved = [topic for topic in results.get("topics") or []
                  if topic.get("has_accepted_answer")]
        if not solved:
            return None
        asked = delivery.mentions[0].text if delivery.mentions else delivery.title
        index = self.matcher(asked, [topic["title"] for topic in solved])
        if index is None:
            return None
        topic = solved[index]
        return Receipt(external_id=str(topic["id"]), url=self._url(topic), created=False,
                       detail=f"linked to topic {topic['id']} that already answers this")

    def _create(self, delivery: Delivery, key: str) -> Receipt:
        return self._post_topic(delivery.title, topic_raw(delivery), key,
                                self.settings.category_id)

    # What carewire does in the brand's community besides delivering (routing/community.py)

    def create_topic(self, title: str, raw: str, key: str, category: int | None) -> Receipt:
        """A new topic carrying `key` as its external_id, once: the topic that already
        carries it is returned instead (looked for before posting, and again when a retried
        post is refused for the taken external_id)."""
        key = topic_external_id(key)
        return self._existing(key) or self._post_topic(title, raw, key, category)

    def _post_topic(self, title: str, raw: str, key: str, category: int | None) -> Receipt:
        payload: dict[str, Any] = {"title": topic_title(title), "raw": raw, "external_id": key}
        if category is not None:
            payload["category"] = category
        try:
            post = self._json(self._call("POST", "/posts.json", json=payload))
        except _Refused as refused:
            # A create that Discourse saved but whose answer was lost (a proxy timeout) is
            # retried by the transport and refused for its taken external_id: it is there.
            existing = self._existing(key) if refused.status == 422 else None
            if existing is None:
                raise
            return existing
        if "topic_id" not in post:   # {"action": "enqueued", "pending_post": ...}
            raise FatalDestinationError(
                "Discourse queued the new topic for a moderator's approval instead of posting "
                "it. Approve or reject it in the review queue, let the API user "
                f"'{self._session.headers['Api-Username']}' post without approval (trust "
                "level, or the category's approval setting), then run `carewire route deliver "
                "--retry-blocked`.",
                destination=self.name)
        return Receipt(external_id=str(post["topic_id"]),
                       url=self._url({"id": post["topic_id"], "slug": post.get("topic_slug")}),
                       created=True)

    def topic(self, topic_id: str) -> dict[str, Any] | None:
        """`GET /t/{id}.json` with every post (raw text included); None when it is gone."""
        response = self._call("GET", f"/t/{topic_id}.json", absent_ok=True,
                              params={"include_raw": "true"})
        if response is None:
            return None
        topic = self._json(response)
        if topic.get("deleted_at"):
            return None
        topic["posts"] = self._posts(topic_id, topic.get("post_stream") or {})
        return topic

    def user_badge_ids(self, username: str) -> set[int]:
        """The badges `username` holds (`GET /user-badges/{username}.json`)."""
        body = self._json(self._call("GET", f"/user-badges/{username}.json"))
        return {int(granted["badge_id"]) for granted in body.get("user_badges") or []
                if isinstance(granted, dict) and granted.get("badge_id") is not None}

    def grant_badge(self, username: str, badge_id: int, reason: str | None = None) -> str:
        """Grant the badge, once: "granted", or "already granted" when the user holds it
        (looked for first, and again when Discourse refuses the grant with a 422, as it does
        for a badge that cannot be granted twice: an earlier try that timed out got there)."""
        if badge_id in self.user_badge_ids(username):
            return "already granted"
        payload: dict[str, Any] = {"username": username, "badge_id": badge_id}
        if reason:
            payload["reason"] = reason   # a link to the post: Discourse shows it with the badge
        try:
            self._call("POST", "/user_badges.json", json=payload)
        except _Refused as refused:
            if refused.status != 422 or badge_id not in self.user_badge_ids(username):
                raise
            return "already granted"
        return "granted"

    def add_to_group(self, group_id: int, username: str) -> str:
        """`PUT /groups/{id}/members.json`: "added", or "already a member" (Discourse answers
        422 when every username given is a member already)."""
        try:
            body = self._json(self._call("PUT", f"/groups/{group_id}/members.json",
                                         json={"usernames": username}))
        except _Refused as refused:
            if refused.status == 422 and "already" in str(refused).lower():
                return "already a member"
            raise
        added = [str(name).lower() for name in body.get("usernames") or []]
        return "added" if not added or username.lower() in added else "already a member"

    def find_reply(self, topic_id: str, marker: str) -> dict[str, Any] | None:
        """The API user's post in the topic whose raw text holds `marker`, if any."""
        username = self._session.headers.get("Api-Username")
        response = self._call("GET", f"/t/{topic_id}.json", absent_ok=True,
                              params={"username_filters": username, "include_raw": "true"})
        if response is None:
            return None
        topic = self._json(response)
        posts = self._posts(topic_id, topic.get("post_stream") or {})
        return next((post for post in posts if marker in (post.get("raw") or "")), None)

    def reply_once(self, topic_id: str, post_number: int, raw: str,
                   marker: str) -> tuple[dict[str, Any], bool]:
        """Reply to a post, once: the reply whose raw text carries `marker` is looked for
        first, and again when Discourse refuses the post as a repeat (a retried post whose
        answer was lost). (post, created)."""
        if (found := self.find_reply(topic_id, marker)) is not None:
            return found, False
        try:
            post = self._json(self._call("POST", "/posts.json", json={
                "topic_id": int(topic_id), "raw": raw, "reply_to_post_number": post_number}))
        except _Refused as refused:
            found = self.find_reply(topic_id, marker) if refused.status == 422 else None
            if found is None:
                raise
            return found, False
        if "id" not in post:
            raise FatalDestinationError(
                "Discourse queued the reply for a moderator's approval instead of posting it; "
                f"let the API user '{self._session.headers['Api-Username']}' post without "
                "approval.", destination=self.name)
        return post, True

    @property
    def api_username(self) -> str:
        return str(self._session.headers.get("Api-Username", ""))

    def post_url(self, topic: dict[str, Any], post_number: int | None = None) -> str:
        return self._url(topic, post_number)

    def _topic_outcomes(self, topic_id: str, floor: datetime | None) -> list[Outcome]:
        response = self._call("GET", f"/t/{topic_id}.json", absent_ok=True)
        if response is None:
            return [self._deleted(topic_id, None)]
        topic = self._json(response)
        if topic.get("deleted_at"):   # an admin API user still sees a deleted topic
            return [self._deleted(topic_id, timestamp(topic["deleted_at"]))]
        posts = self._posts(topic_id, topic.get("post_stream") or {})
        found = []
        for post in posts:
            at = timestamp(post.get("created_at"))
            if (post.get("post_number", 1) > 1 and at is not None
                    and post.get("post_type", REGULAR_POST) == REGULAR_POST
                    and not post.get("deleted_at") and (floor is None or at >= floor)):
                found.append(Outcome(
                    f"discourse:{self.name}:post:{post['id']}", topic_id, "replied", at,
                    actor=post.get("username"),
                    data={"url": self._url(topic, post["post_number"]),
                          "post_number": post["post_number"], "post_id": post["id"],
                          "text": html_to_text(post.get("cooked") or "")}))
        accepted = topic.get("accepted_answer")
        if isinstance(accepted, dict) and accepted.get("post_number"):
            number = accepted["post_number"]
            answer = next((p for p in posts if p.get("post_number") == number), {})
            at = (timestamp(answer.get("created_at")) or timestamp(topic.get("last_posted_at"))
                  or datetime.now(timezone.utc))
            found.append(Outcome(
                f"discourse:{self.name}:accepted:{topic_id}:{number}", topic_id,
                "accepted_answer", at, actor=accepted.get("username"),
                data={"url": self._url(topic, number), "post_number": number,
                      "username": accepted.get("username"),
                      "excerpt": accepted.get("excerpt")}))
        return found

    def _deleted(self, topic_id: str, at: datetime | None) -> Outcome:
        return Outcome(f"discourse:{self.name}:deleted:{topic_id}", topic_id, "status",
                       at or datetime.now(timezone.utc), data={"status": "deleted"})

    def _posts(self, topic_id: str, post_stream: dict[str, Any]) -> list[dict[str, Any]]:
        """Every post of the topic: `stream` lists all ids, `posts` holds only the first."""
        posts = list(post_stream.get("posts") or [])
        loaded = {post.get("id") for post in posts}
        rest = [post_id for post_id in post_stream.get("stream") or [] if post_id not in loaded]
        for start in range(0, len(rest), POSTS_PER_CALL):
            ids = [("post_ids[]", post_id) for post_id in rest[start:start + POSTS_PER_CALL]]
            more = self._json(self._call("GET", f"/t/{topic_id}/posts.json", params=ids))
            posts.extend((more.get("post_stream") or {}).get("posts") or [])
        return posts

    def _call(self, method: str, path: str, *, absent_ok: bool = False,
              **kwargs) -> requests.Response | None:
        """One call through carewire's retry policy and error mapping; None for a 404 when
        `absent_ok`."""
        if not self._has_credentials:
            raise missing_credentials(self.settings, "Discourse", CREDENTIALS)
        hooks = [_raise_absent, self._refuse] if absent_ok else [self._refuse]
        try:
            return call(self._session, method, self._base + path, destination=self.name,
                        conn_id=self.settings.conn_id, hooks={"response": hooks}, **kwargs)
        except _Absent:
            return None

    def _refuse(self, response: requests.Response, **_) -> None:
        """Quote Discourse's reasons (`{"errors": [...]}`) for a refusal, rather than the
        truncated body the generic check would; credentials and retries stay its job."""
        status = response.status_code
        if status < 400 or status in (401, 403) or status in RETRY_STATUSES:
            return
        errors = _errors(response)
        if errors:
            raise _Refused(
                f"Discourse refused {response.request.method} {response.url} (HTTP {status}): "
                f"{'; '.join(errors)}. Retrying will not help: fix the cause (the destination's "
                "url or category_id in carewire.yaml, the API user's rights, or the routing "
                "rule's title and body), then run `carewire route deliver --retry-blocked`.",
                destination=self.name, status=status)

    def _json(self, response: requests.Response) -> dict[str, Any]:
        try:
            body = response.json()
        except ValueError:
            body = None
        if not isinstance(body, dict):
            raise FatalDestinationError(
                f"{response.request.method} {response.url} answered HTTP "
                f"{response.status_code} without Discourse's JSON. Set url of destination "
                f"'{self.name}' in carewire.yaml to the forum's root (the address its home "
                "page has), then run `carewire route deliver --retry-blocked`.",
                destination=self.name)
        return body

    def _url(self, topic: dict[str, Any], post_number: int | None = None) -> str:
        url = f"{self._base}/t/{topic.get('slug') or 'topic'}/{topic['id']}"
        return f"{url}/{post_number}" if post_number else url


def _raise_absent(response: requests.Response, **_) -> None:
    if response.status_code == 404:
        response.close()
        raise _Absent


def _errors(response: requests.Response) -> list[str]:
    try:
        body = response.json()
    except ValueError:
        return []
    errors = body.get("errors") if isinstance(body, dict) else None
    return [str(error) for error in errors] if isinstance(errors, list) else []
