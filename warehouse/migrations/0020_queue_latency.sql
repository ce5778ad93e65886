-- Post-to-queue latency (issue 17): when a mention was decided and when it reached its
-- queue, as moments, so `carewire status` and the dashboard can say how long a post waits.
--
-- `decided_for` (a decision's run interval end) and `added_for` (the same, for a mention
-- joining a delivery) say which run did it, not when; `delivered_at` is a delivery's, and a
-- mention can join a delivery (a cluster's, a case's) long after it was delivered. So:
--   core__routing_decisions.decided_at: the routing run's clock when it stored the decision
--       (a rerun that replaces the decision stores its own);
--   core__delivery_mentions.queued_at: when the mention reached its destination: the
--       deliver step's clock when its delivery (or its case again, with it) was delivered;
--       the routing run's clock when it joined work already delivered that is not
--       delivered again (a cluster's thread). NULL until then.
-- Rows from before this migration keep both NULL: when they happened was not recorded, and
-- no run's interval end is a stand-in for it. Both hold times only; an erasure deletes the
-- rows that hold them (maintenance/erase.py).
ALTER TABLE core__routing_decisions ADD COLUMN decided_at TIMESTAMPTZ;
ALTER TABLE core__delivery_mentions ADD COLUMN queued_at TIMESTAMPTZ;

-- Per routed mention that reached the queue its decision chose (escalations and answer
-- offers, sync's own later work, are other queues and not counted here).
CREATE VIEW out__queue_latency AS
SELECT d.source, d.source_id, d.delivery_key, d.destination, d.route, m.created_at,
       d.decided_at, q.queued_at,
       epoch(d.decided_at) - epoch(m.created_at) AS to_decision_seconds,
       epoch(q.queued_at) - epoch(m.created_at) AS to_queue_seconds
FROM core__routing_decisions d
JOIN core__delivery_mentions q ON q.delivery_key = d.delivery_key AND q.source = d.source
     AND q.source_id = d.source_id
JOIN core__mentions m ON m.source = d.source AND m.source_id = d.source_id
WHERE q.queued_at IS NOT NULL AND NOT m.is_deleted;

CREATE VIEW out__queue_latency_hourly AS
SELECT timezone('UTC', date_trunc('hour', timezone('UTC', queued_at))) AS hour,
       count(*) AS mentions,
       quantile_cont(to_queue_seconds, 0.5) AS to_queue_p50_seconds,
       quantile_cont(to_queue_seconds, 0.95) AS to_queue_p95_seconds,
       max(to_queue_seconds) AS to_queue_max_seconds,
       quantile_cont(to_decision_seconds, 0.5) AS to_decision_p50_seconds,
       quantile_cont(to_decision_seconds, 0.95) AS to_decision_p95_seconds
FROM out__queue_latency
GROUP BY ALL;
