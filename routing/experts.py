"""Expert routing: who in the community has already answered questions like this one.

An expert is a superfan (see enrichment/influence.py) who gave a liked answer to someone
else's question or problem. A new question is offered to the superfans whose answered
questions are most similar to it (cosine of the sentence embeddings, the same ones dedupe
uses); nobody below `min_similarity` is offered anything.

Similarity decides who qualifies; the ranking of helpers decides who is offered it first
(issue 22, rated help). out__helper_ranking (warehouse/migrations/0017) scores each helper
by the customers' ratings of their accepted answers, shrunk toward the mean of all rated
answers, and counts the answers accepted. The qualified superfans are offered the question
by score, then answers accepted, then similarity, then label, at most `offer.limit` of
them; one who never helped scores the prior, like a helper nobody rated yet. With no
accepted or rated answer anywhere, that is the order of similarity, as before. `why` says,
per superfan, what the order rests on ("2 accepted, rated 4.7 by 3"), for the decision's
reason.
"""

from __future__ import annotations

from dataclasses import dataclass

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

_RANKED = "SELECT helper, score, answers_accepted, why, prior_mean FROM out__helper_ranking"
NEVER_HELPED = "no answer accepted or rated yet"
PRIOR = 3.0
"""The score of a superfan who never helped, while no answer is rated (the view's prior)."""


@dataclass(frozen=True)
class Standing:
    """A helper's place in out__helper_ranking."""

    score: float
    accepted: int
    why: str


class ExpertIndex:
    """The questions superfans answered, as one matrix, for fast similarity lookups, and
    how well each helped."""

    def __init__(self, experts: list[str], vectors: np.ndarray,
                 ranking: dict[str, Standing] | None = None, prior: float = PRIOR):
        self.experts = experts
        self.vectors = vectors
        self.ranking = ranking or {}
        self.prior = prior

    @classmethod
    def from_warehouse(cls, con: duckdb.DuckDBPyConnection) -> "ExpertIndex":
        answered = con.execute(_ANSWERED).df()
        labels = [f"{handle} ({source})" for handle, source
                  in zip(answered["expert"], answered["source"])]
        vectors = (np.stack(answered["embedding"].map(np.asarray)).astype(np.float32)
                   if len(answered) else np.zeros((0, 1), np.float32))
        ranked = con.execute(_RANKED).fetchall()
        ranking = {helper: Standing(float(score), int(accepted), why)
                   for helper, score, accepted, why, _ in ranked}
        prior = float(ranked[0][4]) if ranked else PRIOR
        return cls(labels, vectors, ranking, prior)

    def why(self, expert: str) -> str:
        """What the expert's place in the offer rests on, in words."""
        standing = self.ranking.get(expert)
        return standing.why if standing else NEVER_HELPED

    def _order(self, expert: str, similarity: float) -> tuple:
        standing = self.ranking.get(expert)
        score, accepted = (standing.score, standing.accepted) if standing else (self.prior, 0)
        return (-score, -accepted, -similarity, expert)

    def find(self, questions: np.ndarray, offer: Experts) -> list[list[str]]:
        """Experts per question embedding: those who answered a question at least
        `offer.min_similarity` alike, best helper first, at most `offer.limit`."""
        if not len(self.experts) or not len(questions):
            return [[] for _ in range(len(questions))]
        similarity = questions @ self.vectors.T
        found = []
        for row in similarity:
            best: dict[str, float] = {}
            for column in np.flatnonzero(row >= offer.min_similarity):
                expert = self.experts[column]
                best[expert] = max(best.get(expert, -np.inf), float(row[column]))
            found.append(sorted(best, key=lambda e: self._order(e, best[e]))[:offer.limit])
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
