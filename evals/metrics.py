"""The metrics `make eval` prints and `make models` selects by: one definition each."""

from __future__ import annotations

import numpy as np


def recall(truth: list, predicted: list, label) -> float:
    """Share of the items labelled `label` that were predicted `label`."""
    rows = [p for t, p in zip(truth, predicted) if t == label]
    return float(np.mean([p == label for p in rows])) if rows else float("nan")


def precision_recall_f1(truth: np.ndarray, predicted: np.ndarray) -> tuple[float, float, float]:
    """Of the positive class, for boolean arrays."""
    tp = float(np.sum(truth & predicted))
    precision = tp / max(1.0, float(predicted.sum()))
    recall_ = tp / max(1.0, float(truth.sum()))
    f1 = 2 * precision * recall_ / (precision + recall_) if precision + recall_ else 0.0
    return precision, recall_, f1
