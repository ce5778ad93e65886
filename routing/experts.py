"""Expert routing: who in the community has already answered questions like this one.

An expert is a superfan (see enrichment/influence.py) who gave a liked answer to someone
else's question or problem. A new question is offered to the superfans whose answered
questions are most similar to it (cosine of the sentence embeddings, the same ones dedupe
uses), best first; nobody below `min_similarity` is offered anything.
"""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd

from carewire.routing.policy import Experts

_ANSWERED = """
SELECT coalesce(a.handle, r.author_id) AS expert, r.source, q.embedding
FROM core__mentions r
JOIN core__mentions p ON p.source = r.source AND p.source_id = r.parent_id
JOIN core__enrichments pe ON pe.source = p.source AND pe.source_id = p.source_id
JOIN core__enrichments re ON re.source = r.source AND re.source_id = r.source_id
JOIN core__author_influence i ON i.source = r.source AND i.author_id = r.author_id
JOIN core__embeddings q ON q.source = p.source AND q.source_id = p.source_id
LEFT JOIN core__authors a ON a.source = r.source AND a.author_id = r.author_id
WHERE NOT r.is_deleted AND NOT p.is_deleted AND coalesce(r.like_count, 0) >= 1
  AND p.author_id <> r.author_id AND i.tier = 'superfan'
  AND pe.intent IN ('question', 'complaint') AND re.intent NOT IN ('question', 'complaint')
"""


class ExpertIndex:
    """The questions superfans answered, as one matrix, for fast similarity lookups."""

    def __init__(self, experts: list[str], vectors: np.ndarray):
        self.experts = experts
        self.vectors = vectors

    @classmethod
    def from_warehouse(cls, con: duckdb.DuckDBPyConnection) -> "ExpertIndex":
        answered = con.execute(_ANSWERED).df()
        labels = [f"{handle} ({source})" for handle, source
                  in zip(answered["expert"], answered["source"])]
        vectors = (np.stack(answered["embedding"].map(np.asarray)).astype(np.float32)
                   if len(answered) else np.zeros((0, 1), np.float32))
        return cls(labels, vectors)

    def find(self, questions: np.ndarray, offer: Experts) -> list[list[str]]:
        """Experts per question embedding, best match first, at most `offer.limit`."""
        if not len(self.experts) or not len(questions):
            return [[] for _ in range(len(questions))]
        similarity = questions @ self.vectors.T
        found = []
        for row in similarity:
            chosen: list[str] = []
            for column in np.argsort(-row):
                if row[column] < offer.min_similarity or len(chosen) == offer.limit:
                    break
                if self.experts[column] not in chosen:
                    chosen.append(self.experts[column])
            found.append(chosen)
        return found

    def finder(self, embeddings: pd.Series):
        """An ExpertFinder for routing.decide.evaluate over rows whose embeddings are in
        `embeddings` (indexed like the frame)."""
        def find(rows: pd.DataFrame, offer: Experts) -> list[list[str]]:
            vectors = [embeddings.get(i) for i in rows.index]
            known = [i for i, v in enumerate(vectors) if v is not None]
            found: list[list[str]] = [[] for _ in vectors]
            if known:
                matrix = np.stack([np.asarray(vectors[i], np.float32) for i in known])
                for i, experts in zip(known, self.find(matrix, offer)):
                    found[i] = experts
            return found
        return find
