"""Intent: question, complaint, praise, feature idea or other. Routing depends on it.

No public labelled set of social-care intents exists in `../shared/data`, so intent is
decided by named cues on the text plus the sentiment score, in a fixed order of
precedence, and every decision says which cue made it. The order reflects what care
needs: a feature idea phrased as a complaint is still an idea for the product team; an
angry question is a complaint first (it needs a person, not a FAQ link).
"""

from __future__ import annotations

import re

FEATURE_IDEA = re.compile(
    r"\b(please (add|bring|make|let|support|allow)|would (be|love) (great|nice|cool|awesome|"
    r"helpful)?\s*(if|to)|i wish (you|it|there|they)|feature request|suggestion|"
    r"(you|they) should (add|make|allow|support|let)|it would help if|why not add|"
    r"can you (add|make it)|add (an?|the) option)", re.I)
COMPLAINT = re.compile(
    r"\b(not working|doesn'?t work|does not work|isn'?t working|stopped working|broken|"
    r"still waiting|never (arrived|received|came|got)|no (signal|service|internet|reply|"
    r"response)|refund|charged (me )?(twice|double|again)|overcharged|cancel(led)? my|"
    r"worst|terrible|awful|useless|ridiculous|disappointed|unacceptable|fix (this|it)|"
    r"keeps? (crashing|dropping|failing)|crash(es|ed|ing)?|outage|down again|scam|"
    r"rip ?off|waste of)\b", re.I)
QUESTION_START = re.compile(
    r"^(how|why|what|when|where|which|who|is|are|can|could|does|do|did|will|would|should|"
    r"has|have|anyone|any ?one|anybody)\b", re.I)
PRAISE = re.compile(
    r"\b(thanks?|thank you|thx|love|great (job|service|work)|awesome|amazing|brilliant|"
    r"well done|kudos|shout ?out|best)\b", re.I)

NEGATIVE, POSITIVE = -0.5, 0.5
"""Sentiment scores beyond which feeling alone says complaint or praise."""


def classify(text: str, sentiment_score: float | None) -> tuple[str, str]:
    """(intent, the cue that decided it) for one normalised text. A text whose sentiment
    was not scored (None: no model for its language) is judged by its cues alone."""
    if match := FEATURE_IDEA.search(text):
        return "feature_idea", f"idea cue {match.group(0)!r}"
    if match := COMPLAINT.search(text):
        return "complaint", f"complaint cue {match.group(0)!r}"
    if sentiment_score is not None and sentiment_score <= NEGATIVE:
        return "complaint", f"sentiment {sentiment_score:+.2f} <= {NEGATIVE}"
    stripped = re.sub(r"^(@user\s+)+", "", text)
    if "?" in text or QUESTION_START.search(stripped):
        return "question", "question mark" if "?" in text else "question opening"
    if sentiment_score is None:
        return "other", "no cue (sentiment not scored)"
    if match := PRAISE.search(text):
        if sentiment_score > 0:
            return "praise", f"praise cue {match.group(0)!r}, sentiment {sentiment_score:+.2f}"
    if sentiment_score >= POSITIVE:
        return "praise", f"sentiment {sentiment_score:+.2f} >= {POSITIVE}"
    return "other", "no cue"
