-- Feed entries keyed within their feed (issue 23, part 2). A feed entry's source_id was its
-- guid (or link) alone, which is unique only within the feed that publishes it: two feeds
-- with an entry `post-42` shared one row, and the later load overwrote the other. From
-- now on the mapping keys an entry `<feed name>:<guid>` (connectors/feeds/mapping.py).
--
-- This rewrites every feed mention reference to that form, each to the feed (stream) its
-- mention row has now, so enrichments, clusters, decisions and deliveries keep their
-- links and nothing is decided or delivered again. An entry that an overwrite had lost is
-- still in the landing zone: `carewire rerun --since .. --until .. --reload` over the
-- feeds' history loads it under its own key (docs/runbook.md, "Upgrading").
--
-- Every table that holds (source, source_id) as the migrations left it at 0008 (see
-- warehouse/tables.py; tests/warehouse/test_feed_keys.py checks this list against it),
-- and the references kept as text: `feeds:<id>` in raw__quarantine.item_ref (with the
-- quarantine key made from it), quality__checked.unit and quality__held_batches.item_refs,
-- and the (source, source_id) of `linked` events' data. Stored delivery keys and cluster
-- ids do not change: they were made from the old ids, which core__mention_former_ids
-- keeps, and the routing and clustering make keys from those (a changed key would open a
-- second desk item or thread for the same work).

CREATE TABLE core__mention_former_ids (
    source            VARCHAR NOT NULL,
    source_id         VARCHAR NOT NULL,
    former_source_id  VARCHAR NOT NULL,   -- the id it had before; keys were made from it
    PRIMARY KEY (source, source_id)
);

-- old id -> new id: the mention's own stream; an id whose mention row is gone (none
-- should be) takes the stream of the newest raw item that carried it
CREATE TEMP TABLE _feed_keys AS
SELECT source_id AS old_id, stream || ':' || source_id AS new_id
FROM core__mentions WHERE source = 'feeds'
UNION ALL
SELECT i.source_id, arg_max(i.stream, b.interval_end) || ':' || i.source_id
FROM raw__items i JOIN raw__landing_batches b USING (batch_id)
WHERE i.source = 'feeds'
  AND i.source_id NOT IN (SELECT source_id FROM core__mentions WHERE source = 'feeds')
GROUP BY i.source_id;

INSERT INTO core__mention_former_ids
SELECT 'feeds', new_id, old_id FROM _feed_keys
WHERE old_id IN (SELECT source_id FROM core__mentions WHERE source = 'feeds');

UPDATE core__enrichments t SET source_id = k.new_id FROM _feed_keys k
WHERE t.source = 'feeds' AND t.source_id = k.old_id;
UPDATE core__embeddings t SET source_id = k.new_id FROM _feed_keys k
WHERE t.source = 'feeds' AND t.source_id = k.old_id;
UPDATE core__cluster_members t SET source_id = k.new_id FROM _feed_keys k
WHERE t.source = 'feeds' AND t.source_id = k.old_id;
UPDATE core__routing_decisions t SET source_id = k.new_id FROM _feed_keys k
WHERE t.source = 'feeds' AND t.source_id = k.old_id;
UPDATE core__delivery_mentions t SET source_id = k.new_id FROM _feed_keys k
WHERE t.source = 'feeds' AND t.source_id = k.old_id;
UPDATE core__mention_tags t SET source_id = k.new_id FROM _feed_keys k
WHERE t.source = 'feeds' AND t.source_id = k.old_id;
UPDATE core__rerun_route_changes t SET source_id = k.new_id FROM _feed_keys k
WHERE t.source = 'feeds' AND t.source_id = k.old_id;
UPDATE core__mentions t SET source_id = k.new_id FROM _feed_keys k
WHERE t.source = 'feeds' AND t.source_id = k.old_id;

-- a raw item is keyed by the feed of its own batch
UPDATE raw__items SET source_id = stream || ':' || source_id WHERE source = 'feeds';

-- `feeds:<id>`: a mention's reference in the quarantine and the quality gates' ledgers
-- (a record the load set aside, stage `parse`, never became a mention: the feed of its
-- own batch, as the load now keys it; a gate's record names a mention: the mention's)
UPDATE raw__quarantine q
SET item_ref = 'feeds:' || k.rekeyed,
    quarantine_id = substr(sha256(q.batch_id || '|feeds:' || k.rekeyed || '|' || q.reason),
                           1, 32)
FROM (SELECT quarantine_id, coalesce(CASE WHEN stage <> 'parse' THEN new_id END,
                                     stream || ':' || substr(item_ref, 7)) AS rekeyed
      FROM raw__quarantine LEFT JOIN _feed_keys ON old_id = substr(item_ref, 7)
      WHERE source = 'feeds' AND starts_with(item_ref, 'feeds:')) k
WHERE q.quarantine_id = k.quarantine_id;

UPDATE quality__checked c SET unit = 'feeds:' || k.new_id FROM _feed_keys k
WHERE c.unit = 'feeds:' || k.old_id;

UPDATE quality__held_batches h SET item_refs = r.item_refs
FROM (SELECT batch_id, suite, list_sort(list(CASE
          WHEN starts_with(ref, 'feeds:') THEN 'feeds:' || coalesce(k.new_id,
              split_part(batch_id, '/', 2) || ':' || substr(ref, 7))
          ELSE ref END)) AS item_refs
      FROM (SELECT batch_id, suite, unnest(item_refs) AS ref FROM quality__held_batches)
      LEFT JOIN _feed_keys k ON starts_with(ref, 'feeds:') AND k.old_id = substr(ref, 7)
      GROUP BY batch_id, suite
      HAVING bool_or(starts_with(ref, 'feeds:'))) r
WHERE h.batch_id = r.batch_id AND h.suite = r.suite;

UPDATE core__events e SET data = json_merge_patch(e.data, json_object('source_id', k.new_id))
FROM _feed_keys k
WHERE (e.data->>'source') = 'feeds' AND (e.data->>'source_id') = k.old_id;

DROP TABLE _feed_keys;
