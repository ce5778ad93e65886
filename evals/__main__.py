"""`make eval`: the official metric of each task, for the configured (default: offline) models.

    .venv/bin/python -m evals            # all
    .venv/bin/python -m evals sentiment  # one: sentiment, germeval, dedupe, routing, alerts,
                                         # suggestions

Everything goes through the public hooks (`enrichment.score_texts`, `embed_texts`,
`same_issue`, `routing.decide`, the desk's `suggestions.suggest`), so what is measured is
what the pipeline runs. Reference figures from the literature are printed beside ours; ours
are measured on this machine, now.
"""

from __future__ import annotations

import sys
import time

import numpy as np

from benchmarks.connectors import machine
from evals import datasets, runtimes
from carewire.core.labels import NOT_SCORED
from evals.metrics import precision_recall_f1, recall


def sentiment() -> None:
    from carewire import enrichment

    texts, truth = datasets.tweeteval_validation()
    scored = enrichment.score_texts(texts)
    predicted = scored["sentiment"].tolist()
    recalls = {label: recall(truth, predicted, label)
               for label in ("negative", "neutral", "positive")}
    macro = float(np.mean(list(recalls.values())))

    def macro_recall(enricher) -> float:
        labels = enricher.enrich(texts)[0]["sentiment"].tolist()
        return float(np.mean([recall(truth, labels, label)
                              for label in ("negative", "neutral", "positive")]))
    not_scored = scored["sentiment"] == NOT_SCORED
    print(f"TweetEval sentiment, validation ({len(texts)} tweets)")
    print(f"  macro-averaged recall (official metric): {macro:.4f}   target >= 0.72"
          f"   ({int(not_scored.sum())} tweets not scored, each counted as a miss: their "
          "detected language is not one the model is made for)")
    print("  per class: " + ", ".join(f"{k} {v:.3f}" for k, v in recalls.items()))
    runtimes.compare("macro recall", macro_recall)
    print("  published test-set results for reference: TimeLMs-2021 73.7, "
          "RoBERTa-Retrained 72.8, FastText 62.9, VADER ~57")
    print(f"  language: {np.mean(scored['language'] == 'en'):.3f} of these English tweets "
          f"detected as en, {np.mean(scored['language'] == 'und'):.3f} undetermined")


def germeval() -> None:
    from carewire import enrichment
    from carewire.enrichment.encoder import Encoder
    from carewire.enrichment.train import RELEVANCE_FIT, RELEVANCE_LAYERS, cross_validate, \
        relevance_features

    texts, relevant, sentiment_truth = datasets.germeval_dev()
    scored = enrichment.score_texts(texts)
    relevance_acc = float(np.mean(scored["relevant"].to_numpy() == np.array(relevant)))
    majority = max(np.mean(relevant), 1 - np.mean(relevant))
    print(f"GermEval 2017, dev ({len(texts)} German documents about Deutsche Bahn); "
          "micro-F1 of a single-label task equals accuracy")
    print(f"  relevance micro-F1, offline default (noise patterns): {relevance_acc:.4f}   "
          f"(always 'relevant': {majority:.4f})")
    labels = ["relevant" if r else "irrelevant" for r in relevant]
    encoder = Encoder(feature_layers=RELEVANCE_LAYERS)
    held_out = cross_validate(relevance_features(texts, encoder), labels,
                              ("irrelevant", "relevant"), RELEVANCE_LAYERS, **RELEVANCE_FIT)
    cv = float(np.mean([p == t for p, t in zip(held_out, labels)]))
    print(f"  relevance micro-F1, a brand-trained head (python -m carewire.enrichment.train relevance),"
          f" 5-fold cross-validated on dev: {cv:.4f}")
    print(f"  language: {np.mean(scored['language'] == 'de'):.3f} detected as de")
    germeval_sentiment(scored, sentiment_truth)


def germeval_sentiment(scored, truth: list[str]) -> dict[str, float]:
    """GermEval 2017 document sentiment of what ships, and how much of it is scored at all.
    A document marked not_scored (no model for its language) has a gold label, so it is a
    miss in the official micro-F1 over all documents; the micro-F1 over the scored ones and
    their share say how good the scores are where there are some, and how often there are."""
    predicted = scored["sentiment"].to_numpy()
    truth = np.array(truth)
    kept = predicted != NOT_SCORED
    neutral = truth == "neutral"
    figures = {"all": float(np.mean(predicted == truth)), "scored_share": float(kept.mean()),
               "not_scored": int((~kept).sum()),
               "scored": float(np.mean(predicted[kept] == truth[kept])) if kept.any()
               else float("nan"),
               "neutral_all": float(neutral.mean()),
               "neutral_scored": float(neutral[kept].mean()) if kept.any() else float("nan")}
    by_language = scored.loc[kept, "sentiment_language"].value_counts().to_dict()
    print(f"  sentiment micro-F1 over all {len(truth)} documents (not_scored counted as a "
          f"miss): {figures['all']:.4f}   (always 'neutral': {figures['neutral_all']:.4f})")
    print(f"  sentiment scored for {kept.sum()} documents ({figures['scored_share']:.3f}; "
          f"read as {by_language or 'none'}); not scored: {figures['not_scored']} (no "
          "sentiment model for their language is configured)")
    if kept.any():
        print(f"  sentiment micro-F1 over the scored documents: {figures['scored']:.4f}   "
              f"(always 'neutral' on them: {figures['neutral_scored']:.4f})")
    return figures


def dedupe() -> None:
    from carewire import enrichment
    from carewire.enrichment.pairs import PairModel

    a, b, same = datasets.paraphrase_pairs()
    held = datasets.paraphrase_held_out(a)
    a = [t for t, h in zip(a, held) if h]
    b = [t for t, h in zip(b, held) if h]
    truth = same[held]
    predicted = np.array(enrichment.same_issue(a, b))
    precision, found, f1 = precision_recall_f1(truth, predicted)
    model = PairModel.default()
    enricher, _ = enrichment._models()
    unique = list(dict.fromkeys(a + b))
    vectors = dict(zip(unique, enricher.embed(unique)))
    cosine = np.array([float(vectors[x] @ vectors[y]) for x, y in zip(a, b)])
    baseline = cosine >= model.head.info["cosine_threshold"]
    _, _, baseline_f1 = precision_recall_f1(truth, baseline)
    print(f"Near-duplicates, Twitter URL paraphrase corpus, held-out 20 % of train "
          f"({len(a)} pairs, {int(truth.sum())} paraphrases)")
    print(f"  F1 (paraphrase class): {f1:.4f}  (precision {precision:.3f}, recall {found:.3f})"
          f"   target >= 0.80")
    print(f"  baseline, cosine of the stored embeddings >= "
          f"{model.head.info['cosine_threshold']:.2f} (tuned on the other 80 %): "
          f"F1 {baseline_f1:.4f}")

    def pair_f1(enricher) -> float:
        found = dict(zip(unique, enricher.embed(unique)))
        same_issue = model.same(np.stack([found[t] for t in a]),
                                np.stack([found[t] for t in b]), a, b)
        return precision_recall_f1(truth, np.asarray(same_issue))[2]

    runtimes.compare("F1", pair_f1)


def routing() -> None:
    from evals.routing import evaluate

    evaluate()


def alerts() -> None:
    from evals.alerts import evaluate

    evaluate()


def suggestions() -> None:
    from evals.suggestions import evaluate

    evaluate()


TASKS = {"sentiment": sentiment, "germeval": germeval, "dedupe": dedupe, "routing": routing,
         "alerts": alerts, "suggestions": suggestions}


def main(argv: list[str]) -> int:
    chosen = argv or list(TASKS)
    unknown = [name for name in chosen if name not in TASKS]
    if unknown:
        print(f"unknown evaluation {', '.join(unknown)}; choose from {', '.join(TASKS)}")
        return 2
    print(f"{machine()}\ndata: {datasets.shared_data()}\n")
    for name in chosen:
        started = time.perf_counter()
        TASKS[name]()
        print(f"  ({time.perf_counter() - started:.0f} s)\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
