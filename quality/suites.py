"""The four expectation suites, built in code from the settings, the clock and the
warehouse registry.

Each expectation carries a `description` that says what its failure means and what to
do: it is the reason written beside every quarantined row and shown in the data docs.
Bounds that depend on the clock ("not in the future") are fixed when the suite is built,
so the stored result says which instant a timestamp was compared with. What a table says
of its own columns (required, unique by key, drawn from a vocabulary) comes from
warehouse/tables.py, for every such column the suite's frame carries (quality/frames.py);
the rest (ranges, pairs, derived values) is written here.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from carewire.connectors import CONNECTORS
from carewire.core.labels import LANGUAGE_CODE
from carewire.core.settings import QualitySettings
from carewire.quality.frames import CHECKED
from carewire.warehouse.load import EARLIEST
from carewire.warehouse.tables import TABLES

SUBJECT = {"raw_core_mentions": "core__mentions", "enrichments": "core__enrichments",
           "routing_decisions": "core__routing_decisions"}
"""The table each row-level suite judges (landing_raw judges streams, not a table)."""


def _registered(name: str, missing: str, twice: str, *, per_batch: bool = False,
                hints: dict[str, str] | None = None) -> list[tuple[str, dict]]:
    """Not null for every required column of the suite's table that its frame carries,
    unique by the table's key (within a batch, for a suite judged batch by batch), in its
    vocabulary for every column that has one (with `hints[column]`, what to do)."""
    hints = hints or {}
    table = TABLES[SUBJECT[name]]
    checked = CHECKED[name]
    key = ["batch_id", *table.primary_key] if per_batch else list(table.primary_key)
    return [
        *[("ExpectColumnValuesToNotBeNull", dict(
            column=column, description=missing.format(column=column)))
          for column in table.required if column in checked],
        ("ExpectCompoundColumnsToBeUnique", dict(column_list=key, description=twice)),
        *[("ExpectColumnValuesToBeInSet", dict(
            column=column.name, value_set=sorted(column.values),
            description=f"a {column.name} outside {'/'.join(column.values)}"
            + (f": {hints[column.name]}" if column.name in hints else "")))
          for column in table.columns if column.values and column.name in checked],
    ]


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
            *_registered(name, "a mention without {column}: it cannot be keyed or placed; "
                         "fix the connector's mapping, then reload",
                         "one mention twice in one batch", per_batch=True),
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
            *_registered(name, "an enrichment without {column}", "a mention enriched twice",
                         hints={"sentiment": "map the model's labels with "
                                             "enrichment.sentiment_labels"}),
            ("ExpectColumnValuesToNotBeNull", dict(
                column="embedding_dims", description="an enrichment without an embedding")),
            ("ExpectColumnValuesToMatchRegex", dict(
                column="language", regex=LANGUAGE_CODE,
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
            *[("ExpectColumnPairValuesToBeEqual", dict(
                column_A="is_scored", column_B=f"has_{column}",
                description=f"a scored sentiment without a {column}, or a not_scored one "
                "with one: a mention not scored must never be averaged"))
              for column in ("sentiment_score", "sentiment_confidence")],
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
            *_registered(name, "a decision without {column}: it cannot be explained",
                         "a mention decided twice"),
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
