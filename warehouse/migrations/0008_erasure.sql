-- Erasure and retention (maintenance/, docs/privacy.md). One row per erasure request and
-- one per purged landing batch: what was removed, where and when. Neither names a person:
-- an author request keeps a keyed hash of the handle (HMAC-SHA256 under the deployment's
-- key, <data_dir>/requests/erasure.key), which lets an operator answer "was this handle
-- erased?" with the key, and nobody without it. The audit__ layer is in the snapshot but
-- not in the Parquet exports.

CREATE TABLE audit__erasures (
    request_id    VARCHAR PRIMARY KEY,
    kind          VARCHAR NOT NULL,          -- author | platform_deletion
    source        VARCHAR NOT NULL,
    handle_hmac   VARCHAR,                   -- author requests; NULL for platform deletions
    reason        VARCHAR NOT NULL,          -- as given, scrubbed of the handle and ids
    requested_at  TIMESTAMPTZ NOT NULL,
    completed_at  TIMESTAMPTZ NOT NULL,
    mentions      INTEGER NOT NULL,          -- mentions erased
    removed       JSON NOT NULL              -- {"<store>:<table or file kind>": rows, ...}
);

CREATE TABLE audit__retention (
    batch_id           VARCHAR PRIMARY KEY,  -- raw__landing_batches
    source             VARCHAR NOT NULL,
    stream             VARCHAR NOT NULL,
    interval_end       TIMESTAMPTZ NOT NULL,
    purged_at          TIMESTAMPTZ NOT NULL,
    raw_days           INTEGER NOT NULL,     -- the retention in force
    landing_file       BOOLEAN NOT NULL,     -- the batch file was deleted
    pages              INTEGER NOT NULL,     -- raw__pages rows deleted
    items              INTEGER NOT NULL,     -- raw__items rows deleted
    quarantine_payloads INTEGER NOT NULL     -- raw__quarantine payloads emptied (rows kept)
);
