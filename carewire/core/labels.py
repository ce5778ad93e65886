"""The label vocabularies, defined once: what enrichment writes, what a routing policy may
name, what the quality gates accept and what the warehouse registry says a column holds
(warehouse/tables.py). Each tuple is in its natural order (worst to best, most to least
urgent); each Literal is built from it, so a settings or policy file is checked against the
same words."""

from __future__ import annotations

from typing import Literal

SENTIMENTS = ("negative", "neutral", "positive")
"""What a sentiment model answers (and what a Hugging Face model's labels map to)."""
NOT_SCORED = "not_scored"
"""The sentiment of a mention in a language no configured sentiment model was made for:
no score, rather than a model's guess at a language it never saw (issue 19)."""
SENTIMENT_LABELS = (*SENTIMENTS, NOT_SCORED)
"""What core__enrichments.sentiment holds, and what a routing policy may name."""
INTENTS = ("question", "complaint", "praise", "feature_idea", "other")
ROUTES = ("community", "contact_center", "advocacy", "ignore")
PRIORITIES = ("urgent", "high", "normal", "low")
SOURCES = ("feeds", "x", "reddit", "forums")
"""The platforms carewire has connectors for (carewire.connectors.CONNECTORS, by name)."""
LANGUAGE_CODE = r"^(?:[a-z]{2,3}|und)$"
"""A language as enrichment writes it: an ISO 639 code, or `und` when it cannot tell."""
TIERS = ("brand", "influencer", "superfan", "regular")
"""Author influence tiers: the brand's own accounts, reach and engagement far above the
rest, helpful regulars of the brand's spaces, everyone else (enrichment/influence.py)."""
SET_ASIDE_STEPS = ("enrich", "cluster", "route")
"""The steps that set aside a record they fail on alone (its `stage` in raw__quarantine;
carewire.warehouse.holds)."""

Sentiment = Literal[SENTIMENTS]  # type: ignore[valid-type]
SentimentLabel = Literal[SENTIMENT_LABELS]  # type: ignore[valid-type]
Intent = Literal[INTENTS]  # type: ignore[valid-type]
Source = Literal[SOURCES]  # type: ignore[valid-type]
Route = Literal[ROUTES]  # type: ignore[valid-type]
Priority = Literal[PRIORITIES]  # type: ignore[valid-type]
Tier = Literal[TIERS]  # type: ignore[valid-type]
