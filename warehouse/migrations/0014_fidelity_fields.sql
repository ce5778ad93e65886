-- What the connectors used to lose from real payloads (issue 18): a quote count on X, the
-- page a Reddit link post points to and how often it was crossposted, and words a post
-- quotes from someone else (a Discourse quote), kept beside the post's own text, which is
-- what enrichment scores. NULL: the platform gives no such thing, or the row was loaded
-- before this migration (a rerun of its window from the landing files fills it).
ALTER TABLE core__mentions ADD COLUMN quote_count BIGINT;
ALTER TABLE core__mentions ADD COLUMN link_url VARCHAR;
ALTER TABLE core__mentions ADD COLUMN crosspost_count BIGINT;
ALTER TABLE core__mentions ADD COLUMN quoted_text VARCHAR;
