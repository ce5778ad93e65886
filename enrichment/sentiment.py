"""Sentiment: negative / neutral / positive, and a score in [-1, 1] (P(pos) - P(neg)).

Two implementations behind one call:
- the offline default, a head trained by carewire on the SemEval tweets in
  `../shared/data/sentiment` (`python -m carewire.enrichment.train sentiment`), reading the
  features of the shared encoder pass, so sentiment costs no second transformer pass;
- a head you trained yourself (`enrichment.sentiment_model: path/to/head.npz`);
- any Hugging Face sequence-classification model (`enrichment.sentiment_model`), e.g. a
  multilingual one for a German brand. It runs its own pass; its labels are mapped to
  ours by `enrichment.sentiment_labels`, or by their names when they say neg/neu/pos.

Every model declares the languages it was made for (`languages`): a head in its file, a
Hugging Face model in `enrichment.sentiment_languages`. A mention in another language is
not scored (`not_scored`, no score, a reason that names the language): a model's answer
on a language it never saw is worse than none (on German posts the English head scored
below always answering "neutral"). A mention whose language is undetermined (`und`:
a few words, emoji, links) is scored, as the model's first language: short texts are
what the shipped head was trained on, and they carry no sign of another language.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np

from carewire.core.errors import ConfigError
from carewire.core.labels import SENTIMENTS
from carewire.enrichment import finetuned, sentiment_layers
from carewire.enrichment.encoder import Encoded, without_progress_bars
from carewire.enrichment.heads import Head

DEFAULT_HEAD = Path(__file__).parent / "models" / "sentiment.npz"
DEFAULT_HEAD_LANGUAGES = ("en",)
"""The shipped head's languages: it was trained on English SemEval tweets, before heads
recorded their `languages` (`make models` now writes them into the file)."""
UNDETERMINED = "und"


@dataclass(frozen=True)
class Scored:
    label: list[str]
    score: np.ndarray       # P(positive) - P(negative)
    confidence: np.ndarray  # probability of the chosen label


def _scored(probs: np.ndarray) -> Scored:
    """`probs` columns in SENTIMENTS order."""
    best = probs.argmax(axis=1)
    return Scored(label=[SENTIMENTS[b] for b in best], score=probs[:, 2] - probs[:, 0],
                  confidence=probs[np.arange(len(best)), best])


@dataclass(frozen=True)
class ForLanguage:
    """Whether a model made for `languages` scores each mention, and why (or why not)."""

    scored: np.ndarray           # bool per mention
    language: list[str | None]   # the language the model read it as; None: not scored
    reason: list[str]


def for_language(model_name: str, languages: tuple[str, ...],
                 mentions: list[str]) -> ForLanguage:
    """Which of `mentions` (their languages) a model made for `languages` may score."""
    made_for = ", ".join(languages)
    scored, read_as, reasons = [], [], []
    for language in mentions:
        if language in languages:
            scored.append(True)
            read_as.append(language)
            reasons.append(f"{language}: {model_name} is made for {made_for}")
        elif language == UNDETERMINED:
            scored.append(True)
            read_as.append(languages[0])
            reasons.append(f"language undetermined: scored as {languages[0]}, "
                           f"{model_name} is made for {made_for}")
        else:
            scored.append(False)
            read_as.append(None)
            reasons.append(f"no sentiment model for {language} is configured; "
                           f"{model_name} is made for {made_for}")
    return ForLanguage(np.array(scored, dtype=bool), read_as, reasons)


def _languages(declared, model: str) -> tuple[str, ...]:
    languages = tuple(dict.fromkeys(str(code).lower() for code in declared or ()))
    if not languages or UNDETERMINED in languages:
        raise ConfigError(
            f"sentiment model {model} does not say which languages it was made for; name "
            "them (ISO 639-1 codes) in enrichment.sentiment_languages, e.g. [de, en]. "
            "Mentions in other languages are then marked not_scored.")
    return languages


class HeadSentiment:
    """The default: carewire's head on the shared encoder's features."""

    def __init__(self, head: Head, languages: list[str] | None = None,
                 default_languages: tuple[str, ...] = ()) -> None:
        if set(head.labels) != set(SENTIMENTS):
            raise ConfigError(f"sentiment head {head.name} has labels {head.labels}, "
                              f"expected {SENTIMENTS}")
        self.head = head
        self.languages = _languages(languages or head.info.get("languages")
                                    or default_languages, head.name)
        self.columns = [head.labels.index(s) for s in SENTIMENTS]
        self.name, self.version = f"carewire/{head.name}", head.version
        self.feature_layers = head.layers
        if any(sentiment_layers.is_fork_key(layer) for layer in head.layers):
            # the head reads the fine-tuned layers: they are part of what scores
            layers = finetuned.version(sentiment_layers.DEFAULT_LAYERS)
            wanted = head.info.get("sentiment_layers_version")
            if wanted and wanted != layers:
                raise ConfigError(
                    f"sentiment head {head.name} was trained on the fine-tuned layers "
                    f"{wanted}, but {sentiment_layers.DEFAULT_LAYERS} is {layers}: "
                    "rebuild both with `make models`")
            self.version = f"{head.version}+layers-{layers}"

    def predict(self, texts: list[str], encoded: Encoded) -> Scored:
        return _scored(self.head.probabilities(encoded)[:, self.columns])


class HubSentiment:
    """A Hugging Face sequence-classification model, run on its own."""

    feature_layers: tuple[int, ...] = ()

    def __init__(self, model: str, labels: dict[str, str], languages: list[str] | None,
                 *, device: str = "cpu", batch_size: int = 32) -> None:
        self.model_ref, self.device, self.batch_size = model, device, batch_size
        self.name = model
        self.languages = _languages(languages, model)
        self._labels = labels

    @cached_property
    def _loaded(self):
        from transformers import AutoModelForSequenceClassification, AutoTokenizer

        without_progress_bars()
        local = Path(self.model_ref).is_dir()
        tokenizer = AutoTokenizer.from_pretrained(self.model_ref, local_files_only=local)
        model = AutoModelForSequenceClassification.from_pretrained(
            self.model_ref, local_files_only=local).eval().to(self.device)
        return tokenizer, model, self._columns(model.config.id2label)

    def _columns(self, id2label: dict[int, str]) -> list[int]:
        """Model output index for negative, neutral, positive."""
        mapped = {}
        for index, raw in id2label.items():
            ours = self._labels.get(raw) or next(
                (s for s in SENTIMENTS if raw.lower().startswith(s[:3])), None)
            if ours:
                mapped[ours] = int(index)
        missing = [s for s in SENTIMENTS if s not in mapped]
        if missing:
            raise ConfigError(
                f"sentiment model {self.model_ref} has labels {sorted(id2label.values())}; "
                f"cannot tell which is {', '.join(missing)}. Map them in the config, e.g. "
                "enrichment.sentiment_labels: {LABEL_0: negative, LABEL_1: neutral, "
                "LABEL_2: positive}")
        return [mapped[s] for s in SENTIMENTS]

    @property
    def version(self) -> str:
        _, model, _ = self._loaded
        return str(getattr(model.config, "_commit_hash", None) or "local")

    def predict(self, texts: list[str], encoded: Encoded) -> Scored:
        import torch

        tokenizer, model, columns = self._loaded
        probs = []
        with torch.no_grad():
            for start in range(0, len(texts), self.batch_size):
                tokens = tokenizer(texts[start:start + self.batch_size], padding=True,
                                   truncation=True, max_length=256,
                                   return_tensors="pt").to(self.device)
                probs.append(model(**tokens).logits.softmax(-1)[:, columns].cpu().numpy())
        return _scored(np.concatenate(probs) if probs else np.zeros((0, 3), np.float32))


def sentiment_model(model: str | os.PathLike | None, labels: dict[str, str], device: str,
                    languages: list[str] | None = None):
    """The configured sentiment model: carewire's head (the default or a `.npz` of your
    own), or a Hugging Face classifier (a local directory or a hub id); `languages`, the
    ones it was made for, overrides what the model declares."""
    if model is None or str(model).endswith(".npz"):
        path = Path(model) if model else DEFAULT_HEAD
        shipped = path.resolve() == DEFAULT_HEAD.resolve()
        return HeadSentiment(Head.load(path), languages,
                             DEFAULT_HEAD_LANGUAGES if shipped else ())
    return HubSentiment(str(model), labels, languages, device=device)
