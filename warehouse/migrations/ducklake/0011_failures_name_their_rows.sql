-- 0011 on DuckLake, which supports no default for a LIST column and cannot SET NOT NULL
-- on a table changed in the same transaction: the same column, filled with [] for the
-- failures recorded before; it stays nullable here (quality/store.py always writes it).
ALTER TABLE quality__failures ADD COLUMN item_refs VARCHAR[];
UPDATE quality__failures SET item_refs = [];
