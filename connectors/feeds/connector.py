"""Fetching feeds: conditional GET (ETag / Last-Modified) and a cursor per feed."""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar, Mapping

from carewire.core.settings import FeedSource, Fetching
from carewire.connectors import http
from carewire.core.types import Credentials, Interval
from carewire.connectors.base import FetchResult, Page, Parsed, Stream
from carewire.connectors.feeds import mapping

ACCEPT = "application/atom+xml, application/rss+xml, application/xml;q=0.9, */*;q=0.8"


class FeedConnector:
    source: ClassVar[str] = mapping.SOURCE
    parse = staticmethod(mapping.parse)

    def __init__(self, feeds: list[FeedSource], fetching: Fetching,
                 credentials: Mapping[str, Credentials] | None = None):
        self.http = fetching.http
        self.credentials = dict(credentials or {})
        self.session = http.make_session(fetching.http)

    @staticmethod
    def streams(feeds: list[FeedSource]) -> list[Stream]:
        return [Stream(source=mapping.SOURCE, name=feed.name,
                       options={"url": feed.url, "kind": feed.kind}, conn_id=feed.conn_id)
                for feed in feeds]

    def fetch(self, stream: Stream, cursor: Mapping[str, Any], interval: Interval) -> FetchResult:
        url = stream.options["url"]
        headers = {"Accept": ACCEPT}
        if cursor.get("etag"):
            headers["If-None-Match"] = cursor["etag"]
        if cursor.get("last_modified"):
            headers["If-Modified-Since"] = cursor["last_modified"]
        auth = None
        if stream.conn_id:
            creds = self.credentials.get(stream.conn_id)
            if creds is None:
                from carewire.core.errors import AuthError

                raise AuthError(f"no credentials were passed for Airflow Connection "
                                f"'{stream.conn_id}'; create it (airflow connections add)",
                                source=self.source, stream=stream.name)
            auth = (creds.login or "", creds.password or "")
        response = http.get(self.session, url, timeout=self.http.timeout_s, source=self.source,
                            stream=stream.name, headers=headers, auth=auth)
        http.raise_for_status(response, source=self.source, stream=stream.name,
                              conn_id=stream.conn_id)
        page = Page.from_response(response, url)
        if response.status_code == 304:
            return FetchResult([page], dict(cursor), {"not_modified": True, "entries": 0,
                                                       "new": 0, "rejected": 0})
        parsed = mapping.parse(stream, page)
        return FetchResult([page], self._next_cursor(cursor, response, parsed),
                           self._summary(cursor, parsed))

    @staticmethod
    def _next_cursor(cursor: Mapping[str, Any], response, parsed: Parsed) -> dict[str, Any]:
        """Advance only on a usable document: a rejected one is fetched whole next time."""
        if parsed.rejects and not parsed.mentions:
            return dict(cursor)
        newest = max((m.created_at for m in parsed.mentions), default=None)
        previous = cursor.get("newest_entry_at")
        if previous and (newest is None or datetime.fromisoformat(previous) > newest):
            newest = datetime.fromisoformat(previous)
        return {"etag": response.headers.get("ETag"),
                "last_modified": response.headers.get("Last-Modified"),
                "newest_entry_at": newest.isoformat() if newest else None}

    @staticmethod
    def _summary(cursor: Mapping[str, Any], parsed: Parsed) -> dict[str, Any]:
        since = cursor.get("newest_entry_at")
        new = [m for m in parsed.mentions
               if since is None or m.created_at > datetime.fromisoformat(since)]
        return {"not_modified": False, "entries": len(parsed.mentions), "new": len(new),
                "rejected": len(parsed.rejects),
                "reasons": sorted({r.reason for r in parsed.rejects})}
