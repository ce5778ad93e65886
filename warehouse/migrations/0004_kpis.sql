-- Brand and topic tags, and the KPI views the desk's dashboards read. Every figure on a
-- dashboard is a row of one of these views, so an analyst gets the same number from the
-- snapshot, and its definition is written once, here. docs/dashboards.md explains each.
--
-- Days and weeks are UTC (weeks start on Monday), whatever the session's time zone.
-- Rates and shares are fractions in [0, 1], durations in hours.

-- Written by warehouse/tags.py from the config (brands, topics) at the end of every
-- enrich step, for all mentions: one row per (brand, topic) a mention names.
CREATE TABLE core__mention_tags (
    source         VARCHAR NOT NULL,
    source_id      VARCHAR NOT NULL,
    brand          VARCHAR NOT NULL,   -- a configured brand it names, else the first own brand
    is_competitor  BOOLEAN NOT NULL,   -- the brand is a configured competitor
    topic          VARCHAR NOT NULL,   -- a configured topic whose keywords it uses, else 'other'
    PRIMARY KEY (source, source_id, brand, topic)
);

-- One row per delivered care item (a desk item, ticket or community thread), with what
-- its destination reported back through core__events. Outcomes arrive with sync_outcomes.
--
-- Open items are judged against `as_of`, when sync_outcomes last heard from the item's
-- destination (its `synced` event), not the wall clock: the view gives the same answer on
-- the same data, and never calls an item breached before carewire has asked its
-- destination since the deadline.
CREATE VIEW out__care_items AS
WITH clock AS (
    SELECT destination, max(occurred_at) AS as_of FROM core__events
    WHERE kind = 'synced' GROUP BY destination
),
opened AS (  -- the first mention: where and when the customer spoke
    SELECT d.delivery_key,
           arg_min(m.source, (m.created_at, m.source, m.source_id)) AS source,
           min(m.created_at) AS posted_at,
           count(*) AS mentions
    FROM core__delivery_mentions d
    JOIN core__mentions m ON m.source = d.source AND m.source_id = d.source_id
    GROUP BY d.delivery_key
),
events AS (
    SELECT delivery_key, kind, occurred_at, data,
           kind IN ('resolved', 'accepted_answer')
               OR (kind = 'status' AND data->>'status' IN ('solved', 'closed')) AS is_resolving,
           kind = 'reopened'
               OR (kind = 'status' AND data->>'status' NOT IN ('solved', 'closed', 'deleted'))
               AS is_unresolving
    FROM core__events
    WHERE delivery_key IS NOT NULL
),
outcomes AS (
    SELECT delivery_key,
           -- desk events name the team holding the item then: a reassignment shows here
           arg_max(data->>'team', occurred_at) FILTER (WHERE data->>'team' IS NOT NULL) AS team,
           -- and a desk "send to the community / contact center" names the new route
           arg_max(data->>'route', occurred_at) FILTER (WHERE kind = 'reassigned'
                                                        AND data->>'route' IS NOT NULL) AS route,
           min(occurred_at) FILTER (WHERE kind = 'replied') AS first_response_at,
           max(occurred_at) FILTER (WHERE is_unresolving) AS unresolved_at,
           arg_max(data->>'score', occurred_at) FILTER (WHERE kind = 'rated') AS rating,
           bool_or(kind = 'status' AND data->>'status' = 'deleted') AS is_deleted
    FROM events
    GROUP BY delivery_key
),
resolutions AS (  -- the first resolution after the last reopening, if any
    SELECT e.delivery_key, min(e.occurred_at) AS resolved_at
    FROM events e
    LEFT JOIN outcomes o USING (delivery_key)
    WHERE e.is_resolving AND (o.unresolved_at IS NULL OR e.occurred_at > o.unresolved_at)
    GROUP BY e.delivery_key
)
SELECT v.delivery_key, v.destination, v.external_id, coalesce(o.route, v.route) AS route,
       v.unit, v.cluster_id,
       coalesce(o.team, v.team) AS team, v.priority, f.source, f.posted_at, f.mentions,
       CAST(date_trunc('week', timezone('UTC', f.posted_at)) AS DATE) AS week,
       v.delivered_at, o.first_response_at, r.resolved_at,
       r.resolved_at IS NOT NULL AS is_resolved,
       epoch(o.first_response_at - f.posted_at) / 3600 AS first_response_hours,
       epoch(r.resolved_at - f.posted_at) / 3600 AS resolution_hours,
       TRY_CAST(o.rating AS INTEGER) AS rating_score,          -- 1..5 (desk)
       o.rating AS rating,                                     -- as given: 1..5, good, bad
       CASE WHEN o.rating = 'good' THEN true
            WHEN o.rating = 'bad' THEN false
            ELSE TRY_CAST(o.rating AS INTEGER) >= 4 END AS is_satisfied,
       v.sla_due_at,
       CASE WHEN r.resolved_at IS NOT NULL THEN r.resolved_at > v.sla_due_at
            WHEN v.sla_due_at < c.as_of THEN true END AS is_sla_breached,  -- NULL: not due yet
       coalesce(o.is_deleted, false) AS is_deleted_at_destination,
       c.as_of
FROM core__deliveries v
LEFT JOIN clock c USING (destination)
LEFT JOIN opened f USING (delivery_key)
LEFT JOIN outcomes o USING (delivery_key)
LEFT JOIN resolutions r USING (delivery_key)
WHERE v.status = 'delivered';

-- The care KPIs for every combination of team, source and week, and overall: `grain`
-- names the grouping ('all', 'team', 'source', 'week', 'team_source', 'team_week',
-- 'source_week', 'team_source_week'), and the key columns outside it are NULL. Items
-- deleted at their destination are not care work any more and are left out.
CREATE VIEW out__care_kpis AS
SELECT coalesce(nullif(concat_ws('_',
           CASE WHEN grouping(team) = 0 THEN 'team' END,
           CASE WHEN grouping(source) = 0 THEN 'source' END,
           CASE WHEN grouping(week) = 0 THEN 'week' END), ''), 'all') AS grain,
       team, source, week,
       count(*) AS items,
       count(*) FILTER (WHERE is_resolved) AS resolved,
       count(*) FILTER (WHERE is_resolved) / count(*) AS resolution_rate,
       median(resolution_hours) AS resolution_hours_median,
       quantile_cont(resolution_hours, 0.9) AS resolution_hours_p90,
       count(first_response_at) AS responded,
       median(first_response_hours) AS first_response_hours_median,
       quantile_cont(first_response_hours, 0.9) AS first_response_hours_p90,
       count(rating) AS ratings,
       avg(rating_score) AS avg_rating,
       avg(CAST(is_satisfied AS INTEGER)) AS csat,
       count(*) FILTER (WHERE is_sla_breached) AS sla_breached,
       count(*) FILTER (WHERE NOT is_sla_breached) AS sla_met,
       count(*) FILTER (WHERE is_sla_breached)
           / nullif(count(is_sla_breached), 0) AS sla_breach_rate,
       max(as_of) AS as_of
FROM out__care_items
WHERE NOT is_deleted_at_destination
GROUP BY CUBE (team, source, week);

-- Volume and sentiment of the own brands' mentions per UTC day and source (grain
-- 'source', topic NULL: each mention once) and per day, source and topic (grain 'topic':
-- a mention on two topics counts in both).
CREATE VIEW out__volume_sentiment_daily AS
WITH own AS (
    SELECT DISTINCT source, source_id, topic FROM core__mention_tags WHERE NOT is_competitor
),
mentions AS (
    SELECT m.source, m.source_id, CAST(timezone('UTC', m.created_at) AS DATE) AS day,
           e.sentiment, e.sentiment_score
    FROM core__mentions m
    LEFT JOIN core__enrichments e USING (source, source_id)
    WHERE NOT m.is_deleted
),
by_source AS (
    SELECT 'source' AS grain, day, source, CAST(NULL AS VARCHAR) AS topic, sentiment,
           sentiment_score
    FROM mentions m
    WHERE EXISTS (SELECT 1 FROM own o WHERE o.source = m.source AND o.source_id = m.source_id)
),
by_topic AS (
    SELECT 'topic' AS grain, day, source, o.topic, sentiment, sentiment_score
    FROM mentions m
    JOIN own o USING (source, source_id)
)
SELECT grain, day, source, topic,
       count(*) AS mentions,
       count(*) FILTER (WHERE sentiment = 'negative') AS negative,
       count(*) FILTER (WHERE sentiment = 'neutral') AS neutral,
       count(*) FILTER (WHERE sentiment = 'positive') AS positive,
       avg(sentiment_score) AS avg_sentiment_score
FROM (SELECT * FROM by_source UNION ALL SELECT * FROM by_topic)
GROUP BY ALL;

-- Share of voice per UTC week: each brand's mentions over all brands' mentions that week.
-- A mention naming two brands counts for both. Competitors' mentions are only those the
-- configured sources bring (carewire searches only the own brands' keywords).
CREATE VIEW out__share_of_voice AS
WITH named AS (
    SELECT DISTINCT t.source, t.source_id, t.brand, t.is_competitor,
           CAST(date_trunc('week', timezone('UTC', m.created_at)) AS DATE) AS week,
           e.sentiment_score
    FROM core__mention_tags t
    JOIN core__mentions m USING (source, source_id)
    LEFT JOIN core__enrichments e USING (source, source_id)
    WHERE NOT m.is_deleted
)
SELECT week, brand, is_competitor,
       count(*) AS mentions,
       count(*) / sum(count(*)) OVER (PARTITION BY week) AS share_of_voice,
       avg(sentiment_score) AS avg_sentiment_score
FROM named
GROUP BY week, brand, is_competitor;

-- Issue clusters with care work still to do: at least one care item for the cluster is
-- not resolved. Largest first.
CREATE VIEW out__open_clusters AS
WITH work AS (
    SELECT cluster_id,
           count(*) AS items,
           count(*) FILTER (WHERE NOT is_resolved) AS open_items,
           min(sla_due_at) FILTER (WHERE NOT is_resolved) AS next_sla_due_at,
           list(DISTINCT team ORDER BY team) AS teams
    FROM out__care_items
    WHERE cluster_id IS NOT NULL AND NOT is_deleted_at_destination
    GROUP BY cluster_id
)
SELECT c.cluster_id, c.size, c.authors, c.founder_text, c.sources, c.first_mention_at,
       c.last_mention_at, c.avg_sentiment, c.main_intent, w.items, w.open_items,
       w.next_sla_due_at, w.teams
FROM core__issue_clusters c
JOIN work w USING (cluster_id)
WHERE w.open_items > 0
ORDER BY c.size DESC, c.last_mention_at DESC, c.cluster_id;
