-- Enrichment and issue clusters. Every row names the models that produced it, so a
-- changed model shows which rows are older, and a rerun of a window re-enriches only them.

CREATE TABLE core__enrichments (
    source                VARCHAR NOT NULL,
    source_id             VARCHAR NOT NULL,
    text_sha              VARCHAR NOT NULL,   -- of the text as enriched: an edit re-enriches
    language              VARCHAR NOT NULL,   -- ISO 639-1, or und
    language_confidence   DOUBLE NOT NULL,
    language_source       VARCHAR NOT NULL,   -- platform (it said so) | detected
    sentiment             VARCHAR NOT NULL,   -- negative | neutral | positive
    sentiment_score       DOUBLE NOT NULL,    -- P(positive) - P(negative), in [-1, 1]
    sentiment_confidence  DOUBLE NOT NULL,    -- probability of the label
    relevant              BOOLEAN NOT NULL,
    relevance_score       DOUBLE NOT NULL,
    relevance_reason      VARCHAR NOT NULL,
    intent                VARCHAR NOT NULL,   -- question | complaint | praise | feature_idea | other
    intent_reason         VARCHAR NOT NULL,
    models                JSON NOT NULL,      -- {"encoder": "name@version", "sentiment": ...}
    models_version        VARCHAR NOT NULL,   -- hash of `models`
    enriched_for          TIMESTAMPTZ NOT NULL, -- end of the data interval of the run
    PRIMARY KEY (source, source_id)
);

CREATE TABLE core__embeddings (
    source           VARCHAR NOT NULL,
    source_id        VARCHAR NOT NULL,
    encoder_version  VARCHAR NOT NULL,
    embedding        FLOAT[] NOT NULL,        -- unit length: cosine similarity is a dot product
    PRIMARY KEY (source, source_id)
);

CREATE TABLE core__cluster_members (
    source           VARCHAR NOT NULL,
    source_id        VARCHAR NOT NULL,
    cluster_id       VARCHAR NOT NULL,        -- named after the mention that founded it
    joined_by        VARCHAR NOT NULL,        -- founder | duplicate | similar
    similarity       DOUBLE,                  -- cosine to the founder
    pair_score       DOUBLE,                  -- the same-issue model's probability
    encoder_version  VARCHAR NOT NULL,
    PRIMARY KEY (source, source_id)
);

CREATE TABLE core__author_influence (
    source                  VARCHAR NOT NULL,
    author_id               VARCHAR NOT NULL,
    handle                  VARCHAR,
    reach                   BIGINT,           -- followers (x), karma (reddit), trust level (forums)
    reach_pct               DOUBLE,           -- percentile among the platform's authors
    mentions                BIGINT NOT NULL,  -- brand mentions by this author
    engagement_per_mention  DOUBLE NOT NULL,  -- likes + shares + replies received, mean
    engagement_pct          DOUBLE NOT NULL,
    history_pct             DOUBLE NOT NULL,  -- percentile of `mentions`
    avg_sentiment           DOUBLE,
    helpful_replies         BIGINT NOT NULL,  -- liked answers to other people's questions
    score                   DOUBLE NOT NULL,  -- 0.5 reach + 0.3 engagement + 0.2 history (pcts)
    tier                    VARCHAR NOT NULL, -- brand | influencer | superfan | regular
    tier_reason             VARCHAR NOT NULL,
    PRIMARY KEY (source, author_id)
);

CREATE VIEW core__issue_clusters AS
SELECT k.cluster_id,
       count(*) AS size,
       count(DISTINCT (m.source, m.author_id)) AS authors,
       min(m.created_at) AS first_mention_at,
       max(m.created_at) AS last_mention_at,
       arg_min(m.text, m.created_at) AS founder_text,
       list(DISTINCT m.source ORDER BY m.source) AS sources,
       avg(e.sentiment_score) AS avg_sentiment,
       mode(e.intent) AS main_intent
FROM core__cluster_members k
JOIN core__mentions m USING (source, source_id)
LEFT JOIN core__enrichments e USING (source, source_id)
WHERE NOT m.is_deleted
GROUP BY k.cluster_id;

CREATE VIEW out__sentiment_daily AS
SELECT m.source, CAST(date_trunc('day', m.created_at) AS DATE) AS day,
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

CREATE VIEW out__issue_clusters AS
SELECT * FROM core__issue_clusters WHERE size > 1 ORDER BY size DESC, cluster_id;

CREATE VIEW out__top_authors AS
SELECT * FROM core__author_influence
WHERE tier IN ('influencer', 'superfan') ORDER BY tier, score DESC;
