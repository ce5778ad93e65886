-- Rated help (issue 22, part 4): helpers ranked by the acceptances and the ratings their
-- answers earned, so that expert routing offers a new question first to those who helped
-- best (routing/experts.py), and says why.
--
-- A helper is the author of an accepted answer in the brand's community (the Discourse
-- Solved plugin's `accepted_answer` outcome: data.username), labelled as expert routing
-- labels a superfan of the forums source: "<username> (forums)".
-- A rating of an answer is the customer's rating (`rated`, data.by = customer; the latest
-- per item) of an answer offer: the item that took that accepted answer to one author who
-- had asked (routing/outcomes.py). The offer's `answer_offered` event names the answer it
-- carried (data.answer.url, data.answer.helper), so the rating is joined to its helper
-- through the offer's own delivery key, never guessed from the cluster. Offers queued
-- before 0017 named no answer: their ratings count for nobody.
--
-- score: the helper's mean rating shrunk toward the mean of all rated answers (a Bayesian
-- average with the weight of 3 ratings: (3 * prior_mean + sum) / (3 + ratings)); the prior
-- is 3, the middle of the scale, while no answer is rated. One 5 does not outrank a helper
-- rated 4.6 by ten; a helper nobody rated yet scores the prior. rank: by score, then by
-- answers accepted, then by helper.
CREATE OR REPLACE VIEW out__helper_ranking AS
WITH accepted AS (  -- each accepted answer once: its url names the post
    SELECT coalesce(data->>'username', actor) AS handle,
           count(DISTINCT data->>'url') AS answers_accepted
    FROM core__events
    WHERE kind = 'accepted_answer' AND coalesce(data->>'username', actor) IS NOT NULL
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
