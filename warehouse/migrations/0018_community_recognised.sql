-- Recognition counts for delight (issue 22): a member is delighted in a week in which an
-- answer of theirs was accepted, liked or recognised. Recognised: carewire granted its author
-- a badge or posted a thank-you under it (routing/community.py: the `badge_granted` and
-- `thanked` events), in the UTC week the first of them was recorded, each answer once.
--
-- The event names the post by its Discourse id and the address of its topic on the forum
-- (data.post_id, data.url); the forums connector keys the same post `<host>:post:<id>`
-- (connectors/forums/mapping.py), so the two meet on that key, on the forum's host name as
-- 0016 matches accepted answers.
--
-- out__community_members is redefined with every column it had and `answers_recognised`
-- after `answers_liked`. out__community_health names the columns it reads from it and
-- counts its phases as it finds them, so it follows without being created again.
--
-- Then out__helper_ranking forgets an erased helper (below).
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
    WHERE kind IN ('badge_granted', 'thanked') AND data->>'post_id' IS NOT NULL
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

-- An erased helper leaves out__helper_ranking (issue 22, erasure). Erasure keeps the events
-- about their answers, scrubbed, so that a sync does not record or recognise the same answer
-- again (maintenance/erase.py): a JSON value that was their name becomes null, a column
-- that was their name the marker `[erased]`. 0017 fell back from the accepted answer's
-- data.username to the event's actor, so every erased helper became one helper
-- "[erased] (forums)", ranked and offered questions. Discourse names the author of an
-- accepted answer in both (routing/destinations/discourse.py), so data.username alone loses
-- nobody else. The answer offers' data.answer.helper is nulled the same way already.
CREATE OR REPLACE VIEW out__helper_ranking AS
WITH accepted AS (  -- each accepted answer once: its url names the post
    SELECT data->>'username' AS handle, count(DISTINCT data->>'url') AS answers_accepted
    FROM core__events
    WHERE kind = 'accepted_answer' AND data->>'username' IS NOT NULL
    GROUP BY ALL
),
offers AS (  -- the answer each offer carried, and its helper
    SELECT delivery_key, data->'answer'->>'helper' AS handle
    FROM core__events
    WHERE kind = 'answer_offered' AND data->'answer'->>'helper' IS NOT NULL
),
rated AS (  -- the customer's latest rating of each offer
    SELECT o.delivery_key, any_value(o.handle) AS handle,
           arg_max(TRY_CAST(r.data->>'score' AS INTEGER), r.occurred_at) AS score
    FROM offers o
    JOIN core__events r ON r.delivery_key = o.delivery_key AND r.kind = 'rated'
         AND r.data->>'by' = 'customer'
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
