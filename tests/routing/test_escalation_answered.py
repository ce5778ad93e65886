"""Escalation on the demo's warehouse: a community item whose question was already solved
in the brand's forum (an accepted answer the load read from the topic's page) is answered,
so it never goes to the contact center, while unanswered ones still do."""

from __future__ import annotations

from datetime import datetime, timezone

import duckdb

from carewire.app import pipeline

END = datetime(2026, 11, 24, 8, tzinfo=timezone.utc)
"""The end of the week the sample was recorded over: the demo syncs outcomes then."""

SOLVED = """
    SELECT DISTINCT v.delivery_key FROM core__deliveries v
    JOIN core__delivery_mentions a USING (delivery_key)
    JOIN core__mentions q ON q.source = a.source AND q.source_id = a.source_id
    JOIN core__community_posts p ON p.source = q.source AND p.thread_id = q.thread_id
    WHERE v.route = 'community' AND p.accepted_at IS NOT NULL"""


def test_a_question_solved_in_the_forum_is_not_escalated(demo_settings):
    assert pipeline.sync_outcomes(demo_settings, {}, END)["escalated"] > 0
    with duckdb.connect(str(demo_settings.warehouse), read_only=True) as con:
        solved = {row[0] for row in con.execute(SOLVED).fetchall()}
        escalations = con.execute("""
            SELECT v.delivery_key, list(DISTINCT c.delivery_key)
            FROM core__deliveries v
            JOIN core__delivery_mentions e ON e.delivery_key = v.delivery_key
            JOIN core__delivery_mentions c ON c.source = e.source AND c.source_id = e.source_id
                 AND c.delivery_key <> e.delivery_key
            JOIN core__deliveries cv ON cv.delivery_key = c.delivery_key
                 AND cv.route = 'community'
            WHERE v.rule_id = 'escalation' GROUP BY ALL""").fetchall()
    assert solved, "the sample forum has questions solved by an accepted answer"
    assert escalations, "the sample still has unanswered items escalated"
    for escalation, community_items in escalations:
        assert not solved & set(community_items), escalation
