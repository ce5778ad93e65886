"""Rated help (issue 22, part 4): helpers ranked by the acceptances and the customers'
ratings their answers earned (out__helper_ranking), and expert routing offering a new
question to the best helpers first, saying why. Every expected number is worked by hand
in the comments."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from itertools import count

import duckdb
import numpy as np
import pandas as pd
import pytest

from carewire.routing.experts import NEVER_HELPED, ExpertIndex
from carewire.routing.policy import Experts, load_policy
from carewire.routing.rules import evaluate
from carewire.warehouse.migrate import migrate
from tests.routing.test_policy import _frame

T0 = datetime(2026, 3, 2, 9, tzinfo=timezone.utc)
_ids = count()


def _event(con, kind: str, key: str | None, data: dict, actor: str | None = None,
           at: datetime = T0) -> None:
    con.execute("INSERT INTO core__events VALUES (?, ?, ?, ?, 'desk', NULL, ?, ?, ?)",
                [f"e{next(_ids)}", at, kind, key, actor, json.dumps(data), at])


def _accepted(con, helper: str, url: str, key: str = "community-1") -> None:
    _event(con, "accepted_answer", key, {"url": url, "username": helper}, actor=helper)


def _offer(con, key: str, helper: str | None, url: str, *ratings: tuple[int, str]) -> None:
    """An answer offer of `url` (by `helper`; None: queued before 0017, naming no answer)
    and its ratings, oldest first, each (score, by)."""
    answer = {"answer": {"url": url, "helper": helper}} if helper else {}
    _event(con, "answer_offered", key, {"reason": "accepted answer", **answer})
    for hours, (score, by) in enumerate(ratings, 1):
        _event(con, "rated", key, {"team": "community", "score": score, "by": by},
               actor=by, at=T0 + timedelta(hours=hours))


@pytest.fixture
def con(tmp_path):
    con = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    migrate(con)
    yield con
    con.close()


@pytest.fixture
def history(con):
    """ana: 2 answers accepted (a1 recorded for two community threads, counted once); her
    a1 reached three authors, who rated it 5 (after a first 2: the latest counts), 4 and 5;
    an agent's 1 on a fourth offer is no customer's rating. bo: 3 accepted, one rating, 5.
    cy: 1 accepted, rated 2 and 3. dee: 1 accepted, ed: 2 accepted, neither rated. An offer
    queued before 0017 named no answer: its 1 counts for nobody.

    Customers' ratings: 5 4 5 | 5 | 2 3 -> six, sum 24: prior_mean 4.0. Scores, (3 * 4 +
    sum) / (3 + n): ana (12 + 14) / 6 = 4.333, bo (12 + 5) / 4 = 4.25, cy (12 + 5) / 5 =
    3.4, dee and ed 4.0 (the prior); ed before dee on answers accepted (2 > 1)."""
    for helper, url, key in (("ana", "t/1/2", "community-1"), ("ana", "t/1/2", "community-2"),
                             ("ana", "t/3/4", "community-3"), ("bo", "t/5/2", "community-5"),
                             ("bo", "t/6/2", "community-6"), ("bo", "t/7/3", "community-7"),
                             ("cy", "t/8/2", "community-8"), ("dee", "t/9/2", "community-9"),
                             ("ed", "t/10/2", "community-10"), ("ed", "t/11/2", "community-11")):
        _accepted(con, helper, url, key)
    _offer(con, "offer-a1", "ana", "t/1/2", (2, "customer"), (5, "customer"))
    _offer(con, "offer-a2", "ana", "t/1/2", (4, "customer"))
    _offer(con, "offer-a3", "ana", "t/1/2", (5, "customer"))
    _offer(con, "offer-a4", "ana", "t/1/2", (1, "agent"))
    _offer(con, "offer-b1", "bo", "t/5/2", (5, "customer"))
    _offer(con, "offer-b2", "bo", "t/6/2")  # not rated
    _offer(con, "offer-c1", "cy", "t/8/2", (2, "customer"))
    _offer(con, "offer-c2", "cy", "t/8/2", (3, "customer"))
    _offer(con, "offer-old", None, "t/1/2", (1, "customer"))
    return con


def test_helpers_are_ranked_by_their_shrunk_rating_then_acceptances(history):
    rows = history.execute("""SELECT helper, answers_accepted, ratings, mean_rating, score,
                                     prior_mean, rank, why
                              FROM out__helper_ranking ORDER BY rank""").fetchall()
    assert [r[0] for r in rows] == ["ana (forums)", "bo (forums)", "ed (forums)",
                                    "dee (forums)", "cy (forums)"]
    assert [r[6] for r in rows] == [1, 2, 3, 4, 5]
    assert [(r[1], r[2]) for r in rows] == [(2, 3), (3, 1), (2, 0), (1, 0), (1, 2)]
    means = [r[3] for r in rows]
    assert means[2:4] == [None, None]
    assert [means[0], means[1], means[4]] == pytest.approx([14 / 3, 5, 2.5])
    assert [r[4] for r in rows] == pytest.approx([26 / 6, 4.25, 4.0, 4.0, 3.4])
    assert {r[5] for r in rows} == {4.0}
    assert [r[7] for r in rows] == ["2 accepted, rated 4.7 by 3", "3 accepted, rated 5.0 by 1",
                                    "2 accepted, not rated yet", "1 accepted, not rated yet",
                                    "1 accepted, rated 2.5 by 2"]


def test_with_no_rating_anywhere_the_prior_is_the_middle_and_acceptances_order(con):
    _accepted(con, "bo", "t/5/2")
    _accepted(con, "ana", "t/1/2")
    _accepted(con, "ana", "t/3/4")
    rows = con.execute("SELECT helper, score, prior_mean, rank FROM out__helper_ranking "
                       "ORDER BY rank").fetchall()
    assert rows == [("ana (forums)", 3.0, 3.0, 1), ("bo (forums)", 3.0, 3.0, 2)]


def test_an_offer_carries_its_answer_so_its_rating_reaches_the_helper(con):
    """A rating of an offer counts for the helper the offer's event names, whatever other
    answer the cluster had: the join is the offer's own delivery key."""
    _accepted(con, "ana", "t/1/2")
    _accepted(con, "bo", "t/1/3")  # a later answer in the same thread, accepted instead
    _offer(con, "offer-1", "ana", "t/1/2", (5, "customer"))
    rows = dict(con.execute("SELECT helper, ratings FROM out__helper_ranking").fetchall())
    assert rows == {"ana (forums)": 1, "bo (forums)": 0}


def test_an_erased_helper_is_nobody(con):
    """Erasure scrubs the events of an erased helper (maintenance/erase.py): JSON values that
    named them become null, the actor `[erased]`. Their acceptance and the rating of the
    offer that carried their answer count for nobody, not for one helper "[erased]"."""
    _accepted(con, "bo", "t/5/2")
    _event(con, "accepted_answer", "community-1", {"url": "t/1/2", "username": None},
           actor="[erased]")
    _event(con, "answer_offered", "offer-1", {"answer": {"url": "t/1/2", "helper": None}})
    _event(con, "rated", "offer-1", {"score": 1, "by": "customer"}, actor="pat")
    rows = con.execute("SELECT helper, answers_accepted, ratings, prior_mean "
                       "FROM out__helper_ranking").fetchall()
    assert rows == [("bo (forums)", 1, 0, 3.0)]


def _index(con) -> ExpertIndex:
    """Superfans and the (2-d, unit) questions they answered; the new question is (1, 0),
    so each similarity is the first coordinate."""
    index = ExpertIndex.from_warehouse(con)
    answered = {"ana (forums)": 0.5,  # helped best, but never on anything like this
                "bo (forums)": 0.8, "cy (forums)": 1.0, "dee (forums)": 0.75,
                "ed (forums)": 0.9, "zed (forums)": 0.95}  # zed never helped
    index.experts = list(answered)
    index.vectors = np.array([[s, np.sqrt(1 - s * s)] for s in answered.values()], np.float32)
    return index


def test_the_offer_follows_the_ranking_among_those_similar_enough(history):
    """Qualified (>= 0.7): bo, cy, dee, ed, zed; ana (0.5) is not, rank 1 or not. By score:
    bo 4.25; ed and dee 4.0 with 2 and 1 accepted, zed 4.0 (the prior) with none; cy 3.4.
    The limit of 4 leaves out cy, the most similar but the worst rated."""
    index = _index(history)
    question = np.array([[1.0, 0.0]], np.float32)
    assert index.find(question, Experts(min_similarity=0.7, limit=4)) == [
        ["bo (forums)", "ed (forums)", "dee (forums)", "zed (forums)"]]
    assert index.find(question, Experts(min_similarity=0.7, limit=10))[0][-1] == "cy (forums)"
    assert index.why("zed (forums)") == NEVER_HELPED


def test_without_any_help_recorded_the_offer_is_by_similarity(con):
    index = _index(con)
    assert index.find(np.array([[1.0, 0.0]], np.float32), Experts(min_similarity=0.7,
                                                                   limit=3)) == [
        ["cy (forums)", "zed (forums)", "ed (forums)"]]


def test_the_routing_reason_says_why_each_superfan_is_where_they_are(history):
    index = _index(history)
    rows = _frame(text="How do I port my old number?", intent="question")
    finder = index.finder(pd.Series({rows.index[0]: [1.0, 0.0]}))
    policy = load_policy()
    decided = evaluate(policy, rows, finder, index.why).iloc[0]
    assert decided["route"] == "community"
    offered = decided["experts"]
    assert offered[0] == "bo (forums)"
    assert ("offered to superfans bo (forums) [3 accepted, rated 5.0 by 1], ed (forums) "
            "[2 accepted, not rated yet]") in decided["reason"]
    assert "(who helped best first)" in decided["reason"]
    again = evaluate(policy, rows, finder, index.why).iloc[0]
    assert again["reason"] == decided["reason"] and again["experts"] == offered
