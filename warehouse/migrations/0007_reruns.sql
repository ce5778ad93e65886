-- Reruns of a window (`carewire rerun`, the rerun DAG, `process` triggered with a window)
-- and what each one changed. Keys, hashes and counts only: never a mention's text or an
-- author's handle, so a report can be shared and kept as long as the runs it describes.

CREATE TABLE core__reruns (
    rerun_id             VARCHAR PRIMARY KEY,   -- the Airflow run (dag/run id) or cli-<uuid>
    label                VARCHAR,               -- shared by the runs of one backfill
    window_start         TIMESTAMPTZ NOT NULL,
    window_end           TIMESTAMPTZ NOT NULL,
    reload               BOOLEAN NOT NULL,      -- landing batches reloaded from their files
    reenrich             VARCHAR NOT NULL,      -- off | changed_models | all
    reroute              VARCHAR NOT NULL,      -- off | dry_run | real
    ran_for              TIMESTAMPTZ NOT NULL,  -- the run's moment: decisions' decided_for
    batches_reloaded     INTEGER NOT NULL,
    mentions_reenriched  INTEGER NOT NULL,
    decisions_compared   INTEGER NOT NULL,
    decisions_replaced   INTEGER NOT NULL,      -- in a dry run: would be replaced
    left_with_person     INTEGER NOT NULL,      -- moved decisions whose work was delivered
    deliveries_cancelled INTEGER NOT NULL,
    deliveries_planned   INTEGER NOT NULL,
    policy_version       VARCHAR,               -- when rerouted
    models               VARCHAR                -- when re-enriched: name@version of each
);

CREATE TABLE core__rerun_row_changes (         -- one row per warehouse row a rerun changed
    rerun_id    VARCHAR NOT NULL,
    table_name  VARCHAR NOT NULL,
    row_key     UBIGINT NOT NULL,              -- hash of the row's primary key
    change      VARCHAR NOT NULL,              -- added | changed | removed
    PRIMARY KEY (rerun_id, table_name, row_key)
);

CREATE TABLE core__rerun_route_changes (       -- decisions whose route or rule moved
    rerun_id             VARCHAR NOT NULL,
    source               VARCHAR NOT NULL,
    source_id            VARCHAR NOT NULL,
    old_route            VARCHAR,              -- NULL: the mention had no decision
    old_rule_id          VARCHAR,
    new_route            VARCHAR NOT NULL,
    new_rule_id          VARCHAR NOT NULL,
    old_delivery_status  VARCHAR,              -- pending | blocked | delivered | cancelled
    action               VARCHAR NOT NULL,     -- replaced | left_with_person | would_...
    PRIMARY KEY (rerun_id, source, source_id)
);

CREATE VIEW out__rerun_changes AS              -- per rerun and table: the counts
SELECT r.rerun_id, r.label, r.window_start, r.window_end, c.table_name,
       count(*) FILTER (WHERE c.change = 'added') AS added,
       count(*) FILTER (WHERE c.change = 'changed') AS changed,
       count(*) FILTER (WHERE c.change = 'removed') AS removed
FROM core__reruns r JOIN core__rerun_row_changes c USING (rerun_id)
GROUP BY ALL ORDER BY r.window_start, r.rerun_id, c.table_name;
