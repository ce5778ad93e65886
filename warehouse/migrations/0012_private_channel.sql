-- Whether helping needs a private channel (issue 16, part 1): the calibrated score of the
-- private-channel head and the reason code the text reads most like. Mentions enriched
-- before this migration have neither until they are enriched again (`carewire rerun
-- --reenrich all`); a routing condition on a NULL score never holds.
ALTER TABLE core__enrichments ADD COLUMN private_score DOUBLE;     -- P(private), in [0, 1]
ALTER TABLE core__enrichments ADD COLUMN private_reason VARCHAR;
