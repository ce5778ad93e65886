"""Build the models that ship with carewire from ../shared/data (`make models`).

    sentiment   enrichment/models/sentiment_layers.safetensors: MiniLM's layers 5-6
                fine-tuned on the SemEval 2013-2016 tweets (evals/sentiment_finetune.py),
                run as a fork of the encoder (enrichment/sentiment_layers.py); then
                enrichment/models/sentiment.npz: a head on the encoder's layer means and
                the fork's outputs, trained on the same tweets; validation is only
                reported. The file's exact-text filter leaves 695 of the 2,000 TweetEval
                validation tweets with a near-copy in it (same words, other punctuation):
                those copies are left out of training, or the printed validation score
                would be inflated (0.75 instead of 0.70)
    same-issue  enrichment/models/issue_layer.safetensors: a copy of MiniLM's layer 6
                fine-tuned jointly with the word-overlap features (evals/issue_finetune.py)
                into the embedding carewire stores (enrichment/issue_layer.py); then
                enrichment/models/same_issue.npz: the pair model of dedupe on that
                embedding's cosine and the word overlap. Both are trained on three
                quarters of the 80 % of the paraphrase pairs that
                `datasets.paraphrase_held_out` does not hold out; the threshold is chosen
                on the other quarter

    private-channel  enrichment/models/private_channel.npz: the head that judges whether
                helping needs a private channel, trained on the 70 % of the hand-labelled
                twcs tweets (evals/labels) that is not held out; it predicts the labelling
                guide's reason codes, and the private ones' summed probability is Platt-
                calibrated on out-of-fold predictions of that 70 %

All are fitted on the features of the encoder runtime that ships by default (onnx-int8,
enrichment/onnx_int8.py), so what runs is what was fitted; its `info` names the runtime.
All are deterministic (fixed seeds; the int8 encoder gives the same bits on every run) and
take a few minutes each on 2 CPU cores, most of it the encoder pass over the training texts. The files are small enough to commit; their
`info` records the data they came from and the figures measured when they were built.
"""

from __future__ import annotations

import hashlib
import sys
import time

import numpy as np

from carewire.enrichment import finetuned, issue_layer, sentiment_layers
from carewire.enrichment.pairs import DEFAULT_PAIR_MODEL, pair_features
from carewire.enrichment.encoder import Encoder
from carewire.core.labels import SENTIMENTS
from carewire.enrichment.private_channel import DEFAULT_HEAD as PRIVATE_HEAD
from carewire.enrichment.private_channel import PRIVATE_CODES, calibrate
from carewire.enrichment.sentiment import DEFAULT_HEAD, DEFAULT_HEAD_LANGUAGES
from carewire.enrichment.text import duplicate_key, normalize
from carewire.enrichment.train import fit_head, out_of_fold, predict
from evals import datasets, metrics
from evals.sentiment_finetune import FIT as FINETUNE_FIT
from evals.issue_finetune import FIT as ISSUE_FIT
from evals.issue_finetune import finetune as issue_finetune
from evals.sentiment_finetune import finetune

SENTIMENT_LAYERS = (2, 3, 4, 5, 6, *sentiment_layers.KEYS)
SENTIMENT_FIT = {"hidden": 256, "epochs": 6, "lr": 1e-3, "weight_decay": 1e-2, "dropout": 0.2}
PAIR_FIT = {"hidden": 0, "epochs": 20, "lr": 1e-3, "weight_decay": 1e-3, "dropout": 0.0}
PRIVATE_LAYERS = (4, 5, 6)
PRIVATE_FIT = {"hidden": 0, "epochs": 30, "lr": 1e-3, "weight_decay": 1e-2, "dropout": 0.2}
PAIR_FLOOR = 0.40
"""Cosine below which pairs are never scored: on the issue vectors 98.1 % of the tuning
paraphrases lie above it and the model accepts no tuning pair below it (20 below 0.45), so
it costs no F1 and saves work: dedupe scores fewer candidates."""


def _features(encoder: Encoder, texts: list[str], layers: tuple[int, ...]) -> np.ndarray:
    encoded = encoder.encode([normalize(t) for t in texts])
    return np.hstack([encoded.layers[layer] for layer in layers])


def sentiment() -> None:
    texts, labels = datasets.semeval_train()
    val_texts, val_labels = datasets.tweeteval_validation()
    seen = {duplicate_key(t) for t in val_texts}
    kept = [i for i, t in enumerate(texts) if duplicate_key(t) not in seen]
    texts, labels = [texts[i] for i in kept], [labels[i] for i in kept]
    started = time.perf_counter()
    finetuned.save(finetune(texts, labels, val_texts, val_labels),
                          sentiment_layers.DEFAULT_LAYERS)
    tuned_s = time.perf_counter() - started
    encoder = Encoder(feature_layers=SENTIMENT_LAYERS)
    started = time.perf_counter()
    features = _features(encoder, texts, SENTIMENT_LAYERS)
    val_features = _features(encoder, val_texts, SENTIMENT_LAYERS)
    encoded_s = time.perf_counter() - started
    head = fit_head(features, labels, SENTIMENTS, SENTIMENT_LAYERS, name="sentiment",
                    **SENTIMENT_FIT)
    predicted = predict(head, val_features)
    recall = float(np.mean([metrics.recall(val_labels, predicted, s) for s in SENTIMENTS]))
    head.info.update({"data": f"SemEval 2013-2016 task 4A train, {len(texts)} tweets (near-"
                              "copies of TweetEval validation tweets left out)",
                      "encoder": encoder.name, "encoder_version": encoder.version,
                      "encoder_runtime": encoder.runtime_version,
                      "sentiment_layers_version": finetuned.version(sentiment_layers.DEFAULT_LAYERS),
                      "finetune": FINETUNE_FIT, "languages": list(DEFAULT_HEAD_LANGUAGES),
                      "tweeteval_val_macro_recall": round(recall, 4), "fit": SENTIMENT_FIT})
    head.save(DEFAULT_HEAD)
    print(f"sentiment: fine-tuned layers 5-6 in {tuned_s:.0f} s; encoded "
          f"{len(texts) + len(val_texts)} tweets in {encoded_s:.0f} s; TweetEval validation "
          f"macro recall {recall:.4f}; wrote {DEFAULT_HEAD}")


def _best_threshold(scores: np.ndarray, truth: np.ndarray) -> float:
    grid = np.round(np.arange(0.05, 0.96, 0.01), 2)
    return float(max(grid, key=lambda t: metrics.precision_recall_f1(truth, scores >= t)[2]))


def same_issue() -> None:
    a, b, same = datasets.paraphrase_pairs()
    tune = ~datasets.paraphrase_held_out(a)
    a = [t for t, keep in zip(a, tune) if keep]
    b = [t for t, keep in zip(b, tune) if keep]
    truth = same[tune]
    # fit the issue layer and the model on three of the four tuning groups, choose the
    # threshold on the fourth
    group = np.array([int(hashlib.sha256(t.encode()).hexdigest()[:8], 16) % 4 for t in a])
    fit_rows, pick_rows = group != 0, group == 0
    started = time.perf_counter()
    fit_pairs = np.flatnonzero(fit_rows)
    finetuned.save(issue_finetune([a[i] for i in fit_pairs], [b[i] for i in fit_pairs],
                                         truth[fit_pairs]), issue_layer.DEFAULT_LAYER)
    tuned_s = time.perf_counter() - started
    unique = sorted(set(a) | set(b))
    encoder = Encoder()
    vectors = dict(zip(unique, encoder.encode([normalize(t) for t in unique]).embedding))
    va, vb = np.stack([vectors[t] for t in a]), np.stack([vectors[t] for t in b])
    cosine = np.einsum("ij,ij->i", va, vb)
    features = pair_features(va, vb, a, b)  # symmetric: (a, b) and (b, a) are the same row
    labels = ["same" if s else "different" for s in truth]
    head = fit_head(features[fit_rows], [l for l, r in zip(labels, fit_rows) if r],
                    ("different", "same"), (), name="same_issue", **PAIR_FIT)
    pick_scores = np.where(cosine[pick_rows] >= PAIR_FLOOR,
                           head.apply(features[pick_rows])[:, 1], 0.0)
    threshold = _best_threshold(pick_scores, truth[pick_rows])
    cosine_threshold = _best_threshold(cosine, truth)
    head.info.update({"data": "Twitter URL paraphrase corpus, train pairs not held out",
                      "encoder": encoder.name, "encoder_version": encoder.version,
                      "embedding_version": encoder.embedding_version,
                      "encoder_runtime": encoder.runtime_version, "issue_finetune": ISSUE_FIT,
                      "threshold": threshold, "floor": PAIR_FLOOR,
                      "cosine_threshold": cosine_threshold, "fit": PAIR_FIT})
    head.save(DEFAULT_PAIR_MODEL)
    paraphrases = cosine[truth]
    below = (cosine < PAIR_FLOOR) & (head.apply(features)[:, 1] >= threshold)
    print(f"same-issue: fine-tuned the issue layer in {tuned_s:.0f} s; {len(a)} tuning pairs; "
          f"floor {PAIR_FLOOR} ({(paraphrases >= PAIR_FLOOR).mean():.1%} of the paraphrases "
          f"above it, {int(below.sum())} pairs below it the model would accept), threshold "
          f"{threshold}, plain cosine threshold {cosine_threshold}; wrote {DEFAULT_PAIR_MODEL}")


def private_channel() -> None:
    labelled = datasets.private_channel_labels()
    train = labelled[~labelled["held_out"]].reset_index(drop=True)
    encoder = Encoder(feature_layers=PRIVATE_LAYERS)
    features = _features(encoder, train["text"].tolist(), PRIVATE_LAYERS)
    codes = tuple(sorted(set(train["why"])))
    why, truth = train["why"].tolist(), train["private"].to_numpy(dtype=bool)
    private = np.array([code in PRIVATE_CODES for code in codes])
    raw = out_of_fold(features, why, codes, PRIVATE_LAYERS, **PRIVATE_FIT)[:, private].sum(axis=1)
    slope, intercept = _platt(raw, truth)
    head = fit_head(features, why, codes, PRIVATE_LAYERS, name="private_channel", **PRIVATE_FIT)
    head.info.update({"data": f"{len(train)} hand-labelled inbound twcs tweets (evals/labels, "
                              "not held out)", "encoder": encoder.name,
                      "encoder_version": encoder.version,
                      "encoder_runtime": encoder.runtime_version, "fit": PRIVATE_FIT,
                      "calibration": {"slope": slope, "intercept": intercept}})
    f1 = metrics.precision_recall_f1(truth, calibrate(raw, slope, intercept) >= 0.5)[2]
    head.info["out_of_fold_f1_at_0_5"] = round(float(f1), 4)
    head.save(PRIVATE_HEAD)
    print(f"private-channel: {len(train)} tweets ({truth.mean():.1%} private), {len(codes)} "
          f"reason codes; Platt slope {slope:.3f}, intercept {intercept:.3f}; out-of-fold F1 "
          f"at 0.5 {f1:.4f}; wrote {PRIVATE_HEAD}")


def _platt(raw: np.ndarray, truth: np.ndarray) -> tuple[float, float]:
    """Slope and intercept of a logistic fit of `truth` on logit(`raw`) (Newton steps)."""
    raw = np.clip(raw, 1e-6, 1 - 1e-6)
    x = np.stack([np.log(raw / (1 - raw)), np.ones_like(raw)], axis=1)
    w = np.array([1.0, 0.0])
    for _ in range(50):
        p = 1 / (1 + np.exp(-x @ w))
        step = np.linalg.solve(x.T @ (x * (p * (1 - p))[:, None]) + 1e-6 * np.eye(2),
                               x.T @ (truth - p))
        w += step
        if np.abs(step).max() < 1e-9:
            break
    return round(float(w[0]), 6), round(float(w[1]), 6)


BUILDERS = {"sentiment": sentiment, "same-issue": same_issue, "private-channel": private_channel}


def main(argv: list[str]) -> int:
    for name in argv or list(BUILDERS):
        BUILDERS[name]()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
