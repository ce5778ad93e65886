-- Routing decisions, deliveries to destinations and the event log of what became of them.
-- Decisions say which rule fired and why; deliveries carry the idempotency key that makes
-- a retry or rerun find the ticket or thread it already created; events are append-only,
-- and the KPIs are computed from them.

CREATE TABLE core__routing_decisions (
    source          VARCHAR NOT NULL,
    source_id       VARCHAR NOT NULL,
    route           VARCHAR NOT NULL,         -- community | contact_center | advocacy | ignore
    rule_id         VARCHAR NOT NULL,
    reason          VARCHAR NOT NULL,         -- the rule and the comparisons that made it
    evidence        JSON NOT NULL,            -- [{field, value, test, says, held}]
    experts         VARCHAR[] NOT NULL,       -- superfans offered the question
    team            VARCHAR,
    priority        VARCHAR,                  -- urgent | high | normal | low
    sla_due_at      TIMESTAMPTZ,              -- created_at of the mention + the rule's SLA
    destination     VARCHAR,
    delivery_key    VARCHAR,                  -- core__deliveries; NULL when ignored
    policy_version  VARCHAR NOT NULL,         -- declared version + content hash
    decided_for     TIMESTAMPTZ NOT NULL,     -- end of the data interval of the run
    PRIMARY KEY (source, source_id)
);

CREATE TABLE core__deliveries (
    delivery_key     VARCHAR PRIMARY KEY,     -- hash of destination and unit: the idempotency key
    destination      VARCHAR NOT NULL,
    route            VARCHAR NOT NULL,        -- community | contact_center | advocacy | answer_offer
    unit             VARCHAR NOT NULL,        -- mention | cluster
    cluster_id       VARCHAR,
    team             VARCHAR NOT NULL,
    priority         VARCHAR NOT NULL,
    sla_due_at       TIMESTAMPTZ NOT NULL,
    rule_id          VARCHAR NOT NULL,
    reason           VARCHAR NOT NULL,
    experts          VARCHAR[] NOT NULL,
    body_note        VARCHAR,                 -- extra text for the item (an answer link)
    status           VARCHAR NOT NULL,        -- pending | delivered | blocked | cancelled
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  TIMESTAMPTZ,
    last_error       VARCHAR,
    external_id      VARCHAR,                 -- ticket id, topic id, desk item id
    external_url     VARCHAR,
    created_for      TIMESTAMPTZ NOT NULL,
    delivered_at     TIMESTAMPTZ
);

CREATE TABLE core__delivery_mentions (
    delivery_key  VARCHAR NOT NULL,
    source        VARCHAR NOT NULL,
    source_id     VARCHAR NOT NULL,
    added_for     TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (delivery_key, source, source_id)
);

CREATE TABLE core__events (                   -- append-only: deliveries and outcomes
    event_id      VARCHAR PRIMARY KEY,        -- stable: the same outcome fetched twice is one row
    occurred_at   TIMESTAMPTZ NOT NULL,       -- when it happened
    kind          VARCHAR NOT NULL,           -- delivered | linked | retry | blocked | escalated |
                                              -- claimed | replied | resolved | reopened | rated |
                                              -- accepted_answer | status | answer_offered
    delivery_key  VARCHAR,
    destination   VARCHAR,
    external_id   VARCHAR,
    actor         VARCHAR,
    data          JSON NOT NULL,
    recorded_at   TIMESTAMPTZ NOT NULL
);

CREATE VIEW out__routing_by_rule AS
SELECT route, rule_id, policy_version, count(*) AS mentions,
       count(DISTINCT delivery_key) AS items
FROM core__routing_decisions d
JOIN core__mentions m USING (source, source_id)
WHERE NOT m.is_deleted
GROUP BY ALL ORDER BY mentions DESC;

CREATE VIEW out__delivery_backlog AS
SELECT destination, status, count(*) AS items, min(created_for) AS oldest,
       max(attempts) AS max_attempts, any_value(last_error) AS last_error
FROM core__deliveries
WHERE status IN ('pending', 'blocked')  -- cancelled: every mention was deleted
GROUP BY ALL ORDER BY destination, status;

CREATE VIEW out__routing_decisions AS
SELECT d.source, d.source_id, m.url, m.created_at, d.route, d.rule_id, d.reason, d.team,
       d.priority, d.sla_due_at, d.destination, v.status AS delivery_status, v.external_url,
       d.policy_version
FROM core__routing_decisions d
JOIN core__mentions m USING (source, source_id)
LEFT JOIN core__deliveries v USING (delivery_key)
WHERE NOT m.is_deleted;
