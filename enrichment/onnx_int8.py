"""The encoder on ONNX Runtime, int8: exported once, quantised, cached, run text by text.

Why: on a CPU the transformer pass is the ceiling of enrichment, and a dynamically
quantised int8 graph on ONNX Runtime runs MiniLM several times faster than torch fp32
with embeddings at cosine ~0.99 to torch's (docs/enrichment.md has the figures).

The recipe (`RECIPE`), applied on first use to the configured model:
1. torch.onnx.export of a module that returns, for one text, the embedding (on the
   bundled MiniLM the fine-tuned issue layer's vector, enrichment/issue_layer.py; on
   another model the unit mean of the last layer) and the token mean of every hidden
   state (0 = the token embeddings): every layer, so one file serves whatever
   `feature_layers` the heads ask for (a few means of a few hundred numbers cost nothing
   beside the layers themselves); on the bundled MiniLM, when a head asks for them, also
   the outputs of the fine-tuned sentiment fork (enrichment/sentiment_layers.py), from the
   same layer-4 states;
2. onnxruntime.quantization.quantize_dynamic: the weight MatMuls to int8, per output
   channel; the embedding tables and everything else stay fp32;
3. the tokenizer saved beside it (tokenizers' own JSON, truncation included), so running
   needs neither torch nor transformers.

It is cached under `<cache>/<key>/`, where the key hashes the weights' version (the
fine-tuned layer files included) and the recipe (with ONNX Runtime's version, whose quantiser
makes the file). A build happens in a temporary folder that is renamed into place, so a
reader never sees half a model; a manifest holds the files' hashes, and an entry whose
files do not match it (a damaged disk, an interrupted copy) is built again.

Each text runs on its own, unpadded, on one intra-op thread, with as many texts at once
as `THREADS`: a vector never depends on the batch it came in, and a rerun gives the
same bits.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import tempfile
import warnings
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)

RECIPE = ("carewire-onnx-int8/1: token means of all hidden states + unit last-layer mean, "
          "one unpadded text, opset 17 (TorchScript exporter); quantize_dynamic MatMul "
          "QInt8 per-channel")
"""What the cached file is made by; a change here is a new cache key (and runtime version).
The sentiment fork, when a graph has it, is in the key by its layer file (`cache_key`)."""

THREADS = 2
"""Texts encoded at once, each on one intra-op thread: sized for 2 cores. One thread per
text keeps every vector's arithmetic in one fixed order (deterministic), and on short texts
two texts side by side beat two threads splitting one."""

MODEL_FILE, TOKENIZER_FILE, MANIFEST_FILE = "model.onnx", "tokenizer.json", "manifest.json"


class ExportError(RuntimeError):
    """The configured model could not be exported to ONNX (the reason is the message)."""


def recipe_version() -> str:
    import onnxruntime

    return hashlib.sha256(f"{RECIPE}|onnxruntime {onnxruntime.__version__}".encode()
                          ).hexdigest()[:12]


def default_cache_dir() -> Path:
    """$CAREWIRE_ENCODER_CACHE, else ~/.cache/carewire/encoders."""
    configured = os.environ.get("CAREWIRE_ENCODER_CACHE")
    return Path(configured) if configured else Path.home() / ".cache" / "carewire" / "encoders"


def cache_key(model_ref: str, weights_version: str, max_length: int,
              fork: Path | None = None, issue: Path | None = None) -> str:
    """What names a cache entry: everything that changes the file, the content of the
    fine-tuned layer files (the sentiment fork's, the issue layer's) included."""
    from carewire.enrichment.finetuned import version

    forked = f"|fork {version(fork)}" if fork is not None else ""
    issued = f"|issue {version(issue)}" if issue is not None else ""
    return hashlib.sha256(f"{model_ref}|{weights_version}|{max_length}|{recipe_version()}"
                          f"{forked}{issued}".encode()).hexdigest()[:16]


def cached_model(model_ref: str, weights_version: str, max_length: int,
                 cache_dir: Path, fork: Path | None = None, issue: Path | None = None
                 ) -> Path:
    """The folder of the int8 model for these weights (with the sentiment fork's layers
    from `fork` and the issue layer from `issue`, when given), built first if it is
    missing or damaged. Raises ExportError when the model cannot be exported."""
    key = cache_key(model_ref, weights_version, max_length, fork, issue)
    entry = Path(cache_dir).expanduser() / key
    problem = _damage(entry)
    if problem is None:
        return entry
    if entry.exists():
        log.warning("encoder cache %s is damaged (%s): building it again", entry, problem)
        shutil.rmtree(entry, ignore_errors=True)
    entry.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=f".{key}-", dir=entry.parent) as scratch:
        built = Path(scratch) / "entry"
        built.mkdir()
        _build(model_ref, max_length, built, fork, issue)
        try:
            built.rename(entry)  # atomic; fails if another process put one there first
        except OSError:
            if _damage(entry) is not None:
                raise
    return entry


def _damage(entry: Path) -> str | None:
    """Why the cache entry cannot be used, or None when its files match its manifest."""
    try:
        manifest = json.loads((entry / MANIFEST_FILE).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return "missing" if not entry.exists() else "no manifest"
    except (OSError, ValueError) as exc:
        return f"unreadable manifest: {exc}"
    for name in (MODEL_FILE, TOKENIZER_FILE):
        path = entry / name
        if not path.is_file():
            return f"{name} missing"
        if _sha256(path) != manifest.get("sha256", {}).get(name):
            return f"{name} does not match its hash"
    return None


def _sha256(path: Path) -> str:
    with path.open("rb") as data:
        return hashlib.file_digest(data, "sha256").hexdigest()


def _build(model_ref: str, max_length: int, folder: Path, fork: Path | None,
           issue: Path | None) -> None:
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from transformers import AutoModel, AutoTokenizer

    from carewire.enrichment import finetuned, sentiment_layers
    from carewire.enrichment.encoder import without_progress_bars
    from carewire.enrichment.issue_layer import issue_layer

    without_progress_bars()
    offline = Path(model_ref).is_dir()
    try:
        tokenizer = AutoTokenizer.from_pretrained(model_ref, local_files_only=offline)
        model = AutoModel.from_pretrained(model_ref, local_files_only=offline).eval()
        backend = tokenizer.backend_tokenizer
    except (AttributeError, ValueError) as exc:  # a slow (Python) tokenizer has no JSON
        raise ExportError(f"{model_ref} has no fast tokenizer to save with it: {exc}") from exc
    backend.no_padding()
    backend.enable_truncation(max_length)
    backend.save(str(folder / TOKENIZER_FILE))
    probe = torch.tensor([backend.encode("a probe text for the export").ids])
    fp32 = folder / "fp32.onnx"
    log.info("exporting %s to ONNX int8 in %s (once per model and recipe)", model_ref, folder)
    try:
        # the tracer warns about the mask's branches, which a mask of ones fixes for good
        with torch.inference_mode(), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            forked = sentiment_layers.fork(model, fork) if fork is not None else None
            issued = issue_layer(model, issue) if issue is not None else None
            torch.onnx.export(_Pooled(model, forked, issued), (probe,), str(fp32),
                              input_names=["input_ids"],
                              output_names=["embedding", "layers"] + (["fork"] if forked else []),
                              dynamic_axes={"input_ids": {1: "tokens"}}, opset_version=17,
                              dynamo=False)
    except Exception as exc:  # noqa: BLE001 - any exporter failure means "not exportable"
        raise ExportError(f"torch.onnx.export failed: {type(exc).__name__}: {exc}") from exc
    quiet = _QuantiserChatter()
    logging.getLogger().addFilter(quiet)
    try:
        quantize_dynamic(fp32, folder / MODEL_FILE, per_channel=True,
                         weight_type=QuantType.QInt8, op_types_to_quantize=["MatMul"])
    except Exception as exc:  # noqa: BLE001 - a graph the quantiser cannot read
        raise ExportError(f"quantize_dynamic failed: {type(exc).__name__}: {exc}") from exc
    finally:
        logging.getLogger().removeFilter(quiet)
    fp32.unlink()
    manifest = {"model": model_ref, "recipe": RECIPE, "recipe_version": recipe_version(),
                "fork": finetuned.version(fork) if fork is not None else None,
                "issue": finetuned.version(issue) if issue is not None else None,
                "sha256": {name: _sha256(folder / name) for name in (MODEL_FILE,
                                                                     TOKENIZER_FILE)}}
    (folder / MANIFEST_FILE).write_text(json.dumps(manifest, indent=1), encoding="utf-8")


class _QuantiserChatter(logging.Filter):
    """The quantiser logs on the root logger, a line per tensor and a warning about a
    pre-processing step dynamic quantisation does not need; a task log keeps none of it."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "/onnxruntime/quantization/" not in record.pathname.replace(os.sep, "/")


def _Pooled(model, fork, issue):
    """The exported module: one unpadded text in, (the embedding, every layer's mean) out,
    as the torch path pools (a mask of ones: nothing is padding). The embedding is the
    issue layer's vector where there is one, else the unit last-layer mean; with a
    sentiment fork, its two outputs as well, from the same layer-4 states."""
    import torch

    from carewire.enrichment import sentiment_layers
    from carewire.enrichment.issue_layer import ISSUE_FROM

    class Pooled(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.model, self.fork, self.issue = model, fork, issue

        def forward(self, input_ids):
            mask = torch.ones_like(input_ids)
            states = self.model(input_ids=input_ids, attention_mask=mask,
                                output_hidden_states=True).hidden_states
            means = torch.stack([state.mean(dim=1) for state in states], dim=1)
            pooled = (self.issue(states[ISSUE_FROM], mask.to(means.dtype))
                      if self.issue is not None
                      else torch.nn.functional.normalize(means[:, -1], dim=1))
            if self.fork is None:
                return pooled, means
            forked = self.fork(states[sentiment_layers.FORK_FROM], mask.to(means.dtype))
            return pooled, means, torch.stack(forked, dim=1)

    return Pooled()


class Int8Session:
    """A loaded int8 model and its tokenizer; `encode` gives what Encoder.encode needs."""

    def __init__(self, entry: Path) -> None:
        import onnxruntime
        from tokenizers import Tokenizer

        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        self.session = onnxruntime.InferenceSession(
            str(entry / MODEL_FILE), options, providers=["CPUExecutionProvider"])
        self.tokenizer = Tokenizer.from_file(str(entry / TOKENIZER_FILE))

    def encode(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        """(n, hidden) unit embeddings, (n, layers + 1, hidden) layer means, and the
        sentiment fork's (n, 2, hidden) outputs where the graph has them (else None)."""
        ids = [np.array([encoding.ids], dtype=np.int64)
               for encoding in self.tokenizer.encode_batch([t or "" for t in texts])]
        with ThreadPoolExecutor(THREADS) as pool:
            outputs = list(pool.map(lambda one: self.session.run(None, {"input_ids": one}),
                                    ids))
        shapes = [output.shape for output in self.session.get_outputs()]
        if not outputs:
            width = shapes[1][2]
            return (np.zeros((0, width), np.float32),
                    np.zeros((0, shapes[1][1], width), np.float32),
                    np.zeros((0, 2, width), np.float32) if len(shapes) > 2 else None)
        return (np.concatenate([output[0] for output in outputs]),
                np.concatenate([output[1] for output in outputs]),
                np.concatenate([output[2] for output in outputs]) if len(shapes) > 2 else None)
