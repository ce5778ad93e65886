"""Every table and view of the warehouse, defined once (PUDL's metadata module, in small).

The migrations in warehouse/migrations/ create the schema; this registry says what each
object is: its columns and types as the migrations leave them (a view's as DuckDB reports
them), what each column means, its key, what one row is, and how carewire treats it:

    personal    holds personal data (texts, handles, platform ids of posts or people):
                an erasure must reach it (maintenance/erase.py)
    exported    written to Parquet after each publish (warehouse/exports.py)
    diffed      fingerprinted by reruns (warehouse/diff.py); bookkeeping is not
    retention   "raw": rows (or payloads) purged after `retention.raw_days`
                (maintenance/retention.py)

From it come the load's column lists and casts (warehouse/load.py), the not-null, unique
and value-set expectations of the quality gates (quality/suites.py), the export and diff
lists and the README's table of tables (`python -m carewire.warehouse.tables`).
tests/warehouse/test_tables.py compares it with information_schema after migrating, so a
migration that adds a column without a line here fails the suite.
"""

from __future__ import annotations

from dataclasses import dataclass

from carewire.core.labels import INTENTS, PRIORITIES, ROUTES, SENTIMENT_LABELS, TIERS

VOCABULARIES = {"SENTIMENT_LABELS": SENTIMENT_LABELS, "INTENTS": INTENTS, "ROUTES": ROUTES,
                "PRIORITIES": PRIORITIES, "TIERS": TIERS}


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    description: str
    """What the value is, for an analyst: its unit, where it comes from, what NULL means."""
    required: bool = False
    values: tuple[str, ...] | None = None
    """The vocabulary (carewire.core.labels) its values come from, where it has one."""
    personal: bool = False
    """Holds personal data itself (a text, a handle, a platform id of a post or person):
    `meta__columns.personal`, for an analyst deciding what may leave the warehouse."""


class _Columned:
    """What tables and views share: their columns, by name."""

    columns: tuple[Column, ...]

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


@dataclass(frozen=True)
class Table(_Columned):
    name: str
    grain: str
    """What one row is."""
    columns: tuple[Column, ...]
    primary_key: tuple[str, ...]
    personal: bool = False
    exported: bool = False
    diffed: bool = True
    retention: str | None = None

    @property
    def required(self) -> list[str]:
        return [c.name for c in self.columns if c.required]


@dataclass(frozen=True)
class View(_Columned):
    name: str
    grain: str
    columns: tuple[Column, ...]
    """As DuckDB reports them after migrating; a view declares no nullability."""
    primary_key: tuple[str, ...]
    """The columns that tell its rows apart: the view's true grain (nothing enforces it)."""
    exported: bool = True
    personal: bool = False


def columns(spec: str) -> tuple[Column, ...]:
    """`name TYPE [NOT NULL] [IN VOCABULARY] [PERSONAL] -- description`, one column a line,
    as the DDL reads (a type without spaces: `DECIMAL(18,3)`); a line that starts with `--` goes on
    with the description above it. Every column has one: the data dictionary is made from
    them, and an undescribed column is a question every analyst asks again."""
    found: list[tuple[list[str], str]] = []
    for line in spec.strip().splitlines():
        line = line.strip()
        if line.startswith("--"):
            words, description = found[-1]
            found[-1] = (words, f"{description} {line[2:].strip()}")
            continue
        definition, _, description = line.partition(" -- ")
        words = definition.split()
        if not description.strip():
            raise ValueError(f"column {words[0]} has no description: write `{line} -- what "
                             "it is`")
        found.append((words, description.strip()))
    return tuple(Column(words[0], words[1], description, required="NOT" in words,
                        values=VOCABULARIES[words[words.index("IN") + 1]] if "IN" in words
                        else None, personal="PERSONAL" in words)
                 for words, description in found)


_TABLES = (
    Table("_carewire_migrations", "migration applied, with its checksum", columns("""
        version INTEGER NOT NULL -- the migration's number, from its file name `NNNN_name.sql`
        name VARCHAR NOT NULL -- the rest of its file name: what it changes
        checksum VARCHAR NOT NULL -- SHA-256 of the file's SQL: an applied migration edited
            -- afterwards is refused
        applied_at TIMESTAMPTZ NOT NULL -- when it ran here (wall clock, UTC)"""),
          ("version",), diffed=False),
    Table("raw__landing_batches", "landed batch: interval, file, checksum, counts", columns("""
        batch_id VARCHAR NOT NULL -- `<source>/<stream>/<interval key>`: one fetch of one stream
        source VARCHAR NOT NULL -- the platform connector: x, reddit, forums or feeds
        stream VARCHAR NOT NULL -- the configured stream (a feed, query, subreddit, forum)
        interval_start TIMESTAMPTZ NOT NULL -- start of the data interval it was fetched for
        interval_end TIMESTAMPTZ NOT NULL -- end of that interval: the batch's "seen" time
        path VARCHAR NOT NULL -- the landing file, relative to the landing root
        sha256 VARCHAR NOT NULL -- of the landing file: a changed file is loaded again
        page_count INTEGER NOT NULL -- HTTP responses in the batch (raw__pages rows)
        item_count INTEGER NOT NULL -- mentions loaded from it (one per id; the last copy wins)
        reject_count INTEGER NOT NULL -- records the load set aside (raw__quarantine, stage
            -- parse)"""), ("batch_id",)),
    Table("raw__landing_files", "landing file as loaded: its size and mtime", columns("""
        batch_id VARCHAR NOT NULL -- raw__landing_batches
        file_size BIGINT NOT NULL -- the landing file's size in bytes when it was loaded
        file_mtime_ns BIGINT NOT NULL -- its modification time (ns) then: a file whose size
            -- and mtime are unchanged is not read again; no row (loaded before migration
            -- 0021, reloaded by an erasure): the next load hashes it once more"""),
          ("batch_id",), diffed=False),
    Table("raw__pages", "HTTP response as landed (status, headers, body bytes)", columns("""
        batch_id VARCHAR NOT NULL -- the landing batch (raw__landing_batches)
        seq INTEGER NOT NULL -- the response's place in the batch, from 0
        source VARCHAR NOT NULL -- the platform connector: x, reddit, forums or feeds
        stream VARCHAR NOT NULL -- the configured stream
        url VARCHAR NOT NULL PERSONAL -- the address asked for
        status INTEGER NOT NULL -- the HTTP status code received
        headers JSON NOT NULL -- the response headers, name to value
        body BLOB NOT NULL PERSONAL -- the response body, byte for byte"""), ("batch_id", "seq"),
          personal=True, retention="raw"),
    Table("raw__items", "the platform's own record behind each mention, per batch (JSON)",
          columns("""
        batch_id VARCHAR NOT NULL -- the landing batch that carried it
        source VARCHAR NOT NULL -- the platform connector: x, reddit, forums or feeds
        stream VARCHAR NOT NULL -- the configured stream
        source_id VARCHAR NOT NULL PERSONAL -- the mention's id (core__mentions.source_id)
        payload JSON NOT NULL PERSONAL -- the platform's record behind the mention, as parsed"""),
          ("batch_id", "source_id"), personal=True, retention="raw"),
    Table("raw__quarantine", "record that could not be used: `reason`, `stage`, original "
          "`payload` bytes", columns("""
        quarantine_id VARCHAR NOT NULL -- hash of batch, item and reason: a reload replaces
            -- the row
        batch_id VARCHAR NOT NULL -- the landing batch it came from
        source VARCHAR NOT NULL -- the platform connector: x, reddit, forums or feeds
        stream VARCHAR NOT NULL -- the configured stream
        stage VARCHAR NOT NULL -- parse (the load set it aside) or gate (a quality suite
            -- failed it)
        item_ref VARCHAR NOT NULL -- where it came from: `source:source_id`, `source/stream`,
            -- or the landing file
        reason VARCHAR NOT NULL -- what was wrong and what to do
        payload BLOB NOT NULL PERSONAL -- the original bytes (a gate's: the checked values as JSON);
            -- empty once retention purged it
        seen_at TIMESTAMPTZ NOT NULL -- end of the data interval of its batch"""),
          ("quarantine_id",), personal=True, retention="raw"),
    Table("core__authors", "author per platform, with platform metrics", columns("""
        source VARCHAR NOT NULL -- the platform: x, reddit, forums or feeds
        author_id VARCHAR NOT NULL PERSONAL -- the platform's user id (forums: `<host>:<user id>`)
        handle VARCHAR PERSONAL -- user name on the platform, without @; NULL when not given
        display_name VARCHAR PERSONAL -- the name shown on the profile; NULL when not given
        profile_url VARCHAR PERSONAL -- link to the profile; NULL when unknown
        followers_count BIGINT -- followers (X only); NULL elsewhere or when not given
        following_count BIGINT -- accounts followed (X only); NULL elsewhere
        post_count BIGINT -- posts in the account's life (X tweet_count); NULL elsewhere
        karma BIGINT -- Reddit link + comment karma, Discourse trust level (0 to 4); NULL
            -- elsewhere or not fetched
        is_verified BOOLEAN -- X or Reddit verified; on a forum, staff, admin or moderator;
            -- NULL when unknown
        account_created_at TIMESTAMPTZ -- when the account was made; NULL when not given
        first_seen_at TIMESTAMPTZ NOT NULL -- end of the data interval of the first batch
            -- that named the author
        last_seen_at TIMESTAMPTZ NOT NULL -- end of the data interval of the newest batch
            -- that named the author"""), ("source", "author_id"), personal=True,
          exported=True),
    Table("core__mentions", "post, article, forum reply (title, text, url, author, "
          "created_at, categories, engagement)", columns("""
        source VARCHAR NOT NULL -- the platform: x, reddit, forums or feeds
        source_id VARCHAR NOT NULL PERSONAL -- the platform's id: X the first id of the
            -- tweet's edit chain (its own id when never edited), Reddit the fullname, forums
            -- `<host>:post:<id>`, feeds `<feed>:<guid or link>` (`<feed>:sha256:<hash>` for
            -- an entry with neither)
        stream VARCHAR NOT NULL -- the configured stream that found it
        url VARCHAR PERSONAL -- link to the post; NULL when the platform gives none
        title VARCHAR PERSONAL -- title of an article, Reddit submission or forum topic; NULL for
            -- posts without one and deleted ones
        text VARCHAR NOT NULL PERSONAL -- the text as plain text; empty once the platform deleted it
        author_id VARCHAR PERSONAL -- core__authors(source, author_id); NULL when the platform names
            -- none (feeds)
        language VARCHAR -- the language the platform states (X lang, forum locale); NULL
            -- when silent; core__enrichments.language is detected
        created_at TIMESTAMPTZ NOT NULL -- when it was posted, per the platform
        categories VARCHAR[] NOT NULL -- the platform's labels: X hashtags, subreddit and
            -- flair, forum categories, feed tags
        thread_id VARCHAR PERSONAL -- the conversation it belongs to (X conversation, Reddit
            -- submission, forum topic); NULL when none
        parent_id VARCHAR PERSONAL -- the post it replies to; NULL for a thread's first post or
            -- unknown
        reply_count BIGINT -- replies it had when last fetched; NULL when not given
        like_count BIGINT -- likes (Reddit score) when last fetched; NULL when not given
        share_count BIGINT -- reposts (X retweets) when last fetched; NULL elsewhere
        is_deleted BOOLEAN NOT NULL -- not a live post: the platform says it was deleted or
            -- removed, or a reload of its unchanged batch no longer yields it (the mapping
            -- now leaves it out: a retweet, a moderator notice); text blanked, left out of
            -- every out__ view
        batch_id VARCHAR NOT NULL -- the newest landing batch that carried it
        first_seen_at TIMESTAMPTZ NOT NULL -- end of the data interval of the first batch
            -- that carried it
        last_seen_at TIMESTAMPTZ NOT NULL -- end of the data interval of the newest batch
            -- that carried it
        quote_count BIGINT -- quote posts of it (X quote_count) when last fetched; NULL
            -- elsewhere
        link_url VARCHAR -- the page a link post points to (a Reddit link post's target), not
            -- the post's own url; NULL for a post that links nowhere
        crosspost_count BIGINT -- times it was crossposted to other subreddits (Reddit
            -- num_crossposts); NULL elsewhere
        quoted_text VARCHAR PERSONAL -- words it quotes from someone else's post (a Discourse
            -- quote, the tweet an X quote tweet quotes), kept out of `text`, which enrichment
            -- reads; NULL when it quotes nothing"""),
          ("source", "source_id"), personal=True,
          exported=True),
    Table("core__enrichments", "mention: sentiment and score, language, relevant, intent, "
          "whether it needs a private channel, each with its reason; the models that made it",
          columns("""
        source VARCHAR NOT NULL -- the mention's platform (core__mentions)
        source_id VARCHAR NOT NULL PERSONAL -- the mention's id (core__mentions)
        text_sha VARCHAR NOT NULL -- SHA-256 of the text as enriched: an edit re-enriches
        language VARCHAR NOT NULL -- ISO 639-1 code: the platform's, else detected; `und`
            -- below 0.5 detection confidence
        language_confidence DOUBLE NOT NULL -- the detector's probability of its best
            -- language, 0..1 (computed even where the platform's tag is used)
        language_source VARCHAR NOT NULL -- platform (its tag was used) or detected
        sentiment VARCHAR NOT NULL IN SENTIMENT_LABELS -- the sentiment model's label:
            -- negative, neutral or positive; not_scored when the mention's language is not
            -- one the configured model was made for (counted apart, never averaged)
        sentiment_score DOUBLE -- P(positive) - P(negative), -1..1; NULL when not_scored
        sentiment_confidence DOUBLE -- probability of the sentiment label, 0..1; NULL when
            -- not_scored
        relevant BOOLEAN NOT NULL -- about the brand: no noise pattern matched, and the
            -- brand's relevance head (if configured) agreed
        relevance_score DOUBLE NOT NULL -- P(relevant) from the relevance head (1 without
            -- one), 0..1; 0 when not relevant
        relevance_reason VARCHAR NOT NULL -- the noise pattern that matched (job ad, spam,
            -- ...), or the head's probability, or `no noise pattern`
        intent VARCHAR NOT NULL IN INTENTS -- question, complaint, praise, feature_idea or
            -- other, by named cues in that precedence
        intent_reason VARCHAR NOT NULL -- the cue that decided the intent
        models JSON NOT NULL -- every model that made the row: role to `name@version`
        models_version VARCHAR NOT NULL -- hash of `models`: rows of older models differ
        enriched_for TIMESTAMPTZ NOT NULL -- the mention's last_seen_at when it was enriched
        private_score DOUBLE -- calibrated P(helping needs a private channel), 0..1, 4
            -- decimals; NULL: enriched before the private-channel head
        private_reason VARCHAR -- the score and the reason code the text reads most like;
            -- NULL like private_score
        sentiment_language VARCHAR -- the language the sentiment model was made for that it
            -- read the mention as: the mention's own (`language`), or the model's first for
            -- an undetermined one (`und`: scored as en by the shipped head); NULL when
            -- not_scored. Scored by a model made for its language: sentiment_language =
            -- language
        sentiment_reason VARCHAR -- why it was scored or not: the language and the
            -- languages the model is made for; NULL: enriched before migration 0019 by a
            -- model other than the shipped head (re-enrich to fill it)"""), ("source",
          "source_id"), personal=True,
          exported=True),
    Table("core__embeddings", "mention: its sentence embedding (not exported to Parquet)",
          columns("""
        source VARCHAR NOT NULL -- the mention's platform (core__mentions)
        source_id VARCHAR NOT NULL PERSONAL -- the mention's id (core__mentions)
        encoder_version VARCHAR NOT NULL -- hash of the encoder's weights that made it; on the
            -- bundled MiniLM followed by +issue- and the hash of its issue layer
        embedding FLOAT[] NOT NULL PERSONAL -- the issue vector (the bundled MiniLM's fine-tuned
            -- issue layer; another encoder's last-layer mean), unit length: cosine similarity
            -- is a dot product"""), ("source", "source_id"), personal=True),
    Table("core__cluster_members", "mention: its issue cluster, how it joined (founder, "
          "duplicate, similar) and the scores", columns("""
        source VARCHAR NOT NULL -- the mention's platform (core__mentions)
        source_id VARCHAR NOT NULL PERSONAL -- the mention's id (core__mentions)
        cluster_id VARCHAR NOT NULL -- the issue cluster: a hash of its founder's key
        joined_by VARCHAR NOT NULL -- founder (it opened the cluster), duplicate (same words)
            -- or similar (the same-issue model)
        similarity DOUBLE -- cosine similarity to the founder's embedding, -1..1; NULL
            -- unless joined as similar
        pair_score DOUBLE -- the same-issue model's probability that it is the founder's
            -- issue, 0..1; NULL unless joined as similar
        encoder_version VARCHAR NOT NULL -- the encoder whose embeddings clustered it
        centrality DOUBLE -- cosine between its embedding and its cluster's mean embedding,
            -- -1..1, four decimals: the most central mention represents the cluster
            -- (out__issue_clusters); NULL until the next cluster step measures it"""),
          ("source", "source_id"), personal=True, exported=True),
    Table("core__mention_former_ids", "mention whose key changed form (a feed entry, once "
          "keyed by its guid alone): the id it had, which its delivery keys and cluster id "
          "were made from", columns("""
        source VARCHAR NOT NULL -- the mention's platform (feeds)
        source_id VARCHAR NOT NULL PERSONAL -- the mention's id now (`<feed>:<guid>`)
        former_source_id VARCHAR NOT NULL PERSONAL -- the id it had before (the guid or link alone):
            -- its keys were made from it"""), ("source", "source_id"), personal=True),
    Table("core__author_influence", "author: reach, engagement, history, helpful replies, "
          "score, tier and why", columns("""
        source VARCHAR NOT NULL -- the platform: x, reddit, forums or feeds
        author_id VARCHAR NOT NULL PERSONAL -- core__authors(source, author_id)
        handle VARCHAR PERSONAL -- user name on the platform; NULL when not known
        reach BIGINT -- followers (X), karma (Reddit), trust level (forums); NULL for feeds
            -- or when not known
        reach_pct DOUBLE -- percentile of reach among the platform's authors with one, 0..1;
            -- NULL without reach
        mentions BIGINT NOT NULL -- the author's mentions in the warehouse (deleted excepted)
        engagement_per_mention DOUBLE NOT NULL -- likes + shares + replies received, mean
            -- per mention
        engagement_pct DOUBLE NOT NULL -- percentile of engagement_per_mention within the
            -- platform, 0..1
        history_pct DOUBLE NOT NULL -- percentile of `mentions` within the platform, 0..1
        avg_sentiment DOUBLE -- mean sentiment_score of the author's scored mentions, -1..1;
            -- NULL when none is scored (not enriched yet, or not_scored)
        helpful_replies BIGINT NOT NULL -- liked replies to other people's questions or
            -- complaints that are neither themselves
        score DOUBLE NOT NULL -- 0.5 reach_pct (0 when NULL) + 0.3 engagement_pct + 0.2
            -- history_pct, 0..1
        tier VARCHAR NOT NULL IN TIERS -- brand, influencer, superfan or regular, first that
            -- holds
        tier_reason VARCHAR NOT NULL -- why: the threshold it met, or none"""),
          ("source", "author_id"), personal=True, exported=True),
    Table("core__routing_decisions", "mention: route, rule, reason, evidence (values and "
          "thresholds), team, priority, SLA due, policy version", columns("""
        source VARCHAR NOT NULL -- the mention's platform (core__mentions)
        source_id VARCHAR NOT NULL PERSONAL -- the mention's id (core__mentions)
        route VARCHAR NOT NULL IN ROUTES -- community, contact_center, advocacy or ignore
        rule_id VARCHAR NOT NULL -- the policy rule that fired (first match)
        reason VARCHAR NOT NULL -- the rule and the comparisons that made it fire
        evidence JSON NOT NULL -- each condition: [{field, value, test, says, held}]
        experts VARCHAR[] NOT NULL PERSONAL -- superfans offered the question (handles), best first;
            -- empty when none
        team VARCHAR -- the team the work goes to; NULL when ignored
        priority VARCHAR IN PRIORITIES -- urgent, high, normal or low; NULL when ignored
        sla_due_at TIMESTAMPTZ -- created_at plus the rule's SLA on the team's clock (24/7 or
            -- business hours); NULL when ignored
        destination VARCHAR -- where the work is delivered (desk, a ticket system, a forum,
            -- a webhook); NULL when ignored
        delivery_key VARCHAR -- core__deliveries; NULL when ignored
        policy_version VARCHAR NOT NULL -- the policy's declared version + content hash
        decided_for TIMESTAMPTZ NOT NULL -- end of the data interval of the run that
            -- decided
        decided_at TIMESTAMPTZ -- when the routing run stored this decision (its clock, UTC;
            -- a rerun that replaced it: the rerun's); NULL for decisions before migration
            -- 0020"""), ("source", "source_id"), personal=True, exported=True),
    Table("core__deliveries", "unit of work for a destination: status, attempts, last "
          "error, the ticket/topic/item it became", columns("""
        delivery_key VARCHAR NOT NULL -- hash of destination, unit and its reference: the
            -- idempotency key
        destination VARCHAR NOT NULL -- where it goes: desk, a ticket system, a forum, a
            -- webhook (routing.destinations)
        route VARCHAR NOT NULL -- community, contact_center or advocacy; answer_offer for an
            -- accepted answer's offer
        unit VARCHAR NOT NULL -- what one item holds: mention, cluster (an issue) or case
            -- (a conversation)
        cluster_id VARCHAR -- the issue cluster of its mentions, where known; NULL otherwise
        team VARCHAR NOT NULL -- the team it was routed to (a desk reassignment shows in
            -- out__care_items)
        priority VARCHAR NOT NULL IN PRIORITIES -- urgent, high, normal or low
        sla_due_at TIMESTAMPTZ NOT NULL -- the earliest SLA deadline of its mentions'
            -- decisions
        rule_id VARCHAR NOT NULL -- the rule of its first mention (accepted-answer and
            -- escalation for sync's own work)
        reason VARCHAR NOT NULL -- why it was routed, as the rule said
        experts VARCHAR[] NOT NULL PERSONAL -- superfans offered the question, best first
        body_note VARCHAR PERSONAL -- extra text for the item (an answer link); NULL when none
        status VARCHAR NOT NULL -- pending, held (quality gate), delivered, blocked or
            -- cancelled (every mention deleted)
        attempts INTEGER NOT NULL -- delivery attempts made
        next_attempt_at TIMESTAMPTZ -- a retry waits until then (backoff); NULL when not
            -- waiting
        last_error VARCHAR -- what went wrong last and what to do; NULL when none
        external_id VARCHAR -- the desk item, ticket or topic id it became; NULL until
            -- delivered
        external_url VARCHAR PERSONAL -- link to that item; NULL until delivered
        created_for TIMESTAMPTZ NOT NULL -- when it was planned: the run's interval end
            -- (sync's own work: its wall clock)
        delivered_at TIMESTAMPTZ -- when it was delivered (wall clock, UTC); NULL until
            -- then"""), ("delivery_key",), personal=True, exported=True),
    Table("core__delivery_mentions", "mention in a delivery (a cluster's delivery has many)",
          columns("""
        delivery_key VARCHAR NOT NULL -- core__deliveries
        source VARCHAR NOT NULL -- the mention's platform (core__mentions)
        source_id VARCHAR NOT NULL PERSONAL -- the mention's id (core__mentions)
        added_for TIMESTAMPTZ NOT NULL -- when the mention joined: its decision's
            -- decided_for (sync's own work: its wall clock)
        queued_at TIMESTAMPTZ -- when the mention reached the destination (UTC): the deliver
            -- step's clock when its delivery, or its case again with it, was delivered; the
            -- routing run's when it joined work already delivered (a cluster's thread).
            -- NULL until then, and for mentions added before migration 0020"""),
          ("delivery_key", "source", "source_id"), personal=True, exported=True),
    Table("core__events", "delivery or outcome (delivered, retry, blocked, escalated, "
          "claimed, replied, resolved, rated, accepted_answer, ...), append-only", columns("""
        event_id VARCHAR NOT NULL -- stable hash: the same outcome fetched twice is one row
        occurred_at TIMESTAMPTZ NOT NULL -- when it happened (a destination's own time for
            -- its outcomes)
        kind VARCHAR NOT NULL -- carewire's (delivered, retry, blocked, cancelled, linked,
            -- answer_offered, escalated, synced), a destination's (claimed, replied,
            -- resolved, reopened, rated, reassigned, accepted_answer, status) or a community
            -- act's, planned then done (badge_planned/badge_granted, thanks_planned/thanked,
            -- helper_approved/helper_added, fact_sheet_planned/fact_sheet_posted:
            -- docs/community.md)
        delivery_key VARCHAR -- core__deliveries; NULL for `synced`, for group adds and fact
            -- sheets, and for an `accepted_answer` the load read on a forum's own page
            -- (`data.seen_in`: the stream)
        destination VARCHAR -- the destination it concerns; NULL for what the load read
        external_id VARCHAR -- the item at the destination (a forum topic's id for an accepted
            -- answer); NULL when it has none (yet)
        actor VARCHAR PERSONAL -- who did it at the destination, where it says; NULL for carewire's
            -- own
        data JSON NOT NULL PERSONAL -- what the kind carries: url, error, status, team, route, score
            -- and `by` of a rating, ...
        recorded_at TIMESTAMPTZ NOT NULL -- when carewire recorded it (wall clock, UTC; what the
            -- load read: the end of the data interval of the batch that first showed it)"""),
          ("event_id",), personal=True, exported=True),
    Table("core__community_spaces", "brand's own community space (a Discourse forum, a "
          "subreddit it runs), from the config's `community` section", columns("""
        space VARCHAR NOT NULL -- the space: a forum's stream name, or `r/<subreddit>`
        source VARCHAR NOT NULL -- forums or reddit
        stream VARCHAR -- forums: the configured stream that reads it; NULL for a subreddit
        subreddit VARCHAR -- reddit: the subreddit's name, lower case (a mention is in it when
            -- its first category is); NULL for a forum
        host VARCHAR -- forums: the host name of its url, lower case (accepted answers and
            -- answer offers name it); NULL for a subreddit"""), ("space",), exported=True,
          diffed=False),
    Table("core__mention_tags", "mention, brand and topic it names (competitors flagged; "
          "`other` when no topic)", columns("""
        source VARCHAR NOT NULL -- the mention's platform (core__mentions)
        source_id VARCHAR NOT NULL PERSONAL -- the mention's id (core__mentions)
        brand VARCHAR NOT NULL -- a configured brand it names; the first own brand when it
            -- names none
        is_competitor BOOLEAN NOT NULL -- the brand is a configured competitor
        topic VARCHAR NOT NULL -- a configured topic whose keywords it uses, else `other`"""),
          ("source", "source_id", "brand", "topic"), personal=True, exported=True),
    Table("core__alerts", "spike: metric, brand, source, topic, hour, count against "
          "baseline, explanation, top clusters", columns("""
        alert_id VARCHAR NOT NULL -- hash of metric, brand, source, topic and hour
        metric VARCHAR NOT NULL -- mentions, or negative (negative and relevant mentions)
        brand VARCHAR NOT NULL -- the brand of the series
        source VARCHAR NOT NULL -- the source of the series, or * for all sources together
        topic VARCHAR NOT NULL -- the topic of the series, or * for all topics together
        hour_start TIMESTAMPTZ NOT NULL -- the UTC hour that rose: [hour_start, +1 hour)
        count BIGINT NOT NULL -- the metric's mentions in that hour
        baseline_median DOUBLE NOT NULL -- median count of the same hour of the week in the
            -- weeks before
        baseline_mad DOUBLE NOT NULL -- median absolute deviation of those counts x 1.4826
        baseline_weeks INTEGER NOT NULL -- watched weeks in the baseline
        baseline_spread DOUBLE NOT NULL -- max(MAD, sqrt(median), floor)
        threshold DOUBLE NOT NULL -- median + k x spread: it fired above it
        score DOUBLE NOT NULL -- (count - median) / spread
        explanation VARCHAR NOT NULL -- what rose, against what, and the top issues
        top_clusters JSON NOT NULL PERSONAL -- [{cluster_id, mentions, size, founder_text, examples}]
            -- in that hour, largest first
        examples JSON NOT NULL PERSONAL -- links to up to 3 mentions of that hour
        detected_for TIMESTAMPTZ NOT NULL -- the time of the alerts run that found it
            -- first"""), ("alert_id",), personal=True, exported=True),
    Table("core__alert_notifications", "alert and recipient (the desk, a webhook): sent, "
          "pending or failed", columns("""
        alert_id VARCHAR NOT NULL -- core__alerts
        destination VARCHAR NOT NULL -- desk, or a webhook under routing.destinations
        status VARCHAR NOT NULL -- pending, sent or failed (gave up)
        attempts INTEGER NOT NULL -- sending attempts made
        last_error VARCHAR -- what went wrong last and what to do; NULL when none
        sent_at TIMESTAMPTZ -- the time of the alerts run that sent it; NULL until sent"""),
          ("alert_id", "destination"), exported=True),
    Table("quality__results", "quality suite run: success, counts, the great-expectations "
          "result", columns("""
        run_id VARCHAR NOT NULL -- the Airflow run id, or demo:/cli:<time>
        suite VARCHAR NOT NULL -- landing_raw, raw_core_mentions, enrichments or
            -- routing_decisions
        validated_at TIMESTAMPTZ NOT NULL -- when it was judged
        success BOOLEAN NOT NULL -- every expectation held
        rows_checked BIGINT NOT NULL -- rows judged (only those not judged before)
        batches_checked BIGINT NOT NULL -- landing batches those rows came from
        evaluated_expectations INTEGER NOT NULL -- expectations evaluated
        unsuccessful_expectations INTEGER NOT NULL -- expectations that failed
        batches_held BIGINT NOT NULL -- batches it held back from routing
        rows_quarantined BIGINT NOT NULL -- raw__quarantine rows it wrote (stage gate)
        statistics JSON NOT NULL -- great-expectations' statistics block
        result JSON NOT NULL -- its validation result, counts only: `carewire quality docs`
            -- renders it"""), ("run_id", "suite"), diffed=False),
    Table("quality__failures", "failed expectation of a suite run, with the batches it "
          "held", columns("""
        run_id VARCHAR NOT NULL -- quality__results
        suite VARCHAR NOT NULL -- quality__results
        seq INTEGER NOT NULL -- order within the suite's failures, from 0
        expectation_type VARCHAR NOT NULL -- e.g. expect_column_values_to_be_between
        column_name VARCHAR -- the column it checks; NULL for table-level expectations
        kwargs JSON NOT NULL -- the bounds, sets and columns it was given
        observed_value VARCHAR -- what an aggregate expectation saw, as JSON; NULL for row
            -- expectations
        unexpected_count BIGINT -- rows that failed a row expectation; NULL for aggregates
        batch_ids VARCHAR[] NOT NULL -- the landing batches the failing rows came from
        item_refs VARCHAR[] NOT NULL -- the failing rows (`source:source_id`, or
            -- `source/stream`), at most FAILING_REFS; empty before 0011"""),
          ("run_id", "suite", "seq"), diffed=False),
    Table("quality__held_batches", "batch a suite holds back from routing, until it passes "
          "or is released", columns("""
        batch_id VARCHAR NOT NULL -- raw__landing_batches
        suite VARCHAR NOT NULL -- the suite that holds it
        run_id VARCHAR NOT NULL -- the run whose gate held it
        held_at TIMESTAMPTZ NOT NULL -- when that run judged it
        failures JSON NOT NULL -- [{expectation, unexpected_count, description}]
        item_refs VARCHAR[] NOT NULL PERSONAL -- the rows that failed (mention keys, or
            -- source/stream): all must pass again
        released_at TIMESTAMPTZ -- when it was released; NULL: still held
        released_by VARCHAR -- an operator, or gate (judged again and passed); NULL: held
        note VARCHAR -- the release's note; NULL: held"""), ("batch_id", "suite"),
          personal=True),
    Table("quality__checked", "unit (batch or mention) a suite judged, in which version",
          columns("""
        suite VARCHAR NOT NULL -- the suite that judged it
        unit VARCHAR NOT NULL PERSONAL -- a batch_id, or a mention as `source:source_id`
        fingerprint VARCHAR NOT NULL -- the version judged (file checksum, text, models or
            -- decision): a change is judged again
        run_id VARCHAR NOT NULL -- the run that judged it"""), ("suite", "unit"),
          personal=True, diffed=False),
    Table("core__reruns", "rerun or backfill step: window, modes, counts", columns("""
        rerun_id VARCHAR NOT NULL -- the Airflow run (dag/run id) or cli-<uuid>
        label VARCHAR -- shared by the runs of one backfill; NULL when none was given
        window_start TIMESTAMPTZ NOT NULL -- start of the window done again
        window_end TIMESTAMPTZ NOT NULL -- end of the window (exclusive)
        reload BOOLEAN NOT NULL -- landing batches were reloaded from their files
        reenrich VARCHAR NOT NULL -- off, changed_models or all
        reroute VARCHAR NOT NULL -- off, dry_run or real
        ran_for TIMESTAMPTZ NOT NULL -- the run's moment: its decisions' decided_for
        batches_reloaded INTEGER NOT NULL -- landing batches loaded again
        mentions_reenriched INTEGER NOT NULL -- mentions enriched again
        decisions_compared INTEGER NOT NULL -- mentions decided again and compared
        decisions_replaced INTEGER NOT NULL -- decisions replaced (a dry run: would be)
        left_with_person INTEGER NOT NULL -- moved decisions whose work was already
            -- delivered, so left with the person
        deliveries_cancelled INTEGER NOT NULL -- pending deliveries cancelled by rerouting
        deliveries_planned INTEGER NOT NULL -- deliveries planned by rerouting
        policy_version VARCHAR -- the policy rerouted with; NULL when not rerouted
        models VARCHAR -- JSON of the models re-enriched with; NULL when not re-enriched"""),
          ("rerun_id",), exported=True, diffed=False),
    Table("core__rerun_row_changes", "row a rerun added, changed or removed (hashes only)",
          columns("""
        rerun_id VARCHAR NOT NULL -- core__reruns
        table_name VARCHAR NOT NULL -- the warehouse table (a diffed one)
        row_key UBIGINT NOT NULL -- hash of the row's primary key
        change VARCHAR NOT NULL -- added, changed or removed"""),
          ("rerun_id", "table_name", "row_key"), exported=True, diffed=False),
    Table("core__rerun_route_changes", "mention whose route a rerun changed or would change",
          columns("""
        rerun_id VARCHAR NOT NULL -- core__reruns
        source VARCHAR NOT NULL -- the mention's platform (core__mentions)
        source_id VARCHAR NOT NULL PERSONAL -- the mention's id (core__mentions)
        old_route VARCHAR IN ROUTES -- the route before; NULL: the mention had no decision
        old_rule_id VARCHAR -- the rule before; NULL: no decision
        new_route VARCHAR NOT NULL IN ROUTES -- the route decided now
        new_rule_id VARCHAR NOT NULL -- the rule that fired now
        old_delivery_status VARCHAR -- pending, blocked, delivered or cancelled; NULL when
            -- the old decision had no delivery
        action VARCHAR NOT NULL -- replaced or left_with_person; a dry run's would_replace
            -- or would_leave_with_person"""), ("rerun_id", "source", "source_id"),
          personal=True, exported=True, diffed=False),
    Table("audit__erasures", "erasure request applied: what it removed where (the handle "
          "only as a keyed hash)", columns("""
        request_id VARCHAR NOT NULL -- the request's id (a uuid)
        kind VARCHAR NOT NULL -- author (a person asked) or platform_deletion
        source VARCHAR NOT NULL -- the platform it concerns
        handle_hmac VARCHAR -- HMAC-SHA256 of the handle under the deployment's key; NULL
            -- for platform deletions
        reason VARCHAR NOT NULL -- as given, scrubbed of the handle and ids
        requested_at TIMESTAMPTZ NOT NULL -- when the request was made
        completed_at TIMESTAMPTZ NOT NULL -- when the erasure was applied (wall clock)
        mentions INTEGER NOT NULL -- mentions erased
        removed JSON NOT NULL -- rows removed per place: {"<store>:<table or file kind>":
            -- rows}"""), ("request_id",)),
    Table("audit__retention", "batch whose raw payloads retention purged", columns("""
        batch_id VARCHAR NOT NULL -- raw__landing_batches
        source VARCHAR NOT NULL -- the platform connector
        stream VARCHAR NOT NULL -- the configured stream
        interval_end TIMESTAMPTZ NOT NULL -- end of the batch's data interval
        purged_at TIMESTAMPTZ NOT NULL -- the maintenance run's time (its interval end)
        raw_days INTEGER NOT NULL -- the retention in force, days
        landing_file BOOLEAN NOT NULL -- the batch's landing file was deleted
        pages INTEGER NOT NULL -- raw__pages rows deleted
        items INTEGER NOT NULL -- raw__items rows deleted
        quarantine_payloads INTEGER NOT NULL -- raw__quarantine payloads emptied (rows
            -- kept)"""), ("batch_id",)),
    Table("meta__tables", "table or view: its grain, key, personal columns, whether exported "
          "(the registry, warehouse/tables.py)", columns("""
        table_name VARCHAR NOT NULL -- the table or view
        kind VARCHAR NOT NULL -- table or view
        grain VARCHAR NOT NULL -- what one row is
        key_columns VARCHAR[] NOT NULL -- the columns that tell rows apart (a view's are
            -- declared, not enforced)
        personal BOOLEAN NOT NULL -- holds personal data: an erasure must reach it
        personal_columns VARCHAR[] NOT NULL -- the columns that hold personal data themselves
        exported BOOLEAN NOT NULL -- written to Parquet after each publish
        retention VARCHAR -- raw: rows or payloads purged after retention.raw_days; NULL:
            -- kept"""), ("table_name",), exported=True, diffed=False),
    Table("meta__snapshot", "publish of the analyst snapshot: when, for which run, what it "
          "holds (one row: the latest)", columns("""
        published_at TIMESTAMPTZ NOT NULL -- when the snapshot was written (UTC)
        run_id VARCHAR NOT NULL -- the run that published: an Airflow run id, demo-…, manual-…
        run_interval_start TIMESTAMPTZ -- start of that run's data interval; NULL for a run
            -- without one (asset-triggered, a command)
        run_interval_end TIMESTAMPTZ -- end of that run's data interval
        landed_from TIMESTAMPTZ -- the earliest data interval start of any landed batch
        landed_until TIMESTAMPTZ -- the latest data interval end of any landed batch: the
            -- data is complete up to here for the streams that ran
        mentions BIGINT NOT NULL -- mentions held (deleted ones excepted)
        newest_mention_at TIMESTAMPTZ -- created_at of the newest mention
        policy_version VARCHAR -- the routing policy of the newest decision
        models_version VARCHAR -- the models of the newest enrichment, as one version
        models JSON -- the models of the newest enrichment, head by head
        carewire_version VARCHAR NOT NULL -- the carewire release that published
        duckdb_version VARCHAR NOT NULL -- the DuckDB that wrote it
        storage_version VARCHAR NOT NULL -- the DuckDB storage format of the snapshot file
            -- (setting snapshot_storage_version): DuckDB readers from this version on open it;
            -- `ducklake` on the DuckLake warehouse, whose publish writes no file"""),
          ("published_at",), exported=True, diffed=False),
)

_VIEWS = (
    View("out__mention_volume_daily", "source, stream and day: mentions and authors", columns("""
        source VARCHAR -- the platform: x, reddit, forums or feeds
        stream VARCHAR -- the configured stream
        day DATE -- the UTC calendar day of created_at, whatever the session's time zone
        mentions BIGINT -- mentions posted that day (deleted ones excepted)
        authors BIGINT -- distinct authors of them (mentions without one not counted)"""),
         ("source", "stream", "day")),
    View("out__quarantine_summary", "source, stream and reason: records, last seen", columns("""
        source VARCHAR -- the platform connector
        stream VARCHAR -- the configured stream
        stage VARCHAR -- parse (the load set it aside) or gate (a quality suite failed it)
        reason VARCHAR -- what was wrong and what to do
        records BIGINT -- quarantined records with that reason
        last_seen_at TIMESTAMPTZ -- the newest of their batches' interval ends"""),
         ("source", "stream", "stage", "reason")),
    View("core__issue_clusters", "issue cluster: size, authors, first and last mention, "
         "founder text, mean sentiment", columns("""
        cluster_id VARCHAR -- the issue cluster (core__cluster_members)
        size BIGINT -- its mentions (deleted ones excepted)
        authors BIGINT -- distinct (source, author_id) among them; mentions without an author
            -- count as one per source
        first_mention_at TIMESTAMPTZ -- created_at of its first mention
        last_mention_at TIMESTAMPTZ -- created_at of its newest mention
        founder_text VARCHAR PERSONAL -- the text of its first mention
        sources VARCHAR[] -- the platforms its mentions came from, sorted
        avg_sentiment DOUBLE -- mean sentiment_score of its scored mentions, -1..1; NULL when
            -- none is scored (not enriched yet, or not_scored)
        main_intent VARCHAR -- the commonest intent among its mentions (the first by name on a
            -- tie); NULL when none is
            -- enriched"""), ("cluster_id",), personal=True),
    View("out__sentiment_daily", "source and day: mentions, relevant, negative/neutral/"
         "positive, not scored", columns("""
        source VARCHAR -- the platform
        day DATE -- the UTC calendar day of created_at, whatever the session's time zone
        mentions BIGINT -- enriched mentions posted that day (deleted ones excepted)
        relevant BIGINT -- of them, relevant to the brand
        negative BIGINT -- of them, with sentiment negative
        neutral BIGINT -- of them, with sentiment neutral
        positive BIGINT -- of them, with sentiment positive
        not_scored BIGINT -- of them, not scored: in a language no configured sentiment
            -- model is made for; negative + neutral + positive + not_scored = mentions
        avg_sentiment_score DOUBLE -- the mean sentiment_score of the scored ones, -1..1;
            -- NULL: none scored"""),
         ("source", "day")),
    View("out__issue_clusters", "shared issue: a cluster at least two customers raised, "
         "with its representative text and where its care work stands; most customers "
         "first", columns("""
        cluster_id VARCHAR -- the issue cluster (core__cluster_members)
        customers BIGINT -- the people who raised it: the brand's own accounts left out, one
            -- handle once across platforms (the same name on X and Reddit is one person), a
            -- post without a known author one person of its own; two or more
        size BIGINT -- its mentions (deleted ones excepted), the brand's own included
        brand_mentions BIGINT -- of them, posted by the brand's own accounts (tier brand)
        status VARCHAR -- where its care work stands, over every delivered care item holding
            -- one of its mentions: no_care_item (none: ignored, advocacy or not delivered
            -- yet), open (none answered), answered (a reply or resolution on some, not all
            -- resolved), resolved (all resolved)
        items BIGINT -- delivered care items holding one of its mentions
        answered_items BIGINT -- of them, replied to or resolved
        resolved_items BIGINT -- of them, resolved (out__care_items.is_resolved)
        representative_text VARCHAR PERSONAL -- what the issue says: the text of its most central
            -- mention (core__cluster_members.centrality) in the main language (the language
            -- most mentions are in), else in any language
        representative_key VARCHAR PERSONAL -- that mention, as `source:source_id`
        representative_language VARCHAR -- that mention's language (ISO 639-1)
        first_mention_at TIMESTAMPTZ -- created_at of its first mention
        last_mention_at TIMESTAMPTZ -- created_at of its newest mention
        sources VARCHAR[] -- the platforms its mentions came from, sorted
        avg_sentiment DOUBLE -- mean sentiment_score of its scored mentions, -1..1; NULL when
            -- none is scored (not enriched yet, or not_scored)
        main_intent VARCHAR -- the commonest intent among its mentions (the first by name on a
            -- tie); NULL when none is
            -- enriched"""), ("cluster_id",), personal=True),
    View("out__top_authors", "author outside the brand, ranked by influence score, within "
         "their source and across all", columns("""
        source VARCHAR -- the platform
        author_id VARCHAR PERSONAL -- core__authors(source, author_id)
        handle VARCHAR PERSONAL -- user name on the platform; NULL when not known
        tier VARCHAR IN TIERS -- influencer, superfan or regular
        rank_overall BIGINT -- rank by score across every source (1 = highest; ties share a
            -- rank, then reach breaks them): the top ten are `rank_overall <= 10`
        rank_in_source BIGINT -- rank by score among the authors of the same source
        score DOUBLE -- 0..1: 0.5 reach_pct_in_source + 0.3 engagement_pct_in_source + 0.2
            -- history_pct_in_source. Percentiles within the author's source, so 0.9 on Reddit
            -- and 0.9 on X are both the top tenth of their platform, not the same audience
        reach BIGINT -- followers (X), karma (Reddit), trust level (forums); NULL when not
            -- known
        reach_pct_in_source DOUBLE -- percentile of reach among the same source's authors,
            -- 0..1; NULL without reach
        mentions BIGINT -- the author's mentions in the warehouse (deleted excepted)
        engagement_per_mention DOUBLE -- likes + shares + replies received, mean per mention
        engagement_pct_in_source DOUBLE -- percentile of engagement_per_mention among the same
            -- source's authors, 0..1
        history_pct_in_source DOUBLE -- percentile of `mentions` among the same source's
            -- authors, 0..1
        avg_sentiment DOUBLE -- mean sentiment_score of the author's scored mentions, -1..1;
            -- NULL when none is scored (not enriched yet, or not_scored)
        helpful_replies BIGINT -- liked replies to other people's questions or complaints
        tier_reason VARCHAR -- why the tier: the threshold it met, or none"""),
         ("source", "author_id"), personal=True),
    View("out__routing_evidence", "condition of the rule that decided a mention: field, "
         "value, test, whether it held", columns("""
        source VARCHAR -- the mention's platform
        source_id VARCHAR PERSONAL -- the mention's id (core__routing_decisions)
        route VARCHAR IN ROUTES -- where the decision sent it
        rule_id VARCHAR -- the rule that fired
        seq BIGINT -- the condition's place in the rule, from 1
        field VARCHAR -- what the condition tested: a score (private_score, sentiment_score),
            -- a label (intent, tier), matches (a policy pattern) or keywords
        value VARCHAR -- the value it had, as text; for matches and keywords the pattern or
            -- keyword found. NULL when unknown or nothing matched
        test VARCHAR -- the test: `>= 0.25`, `in [...]`, `is true`, or what was found (a match
            -- of a pattern that may hold personal data, such as an order number, is masked:
            -- `ORD••••5`; keywords and the policy's public_patterns are shown as found)
        held BOOLEAN -- whether the condition held (all held for the rule that fired)
        says VARCHAR -- the condition as one line, as `carewire route explain` prints it
        policy_version VARCHAR -- the policy version that decided
        decided_for TIMESTAMPTZ -- the moment of the routing run that decided"""),
         ("source", "source_id", "seq"), personal=True),
    View("meta__columns", "column of a table or view: type, description, grain, whether it "
         "is part of the key and whether it holds personal data", columns("""
        table_name VARCHAR -- the table or view
        column_name VARCHAR -- the column
        position BIGINT -- its place in the table, from 1
        data_type VARCHAR -- its DuckDB type
        description VARCHAR -- what it means (the column's comment, from warehouse/tables.py)
        kind VARCHAR -- table or view
        grain VARCHAR -- what one row of the table is
        is_key BOOLEAN -- part of the columns that tell rows apart (meta__tables.key_columns)
        personal BOOLEAN -- holds personal data itself: a text, a handle, a platform id
        exported BOOLEAN -- the table is written to Parquet after each publish"""),
         ("table_name", "column_name")),
    View("out__routing_by_rule", "route, rule and policy version: mentions and items",
         columns("""
        route VARCHAR IN ROUTES -- community, contact_center, advocacy or ignore
        rule_id VARCHAR -- the policy rule that fired
        policy_version VARCHAR -- the policy version that decided
        mentions BIGINT -- mentions decided so (deleted ones excepted)
        items BIGINT -- distinct deliveries they went to; 0 for ignore"""),
         ("route", "rule_id", "policy_version")),
    View("out__delivery_backlog", "destination and status: items waiting, oldest, last "
         "error", columns("""
        destination VARCHAR -- where the work goes
        status VARCHAR -- pending, blocked or held (by a quality gate)
        items BIGINT -- deliveries waiting so
        oldest TIMESTAMPTZ -- the earliest created_for among them: when it was planned
        max_attempts INTEGER -- the most delivery attempts any of them had
        last_error VARCHAR -- one of their last errors (any one, not the newest); NULL when
            -- none has one"""), ("destination", "status")),
    View("out__routing_decisions", "decision with its mention's url and its delivery's "
         "status and link", columns("""
        source VARCHAR -- the mention's platform
        source_id VARCHAR PERSONAL -- the mention's id
        url VARCHAR PERSONAL -- link to the mention; NULL when the platform gives none
        created_at TIMESTAMPTZ -- when the mention was posted
        route VARCHAR IN ROUTES -- community, contact_center, advocacy or ignore
        rule_id VARCHAR -- the policy rule that fired
        reason VARCHAR -- the rule and the comparisons that made it fire
        team VARCHAR -- the team the work goes to; NULL when ignored
        priority VARCHAR IN PRIORITIES -- urgent, high, normal or low; NULL when ignored
        sla_due_at TIMESTAMPTZ -- the decision's SLA deadline; NULL when ignored
        destination VARCHAR -- where the work is delivered; NULL when ignored
        delivery_status VARCHAR -- its delivery's status (pending, held, delivered, blocked,
            -- cancelled); NULL when ignored
        external_url VARCHAR PERSONAL -- link to the item it became; NULL until delivered
        policy_version VARCHAR -- the policy version that decided"""),
         ("source", "source_id"), personal=True),
    View("out__care_items", "delivered care item: team, source, posted, delivered, first "
         "response, resolved, rating, SLA breached", columns("""
        delivery_key VARCHAR -- core__deliveries
        destination VARCHAR -- where it was delivered
        external_id VARCHAR -- the desk item, ticket or topic id
        route VARCHAR -- the route now: a desk reassignment's, else the delivery's
        unit VARCHAR -- mention, cluster or case
        cluster_id VARCHAR -- the issue cluster; NULL when none
        team VARCHAR -- the team in the newest event that names one, else the delivery's
        priority VARCHAR IN PRIORITIES -- urgent, high, normal or low
        source VARCHAR -- the platform of its first mention: where the customer spoke; NULL
            -- when none is left
        posted_at TIMESTAMPTZ -- created_at of its first mention; NULL when none is left
        mentions BIGINT -- its mentions, deleted ones included; NULL when none is left
        week DATE -- the Monday of posted_at's UTC week
        delivered_at TIMESTAMPTZ -- when it was delivered (wall clock, UTC)
        first_response_at TIMESTAMPTZ -- the first `replied` event; NULL: no reply yet
        resolved_at TIMESTAMPTZ -- the first resolving event after the last reopening; NULL
            -- while open
        is_resolved BOOLEAN -- resolved now
        first_response_hours DOUBLE -- hours from posted_at to first_response_at, elapsed
            -- (nights and weekends included); NULL: no reply
        resolution_hours DOUBLE -- hours from posted_at to resolved_at, elapsed; NULL while
            -- open
        rating_score INTEGER -- `rating` as a number 1..5; NULL for good/bad or unrated
        rating VARCHAR -- the latest rating as given (1..5, good, bad): the customer's, else
            -- the agent's; NULL: unrated
        is_satisfied BOOLEAN -- `rating` is 4 or more, or good; NULL: unrated
        rating_by VARCHAR -- customer or agent: whose `rating` it is; NULL: unrated
        customer_rating VARCHAR -- the customer's own latest rating, as given; NULL: none
        is_satisfied_customer BOOLEAN -- customer_rating is 4 or more, or good; NULL: none
        agent_rating VARCHAR -- the latest rating an agent recorded, as given; NULL: none
        is_satisfied_agent BOOLEAN -- agent_rating is 4 or more, or good; NULL: none
        sla_due_at TIMESTAMPTZ -- the delivery's SLA deadline, on its team's clock
        is_sla_breached BOOLEAN -- resolved after sla_due_at, or open with sla_due_at before
            -- as_of; NULL: open, not due yet
        is_deleted_at_destination BOOLEAN -- the ticket or thread was deleted there; left
            -- out of every KPI
        as_of TIMESTAMPTZ -- when sync_outcomes last heard from its destination; NULL before
            -- the first sync"""), ("delivery_key",)),
    View("out__queue_latency", "routed mention that reached the queue its decision "
         "chose: seconds from the post to its decision and to its queue", columns("""
        source VARCHAR -- the mention's platform
        source_id VARCHAR PERSONAL -- the mention's id on its platform
        delivery_key VARCHAR -- core__deliveries: the work it joined
        destination VARCHAR -- where it was delivered (desk, a ticket system, a forum, a
            -- webhook)
        route VARCHAR -- community, contact_center or advocacy
        created_at TIMESTAMPTZ -- when it was posted, as the platform says
        decided_at TIMESTAMPTZ -- when routing decided it; NULL: decided before migration
            -- 0020
        queued_at TIMESTAMPTZ -- when it reached the destination (core__delivery_mentions);
            -- mentions queued before migration 0020 are not here
        to_decision_seconds DOUBLE -- decided_at - created_at, elapsed seconds; NULL with
            -- decided_at
        to_queue_seconds DOUBLE -- queued_at - created_at, elapsed seconds: post to queue"""),
         ("source", "source_id"), personal=True),
    View("out__queue_latency_hourly", "UTC hour the mentions reached their queue: how many, "
         "post-to-queue and post-to-decision p50/p95", columns("""
        hour TIMESTAMPTZ -- start of the UTC hour of queued_at
        mentions BIGINT -- mentions that reached their queue in the hour (out__queue_latency)
        to_queue_p50_seconds DOUBLE -- median seconds from post to queue (interpolated)
        to_queue_p95_seconds DOUBLE -- 95th percentile of the same (interpolated)
        to_queue_max_seconds DOUBLE -- the longest wait of the hour
        to_decision_p50_seconds DOUBLE -- median seconds from post to routing decision;
            -- NULL when none of the hour's decisions has a decided_at
        to_decision_p95_seconds DOUBLE -- 95th percentile of the same"""), ("hour",)),
    View("out__care_kpis", "team, source, week (`grain` says which): resolution rate and "
         "hours (median, p90), first response, CSAT, SLA breach rate", columns("""
        grain VARCHAR -- the grouping: all, team, source, week, team_source, team_week,
            -- source_week or team_source_week
        team VARCHAR -- the team; NULL when grain leaves it out
        source VARCHAR -- the platform; NULL when grain leaves it out
        week DATE -- Monday of the UTC week; NULL when grain leaves it out
        items BIGINT -- care items (deleted at their destination excepted)
        resolved BIGINT -- of them, resolved now
        resolution_rate DOUBLE -- resolved / items, 0..1
        resolution_hours_median DOUBLE -- median resolution_hours of the resolved items
        resolution_hours_p90 DOUBLE -- 90th percentile (interpolated) of resolution_hours
        responded BIGINT -- items with a first response
        first_response_hours_median DOUBLE -- median first_response_hours of them
        first_response_hours_p90 DOUBLE -- 90th percentile (interpolated) of
            -- first_response_hours
        ratings BIGINT -- rated items (customer's or agent's rating)
        avg_rating DOUBLE -- mean numeric rating 1..5 (good/bad ratings left out); NULL:
            -- none
        csat DOUBLE -- share of rated items satisfied (the customer's rating, else the
            -- agent's), 0..1; NULL: none rated
        customer_ratings BIGINT -- items the customer rated
        customer_csat DOUBLE -- share of those satisfied, 0..1; NULL: none
        agent_ratings BIGINT -- items an agent recorded a rating for
        agent_csat DOUBLE -- share of those satisfied, 0..1; NULL: none
        sla_breached BIGINT -- items that breached their SLA
        sla_met BIGINT -- items resolved within, or open and not past, their SLA at as_of
        sla_breach_rate DOUBLE -- sla_breached / (sla_breached + sla_met), 0..1; NULL when
            -- both are 0
        as_of TIMESTAMPTZ -- the newest as_of of the items: when outcomes were last
            -- synced"""), ("grain", "team", "source", "week")),
    View("out__helper_ranking", "helper: the community members whose answers were accepted "
         "or rated, ranked as expert routing offers questions", columns("""
        helper VARCHAR PERSONAL -- the accepted answer's author, labelled as expert routing
            -- labels a forums superfan: "<username> (forums)"
        answers_accepted BIGINT -- their answers accepted in the brand's community (each
            -- post once)
        ratings BIGINT -- customers' ratings of their answers: the latest rating of each
            -- answer offer that carried one to an author who asked
        mean_rating DOUBLE -- the mean of those ratings, 1..5; NULL: none yet
        score DOUBLE -- mean_rating shrunk toward prior_mean: (3 * prior_mean + sum of
            -- ratings) / (3 + ratings); prior_mean when none
        prior_mean DOUBLE -- the mean of every rated answer, 3 while none is rated: what a
            -- helper with few ratings is taken to be
        rank BIGINT -- 1 = helped best: by score, then answers_accepted, then helper
        why VARCHAR -- the rank in words, as routing gives it: 4 accepted, rated 4.6 by 5"""),
         ("helper",),
         personal=True),
    View("out__volume_sentiment_daily", "day, source and topic: mentions, negative, "
         "positive, not scored, mean sentiment of the scored", columns("""
        grain VARCHAR -- source (each mention once, topic NULL) or topic (once per topic)
        day DATE -- the UTC day of created_at
        source VARCHAR -- the platform
        topic VARCHAR -- the topic (`other` when none); NULL when grain is source
        mentions BIGINT -- own brands' mentions posted that day (deleted ones excepted)
        negative BIGINT -- of them, with sentiment negative
        neutral BIGINT -- of them, with sentiment neutral
        positive BIGINT -- of them, with sentiment positive
        not_scored BIGINT -- of them, not scored: in a language no configured sentiment
            -- model is made for (the rest, mentions not yet enriched, have no sentiment)
        avg_sentiment_score DOUBLE -- the mean sentiment_score of the scored ones, -1..1;
            -- NULL: none scored"""), ("grain", "day", "source", "topic")),
    View("out__share_of_voice", "week and brand: mentions and share", columns("""
        week DATE -- Monday of the UTC week of created_at
        brand VARCHAR -- a configured brand
        is_competitor BOOLEAN -- the brand is a configured competitor
        mentions BIGINT -- mentions naming it that week (deleted ones excepted)
        share_of_voice DOUBLE -- mentions over all brands' mentions that week, 0..1
        avg_sentiment_score DOUBLE -- the mean sentiment_score of the scored ones, -1..1;
            -- NULL: none scored"""), ("week", "brand")),
    View("out__open_clusters", "issue cluster with a care item still open: size, authors, "
         "sources, teams", columns("""
        cluster_id VARCHAR -- the issue cluster
        size BIGINT -- its mentions (deleted ones excepted)
        authors BIGINT -- distinct (source, author_id) among them
        founder_text VARCHAR PERSONAL -- the text of its first mention
        sources VARCHAR[] -- the platforms its mentions came from, sorted
        first_mention_at TIMESTAMPTZ -- created_at of its first mention
        last_mention_at TIMESTAMPTZ -- created_at of its newest mention
        avg_sentiment DOUBLE -- mean sentiment_score of its scored mentions, -1..1; NULL:
            -- none scored
        main_intent VARCHAR -- the commonest intent among its mentions (the first by name on a tie)
        items BIGINT -- its delivered care items (deleted at their destination excepted)
        open_items BIGINT -- of them, not resolved; at least 1
        next_sla_due_at TIMESTAMPTZ -- the soonest sla_due_at of the open ones
        teams VARCHAR[] -- the teams holding its items, sorted"""), ("cluster_id",),
         personal=True),
    View("out__alerts", "alert with where it was sent and whether that worked", columns("""
        hour_start TIMESTAMPTZ -- the UTC hour that rose: [hour_start, +1 hour)
        metric VARCHAR -- mentions, or negative (negative and relevant mentions)
        brand VARCHAR -- the brand of the series
        source VARCHAR -- the source, or * for all sources together
        topic VARCHAR -- the topic, or * for all topics together
        count BIGINT -- the metric's mentions in that hour
        baseline_median DOUBLE -- median count of the same hour of the week, weeks before
        baseline_mad DOUBLE -- median absolute deviation of those counts x 1.4826
        score DOUBLE -- (count - median) / spread
        explanation VARCHAR -- what rose, against what, and the top issues
        top_clusters JSON -- [{cluster_id, mentions, size, founder_text, examples}], largest
            -- first
        alert_id VARCHAR -- core__alerts
        detected_for TIMESTAMPTZ -- the time of the alerts run that found it first
        notified VARCHAR[] -- `destination: status` per recipient; [NULL] when it has none
        last_error VARCHAR -- an error of a recipient not yet sent to; NULL when none"""),
         ("alert_id",)),
    View("out__quality_last", "quality suite: its last run's result", columns("""
        suite VARCHAR -- the quality suite
        run_id VARCHAR -- its newest run (by validated_at)
        validated_at TIMESTAMPTZ -- when that run judged
        success BOOLEAN -- every expectation held
        rows_checked BIGINT -- rows judged
        batches_checked BIGINT -- landing batches those rows came from
        evaluated_expectations INTEGER -- expectations evaluated
        unsuccessful_expectations INTEGER -- expectations that failed
        batches_held BIGINT -- batches it held back from routing
        rows_quarantined BIGINT -- raw__quarantine rows it wrote
        failed_expectations VARCHAR[] -- `expectation_type(column)` of each failure, in
            -- order; empty when none"""), ("suite",)),
    View("out__quality_held", "batch held by a quality suite now", columns("""
        batch_id VARCHAR -- raw__landing_batches
        suite VARCHAR -- the suite that holds it
        run_id VARCHAR -- the run whose gate held it
        held_at TIMESTAMPTZ -- when that run judged it
        failures JSON -- [{expectation, unexpected_count, description}]"""),
         ("batch_id", "suite")),
    View("core__community_posts", "live post in a brand's own space, with its thread's "
         "opening post and its acceptance as the answer", columns("""
        space VARCHAR -- core__community_spaces
        source VARCHAR -- forums or reddit
        source_id VARCHAR PERSONAL -- the mention (core__mentions)
        author_id VARCHAR PERSONAL -- core__authors(source, author_id)
        thread_id VARCHAR PERSONAL -- the topic or submission it belongs to
        parent_id VARCHAR PERSONAL -- the post it replies to; NULL when none or unknown
        created_at TIMESTAMPTZ -- when it was posted
        week DATE -- Monday of the UTC week of created_at
        like_count BIGINT -- likes (Reddit score) when last fetched; NULL when not given
        post_number BIGINT -- forums: its number in the topic (1 opens it); NULL elsewhere
        is_opener BOOLEAN -- it opens its thread: Reddit's submission, Discourse's post 1
        by_staff BOOLEAN -- its author is staff: the brand's own account (tier brand) or a
            -- forum's staff, admin or moderator; everybody else is a customer
        opener_id VARCHAR PERSONAL -- the thread's opening post; NULL when not fetched
        opener_author_id VARCHAR PERSONAL -- that post's author
        opener_by_staff BOOLEAN -- that author is staff
        is_answer BOOLEAN -- a reply in a thread another customer opened (a question); NULL
            -- when the opening post is unknown
        accepted_at TIMESTAMPTZ -- when sync_outcomes first recorded it as the topic's
            -- accepted answer (core__events accepted_answer: the topic and post number);
            -- NULL: not accepted"""), ("source", "source_id"), exported=False, personal=True),
    View("out__community_questions", "question: a thread a customer opened in a brand's "
         "own space, its first replies and the answer that decided it", columns("""
        space VARCHAR -- core__community_spaces
        source VARCHAR -- forums or reddit
        question_id VARCHAR PERSONAL -- the opening post (core__mentions.source_id)
        thread_id VARCHAR PERSONAL -- the topic or submission
        asker_id VARCHAR PERSONAL -- its author (core__authors)
        asked_at TIMESTAMPTZ -- when it was posted
        week DATE -- Monday of the UTC week of asked_at
        first_reply_at TIMESTAMPTZ -- the first reply in the thread by anybody but the asker
            -- (staff or customer); NULL: none
        first_reply_hours DOUBLE -- hours from asked_at to first_reply_at, elapsed; NULL:
            -- no reply
        first_customer_reply_at TIMESTAMPTZ -- the first reply by a customer other than the
            -- asker; NULL: none
        first_customer_reply_hours DOUBLE -- hours from asked_at to it; NULL: none
        answer_id VARCHAR PERSONAL -- the answer that decided it: the accepted answer, else the
            -- first liked reply by somebody else; NULL: neither
        answer_kind VARCHAR -- accepted or liked; NULL: not answered
        answered_by VARCHAR -- customer or staff: who wrote answer_id; NULL: not answered
        accepted_at TIMESTAMPTZ -- when its accepted answer was recorded; NULL: none
        is_unanswered_24h BOOLEAN -- no reply by anybody else within 24 hours; NULL while
            -- those 24 hours are not over by as_of
        as_of TIMESTAMPTZ -- the newest last_seen_at of the space's posts: how far the data
            -- goes"""), ("source", "question_id"), personal=True),
    View("out__community_members", "customer, space and UTC week in which they posted "
         "there or had an answer accepted or recognised: counts and the phase they are in, "
         "with why",
         columns("""
        week DATE -- Monday of the UTC week
        space VARCHAR -- core__community_spaces
        source VARCHAR -- forums or reddit
        author_id VARCHAR PERSONAL -- core__authors(source, author_id): a customer (staff never)
        handle VARCHAR PERSONAL -- their user name; NULL when not known
        posts BIGINT -- their posts in the space that week (deleted ones excepted)
        replies BIGINT -- of them, replies (not opening a thread)
        answers BIGINT -- of them, replies in a question another customer opened
        answers_accepted BIGINT -- their answers accepted that week (by when the acceptance
            -- was recorded)
        answers_liked BIGINT -- their answers posted that week with at least one like
        answers_recognised BIGINT -- their posts recognised that week: carewire granted a
            -- badge for it or thanked its author under it (core__events badge_granted,
            -- thanked), each post once, in the week the first was recorded
        first_post_at TIMESTAMPTZ -- their first post in the space
        active_weeks_of_last_4 BIGINT -- weeks they posted in the space among this one and
            -- the 3 before, 0..4
        earlier_active_weeks BIGINT -- weeks before this one they posted in the space
        accepted_answers_to_date BIGINT -- their answers accepted up to this week, included
        tier VARCHAR IN TIERS -- their influence tier now (core__author_influence); NULL
            -- before influence is computed
        phase VARCHAR -- the first that holds: integrated (a superfan, or 2 or more answers
            -- accepted so far), delighted (an answer accepted or recognised this week, or an
            -- answer posted this week liked), bound (posted in 3 or more of the last 4 weeks), participating
            -- (posted this week and in an earlier week), attracted (their first week)
        phase_reason VARCHAR -- why that phase, with the numbers that put them there"""),
         ("week", "space", "source", "author_id"), personal=True),
    View("out__community_deflections", "person who received a community answer (accepted "
         "on their question, or sent to them) and whether they then opened a one-to-one case",
         columns("""
        space VARCHAR -- the space whose answer it was (core__community_spaces)
        source VARCHAR -- the platform of the person
        author_id VARCHAR PERSONAL -- core__authors(source, author_id): a customer
        received_as VARCHAR -- accepted (the answer to their own question in the space was
            -- accepted) or sent (an accepted answer offered to them, posted from the desk)
        answer_ref VARCHAR PERSONAL -- accepted: the answer's mention id; sent: the answer offer's
            -- delivery_key
        received_at TIMESTAMPTZ -- accepted: when the acceptance was recorded; sent: the
            -- offer's first `replied` event
        week DATE -- Monday of the UTC week of received_at
        cluster_id VARCHAR -- the issue cluster of their question; NULL when not clustered
        opened_case BOOLEAN -- a mention of theirs posted within 7 days after received_at went
            -- to the contact center (routed or reassigned there) in the same cluster (any
            -- cluster when cluster_id is NULL)
        is_deflected BOOLEAN -- no such case: a contact saved (an estimate); NULL until 7 days
            -- have passed by as_of
        as_of TIMESTAMPTZ -- the newest last_seen_at of any mention"""),
         ("space", "source", "author_id", "received_as", "answer_ref"), personal=True),
    View("out__community_health", "UTC week and brand's space: members per phase, "
         "questions, responsiveness, customers' share of answers, contacts deflected",
         columns("""
        week DATE -- Monday of the UTC week
        space VARCHAR -- core__community_spaces
        members BIGINT -- customers in out__community_members that week
        members_attracted BIGINT -- of them, in phase attracted (each member in one phase)
        members_participating BIGINT -- of them, in phase participating
        members_bound BIGINT -- of them, in phase bound
        members_delighted BIGINT -- of them, in phase delighted
        members_integrated BIGINT -- of them, in phase integrated
        questions BIGINT -- threads customers opened that week (out__community_questions)
        questions_unanswered_24h BIGINT -- of them, with no reply by anybody else within 24
            -- hours (counted once those 24 hours are over)
        first_reply_hours_median DOUBLE -- median hours to the first reply by anybody else,
            -- of the questions with one; NULL: none
        first_customer_reply_hours_median DOUBLE -- median hours to the first reply by
            -- another customer, of the questions with one; NULL: none
        questions_answered BIGINT -- questions with an accepted answer or a liked reply
        answered_by_customers BIGINT -- of them, whose accepted (else first liked) answer a
            -- customer wrote
        answered_by_customers_share DOUBLE -- answered_by_customers / questions_answered,
            -- 0..1; NULL when none answered
        answers_received BIGINT -- distinct people a community answer reached that week
            -- (out__community_deflections)
        contacts_deflected BIGINT -- of them, those who opened no one-to-one case about the
            -- same issue within 7 days: an estimate, counted once the 7 days are over"""),
         ("week", "space")),
    View("out__rerun_changes", "rerun and table: rows added, changed, removed", columns("""
        rerun_id VARCHAR -- core__reruns
        label VARCHAR -- the backfill it belongs to; NULL when none
        window_start TIMESTAMPTZ -- start of the window done again
        window_end TIMESTAMPTZ -- end of the window (exclusive)
        table_name VARCHAR -- the warehouse table
        added BIGINT -- rows the rerun added
        changed BIGINT -- rows it changed
        removed BIGINT -- rows it removed"""), ("rerun_id", "table_name")),
)

TABLES: dict[str, Table] = {table.name: table for table in _TABLES}
VIEWS: dict[str, View] = {view.name: view for view in _VIEWS}


def registered(name: str) -> Table | View:
    """The table or view called `name`."""
    return TABLES.get(name) or VIEWS[name]


def exported() -> list[str]:
    """What is written to Parquet after each publish, by name."""
    return sorted(name for name, obj in {**TABLES, **VIEWS}.items() if obj.exported)


def _flags(obj: Table | View) -> list[str]:
    flags = [flag for flag, on in (("view", isinstance(obj, View)),
                                    ("personal data", obj.personal),
                                    ("exported", obj.exported)) if on]
    if isinstance(obj, Table) and obj.retention:
        flags.append("purged after `retention.raw_days`")
    return flags


def markdown() -> str:
    """The README's table of tables and views."""
    lines = ["| table or view | one row per | key | flags |", "|---|---|---|---|"]
    for obj in (*_TABLES, *_VIEWS):
        key = ", ".join(f"`{c}`" for c in obj.primary_key)
        lines.append(f"| `{obj.name}` | {obj.grain} | {key} | {', '.join(_flags(obj))} |")
    return "\n".join(lines)


def dictionary_markdown() -> str:
    """docs/dictionary.md: every table and view with every column, as `meta__columns` has
    them (`python -m carewire.warehouse.tables --columns` writes it)."""
    lines = ["# The data dictionary", "",
             "Generated from the registry (`warehouse/tables.py`) by `python -m "
             "carewire.warehouse.tables --columns > docs/dictionary.md`; the warehouse holds "
             "the same descriptions as COMMENTs and in `meta__columns`, and every Parquet "
             "export as field metadata. Days and weeks are UTC. Key columns are marked "
             "**key**, columns that hold personal data *personal*.", ""]
    for obj in (*_TABLES, *_VIEWS):
        lines += [f"## `{obj.name}`", "", f"One row per {obj.grain}. "
                  f"{'; '.join(_flags(obj)).capitalize() or 'Table'}.", "",
                  "| column | type | description |", "|---|---|---|"]
        for column in obj.columns:
            marks = [mark for mark, on in (("**key**", column.name in obj.primary_key),
                                           ("*personal*", column.personal)) if on]
            lines.append(f"| `{column.name}` | {column.type} | "
                         f"{' '.join([*marks, column.description])} |")
        lines.append("")
    return "\n".join(lines)


if __name__ == "__main__":
    import sys

    print(dictionary_markdown() if "--columns" in sys.argv[1:] else markdown())
