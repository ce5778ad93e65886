"""Small classifiers on encoder features, stored as plain arrays in a `.npz` file.

A head is a standardisation followed by dense layers (ReLU between them) and a softmax:
what `train.py` fits with torch is applied here with numpy, so scoring needs no autograd
and the artefact is a few hundred kilobytes that git can hold. The file also records what
it needs (feature layers, labels) and how it was made (data, metric), so a head and an
encoder that do not fit each other fail at load time, with a message.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from carewire.core.errors import ConfigError
from carewire.enrichment.encoder import Encoded


@dataclass(frozen=True)
class Head:
    name: str
    version: str                     # content hash of the file
    labels: tuple[str, ...]
    layers: tuple[int, ...]          # encoder hidden layers whose means it reads
    mean: np.ndarray
    scale: np.ndarray
    weights: tuple[np.ndarray, ...]
    biases: tuple[np.ndarray, ...]
    info: dict

    @classmethod
    def load(cls, path: Path) -> "Head":
        path = Path(path)
        if not path.is_file():
            raise ConfigError(f"classifier head {path} not found: train it with "
                              "`python -m carewire.enrichment.train` or point the config elsewhere")
        with np.load(path, allow_pickle=False) as data:
            depth = int(data["depth"])
            return cls(
                name=path.stem,
                version=hashlib.sha256(path.read_bytes()).hexdigest()[:12],
                labels=tuple(str(label) for label in data["labels"]),
                layers=tuple(int(layer) for layer in data["layers"]),
                mean=data["mean"].astype(np.float32),
                scale=data["scale"].astype(np.float32),
                weights=tuple(data[f"w{i}"].astype(np.float32) for i in range(depth)),
                biases=tuple(data[f"b{i}"].astype(np.float32) for i in range(depth)),
                info=json.loads(str(data["info"])))

    def save(self, path: Path) -> None:
        arrays = {f"w{i}": w.astype(np.float32) for i, w in enumerate(self.weights)}
        arrays.update({f"b{i}": b.astype(np.float32) for i, b in enumerate(self.biases)})
        np.savez_compressed(path, depth=len(self.weights), labels=np.array(self.labels),
                            layers=np.array(self.layers), mean=self.mean, scale=self.scale,
                            info=json.dumps(self.info, sort_keys=True), **arrays)

    def probabilities(self, encoded: Encoded) -> np.ndarray:
        """(n, len(labels)) class probabilities from the encoder layers this head reads."""
        return self.apply(np.hstack([encoded.layers[layer] for layer in self.layers]))

    def apply(self, features: np.ndarray) -> np.ndarray:
        """Probabilities for a feature matrix laid out as `layers` says (training uses it)."""
        hidden = (features - self.mean) / self.scale
        for i, (weight, bias) in enumerate(zip(self.weights, self.biases)):
            hidden = hidden @ weight + bias
            if i < len(self.weights) - 1:
                np.maximum(hidden, 0, out=hidden)
        hidden -= hidden.max(axis=1, keepdims=True)
        np.exp(hidden, out=hidden)
        return hidden / hidden.sum(axis=1, keepdims=True)
