"""Sentiment models say which languages they were made for, and a mention in any other
is not scored (issue 19): a model's guess at a language it never saw is worse than none."""

from __future__ import annotations

import numpy as np
import pytest

from carewire.core.errors import ConfigError
from carewire.core.settings import EnrichmentSettings
from carewire.enrichment import intent
from carewire.enrichment.enricher import Enricher
from carewire.enrichment.heads import Head
from carewire.enrichment.sentiment import (DEFAULT_HEAD, HeadSentiment, HubSentiment,
                                           for_language, sentiment_model)

GERMAN = "Die Bahn ist schon wieder zu spät, wie immer, und keiner sagt uns warum"
ENGLISH = "This is the worst phone company ever, three days without signal"


def test_a_mention_is_scored_only_in_a_language_the_model_was_made_for():
    judged = for_language("m", ("en", "de"), ["en", "de", "und", "es"])
    assert judged.scored.tolist() == [True, True, True, False]
    assert judged.language == ["en", "de", "en", None]
    assert judged.reason == [
        "en: m is made for en, de", "de: m is made for en, de",
        "language undetermined: scored as en, m is made for en, de",
        "no sentiment model for es is configured; m is made for en, de"]


def test_the_shipped_head_is_made_for_english_and_the_settings_may_say_otherwise():
    assert sentiment_model(None, {}, "cpu").languages == ("en",)
    assert sentiment_model(str(DEFAULT_HEAD), {}, "cpu").languages == ("en",)
    assert sentiment_model(None, {}, "cpu", ["de", "en"]).languages == ("de", "en")


def test_a_head_reads_its_languages_from_its_file_and_one_without_them_is_refused(tmp_path):
    shipped = Head.load(DEFAULT_HEAD)
    own = tmp_path / "mine.npz"
    shipped.info.pop("languages", None)  # make models writes them: a head of one's own may not
    shipped.save(own)
    with pytest.raises(ConfigError, match="enrichment.sentiment_languages"):
        sentiment_model(str(own), {}, "cpu")
    shipped.info["languages"] = ["de"]
    shipped.save(own)
    assert HeadSentiment(Head.load(own)).languages == ("de",)


def test_a_hugging_face_model_must_be_told_its_languages():
    with pytest.raises(ConfigError, match=r"does not say which languages.*\[de, en\]"):
        HubSentiment("some/multilingual-sentiment", {}, None)
    assert HubSentiment("some/multilingual-sentiment", {}, ["de", "es"]).languages == ("de", "es")


def test_the_settings_refuse_a_language_that_is_not_a_code():
    with pytest.raises(ValueError, match="sentiment_languages"):
        EnrichmentSettings(sentiment_languages=["German"])


def test_a_language_the_settings_add_is_scored_and_the_models_say_which():
    """Declaring German for the English head makes it score German (the deployment's
    choice, and the models record it, so rows enriched either way are told apart)."""
    english_only = Enricher(EnrichmentSettings())
    both = Enricher(EnrichmentSettings(sentiment_languages=["en", "de"]))
    assert english_only.models["sentiment_languages"] == "en"
    assert both.models["sentiment_languages"] == "en,de"
    assert english_only.models_version != both.models_version
    frame, _ = both.enrich([GERMAN, ENGLISH])
    assert frame["sentiment"].isin(["negative", "neutral", "positive"]).all()
    assert frame["sentiment_language"].tolist() == ["de", "en"]


def test_the_platform_s_language_tag_decides_whether_sentiment_is_scored():
    enricher = Enricher(EnrichmentSettings())
    frame, _ = enricher.enrich([ENGLISH, ENGLISH, GERMAN], ["de", None, "EN"])
    assert frame["language"].tolist() == ["de", "en", "en"]
    assert frame["language_source"].tolist() == ["platform", "detected", "platform"]
    # English text the platform calls German is not scored; German text it calls English
    # is (the platform's word is taken, as for the language itself)
    assert frame["sentiment"][0] == "not_scored" and np.isnan(frame["sentiment_score"][0])
    assert frame["sentiment"][1] == "negative"
    assert frame["sentiment"][2] != "not_scored" and frame["sentiment_language"][2] == "en"


def test_intent_without_a_sentiment_score_is_decided_by_cues_alone():
    assert intent.classify("this is broken", None) == ("complaint", "complaint cue 'broken'")
    assert intent.classify("wann kommt das update?", None) == ("question", "question mark")
    assert intent.classify("thanks so much", None) == ("other", "no cue (sentiment not scored)")
