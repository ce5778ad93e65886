"""Relevance: is a mention about the brand at all, or noise?

Noise that looks the same for every brand (job ads, giveaway and follower spam, hashtag
walls, posts with no words) is caught by named patterns, so the reason is readable. What
only the brand can tell (another meaning of its name: the kestrel the bird, Kestrel the
boat builder) needs examples: `python -m carewire.enrichment.train relevance` fits a head on a
labelled sample of the brand's own mentions, and `enrichment.relevance_head` points at it.
Without such a head every mention that is not noise counts as relevant.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from carewire.enrichment.encoder import Encoded
from carewire.enrichment.heads import Head

NOISE_PATTERNS = {
    "job ad": re.compile(
        r"\b(we'?re hiring|now hiring|is hiring|job opening|job opportunit|apply (now|today|"
        r"here)|career opportunit)|#(hiring|jobs?|careers?)\b", re.I),
    "spam": re.compile(
        r"\b(giveaway|promo code|discount code|coupon code|click (here|the link)|follow back|"
        r"free followers|earn \$|make money|work from home|airdrop|onlyfans|casino|"
        r"betting tips)\b", re.I),
}
MAX_HASHTAGS = 6


@dataclass(frozen=True)
class Judged:
    relevant: np.ndarray  # bool
    score: np.ndarray     # probability of being about the brand
    reason: list[str]


class Relevance:
    def __init__(self, head: Head | None = None) -> None:
        if head is not None and set(head.labels) != {"relevant", "irrelevant"}:
            raise ValueError(f"relevance head {head.name} must have the labels relevant and "
                             f"irrelevant, not {head.labels}")
        self.head = head
        self.name = f"carewire/{head.name}" if head else "carewire/noise-rules"
        self.version = head.version if head else None  # rules: the enricher hashes this file
        self.feature_layers = head.layers if head else ()

    def judge(self, texts: list[str], encoded: Encoded) -> Judged:
        if self.head is not None:
            score = self.head.probabilities(encoded)[
                :, self.head.labels.index("relevant")]
        else:
            score = np.ones(len(texts), dtype=np.float32)
        relevant, reasons = [], []
        for text, p in zip(texts, score):
            noise = _noise(text)
            if noise:
                relevant.append(False)
                reasons.append(noise)
            elif self.head is not None:
                relevant.append(bool(p >= 0.5))
                reasons.append(f"{self.name} p(relevant)={p:.2f}")
            else:
                relevant.append(True)
                reasons.append("no noise pattern")
        score = np.where(np.array(relevant), score, 0.0).astype(np.float32)
        return Judged(relevant=np.array(relevant, dtype=bool), score=score, reason=reasons)


def _noise(text: str) -> str | None:
    """The kind of noise `text` is, or None."""
    if not re.search(r"[^\W\d_]{2,}", text):
        return "no words"
    for kind, pattern in NOISE_PATTERNS.items():
        match = pattern.search(text)
        if match:
            return f"{kind}: {match.group(0)!r}"
    if text.count("#") >= MAX_HASHTAGS:
        return f"spam: {text.count('#')} hashtags"
    return None
