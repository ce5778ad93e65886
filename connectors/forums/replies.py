"""Posting an agent's reply on a Discourse forum, as the brand's API user.

The forum is the reply's stream (its name under `sources.forums`); its `conn_id` names the
Airflow Connection that holds the API username (login) and an API key (password), sent as
the `Api-Username` and `Api-Key` headers. A forum without a `conn_id` gets no replies from
carewire: the channel refuses with what to configure rather than post anonymously.

`post`:

1. `GET /posts/{id}.json` for the answered post: its topic and `post_number` now (a
   moderator may have moved it to another topic since it was fetched, so the topic is read
   here rather than taken from the reply's `thread_id`), or that it is gone.
2. `POST /posts.json` with `topic_id`, `raw` and `reply_to_post_number`, once. The session
   does not retry POSTs (a POST that timed out may have been taken); every failure reaches
   the sender, which calls `find` before it tries again.

`find` reads the topic's posts by the API user only (`GET /t/{topic}.json?username_filters=
<user>&include_raw=true`, then `/t/{topic}/posts.json` for the rest, newest first) and
takes the one that replies to the answered post's number with the same `raw` text.
Discourse keeps `raw` as sent but for whitespace (it normalises odd spaces and drops
trailing ones), so texts are compared with runs of whitespace made one space; comparing
the rendered `cooked` HTML instead would miss any reply with Markdown in it.

What Discourse answers, and what the sender is told:

    401, or 403 saying the API username or key is invalid   AuthError naming the conn_id
    403 otherwise (a private category or message the API     ReplyRefused, Discourse's
        user cannot see), 404 (post or topic deleted), 422       words (only this reply
        (closed or archived topic, "Body is too similar to       is held; the channel
        what you recently posted", too short...), other 4xx      keeps working)
    429 (Retry-After, `extras.wait_seconds`), 5xx, timeout,  RetriableSourceError, with
        no connection, a 200 without the post's JSON             retry_after_s from 429

A closed topic is a refusal, not a credentials problem: Discourse itself answers it with
422 "Perhaps this topic was closed or deleted...", and a staff API user may still post
there. A 422 to the POST is first checked with `find`: Discourse refuses the same text from
the same user within minutes, so an earlier try that went through after its answer was
lost shows up as a refusal of this one; the reply found is returned instead.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, ClassVar, Iterator, Mapping
from urllib.parse import urlsplit

import requests

from carewire.core.errors import (AuthError, FatalSourceError, ReplyRefused,
                                  RetriableSourceError)
from carewire.core.replies import Posted, Reply
from carewire.core.settings import Fetching, ForumSource
from carewire.core.types import Credentials
from carewire.connectors.forums import mapping
from carewire.connectors.forums.connector import DiscourseConnector, json_session
from carewire.connectors.http import RETRY_STATUSES

_POST_KEY = re.compile(r"(?P<host>.+):post:(?P<id>\d+)")

CREDENTIALS = ("login = the API username the brand answers as, password = an API key for it "
               "(Discourse: Admin > API > New API Key, single user, global scope)")
"""What a forum's Airflow Connection holds."""

BAD_CREDENTIALS = "api username or key is invalid"
"""How Discourse says, in its 403, that the key or username is wrong (not the permission)."""


@dataclass(frozen=True)
class _Target:
    """The answered post where it is now, and who answers it."""

    base: str
    topic_id: int
    post_number: int
    headers: dict[str, str]


class DiscourseReplies:
    source: ClassVar[str] = mapping.SOURCE

    def __init__(self, forums: list[ForumSource], fetching: Fetching,
                 credentials: Mapping[str, Credentials] | None = None):
        self.forums = {forum.name: forum for forum in forums}
        self.credentials = dict(credentials or {})
        self.session = json_session(fetching.http, retry_posts=False)

    def find(self, reply: Reply) -> Posted | None:
        return self._find(reply, self._target(reply))

    def _find(self, reply: Reply, target: _Target) -> Posted | None:
        username = target.headers["Api-Username"]
        for post in self._posts_by(reply, target, username):
            if _is_the_reply(post, username, target.post_number, reply.text):
                return _posted(post, target, found=True)
        return None

    def _posts_by(self, reply: Reply, target: _Target, username: str) -> Iterator[Any]:
        """The API user's posts in the topic, with their raw text: the first page, then the
        rest newest first (a reply being looked for is a recent one)."""
        topic_url = f"{target.base}/t/{target.topic_id}"
        topic = self._json(reply, self._call(
            reply, "GET", f"{topic_url}.json", headers=target.headers,
            params={"username_filters": username, "include_raw": "true"}))
        post_stream = topic.get("post_stream") or {}
        posts = post_stream.get("posts") or []
        yield from posts
        loaded = {post.get("id") for post in posts if isinstance(post, dict)}
        rest = [post_id for post_id in post_stream.get("stream") or [] if post_id not in loaded]
        chunk = DiscourseConnector.CHUNK
        for end in range(len(rest), 0, -chunk):
            ids = [("post_ids[]", post_id) for post_id in rest[max(0, end - chunk):end]]
            more = self._json(reply, self._call(
                reply, "GET", f"{topic_url}/posts.json", headers=target.headers,
                params=[*ids, ("include_raw", "true")]))
            yield from (more.get("post_stream") or {}).get("posts") or []

    def post(self, reply: Reply) -> Posted:
        target = self._target(reply)
        url = f"{target.base}/posts.json"
        response = self._call(reply, "POST", url, headers=target.headers, json={
            "topic_id": target.topic_id, "raw": reply.text,
            "reply_to_post_number": target.post_number}, checked=False)
        if response.status_code == 422 and (found := self._find(reply, target)) is not None:
            return found  # an earlier try went through: Discourse refuses the same text again
        self._raise_for(reply, response)
        body = _json_or_none(response)
        if isinstance(body, dict) and body.get("action") == "enqueued":
            raise ReplyRefused(
                f"Discourse queued the reply for a moderator's approval instead of posting it "
                f"(POST {url}): it appears once a moderator approves it in the forum's review "
                "queue, so do not send it again. To post without approval, raise the trust "
                f"level of the API user '{target.headers['Api-Username']}' or change the "
                "category's approval setting.", source=self.source, stream=reply.stream)
        posted = _posted(body, target, found=False) if isinstance(body, dict) else None
        if posted is None:
            raise RetriableSourceError(
                f"Discourse answered POST {url} with HTTP {response.status_code} but not the "
                "post's JSON; the reply may be on the forum: it is looked for before the next "
                "try.", source=self.source, stream=reply.stream)
        return posted

    # -- the answered post -----------------------------------------------------------------

    def _target(self, reply: Reply) -> _Target:
        forum = self.forums.get(reply.stream)
        if forum is None:
            raise FatalSourceError(
                f"no forum named '{reply.stream}' under sources.forums in carewire.yaml (renamed "
                "or removed since the post came in): configure it again with its conn_id, or "
                "answer on the forum by hand.", source=self.source, stream=reply.stream)
        key = _POST_KEY.fullmatch(reply.source_id)
        if key is None:
            raise FatalSourceError(
                f"'{reply.source_id}' is not a Discourse post key (<host>:post:<id>): this reply "
                "was not made for a forum post; answer on the forum by hand.",
                source=self.source, stream=reply.stream)
        base = forum.url.rstrip("/")
        if key["host"] != urlsplit(base).hostname:
            raise FatalSourceError(
                f"post {reply.source_id} came from {key['host']}, but forum '{forum.name}' is "
                f"now configured at {base}: a post id there is another post. Answer on "
                f"{key['host']} by hand, or set the forum's url back.",
                source=self.source, stream=reply.stream)
        headers = self._headers(forum)
        post = self._json(reply, self._call(reply, "GET", f"{base}/posts/{key['id']}.json",
                                            headers=headers))
        if post.get("deleted_at"):  # a staff API user still sees a deleted post
            raise ReplyRefused(f"post {reply.source_id} was deleted on the forum at "
                               f"{post['deleted_at']}; there is nothing to answer.",
                               source=self.source, stream=reply.stream)
        topic_id, number = post.get("topic_id"), post.get("post_number")
        if not isinstance(topic_id, int) or not isinstance(number, int):
            raise FatalSourceError(
                f"GET {base}/posts/{key['id']}.json has no topic_id and post_number: is "
                f"{base} the forum's root? Fix its url in carewire.yaml.",
                source=self.source, stream=reply.stream)
        return _Target(base, topic_id, number, headers)

    def _headers(self, forum: ForumSource) -> dict[str, str]:
        if forum.conn_id is None:
            raise AuthError(
                f"forum '{forum.name}' has no conn_id, so carewire does not reply there: create "
                f"an Airflow Connection with {CREDENTIALS}, and set it as the forum's conn_id "
                "in carewire.yaml.", source=self.source, stream=forum.name)
        creds = self.credentials.get(forum.conn_id)
        if creds is None or not creds.login or not creds.password:
            raise AuthError(
                f"no API username and key were passed for Airflow Connection "
                f"'{forum.conn_id}' (forum '{forum.name}'): give it {CREDENTIALS}.",
                source=self.source, stream=forum.name)
        return {"Api-Username": creds.login, "Api-Key": creds.password}

    # -- HTTP ------------------------------------------------------------------------------

    def _call(self, reply: Reply, method: str, url: str, *, checked: bool = True,
              **kwargs) -> requests.Response:
        """One request; a failure is raised as the error the sender acts on, unless
        `checked` is False (the caller looks at the answer first)."""
        try:
            response = self.session.request(method, url, **kwargs)
        except requests.RequestException as exc:
            maybe = " the reply may have been posted:" if method == "POST" else ""
            raise RetriableSourceError(
                f"no answer to {method} {url} ({type(exc).__name__}: {exc});{maybe} it is "
                "looked for before the next try.", source=self.source,
                stream=reply.stream) from exc
        if checked:
            self._raise_for(reply, response)
        return response

    def _raise_for(self, reply: Reply, response: requests.Response) -> None:
        status = response.status_code
        if status < 400:
            return
        words = _errors(response)
        said = "; ".join(words) or response.text[:200].strip() or response.reason
        where = f"{response.request.method} {response.url}"
        if status == 401 or (status == 403 and BAD_CREDENTIALS in said.lower()):
            conn_id = self.forums[reply.stream].conn_id
            raise AuthError(
                f"Discourse refused the API credentials (HTTP {status} to {where}: {said}). "
                f"Update Airflow Connection '{conn_id}': {CREDENTIALS}; the key must be "
                "active and allowed to post.", source=self.source, stream=reply.stream)
        if status in RETRY_STATUSES:
            wait = _retry_after(response)
            asked = f" (Discourse asks to wait {wait:g} s)" if wait is not None else ""
            raise RetriableSourceError(
                f"HTTP {status} to {where}: {said}{asked}; the reply is looked for, then "
                "posted again later.", source=self.source, stream=reply.stream,
                retry_after_s=wait)
        if status == 403:
            why = (f"the API user '{response.request.headers['Api-Username']}' may not see or "
                   "post there (a private category or message, or an API key whose scopes "
                   "leave out writing posts)")
        elif status == 404:
            why = ("the post or its topic is gone (deleted, or moved where the API user "
                   "cannot see it)")
        else:
            why = "Discourse will not take this reply"
        raise ReplyRefused(f"HTTP {status} to {where}: {said} ({why}). Retrying will not "
                           "help: change the reply, or answer on the forum by hand.",
                           source=self.source, stream=reply.stream)

    def _json(self, reply: Reply, response: requests.Response) -> dict[str, Any]:
        body = _json_or_none(response)
        if not isinstance(body, dict):
            raise FatalSourceError(
                f"{response.request.method} {response.url} answered without Discourse's JSON: "
                f"set forum '{reply.stream}''s url in carewire.yaml to the forum's root (the "
                "address of its home page).", source=self.source, stream=reply.stream)
        return body


def _is_the_reply(post: Any, username: str, post_number: int, text: str) -> bool:
    return (isinstance(post, dict) and isinstance(post.get("raw"), str)
            and str(post.get("username")).lower() == username.lower()  # as Discourse compares
            and post.get("reply_to_post_number") == post_number
            and _words(post["raw"]) == _words(text))


def _words(text: str) -> str:
    return " ".join(text.split())


def _posted(post: dict[str, Any], target: _Target, *, found: bool) -> Posted | None:
    """The Posted for a post of Discourse's JSON; None when it lacks what that needs."""
    created = mapping.timestamp(post.get("created_at"))
    if not isinstance(post.get("id"), int) or created is None:
        return None
    number = post.get("post_number")
    url = (f"{target.base}/t/{post.get('topic_slug') or 'topic'}/{target.topic_id}/{number}"
           if isinstance(number, int) else f"{target.base}/p/{post['id']}")
    return Posted(external_id=str(post["id"]), url=url, posted_at=created, found=found)


def _json_or_none(response: requests.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def _errors(response: requests.Response) -> list[str]:
    """Discourse's reasons: `{"errors": [...], "error_type": ...}`."""
    body = _json_or_none(response)
    errors = body.get("errors") if isinstance(body, dict) else None
    return [str(error) for error in errors] if isinstance(errors, list) else []


def _retry_after(response: requests.Response) -> float | None:
    """Seconds Discourse asked to wait: its Retry-After header, else `extras.wait_seconds`."""
    header = response.headers.get("Retry-After", "")
    if header.isdigit():
        return float(header)
    body = _json_or_none(response)
    extras = body.get("extras") if isinstance(body, dict) else None
    wait = extras.get("wait_seconds") if isinstance(extras, dict) else None
    return float(wait) if isinstance(wait, (int, float)) else None
