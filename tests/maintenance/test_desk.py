"""The desk part of an erasure on both backends (SQLite, PostgreSQL): an item that was all
theirs goes with its events; an item shared with others keeps the others and loses every
trace, in its text, its mentions, its events (an agent's reply) and the other tables."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import duckdb
import sqlalchemy as sa

from carewire.maintenance.erase import erase_desk
from carewire.maintenance.target import MARKER, Target
from carewire.desk.store import Desk
from carewire.desk.outbox import ReplyTarget
from carewire.desk.schema import desk_events, desk_items, desk_replies
from carewire.core.delivery import Delivery, MentionRef
from carewire.warehouse.migrate import migrate
from tests.maintenance import traces

T0 = datetime(2026, 11, 24, 9, tzinfo=timezone.utc)
THEIRS = "Roaming charges showed up twice on my bill after the Lisbon trip, please refund"
OTHERS = "My bill is wrong this month as well, charged for roaming I never used"


def mention(source_id: str, author: str, text: str) -> MentionRef:
    return MentionRef("x", source_id, f"https://x.com/{author}/status/{source_id}", author,
                      text, T0)


def delivery(key: str, *mentions: MentionRef) -> Delivery:
    body = "\n".join(f"> {m.text}\n-- {m.author}" for m in mentions)
    return Delivery(key, "desk", "contact_center", "cluster", "c1", mentions,
                    " ".join(mentions[0].text.split())[:87], body, "care", "high",
                    T0 + timedelta(hours=4), "account-problem", "bill")


def test_erase_desk_removes_their_items_and_scrubs_shared_ones(desk_url):
    target = Target("x", frozenset({"lisbon_lou"}), frozenset({"4242424242"}),
                    frozenset({"1861000000000001001", "1861000000000001002"}), (THEIRS,))
    with Desk(desk_url) as desk, duckdb.connect() as con:
        migrate(con)  # an empty warehouse: the shared item is scrubbed where it is
        own, _ = desk.add(delivery("k-own", mention("1861000000000001002", "lisbon_lou", THEIRS)))
        shared, _ = desk.add(delivery("k-shared", mention("1861000000000001001", "lisbon_lou", THEIRS),
                                      mention("1861000000000002001", "other_olly", OTHERS)))
        other, _ = desk.add(delivery("k-other", mention("1861000000000003001", "third_tim", OTHERS)))
        desk.reply(shared, "ann", "@lisbon_lou we have refunded the second charge",
                   ReplyTarget("x", "brand", "1861000000000001001", None, None))
        desk.reply(own, "ann", "Hi @lisbon_lou, looking into it",
                   ReplyTarget("x", "brand", "1861000000000001002", None, None))

        removed = erase_desk(desk.engine, con, target)

        assert removed["desk_items"] == 1 and removed["desk_events"] == 2
        assert removed["desk_replies"] == 2  # replies to their posts, on any item
        assert removed["desk_items (rebuilt)"] == 1
        with desk.engine.connect() as conn:
            items = {row.item_id: row for row in conn.execute(sa.select(desk_items))}
            replies = [row.data["text"] for row in conn.execute(
                sa.select(desk_events).where(desk_events.c.kind == "reply_queued"))]
            queued = [(row.text, row.source_id) for row in conn.execute(sa.select(desk_replies))]
        assert sorted(items) == sorted([shared, other])
        assert [m["source_id"] for m in items[shared].mentions] == ["1861000000000002001"]
        assert items[shared].body.startswith(f"> {OTHERS}\n-- other_olly on x")
        assert items[shared].title == OTHERS
        assert replies == [f"@{MARKER} we have refunded the second charge"]
        assert queued == []
        wanted = traces.needles("lisbon_lou", ["4242424242"],
                                ["1861000000000001001", "1861000000000001002"], [THEIRS])
        assert traces.in_desk(desk_url, wanted) == []
        assert OTHERS in items[other].body  # nobody else's item changed
