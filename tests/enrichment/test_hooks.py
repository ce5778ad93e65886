"""The evaluation hooks behave as their contract says, with the shipped offline models."""

import pandas as pd

from carewire import enrichment

NEGATIVE = "This is the worst phone company ever, three days without signal and nobody helps"
POSITIVE = "Loving my new Kestrel plan, great coverage and the support team was brilliant!"
LOST = "my order never arrived"
LOST_AGAIN = "still waiting for my package, my order never arrived"
UNRELATED = "how do I change the voicemail greeting on my phone"


def test_score_texts_gives_one_row_per_text_with_the_documented_columns():
    frame = enrichment.score_texts([NEGATIVE, POSITIVE, "Die Bahn ist schon wieder zu spät"])
    assert len(frame) == 3
    assert {"sentiment", "sentiment_score", "language", "relevant", "intent"} <= set(frame)
    assert frame["sentiment"].tolist()[:2] == ["negative", "positive"]
    assert frame["sentiment_score"][0] < -0.5 < 0.5 < frame["sentiment_score"][1]
    assert frame["language"].tolist() == ["en", "en", "de"]
    assert frame["intent"][0] == "complaint" and frame["intent"][1] == "praise"
    assert frame["relevant"].dtype == bool


def test_score_texts_scores_no_language_the_model_was_not_made_for():
    """The shipped head was trained on English tweets: a German text is not scored, with
    no score and a reason; an English one is scored by a model made for its language."""
    frame = enrichment.score_texts([NEGATIVE, "Die Bahn ist schon wieder zu spät, wie immer"])
    english, german = frame.iloc[0], frame.iloc[1]
    assert (english["sentiment"], english["sentiment_language"]) == ("negative", "en")
    assert english["sentiment_reason"] == "en: carewire/sentiment is made for en"
    assert (german["language"], german["sentiment"]) == ("de", "not_scored")
    assert pd.isna(german["sentiment_score"]) and pd.isna(german["sentiment_confidence"])
    assert pd.isna(german["sentiment_language"])
    assert german["sentiment_reason"] == ("no sentiment model for de is configured; "
                                          "carewire/sentiment is made for en")
    assert german["intent"] == "other"  # by cues alone: no score to call it a complaint


def test_same_issue_folds_paraphrases_and_exact_copies_only():
    assert enrichment.same_issue([LOST, LOST, LOST], [LOST_AGAIN, "My order NEVER arrived!!",
                                                      UNRELATED]) == [True, True, False]


def test_cluster_puts_paraphrases_together_and_a_rerun_gives_the_same_ids():
    texts = [LOST, UNRELATED, LOST_AGAIN, POSITIVE]
    first = enrichment.cluster(texts)
    assert first[0] == first[2]
    assert len({first[0], first[1], first[3]}) == 3
    assert enrichment.cluster(texts) == first
