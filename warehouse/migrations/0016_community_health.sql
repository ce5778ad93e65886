-- Community health (issue 22, part 1): the brand's own spaces, their members in five phases
-- (attracted, participating, bound, delighted, integrated), their questions and how fast and
-- by whom they were answered, and the one-to-one contacts community answers saved.
-- docs/dashboards.md, "Community health", defines each figure for a reader.
--
-- Weeks are UTC weeks (Monday), whatever the session's time zone. Staff are the brand's own
-- accounts and its forums' staff (core__author_influence tier `brand`; a forum author the
-- forum marks staff, admin or moderator); everybody else is a customer.

-- The brand's own spaces: written by warehouse/community.py from the `community` section of
-- the config at the end of every enrich step (as tags.py writes core__mention_tags), so a
-- view knows which streams and subreddits are the brand's.
CREATE TABLE core__community_spaces (
    space      VARCHAR NOT NULL PRIMARY KEY,  -- a forum's stream name, or r/<subreddit>
    source     VARCHAR NOT NULL,              -- forums or reddit
    stream     VARCHAR,                       -- forums: the stream that reads it
    subreddit  VARCHAR,                       -- reddit: the subreddit's name, lower case
    host       VARCHAR                        -- forums: the host name of its url, lower case
);

-- Every live post in a brand's own space, with its thread's opening post and, for an answer
-- the Discourse Solved plugin accepted, when carewire first heard of the acceptance.
CREATE VIEW core__community_posts AS
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

-- One row per question: a thread a customer opened in a brand's own space, with its first
-- replies and the answer that decided it (the accepted one, else the first liked one).
CREATE VIEW out__community_questions AS
WITH questions AS (
    SELECT space, source, thread_id, source_id AS question_id, author_id AS asker_id,
           created_at AS asked_at, week
    FROM core__community_posts
    WHERE is_opener AND NOT by_staff
),
others AS (  -- replies by somebody other than the asker
    SELECT q.space, q.source, q.thread_id, r.source_id, r.author_id, r.created_at,
           r.by_staff, r.like_count, r.accepted_at
    FROM questions q
    JOIN core__community_posts r USING (space, source, thread_id)
    WHERE NOT r.is_opener AND r.author_id <> q.asker_id AND r.created_at >= q.asked_at
),
firsts AS (
    SELECT space, source, thread_id,
           min(created_at) AS first_reply_at,
           min(created_at) FILTER (WHERE NOT by_staff) AS first_customer_reply_at,
           arg_min(source_id, (accepted_at, source_id)) FILTER (WHERE accepted_at IS NOT NULL)
               AS accepted_id,
           arg_min(by_staff, (accepted_at, source_id)) FILTER (WHERE accepted_at IS NOT NULL)
               AS accepted_by_staff,
           min(accepted_at) AS accepted_at,
           arg_min(source_id, (created_at, source_id)) FILTER (WHERE like_count >= 1)
               AS liked_id,
           arg_min(by_staff, (created_at, source_id)) FILTER (WHERE like_count >= 1)
               AS liked_by_staff
    FROM others GROUP BY ALL
),
as_of AS (
    SELECT p.space, max(m.last_seen_at) AS as_of
    FROM core__community_posts p
    JOIN core__mentions m USING (source, source_id)
    GROUP BY p.space
)
SELECT q.space, q.source, q.question_id, q.thread_id, q.asker_id, q.asked_at, q.week,
       f.first_reply_at,
       epoch(f.first_reply_at - q.asked_at) / 3600 AS first_reply_hours,
       f.first_customer_reply_at,
       epoch(f.first_customer_reply_at - q.asked_at) / 3600 AS first_customer_reply_hours,
       coalesce(f.accepted_id, f.liked_id) AS answer_id,
       CASE WHEN f.accepted_id IS NOT NULL THEN 'accepted'
            WHEN f.liked_id IS NOT NULL THEN 'liked' END AS answer_kind,
       CASE WHEN f.accepted_id IS NOT NULL
                THEN CASE WHEN f.accepted_by_staff THEN 'staff' ELSE 'customer' END
            WHEN f.liked_id IS NOT NULL
                THEN CASE WHEN f.liked_by_staff THEN 'staff' ELSE 'customer' END
            END AS answered_by,
       f.accepted_at,
       CASE WHEN f.first_reply_at <= q.asked_at + INTERVAL 24 HOUR THEN false
            WHEN q.asked_at + INTERVAL 24 HOUR <= a.as_of THEN true END AS is_unanswered_24h,
       a.as_of
FROM questions q
LEFT JOIN firsts f USING (space, source, thread_id)
LEFT JOIN as_of a USING (space);

-- One row per customer, space and week in which they posted there or an answer of theirs
-- was accepted, with the phase they are in that week: the first of these that holds.
--   integrated     a superfan (core__author_influence tier now), or 2 or more of their
--                  answers accepted up to this week
--   delighted      an answer of theirs accepted this week, or an answer they posted this
--                  week liked
--   bound          active (posted) in at least 3 of the last 4 weeks, this one included
--   participating  posted this week and in an earlier week
--   attracted      this is the week of their first post in the space
CREATE VIEW out__community_members AS
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
firsts AS (
    SELECT space, source, author_id, min(created_at) AS first_post_at, min(week) AS first_week
    FROM posts GROUP BY ALL
),
member_weeks AS (
    SELECT space, source, author_id, week FROM weekly
    UNION
    SELECT space, source, author_id, week FROM accepted
),
measured AS (
    SELECT w.space, w.source, w.author_id, w.week,
           coalesce(k.posts, 0) AS posts, coalesce(k.replies, 0) AS replies,
           coalesce(k.answers, 0) AS answers,
           coalesce(c.answers_accepted, 0) AS answers_accepted,
           coalesce(k.answers_liked, 0) AS answers_liked,
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
    LEFT JOIN core__author_influence i USING (source, author_id)
)
SELECT m.week, m.space, m.source, m.author_id, u.handle, m.posts, m.replies, m.answers,
       m.answers_accepted, m.answers_liked, m.first_post_at,
       m.active_weeks_of_last_4, m.earlier_active_weeks,
       CAST(m.accepted_answers_to_date AS BIGINT) AS accepted_answers_to_date, m.tier,
       CASE WHEN m.tier = 'superfan' OR m.accepted_answers_to_date >= 2 THEN 'integrated'
            WHEN m.answers_accepted > 0 OR m.answers_liked > 0 THEN 'delighted'
            WHEN m.active_weeks_of_last_4 >= 3 THEN 'bound'
            WHEN m.earlier_active_weeks > 0 THEN 'participating'
            ELSE 'attracted' END AS phase,
       CASE WHEN m.tier = 'superfan' THEN 'superfan: ' || m.tier_reason
            WHEN m.accepted_answers_to_date >= 2
                THEN format('{} of their answers accepted so far (2 or more)',
                            CAST(m.accepted_answers_to_date AS BIGINT))
            WHEN m.answers_accepted > 0 OR m.answers_liked > 0
                THEN format('their answers this week: {} accepted, {} liked',
                            m.answers_accepted, m.answers_liked)
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

-- One row per person who received a community answer: the asker of a question whose answer
-- was accepted, or an author an accepted answer was sent to (an answer offer the desk posted:
-- its first `replied` event), and whether they opened a one-to-one case about the same issue
-- within 7 days. `is_deflected` is NULL until 7 days have passed by the newest data.
CREATE VIEW out__community_deflections AS
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
                  AND e.kind = 'reassigned' AND e.data->>'route' = 'contact_center')
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

-- One row per UTC week and brand's space: the five phases (each member once, in their
-- phase), the questions asked that week and how they were answered, and contacts deflected
-- (the people whose community answer reached them that week and who opened no one-to-one
-- case about it within 7 days: an estimate).
CREATE VIEW out__community_health AS
WITH phases AS (
    SELECT week, space, count(*) AS members,
           count(*) FILTER (WHERE phase = 'attracted') AS members_attracted,
           count(*) FILTER (WHERE phase = 'participating') AS members_participating,
           count(*) FILTER (WHERE phase = 'bound') AS members_bound,
           count(*) FILTER (WHERE phase = 'delighted') AS members_delighted,
           count(*) FILTER (WHERE phase = 'integrated') AS members_integrated
    FROM out__community_members GROUP BY ALL
),
asked AS (
    SELECT week, space, count(*) AS questions,
           count(*) FILTER (WHERE is_unanswered_24h) AS questions_unanswered_24h,
           median(first_reply_hours) AS first_reply_hours_median,
           median(first_customer_reply_hours) AS first_customer_reply_hours_median,
           count(answer_id) AS questions_answered,
           count(*) FILTER (WHERE answered_by = 'customer') AS answered_by_customers,
           count(*) FILTER (WHERE answered_by = 'customer') / nullif(count(answer_id), 0)
               AS answered_by_customers_share
    FROM out__community_questions GROUP BY ALL
),
saved AS (
    SELECT week, space, count(DISTINCT (source, author_id)) AS answers_received,
           count(DISTINCT (source, author_id)) FILTER (WHERE is_deflected)
               AS contacts_deflected
    FROM out__community_deflections GROUP BY ALL
),
keys AS (
    SELECT week, space FROM phases UNION SELECT week, space FROM asked
    UNION SELECT week, space FROM saved
)
SELECT k.week, k.space,
       coalesce(p.members, 0) AS members,
       coalesce(p.members_attracted, 0) AS members_attracted,
       coalesce(p.members_participating, 0) AS members_participating,
       coalesce(p.members_bound, 0) AS members_bound,
       coalesce(p.members_delighted, 0) AS members_delighted,
       coalesce(p.members_integrated, 0) AS members_integrated,
       coalesce(a.questions, 0) AS questions,
       coalesce(a.questions_unanswered_24h, 0) AS questions_unanswered_24h,
       a.first_reply_hours_median, a.first_customer_reply_hours_median,
       coalesce(a.questions_answered, 0) AS questions_answered,
       coalesce(a.answered_by_customers, 0) AS answered_by_customers,
       a.answered_by_customers_share,
       coalesce(s.answers_received, 0) AS answers_received,
       coalesce(s.contacts_deflected, 0) AS contacts_deflected
FROM keys k
LEFT JOIN phases p USING (week, space)
LEFT JOIN asked a USING (week, space)
LEFT JOIN saved s USING (week, space);
