"""The models that enrich a mention, loaded once, applied to batches.

One encoder pass per text feeds every head; language and intent add no model pass at
all. `models` names each model and its version; every enriched row stores them.
"""

from __future__ import annotations

import ast
import hashlib
import json
import re
from functools import cached_property
from pathlib import Path

import numpy as np
import pandas as pd

from carewire.core.errors import ConfigError
from carewire.core.labels import NOT_SCORED
from carewire.core.settings import EnrichmentSettings
from carewire.enrichment import intent, language
from carewire.enrichment import relevance as noise_rules
from carewire.enrichment.encoder import Encoder
from carewire.enrichment.heads import Head
from carewire.enrichment.private_channel import PrivateChannel
from carewire.enrichment.relevance import Relevance
from carewire.enrichment.sentiment import for_language, sentiment_model
from carewire.enrichment.text import normalize

COLUMNS = ["language", "language_confidence", "language_source", "sentiment",
           "sentiment_score", "sentiment_confidence", "sentiment_language", "sentiment_reason",
           "relevant", "relevance_score", "relevance_reason", "intent", "intent_reason",
           "private_score", "private_reason"]
_PLACEHOLDERS = re.compile(r"@user|\bhttp\b")


def _source_version(module) -> str:
    """Rules are versioned by their code: an edited rule is a new version. Imports,
    docstrings, comments and layout do not count (the syntax tree without them is hashed),
    so moving a module or renaming what it imports does not make every mention look
    enriched by another model."""
    tree = ast.parse(Path(module.__file__).read_text(encoding="utf-8"))
    tree.body = [node for node in tree.body
                 if not isinstance(node, (ast.Import, ast.ImportFrom))
                 and not (isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant))]
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if (isinstance(node, (ast.FunctionDef, ast.ClassDef, ast.AsyncFunctionDef)) and body
                and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant)):
            node.body = body[1:] or [ast.Pass()]
    return hashlib.sha256(ast.dump(tree).encode("utf-8")).hexdigest()[:12]


SCORED_CHARS = 20_000
"""How much of a text the models read. The encoder reads a few hundred tokens anyway, and
a post of megabytes (a pasted log, a spam wall) would otherwise overflow the language
detector's counters and stop every enrichment run; the mention keeps its whole text."""


def _scored(texts: list[str]) -> list[str]:
    return [normalize((text or "")[:SCORED_CHARS]) for text in texts]


class Enricher:
    def __init__(self, settings: EnrichmentSettings) -> None:
        self.settings = settings
        self.sentiment = sentiment_model(settings.sentiment_model, settings.sentiment_labels,
                                         settings.device, settings.sentiment_languages)
        self.relevance = Relevance(Head.load(settings.relevance_head)
                                   if settings.relevance_head else None)
        self.private_channel = PrivateChannel.load(settings.private_channel_head)
        self.encoder = Encoder(settings.encoder, device=settings.device,
                               batch_size=settings.batch_size, runtime=settings.runtime,
                               cache_dir=settings.encoder_cache,
                               feature_layers=(*self.sentiment.feature_layers,
                                               *self.relevance.feature_layers,
                                               *self.private_channel.feature_layers))
        for head in (getattr(self.sentiment, "head", None), self.relevance.head,
                     self.private_channel.head):
            if head is not None:
                self.check_trained_for(head)

    def check_trained_for(self, head: Head) -> None:
        """A head reads one encoder's features (a pair model, its embeddings); with another
        encoder it would run and answer nonsense, so it is refused."""
        for key, have in (("encoder_version", self.encoder.version),
                          ("embedding_version", self.encoder.embedding_version)):
            wanted = head.info.get(key)
            if wanted and wanted != have:
                raise ConfigError(
                    f"{head.name} was trained on {key.replace('_', ' ')} {wanted}, but the "
                    f"configured encoder {self.encoder.name} gives {have}. Retrain it for "
                    "this encoder (make models; python -m carewire.enrichment.train "
                    "relevance), or configure the encoder it was trained on.")

    @cached_property
    def models(self) -> dict[str, str]:
        return {"encoder": f"{self.encoder.name}@{self.encoder.embedding_version}",
                "encoder_runtime": self.encoder.runtime_version,
                "sentiment": f"{self.sentiment.name}@{self.sentiment.version}",
                "sentiment_languages": ",".join(self.sentiment.languages),
                "relevance": f"{self.relevance.name}@"
                             f"{self.relevance.version or _source_version(noise_rules)}",
                "private_channel": f"{self.private_channel.name}@{self.private_channel.version}",
                "language": f"py3langid@{_source_version(language)}",
                "intent": f"carewire/intent-rules@{_source_version(intent)}"}

    @cached_property
    def models_version(self) -> str:
        return hashlib.sha256(json.dumps(self.models, sort_keys=True).encode()).hexdigest()[:12]

    def embed(self, texts: list[str]) -> np.ndarray:
        """Unit embeddings only: what dedupe compares."""
        return self.encoder.encode(_scored(texts)).embedding

    def enrich(self, texts: list[str], stated_languages: list[str | None] | None = None
               ) -> tuple[pd.DataFrame, np.ndarray]:
        """One row of COLUMNS per text, and the unit embeddings (n, dim) for dedupe.
        `stated_languages`, where given, are the platforms' own language tags (X's `lang`,
        a feed's xml:lang): a two-letter tag beats a guess from a few words."""
        clean = _scored(texts)
        encoded = self.encoder.encode(clean)
        detected, language_confidence = language.detect(
            [_PLACEHOLDERS.sub(" ", text) for text in clean],
            self.settings.language_min_confidence)
        stated = stated_languages if stated_languages is not None else [None] * len(clean)
        use_stated = np.array([isinstance(tag, str) and len(tag) == 2 for tag in stated],
                              dtype=bool)
        languages = [tag.lower() if use else found
                     for tag, use, found in zip(stated, use_stated, detected)]
        # the model reads every text (it shares the encoder pass), but only a text in a
        # language it was made for keeps its answer
        sentiment = self.sentiment.predict(clean, encoded)
        judged = for_language(self.sentiment.name, self.sentiment.languages, languages)
        scores = np.where(judged.scored, sentiment.score, np.nan).astype(float)
        relevance = self.relevance.judge(clean, encoded)
        private = self.private_channel.judge(encoded)
        intents = [intent.classify(text, float(score) if ok else None)
                   for text, score, ok in zip(clean, sentiment.score, judged.scored)]
        frame = pd.DataFrame({
            "language": languages,
            "language_confidence": language_confidence.astype(float),
            "language_source": np.where(use_stated, "platform", "detected"),
            "sentiment": np.where(judged.scored, sentiment.label, NOT_SCORED),
            "sentiment_score": scores,
            "sentiment_confidence": np.where(judged.scored, sentiment.confidence,
                                             np.nan).astype(float),
            "sentiment_language": judged.language,
            "sentiment_reason": judged.reason,
            "relevant": relevance.relevant,
            "relevance_score": relevance.score.astype(float),
            "relevance_reason": relevance.reason,
            "intent": [name for name, _ in intents],
            "intent_reason": [reason for _, reason in intents],
            "private_score": private.score,
            "private_reason": private.reason,
        }, columns=COLUMNS)
        return frame, encoded.embedding
