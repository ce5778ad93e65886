"""Author influence: how far a voice carries, and who keeps helping others.

Per author and platform, from the warehouse as it stands (so a rerun gives the same
table):
- reach: followers on X, karma on Reddit, trust level on Discourse; feeds state none;
- engagement: likes, shares and replies the author's mentions received, per mention;
- history: how often the author mentioned the brand, and how they felt (mean sentiment);
- helpfulness: answers to other people's questions and problems (a reply that is neither
  a complaint nor a question itself, to a post whose intent is one) that someone liked:
  the mark of a superfan. A liked "me too" under an outage report is not help.

The score is 0.5 reach + 0.3 engagement + 0.2 history, each as a percentile within the
platform, so X followers and Reddit karma are never compared with each other. Tiers:
- brand: the brand's own accounts (`brands[].handles`) and the staff of its forums; they
  are neither influencers to court nor customers to route;
- influencer: reach at or above the platform's threshold (none for forums, where trust
  level says how someone behaves, not how many listen);
- superfan: at least N such liked answers;
- regular: everyone else.
Each row keeps its components and the reason for its tier.
"""

from __future__ import annotations

import duckdb

from carewire.core.settings import InfluenceSettings
from carewire.warehouse.db import transaction

_SQL = """
WITH posts AS (
    SELECT m.source, m.author_id, m.source_id, m.parent_id, m.thread_id,
           coalesce(m.like_count, 0) AS likes,
           coalesce(m.like_count, 0) + coalesce(m.share_count, 0)
             + coalesce(m.reply_count, 0) AS engagement,
           e.sentiment_score, e.intent
    FROM core__mentions m
    LEFT JOIN core__enrichments e USING (source, source_id)
    WHERE NOT m.is_deleted AND m.author_id IS NOT NULL
),
helpful AS (  -- a liked answer to someone else's question or problem
    SELECT r.source, r.author_id, count(*) AS helpful_replies
    FROM posts r
    JOIN posts p ON p.source = r.source AND p.source_id = r.parent_id
    WHERE r.likes >= 1 AND p.author_id <> r.author_id
      AND p.intent IN ('question', 'complaint')
      AND r.intent NOT IN ('complaint', 'question')
    GROUP BY ALL
),
per_author AS (
    SELECT p.source, p.author_id, count(*) AS mentions,
           avg(p.engagement) AS engagement_per_mention,
           avg(p.sentiment_score) AS avg_sentiment,
           coalesce(any_value(h.helpful_replies), 0) AS helpful_replies
    FROM posts p
    LEFT JOIN helpful h USING (source, author_id)
    GROUP BY ALL
),
measured AS (
    SELECT a.*, u.handle,
           lower(u.handle) IN (SELECT unnest($brand_handles))
             OR (a.source = 'forums' AND coalesce(u.is_verified, false)) AS is_brand,
           CASE a.source WHEN 'x' THEN u.followers_count
                         WHEN 'reddit' THEN u.karma
                         WHEN 'forums' THEN u.karma END AS reach
    FROM per_author a
    LEFT JOIN core__authors u USING (source, author_id)
),
ranked AS (
    SELECT *,
           CASE WHEN reach IS NULL THEN NULL
                ELSE percent_rank() OVER (PARTITION BY source, reach IS NULL
                                          ORDER BY reach) END AS reach_pct,
           percent_rank() OVER (PARTITION BY source ORDER BY engagement_per_mention)
             AS engagement_pct,
           percent_rank() OVER (PARTITION BY source ORDER BY mentions) AS history_pct
    FROM measured
)
SELECT source, author_id, handle, reach, reach_pct, mentions, engagement_per_mention,
       engagement_pct, history_pct, avg_sentiment, helpful_replies,
       0.5 * coalesce(reach_pct, 0) + 0.3 * engagement_pct + 0.2 * history_pct AS score,
       CASE WHEN is_brand THEN 'brand'
            WHEN reach >= threshold THEN 'influencer'
            WHEN helpful_replies >= $superfan THEN 'superfan'
            ELSE 'regular' END AS tier,
       CASE WHEN is_brand THEN 'the brand''s own account or forum staff'
            WHEN reach >= threshold THEN format('reach {} >= {} on {}', reach, threshold, source)
            WHEN helpful_replies >= $superfan
              THEN format('{} liked answers to others'' questions >= {}', helpful_replies,
                          $superfan)
            ELSE 'below the influencer and superfan thresholds' END AS tier_reason
FROM ranked
LEFT JOIN (SELECT unnest($sources) AS source, unnest($thresholds) AS threshold)
    USING (source)
"""


def recompute(con: duckdb.DuckDBPyConnection, settings: InfluenceSettings,
              brand_handles: list[str]) -> dict[str, int]:
    """Replace core__author_influence; return the number of authors per tier."""
    reach = settings.influencer_min_reach
    params = {"superfan": settings.superfan_min_helpful_replies,
              "brand_handles": [h.lstrip("@").lower() for h in brand_handles] or [""],
              "sources": list(reach), "thresholds": list(reach.values())}
    with transaction(con):
        con.execute("DELETE FROM core__author_influence")
        con.execute(f"INSERT INTO core__author_influence BY NAME {_SQL}", params)
    return dict(con.execute("SELECT tier, count(*) FROM core__author_influence "
                            "GROUP BY tier ORDER BY tier").fetchall())
