"""The four expectation suites, built in code from the settings and the clock.

Each expectation carries a `description` that says what its failure means and what to
do: it is the reason written beside every quarantined row and shown in the data docs.
Bounds that depend on the clock ("not in the future") are fixed when the suite is built,
so the stored result says which instant a timestamp was compared with.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from carewire.core.settings import QualitySettings
from carewire.connectors import CONNECTORS

SENTIMENTS = ["negative", "neutral", "positive"]
INTENTS = ["complaint", "feature_idea", "other", "praise", "question"]
ROUTES = ["advocacy", "community", "contact_center", "ignore"]
PRIORITIES = ["high", "low", "normal", "urgent"]
EARLIEST = datetime(2000, 1, 1, tzinfo=timezone.utc)
"""Older than any platform carewire reads: an earlier created_at is a parsing error."""


def _specs(name: str, now: datetime, settings: QualitySettings) -> list[tuple[str, dict]]:
    """(expectation class name, its arguments with a description) for suite `name`."""
    latest = now + settings.future_skew
    sources = sorted(CONNECTORS)
    future = (f"later than now ({now:%Y-%m-%d %H:%M} UTC) plus "
              f"{settings.future_skew}: a clock or a parser is wrong")
    if name == "landing_raw":
        return [
            ("ExpectColumnValuesToBeInSet", dict(
                column="source", value_set=sources,
                description="a batch of a source carewire has no connector for")),
            ("ExpectColumnPairValuesAToBeGreaterThanB", dict(
                column_A="newest_interval_end", column_B="fresh_after", or_equal=True,
                description="the stream has landed nothing for longer than "
                f"quality.freshness_max_age ({settings.freshness_max_age}) before this run's "
                "newest interval: its ingest DAG has stopped; look at ingest_<source> in "
                "Airflow")),
            ("ExpectColumnPairValuesAToBeGreaterThanB", dict(
                column_A="items", column_B="volume_floor", or_equal=True,
                ignore_row_if="either_value_is_missing",
                description="a steady stream (items in at least "
                f"{settings.volume_steady_share:.0%} of its last "
                f"{settings.volume_history} of intervals) delivered nothing: a changed "
                "feed, a lost permission or a broken mapping, not a quiet day; open the "
                "batch's pages in raw__pages")),
            ("ExpectColumnPairValuesToBeEqual", dict(
                column_A="pages_stored", column_B="pages_landed",
                ignore_row_if="either_value_is_missing",
                description="raw__pages does not hold every page of the landed batch: "
                "reload it (`carewire rerun --since START --until END --reload`)")),
            ("ExpectColumnPairValuesToBeEqual", dict(
                column_A="items_stored", column_B="items",
                ignore_row_if="either_value_is_missing",
                description="raw__items does not hold every item the batch parsed to: "
                "reload it (`carewire rerun --since START --until END --reload`)")),
            ("ExpectColumnValuesToBeBetween", dict(
                column="interval_end", max_value=latest,
                description=f"a batch's interval ends {future}")),
            ("ExpectColumnValuesToBeInSet", dict(
                column="intervals_ordered", value_set=[True],
                description="a batch's interval ends before it starts")),
        ]
    if name == "raw_core_mentions":
        return [
            *[("ExpectColumnValuesToNotBeNull", dict(
                column=column, description=f"a mention without {column}: it cannot be keyed "
                "or placed; fix the connector's mapping, then reload"))
              for column in ("batch_id", "source", "source_id", "stream", "created_at")],
            ("ExpectCompoundColumnsToBeUnique", dict(
                column_list=["batch_id", "source", "source_id"],
                description="one mention twice in one batch")),
            ("ExpectColumnValuesToBeInSet", dict(
                column="source", value_set=sources,
                description="a mention of a source carewire has no connector for")),
            ("ExpectColumnValuesToBeBetween", dict(
                column="created_at", min_value=EARLIEST, max_value=latest,
                description=f"a mention created before {EARLIEST:%Y} or {future}")),
            ("ExpectColumnValuesToBeBetween", dict(
                column="text_chars", min_value=1,
                description="a mention (not deleted) without text: nothing to enrich or "
                "answer; fix the mapping, then reload")),
            *[("ExpectColumnValuesToBeBetween", dict(
                column=column, min_value=0,
                description=f"a negative {column}: the platform's field was misread"))
              for column in ("reply_count", "share_count")],
            ("ExpectColumnPairValuesAToBeGreaterThanB", dict(
                column_A="last_seen_at", column_B="first_seen_at", or_equal=True,
                description="a mention last seen before it was first seen: the upsert "
                "went wrong")),
            ("ExpectColumnValuesToBeInTypeList", dict(
                column="is_deleted", type_list=["bool", "boolean"],
                description="is_deleted is not a boolean")),
        ]
    if name == "enrichments":
        return [
            *[("ExpectColumnValuesToNotBeNull", dict(
                column=column, description=f"an enrichment without {column}"))
              for column in ("language", "sentiment", "intent", "relevant", "models_version",
                             "enriched_for", "embedding_dims")],
            ("ExpectCompoundColumnsToBeUnique", dict(
                column_list=["source", "source_id"], description="a mention enriched twice")),
            ("ExpectColumnValuesToBeInSet", dict(
                column="sentiment", value_set=SENTIMENTS,
                description="a sentiment label outside negative/neutral/positive: map the "
                "model's labels with enrichment.sentiment_labels")),
            ("ExpectColumnValuesToBeInSet", dict(
                column="intent", value_set=INTENTS, description="an unknown intent label")),
            ("ExpectColumnValuesToMatchRegex", dict(
                column="language", regex=r"^(?:[a-z]{2,3}|und)$",
                description="a language that is not an ISO 639 code or 'und'")),
            *[("ExpectColumnValuesToBeBetween", dict(
                column=column, min_value=low, max_value=1,
                description=f"{column} outside [{low}, 1]: the model or its head is broken; "
                "re-enrich after the fix (`carewire enrich --since`)"))
              for column, low in (("sentiment_score", -1), ("sentiment_confidence", 0),
                                  ("language_confidence", 0), ("relevance_score", 0))],
            ("ExpectColumnValuesToBeInTypeList", dict(
                column="sentiment_score", type_list=["float64", "float32"],
                description="sentiment_score is not a number")),
            ("ExpectColumnValuesToBeBetween", dict(
                column="enriched_for", max_value=latest,
                description=f"enriched for an interval ending {future}")),
            ("ExpectColumnValuesToBeBetween", dict(
                column="embedding_dims", min_value=1,
                description="an empty embedding: dedupe and expert routing need it")),
            ("ExpectColumnValuesToBeInSet", dict(
                column="in_cluster", value_set=[True],
                description="an enriched mention in no issue cluster")),
        ]
    if name == "routing_decisions":
        return [
            *[("ExpectColumnValuesToNotBeNull", dict(
                column=column, description=f"a decision without {column}: it cannot be "
                "explained"))
              for column in ("route", "rule_id", "policy_version", "decided_for")],
            ("ExpectCompoundColumnsToBeUnique", dict(
                column_list=["source", "source_id"], description="a mention decided twice")),
            ("ExpectColumnValuesToBeInSet", dict(
                column="route", value_set=ROUTES, description="an unknown route")),
            ("ExpectColumnValuesToBeInSet", dict(
                column="priority", value_set=PRIORITIES, description="an unknown priority")),
            ("ExpectColumnValuesToBeBetween", dict(
                column="decided_for", max_value=latest,
                description=f"decided for an interval ending {future}")),
            ("ExpectColumnPairValuesToBeEqual", dict(
                column_A="has_delivery", column_B="is_routed",
                description="routed work without a delivery, or ignored work with one")),
            ("ExpectColumnPairValuesToBeEqual", dict(
                column_A="delivery_planned", column_B="has_delivery",
                description="a decision names a delivery that was not planned")),
            ("ExpectColumnPairValuesAToBeGreaterThanB", dict(
                column_A="sla_due_at", column_B="created_at", or_equal=True,
                ignore_row_if="either_value_is_missing",
                description="an SLA due before the customer spoke: the rule's SLA is "
                "negative")),
        ]
    raise KeyError(name)


def build(name: str, now: datetime, settings: QualitySettings) -> Any:
    """The great-expectations ExpectationSuite `name`, with clock bounds from `now`."""
    import great_expectations as gx
    import great_expectations.expectations as gxe

    return gx.ExpectationSuite(name=name, expectations=[
        getattr(gxe, kind)(**kwargs) for kind, kwargs in _specs(name, now, settings)])
