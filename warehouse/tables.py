"""Every table and view of the warehouse, defined once (PUDL's metadata module, in small).

The migrations in warehouse/migrations/ create the schema; this registry says what each
object is: its columns and types as the migrations leave them, its key, what one row is,
and how carewire treats it:

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

from dataclasses import dataclass, field

from carewire.core.labels import INTENTS, PRIORITIES, ROUTES, SENTIMENTS, TIERS

VOCABULARIES = {"SENTIMENTS": SENTIMENTS, "INTENTS": INTENTS, "ROUTES": ROUTES,
                "PRIORITIES": PRIORITIES, "TIERS": TIERS}


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    required: bool = False
    values: tuple[str, ...] | None = None
    """The vocabulary (carewire.core.labels) its values come from, where it has one."""


@dataclass(frozen=True)
class Table:
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
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def required(self) -> list[str]:
        return [c.name for c in self.columns if c.required]

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


@dataclass(frozen=True)
class View:
    name: str
    grain: str
    exported: bool = True
    personal: bool = False
    primary_key: tuple[str, ...] = field(default=())


def columns(spec: str) -> tuple[Column, ...]:
    """`name TYPE [NOT NULL] [IN VOCABULARY]`, one column a line, as the DDL reads."""
    found = []
    for line in spec.strip().splitlines():
        words = line.split()
        vocabulary = words[words.index("IN") + 1] if "IN" in words else None
        found.append(Column(words[0], words[1], required="NOT" in words,
                            values=VOCABULARIES[vocabulary] if vocabulary else None))
    return tuple(found)


_TABLES = (
    Table("_carewire_migrations", "migration applied, with its checksum", columns("""
        version INTEGER NOT NULL
        name VARCHAR NOT NULL
        checksum VARCHAR NOT NULL
        applied_at TIMESTAMPTZ NOT NULL"""), ("version",), diffed=False),
    Table("raw__landing_batches", "landed batch: interval, file, checksum, counts", columns("""
        batch_id VARCHAR NOT NULL
        source VARCHAR NOT NULL
        stream VARCHAR NOT NULL
        interval_start TIMESTAMPTZ NOT NULL
        interval_end TIMESTAMPTZ NOT NULL
        path VARCHAR NOT NULL
        sha256 VARCHAR NOT NULL
        page_count INTEGER NOT NULL
        item_count INTEGER NOT NULL
        reject_count INTEGER NOT NULL"""), ("batch_id",)),
    Table("raw__pages", "HTTP response as landed (status, headers, body bytes)", columns("""
        batch_id VARCHAR NOT NULL
        seq INTEGER NOT NULL
        source VARCHAR NOT NULL
        stream VARCHAR NOT NULL
        url VARCHAR NOT NULL
        status INTEGER NOT NULL
        headers JSON NOT NULL
        body BLOB NOT NULL"""), ("batch_id", "seq"), personal=True, retention="raw"),
    Table("raw__items", "the platform's own record behind each mention, per batch (JSON)",
          columns("""
        batch_id VARCHAR NOT NULL
        source VARCHAR NOT NULL
        stream VARCHAR NOT NULL
        source_id VARCHAR NOT NULL
        payload JSON NOT NULL"""), ("batch_id", "source_id"), personal=True, retention="raw"),
    Table("raw__quarantine", "record that could not be used: `reason`, `stage`, original "
          "`payload` bytes", columns("""
        quarantine_id VARCHAR NOT NULL
        batch_id VARCHAR NOT NULL
        source VARCHAR NOT NULL
        stream VARCHAR NOT NULL
        stage VARCHAR NOT NULL
        item_ref VARCHAR NOT NULL
        reason VARCHAR NOT NULL
        payload BLOB NOT NULL
        seen_at TIMESTAMPTZ NOT NULL"""), ("quarantine_id",), personal=True, retention="raw"),
    Table("core__authors", "author per platform, with platform metrics", columns("""
        source VARCHAR NOT NULL
        author_id VARCHAR NOT NULL
        handle VARCHAR
        display_name VARCHAR
        profile_url VARCHAR
        followers_count BIGINT
        following_count BIGINT
        post_count BIGINT
        karma BIGINT
        is_verified BOOLEAN
        account_created_at TIMESTAMPTZ
        first_seen_at TIMESTAMPTZ NOT NULL
        last_seen_at TIMESTAMPTZ NOT NULL"""), ("source", "author_id"), personal=True,
          exported=True),
    Table("core__mentions", "post, article, forum reply (title, text, url, author, "
          "created_at, categories, engagement)", columns("""
        source VARCHAR NOT NULL
        source_id VARCHAR NOT NULL
        stream VARCHAR NOT NULL
        url VARCHAR
        title VARCHAR
        text VARCHAR NOT NULL
        author_id VARCHAR
        language VARCHAR
        created_at TIMESTAMPTZ NOT NULL
        categories VARCHAR[] NOT NULL
        thread_id VARCHAR
        parent_id VARCHAR
        reply_count BIGINT
        like_count BIGINT
        share_count BIGINT
        is_deleted BOOLEAN NOT NULL
        batch_id VARCHAR NOT NULL
        first_seen_at TIMESTAMPTZ NOT NULL
        last_seen_at TIMESTAMPTZ NOT NULL"""), ("source", "source_id"), personal=True,
          exported=True),
    Table("core__enrichments", "mention: sentiment and score, language, relevant, intent, "
          "whether it needs a private channel, each with its reason; the models that made it", columns("""
        source VARCHAR NOT NULL
        source_id VARCHAR NOT NULL
        text_sha VARCHAR NOT NULL
        language VARCHAR NOT NULL
        language_confidence DOUBLE NOT NULL
        language_source VARCHAR NOT NULL
        sentiment VARCHAR NOT NULL IN SENTIMENTS
        sentiment_score DOUBLE NOT NULL
        sentiment_confidence DOUBLE NOT NULL
        relevant BOOLEAN NOT NULL
        relevance_score DOUBLE NOT NULL
        relevance_reason VARCHAR NOT NULL
        intent VARCHAR NOT NULL IN INTENTS
        intent_reason VARCHAR NOT NULL
        models JSON NOT NULL
        models_version VARCHAR NOT NULL
        enriched_for TIMESTAMPTZ NOT NULL
        private_score DOUBLE
        private_reason VARCHAR"""), ("source", "source_id"), personal=True,
          exported=True),
    Table("core__embeddings", "mention: its sentence embedding (not exported to Parquet)",
          columns("""
        source VARCHAR NOT NULL
        source_id VARCHAR NOT NULL
        encoder_version VARCHAR NOT NULL
        embedding FLOAT[] NOT NULL"""), ("source", "source_id"), personal=True),
    Table("core__cluster_members", "mention: its issue cluster, how it joined (founder, "
          "duplicate, similar) and the scores", columns("""
        source VARCHAR NOT NULL
        source_id VARCHAR NOT NULL
        cluster_id VARCHAR NOT NULL
        joined_by VARCHAR NOT NULL
        similarity DOUBLE
        pair_score DOUBLE
        encoder_version VARCHAR NOT NULL"""), ("source", "source_id"), personal=True,
          exported=True),
    Table("core__mention_former_ids", "mention whose key changed form (a feed entry, once "
          "keyed by its guid alone): the id it had, which its delivery keys and cluster id "
          "were made from", columns("""
        source VARCHAR NOT NULL
        source_id VARCHAR NOT NULL
        former_source_id VARCHAR NOT NULL"""), ("source", "source_id"), personal=True),
    Table("core__author_influence", "author: reach, engagement, history, helpful replies, "
          "score, tier and why", columns("""
        source VARCHAR NOT NULL
        author_id VARCHAR NOT NULL
        handle VARCHAR
        reach BIGINT
        reach_pct DOUBLE
        mentions BIGINT NOT NULL
        engagement_per_mention DOUBLE NOT NULL
        engagement_pct DOUBLE NOT NULL
        history_pct DOUBLE NOT NULL
        avg_sentiment DOUBLE
        helpful_replies BIGINT NOT NULL
        score DOUBLE NOT NULL
        tier VARCHAR NOT NULL IN TIERS
        tier_reason VARCHAR NOT NULL"""), ("source", "author_id"), personal=True,
          exported=True),
    Table("core__routing_decisions", "mention: route, rule, reason, evidence (values and "
          "thresholds), team, priority, SLA due, policy version", columns("""
        source VARCHAR NOT NULL
        source_id VARCHAR NOT NULL
        route VARCHAR NOT NULL IN ROUTES
        rule_id VARCHAR NOT NULL
        reason VARCHAR NOT NULL
        evidence JSON NOT NULL
        experts VARCHAR[] NOT NULL
        team VARCHAR
        priority VARCHAR IN PRIORITIES
        sla_due_at TIMESTAMPTZ
        destination VARCHAR
        delivery_key VARCHAR
        policy_version VARCHAR NOT NULL
        decided_for TIMESTAMPTZ NOT NULL"""), ("source", "source_id"), personal=True,
          exported=True),
    Table("core__deliveries", "unit of work for a destination: status, attempts, last "
          "error, the ticket/topic/item it became", columns("""
        delivery_key VARCHAR NOT NULL
        destination VARCHAR NOT NULL
        route VARCHAR NOT NULL
        unit VARCHAR NOT NULL
        cluster_id VARCHAR
        team VARCHAR NOT NULL
        priority VARCHAR NOT NULL IN PRIORITIES
        sla_due_at TIMESTAMPTZ NOT NULL
        rule_id VARCHAR NOT NULL
        reason VARCHAR NOT NULL
        experts VARCHAR[] NOT NULL
        body_note VARCHAR
        status VARCHAR NOT NULL
        attempts INTEGER NOT NULL
        next_attempt_at TIMESTAMPTZ
        last_error VARCHAR
        external_id VARCHAR
        external_url VARCHAR
        created_for TIMESTAMPTZ NOT NULL
        delivered_at TIMESTAMPTZ"""), ("delivery_key",), personal=True, exported=True),
    Table("core__delivery_mentions", "mention in a delivery (a cluster's delivery has many)",
          columns("""
        delivery_key VARCHAR NOT NULL
        source VARCHAR NOT NULL
        source_id VARCHAR NOT NULL
        added_for TIMESTAMPTZ NOT NULL"""), ("delivery_key", "source", "source_id"),
          personal=True, exported=True),
    Table("core__events", "delivery or outcome (delivered, retry, blocked, escalated, "
          "claimed, replied, resolved, rated, accepted_answer, ...), append-only", columns("""
        event_id VARCHAR NOT NULL
        occurred_at TIMESTAMPTZ NOT NULL
        kind VARCHAR NOT NULL
        delivery_key VARCHAR
        destination VARCHAR
        external_id VARCHAR
        actor VARCHAR
        data JSON NOT NULL
        recorded_at TIMESTAMPTZ NOT NULL"""), ("event_id",), personal=True, exported=True),
    Table("core__mention_tags", "mention, brand and topic it names (competitors flagged; "
          "`other` when no topic)", columns("""
        source VARCHAR NOT NULL
        source_id VARCHAR NOT NULL
        brand VARCHAR NOT NULL
        is_competitor BOOLEAN NOT NULL
        topic VARCHAR NOT NULL"""), ("source", "source_id", "brand", "topic"), personal=True,
          exported=True),
    Table("core__alerts", "spike: metric, brand, source, topic, hour, count against "
          "baseline, explanation, top clusters", columns("""
        alert_id VARCHAR NOT NULL
        metric VARCHAR NOT NULL
        brand VARCHAR NOT NULL
        source VARCHAR NOT NULL
        topic VARCHAR NOT NULL
        hour_start TIMESTAMPTZ NOT NULL
        count BIGINT NOT NULL
        baseline_median DOUBLE NOT NULL
        baseline_mad DOUBLE NOT NULL
        baseline_weeks INTEGER NOT NULL
        baseline_spread DOUBLE NOT NULL
        threshold DOUBLE NOT NULL
        score DOUBLE NOT NULL
        explanation VARCHAR NOT NULL
        top_clusters JSON NOT NULL
        examples JSON NOT NULL
        detected_for TIMESTAMPTZ NOT NULL"""), ("alert_id",), personal=True, exported=True),
    Table("core__alert_notifications", "alert and recipient (the desk, a webhook): sent, "
          "pending or failed", columns("""
        alert_id VARCHAR NOT NULL
        destination VARCHAR NOT NULL
        status VARCHAR NOT NULL
        attempts INTEGER NOT NULL
        last_error VARCHAR
        sent_at TIMESTAMPTZ"""), ("alert_id", "destination"), exported=True),
    Table("quality__results", "quality suite run: success, counts, the great-expectations "
          "result", columns("""
        run_id VARCHAR NOT NULL
        suite VARCHAR NOT NULL
        validated_at TIMESTAMPTZ NOT NULL
        success BOOLEAN NOT NULL
        rows_checked BIGINT NOT NULL
        batches_checked BIGINT NOT NULL
        evaluated_expectations INTEGER NOT NULL
        unsuccessful_expectations INTEGER NOT NULL
        batches_held BIGINT NOT NULL
        rows_quarantined BIGINT NOT NULL
        statistics JSON NOT NULL
        result JSON NOT NULL"""), ("run_id", "suite"), diffed=False),
    Table("quality__failures", "failed expectation of a suite run, with the batches it "
          "held", columns("""
        run_id VARCHAR NOT NULL
        suite VARCHAR NOT NULL
        seq INTEGER NOT NULL
        expectation_type VARCHAR NOT NULL
        column_name VARCHAR
        kwargs JSON NOT NULL
        observed_value VARCHAR
        unexpected_count BIGINT
        batch_ids VARCHAR[] NOT NULL
        item_refs VARCHAR[] NOT NULL"""), ("run_id", "suite", "seq"), diffed=False),
    Table("quality__held_batches", "batch a suite holds back from routing, until it passes "
          "or is released", columns("""
        batch_id VARCHAR NOT NULL
        suite VARCHAR NOT NULL
        run_id VARCHAR NOT NULL
        held_at TIMESTAMPTZ NOT NULL
        failures JSON NOT NULL
        item_refs VARCHAR[] NOT NULL
        released_at TIMESTAMPTZ
        released_by VARCHAR
        note VARCHAR"""), ("batch_id", "suite"), personal=True),
    Table("quality__checked", "unit (batch or mention) a suite judged, in which version",
          columns("""
        suite VARCHAR NOT NULL
        unit VARCHAR NOT NULL
        fingerprint VARCHAR NOT NULL
        run_id VARCHAR NOT NULL"""), ("suite", "unit"), personal=True, diffed=False),
    Table("core__reruns", "rerun or backfill step: window, modes, counts", columns("""
        rerun_id VARCHAR NOT NULL
        label VARCHAR
        window_start TIMESTAMPTZ NOT NULL
        window_end TIMESTAMPTZ NOT NULL
        reload BOOLEAN NOT NULL
        reenrich VARCHAR NOT NULL
        reroute VARCHAR NOT NULL
        ran_for TIMESTAMPTZ NOT NULL
        batches_reloaded INTEGER NOT NULL
        mentions_reenriched INTEGER NOT NULL
        decisions_compared INTEGER NOT NULL
        decisions_replaced INTEGER NOT NULL
        left_with_person INTEGER NOT NULL
        deliveries_cancelled INTEGER NOT NULL
        deliveries_planned INTEGER NOT NULL
        policy_version VARCHAR
        models VARCHAR"""), ("rerun_id",), exported=True, diffed=False),
    Table("core__rerun_row_changes", "row a rerun added, changed or removed (hashes only)",
          columns("""
        rerun_id VARCHAR NOT NULL
        table_name VARCHAR NOT NULL
        row_key UBIGINT NOT NULL
        change VARCHAR NOT NULL"""), ("rerun_id", "table_name", "row_key"), exported=True,
          diffed=False),
    Table("core__rerun_route_changes", "mention whose route a rerun changed or would change",
          columns("""
        rerun_id VARCHAR NOT NULL
        source VARCHAR NOT NULL
        source_id VARCHAR NOT NULL
        old_route VARCHAR IN ROUTES
        old_rule_id VARCHAR
        new_route VARCHAR NOT NULL IN ROUTES
        new_rule_id VARCHAR NOT NULL
        old_delivery_status VARCHAR
        action VARCHAR NOT NULL"""), ("rerun_id", "source", "source_id"), personal=True,
          exported=True, diffed=False),
    Table("audit__erasures", "erasure request applied: what it removed where (the handle "
          "only as a keyed hash)", columns("""
        request_id VARCHAR NOT NULL
        kind VARCHAR NOT NULL
        source VARCHAR NOT NULL
        handle_hmac VARCHAR
        reason VARCHAR NOT NULL
        requested_at TIMESTAMPTZ NOT NULL
        completed_at TIMESTAMPTZ NOT NULL
        mentions INTEGER NOT NULL
        removed JSON NOT NULL"""), ("request_id",)),
    Table("audit__retention", "batch whose raw payloads retention purged", columns("""
        batch_id VARCHAR NOT NULL
        source VARCHAR NOT NULL
        stream VARCHAR NOT NULL
        interval_end TIMESTAMPTZ NOT NULL
        purged_at TIMESTAMPTZ NOT NULL
        raw_days INTEGER NOT NULL
        landing_file BOOLEAN NOT NULL
        pages INTEGER NOT NULL
        items INTEGER NOT NULL
        quarantine_payloads INTEGER NOT NULL"""), ("batch_id",)),
)

_VIEWS = (
    View("out__mention_volume_daily", "source, stream and day: mentions and authors"),
    View("out__quarantine_summary", "source, stream and reason: records, last seen"),
    View("core__issue_clusters", "issue cluster: size, authors, first and last mention, "
         "founder text, mean sentiment", personal=True),
    View("out__sentiment_daily", "source and day: mentions, relevant, negative/neutral/"
         "positive"),
    View("out__issue_clusters", "issue clusters with more than one mention, largest first",
         personal=True),
    View("out__top_authors", "influencers and superfans, by score", personal=True),
    View("out__routing_by_rule", "route, rule and policy version: mentions and items"),
    View("out__delivery_backlog", "destination and status: items waiting, oldest, last "
         "error"),
    View("out__routing_decisions", "decision with its mention's url and its delivery's "
         "status and link", personal=True),
    View("out__care_items", "delivered care item: team, source, posted, delivered, first "
         "response, resolved, rating, SLA breached"),
    View("out__care_kpis", "team, source, week (`grain` says which): resolution rate and "
         "hours (median, p90), first response, CSAT, SLA breach rate"),
    View("out__volume_sentiment_daily", "day, source and topic: mentions, negative, "
         "positive, mean sentiment"),
    View("out__share_of_voice", "week and brand: mentions and share"),
    View("out__open_clusters", "issue cluster with a care item still open: size, authors, "
         "sources, teams", personal=True),
    View("out__alerts", "alert with where it was sent and whether that worked"),
    View("out__quality_last", "quality suite: its last run's result"),
    View("out__quality_held", "batch held by a quality suite now"),
    View("out__rerun_changes", "rerun and table: rows added, changed, removed"),
)

TABLES: dict[str, Table] = {table.name: table for table in _TABLES}
VIEWS: dict[str, View] = {view.name: view for view in _VIEWS}


def exported() -> list[str]:
    """What is written to Parquet after each publish, by name."""
    return sorted(name for name, obj in {**TABLES, **VIEWS}.items() if obj.exported)


def markdown() -> str:
    """The README's table of tables."""
    lines = ["| table | one row per | key | flags |", "|---|---|---|---|"]
    for obj in (*_TABLES, *_VIEWS):
        key = ", ".join(f"`{c}`" for c in obj.primary_key) if isinstance(obj, Table) else "view"
        flags = [flag for flag, on in (("personal data", obj.personal),
                                        ("exported", obj.exported)) if on]
        if isinstance(obj, Table) and obj.retention:
            flags.append("purged after `retention.raw_days`")
        lines.append(f"| `{obj.name}` | {obj.grain} | {key} | {', '.join(flags)} |")
    return "\n".join(lines)


if __name__ == "__main__":
    print(markdown())
