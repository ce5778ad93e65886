"""The enrichment step of the process DAG: enrich, embed and cluster what is new.

What is enriched: every mention with no enrichment yet, or whose text changed since (an
edit), and, when a window is given, every mention in it whose models are not the current
ones (after a model change, `carewire enrich --since ... --until ...` re-enriches just
that window); with `all_in_window`, every mention in the window is enriched again, the
same models or not (`carewire rerun --reenrich all`). Nothing else is touched, so a rerun
of the same data writes nothing new and keeps every cluster id.

Deleted mentions lose their enrichment, embedding and cluster membership: derived data
must not outlive the content it came from.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from carewire.core.isolate import describe, isolate
from carewire.core.settings import Settings
from carewire.enrichment import influence
from carewire.enrichment.dedupe import Assignment, assign, cluster_id
from carewire.enrichment.pairs import PairModel
from carewire.enrichment.enricher import Enricher
from carewire.warehouse.db import registered, transaction
from carewire.warehouse.keyed import put
from carewire.warehouse.holds import HELD_BATCHES, forget, not_set_aside, set_aside

BATCH = 1024
_TEXT = "concat_ws('. ', nullif(m.title, ''), m.text)"


def run(con: duckdb.DuckDBPyConnection, settings: Settings, enricher: Enricher,
        pairs: PairModel, window: tuple[datetime, datetime] | None = None,
        all_in_window: bool = False) -> dict[str, Any]:
    enricher.check_trained_for(pairs.head)
    forgotten = _forget_deleted(con)
    todo = _to_enrich(con, enricher, window, all_in_window)
    set_aside = 0
    for start in range(0, len(todo), BATCH):
        set_aside += _enrich_batch(con, enricher, todo.iloc[start:start + BATCH])
    clustered = _cluster(con, enricher.encoder.embedding_version, pairs,
                         timedelta(days=settings.dedupe.open_days), window)
    tiers = influence.recompute(con, settings.influence,
                                [h for brand in settings.own_brands for h in brand.handles])
    return {"enriched": len(todo) - set_aside, "set_aside": set_aside,
            "forgotten_deleted": forgotten, **clustered, "influence_tiers": tiers,
            "models": enricher.models}


def _forget_deleted(con: duckdb.DuckDBPyConnection) -> int:
    deleted = "(SELECT source, source_id FROM core__mentions WHERE is_deleted)"
    count = con.execute(f"SELECT count(*) FROM core__enrichments WHERE (source, source_id) "
                        f"IN {deleted}").fetchone()[0]
    with transaction(con):
        for table in ("core__enrichments", "core__embeddings", "core__cluster_members"):
            con.execute(f"DELETE FROM {table} WHERE (source, source_id) IN {deleted}")
        forget(con, deleted[1:-1])
    return count


def _to_enrich(con: duckdb.DuckDBPyConnection, enricher: Enricher,
               window: tuple[datetime, datetime] | None, all_in_window: bool) -> pd.DataFrame:
    stale = "FALSE"
    params: list[Any] = []
    if window is not None:
        stale = "(m.created_at >= ? AND m.created_at < ? AND (? OR e.models_version <> ?))"
        params = [window[0], window[1], all_in_window, enricher.models_version]
    return con.execute(f"""
        SELECT m.source, m.source_id, {_TEXT} AS text, sha256({_TEXT}) AS text_sha,
               m.language AS platform_language, m.last_seen_at
        FROM core__mentions m
        LEFT JOIN core__enrichments e USING (source, source_id)
        WHERE NOT m.is_deleted AND {not_set_aside("enrich")}
          -- new content waits while a gate holds its batch
          AND ((e.source_id IS NULL OR e.text_sha <> sha256({_TEXT}))
               AND m.batch_id NOT IN ({HELD_BATCHES}) OR {stale})
        ORDER BY m.created_at, m.source, m.source_id""", params).df()


def _enrich_batch(con: duckdb.DuckDBPyConnection, enricher: Enricher,
                  batch: pd.DataFrame) -> int:
    """Enrich and store `batch`; a text the models fail on is set aside with its error
    while the others are stored. Returns how many were set aside."""
    batch = batch.reset_index(drop=True)
    texts = batch["text"].tolist()
    stated = [None if pd.isna(tag) else tag for tag in batch["platform_language"]]
    parts = isolate(len(batch), lambda rows: enricher.enrich(texts[rows.start:rows.stop],
                                                             stated[rows.start:rows.stop]))
    failed = sorted(parts.failed)
    with transaction(con):
        set_aside(con, "enrich", batch.loc[failed, ["source", "source_id"]],
                  [describe(parts.failed[i]) for i in failed], [texts[i] for i in failed])
        if parts.done:
            _store(con, enricher, batch.drop(index=failed).reset_index(drop=True),
                   pd.concat([scores for _, (scores, _) in parts.done], ignore_index=True),
                   np.concatenate([vectors for _, (_, vectors) in parts.done]))
    return len(failed)


def _store(con: duckdb.DuckDBPyConnection, enricher: Enricher, batch: pd.DataFrame,
           scores: pd.DataFrame, embeddings: np.ndarray) -> None:
    """Store the enrichment and embedding of every row of `batch`, in the caller's
    transaction."""
    # the platform's own language tag (X's `lang`, a feed's xml:lang) was given to the
    # enricher: it beats a guess from a few words, and it decides whether sentiment is scored
    rows = pd.concat([batch[["source", "source_id", "text_sha"]].reset_index(drop=True),
                      scores], axis=1)
    rows["models"] = json.dumps(enricher.models, sort_keys=True)
    rows["models_version"] = enricher.models_version
    rows["enriched_for"] = batch["last_seen_at"].reset_index(drop=True)
    vectors = pd.DataFrame({"source": rows["source"], "source_id": rows["source_id"],
                            "encoder_version": enricher.encoder.embedding_version,
                            "embedding": list(embeddings)})
    with registered(con, rows) as incoming:
        put(con, "core__enrichments", f"SELECT * FROM {incoming}", columns=rows.columns)
        # enriched again, maybe by the same models: the enrichments gate judges it again
        con.execute(f"""DELETE FROM quality__checked WHERE suite = 'enrichments'
                        AND unit IN (SELECT source || ':' || source_id FROM {incoming})""")
    with registered(con, vectors) as incoming:
        put(con, "core__embeddings", "SELECT * REPLACE (CAST(embedding AS FLOAT[]) AS "
            f"embedding) FROM {incoming}", columns=vectors.columns)


def _cluster(con: duckdb.DuckDBPyConnection, encoder_version: str, pairs: PairModel,
             open_for: timedelta, window: tuple[datetime, datetime] | None) -> dict[str, int]:
    """Assign a cluster to every enriched mention that has none for this encoder."""
    if window is not None:  # a re-enriched window is clustered again with the new model
        with transaction(con):
            con.execute("""
                DELETE FROM core__cluster_members WHERE encoder_version <> ?
                  AND (source, source_id) IN (SELECT source, source_id FROM core__mentions
                                              WHERE created_at >= ? AND created_at < ?)""",
                        [encoder_version, window[0], window[1]])
    new = con.execute(f"""
        SELECT m.source, m.source_id, {_TEXT} AS text, m.created_at, v.embedding,
               coalesce(f.former_source_id, m.source_id) AS key_source_id
        FROM core__mentions m
        JOIN core__embeddings v USING (source, source_id)
        LEFT JOIN core__cluster_members k USING (source, source_id)
        LEFT JOIN core__mention_former_ids f USING (source, source_id)
        WHERE NOT m.is_deleted AND v.encoder_version = ? AND {not_set_aside("cluster")}
          AND (k.source_id IS NULL OR k.encoder_version <> ?)""",
                      [encoder_version, encoder_version]).df()
    if new.empty:
        return {"clustered": 0, "clusters_founded": 0, "joined_open_clusters": 0,
                "cluster_set_aside": 0}
    founders = con.execute(f"""
        WITH activity AS (  -- clusters with a mention recent enough to be open
            SELECT k.cluster_id, max(m.created_at) AS last_at
            FROM core__cluster_members k JOIN core__mentions m USING (source, source_id)
            WHERE k.encoder_version = ? AND NOT m.is_deleted AND m.created_at >= ?
            GROUP BY k.cluster_id)
        SELECT m.source, m.source_id, {_TEXT} AS text, m.created_at, v.embedding, a.last_at,
               coalesce(f.former_source_id, m.source_id) AS key_source_id
        FROM core__cluster_members k
        JOIN activity a USING (cluster_id)
        JOIN core__mentions m USING (source, source_id)
        JOIN core__embeddings v USING (source, source_id)
        LEFT JOIN core__mention_former_ids f USING (source, source_id)
        WHERE k.joined_by = 'founder' AND k.encoder_version = ?""",
                           [encoder_version, new["created_at"].min() - open_for,
                            encoder_version]).df()
    new = new.reset_index(drop=True)
    # a mention the clustering fails on is set aside; the others are clustered without it
    trial = isolate(len(new), lambda rows: _assign(founders, new.iloc[rows.start:rows.stop],
                                                   pairs, open_for))
    failed = sorted(trial.failed)
    if len(trial.done) == 1:
        both, assignments, known = trial.done[0][1]
    else:
        both, assignments, known = _assign(founders, new.drop(index=failed), pairs, open_for)
    # A cluster's id is made from its founder's `source:id`, with the id its keys were
    # first made from (a feed entry keyed before issue 23: its former id), so a cluster
    # keeps its id, and its community thread its delivery key, whatever the key's form.
    keys = (both["source"] + ":" + both["key_source_id"]).tolist()
    members = pd.DataFrame(
        [{"source": both.at[p, "source"], "source_id": both.at[p, "source_id"],
          "cluster_id": cluster_id(keys[a.founder]), "joined_by": a.joined_by,
          "similarity": a.similarity, "pair_score": a.pair_score,
          "encoder_version": encoder_version} for p, a in sorted(assignments.items())],
        columns=["source", "source_id", "cluster_id", "joined_by", "similarity",
                 "pair_score", "encoder_version"])
    with transaction(con), registered(con, members) as incoming:
        set_aside(con, "cluster", new.loc[failed, ["source", "source_id"]],
                  [describe(trial.failed[i]) for i in failed], new.loc[failed, "text"].tolist())
        put(con, "core__cluster_members", "SELECT * REPLACE (CAST(similarity AS DOUBLE) AS "
            f"similarity, CAST(pair_score AS DOUBLE) AS pair_score) FROM {incoming}",
            columns=members.columns)
        _centrality(con, sorted(members["cluster_id"].unique()))
    founded = int((members["joined_by"] == "founder").sum())
    joined_known = sum(1 for a in assignments.values() if a.founder in known)
    return {"clustered": len(members), "clusters_founded": founded,
            "joined_open_clusters": joined_known, "cluster_set_aside": len(failed)}


_CENTRALITY = """
UPDATE core__cluster_members k SET centrality = round(list_cosine_similarity(
    CAST(m.embedding AS DOUBLE[]), c.centroid), 4)
FROM core__embeddings m, (
    SELECT cluster_id, list(x ORDER BY i) AS centroid
    FROM (SELECT cluster_id, i, avg(x) AS x
          FROM (SELECT k.cluster_id, unnest(v.embedding) AS x,
                       generate_subscripts(v.embedding, 1) AS i
                FROM core__cluster_members k JOIN core__embeddings v USING (source, source_id)
                WHERE k.cluster_id IN (SELECT unnest(CAST(? AS VARCHAR[])))
                   OR k.cluster_id IN (SELECT cluster_id FROM core__cluster_members
                                       WHERE centrality IS NULL))
          GROUP BY ALL)
    GROUP BY cluster_id) c
WHERE k.cluster_id = c.cluster_id AND m.source = k.source AND m.source_id = k.source_id
"""


def _centrality(con: duckdb.DuckDBPyConnection, cluster_ids: list[str]) -> None:
    """How central each member of `cluster_ids` (and of any cluster not yet measured) is:
    the cosine of its embedding with its cluster's mean embedding, to four decimals (a
    rerun that encodes a text in another batch moves the last bits). out__issue_clusters
    shows the most central mention as the cluster's representative."""
    con.execute(_CENTRALITY, [cluster_ids])


def _assign(founders: pd.DataFrame, new: pd.DataFrame, pairs: PairModel, open_for: timedelta
            ) -> tuple[pd.DataFrame, dict[int, Assignment], dict[int, datetime]]:
    """Cluster `new` among the open clusters' `founders`: the rows in (created_at, key)
    order, each position's assignment, and the founders' positions with their last
    activity."""
    both = pd.concat([founders.assign(known=True), new.assign(known=False)],
                     ignore_index=True)
    both = both.sort_values(["created_at", "source", "source_id"], kind="stable",
                            ignore_index=True)
    known = {int(i): both.at[i, "last_at"].to_pydatetime()
             for i in np.flatnonzero(both["known"].to_numpy())}
    assignments = assign(both["text"].tolist(), np.stack(both["embedding"].to_numpy()).astype(
        np.float32), [t.to_pydatetime() for t in both["created_at"]], pairs, open_for,
        known=known)
    return both, assignments, known
