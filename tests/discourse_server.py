"""A Discourse on loopback: the part of its REST API that the routing destination and the
reply channel use, with Discourse's payloads and error answers, so tests drive the real
client over real HTTP.

Served (JSON only):

    GET  /t/external_id/{external_id}.json   301 to /t/{slug}/{id}.json, or 404
    GET  /t/{id}.json, /t/{slug}/{id}.json   the topic view: first 20 posts, all ids in
                                             post_stream.stream, discourse-solved fields;
                                             `username_filters` keeps one user's posts
    GET  /t/{id}/posts.json?post_ids[]=...   more posts of a topic
    GET  /posts/{id}.json                    one post, with its raw text
    GET  /search.json?q=...                  every term must match the title or first post;
                                             filters (in:first, status:solved) are honoured
    POST /posts.json                         a new topic, or a reply with topic_id (and
                                             reply_to_post_number)
    GET  /user-badges/{username}.json        the badges a user holds (`user_badges`)
    POST /user_badges.json                   grant a badge (username, badge_id, reason);
                                             422 when the user holds it already
    PUT  /groups/{id}/members.json           add `usernames` (comma-separated); 422 when
                                             every one of them is a member already

Posts carry Discourse's `admin`, `moderator` and `staff` flags (`staff` names the users who
are) and their likes in `actions_summary` (`like`).

`include_raw=true` adds each post's `raw` to the topic and posts views. A reply is refused
as Discourse refuses it: 422 on a closed topic or one the API user cannot see, and when
the same user posted the same text within `unique_posts_mins`; a private topic's posts
answer 403. Every request needs the configured Api-Key and Api-Username headers; each is
recorded in `requests`. Tests script trouble with `fail_next` (5xx, also after the work was
done, as when a proxy times out), `rate_limit_next` (429 with Retry-After) and `delay_next`
(the work is done, then the answer comes too late for the client).
"""

from __future__ import annotations

import html
import json
import re
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.routing.json_api import JsonApiServer

INVALID_ACCESS = {"errors": ["You are not permitted to view the requested resource. The API "
                             "username or key is invalid."], "error_type": "invalid_access"}
FORBIDDEN = {"errors": ["You are not permitted to view the requested resource."],
             "error_type": "invalid_access"}
TOPIC_NOT_FOUND = ("Something has gone wrong. Perhaps this topic was closed or deleted while "
                   "you were looking at it?")
TOO_SIMILAR = "Body is too similar to what you recently posted"
NOT_FOUND = {"errors": ["The requested URL or resource could not be found."],
             "error_type": "not_found"}
POSTS_IN_VIEW = 20
MIN_TITLE, MAX_TITLE, MIN_BODY = 15, 255, 20
UNIQUE_POSTS = timedelta(minutes=5)
"""Discourse's `unique_posts_mins`: how long the same user may not post the same text."""


@dataclass
class Request:
    method: str
    path: str                   # with its query string
    headers: dict[str, str]
    body: str


@dataclass
class Failure:
    status: int | None          # None: the real answer (late, after `delay_s`)
    on: str | None              # "POST /posts.json": only that call; None: any call
    after_handling: bool        # the work is done, then the answer is lost
    retry_after: int | None = None
    delay_s: float = 0.0


@dataclass
class Topic:
    id: int
    title: str
    slug: str
    category_id: int | None
    external_id: str | None
    posts: list[dict[str, Any]] = field(default_factory=list)
    accepted_post_number: int | None = None
    deleted: bool = False
    closed: bool = False
    private: bool = False       # in a category the API user cannot see


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.000Z")


def _slug(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-") or "topic"


class DiscourseServer(JsonApiServer):
    def __init__(self, api_key: str = "test-api-key", api_username: str = "carewire"):
        self.api_key, self.api_username = api_key, api_username
        self.bad_credentials_status = 403   # what Discourse answers; some proxies say 401
        self.require_approval = False       # new topics wait in the review queue
        self.topics: dict[int, Topic] = {}
        self.requests: list[Request] = []
        self.clock = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)
        self._failures: list[Failure] = []
        self._next_topic, self._next_post = 100, 1000
        self.staff: dict[str, str] = {}             # username -> "admin" or "moderator"
        self.likes: dict[int, int] = {}             # post id -> likes
        self.badges: dict[int, str] = {9: "Helpful Answer"}
        self.user_badges: list[dict[str, Any]] = []
        self.groups: dict[int, set[str]] = {41: set()}
        self._lock = threading.Lock()
        super().__init__()

    # what tests script and inspect

    def fail_next(self, times: int, status: int = 500, *, on: str | None = None,
                  after_handling: bool = False) -> None:
        """Answer the next `times` calls (to `on`, e.g. "POST /posts.json") with `status`."""
        self._failures += [Failure(status, on, after_handling) for _ in range(times)]

    def rate_limit_next(self, times: int, retry_after: int = 7, *,
                        on: str | None = None) -> None:
        self._failures += [Failure(429, on, False, retry_after) for _ in range(times)]

    def delay_next(self, seconds: float, *, on: str | None = None) -> None:
        """Do the next call's work, then answer it only after `seconds`."""
        self._failures.append(Failure(None, on, True, delay_s=seconds))

    def count(self, method: str, path: str | None = None) -> int:
        return sum(1 for r in self.requests
                   if r.method == method and (path is None or r.path.split("?")[0] == path))

    def add_topic(self, title: str, raw: str, *, username: str = "asker",
                  category_id: int | None = None, external_id: str | None = None) -> Topic:
        with self._lock:
            topic = Topic(self._next_topic, title, _slug(title), category_id, external_id)
            self._next_topic += 1
            self.topics[topic.id] = topic
            self._add_post(topic, raw, username)
            return topic

    def reply(self, topic_id: int, raw: str, *, username: str = "helper",
              post_type: int = 1, reply_to: int | None = None) -> dict[str, Any]:
        with self._lock:
            return self._add_post(self.topics[topic_id], raw, username, post_type, reply_to)

    def posts_by(self, username: str) -> list[dict[str, Any]]:
        """Every post `username` has on the forum, oldest first."""
        return [post for topic in self.topics.values() for post in topic.posts
                if post["username"] == username]

    def accept(self, topic_id: int, post_number: int) -> None:
        """Mark a reply as the solution, as discourse-solved's "Solution" button does."""
        self.topics[topic_id].accepted_post_number = post_number

    def like(self, post_id: int, times: int = 1) -> None:
        self.likes[post_id] = self.likes.get(post_id, 0) + times

    def badges_of(self, username: str) -> list[int]:
        return [granted["badge_id"] for granted in self.user_badges
                if granted["username"] == username]

    def delete(self, topic_id: int) -> None:
        self.topics[topic_id].deleted = True

    # Discourse

    def _add_post(self, topic: Topic, raw: str, username: str, post_type: int = 1,
                  reply_to: int | None = None) -> dict:
        self.clock += timedelta(minutes=5)
        paragraphs = "".join(f"<p>{html.escape(p)}</p>" for p in raw.split("\n\n"))
        post = {"id": self._next_post, "name": username.title(), "username": username,
                "created_at": _stamp(self.clock), "cooked": paragraphs, "raw": raw,
                "post_number": len(topic.posts) + 1, "post_type": post_type,
                "reply_to_post_number": reply_to, "topic_id": topic.id, "topic_slug": topic.slug, "deleted_at": None}
        self._next_post += 1
        topic.posts.append(post)
        return post

    def _view_post(self, topic: Topic, post: dict, include_raw: bool = False) -> dict:
        shown = {k: v for k, v in post.items() if include_raw or k != "raw"}
        role = self.staff.get(post["username"])
        likes = self.likes.get(post["id"], 0)
        shown |= {"admin": role == "admin", "moderator": role == "moderator",
                  "staff": role is not None,
                  "actions_summary": [{"id": 2, "count": likes}] if likes else []}
        return shown | {"accepted_answer": post["post_number"] == topic.accepted_post_number,
                        "can_accept_answer": post["post_number"] > 1}

    def _topic_view(self, topic: Topic, query: dict[str, list[str]]) -> dict:
        include_raw = query.get("include_raw") == ["true"]
        usernames = {name.lower() for value in query.get("username_filters", [])
                     for name in value.split(",")}
        posts = [p for p in topic.posts if not usernames or p["username"].lower() in usernames]
        view = {"id": topic.id, "title": topic.title, "fancy_title": html.escape(topic.title),
                "slug": topic.slug, "category_id": topic.category_id,
                "posts_count": len(topic.posts), "created_at": topic.posts[0]["created_at"],
                "last_posted_at": topic.posts[-1]["created_at"], "closed": False,
                "archived": False, "deleted_at": None,
                "post_stream": {"posts": [self._view_post(topic, p, include_raw)
                                          for p in posts[:POSTS_IN_VIEW]],
                                "stream": [p["id"] for p in posts]}}
        if topic.accepted_post_number:
            answer = topic.posts[topic.accepted_post_number - 1]
            view["accepted_answer"] = {"post_number": answer["post_number"],
                                       "username": answer["username"], "name": answer["name"],
                                       "excerpt": answer["raw"][:200]}
        return view

    def _search(self, q: str) -> dict:
        terms = [t.lower() for t in q.split() if ":" not in t]
        solved_only = "status:solved" in q.lower().split()
        hits = [t for t in self.topics.values() if not t.deleted
                and all(term in f"{t.title} {t.posts[0]['raw']}".lower() for term in terms)
                and (t.accepted_post_number or not solved_only)]
        return {"posts": [{"id": t.posts[0]["id"], "username": t.posts[0]["username"],
                           "created_at": t.posts[0]["created_at"], "post_number": 1,
                           "topic_id": t.id, "blurb": t.posts[0]["raw"][:200]} for t in hits],
                "topics": [{"id": t.id, "title": t.title, "fancy_title": html.escape(t.title),
                            "slug": t.slug, "posts_count": len(t.posts),
                            "category_id": t.category_id,
                            "has_accepted_answer": bool(t.accepted_post_number)} for t in hits],
                "users": [], "categories": [], "tags": [], "groups": [],
                "grouped_search_result": {"term": q, "post_ids": [t.posts[0]["id"] for t in hits]}}

    def _create(self, body: dict) -> tuple[int, dict]:
        raw = str(body.get("raw") or "")
        if body.get("topic_id"):
            topic = self.topics.get(int(body["topic_id"]))
            if topic is None or topic.deleted:
                return 404, NOT_FOUND
            if len(raw.strip()) < MIN_BODY:
                return 422, {"action": "create_post",
                             "errors": [f"Body is too short (minimum is {MIN_BODY} characters)"]}
            if topic.closed or topic.private:
                return 422, {"action": "create_post", "errors": [TOPIC_NOT_FOUND]}
            if any(p["raw"] == raw and p["created_at"] >= _stamp(self.clock - UNIQUE_POSTS)
                   for p in self.posts_by(self.api_username)):
                return 422, {"action": "create_post", "errors": [TOO_SIMILAR]}
            if self.require_approval:
                return 200, {"action": "enqueued", "pending_count": 1,
                             "pending_post": {"id": 1, "raw": raw}}
            reply_to = body.get("reply_to_post_number")
            return 200, self._add_post(topic, raw, self.api_username,
                                       reply_to=int(reply_to) if reply_to else None)
        title = re.sub(r"([!?])\1+", r"\1", " ".join(str(body.get("title") or "").split()))
        external_id = body.get("external_id")
        errors = []
        if len(title) < MIN_TITLE:
            errors.append(f"Title is too short (minimum is {MIN_TITLE} characters)")
        if len(title) > MAX_TITLE:
            errors.append(f"Title is too long (maximum is {MAX_TITLE} characters)")
        if len(raw.strip()) < MIN_BODY:
            errors.append(f"Body is too short (minimum is {MIN_BODY} characters)")
        if external_id is not None and not re.fullmatch(r"[\w-]{1,50}", str(external_id),
                                                        re.ASCII):
            errors.append("External ID is invalid")
        if external_id and any(str(t.external_id).lower() == str(external_id).lower()
                               for t in self.topics.values()):
            errors.append("External ID has already been taken")
        if errors:
            return 422, {"action": "create_post", "errors": errors}
        if self.require_approval:
            return 200, {"action": "enqueued", "pending_count": 1,
                         "pending_post": {"id": 1, "raw": raw}}
        category = body.get("category")
        topic = Topic(self._next_topic, title, _slug(title),
                      int(category) if category is not None else None, external_id)
        self._next_topic += 1
        self.topics[topic.id] = topic
        return 200, self._add_post(topic, raw, self.api_username)

    def _answer(self, method: str, path: str, query: dict[str, list[str]],
                body: dict) -> tuple[int, dict, dict[str, str]]:
        """(status, JSON body, extra headers) for one authorised call."""
        live = {i: t for i, t in self.topics.items() if not t.deleted}
        if method == "POST" and path == "/posts.json":
            status, payload = self._create(body)
            return status, payload, {}
        if method == "POST" and path == "/user_badges.json":
            return self._grant(body)
        if method == "PUT" and (match := re.fullmatch(r"/groups/(\d+)/members\.json", path)):
            return self._add_members(int(match[1]), body)
        if method == "GET" and (match := re.fullmatch(r"/user-badges/([^/]+?)\.json", path)):
            granted = [g for g in self.user_badges if g["username"] == match[1]]
            return 200, {"badges": [{"id": i, "name": self.badges[i], "multiple_grant": False}
                                    for i in sorted({g["badge_id"] for g in granted})],
                         "user_badges": [{k: v for k, v in g.items() if k != "username"}
                                         for g in granted]}, {}
        if method != "GET":
            return 404, NOT_FOUND, {}
        if match := re.fullmatch(r"/t/external_id/([^/]+?)(?:\.json)?", path):
            topic = next((t for t in live.values() if t.external_id == match[1]), None)
            if topic is None:
                return 404, NOT_FOUND, {}
            return 301, {}, {"Location": f"{self.url}/t/{topic.slug}/{topic.id}.json"}
        if match := re.fullmatch(r"/t/(?:[^/]+/)?(\d+)\.json", path):
            topic = live.get(int(match[1]))
            if topic is None:
                return 404, NOT_FOUND, {}
            return (403, FORBIDDEN, {}) if topic.private else (
                200, self._topic_view(topic, query), {})
        if match := re.fullmatch(r"/t/(\d+)/posts\.json", path):
            topic = live.get(int(match[1]))
            if topic is None:
                return 404, NOT_FOUND, {}
            wanted = {int(i) for i in query.get("post_ids[]", [])}
            include_raw = query.get("include_raw") == ["true"]
            posts = [self._view_post(topic, p, include_raw) for p in topic.posts
                     if p["id"] in wanted]
            return 200, {"post_stream": {"posts": posts}, "id": topic.id}, {}
        if match := re.fullmatch(r"/posts/(\d+)\.json", path):
            found = next(((t, p) for t in live.values() for p in t.posts
                          if p["id"] == int(match[1])), None)
            if found is None:
                return 404, NOT_FOUND, {}
            topic, post = found
            return (403, FORBIDDEN, {}) if topic.private else (
                200, self._view_post(topic, post, include_raw=True), {})
        if path == "/search.json":
            return 200, self._search(query.get("q", [""])[0]), {}
        return 404, NOT_FOUND, {}

    def _grant(self, body: dict) -> tuple[int, dict, dict[str, str]]:
        username, badge_id = str(body.get("username") or ""), int(body.get("badge_id") or 0)
        if badge_id not in self.badges:
            return 404, NOT_FOUND, {}
        if badge_id in self.badges_of(username):
            return 422, {"errors": [f"{username} already has the badge "
                                    f"'{self.badges[badge_id]}'."]}, {}
        self.clock += timedelta(minutes=1)
        granted = {"id": len(self.user_badges) + 1, "granted_at": _stamp(self.clock),
                   "badge_id": badge_id, "user_id": abs(hash(username)) % 10_000,
                   "granted_by_id": 1, "username": username}
        self.user_badges.append(granted)
        return 200, {"badges": [{"id": badge_id, "name": self.badges[badge_id]}],
                     "user_badge": {k: v for k, v in granted.items() if k != "username"}}, {}

    def _add_members(self, group_id: int, body: dict) -> tuple[int, dict, dict[str, str]]:
        if group_id not in self.groups:
            return 404, NOT_FOUND, {}
        names = [n.strip() for n in str(body.get("usernames") or "").split(",") if n.strip()]
        members = self.groups[group_id]
        new = [name for name in names if name not in members]
        if names and not new:
            return 422, {"errors": [f"{', '.join(names)} is already a member of this "
                                    "group."]}, {}
        members.update(new)
        return 200, {"success": "OK", "usernames": new, "emails": []}, {}

    def _failure_for(self, method: str, path: str) -> Failure | None:
        for index, failure in enumerate(self._failures):
            if failure.on in (None, f"{method} {path}"):
                return self._failures.pop(index)
        return None

    def _handle(self, method: str, target: str, headers: dict[str, str], raw_body: str
                ) -> tuple[tuple[int, dict, dict[str, str]], Failure | None]:
        parts = urlsplit(target)
        with self._lock:
            self.requests.append(Request(method, target, headers, raw_body))
            failure = self._failure_for(method, parts.path)
            if failure and not failure.after_handling:
                return self._failed(failure), failure
            if (headers.get("Api-Key") != self.api_key
                    or headers.get("Api-Username") != self.api_username):
                return (self.bad_credentials_status, INVALID_ACCESS, {}), failure
            if "json" in headers.get("Content-Type", ""):
                body = json.loads(raw_body or "{}")
            else:
                body = {k: v[0] for k, v in parse_qs(raw_body).items()}
            answer = self._answer(method, parts.path, parse_qs(parts.query), body)
            return (self._failed(failure) if failure and failure.status else answer), failure

    @staticmethod
    def _failed(failure: Failure) -> tuple[int, dict, dict[str, str]]:
        if failure.status == 429:
            wait = failure.retry_after
            return 429, {"errors": [f"You’ve performed this action too many times. Please "
                                    f"wait {wait} seconds before trying again."],
                         "error_type": "rate_limit",
                         "extras": {"wait_seconds": wait, "time_left": f"{wait} seconds"}}, \
                {"Retry-After": str(wait)}
        return failure.status, {"errors": ["Internal Server Error"]}, {}

    def handle(self, method: str, target: str, headers: dict[str, str],
               body: bytes) -> tuple[int, dict[str, str], Any]:
        (status, payload, extra), failure = self._handle(method, target, headers,
                                                         body.decode("utf-8"))
        if failure and failure.delay_s:
            time.sleep(failure.delay_s)   # outside the lock: other calls are answered meanwhile
        return status, extra, payload
