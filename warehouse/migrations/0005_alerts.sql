-- Spike alerts: hours whose mention volume or negative sentiment rose far above the same
-- hour of the week in the weeks before (alerts/detect.py, docs/alerts.md), and whom each
-- alert was sent to. An alert's id is a hash of metric, series and hour, so a rerun that
-- finds the same spike adds nothing, and a notification is retried until it is sent.

CREATE TABLE core__alerts (
    alert_id         VARCHAR PRIMARY KEY,     -- hash of metric, brand, source, topic, hour
    metric           VARCHAR NOT NULL,        -- mentions | negative (negative and relevant)
    brand            VARCHAR NOT NULL,
    source           VARCHAR NOT NULL,        -- a source, or * for all sources together
    topic            VARCHAR NOT NULL,        -- a topic, or * for all topics together
    hour_start       TIMESTAMPTZ NOT NULL,    -- the hour that rose, [hour_start, +1 hour)
    count            BIGINT NOT NULL,         -- mentions in that hour
    baseline_median  DOUBLE NOT NULL,         -- of the same hour of the week, weeks before
    baseline_mad     DOUBLE NOT NULL,         -- median absolute deviation x 1.4826
    baseline_weeks   INTEGER NOT NULL,        -- watched weeks in the baseline
    baseline_spread  DOUBLE NOT NULL,         -- max(MAD, sqrt(median), floor)
    threshold        DOUBLE NOT NULL,         -- median + k x spread: fired above it
    score            DOUBLE NOT NULL,         -- (count - median) / spread
    explanation      VARCHAR NOT NULL,        -- what rose, against what, and the top issues
    top_clusters     JSON NOT NULL,           -- [{cluster_id, mentions, size, founder_text,
                                              --   examples}] in that hour, largest first
    examples         JSON NOT NULL,           -- links to mentions of that hour
    detected_for     TIMESTAMPTZ NOT NULL     -- the run that found it first
);

CREATE TABLE core__alert_notifications (
    alert_id     VARCHAR NOT NULL,            -- core__alerts
    destination  VARCHAR NOT NULL,            -- desk, or a webhook under routing.destinations
    status       VARCHAR NOT NULL,            -- pending | sent | failed (gave up)
    attempts     INTEGER NOT NULL DEFAULT 0,
    last_error   VARCHAR,                     -- what went wrong and what to do
    sent_at      TIMESTAMPTZ,
    PRIMARY KEY (alert_id, destination)
);

CREATE VIEW out__alerts AS
SELECT a.hour_start, a.metric, a.brand, a.source, a.topic, a.count, a.baseline_median,
       a.baseline_mad, a.score, a.explanation, a.top_clusters, a.alert_id, a.detected_for,
       list(n.destination || ': ' || n.status ORDER BY n.destination) AS notified,
       any_value(n.last_error) FILTER (WHERE n.status <> 'sent') AS last_error
FROM core__alerts a
LEFT JOIN core__alert_notifications n USING (alert_id)
GROUP BY ALL
ORDER BY a.hour_start DESC, a.score DESC;
