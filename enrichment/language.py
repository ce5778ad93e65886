"""Language of a mention, offline: langid.py's naive Bayes model (the py3langid package
ships it), scored for a whole batch with one matrix product instead of one per text.

Short social posts ("lol", "@user ok") carry too little to tell a language: below
`min_confidence` the answer is "und" (undetermined, as X itself says), not a guess.
"""

from __future__ import annotations

from functools import cache

import numpy as np

UNDETERMINED = "und"


@cache
def _identifier():
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_pickled_model(MODEL_FILE)


def detect(texts: list[str], min_confidence: float = 0.5) -> tuple[list[str], np.ndarray]:
    """(ISO 639-1 code or "und", confidence in [0, 1]) for each text."""
    if not texts:
        return [], np.zeros(0, dtype=np.float32)
    ident = _identifier()
    counts = np.stack([ident.instance2fv(text) for text in texts]).astype(np.float32)
    log_probs = counts @ ident.nb_ptc.astype(np.float32) + ident.nb_pc.astype(np.float32)
    log_probs -= log_probs.max(axis=1, keepdims=True)
    probs = np.exp(log_probs)
    probs /= probs.sum(axis=1, keepdims=True)
    best = probs.argmax(axis=1)
    confidence = probs[np.arange(len(texts)), best]
    languages = [ident.nb_classes[b] if c >= min_confidence and text.strip() else UNDETERMINED
                 for b, c, text in zip(best, confidence, texts)]
    return languages, confidence
