-- The foundation schema: what landed, what it said, the mentions and authors in it,
-- and what could not be used. Timestamps that say *when data was seen* come from the
-- run's data interval, never from the wall clock, so a rerun rebuilds identical rows.

-- raw: every landed batch and its pages, verbatim --------------------------------------
CREATE TABLE raw__landing_batches (
    batch_id        VARCHAR PRIMARY KEY,     -- <source>/<stream>/<interval key>
    source          VARCHAR NOT NULL,
    stream          VARCHAR NOT NULL,
    interval_start  TIMESTAMPTZ NOT NULL,
    interval_end    TIMESTAMPTZ NOT NULL,
    path            VARCHAR NOT NULL,        -- the landing file, relative to the landing root
    sha256          VARCHAR NOT NULL,        -- of the file: a changed batch is loaded again
    page_count      INTEGER NOT NULL,
    item_count      INTEGER NOT NULL,
    reject_count    INTEGER NOT NULL
);

CREATE TABLE raw__pages (
    batch_id  VARCHAR NOT NULL,
    seq       INTEGER NOT NULL,
    source    VARCHAR NOT NULL,
    stream    VARCHAR NOT NULL,
    url       VARCHAR NOT NULL,
    status    INTEGER NOT NULL,
    headers   JSON NOT NULL,
    body      BLOB NOT NULL,                 -- the response body, byte for byte
    PRIMARY KEY (batch_id, seq)
);

CREATE TABLE raw__items (
    batch_id   VARCHAR NOT NULL,
    source     VARCHAR NOT NULL,
    stream     VARCHAR NOT NULL,
    source_id  VARCHAR NOT NULL,
    payload    JSON NOT NULL,                -- the platform's record behind one mention
    PRIMARY KEY (batch_id, source_id)
);

CREATE TABLE raw__quarantine (
    quarantine_id  VARCHAR PRIMARY KEY,      -- hash of batch, item and reason: reruns replace
    batch_id       VARCHAR NOT NULL,
    source         VARCHAR NOT NULL,
    stream         VARCHAR NOT NULL,
    stage          VARCHAR NOT NULL,         -- parse | validate
    item_ref       VARCHAR NOT NULL,         -- where in the batch it came from
    reason         VARCHAR NOT NULL,         -- what was wrong and what to do
    payload        BLOB NOT NULL,            -- the original bytes
    seen_at        TIMESTAMPTZ NOT NULL      -- end of the data interval that landed it
);

-- core: one row per author and per mention, upserted on natural keys --------------------
CREATE TABLE core__authors (
    source              VARCHAR NOT NULL,
    author_id           VARCHAR NOT NULL,
    handle              VARCHAR,
    display_name        VARCHAR,
    profile_url         VARCHAR,
    followers_count     BIGINT,
    following_count     BIGINT,
    post_count          BIGINT,
    karma               BIGINT,
    is_verified         BOOLEAN,
    account_created_at  TIMESTAMPTZ,
    first_seen_at       TIMESTAMPTZ NOT NULL,
    last_seen_at        TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (source, author_id)
);

CREATE TABLE core__mentions (
    source         VARCHAR NOT NULL,
    source_id      VARCHAR NOT NULL,
    stream         VARCHAR NOT NULL,
    url            VARCHAR,
    title          VARCHAR,
    text           VARCHAR NOT NULL,
    author_id      VARCHAR,                  -- core__authors(source, author_id)
    language       VARCHAR,                  -- as the platform states it; enrichment detects
    created_at     TIMESTAMPTZ NOT NULL,
    categories     VARCHAR[] NOT NULL,
    thread_id      VARCHAR,
    parent_id      VARCHAR,
    reply_count    BIGINT,
    like_count     BIGINT,
    share_count    BIGINT,
    is_deleted     BOOLEAN NOT NULL DEFAULT false,
    batch_id       VARCHAR NOT NULL,         -- the newest batch that carried it
    first_seen_at  TIMESTAMPTZ NOT NULL,
    last_seen_at   TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (source, source_id)
);

-- out: what analysts read first ---------------------------------------------------------
CREATE VIEW out__mention_volume_daily AS
SELECT source, stream, CAST(date_trunc('day', created_at) AS DATE) AS day,
       count(*) AS mentions, count(DISTINCT author_id) AS authors
FROM core__mentions
WHERE NOT is_deleted
GROUP BY ALL;

CREATE VIEW out__quarantine_summary AS
SELECT source, stream, stage, reason, count(*) AS records, max(seen_at) AS last_seen_at
FROM raw__quarantine
GROUP BY ALL;
