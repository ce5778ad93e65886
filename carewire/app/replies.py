"""Send the replies agents wrote on the desk to the platforms, each exactly once.

The desk records a reply as an intent first (desk/outbox.py). Here each due reply is
marked `sending` before its platform is called; a reply that was tried before is looked
for on the platform first (ReplyChannel.find), because a try whose answer was lost (a
timeout after the platform took the post, a crash) may have posted it. So a retry never
posts twice, and nothing is dropped:

- 429, 5xx, timeouts, network: the reply waits, doubling from `routing.retry_backoff` or
  as long as the platform asked, and the platform's other replies wait with it; after
  `routing.max_attempts` tries it is blocked.
- 401/403 on the credentials, a platform without credentials: blocked, with the
  Connection to fix; `carewire desk replies retry` after the fix.
- The platform's refusal (deleted post, locked thread, duplicate text): refused, with its
  own words, shown on the item.
- A platform's monthly write budget spent (`sources.x.monthly_write_budget`): the reply
  waits for the next month, and says so.

Before sending, each run asks for the ratings due (desk/ratings.py): the teams in
`desk.rating_request_teams` get a rating request under the post of each item they resolved,
which then goes out with the replies.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta, timezone
from typing import Any, Mapping

from carewire.core.errors import (CarewireError, FatalSourceError, ReplyRefused,
                                  RetriableSourceError)
from carewire.core.isolate import describe
from carewire.core.replies import ReplyChannel
from carewire.core.settings import Settings
from carewire.core.types import Credentials
from carewire.desk.outbox import Outbox, QueuedReply
from carewire.desk.ratings import Ratings

_AFTER_FIX = "after the fix, `carewire desk replies retry` sends it"


def month_start(moment: datetime) -> datetime:
    """The start (UTC) of the calendar month a write budget counts `moment` in."""
    return moment.astimezone(timezone.utc).replace(day=1, hour=0, minute=0, second=0,
                                                   microsecond=0)


def send(settings: Settings, credentials: Mapping[str, Credentials], now: datetime,
         channels: Mapping[str, ReplyChannel] | None = None) -> dict[str, Any]:
    """Queue the rating requests due, then send every due reply; what was posted, found
    already posted, and what waits. `channels` are the platforms' reply channels when
    already built (else each is built from the settings and credentials when first
    needed)."""
    from carewire.desk.store import Desk

    with Desk(settings.desk_url) as desk:
        asked = ask_for_ratings(settings, desk.ratings, now)
        return {"rating_requests_queued": asked,
                **Sender(settings, credentials, desk.outbox, now, channels).run()}


def ask_for_ratings(settings: Settings, ratings: Ratings, now: datetime) -> int:
    """Queue a rating request for each item resolved lately in a team that asks for them,
    under the post it answered (its stream and conversation read from the snapshot; an item
    the snapshot does not show yet is asked at a later run)."""
    from carewire.desk.context import reply_target

    desk = settings.desk
    asked = 0
    teams = desk.rating_request_teams
    for due in ratings.due(teams, now, answers=desk.rating_request_answers) if teams else ():
        target = reply_target(settings.snapshot, due.source, due.source_id, due.url)
        if isinstance(target, str):
            continue
        text = desk.answer_rating_request_text if due.answer else desk.rating_request_text
        asked += ratings.ask(due.item_id, target, text, desk.public_url,
                             desk.rating_link_valid, now)
    return asked


class Sender:
    def __init__(self, settings: Settings, credentials: Mapping[str, Credentials],
                 outbox: Outbox, now: datetime,
                 channels: Mapping[str, ReplyChannel] | None = None):
        self.settings = settings
        self.credentials = credentials
        self.outbox = outbox
        self.now = now
        self.channels: dict[str, ReplyChannel] = dict(channels or {})
        self.counts: Counter = Counter()
        self.waiting: dict[str, str] = {}
        """Platforms that asked to wait in this run, and why: their other replies wait."""

    def run(self) -> dict[str, Any]:
        for queued in self.outbox.due(self.now):
            if queued.reply.source in self.waiting:
                continue
            if self._over_budget(queued):
                continue
            self._send(queued)
        return {**{k: self.counts[k] for k in ("posted", "found_posted", "retry_later",
                                               "blocked", "refused", "over_budget")},
                "platforms_waiting": self.waiting}

    def _send(self, queued: QueuedReply) -> None:
        reply = queued.reply
        try:
            channel = self._channel(reply.source)
        except Exception as exc:  # noqa: BLE001 - no channel (no API, a bad Connection)
            reason = str(exc) if isinstance(exc, CarewireError) else describe(exc)
            self._hold(queued, "blocked", f"{reason}; {_AFTER_FIX}")
            return
        if not self.outbox.start(queued, self.now):
            return  # another sender took it meanwhile
        tried_before = queued.attempts
        try:
            found = channel.find(reply) if tried_before else None
            posted = found or channel.post(reply)
        except RetriableSourceError as exc:
            self._retry(queued, tried_before + 1, exc)
        except ReplyRefused as exc:
            # After a try whose answer was lost, "duplicate" may mean that try posted it
            # and the platform's search did not show it yet: ask once more.
            found = self._found_after(channel, queued) if tried_before else None
            if found is not None:
                self.outbox.posted(queued, found)
                self.counts["found_posted"] += 1
            else:
                self._hold(queued, "refused", str(exc))
        except FatalSourceError as exc:  # AuthError above all: the Connection to fix
            self._hold(queued, "blocked", f"{exc}; {_AFTER_FIX}")
        except Exception as exc:  # noqa: BLE001 - one reply's defect never stops the others
            self._hold(queued, "blocked", f"carewire failed on this reply ({describe(exc)}); "
                                          f"report it; {_AFTER_FIX}")
        else:
            self.outbox.posted(queued, posted)
            self.counts["found_posted" if posted.found else "posted"] += 1

    def _channel(self, source: str) -> ReplyChannel:
        from carewire.connectors.replies import reply_channel_for

        if source not in self.channels:
            self.channels[source] = reply_channel_for(self.settings, source, self.credentials)
        return self.channels[source]

    @staticmethod
    def _found_after(channel: ReplyChannel, queued: QueuedReply):
        try:
            return channel.find(queued.reply)
        except CarewireError:
            return None

    def _retry(self, queued: QueuedReply, tries: int, exc: RetriableSourceError) -> None:
        self.waiting[queued.reply.source] = str(exc)
        routing = self.settings.routing
        if tries >= routing.max_attempts:
            self._hold(queued, "blocked", f"gave up after {tries} tries: {exc}; {_AFTER_FIX}")
            return
        wait = routing.retry_backoff * 2 ** (tries - 1)
        if exc.retry_after_s is not None:
            wait = max(wait, timedelta(seconds=exc.retry_after_s))
        self.outbox.wait(queued.reply_id, self.now + wait, str(exc))
        self.counts["retry_later"] += 1

    def _hold(self, queued: QueuedReply, status: str, error: str) -> None:
        self.outbox.hold(queued.reply_id, status, error)
        self.counts[status] += 1

    def _over_budget(self, queued: QueuedReply) -> bool:
        """X's writes are paid per month: past `sources.x.monthly_write_budget` posts this
        month, replies wait for the next one (a reply never found posted is not counted)."""
        budget = self.settings.sources.x.monthly_write_budget
        if queued.reply.source != "x" or budget is None:
            return False
        month = month_start(self.now)
        spent = self.outbox.posted_since("x", month)
        if spent < budget:
            return False
        next_month = (month + timedelta(days=32)).replace(day=1)
        self.outbox.wait(queued.reply_id, next_month,
                         f"the monthly write budget on X ({budget} posts, "
                         f"sources.x.monthly_write_budget) is spent: it is posted from "
                         f"{next_month:%Y-%m-%d}, or raise the budget and run "
                         "`carewire desk replies retry`")
        self.counts["over_budget"] += 1
        return True
