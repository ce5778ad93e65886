-- The analysts' warehouse (issue 24): one time rule, the data dictionary and the snapshot's
-- freshness row, and views that answer an analyst's obvious questions.

-- One time rule: days and weeks are UTC, whatever the reading session's TimeZone. 0001
-- and 0002 cut days with date_trunc on a TIMESTAMPTZ, which follows the session's zone
-- (a reader in Berlin got other days than the docs promised, and so did the Parquet
-- exports of those views made on a machine in another zone).
CREATE OR REPLACE VIEW out__mention_volume_daily AS
SELECT source, stream, CAST(timezone('UTC', created_at) AS DATE) AS day,
       count(*) AS mentions, count(DISTINCT author_id) AS authors
FROM core__mentions
WHERE NOT is_deleted
GROUP BY ALL;

CREATE OR REPLACE VIEW out__sentiment_daily AS
SELECT m.source, CAST(timezone('UTC', m.created_at) AS DATE) AS day,
       count(*) AS mentions,
       count(*) FILTER (WHERE e.relevant) AS relevant,
       count(*) FILTER (WHERE e.sentiment = 'negative') AS negative,
       count(*) FILTER (WHERE e.sentiment = 'neutral') AS neutral,
       count(*) FILTER (WHERE e.sentiment = 'positive') AS positive,
       avg(e.sentiment_score) AS avg_sentiment_score
FROM core__mentions m
JOIN core__enrichments e USING (source, source_id)
WHERE NOT m.is_deleted
GROUP BY ALL;

-- A cluster's main intent was `mode(intent)`, which picks any of two intents that tie, and
-- not always the same one: the same snapshot answered "other" and then "praise". The
-- commonest intent now, the first by name on a tie; the founder on a tie of times, the
-- first by key.
CREATE OR REPLACE VIEW core__issue_clusters AS
WITH intents AS (
    SELECT k.cluster_id, e.intent, count(*) AS mentions
    FROM core__cluster_members k
    JOIN core__mentions m USING (source, source_id)
    JOIN core__enrichments e USING (source, source_id)
    WHERE NOT m.is_deleted
    GROUP BY ALL
),
main_intent AS (
    SELECT cluster_id, arg_min(intent, (-mentions, intent)) AS main_intent
    FROM intents GROUP BY cluster_id
)
SELECT k.cluster_id,
       count(*) AS size,
       count(DISTINCT (m.source, m.author_id)) AS authors,
       min(m.created_at) AS first_mention_at,
       max(m.created_at) AS last_mention_at,
       arg_min(m.text, (m.created_at, m.source, m.source_id)) AS founder_text,
       list(DISTINCT m.source ORDER BY m.source) AS sources,
       avg(e.sentiment_score) AS avg_sentiment,
       any_value(i.main_intent) AS main_intent
FROM core__cluster_members k
JOIN core__mentions m USING (source, source_id)
LEFT JOIN core__enrichments e USING (source, source_id)
LEFT JOIN main_intent i ON i.cluster_id = k.cluster_id
WHERE NOT m.is_deleted
GROUP BY k.cluster_id;

-- How central a mention is to its issue cluster: the cosine between its embedding and the
-- mean of its cluster's embeddings, written by the cluster step (enrichment/step.py) for
-- the clusters it touches, and for any cluster still without it (those clustered before
-- this migration, on the next run). The representative of a cluster is its most central
-- mention in the brand's main language.
ALTER TABLE core__cluster_members ADD COLUMN centrality DOUBLE;

-- Issue clusters as an analyst asks about them: who raised the issue (customers: the
-- brand's own accounts left out, one person once across platforms), what it says (the most
-- central mention in the main language), and where its care work stands. Shared issues
-- only: raised by at least two customers.
CREATE OR REPLACE VIEW out__issue_clusters AS
WITH main_language AS (  -- the language most enriched mentions are in (first by name on a tie)
    SELECT arg_min(language, (-mentions, language)) AS language
    FROM (SELECT language, count(*) AS mentions FROM core__enrichments
          WHERE language <> 'und' GROUP BY language)
),
members AS (
    SELECT k.cluster_id, m.source, m.source_id, m.text, m.created_at, e.language,
           e.sentiment_score, e.intent,
           -- one person across platforms: the same handle on X and Reddit is one customer;
           -- a post without a known author (a feed entry) is one person of its own
           coalesce(lower(a.handle), m.source || ':' || m.author_id,
                    m.source || ':' || m.source_id) AS person,
           coalesce(i.tier = 'brand', false) AS by_brand,
           -- the representative is the best by this: a customer's words, in the main
           -- language, the most central, then the earliest
           (NOT coalesce(i.tier = 'brand', false),
            coalesce(e.language = (SELECT language FROM main_language), false),
            coalesce(k.centrality, -1), -epoch(m.created_at), m.source_id) AS pick
    FROM core__cluster_members k
    JOIN core__mentions m USING (source, source_id)
    LEFT JOIN core__enrichments e USING (source, source_id)
    LEFT JOIN core__authors a ON a.source = m.source AND a.author_id = m.author_id
    LEFT JOIN core__author_influence i ON i.source = m.source AND i.author_id = m.author_id
    WHERE NOT m.is_deleted
),
clusters AS (
    SELECT cluster_id,
           count(*) AS size,
           count(DISTINCT person) FILTER (WHERE NOT by_brand) AS customers,
           count(*) FILTER (WHERE by_brand) AS brand_mentions,
           arg_max(text, pick) AS representative_text,
           arg_max(source || ':' || source_id, pick) AS representative_key,
           arg_max(language, pick) AS representative_language,
           min(created_at) AS first_mention_at,
           max(created_at) AS last_mention_at,
           list(DISTINCT source ORDER BY source) AS sources,
           avg(sentiment_score) AS avg_sentiment
    FROM members
    GROUP BY cluster_id
),
work AS (  -- every delivered care item holding a mention of the cluster
    SELECT k.cluster_id,
           count(DISTINCT c.delivery_key) AS items,
           count(DISTINCT c.delivery_key) FILTER (WHERE c.first_response_at IS NOT NULL
                                                  OR c.is_resolved) AS answered_items,
           count(DISTINCT c.delivery_key) FILTER (WHERE c.is_resolved) AS resolved_items
    FROM core__cluster_members k
    JOIN core__delivery_mentions dm USING (source, source_id)
    JOIN out__care_items c ON c.delivery_key = dm.delivery_key
    WHERE NOT c.is_deleted_at_destination
    GROUP BY k.cluster_id
)
SELECT c.cluster_id, c.customers, c.size, c.brand_mentions,
       CASE WHEN coalesce(w.items, 0) = 0 THEN 'no_care_item'
            WHEN w.resolved_items = w.items THEN 'resolved'
            WHEN w.answered_items > 0 THEN 'answered'
            ELSE 'open' END AS status,
       coalesce(w.items, 0) AS items,
       coalesce(w.answered_items, 0) AS answered_items,
       coalesce(w.resolved_items, 0) AS resolved_items,
       c.representative_text, c.representative_key, c.representative_language,
       c.first_mention_at, c.last_mention_at, c.sources, c.avg_sentiment, i.main_intent
FROM clusters c
JOIN core__issue_clusters i USING (cluster_id)
LEFT JOIN work w USING (cluster_id)
WHERE c.customers > 1
ORDER BY c.customers DESC, c.size DESC, c.cluster_id;

-- Influence with its scale in its names: every percentile is within the author's own
-- source (a Reddit author is ranked among Reddit authors), and `score` weighs them; the
-- ranks say where an author stands within the source and across all of them. Every author
-- but the brand's own accounts, so "the top ten" is `WHERE rank_overall <= 10`.
CREATE OR REPLACE VIEW out__top_authors AS
SELECT source, author_id, handle, tier,
       rank() OVER (ORDER BY score DESC, reach DESC NULLS LAST) AS rank_overall,
       rank() OVER (PARTITION BY source ORDER BY score DESC, reach DESC NULLS LAST)
           AS rank_in_source,
       score, reach, reach_pct AS reach_pct_in_source, mentions, engagement_per_mention,
       engagement_pct AS engagement_pct_in_source, history_pct AS history_pct_in_source,
       avg_sentiment, helpful_replies, tier_reason
FROM core__author_influence
WHERE tier <> 'brand'
ORDER BY rank_overall, source, author_id;

-- A routing decision's evidence, one row per condition of the rule that fired: the field,
-- the value it had, the test, whether it held. The JSON stays in core__routing_decisions.
CREATE VIEW out__routing_evidence AS
WITH items AS (
    SELECT source, source_id, route, rule_id, policy_version, decided_for,
           unnest(CAST(evidence AS JSON[])) AS item,
           generate_subscripts(CAST(evidence AS JSON[]), 1) AS seq
    FROM core__routing_decisions
)
SELECT i.source, i.source_id, i.route, i.rule_id, CAST(i.seq AS BIGINT) AS seq,
       i.item->>'field' AS field, i.item->>'value' AS value, i.item->>'test' AS test,
       CAST(i.item->>'held' AS BOOLEAN) AS held, i.item->>'says' AS says,
       i.policy_version, i.decided_for
FROM items i
JOIN core__mentions m USING (source, source_id)
WHERE NOT m.is_deleted;

-- The data dictionary (warehouse/dictionary.py writes it from the registry,
-- warehouse/tables.py, after every migrate; the descriptions are also the catalog's
-- COMMENTs, which DuckDB clients and BI tools show).
CREATE TABLE meta__tables (
    table_name        VARCHAR NOT NULL PRIMARY KEY,
    kind              VARCHAR NOT NULL,
    grain             VARCHAR NOT NULL,
    key_columns       VARCHAR[] NOT NULL,
    personal          BOOLEAN NOT NULL,
    personal_columns  VARCHAR[] NOT NULL,
    exported          BOOLEAN NOT NULL,
    retention         VARCHAR
);

CREATE VIEW meta__columns AS
SELECT c.table_name, c.column_name, CAST(c.column_index AS BIGINT) AS position, c.data_type,
       c.comment AS description, t.kind, t.grain,
       list_contains(t.key_columns, c.column_name) AS is_key,
       list_contains(t.personal_columns, c.column_name) AS personal,
       t.exported
FROM duckdb_columns() c
JOIN meta__tables t ON t.table_name = c.table_name
WHERE c.database_name = current_database() AND c.schema_name = 'main'
ORDER BY c.table_name, c.column_index;

-- What the analyst snapshot holds and how fresh it is: one row, replaced by every publish
-- (warehouse/snapshot.py) just before the snapshot is written.
CREATE TABLE meta__snapshot (
    published_at        TIMESTAMPTZ NOT NULL PRIMARY KEY,
    run_id              VARCHAR NOT NULL,
    run_interval_start  TIMESTAMPTZ,
    run_interval_end    TIMESTAMPTZ,
    landed_from         TIMESTAMPTZ,
    landed_until        TIMESTAMPTZ,
    mentions            BIGINT NOT NULL,
    newest_mention_at   TIMESTAMPTZ,
    policy_version      VARCHAR,
    models_version      VARCHAR,
    models              JSON,
    carewire_version    VARCHAR NOT NULL,
    duckdb_version      VARCHAR NOT NULL,
    storage_version     VARCHAR NOT NULL
);
