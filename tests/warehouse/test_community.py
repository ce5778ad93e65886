"""Community health (issue 22, part 1): eight weeks of a brand's forum, built row by row,
and every phase count, responsiveness median and customers' share checked against numbers
worked out by hand below; answers recognised with a badge or a thank-you count for delight
(migration 0018)."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import duckdb
import pytest

from carewire.core.settings import Settings
from carewire.warehouse.community import write_spaces
from carewire.warehouse.migrate import migrate
from tests import warehouse_rows as rows
from carewire.warehouse.tables import TABLES

HOST = "community.k.example"
W0 = datetime(2026, 10, 5, tzinfo=timezone.utc)  # a Monday, 00:00 UTC
END = W0 + timedelta(weeks=8) - timedelta(seconds=1)  # the data goes up to Sunday of week 7
STAFF, A, B, C, D, E = (f"{HOST}:{n}" for n in ("s", "a", "b", "c", "d", "e"))


def at(week: int, day: int = 0, hour: float = 10) -> datetime:
    """Day `day` (0 = Monday) of week `week`, at `hour` UTC."""
    return W0 + timedelta(weeks=week, days=day, hours=hour)


def insert(con, table: str, **values) -> None:
    rows.insert(con, table, END, **values)


class Forum:
    def __init__(self, con):
        self.con = con
        self.posts = 0
        self.numbers: dict[int, int] = {}
        self.urls: dict[str, str] = {}

    def post(self, topic: int, author: str, when: datetime, likes: int = 0,
             cluster: str | None = None) -> str:
        self.posts += 1
        number = self.numbers[topic] = self.numbers.get(topic, 0) + 1
        source_id = f"{HOST}:post:{self.posts}"
        url = self.urls[source_id] = f"https://{HOST}/t/q/{topic}/{number}"
        insert(self.con, "core__mentions", source="forums", source_id=source_id,
               stream="kc", url=url, author_id=author,
               text="words", created_at=when, thread_id=f"{HOST}:topic:{topic}",
               parent_id=None if number == 1 else f"{HOST}:post:first", like_count=likes,
               categories=["Support"], is_deleted=False, first_seen_at=when, last_seen_at=END)
        if cluster:
            insert(self.con, "core__cluster_members", source="forums", source_id=source_id,
                   cluster_id=cluster, joined_by="founder")
        return source_id

    def accept(self, topic: int, number: int, when: datetime, username: str) -> None:
        insert(self.con, "core__events", event_id=f"acc-{topic}", kind="accepted_answer",
               occurred_at=when, delivery_key=f"community-{topic}", destination="forum",
               external_id=str(topic), actor=username,
               data=f'{{"url": "https://{HOST}/t/q/{topic}/{number}", '
                    f'"post_number": {number}, "username": "{username}"}}')

    def recognise(self, kind: str, source_id: str, when: datetime, username: str) -> None:
        """A badge granted (`badge_granted`) or a thank-you posted (`thanked`) for the post,
        as routing/community.py records it: the post's Discourse id and its address."""
        post_id = source_id.rsplit(":", 1)[1]
        url = self.urls[source_id]
        topic = url.split("/")[-2]
        insert(self.con, "core__events", event_id=f"{kind}-{post_id}", kind=kind,
               occurred_at=when, delivery_key=f"community-{topic}", destination="forum",
               external_id=topic, actor=username,
               data=f'{{"url": "{url}", "post_id": {post_id}, "username": "{username}", '
                    f'"why": "accepted"}}')


def x_mention(con, source_id: str, author: str, when: datetime, cluster: str) -> None:
    insert(con, "core__mentions", source="x", source_id=source_id, stream="q", text="t",
           author_id=author, created_at=when, is_deleted=False, last_seen_at=END)
    insert(con, "core__cluster_members", source="x", source_id=source_id, cluster_id=cluster,
           joined_by="similar")


def delivery(con, key: str, route: str, mentions: list[tuple[str, str]], *,
             cluster: str | None = None, reason: str = "r") -> None:
    insert(con, "core__deliveries", delivery_key=key, route=route, unit="mention",
           cluster_id=cluster, team="t", priority="normal", status="delivered", reason=reason)
    for source, source_id in mentions:
        insert(con, "core__delivery_mentions", delivery_key=key, source=source,
               source_id=source_id)


@pytest.fixture
def con():
    con = duckdb.connect()
    migrate(con)
    settings = Settings(sources={"forums": [{"name": "kc", "url": f"https://{HOST}/"}],
                                 "reddit": {"subreddits": ["KestrelMobile"]}})
    assert write_spaces(con, settings) == ["kc"]  # by default: the forums, no subreddit
    for author, handle, tier in ((STAFF, "kestrel_team", "brand"), (A, "ann", "regular"),
                                 (B, "bo", "regular"), (C, "cy", "superfan"),
                                 (D, "di", "regular"), (E, "ed", "regular")):
        insert(con, "core__authors", source="forums", author_id=author, handle=handle,
               is_verified=author == STAFF)
        insert(con, "core__author_influence", source="forums", author_id=author,
               handle=handle, tier=tier, tier_reason="3 liked answers to others' questions >= 3"
               if tier == "superfan" else "x", mentions=1)
    f = Forum(con)
    # week 0: A asks (q1); staff replies after 2 h, B after 5 h; nothing liked or accepted
    f.post(101, A, at(0))
    f.post(101, STAFF, at(0, hour=12))
    f.post(101, B, at(0, hour=15))
    # week 1: A asks (q2, cluster c2); staff after 1 h; B after 3 h, accepted on Tuesday
    f.post(102, A, at(1), cluster="c2")
    f.post(102, STAFF, at(1, hour=11))
    f.post(102, B, at(1, hour=13))
    f.accept(102, 3, at(1, day=1), "bo")
    # week 2: A asks q3 (cluster c3): B after 4 h, accepted Wednesday; A asks q4 on
    # Tuesday: only staff, after 30 h, and liked
    f.post(103, A, at(2), cluster="c3")
    f.post(103, B, at(2, hour=14))
    f.accept(103, 2, at(2, day=2), "bo")
    f.post(104, A, at(2, day=1))
    f.post(104, STAFF, at(2, day=1, hour=40), likes=1)
    # week 3: D asks (q5): staff after 2 h (liked), A after 6 h; week 4: B replies there too
    f.post(105, D, at(3))
    staff_answer = f.post(105, STAFF, at(3, hour=12), likes=1)
    a_answer = f.post(105, A, at(3, hour=16))
    f.post(105, B, at(4))
    # week 5: C, a superfan, asks (q6): nobody replies. A's q5 answer is recognised: its
    # badge on Tuesday, its thank-you (the forum was down) on Monday of week 6: one answer
    # recognised, in week 5, when A posted nothing. Staff's answer has a badge: staff is
    # never a member
    f.post(106, C, at(5))
    f.recognise("badge_granted", a_answer, at(5, day=1), "ann")
    f.recognise("thanked", a_answer, at(6), "ann")
    f.recognise("badge_granted", staff_answer, at(5, day=1), "kestrel_team")
    # week 6: D asks (q7): E answers after 1 h, liked twice
    f.post(107, D, at(6))
    e_answer = f.post(107, E, at(6, hour=11), likes=2)
    # week 7: E asks (q8) on Sunday at 20:00 UTC (Monday in Kiritimati): its 24 hours are
    # not over when the data ends. E was thanked for his q7 answer on Tuesday
    f.post(108, E, at(7, day=6, hour=20))
    f.recognise("thanked", e_answer, at(7, day=1), "ed")

    # answers sent: the accepted answer of q3 offered to two X authors on Thursday of week
    # 2; u9 goes on to a contact-center case about the same issue on Friday, u8 does not;
    # u7 gets one on Saturday of week 7: its 7 days are not over
    for user in ("u7", "u8", "u9"):
        x_mention(con, f"x-{user}", user, at(2), "c3")
        delivery(con, f"offer-{user}", "answer_offer", [("x", f"x-{user}")], cluster="c3",
                 reason=f"accepted answer in https://{HOST}/t/q/103/2 for an issue this "
                        "author raised")
        insert(con, "core__events", event_id=f"sent-{user}", kind="replied",
               delivery_key=f"offer-{user}",
               occurred_at=at(7, day=5) if user == "u7" else at(2, day=3))
    x_mention(con, "x-u9-again", "u9", at(2, day=4), "c3")
    delivery(con, "case-u9", "contact_center", [("x", "x-u9-again")], cluster="c3")
    yield con
    con.close()


def health(con) -> dict[date, tuple]:
    return {row[0]: row[1:] for row in con.execute("""
        SELECT week, members_attracted, members_participating, members_bound,
               members_delighted, members_integrated, questions, questions_unanswered_24h,
               first_reply_hours_median, first_customer_reply_hours_median,
               answered_by_customers_share, contacts_deflected
        FROM out__community_health WHERE space = 'kc' ORDER BY week""").fetchall()}


def week(n: int) -> date:
    return (W0 + timedelta(weeks=n)).date()


def test_eight_weeks_of_community_health_as_worked_out_by_hand(con):
    phases = {(row[0], row[1]): row[2:] for row in con.execute("""
        SELECT week, handle, phase, phase_reason FROM out__community_members""").fetchall()}
    assert {(w, handle): phase for (w, handle), (phase, _) in phases.items()} == {
        (week(0), "ann"): "attracted",      # her first post
        (week(0), "bo"): "attracted",       # his first post (an answer, not liked)
        (week(1), "ann"): "participating",  # posted in week 0 too; 2 of the last 4 weeks
        (week(1), "bo"): "delighted",       # his answer to q2 accepted this week (1 so far)
        (week(2), "ann"): "bound",          # weeks 0, 1, 2: 3 of the last 4
        (week(2), "bo"): "integrated",      # q3's answer accepted: 2 so far
        (week(3), "ann"): "bound",          # weeks 0..3: 4 of the last 4
        (week(3), "di"): "attracted",       # her first post
        (week(4), "bo"): "integrated",      # still 2 accepted so far
        (week(5), "ann"): "delighted",      # no post, but her q5 answer got its badge
        (week(5), "cy"): "integrated",      # a superfan
        (week(6), "di"): "participating",   # also posted in week 3; 2 of the last 4
        (week(6), "ed"): "delighted",       # his first post, an answer liked
        (week(7), "ed"): "delighted",       # posted q8 (again), and thanked for his answer
    }  # staff is never a member; ann's thank-you in week 6 is the same answer again
    assert phases[(week(2), "bo")][1] == "2 of their answers accepted so far (2 or more)"
    assert phases[(week(2), "ann")][1] == "posted in 3 of the last 4 weeks (3 or more)"
    assert phases[(week(1), "bo")][1] == ("their answers this week: 1 accepted, 0 liked, "
                                          "0 recognised")
    assert phases[(week(5), "ann")][1] == ("their answers this week: 0 accepted, 0 liked, "
                                           "1 recognised")
    assert phases[(week(7), "ed")][1] == ("their answers this week: 0 accepted, 0 liked, "
                                          "1 recognised")
    assert con.execute("""SELECT week, handle, posts, answers_recognised
                          FROM out__community_members WHERE answers_recognised > 0
                          ORDER BY week""").fetchall() == [(week(5), "ann", 0, 1),
                                                           (week(7), "ed", 1, 1)]
    assert phases[(week(5), "cy")][1].startswith("superfan: 3 liked answers")
    assert phases[(week(0), "ann")][1] == "first post in the space on 2026-10-05 (UTC)"

    N = None
    assert health(con) == {
        #        attr part bound deli integ  questions, unanswered in 24 h,
        #        median hours to the first reply (anybody) and to the first customer's,
        #        customers' share of the answered, contacts deflected
        # q1: replies after 2 h (staff) and 5 h (B); no answer accepted or liked
        week(0): (2, 0, 0, 0, 0, 1, 0, 2.0, 5.0, N, 0),
        # q2: 1 h (staff), 3 h (B, accepted: a customer's); A got an accepted answer and
        # opened no case: 1 deflected
        week(1): (0, 1, 0, 1, 0, 1, 0, 1.0, 3.0, 1.0, 1),
        # q3: 4 h (B, accepted); q4: 30 h (staff, liked: staff's answer, and unanswered in
        # 24 h): medians (4 + 30) / 2 = 17 and 4 (only q3 had a customer's reply); share 1/2.
        # Deflected: A (q3 accepted) and u8 (sent, no case); u9 opened a case: 2
        week(2): (0, 0, 1, 0, 1, 2, 1, 17.0, 4.0, 0.5, 2),
        # q5: staff after 2 h (liked first: the deciding answer is staff's), A after 6 h
        week(3): (1, 0, 1, 0, 0, 1, 0, 2.0, 6.0, 0.0, 0),
        week(4): (0, 0, 0, 0, 1, 0, 0, N, N, N, 0),
        # q6: no reply at all; A delighted by the badge for her q5 answer
        week(5): (0, 0, 0, 1, 1, 1, 1, N, N, N, 0),
        # q7: E after 1 h, liked: a customer's answer
        week(6): (0, 1, 0, 1, 0, 1, 0, 1.0, 1.0, 1.0, 0),
        # q8: 24 h not over, so not (yet) unanswered; u7's answer has not had its 7 days.
        # E, thanked for his q7 answer, is delighted rather than participating
        week(7): (0, 0, 0, 1, 0, 1, 0, N, N, N, 0),
    }
    deflections = con.execute("""
        SELECT week, author_id, received_as, opened_case, is_deflected
        FROM out__community_deflections ORDER BY week, author_id""").fetchall()
    assert deflections == [(week(1), A, "accepted", False, True),
                           (week(2), A, "accepted", False, True),
                           (week(2), "u8", "sent", False, True),
                           (week(2), "u9", "sent", True, False),
                           (week(7), "u7", "sent", False, None)]


def test_the_views_give_the_same_rows_in_any_session_time_zone(con):
    """Weeks are UTC weeks: q8, posted on Sunday evening UTC, is Monday in Kiritimati."""
    def canonical(rows):
        return sorted(repr(tuple(v.astimezone(timezone.utc) if isinstance(v, datetime) else v
                                 for v in row)) for row in rows)
    names = ("core__community_posts", "out__community_questions", "out__community_members",
             "out__community_deflections", "out__community_health")
    seen = {}
    for zone in ("UTC", "Pacific/Kiritimati", "America/Los_Angeles"):
        con.execute(f"SET TimeZone = '{zone}'")
        seen[zone] = {name: canonical(con.execute(f"SELECT * FROM {name}").fetchall())
                      for name in names}
    assert seen["Pacific/Kiritimati"] == seen["UTC"] == seen["America/Los_Angeles"]


def test_an_erased_member_leaves_both_views(con):
    # maintenance/erase.py deletes an erased author's rows from every table keyed by
    # (source, author_id) or (source, source_id) of their mentions
    ids = [row[0] for row in con.execute("SELECT source_id FROM core__mentions "
                                         "WHERE source = 'forums' AND author_id = ?", [A])
           .fetchall()]
    for table in TABLES.values():
        names = set(table.column_names)
        if {"source", "author_id"} <= names:
            con.execute(f"DELETE FROM {table.name} WHERE source = 'forums' AND author_id = ?",
                        [A])
        if {"source", "source_id"} <= names:
            con.execute(f"DELETE FROM {table.name} WHERE source = 'forums' AND source_id IN "
                        f"(SELECT unnest(?::VARCHAR[]))", [ids])
    for view in ("out__community_members", "out__community_questions",
                 "out__community_deflections", "core__community_posts"):
        assert con.execute(f"SELECT count(*) FROM {view} WHERE author_id = ?"
                           if view != "out__community_questions" else
                           f"SELECT count(*) FROM {view} WHERE asker_id = ?", [A]
                           ).fetchone()[0] == 0, view
    rows = health(con)
    # weeks 0 and 1 keep B alone (attracted, then delighted: his q2 answer stays accepted);
    # A's questions and the answers she received are gone
    assert rows[week(0)][:7] == (1, 0, 0, 0, 0, 0, 0)
    assert rows[week(1)][:6] == (0, 0, 0, 1, 0, 0) and rows[week(1)][10] == 0
    assert week(2) in rows and rows[week(2)][10] == 1  # u8 only
    assert rows[week(3)][:5] == (1, 0, 0, 0, 0)        # D alone
    assert rows[week(5)][:5] == (0, 0, 0, 0, 1)        # C alone: A's recognition went too


def test_listed_spaces_take_subreddits_and_leave_out_unlisted_forums(con):
    settings = Settings(sources={"forums": [{"name": "kc", "url": f"https://{HOST}/"},
                                            {"name": "other", "url": "https://o.example"}],
                                 "reddit": {"subreddits": ["KestrelMobile"]}},
                        community={"spaces": ["kc", "r/KestrelMobile"]})
    assert write_spaces(con, settings) == ["kc", "r/kestrelmobile"]
    insert(con, "core__mentions", source="reddit", source_id="t3_1", stream="search",
           text="q", author_id="t2_z", created_at=at(7), thread_id="t3_1",
           categories=["KestrelMobile", "Help"], is_deleted=False, last_seen_at=END)
    assert con.execute("SELECT space, source_id, is_opener FROM core__community_posts "
                       "WHERE source = 'reddit'").fetchall() == [("r/kestrelmobile", "t3_1",
                                                                   True)]
    with pytest.raises(ValueError, match="community.spaces names r/elsewhere"):
        Settings(sources={"reddit": {"subreddits": ["KestrelMobile"]}},
                 community={"spaces": ["r/elsewhere"]})
