-- What the load knows of each landing file it loaded: its size and modification time (ns),
-- so a load need not read and hash every file in the landing zone to find the new ones
-- (issue 17): at a minute cadence the zone gains a file per stream a minute, about 65,000
-- per stream in 90 days at */2. A batch is only ever replaced by renaming a new file over
-- it, which changes its mtime; a file whose size and mtime are the recorded ones is the
-- file that was loaded. Bookkeeping about files on this disk, not data: a rerun's report
-- does not count it (warehouse/tables.py: not diffed). A batch loaded before this
-- migration has no row: the next load hashes its file once more and records it.
CREATE TABLE raw__landing_files (
    batch_id       VARCHAR PRIMARY KEY,  -- raw__landing_batches
    file_size      BIGINT NOT NULL,
    file_mtime_ns  BIGINT NOT NULL
);
