-- Satisfaction asked where the customer is (issue 15, part 6). A customer now rates on the
-- desk's public rating page, and that rating is theirs; an agent's rating is what the agent
-- was told. The desk's `rated` events say which (`by`: customer or agent; those recorded
-- before said nothing and were all agents'); a ticket system's satisfaction rating is the
-- customer's. out__care_items keeps each item's latest rating of each kind, and
-- out__care_kpis counts them apart: `customer_csat` and `agent_csat` beside `csat`, which
-- takes the customer's rating where there is one, else the agent's (what it was before).
-- A rating as given (1..5, or a ticket system's good / bad) is satisfied at 4 and above.
-- Everything else is as 0004 defined it.

CREATE OR REPLACE VIEW out__care_items AS
WITH clock AS (
    SELECT destination, max(occurred_at) AS as_of FROM core__events
    WHERE kind = 'synced' GROUP BY destination
),
opened AS (  -- the first mention: where and when the customer spoke
    SELECT d.delivery_key,
           arg_min(m.source, (m.created_at, m.source, m.source_id)) AS source,
           min(m.created_at) AS posted_at,
           count(*) AS mentions
    FROM core__delivery_mentions d
    JOIN core__mentions m ON m.source = d.source AND m.source_id = d.source_id
    GROUP BY d.delivery_key
),
events AS (
    SELECT delivery_key, kind, occurred_at, data,
           -- who gave a rating: the desk says (`by`); a ticket system's is the customer's
           CASE WHEN kind = 'rated' THEN coalesce(data->>'by', CASE WHEN destination = 'desk'
                                                                 THEN 'agent' ELSE 'customer'
                                                                 END) END AS rated_by,
           kind IN ('resolved', 'accepted_answer')
               OR (kind = 'status' AND data->>'status' IN ('solved', 'closed')) AS is_resolving,
           kind = 'reopened'
               OR (kind = 'status' AND data->>'status' NOT IN ('solved', 'closed', 'deleted'))
               AS is_unresolving
    FROM core__events
    WHERE delivery_key IS NOT NULL
),
outcomes AS (
    SELECT delivery_key,
           -- desk events name the team holding the item then: a reassignment shows here
           arg_max(data->>'team', occurred_at) FILTER (WHERE data->>'team' IS NOT NULL) AS team,
           -- and a desk "send to the community / contact center" names the new route
           arg_max(data->>'route', occurred_at) FILTER (WHERE kind = 'reassigned'
                                                        AND data->>'route' IS NOT NULL) AS route,
           min(occurred_at) FILTER (WHERE kind = 'replied') AS first_response_at,
           max(occurred_at) FILTER (WHERE is_unresolving) AS unresolved_at,
           arg_max(data->>'score', occurred_at) FILTER (WHERE rated_by = 'customer')
               AS customer_rating,
           arg_max(data->>'score', occurred_at) FILTER (WHERE rated_by = 'agent')
               AS agent_rating,
           bool_or(kind = 'status' AND data->>'status' = 'deleted') AS is_deleted
    FROM events
    GROUP BY delivery_key
),
ratings AS (
    SELECT delivery_key, customer_rating, agent_rating,
           CASE WHEN customer_rating = 'good' THEN true WHEN customer_rating = 'bad' THEN false
                ELSE TRY_CAST(customer_rating AS INTEGER) >= 4 END AS is_satisfied_customer,
           CASE WHEN agent_rating = 'good' THEN true WHEN agent_rating = 'bad' THEN false
                ELSE TRY_CAST(agent_rating AS INTEGER) >= 4 END AS is_satisfied_agent
    FROM outcomes
),
resolutions AS (  -- the first resolution after the last reopening, if any
    SELECT e.delivery_key, min(e.occurred_at) AS resolved_at
    FROM events e
    LEFT JOIN outcomes o USING (delivery_key)
    WHERE e.is_resolving AND (o.unresolved_at IS NULL OR e.occurred_at > o.unresolved_at)
    GROUP BY e.delivery_key
)
SELECT v.delivery_key, v.destination, v.external_id, coalesce(o.route, v.route) AS route,
       v.unit, v.cluster_id,
       coalesce(o.team, v.team) AS team, v.priority, f.source, f.posted_at, f.mentions,
       CAST(date_trunc('week', timezone('UTC', f.posted_at)) AS DATE) AS week,
       v.delivered_at, o.first_response_at, r.resolved_at,
       r.resolved_at IS NOT NULL AS is_resolved,
       epoch(o.first_response_at - f.posted_at) / 3600 AS first_response_hours,
       epoch(r.resolved_at - f.posted_at) / 3600 AS resolution_hours,
       TRY_CAST(coalesce(g.customer_rating, g.agent_rating) AS INTEGER) AS rating_score,
       coalesce(g.customer_rating, g.agent_rating) AS rating,  -- as given: 1..5, good, bad
       CASE WHEN g.customer_rating IS NOT NULL THEN g.is_satisfied_customer
            ELSE g.is_satisfied_agent END AS is_satisfied,
       CASE WHEN g.customer_rating IS NOT NULL THEN 'customer'
            WHEN g.agent_rating IS NOT NULL THEN 'agent' END AS rating_by,
       g.customer_rating, g.is_satisfied_customer,             -- the customer's own
       g.agent_rating, g.is_satisfied_agent,                   -- what an agent recorded
       v.sla_due_at,
       CASE WHEN r.resolved_at IS NOT NULL THEN r.resolved_at > v.sla_due_at
            WHEN v.sla_due_at < c.as_of THEN true END AS is_sla_breached,  -- NULL: not due yet
       coalesce(o.is_deleted, false) AS is_deleted_at_destination,
       c.as_of
FROM core__deliveries v
LEFT JOIN clock c USING (destination)
LEFT JOIN opened f USING (delivery_key)
LEFT JOIN outcomes o USING (delivery_key)
LEFT JOIN ratings g USING (delivery_key)
LEFT JOIN resolutions r USING (delivery_key)
WHERE v.status = 'delivered';

-- The care KPIs for every combination of team, source and week, and overall: `grain`
-- names the grouping ('all', 'team', 'source', 'week', 'team_source', 'team_week',
-- 'source_week', 'team_source_week'), and the key columns outside it are NULL. Items
-- deleted at their destination are not care work any more and are left out.
CREATE OR REPLACE VIEW out__care_kpis AS
SELECT coalesce(nullif(concat_ws('_',
           CASE WHEN grouping(team) = 0 THEN 'team' END,
           CASE WHEN grouping(source) = 0 THEN 'source' END,
           CASE WHEN grouping(week) = 0 THEN 'week' END), ''), 'all') AS grain,
       team, source, week,
       count(*) AS items,
       count(*) FILTER (WHERE is_resolved) AS resolved,
       count(*) FILTER (WHERE is_resolved) / count(*) AS resolution_rate,
       median(resolution_hours) AS resolution_hours_median,
       quantile_cont(resolution_hours, 0.9) AS resolution_hours_p90,
       count(first_response_at) AS responded,
       median(first_response_hours) AS first_response_hours_median,
       quantile_cont(first_response_hours, 0.9) AS first_response_hours_p90,
       count(rating) AS ratings,
       avg(rating_score) AS avg_rating,
       avg(CAST(is_satisfied AS INTEGER)) AS csat,
       count(customer_rating) AS customer_ratings,
       avg(CAST(is_satisfied_customer AS INTEGER)) AS customer_csat,
       count(agent_rating) AS agent_ratings,
       avg(CAST(is_satisfied_agent AS INTEGER)) AS agent_csat,
       count(*) FILTER (WHERE is_sla_breached) AS sla_breached,
       count(*) FILTER (WHERE NOT is_sla_breached) AS sla_met,
       count(*) FILTER (WHERE is_sla_breached)
           / nullif(count(is_sla_breached), 0) AS sla_breach_rate,
       max(as_of) AS as_of
FROM out__care_items
WHERE NOT is_deleted_at_destination
GROUP BY CUBE (team, source, week);
