"""Dedupe: fold mentions that raise the same issue into one issue cluster.

Leader clustering in time order. Each mention, oldest first, either joins an open cluster
or founds a new one:
1. an exact duplicate (same words, ignoring case, punctuation, handles and links) of an
   open cluster's mention joins that cluster at once;
2. otherwise the open clusters whose founder is closest by cosine (at least `floor`) are
   candidates, and the same-issue model (enrichment/pairs.py) scores each candidate pair;
   the best pair at or above the model's threshold wins;
3. otherwise the mention founds a cluster named after itself.

Comparing with founders only (not with every member) keeps clusters from drifting: "my
order never arrived" cannot chain through "my order arrived late" to "late delivery
fees". Founders are kept in an inverted-file index (k-means cells, a few probed per
query), so the cost per mention depends on the probed cells, not on the history: near
linear in volume, with no all-pairs comparison. A cluster closes when no mention joined
it for `open_for`; its founder then leaves the index (swept every few chunks), and later
mentions of the issue start a new cluster.

Stable across runs: the order is (created_at, key), cluster ids are derived from the
founder's key, and the warehouse step never re-clusters a mention that already has a
cluster for the current encoder (enrichment/step.py).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
from threadpoolctl import threadpool_limits

from carewire.enrichment.pairs import PairModel
from carewire.enrichment.text import duplicate_key

CHUNK = 2048
CLOSE_EVERY = 8
"""Chunks between two sweeps of the clusters that closed."""


def cluster_id(key: str) -> str:
    """The id of the cluster that `key` (source:source_id) founded."""
    return "c" + hashlib.sha256(key.encode()).hexdigest()[:16]


class FounderIndex:
    """Unit vectors of cluster founders in k-means cells; a query probes its `nprobe`
    nearest cells. With one cell this is an exact search."""

    def __init__(self, centroids: np.ndarray, nprobe: int) -> None:
        self.centroids = centroids
        self.nprobe = min(nprobe, len(centroids))
        self.vectors = [np.zeros((0, centroids.shape[1]), np.float32) for _ in centroids]
        self.ids = [np.zeros(0, np.int64) for _ in centroids]
        self.sizes = np.zeros(len(centroids), np.int64)

    @classmethod
    def trained(cls, sample: np.ndarray, expected: int, seed: int = 0) -> "FounderIndex":
        """Cells fitted to `sample`, about sqrt(expected) of them (one below 20,000): the
        index holds only the founders of open clusters, a fraction of the volume."""
        cells = 1 if expected < 20_000 else int(np.sqrt(expected))
        if cells == 1 or len(sample) < cells * 4:
            return cls(np.zeros((1, sample.shape[1]), np.float32), 1)
        return cls(_kmeans(sample, cells, seed), nprobe=8)

    def add(self, vectors: np.ndarray, ids: np.ndarray) -> None:
        cells = self._nearest_cells(vectors, 1)[:, 0]
        for cell in np.unique(cells):
            rows = cells == cell
            need = self.sizes[cell] + rows.sum()
            if need > len(self.ids[cell]):  # grow by doubling: appends stay amortised O(1)
                capacity = max(16, 2 * need)
                self.vectors[cell] = _grown(self.vectors[cell], capacity)
                self.ids[cell] = _grown(self.ids[cell], capacity)
            start = self.sizes[cell]
            self.vectors[cell][start:need] = vectors[rows]
            self.ids[cell][start:need] = ids[rows]
            self.sizes[cell] = need

    def drop(self, ids: np.ndarray) -> None:
        """Remove founders by id: clusters that closed can never be a candidate again, and
        searching them would cost time and take top-`k` places from open ones."""
        ids = np.sort(np.asarray(ids, np.int64))
        if not len(ids):
            return
        for cell in np.flatnonzero(self.sizes):
            size = self.sizes[cell]
            held = self.ids[cell][:size]
            keep = ids[np.minimum(np.searchsorted(ids, held), len(ids) - 1)] != held
            if keep.all():
                continue
            kept = int(keep.sum())
            self.vectors[cell][:kept] = self.vectors[cell][:size][keep]
            self.ids[cell][:kept] = held[keep]
            self.sizes[cell] = kept

    def search(self, queries: np.ndarray, k: int, floor: float) -> tuple[np.ndarray, np.ndarray]:
        """Top-`k` founder ids and cosines per query, best first, ties to the lower id (id -1
        and cosine -inf where fewer reach `floor`).

        Queries are grouped by probed cell, so each cell costs one matrix product for all
        the queries that probe it; the per-cell best are merged once at the end."""
        best_ids = np.full((len(queries), k), -1, np.int64)
        best_sims = np.full((len(queries), k), -np.inf, np.float32)
        probes = self._nearest_cells(queries, self.nprobe)
        cells = probes.ravel()
        order = np.argsort(cells, kind="stable")
        rows, cells = (order // probes.shape[1]), cells[order]
        bounds = np.flatnonzero(np.diff(cells)) + 1
        found_rows, found_ids, found_sims = [], [], []
        for start, stop in zip(np.r_[0, bounds], np.r_[bounds, len(cells)]):
            cell = cells[start]
            size = self.sizes[cell]
            if size == 0:
                continue
            asking = rows[start:stop]
            sims = queries[asking] @ self.vectors[cell][:size].T
            if size > k:
                top = np.argpartition(-sims, k - 1, axis=1)[:, :k]
                sims, ids = np.take_along_axis(sims, top, axis=1), self.ids[cell][top]
            else:
                ids = np.broadcast_to(self.ids[cell][:size], sims.shape)
            found_rows.append(np.repeat(asking, sims.shape[1]))
            found_ids.append(ids.ravel())
            found_sims.append(sims.ravel())
        if not found_rows:
            return best_ids, best_sims
        found_rows, found_ids, found_sims = (np.concatenate(found_rows),
                                             np.concatenate(found_ids),
                                             np.concatenate(found_sims))
        reach = found_sims >= floor
        found_rows, found_ids, found_sims = found_rows[reach], found_ids[reach], found_sims[reach]
        order = np.lexsort((found_ids, -found_sims, found_rows))
        found_rows, found_ids, found_sims = found_rows[order], found_ids[order], found_sims[order]
        first = np.searchsorted(found_rows, found_rows, side="left")
        rank = np.arange(len(found_rows)) - first
        kept = rank < k
        best_ids[found_rows[kept], rank[kept]] = found_ids[kept]
        best_sims[found_rows[kept], rank[kept]] = found_sims[kept]
        return best_ids, best_sims

    def _nearest_cells(self, vectors: np.ndarray, n: int) -> np.ndarray:
        if len(self.centroids) == 1:
            return np.zeros((len(vectors), 1), np.int64)
        sims = vectors @ self.centroids.T
        return np.argpartition(-sims, n - 1, axis=1)[:, :n]


def _grown(array: np.ndarray, capacity: int) -> np.ndarray:
    out = np.zeros((capacity, *array.shape[1:]), array.dtype)
    out[:len(array)] = array
    return out


def _kmeans(sample: np.ndarray, cells: int, seed: int, rounds: int = 8) -> np.ndarray:
    """Spherical k-means (cosine), deterministic for a given sample and seed."""
    rng = np.random.default_rng(seed)
    sample = np.ascontiguousarray(sample, dtype=np.float32)  # read once, not every round
    centroids = sample[rng.choice(len(sample), cells, replace=False)].copy()
    for _ in range(rounds):
        nearest = np.concatenate([(part @ centroids.T).argmax(axis=1)
                                  for part in np.array_split(sample, max(1, len(sample) // 8192))])
        # Sum each cell's members as one run of rows (np.add.at is unbuffered and slow).
        order = np.argsort(nearest, kind="stable")
        counts = np.bincount(nearest, minlength=cells)
        filled = counts > 0
        sums = np.zeros_like(centroids)
        sums[filled] = np.add.reduceat(sample[order], (np.cumsum(counts) - counts)[filled])
        empty = ~sums.any(axis=1)
        sums[empty] = centroids[empty]
        centroids = sums / np.linalg.norm(sums, axis=1, keepdims=True)
    return centroids.astype(np.float32)


@dataclass(frozen=True)
class Assignment:
    founder: int            # position of the founding mention (own position: founded)
    joined_by: str          # founder | duplicate | similar
    similarity: float | None
    pair_score: float | None


def assign(texts: list[str], embeddings: np.ndarray, created_at: list[datetime],
           model: PairModel, open_for: timedelta, *,
           known: dict[int, datetime] | None = None, k: int = 4) -> dict[int, Assignment]:
    """Cluster the mentions at every position not in `known`, in position order.

    Positions must be in (created_at, key) order. `known` maps the positions of founders
    of clusters still open from earlier runs to their last activity: they are searched
    like founders of this run, and not assigned again.
    """
    known = dict(known or {})
    embeddings = np.asarray(embeddings)  # a memory map's rows without its per-index wrapper
    last_at: dict[int, datetime] = dict(known)
    by_key: dict[str, int] = {}
    for position in sorted(known):  # the newest founder of a text is the one still open
        by_key[duplicate_key(texts[position])] = position
    pending = [p for p in range(len(texts)) if p not in known]
    index = FounderIndex.trained(embeddings[::max(1, len(texts) // 100_000)], len(texts))
    if known:
        index.add(embeddings[sorted(known)], np.array(sorted(known)))

    def is_open(founder: int, at: datetime) -> bool:
        return at - last_at[founder] <= open_for

    out: dict[int, Assignment] = {}
    for number, chunk_start in enumerate(range(0, len(pending), CHUNK)):
        chunk = pending[chunk_start:chunk_start + CHUNK]
        vectors = embeddings[chunk]
        within = vectors @ vectors.T  # one large product: BLAS threads pay off here
        # One BLAS thread for the rest: its products are small, and threads cost more in
        # hand-offs than they save (several times the time on a busy machine).
        with threadpool_limits(1, user_api="blas"):
            if number % CLOSE_EVERY == 0:  # closed before this chunk's first mention
                first_at = created_at[chunk[0]]
                _close(index, last_at, by_key, lambda founder: not is_open(founder, first_at))
            known_ids, _ = index.search(vectors, k, model.floor)
            scored = _scored(model, chunk, known_ids, texts, embeddings)
            known_ids = known_ids.tolist()
            founded = np.zeros(len(chunk), np.int64)  # rows of this chunk that founded
            n_founded = 0
            for row, position in enumerate(chunk):
                at, text = created_at[position], texts[position]
                key = duplicate_key(text)
                twin = by_key.get(key)
                if key and twin is not None and is_open(twin, at):
                    last_at[twin] = at
                    out[position] = Assignment(twin, "duplicate", None, None)
                    continue
                candidates = [c for c in known_ids[row] if c != -1]
                if n_founded:
                    sims = within[row, founded[:n_founded]]
                    near = np.flatnonzero(sims >= model.floor)
                    near = near[np.argsort(-sims[near], kind="stable")[:k]]
                    candidates += [chunk[founded[i]] for i in near]
                candidates = [c for c in dict.fromkeys(candidates) if is_open(c, at)]
                chosen = _best(model, position, candidates, texts, embeddings, scored)
                if chosen is None:
                    last_at[position] = at
                    by_key[key] = position  # any earlier twin is closed, or it joined it
                    founded[n_founded] = row
                    n_founded += 1
                    out[position] = Assignment(position, "founder", None, None)
                else:
                    founder, similarity, score = chosen
                    last_at[founder] = at
                    out[position] = Assignment(founder, "similar", similarity, score)
            if n_founded:
                rows = founded[:n_founded]
                index.add(vectors[rows], np.asarray(chunk)[rows])
    return out


def _close(index: FounderIndex, last_at: dict[int, datetime], by_key: dict[str, int],
           closed_now: Callable[[int], bool]) -> None:
    """Forget the founders whose cluster is closed for the next mention: mentions come in
    time order, so they are closed for every mention still to come. Without this the
    index keeps every founder ever, and at a million mentions over two months most of its
    searching is of clusters long closed."""
    closed = [founder for founder in last_at if closed_now(founder)]
    for founder in closed:
        del last_at[founder]
    for key in [key for key, founder in by_key.items() if founder not in last_at]:
        del by_key[key]
    index.drop(np.array(closed, np.int64))


def _scored(model: PairModel, chunk: list[int], ids: np.ndarray, texts: list[str],
            embeddings: np.ndarray) -> dict[tuple[int, int], float]:
    """The pair model's score of every (mention, founder) pair the index proposed for a
    chunk, in one call: called per mention, numpy's overhead on a few rows cost more than
    the model. (Some pairs go unused: a mention that repeats a text word for word.)"""
    rows, columns = np.nonzero(ids >= 0)
    mentions, founders = np.asarray(chunk)[rows], ids[rows, columns]
    scores = model.score(embeddings[mentions], embeddings[founders],
                         [texts[m] for m in mentions], [texts[f] for f in founders])
    return dict(zip(zip(mentions.tolist(), founders.tolist()), scores.tolist()))


def _best(model: PairModel, position: int, candidates: list[int], texts: list[str],
          embeddings: np.ndarray, scored: dict[tuple[int, int], float]
          ) -> tuple[int, float, float] | None:
    """The candidate founder the pair model likes best, if any reaches its threshold.
    `scored` holds the scores known so far; the others are computed and added."""
    if not candidates:
        return None
    fresh = [c for c in candidates if (position, c) not in scored]
    if fresh:
        vector = embeddings[position]
        scores = model.score(np.broadcast_to(vector, (len(fresh), len(vector))),
                             embeddings[fresh], [texts[position]] * len(fresh),
                             [texts[c] for c in fresh])
        scored.update(zip([(position, c) for c in fresh], scores.tolist()))
    scores = [scored[position, c] for c in candidates]
    best = max(range(len(scores)), key=scores.__getitem__)  # the first of equal scores
    if scores[best] < model.threshold:
        return None
    founder = candidates[best]
    return founder, float(embeddings[founder] @ embeddings[position]), scores[best]
