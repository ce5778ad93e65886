"""Suggested replies on the item page, on the snapshot of a real demo run, through HTTP.

The answers are added to the (private copy of the) snapshot as sync_outcomes records them:
an agent's reply and its rating as desk events, an accepted answer as the Discourse
destination reports it. Which questions are alike is set on their embeddings: one item's
post is given another's vector, so the test does not hang on what the encoder makes of
the demo's wording.
"""

from __future__ import annotations

import html
import json
import re
from datetime import timedelta

import duckdb
import pytest

REPLY = "Sorry about the wait & the double payment: it is refunded <b>within 5 days</b>."
ANSWER = "Update the app to 5.2.1 from the store, then sign in once more."
THREAD = "https://community.kestrelmobile.example/t/double-payment/4811/7"
POINTER = "The fix is in our community thread, with the steps."


def _event(con, kind: str, delivery_key: str, at, actor: str, data: dict,
           destination: str = "desk") -> None:
    con.execute("INSERT INTO core__events VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [f"test:{kind}:{delivery_key}", at, kind, delivery_key, destination, "1",
                 actor, json.dumps(data), at])


def _same_question(con, like, *mentions) -> None:
    """Give `mentions` the embedding of `like`: to the desk they ask the same thing."""
    for m in mentions:
        con.execute("""UPDATE core__embeddings SET embedding = (
                           SELECT embedding FROM core__embeddings
                           WHERE source = ? AND source_id = ?)
                       WHERE source = ? AND source_id = ?""",
                    [like.source, like.source_id, m.source, m.source_id])


def _suggested(page: str) -> str:
    """The suggestions block of an item page ('' when there is none)."""
    found = re.search(r'<div class="suggestions">.*?</div>', page, re.S)
    return found.group(0) if found else ""


def _reply_box(page: str) -> str:
    found = re.search(r'<textarea name="text"[^>]*>(.*?)</textarea>', page, re.S)
    assert found, "the item page has no reply box"
    return html.unescape(found.group(1))


@pytest.fixture
def answered(desk_app, demo_settings):
    """Care items `answered` (ann replied, the customer rated it 5), `asking` (the same
    question, open) and `unrelated` (a post like no answered one), and a community
    cluster's `thread`, all of whose posts ask that question too, with cid's reply and an
    accepted answer. A fourth care item got ann's reply word for word, from bob."""
    desk = desk_app.state.desk
    answered, again, asking, unrelated = desk.items("care", "open", limit=4)
    thread = next(i for i in desk.items("community", "open", limit=100) if len(i.mentions) > 1)
    with duckdb.connect(str(demo_settings.snapshot)) as con:
        at = answered.created_at + timedelta(hours=1)
        _event(con, "replied", answered.delivery_key, at, "ann", {"team": "care", "text": REPLY})
        _event(con, "rated", answered.delivery_key, at + timedelta(hours=2), "ann",
               {"team": "care", "score": 5})
        _event(con, "replied", again.delivery_key, at - timedelta(minutes=30), "bob",
               {"team": "care", "text": REPLY})
        _event(con, "replied", thread.delivery_key, at - timedelta(hours=2), "cid",
               {"team": "community", "text": POINTER})
        _event(con, "accepted_answer", thread.delivery_key, at - timedelta(hours=1), "priya",
               {"url": THREAD, "post_number": 7, "username": "priya", "excerpt": ANSWER},
               destination="kestrel-community")
        _same_question(con, answered.mentions[0], again.mentions[0], asking.mentions[0],
                       *thread.mentions)
        # A unit vector along one axis: no MiniLM sentence lies near it.
        con.execute("UPDATE core__embeddings SET embedding = list_transform(embedding, "
                    "lambda x, i: CASE WHEN i = 1 THEN 1.0 ELSE 0.0 END::FLOAT) "
                    "WHERE source = ? AND source_id = ?",
                    [unrelated.mentions[0].source, unrelated.mentions[0].source_id])
    return answered, asking, unrelated, thread


def test_an_item_is_offered_the_answers_to_the_same_question_with_where_they_came_from(
        answered, sign_in):
    _, asking, _, _ = answered
    offered = _suggested(sign_in("ann").get(f"/items/{asking.item_id}").text)
    assert REPLY in html.unescape(offered)
    assert "&lt;b&gt;within" in offered and "<b>" not in offered  # shown, never markup
    assert "reply by ann to a similar question, rated 5" in offered
    assert ANSWER in offered
    assert f'href="{THREAD}"' in offered and f"accepted answer in thread {THREAD}" in offered
    assert "similarity 1.00" in offered
    assert offered.index(REPLY[:20]) < offered.index(ANSWER)  # as alike: the newest first
    assert offered.count(REPLY[:20]) == 1  # ann's and bob's, the same words: offered once
    assert offered.count('class="suggestion"') <= 3


def test_an_item_is_not_offered_its_own_answer(answered, sign_in):
    own, _, _, thread = answered
    offered = _suggested(sign_in("ann").get(f"/items/{own.item_id}").text)
    assert ANSWER in offered and REPLY[:20] in offered  # the others' answers (bob's too)
    assert "reply by ann" not in offered
    # nor the answer of its cluster's thread, through the cluster's other posts
    offered = _suggested(sign_in("cid").get(f"/items/{thread.item_id}").text)
    assert REPLY[:20] in offered and ANSWER not in offered and POINTER not in offered


def test_use_this_puts_the_suggestion_in_the_reply_box_for_the_agent_to_edit(
        answered, sign_in):
    _, asking, _, _ = answered
    ann = sign_in("ann")
    page = ann.get(f"/items/{asking.item_id}").text
    assert f'href="/items/{asking.item_id}?use=1#reply"' in page
    assert _reply_box(page) == ""
    assert _reply_box(ann.get(f"/items/{asking.item_id}?use=1").text) == REPLY
    assert _reply_box(ann.get(f"/items/{asking.item_id}?use=2").text) == ANSWER
    assert ann.get(f"/items/{asking.item_id}?use=4").status_code == 422


def test_a_post_like_no_answered_question_is_offered_nothing(answered, sign_in):
    _, _, unrelated, _ = answered
    page = sign_in("ann").get(f"/items/{unrelated.item_id}").text
    assert _suggested(page) == "" and "Suggested replies" not in page
    assert _reply_box(page) == ""


def test_the_brand_s_own_replies_on_the_platform_are_offered_without_their_addressees(
        desk_app, demo_settings, sign_in):
    """The demo's @KestrelHelp answered a customer on X: a care item asking the same is
    offered that answer, without the '@customer @KestrelMobile' it began with."""
    item = desk_app.state.desk.items("care", "open", limit=1)[0]
    with duckdb.connect(str(demo_settings.snapshot)) as con:
        question, text, handle = con.execute("""
            SELECT a.parent_id, a.text, b.handle FROM core__mentions a
            JOIN core__author_influence b USING (source, author_id)
            JOIN core__embeddings q ON q.source = a.source AND q.source_id = a.parent_id
            WHERE a.source = 'x' AND b.tier = 'brand' AND a.text LIKE '@%'
            ORDER BY a.created_at LIMIT 1""").fetchone()
        con.execute("""UPDATE core__embeddings SET embedding = (
                           SELECT embedding FROM core__embeddings
                           WHERE source = 'x' AND source_id = ?)
                       WHERE source = ? AND source_id = ?""",
                    [question, item.mentions[0].source, item.mentions[0].source_id])
    answer = re.sub(r"^(\s*@\w+)+", "", text).strip()
    offered = _suggested(sign_in("ann").get(f"/items/{item.item_id}").text)
    assert answer in html.unescape(offered) and "<q>@" not in offered
    assert f"reply by {handle} on x to a similar question" in offered


def test_without_a_snapshot_the_item_page_works_without_suggestions(
        desk_app, demo_settings, sign_in):
    demo_settings.snapshot.unlink()
    item = desk_app.state.desk.items("care", "open", limit=1)[0]
    page = sign_in("ann").get(f"/items/{item.item_id}?use=1")
    assert page.status_code == 200
    assert "does not exist yet" in page.text and _suggested(page.text) == ""
    assert _reply_box(page.text) == ""

