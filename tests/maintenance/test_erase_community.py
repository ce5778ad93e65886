"""Erasing a member of the brand's community (issue 22): their posts in its Discourse,
the acceptance of their answer, the badge and thank-you carewire gave for it, a lead's
approval into the helpers group, the answer offer that carried their answer and its
rating, and the answer their own question got. After the maintenance run no table or
view of the warehouse or the snapshot, no export, no desk table and no file's bytes hold
their username, ids, name or words (tests/maintenance/traces.py); the community views and
the helper ranking have lost them and nobody else; the act still planned for them is never
done, and the next sync neither brings them back nor recognises them again.

Real DuckDB and SQLite desk, the real Discourse client against the loopback Discourse
(tests/discourse_server.py), the real sync_outcomes and maintenance steps. The forum's
posts are written to core__mentions as the forums connector keys them (`<host>:post:<id>`)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from urllib.parse import urlsplit

import duckdb
import pytest

from carewire.app import pipeline
from carewire.core.settings import Settings
from carewire.core.types import Credentials
from carewire.maintenance import requests
from carewire.maintenance.target import MARKER
from carewire.routing import community
from carewire.warehouse.community import write_spaces
from carewire.warehouse.db import connect
from tests import warehouse_rows
from tests.maintenance import traces

HANDLE, NAME = "anabelle_k", "Anabelle Kerr"
BADGE, GROUP = 9, 41
NOW = datetime(2026, 3, 3, 12, 0, tzinfo=timezone.utc)
USER_IDS = {"pat": 7101, HANDLE: 7301, "bobo": 7401}
ANSWER = ("Turn off Wi-Fi power saving in the printer menu, then restart it twice so the "
          "new setting sticks.")
QUESTION = "My scanner stops after every page since the update, what can I do about it?"


@pytest.fixture
def settings(discourse, tmp_path) -> Settings:
    settings = Settings(
        data_dir=tmp_path / "data",
        http={"timeout_s": 5, "max_retries": 1, "backoff_s": 0, "max_backoff_s": 0},
        sources={"forums": [{"name": "kc", "url": discourse.url}]},
        routing={"destinations": [{"name": "forum", "kind": "discourse", "url": discourse.url,
                                   "conn_id": "carewire_forum", "category_id": 7}]},
        community={"recognition": [{"destination": "forum", "badge_id": BADGE,
                                    "thank_you": "Thank you @{username}, that helped!"}],
                   "destination": "forum", "helpers_group_id": GROUP})
    pipeline.migrate(settings)
    return settings


def credentials(discourse) -> dict[str, Credentials]:
    return {"carewire_forum": Credentials(discourse.api_username, discourse.api_key)}


def host(discourse) -> str:
    return urlsplit(discourse.url).hostname


def mirror(con, discourse, topic) -> dict[str, str]:
    """The topic's posts as the forums connector loads them; username -> their post's id."""
    h = host(discourse)
    ids = {}
    for post in topic.posts:
        at = datetime.fromisoformat(post["created_at"].replace("Z", "+00:00"))
        author = f"{h}:{USER_IDS[post['username']]}"
        ids[post["username"]] = source_id = f"{h}:post:{post['id']}"
        warehouse_rows.insert(
            con, "core__mentions", NOW, source="forums", source_id=source_id, stream="kc",
            url=f"{discourse.url}/t/{topic.slug}/{topic.id}/{post['post_number']}",
            author_id=author, text=post["raw"], created_at=at,
            thread_id=f"{h}:topic:{topic.id}",
            parent_id=None if post["post_number"] == 1 else f"{h}:post:{topic.posts[0]['id']}",
            like_count=discourse.likes.get(post["id"], 0), categories=["Support"],
            is_deleted=False, first_seen_at=at, last_seen_at=NOW)
        if not con.execute("SELECT 1 FROM core__authors WHERE author_id = ?",
                           [author]).fetchone():
            warehouse_rows.insert(con, "core__authors", NOW, source="forums", author_id=author,
                                  handle=post["username"],
                                  display_name=NAME if post["username"] == HANDLE else None)
    return ids


def deliver(con, topic_id: int, key: str, mention: str) -> None:
    """The community thread carewire delivered for the asker's mention."""
    con.execute("""INSERT INTO core__deliveries (delivery_key, destination, route, unit, team,
                       priority, sla_due_at, rule_id, reason, experts, status, attempts,
                       external_id, created_for)
                   VALUES (?, 'forum', 'community', 'mention', 'community', 'normal', ?, 'R7',
                           'q', [], 'delivered', 1, ?, ?)""", [key, NOW, str(topic_id), NOW])
    con.execute("INSERT INTO core__delivery_mentions (delivery_key, source, source_id, "
                "added_for) VALUES (?, 'forums', ?, ?)",
                [key, mention, NOW])


@pytest.fixture
def member(settings, discourse):
    """Anabelle answered pat's question (accepted, liked: a badge and a thank-you) and asked
    one bobo answered (accepted: bobo is recognised too); bobo answered another of pat's
    (accepted); pat rated the answer offer that carried Anabelle's answer; a lead approved
    her into the helpers group, which the forum did not have yet (the act stays planned)."""
    helped = discourse.add_topic("Printer drops wifi after firmware update",
                                 "Since 4.2 my printer loses wifi every hour, any idea?",
                                 username="pat")
    answer = discourse.reply(helped.id, ANSWER, username=HANDLE)
    discourse.accept(helped.id, answer["post_number"])
    discourse.like(answer["id"], 2)
    asked = discourse.add_topic("Scanner stops after every page", QUESTION, username=HANDLE)
    theirs = discourse.reply(asked.id, "Clear the scan queue in the app settings, it fills "
                             "up after the update.", username="bobo")
    discourse.accept(asked.id, theirs["post_number"])
    again = discourse.add_topic("Printer forgets the paper size setting",
                                "Every morning the printer is back on letter paper.",
                                username="pat")
    bobos = discourse.reply(again.id, "Save it as the default in the driver, not the app.",
                            username="bobo")
    discourse.accept(again.id, bobos["post_number"])
    del discourse.groups[GROUP]
    with connect(settings.warehouse) as con:
        write_spaces(con, settings)
        first = mirror(con, discourse, helped)
        second = mirror(con, discourse, asked)
        third = mirror(con, discourse, again)
        deliver(con, helped.id, "k-helped", first["pat"])
        deliver(con, asked.id, "k-asked", second[HANDLE])
        deliver(con, again.id, "k-again", third["pat"])
        for username, tier in (("pat", "regular"), (HANDLE, "regular"), ("bobo", "regular")):
            warehouse_rows.insert(con, "core__author_influence", NOW, source="forums",
                                  author_id=f"{host(discourse)}:{USER_IDS[username]}",
                                  handle=username, tier=tier, tier_reason="x", mentions=1)
    synced = pipeline.sync_outcomes(settings, credentials(discourse), NOW)
    assert synced["recognition"]["done"] == {"badge_granted": 3, "thanked": 3}
    # to pat: hers and bobo's; to her: bobo's answer to her own question
    assert synced["answer_offers_queued"] == 3
    with connect(settings.warehouse) as con:
        offer = con.execute("SELECT delivery_key FROM core__events WHERE kind = "
                            "'answer_offered' AND (data->'answer'->>'helper') = ?",
                            [HANDLE]).fetchone()[0]
        warehouse_rows.insert(con, "core__events", NOW, event_id="rated-1", kind="rated",
                              occurred_at=NOW + timedelta(hours=1), delivery_key=offer,
                              destination="desk", actor="pat",
                              data=json.dumps({"score": 5, "by": "customer"}))
        clients = {"forum": community.discourse(settings, "forum", credentials(discourse),
                                                "test")}
        approved = community.add_helpers(con, settings.community, clients, [HANDLE], "lee",
                                         NOW)
    assert approved["planned"] == 1 and approved["done"] == {}   # no such group yet
    pipeline.publish(settings, now=NOW)
    return {"author_id": f"{host(discourse)}:{USER_IDS[HANDLE]}",
            "source_ids": [first[HANDLE], second[HANDLE]]}


def rows(settings, sql: str) -> list[tuple]:
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_an_erased_member_leaves_no_trace_in_the_community_views_and_events(
        settings, discourse, member):
    needles = traces.needles(HANDLE, [member["author_id"]], member["source_ids"],
                             [ANSWER, QUESTION], [NAME])
    # the search finds all of them before: in the views and the events, not just the posts
    before = traces.in_duckdb(settings.warehouse, needles, "warehouse")
    assert needles - {needle for _, _, needle in before} == set()
    seen = {where.split()[1] for _, where, needle in before if needle == HANDLE}
    assert {"core__events", "out__community_members", "out__helper_ranking"} <= seen
    assert {"core__community_posts", "out__community_deflections"} <= {
        where.split()[1] for _, where, needle in before if needle == member["author_id"]}
    kinds = dict(rows(settings, f"""SELECT kind, count(*) FROM core__events
                                    WHERE actor = '{HANDLE}' GROUP BY ALL"""))
    assert {"badge_planned", "badge_granted", "thanks_planned", "thanked", "helper_approved",
            "accepted_answer", "replied"} <= set(kinds)
    assert rows(settings, "SELECT helper, answers_accepted, ratings FROM out__helper_ranking "
                          "ORDER BY helper") == [(f"{HANDLE} (forums)", 1, 1),
                                                 ("bobo (forums)", 2, 0)]

    requests.enqueue(settings, requests.author_request("forums", HANDLE, "ticket 7"))
    pipeline.maintain(settings, NOW + timedelta(hours=2))

    assert traces.everywhere(settings, needles) == []
    # nobody stands in for her: no "[erased]" helper, member or recipient of an answer.
    # bobo's answer to her question left with her question's thread (its delivery and
    # events: maintenance/erase.py); his answer to pat's stays
    assert rows(settings, "SELECT helper, answers_accepted, ratings FROM out__helper_ranking"
                ) == [("bobo (forums)", 1, 0)]
    for view in ("out__community_members", "out__community_deflections",
                 "core__community_posts"):
        assert rows(settings, f"SELECT count(*) FROM {view} WHERE author_id LIKE '%{MARKER}%' "
                              f"OR author_id = '{member['author_id']}'") == [(0,)], view
    members = rows(settings, "SELECT handle, phase, answers_accepted, answers_recognised "
                             "FROM out__community_members ORDER BY 1")
    assert members == [("bobo", "delighted", 1, 1), ("pat", "attracted", 0, 0)]
    # the health counts are the members', one phase each; her question left with her
    assert rows(settings, """
        SELECT h.members, h.members_attracted, h.members_delighted, h.questions,
               (SELECT count(*) FROM out__community_members m
                WHERE m.week = h.week AND m.space = h.space)
        FROM out__community_health h""") == [(2, 1, 1, 2, 2)]

    # the next sync: her posts are still on the forum, and the group exists now
    discourse.groups[GROUP] = set()
    puts = discourse.count("PUT", f"/groups/{GROUP}/members.json")
    again = pipeline.sync_outcomes(settings, credentials(discourse), NOW + timedelta(hours=3))
    assert again["recognition"] == {"planned": 0, "done": {}, "errors": {}}
    assert sum(again["outcomes_recorded"].values()) == 0
    assert discourse.groups[GROUP] == set()
    assert discourse.count("PUT", f"/groups/{GROUP}/members.json") == puts
    assert traces.in_duckdb(settings.warehouse, needles, "warehouse") == []
