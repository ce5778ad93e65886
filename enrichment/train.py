"""Training heads on encoder features, and the `relevance` command for your own brand.

    python -m carewire.enrichment.train relevance labelled.csv --text-column text \\
        --label-column relevant --out carewire-relevance.npz

reads mentions of your brand that someone labelled relevant or not (true/false, 1/0,
yes/no), reports its 5-fold cross-validated accuracy, fits a head on all of them and
writes it; point `enrichment.relevance_head` at the file. A few hundred labelled
mentions are enough to learn what your brand name means and what it does not.

The heads that ship with carewire are built the same way from ../shared/data by
`python -m evals.build_models` (see there).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

from carewire.enrichment.encoder import Encoder
from carewire.enrichment.heads import Head

RELEVANCE_LAYERS = (4, 5, 6)


def fit_head(features: np.ndarray, labels: list[str], names: tuple[str, ...],
             layers: tuple[int, ...], *, hidden: int = 0, epochs: int = 30,
             lr: float = 1e-3, weight_decay: float = 1e-4, dropout: float = 0.1,
             balanced: bool = True, seed: int = 0, info: dict | None = None,
             name: str = "head") -> Head:
    """A softmax classifier (with one hidden ReLU layer when `hidden` > 0). `balanced`
    weighs the loss so that a rare class is recalled as well as a common one: right when
    the measure is macro recall (sentiment), wrong when it is accuracy (relevance)."""
    import torch

    torch.manual_seed(seed)
    y = torch.tensor([names.index(label) for label in labels])
    mean = features.mean(axis=0)
    scale = features.std(axis=0) + 1e-6
    x = torch.tensor((features - mean) / scale, dtype=torch.float32)
    counts = torch.bincount(y, minlength=len(names)).clamp(min=1).float()
    loss_fn = torch.nn.CrossEntropyLoss(
        weight=counts.sum() / (len(names) * counts) if balanced else None)
    if hidden:
        net = torch.nn.Sequential(torch.nn.Dropout(dropout), torch.nn.Linear(x.shape[1], hidden),
                                  torch.nn.ReLU(), torch.nn.Dropout(dropout),
                                  torch.nn.Linear(hidden, len(names)))
    else:
        net = torch.nn.Sequential(torch.nn.Dropout(dropout), torch.nn.Linear(x.shape[1], len(names)))
    optimizer = torch.optim.AdamW(net.parameters(), lr=lr, weight_decay=weight_decay)
    generator = torch.Generator().manual_seed(seed)
    for _ in range(epochs):
        net.train()
        for batch in torch.randperm(len(x), generator=generator).split(256):
            optimizer.zero_grad()
            loss_fn(net(x[batch]), y[batch]).backward()
            optimizer.step()
    dense = [m for m in net if isinstance(m, torch.nn.Linear)]
    return Head(name=name, version="", labels=names, layers=layers,
                mean=mean.astype(np.float32), scale=scale.astype(np.float32),
                weights=tuple(m.weight.detach().numpy().T.copy() for m in dense),
                biases=tuple(m.bias.detach().numpy().copy() for m in dense),
                info=info or {})


def predict(head: Head, features: np.ndarray) -> list[str]:
    return [head.labels[i] for i in head.apply(features).argmax(axis=1)]


def cross_validate(features: np.ndarray, labels: list[str], names: tuple[str, ...],
                   layers: tuple[int, ...], folds: int = 5, **fit) -> list[str]:
    """Out-of-fold predictions: each row predicted by a head that never saw it."""
    probabilities = out_of_fold(features, labels, names, layers, folds, **fit)
    return [names[i] for i in probabilities.argmax(axis=1)]


def out_of_fold(features: np.ndarray, labels: list[str], names: tuple[str, ...],
                layers: tuple[int, ...], folds: int = 5, **fit) -> np.ndarray:
    """(n, len(names)) class probabilities, each row from a head that never saw it: what
    calibration and thresholds are fitted on."""
    order = np.random.default_rng(0).permutation(len(labels))
    probabilities = np.zeros((len(labels), len(names)))
    for fold in np.array_split(order, folds):
        train = np.setdiff1d(order, fold)
        head = fit_head(features[train], [labels[i] for i in train], names, layers, **fit)
        probabilities[fold] = head.apply(features[fold])
    return probabilities


def relevance_features(texts: list[str], encoder: Encoder) -> np.ndarray:
    from carewire.enrichment.text import normalize

    encoded = encoder.encode([normalize(t) for t in texts])
    return np.hstack([encoded.layers[layer] for layer in RELEVANCE_LAYERS])


RELEVANCE_FIT = {"hidden": 128, "epochs": 20, "weight_decay": 1e-2, "balanced": False}


def _truthy(value) -> bool:
    text = str(value).strip().lower()
    if text in ("true", "1", "yes", "y", "relevant"):
        return True
    if text in ("false", "0", "no", "n", "irrelevant", ""):
        return False
    raise ValueError(f"cannot read {value!r} as relevant or not: use true/false, 1/0, yes/no")


def train_relevance(path: Path, text_column: str, label_column: str, out: Path,
                    encoder_model: str | None = None) -> dict:
    import pandas as pd

    frame = pd.read_csv(path, sep="\t" if path.suffix in (".tsv", ".tab") else ",",
                        dtype=str, keep_default_na=False)
    missing = [c for c in (text_column, label_column) if c not in frame.columns]
    if missing:
        raise SystemExit(f"{path} has no column {', '.join(missing)}; its columns are "
                         f"{', '.join(frame.columns)}")
    labels = ["relevant" if _truthy(v) else "irrelevant" for v in frame[label_column]]
    if len(set(labels)) < 2:
        raise SystemExit(f"{path}: every row is {labels[0] if labels else 'missing'}; a head "
                         "needs examples of both relevant and irrelevant mentions")
    encoder = Encoder(encoder_model, feature_layers=RELEVANCE_LAYERS)
    features = relevance_features(frame[text_column].tolist(), encoder)
    names = ("irrelevant", "relevant")
    held_out = cross_validate(features, labels, names, RELEVANCE_LAYERS, **RELEVANCE_FIT)
    accuracy = float(np.mean([p == t for p, t in zip(held_out, labels)]))
    head = fit_head(features, labels, names, RELEVANCE_LAYERS, name=out.stem,
                    info={"data": str(path), "rows": len(labels),
                          "cv_accuracy": round(accuracy, 4), "encoder": encoder.name,
                          "encoder_version": encoder.version}, **RELEVANCE_FIT)
    head.save(out)
    return {"rows": len(labels), "relevant": labels.count("relevant"),
            "cv_accuracy": accuracy, "written": str(out)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m carewire.enrichment.train",
                                     description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    relevance = commands.add_parser("relevance", help="fit a relevance head for your brand")
    relevance.add_argument("labelled", type=Path, help="CSV or TSV of labelled mentions")
    relevance.add_argument("--text-column", default="text")
    relevance.add_argument("--label-column", default="relevant")
    relevance.add_argument("--out", type=Path, default=Path("carewire-relevance.npz"))
    relevance.add_argument("--encoder", default=None,
                           help="the encoder the pipeline uses, if not the default")
    args = parser.parse_args(argv)
    result = train_relevance(args.labelled, args.text_column, args.label_column, args.out,
                             args.encoder)
    print(f"{result['rows']} labelled mentions ({result['relevant']} relevant): 5-fold "
          f"cross-validated accuracy {result['cv_accuracy']:.3f}; head written to "
          f"{result['written']}. Set enrichment.relevance_head to it.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
