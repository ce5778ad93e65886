-- A loaded landing file's size and modification time (ns), so a load need not read and
-- hash every file in the landing zone to find the new ones (issue 17): at a minute cadence
-- the zone gains a file per stream a minute, about 65,000 per stream in 90 days at */2.
-- A batch is only ever replaced by renaming a new file over it, which changes its mtime;
-- a file whose size and mtime are the recorded ones is the file that was loaded. Rows
-- from before this migration keep both NULL: the next load hashes their files once more
-- and records them.
ALTER TABLE raw__landing_batches ADD COLUMN file_size BIGINT;
ALTER TABLE raw__landing_batches ADD COLUMN file_mtime_ns BIGINT;
