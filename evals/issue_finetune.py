"""Fine-tuning the issue layer (enrichment/issue_layer.py) on the paraphrase tuning pairs.

The layer is trained jointly with the same-issue model's word-overlap features: a logistic
layer reads the cosine of the two issue vectors beside the 14 measures of word overlap,
so the vector learns what the words do not already say. The original layers 1-5 stay
frozen: their token states are computed once (torch fp32) and kept as fp16, and each
epoch trains the one copied layer, about half a minute on 2 cores.

Chosen on the tuning pairs only (docs/enrichment.md): two epochs; longer runs fit the
tuning pairs better and the pairs that choose the threshold no better. Everything is
seeded and runs on a fixed number of threads, so a rebuild gives the same weights.
"""

from __future__ import annotations

import time

import numpy as np

from carewire.enrichment import issue_layer
from carewire.enrichment.pairs import lexical
from evals.sentiment_finetune import bundled_model, padded, token_states

FIT = {"epochs": 2, "lr": 3e-5, "head_lr": 1e-2, "weight_decay": 1e-2, "batch": 64,
       "threads": 2, "seed": 0}
COSINE_CENTRE, COSINE_SCALE = 0.7, 5.0
"""The cosine enters the logistic layer as (cosine - 0.7) * 5: about the spread of the
standardised word features, so one learning rate suits all of them."""


def finetune(a: list[str], b: list[str], same: np.ndarray, log=print, **fit):
    """The fine-tuned issue-layer module after `fit` (FIT's keys) epochs on the pairs
    (a[i], b[i]) labelled `same`."""
    import torch

    fit = {**FIT, **fit}
    torch.set_num_threads(fit["threads"])
    torch.manual_seed(fit["seed"])
    generator = torch.Generator().manual_seed(fit["seed"])
    tokenizer, model = bundled_model()
    unique = sorted(set(a) | set(b))
    index = {text: i for i, text in enumerate(unique)}
    left, right = np.array([index[t] for t in a]), np.array([index[t] for t in b])
    started = time.perf_counter()
    states = token_states(unique, tokenizer, model, issue_layer.ISSUE_FROM)
    log(f"issue layer: layer-5 states of {len(states)} texts in "
        f"{time.perf_counter() - started:.0f} s")
    words = np.array([lexical(x, y) for x, y in zip(a, b)], dtype=np.float32)
    words = torch.from_numpy((words - words.mean(0)) / (words.std(0) + 1e-6))
    labels = torch.from_numpy(np.asarray(same, dtype=np.float32))
    layer = issue_layer.issue_layer(model, None).train()
    logistic = torch.nn.Linear(1 + words.shape[1], 1)
    optimizer = torch.optim.AdamW(
        [{"params": layer.parameters(), "lr": fit["lr"]},
         {"params": logistic.parameters(), "lr": fit["head_lr"]}],
        weight_decay=fit["weight_decay"])
    for epoch in range(fit["epochs"]):
        started, total = time.perf_counter(), 0.0
        order = torch.randperm(len(a), generator=generator).numpy()
        for start in range(0, len(order), fit["batch"]):
            rows = order[start:start + fit["batch"]]
            texts = np.unique(np.concatenate([left[rows], right[rows]]))
            at = {text: j for j, text in enumerate(texts)}
            vectors = layer(*padded(states, texts))
            cosine = (vectors[[at[t] for t in left[rows]]]
                      * vectors[[at[t] for t in right[rows]]]).sum(-1, keepdim=True)
            logits = logistic(torch.cat([(cosine - COSINE_CENTRE) * COSINE_SCALE,
                                         words[rows]], dim=1))[:, 0]
            loss = torch.nn.functional.binary_cross_entropy_with_logits(logits, labels[rows])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total += float(loss.detach()) * len(rows)
        log(f"issue layer: epoch {epoch + 1}/{fit['epochs']} in "
            f"{time.perf_counter() - started:.0f} s, loss {total / len(a):.4f}")
    return layer.eval()
