"""Dedupe's founder index and clustering: the cell-grouped search finds what an exact
search finds when it probes every cell, and the same mentions give the same clusters on
a rerun, at a volume where the index has cells (so k-means and the probes take part)."""

from datetime import datetime, timedelta, timezone

import numpy as np

from carewire.enrichment import dedupe
from carewire.enrichment.dedupe import FounderIndex, assign
from carewire.enrichment.pairs import PairModel


def _unit(rows: np.ndarray) -> np.ndarray:
    return (rows / np.linalg.norm(rows, axis=1, keepdims=True)).astype(np.float32)


def test_probing_every_cell_is_an_exact_top_k():
    rng = np.random.default_rng(3)
    founders = _unit(rng.normal(size=(3000, 16)))
    index = FounderIndex.trained(founders, expected=40_000)
    assert len(index.centroids) > 8
    index.nprobe = len(index.centroids)
    index.add(founders, np.arange(len(founders)))
    queries = _unit(founders[:300] + rng.normal(scale=0.05, size=(300, 16)))
    ids, sims = index.search(queries, k=3, floor=0.3)

    exact = queries @ founders.T
    for row in range(len(queries)):
        expected = [int(i) for i in np.argsort(-exact[row])[:3] if exact[row, i] >= 0.3]
        assert ids[row].tolist() == expected + [-1] * (3 - len(expected))
        np.testing.assert_allclose(sims[row, :len(expected)], exact[row, expected], rtol=1e-5)
    assert (ids[:, 0] == np.arange(300)).mean() > 0.9


def test_equal_cosines_rank_the_lower_id_first_in_every_cell():
    index = FounderIndex(np.eye(2, dtype=np.float32), 2)
    index.add(np.array([[1, 0], [0, 1], [1, 0], [0, 1]], np.float32), np.array([9, 8, 4, 6]))
    ids, sims = index.search(np.array([[1, 0], [0, 1]], np.float32), k=3, floor=0.5)
    assert ids.tolist() == [[4, 9, -1], [6, 8, -1]]
    assert sims[:, :2].tolist() == [[1, 1], [1, 1]]


def test_a_rerun_over_the_same_mentions_gives_the_same_clusters():
    """21,000 mentions (above the 20,000 where the index gets cells): three topics a
    hundred, said in a few ways, some of them word for word again."""
    rng = np.random.default_rng(5)
    topics = _unit(rng.normal(size=(300, 32)))
    picks = rng.integers(0, 300, 21_000)
    embeddings = _unit(topics[picks] + rng.normal(scale=0.15, size=(21_000, 32)))
    phrasing = ["my order {} never arrived", "order {} still not here", "where is order {}",
                "refund for order {} please"]
    texts = [phrasing[i % 4 if i % 3 else 0].format(p) for i, p in enumerate(picks)]
    start = datetime(2026, 3, 1, tzinfo=timezone.utc)
    created_at = [start + timedelta(minutes=i) for i in range(len(texts))]
    model = PairModel.default()

    first = assign(texts, embeddings, created_at, model, timedelta(days=3))
    again = assign(list(texts), embeddings.copy(), list(created_at), model, timedelta(days=3))

    assert first == again
    founders = {a.founder for a in first.values()}
    assert 300 <= len(founders) < len(texts) // 2  # clustered, not one cluster per mention
    assert {a.joined_by for a in first.values()} == {"founder", "duplicate", "similar"}


def test_dropped_founders_are_never_found_again():
    index = FounderIndex(np.eye(2, dtype=np.float32), 2)
    index.add(np.array([[1, 0], [0, 1], [1, 0], [0, 1]], np.float32), np.array([9, 8, 4, 6]))
    index.drop(np.array([4, 8]))
    ids, _ = index.search(np.array([[1, 0], [0, 1]], np.float32), k=3, floor=0.5)
    assert ids.tolist() == [[9, -1, -1], [6, -1, -1]]


def test_closed_clusters_leave_the_index_and_their_places_go_to_open_ones(monkeypatch):
    """Four clusters about one thing closed one after another (each quiet for over a
    day); a fifth, worded otherwise, is open. A new mention nearest the four but worded
    like the fifth must be compared with the fifth: the closed founders may not take the
    k = 4 places. (One mention per chunk, a sweep before each.)"""
    monkeypatch.setattr(dedupe, "CHUNK", 1)
    monkeypatch.setattr(dedupe, "CLOSE_EVERY", 1)
    rng = np.random.default_rng(2)
    query = _unit(rng.normal(size=(1, 32)))[0]
    other = _unit(rng.normal(size=(1, 32)))[0]
    closed = _unit(query + rng.normal(scale=0.05, size=(4, 32)))
    open_one = _unit((query + 0.6 * other)[None])[0]
    texts = ["battery drains overnight"] * 4 + ["order 4411 never arrived",
                                                  "my order 4411 never arrived"]
    embeddings = np.vstack([closed, open_one, query]).astype(np.float32)
    start = datetime(2026, 3, 1, tzinfo=timezone.utc)
    created_at = [start + timedelta(days=d) for d in (0, 2, 4, 6, 7.5, 8)]

    found = assign(texts, embeddings, created_at, PairModel.default(), timedelta(days=1))

    assert [found[p].joined_by for p in range(5)] == ["founder"] * 5  # each had closed
    assert (found[5].founder, found[5].joined_by) == (4, "similar")


def test_a_text_said_again_after_its_cluster_closed_joins_the_new_cluster_word_for_word():
    embeddings = np.tile(_unit(np.ones((1, 32))), (3, 1))
    start = datetime(2026, 3, 1, tzinfo=timezone.utc)
    created_at = [start, start + timedelta(days=2), start + timedelta(days=2.5)]

    found = assign(["battery drains overnight"] * 3, embeddings, created_at,
                   PairModel.default(), timedelta(days=1))

    assert [(found[p].founder, found[p].joined_by) for p in range(3)] == [
        (0, "founder"), (1, "founder"), (1, "duplicate")]
