"""`carewire route explain` on a mention whose sentiment was not scored says why it has
no score, instead of printing one."""

from __future__ import annotations

import duckdb

from carewire.routing.policy import policy_for
from carewire.routing.review import explain, render_explanation


def test_explain_says_why_a_german_mention_has_no_sentiment_score(demo_settings):
    with duckdb.connect(str(demo_settings.warehouse), read_only=True) as con:
        [(ref,)] = con.execute("""
            SELECT e.source || ':' || e.source_id FROM core__enrichments e
            JOIN core__routing_decisions d USING (source, source_id)
            WHERE e.sentiment = 'not_scored' AND e.language = 'de'
            ORDER BY 1 LIMIT 1""").fetchall()
        text = render_explanation(explain(con, policy_for(demo_settings), ref))
    assert ("sentiment not_scored (no sentiment model for de is configured; "
            "carewire/sentiment is made for en)") in text
