-- JSON arrows in parentheses (issue 20): DuckDB 1.5, which carewire runs since the
-- DuckLake warehouse came (its extensions exist for 1.5 only), gives `->` and `->>` a
-- lower precedence than DuckDB 2 did, so `kind = 'x' AND data->>'k' IS NOT NULL` parses as
-- `(kind = 'x' AND data) ->> ...` and fails on the first row. The six views whose latest
-- definition uses an arrow beside another operator, as they were, with every arrow
-- chain in parentheses; the same on DuckDB 2. (A warehouse file written by DuckDB 2
-- holds their old text, which DuckDB 1.5 parses the wrong way: this replaces it.)
-- tests/warehouse/test_migrate.py checks that no view's latest definition leaves an
-- arrow bare.

-- out__care_items: as in 0010_customer_and_agent_ratings.sql
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
               OR (kind = 'status' AND (data->>'status') IN ('solved', 'closed')) AS is_resolving,
           kind = 'reopened'
               OR (kind = 'status' AND (data->>'status') NOT IN ('solved', 'closed', 'deleted'))
               AS is_unresolving
    FROM core__events
    WHERE delivery_key IS NOT NULL
),
outcomes AS (
    SELECT delivery_key,
           -- desk events name the team holding the item then: a reassignment shows here
           arg_max(data->>'team', occurred_at) FILTER (WHERE (data->>'team') IS NOT NULL) AS team,
           -- and a desk "send to the community / contact center" names the new route
           arg_max(data->>'route', occurred_at) FILTER (WHERE kind = 'reassigned'
                                                        AND (data->>'route') IS NOT NULL) AS route,
           min(occurred_at) FILTER (WHERE kind = 'replied') AS first_response_at,
           max(occurred_at) FILTER (WHERE is_unresolving) AS unresolved_at,
           arg_max(data->>'score', occurred_at) FILTER (WHERE rated_by = 'customer')
               AS customer_rating,
           arg_max(data->>'score', occurred_at) FILTER (WHERE rated_by = 'agent')
               AS agent_rating,
           bool_or(kind = 'status' AND (data->>'status') = 'deleted') AS is_deleted
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

-- out__routing_evidence: as in 0013_analysts_warehouse.sql
CREATE OR REPLACE VIEW out__routing_evidence AS
WITH items AS (
    SELECT source, source_id, route, rule_id, policy_version, decided_for,
           unnest(CAST(evidence AS JSON[])) AS item,
           generate_subscripts(CAST(evidence AS JSON[]), 1) AS seq
    FROM core__routing_decisions
)
SELECT i.source, i.source_id, i.route, i.rule_id, CAST(i.seq AS BIGINT) AS seq,
       (i.item->>'field') AS field, (i.item->>'value') AS value, (i.item->>'test') AS test,
       CAST(i.item->>'held' AS BOOLEAN) AS held, (i.item->>'says') AS says,
       i.policy_version, i.decided_for
FROM items i
JOIN core__mentions m USING (source, source_id)
WHERE NOT m.is_deleted;

-- core__community_posts: as in 0016_community_health.sql
CREATE OR REPLACE VIEW core__community_posts AS
WITH staff AS (
    SELECT source, author_id FROM core__author_influence WHERE tier = 'brand'
    UNION
    SELECT source, author_id FROM core__authors
    WHERE source = 'forums' AND coalesce(is_verified, false)
),
posts AS (
    SELECT s.space, m.source, m.source_id, m.author_id, m.thread_id, m.parent_id,
           m.created_at, CAST(date_trunc('week', timezone('UTC', m.created_at)) AS DATE) AS week,
           m.like_count,
           CASE WHEN m.source = 'forums'
                THEN TRY_CAST(regexp_extract(m.url, '/([0-9]+)$', 1) AS BIGINT) END AS post_number,
           -- a thread's opening post: Reddit's submission, Discourse's post 1 (a reply whose
           -- parent was not on its page has no parent_id either, so that is not enough there)
           CASE WHEN m.source = 'reddit' THEN m.source_id = m.thread_id
                WHEN m.source = 'forums'
                    THEN regexp_extract(m.url, '/([0-9]+)$', 1) = '1'
                ELSE m.parent_id IS NULL END AS is_opener,
           EXISTS (SELECT 1 FROM staff f WHERE f.source = m.source
                   AND f.author_id = m.author_id) AS by_staff
    FROM core__mentions m
    JOIN core__community_spaces s ON s.source = m.source
         AND (m.stream = s.stream OR lower(m.categories[1]) = s.subreddit)
    WHERE NOT m.is_deleted AND m.author_id IS NOT NULL AND m.thread_id IS NOT NULL
),
openers AS (
    SELECT space, source, thread_id, arg_min(source_id, created_at) AS opener_id,
           arg_min(author_id, created_at) AS opener_author_id,
           arg_min(by_staff, created_at) AS opener_by_staff
    FROM posts WHERE is_opener GROUP BY ALL
),
accepted AS (  -- a Discourse topic's accepted answer, as sync_outcomes recorded it
    SELECT lower(regexp_extract(e.data->>'url', '^[A-Za-z]+://([^/:]+)', 1)) || ':topic:'
               || e.external_id AS thread_id,
           TRY_CAST(e.data->>'post_number' AS BIGINT) AS post_number,
           min(e.occurred_at) AS accepted_at
    FROM core__events e
    WHERE e.kind = 'accepted_answer' AND e.external_id IS NOT NULL
    GROUP BY ALL
)
SELECT p.space, p.source, p.source_id, p.author_id, p.thread_id, p.parent_id, p.created_at,
       p.week, p.like_count, p.post_number, p.is_opener, p.by_staff,
       o.opener_id, o.opener_author_id, o.opener_by_staff,
       -- an answer: a reply in a thread another customer opened
       NOT p.is_opener AND NOT coalesce(o.opener_by_staff, true)
           AND o.opener_author_id <> p.author_id AS is_answer,
       a.accepted_at
FROM posts p
LEFT JOIN openers o USING (space, source, thread_id)
LEFT JOIN accepted a ON p.source = 'forums' AND a.thread_id = p.thread_id
     AND a.post_number = p.post_number;

-- out__community_members: as in 0018_community_recognised.sql
CREATE OR REPLACE VIEW out__community_members AS
WITH posts AS (
    SELECT * FROM core__community_posts WHERE NOT by_staff
),
weekly AS (
    SELECT space, source, author_id, week,
           count(*) AS posts,
           count(*) FILTER (WHERE NOT is_opener) AS replies,
           count(*) FILTER (WHERE is_answer) AS answers,
           count(*) FILTER (WHERE is_answer AND like_count >= 1) AS answers_liked
    FROM posts GROUP BY ALL
),
accepted AS (  -- answers accepted, in the UTC week they were accepted
    SELECT space, source, author_id,
           CAST(date_trunc('week', timezone('UTC', accepted_at)) AS DATE) AS week,
           count(*) AS answers_accepted
    FROM posts WHERE accepted_at IS NOT NULL GROUP BY ALL
),
recognitions AS (  -- each recognised post once, when its first badge or thank-you was done
    SELECT lower(regexp_extract(data->>'url', '^[A-Za-z]+://([^/:]+)', 1)) || ':post:'
               || (data->>'post_id') AS source_id,
           min(occurred_at) AS recognised_at
    FROM core__events
    WHERE kind IN ('badge_granted', 'thanked') AND (data->>'post_id') IS NOT NULL
    GROUP BY ALL
),
recognised AS (  -- answers recognised, in the UTC week they were first recognised
    SELECT p.space, p.source, p.author_id,
           CAST(date_trunc('week', timezone('UTC', r.recognised_at)) AS DATE) AS week,
           count(*) AS answers_recognised
    FROM recognitions r
    JOIN posts p ON p.source = 'forums' AND p.source_id = r.source_id
    GROUP BY ALL
),
firsts AS (
    SELECT space, source, author_id, min(created_at) AS first_post_at, min(week) AS first_week
    FROM posts GROUP BY ALL
),
member_weeks AS (
    SELECT space, source, author_id, week FROM weekly
    UNION
    SELECT space, source, author_id, week FROM accepted
    UNION
    SELECT space, source, author_id, week FROM recognised
),
measured AS (
    SELECT w.space, w.source, w.author_id, w.week,
           coalesce(k.posts, 0) AS posts, coalesce(k.replies, 0) AS replies,
           coalesce(k.answers, 0) AS answers,
           coalesce(c.answers_accepted, 0) AS answers_accepted,
           coalesce(k.answers_liked, 0) AS answers_liked,
           coalesce(g.answers_recognised, 0) AS answers_recognised,
           f.first_post_at, f.first_week,
           (SELECT count(*) FROM weekly a WHERE a.space = w.space AND a.source = w.source
            AND a.author_id = w.author_id AND a.week BETWEEN w.week - 21 AND w.week)
               AS active_weeks_of_last_4,
           (SELECT count(*) FROM weekly a WHERE a.space = w.space AND a.source = w.source
            AND a.author_id = w.author_id AND a.week < w.week) AS earlier_active_weeks,
           (SELECT coalesce(sum(a.answers_accepted), 0) FROM accepted a
            WHERE a.space = w.space AND a.source = w.source AND a.author_id = w.author_id
            AND a.week <= w.week) AS accepted_answers_to_date,
           i.tier, i.tier_reason
    FROM member_weeks w
    JOIN firsts f USING (space, source, author_id)
    LEFT JOIN weekly k USING (space, source, author_id, week)
    LEFT JOIN accepted c USING (space, source, author_id, week)
    LEFT JOIN recognised g USING (space, source, author_id, week)
    LEFT JOIN core__author_influence i USING (source, author_id)
)
SELECT m.week, m.space, m.source, m.author_id, u.handle, m.posts, m.replies, m.answers,
       m.answers_accepted, m.answers_liked, m.answers_recognised, m.first_post_at,
       m.active_weeks_of_last_4, m.earlier_active_weeks,
       CAST(m.accepted_answers_to_date AS BIGINT) AS accepted_answers_to_date, m.tier,
       CASE WHEN m.tier = 'superfan' OR m.accepted_answers_to_date >= 2 THEN 'integrated'
            WHEN m.answers_accepted > 0 OR m.answers_liked > 0 OR m.answers_recognised > 0
                THEN 'delighted'
            WHEN m.active_weeks_of_last_4 >= 3 THEN 'bound'
            WHEN m.earlier_active_weeks > 0 THEN 'participating'
            ELSE 'attracted' END AS phase,
       CASE WHEN m.tier = 'superfan' THEN 'superfan: ' || m.tier_reason
            WHEN m.accepted_answers_to_date >= 2
                THEN format('{} of their answers accepted so far (2 or more)',
                            CAST(m.accepted_answers_to_date AS BIGINT))
            WHEN m.answers_accepted > 0 OR m.answers_liked > 0 OR m.answers_recognised > 0
                THEN format('their answers this week: {} accepted, {} liked, {} recognised',
                            m.answers_accepted, m.answers_liked, m.answers_recognised)
            WHEN m.active_weeks_of_last_4 >= 3
                THEN format('posted in {} of the last 4 weeks (3 or more)',
                            m.active_weeks_of_last_4)
            WHEN m.earlier_active_weeks > 0
                THEN format('posted again: also in {} earlier week(s)', m.earlier_active_weeks)
            ELSE format('first post in the space on {} (UTC)',
                        strftime(timezone('UTC', m.first_post_at), '%Y-%m-%d')) END
           AS phase_reason
FROM measured m
LEFT JOIN core__authors u USING (source, author_id);

-- out__community_deflections: as in 0016_community_health.sql
CREATE OR REPLACE VIEW out__community_deflections AS
WITH staff AS (
    SELECT source, author_id FROM core__author_influence WHERE tier = 'brand'
    UNION
    SELECT source, author_id FROM core__authors
    WHERE source = 'forums' AND coalesce(is_verified, false)
),
by_acceptance AS (
    SELECT q.space, q.source, q.asker_id AS author_id, 'accepted' AS received_as,
           q.answer_id AS answer_ref, q.accepted_at AS received_at, k.cluster_id
    FROM out__community_questions q
    LEFT JOIN core__cluster_members k ON k.source = q.source AND k.source_id = q.question_id
    WHERE q.answer_kind = 'accepted'
),
offers AS (  -- answer offers the desk posted, and the forum whose accepted answer they carry
    SELECT v.delivery_key, v.cluster_id, min(e.occurred_at) AS sent_at,
           -- the reason routing/outcomes.py writes: "accepted answer in <url> for ..."
           lower(regexp_extract(any_value(v.reason),
                                'accepted answer in [A-Za-z]+://([^/:\s]+)', 1)) AS host
    FROM core__deliveries v
    JOIN core__events e ON e.delivery_key = v.delivery_key AND e.kind = 'replied'
    WHERE v.route = 'answer_offer'
    GROUP BY ALL
),
by_offer AS (
    SELECT s.space, m.source, m.author_id, 'sent' AS received_as, o.delivery_key AS answer_ref,
           o.sent_at AS received_at, coalesce(o.cluster_id, k.cluster_id) AS cluster_id
    FROM offers o
    JOIN core__community_spaces s ON s.host = o.host
    JOIN core__delivery_mentions d ON d.delivery_key = o.delivery_key
    JOIN core__mentions m ON m.source = d.source AND m.source_id = d.source_id
    LEFT JOIN core__cluster_members k ON k.source = m.source AND k.source_id = m.source_id
    WHERE m.author_id IS NOT NULL
),
received AS (
    SELECT space, source, author_id, received_as, answer_ref, min(received_at) AS received_at,
           any_value(cluster_id) AS cluster_id
    FROM (SELECT * FROM by_acceptance UNION ALL SELECT * FROM by_offer) r
    WHERE NOT EXISTS (SELECT 1 FROM staff f WHERE f.source = r.source
                      AND f.author_id = r.author_id)
    GROUP BY ALL
),
cases AS (  -- the customer's own words in a one-to-one case: routed to the contact center
    SELECT DISTINCT m.source, m.author_id, m.created_at, k.cluster_id
    FROM core__deliveries v
    JOIN core__delivery_mentions d USING (delivery_key)
    JOIN core__mentions m ON m.source = d.source AND m.source_id = d.source_id
    LEFT JOIN core__cluster_members k ON k.source = m.source AND k.source_id = m.source_id
    WHERE v.route = 'contact_center'
       OR EXISTS (SELECT 1 FROM core__events e WHERE e.delivery_key = v.delivery_key
                  AND e.kind = 'reassigned' AND (e.data->>'route') = 'contact_center')
),
as_of AS (SELECT max(last_seen_at) AS as_of FROM core__mentions),
judged AS (
    SELECT r.*, EXISTS (
               SELECT 1 FROM cases c
               WHERE c.source = r.source AND c.author_id = r.author_id
                 AND c.created_at > r.received_at
                 AND c.created_at <= r.received_at + INTERVAL 7 DAY
                 -- without a cluster, any case of theirs in those days counts against it
                 AND (r.cluster_id IS NULL OR c.cluster_id = r.cluster_id)) AS opened_case,
           a.as_of
    FROM received r, as_of a
)
SELECT space, source, author_id, received_as, answer_ref, received_at,
       CAST(date_trunc('week', timezone('UTC', received_at)) AS DATE) AS week, cluster_id,
       opened_case,
       CASE WHEN opened_case THEN false
            WHEN received_at + INTERVAL 7 DAY <= as_of THEN true END AS is_deflected,
       as_of
FROM judged;

-- out__helper_ranking: as in 0018_community_recognised.sql
CREATE OR REPLACE VIEW out__helper_ranking AS
WITH accepted AS (  -- each accepted answer once: its url names the post
    SELECT (data->>'username') AS handle, count(DISTINCT (data->>'url')) AS answers_accepted
    FROM core__events
    WHERE kind = 'accepted_answer' AND (data->>'username') IS NOT NULL
    GROUP BY ALL
),
offers AS (  -- the answer each offer carried, and its helper
    SELECT delivery_key, (data->'answer'->>'helper') AS handle
    FROM core__events
    WHERE kind = 'answer_offered' AND (data->'answer'->>'helper') IS NOT NULL
),
rated AS (  -- the customer's latest rating of each offer
    SELECT o.delivery_key, any_value(o.handle) AS handle,
           arg_max(TRY_CAST(r.data->>'score' AS INTEGER), r.occurred_at) AS score
    FROM offers o
    JOIN core__events r ON r.delivery_key = o.delivery_key AND r.kind = 'rated'
         AND (r.data->>'by') = 'customer'
    GROUP BY o.delivery_key
),
ratings AS (
    SELECT handle, count(*) AS ratings, sum(score) AS total, avg(score) AS mean_rating
    FROM rated WHERE score BETWEEN 1 AND 5 GROUP BY handle
),
prior AS (
    SELECT coalesce(avg(score), 3.0) AS prior_mean FROM rated WHERE score BETWEEN 1 AND 5
),
helpers AS (
    SELECT coalesce(a.handle, r.handle) AS handle,
           coalesce(a.answers_accepted, 0) AS answers_accepted,
           coalesce(r.ratings, 0) AS ratings, r.mean_rating,
           (3 * p.prior_mean + coalesce(r.total, 0)) / (3 + coalesce(r.ratings, 0)) AS score,
           p.prior_mean
    FROM accepted a FULL JOIN ratings r ON r.handle = a.handle
    CROSS JOIN prior p
)
SELECT handle || ' (forums)' AS helper, answers_accepted, ratings, mean_rating, score,
       prior_mean,
       row_number() OVER (ORDER BY score DESC, answers_accepted DESC, handle) AS rank,
       answers_accepted || ' accepted, '
           || CASE WHEN ratings = 0 THEN 'not rated yet'
                   ELSE 'rated ' || printf('%.1f', mean_rating) || ' by ' || ratings END AS why
FROM helpers;
