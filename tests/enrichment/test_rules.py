"""The parts of enrichment that are rules, not models: text clean-up, language, intent,
noise, and the founder index's search."""

import numpy as np
import pytest

from carewire.enrichment import intent, language
from carewire.enrichment.dedupe import FounderIndex
from carewire.enrichment.relevance import Relevance
from carewire.enrichment.encoder import Encoded
from carewire.enrichment.text import duplicate_key, normalize


def test_normalize_replaces_handles_links_and_escapes():
    assert normalize("@KestrelHelp  my bill&amp;fees https://t.co/x1 \\u2019ok") == \
        "@user my bill&fees http \u2019ok"
    assert normalize("mail me at jo@example.com") == "mail me at jo@example.com"


def test_duplicate_key_ignores_case_punctuation_handles_and_links():
    assert duplicate_key("@KestrelHelp My order NEVER arrived!! https://t.co/a") == \
        duplicate_key("@KestrelMobile my order never arrived http://bit.ly/b")
    assert duplicate_key("my order never arrived") != duplicate_key("my order arrived")


def test_language_detected_per_text_and_undetermined_when_too_short():
    languages, confidence = language.detect(
        ["my order never arrived and nobody answers", "Die Bahn ist schon wieder zu spät",
         "Merci beaucoup pour votre aide", "lol", ""])
    assert languages == ["en", "de", "fr", "und", "und"]
    assert confidence.shape == (5,) and (confidence <= 1).all()


@pytest.mark.parametrize("text, score, expected", [
    ("please add dark mode to the app", 0.0, "feature_idea"),
    ("my order never arrived", 0.0, "complaint"),
    ("worst network ever, no signal all day", -0.9, "complaint"),
    ("@user how do I reset my voicemail pin?", 0.0, "question"),
    ("does the esim work on a pixel 8", 0.0, "question"),
    ("thanks for sorting my bill so quickly", 0.8, "praise"),
    ("new phones in the shop window today", 0.1, "other"),
])
def test_intent_follows_its_cues(text, score, expected):
    found, reason = intent.classify(text, score)
    assert found == expected, reason
    assert reason


def test_noise_patterns_mark_job_ads_and_spam_irrelevant_with_a_reason():
    texts = ["We're hiring! Retail advisors wanted, apply now", "GIVEAWAY follow back for a phone",
             "#a #b #c #d #e #f", "12345 !!!", "my kestrel bill doubled"]
    empty = Encoded(embedding=np.zeros((5, 4), np.float32), layers={})
    judged = Relevance().judge(texts, empty)
    assert judged.relevant.tolist() == [False, False, False, False, True]
    assert judged.reason[0].startswith("job ad") and judged.reason[1].startswith("spam")
    assert judged.reason[3] == "no words"


def _unit(rows: np.ndarray) -> np.ndarray:
    return (rows / np.linalg.norm(rows, axis=1, keepdims=True)).astype(np.float32)


def test_founder_index_with_cells_finds_what_an_exact_search_finds():
    """Mentions gather around topics (as real embeddings do); near copies of founders
    must be found in the probed cells nearly always."""
    rng = np.random.default_rng(1)
    topics = _unit(rng.normal(size=(300, 48)))
    founders = _unit(topics[rng.integers(0, 300, 30_000)] + rng.normal(scale=0.08,
                                                                       size=(30_000, 48)))
    queries = _unit(founders[:500] + rng.normal(scale=0.03, size=(500, 48)))
    index = FounderIndex.trained(founders, expected=len(founders))
    assert len(index.centroids) > 1
    index.add(founders, np.arange(len(founders)))
    ids, sims = index.search(queries, k=1, floor=0.5)
    exact = queries @ founders.T
    assert (ids[:, 0] == exact.argmax(axis=1)).mean() >= 0.95
    found = ids[:, 0] >= 0
    np.testing.assert_allclose(sims[found, 0], exact[found, ids[found, 0]], rtol=1e-5)


def test_founder_index_respects_the_floor():
    index = FounderIndex(np.zeros((1, 2), np.float32), 1)
    index.add(_unit(np.array([[1.0, 0.0], [0.0, 1.0]])), np.array([7, 8]))
    ids, _ = index.search(_unit(np.array([[1.0, 0.1], [-1.0, -1.0]])), k=2, floor=0.5)
    assert ids.tolist() == [[7, -1], [-1, -1]]


def test_pair_features_are_symmetric_and_see_clashing_numbers():
    from carewire.enrichment.pairs import pair_features

    rng = np.random.default_rng(0)
    a, b = _unit(rng.normal(size=(2, 8))), _unit(rng.normal(size=(2, 8)))
    x = ["order 4411 never arrived", "My eSIM QR code was already used"]
    y = ["order 9302 never arrived", "QR code says already used, eSIM won't install"]
    forward, backward = pair_features(a, b, x, y), pair_features(b, a, y, x)
    np.testing.assert_allclose(forward, backward, rtol=1e-6)
    assert forward.shape == (2, 15)
    assert forward[0, 11] == 1.0 and forward[1, 11] == 0.0  # both have numbers, none shared
