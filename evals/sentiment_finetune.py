"""Fine-tuning the sentiment fork (enrichment/sentiment_layers.py) on the SemEval tweets.

Why it is cheap: layers 1-4 stay frozen, so their token states are computed once (torch
fp32, batches sorted by length) and kept in memory as fp16; each epoch then trains only
the two forked layers and a linear classifier on them, a few minutes per epoch on 2 cores.
The loss weighs the classes by their inverse frequency, as the heads do: the measure is
macro recall. Everything is seeded and runs on a fixed number of threads, so a rebuild
gives the same weights.
"""

from __future__ import annotations

import time

import numpy as np

from carewire.core.labels import SENTIMENTS
from carewire.enrichment import sentiment_layers
from carewire.enrichment.encoder import default_model_path, without_progress_bars
from carewire.enrichment.text import normalize
from evals import metrics

FIT = {"epochs": 3, "lr": 5e-5, "head_lr": 1e-3, "weight_decay": 1e-2, "batch": 32,
       "warmup": 0.06, "threads": 2, "seed": 0}


def bundled_model():
    from transformers import AutoModel, AutoTokenizer

    without_progress_bars()
    path = str(default_model_path())
    return (AutoTokenizer.from_pretrained(path, local_files_only=True),
            AutoModel.from_pretrained(path, local_files_only=True).eval())


def token_states(texts: list[str], tokenizer, model, layers: int, batch: int = 64) -> list:
    """Each text's token states at hidden state `layers` (fp16, unpadded), as the encoder
    reads the text (normalised, at most 128 tokens); only layers 1 to `layers` run."""
    import torch

    texts = [normalize(t) for t in texts]
    order = np.argsort([len(t) for t in texts], kind="stable")
    states: list = [None] * len(texts)
    shared = model.encoder.layer
    model.encoder.layer = shared[:layers]
    try:
        with torch.inference_mode():
            for start in range(0, len(texts), batch):
                chunk = order[start:start + batch]
                tokens = tokenizer([texts[i] for i in chunk], padding=True, truncation=True,
                                   max_length=128, return_tensors="pt")
                hidden = model(**tokens).last_hidden_state  # only the first `layers` ran
                for row, i in enumerate(chunk):
                    states[i] = hidden[row, :int(tokens["attention_mask"][row].sum())].half()
    finally:
        model.encoder.layer = shared
    return states


def _batches(lengths: np.ndarray, size: int, generator) -> list[np.ndarray]:
    """Shuffled batches of similar lengths: little padding, a different mix each epoch."""
    import torch

    order = torch.randperm(len(lengths), generator=generator).numpy()
    batches = []
    for pool in np.array_split(order, max(1, len(order) // (size * 50))):
        pool = pool[np.argsort(lengths[pool], kind="stable")]
        batches += [pool[i:i + size] for i in range(0, len(pool), size)]
    return [batches[i] for i in torch.randperm(len(batches), generator=generator).numpy()]


def padded(states: list, rows: np.ndarray):
    import torch

    width = max(len(states[i]) for i in rows)
    x = torch.zeros(len(rows), width, states[rows[0]].shape[1])
    mask = torch.zeros(len(rows), width)
    for j, i in enumerate(rows):
        x[j, :len(states[i])] = states[i].float()
        mask[j, :len(states[i])] = 1
    return x, mask


def fork_features(fork, states: list, batch: int = 128) -> np.ndarray:
    """(n, 2 * hidden): the fork's two outputs for precomputed layer-4 states."""
    import torch

    out = []
    with torch.inference_mode():
        for start in range(0, len(states), batch):
            x, mask = padded(states, np.arange(start, min(start + batch, len(states))))
            out.append(torch.cat(fork(x, mask), dim=1).numpy())
    return np.concatenate(out)


def finetune(texts: list[str], labels: list[str], val_texts: list[str] | None = None,
             val_labels: list[str] | None = None, log=print, **fit):
    """The fine-tuned fork module, after `fit` (FIT's keys) epochs on (texts, labels);
    the validation texts, when given, are only scored after each epoch, for the log."""
    import torch

    fit = {**FIT, **fit}
    torch.set_num_threads(fit["threads"])
    torch.manual_seed(fit["seed"])
    generator = torch.Generator().manual_seed(fit["seed"])
    tokenizer, model = bundled_model()
    started = time.perf_counter()
    states = token_states(texts, tokenizer, model, sentiment_layers.FORK_FROM)
    val_states = (token_states(val_texts, tokenizer, model, sentiment_layers.FORK_FROM)
                  if val_texts else None)
    log(f"sentiment fork: layer-4 states of {len(states)} tweets in "
        f"{time.perf_counter() - started:.0f} s")
    fork = sentiment_layers.fork(model, None)
    hidden = model.config.hidden_size
    classifier = torch.nn.Sequential(torch.nn.Dropout(0.1), torch.nn.Linear(2 * hidden, 3))
    y = torch.tensor([SENTIMENTS.index(label) for label in labels])
    counts = torch.bincount(y, minlength=3).float()
    loss_fn = torch.nn.CrossEntropyLoss(weight=counts.sum() / (3 * counts))
    optimizer = torch.optim.AdamW(
        [{"params": fork.parameters(), "lr": fit["lr"]},
         {"params": classifier.parameters(), "lr": fit["head_lr"]}],
        weight_decay=fit["weight_decay"])
    lengths = np.array([len(s) for s in states])
    steps = fit["epochs"] * len(_batches(lengths, fit["batch"], torch.Generator().manual_seed(0)))
    warmup = max(1, int(steps * fit["warmup"]))
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda step: min((step + 1) / warmup,
                                    max(0.0, (steps - step) / (steps - warmup))))
    for epoch in range(fit["epochs"]):
        fork.train()
        classifier.train()
        started, total = time.perf_counter(), 0.0
        for rows in _batches(lengths, fit["batch"], generator):
            x, mask = padded(states, rows)
            optimizer.zero_grad()
            loss = loss_fn(classifier(torch.cat(fork(x, mask), dim=1)), y[rows])
            loss.backward()
            optimizer.step()
            schedule.step()
            total += float(loss.detach()) * len(rows)
        fork.eval()
        classifier.eval()
        line = (f"sentiment fork: epoch {epoch + 1}/{fit['epochs']} in "
                f"{time.perf_counter() - started:.0f} s, loss {total / len(states):.4f}")
        if val_states is not None:
            with torch.inference_mode():
                logits = classifier(torch.from_numpy(fork_features(fork, val_states)))
            predicted = [SENTIMENTS[i] for i in logits.argmax(1).numpy()]
            recall = np.mean([metrics.recall(val_labels, predicted, s) for s in SENTIMENTS])
            line += f", validation macro recall (fork's own classifier) {recall:.4f}"
        log(line)
    return fork.eval()
