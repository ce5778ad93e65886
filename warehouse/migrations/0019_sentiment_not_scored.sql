-- Languages honestly (issue 19): a mention in a language no configured sentiment model was
-- made for is not scored. Its sentiment is `not_scored`, its score and confidence NULL,
-- and `sentiment_reason` names the language; `sentiment_language` is the language the
-- model read a scored mention as (its own, or the model's first for an undetermined one).
-- The views that count sentiment count not_scored apart, and no mean includes it.

ALTER TABLE core__enrichments ALTER COLUMN sentiment_score DROP NOT NULL;
ALTER TABLE core__enrichments ALTER COLUMN sentiment_confidence DROP NOT NULL;
ALTER TABLE core__enrichments ADD COLUMN sentiment_language VARCHAR;
ALTER TABLE core__enrichments ADD COLUMN sentiment_reason VARCHAR;

-- Rows enriched before: the shipped head (carewire/sentiment) was made for English only, so
-- what it said about another language is withdrawn, and what it said about English or an
-- undetermined language is kept and explained. Rows of another model (a Hugging Face one
-- the deployment configured) keep their scores without a reason: re-enrich their window
-- (`carewire enrich --since ... --until ...`) once enrichment.sentiment_languages names
-- its languages.
UPDATE core__enrichments
SET sentiment = 'not_scored', sentiment_score = NULL, sentiment_confidence = NULL,
    sentiment_reason = 'no sentiment model for ' || language
        || ' is configured; carewire/sentiment is made for en'
WHERE (models->>'sentiment') LIKE 'carewire/sentiment@%' AND language NOT IN ('en', 'und');

UPDATE core__enrichments
SET sentiment_language = 'en',
    sentiment_reason = CASE WHEN language = 'en'
        THEN 'en: carewire/sentiment is made for en'
        ELSE 'language undetermined: scored as en, carewire/sentiment is made for en' END
WHERE (models->>'sentiment') LIKE 'carewire/sentiment@%' AND language IN ('en', 'und');

CREATE OR REPLACE VIEW out__sentiment_daily AS
SELECT m.source, CAST(timezone('UTC', m.created_at) AS DATE) AS day,
       count(*) AS mentions,
       count(*) FILTER (WHERE e.relevant) AS relevant,
       count(*) FILTER (WHERE e.sentiment = 'negative') AS negative,
       count(*) FILTER (WHERE e.sentiment = 'neutral') AS neutral,
       count(*) FILTER (WHERE e.sentiment = 'positive') AS positive,
       count(*) FILTER (WHERE e.sentiment = 'not_scored') AS not_scored,
       avg(e.sentiment_score) AS avg_sentiment_score   -- of the scored: NULL scores are skipped
FROM core__mentions m
JOIN core__enrichments e USING (source, source_id)
WHERE NOT m.is_deleted
GROUP BY ALL;

CREATE OR REPLACE VIEW out__volume_sentiment_daily AS
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
       count(*) FILTER (WHERE sentiment = 'not_scored') AS not_scored,
       avg(sentiment_score) AS avg_sentiment_score
FROM (SELECT * FROM by_source UNION ALL SELECT * FROM by_topic)
GROUP BY ALL;
