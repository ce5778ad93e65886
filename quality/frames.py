"""What each suite judges: one pandas frame of keys and checked values per suite, read from
the warehouse, for the rows this run touched only.

A row is "touched" when its suite has not judged it in its present version: a batch with a
new checksum, an enrichment with new text or models, a decision made again. The versions
judged are kept in quality__checked (the `ledger` of each frame), so a run that loaded,
enriched and decided nothing new judges nothing and writes nothing.

Frames carry keys, counts, scores and timestamps, never mention text or author handles:
results built from them can be stored and shown without exposing anyone (a mention's text
is judged by its length, `text_chars`).
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import pandas as pd

from carewire.core.settings import QualitySettings
from carewire.warehouse.db import registered


CHECKED = {
    "landing_raw": ["source", "newest_interval_end", "fresh_after", "interval_end",
                    "intervals_ordered", "items", "volume_floor", "pages_landed",
                    "pages_stored", "items_stored"],
    "raw_core_mentions": ["batch_id", "source", "source_id", "stream", "created_at",
                          "first_seen_at", "last_seen_at", "text_chars", "reply_count",
                          "share_count", "is_deleted"],
    "enrichments": ["source", "source_id", "language", "language_confidence", "sentiment",
                    "sentiment_score", "sentiment_confidence", "relevant", "relevance_score",
                    "intent", "models_version", "enriched_for", "embedding_dims",
                    "in_cluster", "is_scored", "has_sentiment_score",
                    "has_sentiment_confidence"],
    "routing_decisions": ["source", "source_id", "route", "rule_id", "team", "priority",
                          "destination", "policy_version", "decided_for", "created_at",
                          "sla_due_at", "is_routed", "has_delivery", "delivery_planned"],
}
"""The columns each suite's frame carries: the subject table's own (quality/suites.py
reads their not-null and value-set rules from warehouse/tables.py) and derived ones."""


@dataclass(frozen=True)
class Judged:
    """The rows of one suite for one run.

    `frame`: what the expectations read (a `row_id` and the checked columns);
    `rows`: per row_id, where it came from: `item_ref` (a mention key or a stream),
    `source`, `stream` and `batch_ids` (the landing batches a failure holds);
    `ledger`: (unit, fingerprint) pairs recorded as judged once the result is stored.
    """

    frame: pd.DataFrame
    rows: pd.DataFrame
    ledger: pd.DataFrame

    @property
    def empty(self) -> bool:
        return self.frame.empty


def _split(con: duckdb.DuckDBPyConnection, sql: str, params: list, checked: list[str],
           ledger_sql: str, ledger_params: list) -> Judged:
    data = con.execute(sql, params).df().reset_index(drop=True)
    data.insert(0, "row_id", range(len(data)))
    rows = data[["row_id", "item_ref", "source", "stream", "batch_ids"]]
    ledger = con.execute(ledger_sql, ledger_params).df()
    return Judged(data[["row_id", *checked]], rows, ledger)


def _pending_batches(suite: str) -> str:
    return f"""SELECT b.* FROM raw__landing_batches b
               LEFT JOIN quality__checked c ON c.suite = '{suite}' AND c.unit = b.batch_id
               WHERE c.fingerprint IS DISTINCT FROM b.sha256"""


def _pending_mentions(table: str, suite: str, version: str) -> str:
    """Rows of `table` (one per mention, aliased `t`) whose `version` (an expression on
    `t`) the suite has not judged, with that version as `fingerprint` and the mention key
    as `unit`."""
    return f"""SELECT t.*, {version} AS fingerprint, t.source || ':' || t.source_id AS unit
               FROM {table} t
               LEFT JOIN quality__checked c
                      ON c.suite = '{suite}' AND c.unit = t.source || ':' || t.source_id
               WHERE c.fingerprint IS DISTINCT FROM {version}"""


def landing_raw(con: duckdb.DuckDBPyConnection, settings: QualitySettings,
                configured: list[tuple[str, str]]) -> Judged:
    """One row per stream: configured ones, and any that landed a batch judged now.

    Freshness and volume are measured against the run's own data: `fresh_after` counts back
    from the newest interval this run loaded, and a stream's volume floor comes from its
    batches that ended before this run's first interval of it.
    """
    pending = con.execute(_pending_batches("landing_raw")).df()
    if pending.empty:
        empty = pd.DataFrame()
        return Judged(empty, empty, empty)
    reference = pending["interval_end"].max()
    streams = pd.DataFrame(configured, columns=["source", "stream"])
    with registered(con, streams, "configured_streams"):
        sql = f"""
        WITH todo AS ({_pending_batches('landing_raw')}),
        streams AS (SELECT source, stream FROM configured_streams
                    UNION SELECT source, stream FROM todo),
        stored AS (
            SELECT t.batch_id,
                   (SELECT count(*) FROM raw__pages p WHERE p.batch_id = t.batch_id) AS pages,
                   (SELECT count(*) FROM raw__items i WHERE i.batch_id = t.batch_id) AS items
            FROM todo t),
        this_run AS (
            SELECT t.source, t.stream, list(t.batch_id ORDER BY t.batch_id) AS batch_ids,
                   min(t.interval_start) AS first_start, max(t.interval_end) AS interval_end,
                   bool_and(t.interval_end > t.interval_start) AS intervals_ordered,
                   sum(t.item_count) AS items, sum(t.page_count) AS pages_landed,
                   sum(s.pages) AS pages_stored, sum(s.items) AS items_stored
            FROM todo t JOIN stored s USING (batch_id) GROUP BY ALL),
        history AS (
            SELECT r.source, r.stream, count(*) AS intervals,
                   count(*) FILTER (WHERE r.items > 0) AS with_items
            FROM (SELECT b.source, b.stream, b.interval_end, sum(b.item_count) AS items
                  FROM raw__landing_batches b JOIN this_run t USING (source, stream)
                  WHERE b.interval_end <= t.first_start
                    AND b.interval_end > t.first_start - ?::INTERVAL
                  GROUP BY ALL) r
            GROUP BY ALL),
        newest AS (SELECT source, stream, max(interval_end) AS newest_interval_end
                   FROM raw__landing_batches GROUP BY ALL)
        SELECT s.source || '/' || s.stream AS item_ref, s.source, s.stream,
               coalesce(t.batch_ids, []) AS batch_ids,
               coalesce(n.newest_interval_end, TIMESTAMPTZ '1970-01-01 00:00:00+00')
                   AS newest_interval_end,
               ?::TIMESTAMPTZ AS fresh_after,
               t.interval_end, t.intervals_ordered,
               t.items::BIGINT AS items,
               CASE WHEN t.source IS NULL THEN NULL
                    WHEN coalesce(h.intervals, 0) >= ?
                         AND h.with_items >= ? * h.intervals THEN 1 ELSE 0 END AS volume_floor,
               t.pages_landed::BIGINT AS pages_landed, t.pages_stored::BIGINT AS pages_stored,
               t.items_stored::BIGINT AS items_stored
        FROM streams s
        LEFT JOIN this_run t USING (source, stream)
        LEFT JOIN history h USING (source, stream)
        LEFT JOIN newest n USING (source, stream)
        ORDER BY s.source, s.stream"""
        return _split(
            con, sql, [settings.volume_history, reference - settings.freshness_max_age,
                       settings.volume_min_intervals, settings.volume_steady_share],
            CHECKED["landing_raw"],
            f"SELECT batch_id AS unit, sha256 AS fingerprint "
            f"FROM ({_pending_batches('landing_raw')})", [])


def raw_core_mentions(con: duckdb.DuckDBPyConnection) -> Judged:
    """One row per mention of each batch judged now, as core__mentions holds it."""
    todo = _pending_batches("raw_core_mentions")
    sql = f"""
        WITH todo AS ({todo})
        SELECT m.source || ':' || m.source_id AS item_ref, m.source, m.stream,
               [i.batch_id] AS batch_ids, i.batch_id, m.source_id, m.created_at,
               m.first_seen_at, m.last_seen_at,
               CASE WHEN m.is_deleted THEN NULL ELSE length(m.text) END AS text_chars,
               m.reply_count, m.share_count, m.is_deleted
        FROM todo t
        JOIN raw__items i USING (batch_id)
        JOIN core__mentions m ON m.source = i.source AND m.source_id = i.source_id
        ORDER BY i.batch_id, m.source, m.source_id"""
    return _split(con, sql, [],
                  CHECKED["raw_core_mentions"],
                  f"SELECT batch_id AS unit, sha256 AS fingerprint FROM ({todo})", [])


_ENRICHMENT_VERSION = "t.text_sha || '|' || t.models_version"


def enrichments(con: duckdb.DuckDBPyConnection) -> Judged:
    """One row per enrichment not judged in its present version (new text, new models)."""
    todo = _pending_mentions("core__enrichments", "enrichments", _ENRICHMENT_VERSION)
    sql = f"""
        SELECT e.unit AS item_ref, e.source, m.stream, [m.batch_id] AS batch_ids,
               e.source_id, e.language, e.language_confidence, e.sentiment,
               e.sentiment_score, e.sentiment_confidence, e.relevant, e.relevance_score,
               e.intent, e.models_version, e.enriched_for,
               len(b.embedding) AS embedding_dims, k.cluster_id IS NOT NULL AS in_cluster,
               e.sentiment <> 'not_scored' AS is_scored,
               e.sentiment_score IS NOT NULL AS has_sentiment_score,
               e.sentiment_confidence IS NOT NULL AS has_sentiment_confidence
        FROM ({todo}) e
        JOIN core__mentions m USING (source, source_id)
        LEFT JOIN core__embeddings b USING (source, source_id)
        LEFT JOIN core__cluster_members k USING (source, source_id)
        ORDER BY e.source, e.source_id"""
    return _split(con, sql, [],
                  CHECKED["enrichments"],
                  f"SELECT unit, fingerprint FROM ({todo})", [])


_DECISION_VERSION = ("t.policy_version || '|' || t.decided_for::VARCHAR || '|' || t.route "
                     "|| '|' || coalesce(t.delivery_key, '')")


def routing_decisions(con: duckdb.DuckDBPyConnection) -> Judged:
    """One row per decision not judged yet (a new decision, or one made again)."""
    todo = _pending_mentions("core__routing_decisions", "routing_decisions",
                             _DECISION_VERSION)
    sql = f"""
        SELECT d.unit AS item_ref, d.source, m.stream, [m.batch_id] AS batch_ids,
               d.source_id, d.route, d.rule_id, d.team, d.priority, d.destination,
               d.policy_version, d.decided_for, m.created_at, d.sla_due_at,
               d.route <> 'ignore' AS is_routed, d.delivery_key IS NOT NULL AS has_delivery,
               v.delivery_key IS NOT NULL AS delivery_planned
        FROM ({todo}) d
        JOIN core__mentions m USING (source, source_id)
        LEFT JOIN core__deliveries v USING (delivery_key)
        ORDER BY d.source, d.source_id"""
    return _split(con, sql, [],
                  CHECKED["routing_decisions"],
                  f"SELECT unit, fingerprint FROM ({todo})", [])

