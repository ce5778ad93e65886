-- Data-quality gates (quality/, docs/quality.md): what each suite judged, every expectation
-- that failed, the batches held back from routing, and which rows each suite has already
-- judged, so a run validates only what it touched.
--
-- Results keep keys and counts only, never mention text or author handles: the rows that
-- failed are in raw__quarantine (stage 'gate'), named by their keys.

CREATE TABLE quality__results (
    run_id                     VARCHAR NOT NULL,   -- the Airflow run id, or demo:/cli:<time>
    suite                      VARCHAR NOT NULL,   -- landing_raw | raw_core_mentions |
                                                   -- enrichments | routing_decisions
    validated_at               TIMESTAMPTZ NOT NULL, -- when it was judged (wall clock)
    success                    BOOLEAN NOT NULL,
    rows_checked               BIGINT NOT NULL,
    batches_checked            BIGINT NOT NULL,
    evaluated_expectations     INTEGER NOT NULL,
    unsuccessful_expectations  INTEGER NOT NULL,
    batches_held               BIGINT NOT NULL,
    rows_quarantined           BIGINT NOT NULL,
    statistics                 JSON NOT NULL,      -- great-expectations' statistics block
    result                     JSON NOT NULL,      -- its validation result, counts only:
                                                   -- `carewire quality docs` renders it
    PRIMARY KEY (run_id, suite)
);

CREATE TABLE quality__failures (                   -- one row per failed expectation
    run_id            VARCHAR NOT NULL,
    suite             VARCHAR NOT NULL,
    seq               INTEGER NOT NULL,            -- order within the suite
    expectation_type  VARCHAR NOT NULL,            -- expect_column_values_to_be_between ...
    column_name       VARCHAR,                     -- NULL for table-level expectations
    kwargs            JSON NOT NULL,               -- the bounds, sets, columns it was given
    observed_value    VARCHAR,                     -- aggregate expectations: what it saw
    unexpected_count  BIGINT,                      -- row expectations: how many rows failed
    batch_ids         VARCHAR[] NOT NULL,          -- the landing batches those rows came from
    PRIMARY KEY (run_id, suite, seq)
);

CREATE TABLE quality__held_batches (               -- held back from routing until released
    batch_id     VARCHAR NOT NULL,                 -- raw__landing_batches
    suite        VARCHAR NOT NULL,
    run_id       VARCHAR NOT NULL,                 -- the run whose gate held it
    held_at      TIMESTAMPTZ NOT NULL,
    failures     JSON NOT NULL,                    -- [{expectation, column, unexpected_count}]
    item_refs    VARCHAR[] NOT NULL,               -- the rows that failed (mention keys, or
                                                   -- source/stream): all must pass again
    released_at  TIMESTAMPTZ,                      -- NULL: still held
    released_by  VARCHAR,                          -- an operator, or 'gate' (reloaded, passed)
    note         VARCHAR,
    PRIMARY KEY (batch_id, suite)
);

CREATE TABLE quality__checked (                    -- what each suite has judged, and in
    suite        VARCHAR NOT NULL,                 -- which version: a changed row (new file,
    unit         VARCHAR NOT NULL,                 -- edited text, new model, new decision)
    fingerprint  VARCHAR NOT NULL,                 -- is judged again
    run_id       VARCHAR NOT NULL,
    PRIMARY KEY (suite, unit)
);

-- The last result of each suite, with its failed expectations: `carewire status` and
-- `carewire quality show` read this.
CREATE VIEW out__quality_last AS
SELECT r.suite, r.run_id, r.validated_at, r.success, r.rows_checked, r.batches_checked,
       r.evaluated_expectations, r.unsuccessful_expectations, r.batches_held,
       r.rows_quarantined,
       coalesce((SELECT list(f.expectation_type || coalesce('(' || f.column_name || ')', '')
                             ORDER BY f.seq)
                 FROM quality__failures f
                 WHERE f.run_id = r.run_id AND f.suite = r.suite), []) AS failed_expectations
FROM quality__results r
QUALIFY row_number() OVER (PARTITION BY r.suite ORDER BY r.validated_at DESC, r.run_id DESC) = 1;

CREATE VIEW out__quality_held AS
SELECT batch_id, suite, run_id, held_at, failures
FROM quality__held_batches
WHERE released_at IS NULL
ORDER BY held_at, batch_id, suite;

-- A delivery whose routing decision failed its gate waits as 'held' (never delivered)
-- until `carewire quality release`; the backlog shows it beside pending and blocked work.
CREATE OR REPLACE VIEW out__delivery_backlog AS
SELECT destination, status, count(*) AS items, min(created_for) AS oldest,
       max(attempts) AS max_attempts, any_value(last_error) AS last_error
FROM core__deliveries
WHERE status IN ('pending', 'blocked', 'held')  -- cancelled: every mention was deleted
GROUP BY ALL ORDER BY destination, status;
