"""Enrichment: sentiment, language, relevance, intent, influence and issue clusters.

The functions below are the stable evaluation hooks (`make eval` uses them, and so
can anyone who evaluates carewire). They run the models configured for this deployment
(`carewire.yaml`, or the offline defaults), exactly as the pipeline does.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from functools import cache

import numpy as np
import pandas as pd

__all__ = ["score_texts", "embed_texts", "same_issue", "cluster"]


@cache
def _models():
    from carewire.core.settings import load_settings
    from carewire.enrichment.pairs import PairModel
    from carewire.enrichment.enricher import Enricher

    enricher, pairs = Enricher(load_settings().enrichment), PairModel.default()
    enricher.check_trained_for(pairs.head)
    return enricher, pairs


def score_texts(texts: list[str]) -> pd.DataFrame:
    """One row per text: sentiment (negative/neutral/positive), sentiment_score, language,
    relevant (bool), intent, and the confidences and reasons behind them."""
    enricher, _ = _models()
    frame, _ = enricher.enrich(list(texts))
    return frame


def embed_texts(texts: list[str]) -> np.ndarray:
    """The embedding of each text (n, dim), read as the pipeline reads a post before it
    stores the embedding in core__embeddings; unit length, so cosine is a dot product."""
    enricher, _ = _models()
    return enricher.embed(list(texts))


def same_issue(a: list[str], b: list[str]) -> list[bool]:
    """Whether each pair (a[i], b[i]) would land in the same issue cluster."""
    if len(a) != len(b):
        raise ValueError(f"same_issue needs pairs: got {len(a)} and {len(b)} texts")
    enricher, pairs = _models()
    a, b = list(a), list(b)
    unique = list(dict.fromkeys(a + b))  # evaluation sets repeat texts across many pairs
    vectors = dict(zip(unique, enricher.embed(unique)))
    return pairs.same(np.stack([vectors[t] for t in a]), np.stack([vectors[t] for t in b]),
                      a, b).tolist()


def cluster(texts: list[str]) -> list[str]:
    """A cluster id per text, clustering the texts in the order given."""
    from carewire.enrichment.dedupe import assign, cluster_id

    enricher, pairs = _models()
    texts = list(texts)
    at = [datetime(2000, 1, 1, tzinfo=timezone.utc)] * len(texts)
    chosen = assign(texts, enricher.embed(texts), at, pairs, timedelta(days=1))
    return [cluster_id(f"text:{chosen[i].founder}") for i in range(len(texts))]
