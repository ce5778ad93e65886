-- A failed expectation names the rows that failed it (issue 25, part 5): the mentions,
-- decisions or `source/stream` of a stream-level check (freshness, volume), so the
-- run's failure message says which stream stopped, not only that one did. At most
-- quality/store.py's FAILING_REFS of them; `unexpected_count` still counts them all.
-- Failures recorded before have none (an empty list).
ALTER TABLE quality__failures ADD COLUMN item_refs VARCHAR[] DEFAULT [];
UPDATE quality__failures SET item_refs = [];
ALTER TABLE quality__failures ALTER COLUMN item_refs SET NOT NULL;
