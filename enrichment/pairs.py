"""The same-issue model: do two mentions raise the same issue?

A logistic regression on 15 symmetric features of a pair: the cosine of the two sentence
embeddings, and 14 measures of word overlap (tokens, content words, character trigrams,
long words, bigrams, numbers that agree or clash, length). Word overlap catches what the
embedding blurs: "order 4411 never arrived" and "order 9302 never arrived" are close in
meaning but are two customers' orders; "my eSIM QR code was already used" and "QR code
says already scanned" share the rare words that make them one issue.

The cosine is of the stored embeddings: on the bundled MiniLM, the issue layer's vectors
(enrichment/issue_layer.py), fine-tuned jointly with these word measures. Measured on the
held-out fifth of the Twitter paraphrase corpus (`make eval`): F1 0.80, where their cosine
alone gives 0.78 (on MiniLM's own embedding: 0.79 and 0.77). Richer heads (element-wise
products of the embeddings, per-layer cosines, small MLPs, boosted trees) gained at most
0.005 (docs/enrichment.md).
"""

from __future__ import annotations

import html
import math
import re
from functools import lru_cache
from pathlib import Path

import numpy as np

from carewire.enrichment.heads import Head
from carewire.enrichment.text import duplicate_key

DEFAULT_PAIR_MODEL = Path(__file__).parent / "models" / "same_issue.npz"

_ENTITY_SPACED = re.compile(r"&\s?([a-zA-Z]+|#\d+)\s?;")  # tokenised text: "& amp ;"
_ENTITY_LEFT = re.compile(r"&[a-zA-Z]+;")                 # entities html does not know
_HANDLE = re.compile(r"(?<![\w@])@\w{1,30}")
_URL = re.compile(r"https?://\S+|www\.\S+")
_APOSTROPHE = re.compile(r"['\u2018\u2019`\u00b4]")
_TOKEN = re.compile(r"\w+")
_DIGIT = re.compile(r"\d")
STOP = frozenset("""a an the and or but if of to in on at by for with from as is are was were
be been being am do does did done have has had i me my we our you your he him his she her it
its they them their this that these those there here what which who whom whose when where why
how not no so than too very just can could will would shall should may might must s t re ve
ll d m about into over after before up down out off again then once all any both each few more
most other some such only own same user http rt via amp""".split())


def _tokens(text: str) -> list[str]:
    text = text or ""
    if "&" in text:  # most texts have no entity: skip the three passes that handle them
        text = _ENTITY_LEFT.sub(" ", html.unescape(_ENTITY_SPACED.sub(r"&\1;", text)))
    text = _URL.sub(" http ", _HANDLE.sub(" user ", text))
    return _TOKEN.findall(_APOSTROPHE.sub("", text.lower()))


def _stem(word: str) -> str:
    """Fold plurals and possessives: orders -> order (not -ss words)."""
    return word[:-1] if len(word) > 3 and word.endswith("s") and not word.endswith("ss") else word


@lru_cache(maxsize=50_000)
def _words(text: str) -> tuple:
    """Per text, once: the word sets the pair features compare (cached: a founder is
    compared with many mentions)."""
    raw = _tokens(text)
    tokens = [_stem(w) for w in raw]
    content = [_stem(w) for w in raw if w not in STOP]
    padded = f" {' '.join(content)} "
    return (frozenset(tokens), frozenset(content),
            frozenset(zip(padded, padded[1:], padded[2:])), len(tokens),
            frozenset(w for w in tokens if _DIGIT.search(w)),
            frozenset(w for w in content if len(w) >= 6), frozenset(zip(content, content[1:])))


def _agreement(x: frozenset, y: frozenset) -> tuple[float, float]:
    """Jaccard and overlap coefficients of two sets, from one intersection (no union is
    built: dedupe computes these for millions of pairs)."""
    shared = len(x & y)
    if not shared:
        return 0.0, 0.0
    return shared / (len(x) + len(y) - shared), shared / min(len(x), len(y))


def lexical(a: str, b: str) -> list[float]:
    tokens_a, content_a, trigrams_a, n_a, numbers_a, long_a, bigrams_a = _words(a)
    tokens_b, content_b, trigrams_b, n_b, numbers_b, long_b, bigrams_b = _words(b)
    both_numbers = 1.0 if numbers_a and numbers_b else 0.0
    shared_number = 1.0 if numbers_a & numbers_b else 0.0
    return [*_agreement(tokens_a, tokens_b), *_agreement(content_a, content_b),
            *_agreement(trigrams_a, trigrams_b),
            min(n_a, n_b) / max(n_a, n_b, 1), math.log1p(min(n_a, n_b)),
            both_numbers, shared_number, both_numbers * (1.0 - shared_number),
            _agreement(long_a, long_b)[0], _agreement(bigrams_a, bigrams_b)[0],
            1.0 if content_a == content_b and content_a else 0.0]


def pair_features(a: np.ndarray, b: np.ndarray, a_texts: list[str],
                  b_texts: list[str]) -> np.ndarray:
    """(n, 15): cosine of unit embeddings `a[i]`, `b[i]`, then the lexical measures."""
    cosine = np.einsum("ij,ij->i", a, b)[:, None]
    words = np.array([lexical(x, y) for x, y in zip(a_texts, b_texts)],
                     dtype=np.float32).reshape(len(a_texts), 14)
    return np.hstack([cosine, words]).astype(np.float32)


class PairModel:
    """The trained head, its decision threshold and the candidate floor: pairs whose
    cosine is below the floor are never scored (the model almost never accepts them)."""

    def __init__(self, head: Head) -> None:
        self.head = head
        self.threshold = float(head.info["threshold"])
        self.floor = float(head.info["floor"])
        self.name, self.version = f"carewire/{head.name}", head.version

    @classmethod
    def default(cls) -> "PairModel":
        return cls(Head.load(DEFAULT_PAIR_MODEL))

    def score(self, a: np.ndarray, b: np.ndarray, a_texts: list[str],
              b_texts: list[str]) -> np.ndarray:
        """P(same issue) for each row pair."""
        return self.head.apply(pair_features(a, b, a_texts, b_texts))[:, 1]

    def same(self, a: np.ndarray, b: np.ndarray, a_texts: list[str],
             b_texts: list[str]) -> np.ndarray:
        """The decision dedupe makes for a mention and a founder: exact duplicates always
        match; other pairs must be candidates (cosine >= floor) and score >= threshold."""
        duplicate = np.array([bool(x) and x == y for x, y in zip(
            map(duplicate_key, a_texts), map(duplicate_key, b_texts))], dtype=bool)
        features = pair_features(a, b, a_texts, b_texts)  # column 0 is the cosine
        similar = ((features[:, 0] >= self.floor)
                   & (self.head.apply(features)[:, 1] >= self.threshold))
        return duplicate | similar
