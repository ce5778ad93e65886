"""Is a customer's follow-up a thank-you, or does it say the problem is solved?

A care desk reopens an item when the customer writes again, which is right for "still
broken" and wrong for "thanks!": every thank-you would put a solved case back in a queue.
Freshdesk ships a thank-you detector for that reason. carewire's is a few named cues, so
the desk's event says which words decided:

- `solved`: the customer says it works now ("thanks, all sorted", "that worked"): an open
  item of theirs is resolved;
- `thanks`: only gratitude ("done! thanks", "thank you x"): a resolved item stays
  resolved, an open one stays open (the customer did what was asked; the case goes on);
- None: anything else, including a thank-you with a new question or complaint.
"""

from __future__ import annotations

import re
from typing import Literal

from carewire.enrichment.intent import COMPLAINT

Closing = Literal["solved", "thanks"]

SOLVED = re.compile(
    r"(?i)\b(?:(?:all |it'?s |that'?s |now |problem )?(?:sorted|fixed|resolved|solved)(?! by)"
    r"|(?:working|works) (?:again|now|fine|perfectly)|all good(?: now)?|that (?:did it|worked"
    r"|helped|fixed it)|(?:it|this) worked|got it (?:working|sorted)|back to normal"
    r"|up and running)\b")
THANKS = re.compile(r"(?i)\b(?:thanks?|thank (?:you|u)|thx|ty|cheers|appreciate(?:d| it))\b")
NEGATED = re.compile(r"(?i)(?:\b(?:not|never|still|yet|no longer)|n['’]t)\W+(?:\w+\W+){0,2}$")
"""A negation in the three words before a cue: "still not fixed", "isn't sorted"."""


def closing(text: str) -> tuple[Closing | None, str | None]:
    """(what the follow-up says, the cue that decided it)."""
    if "?" in text or COMPLAINT.search(text):
        return None, None
    if found := SOLVED.search(text):
        # "still not fixed, thanks" is neither solved nor a mere thank-you
        return (None, None) if NEGATED.search(text[:found.start()]) else ("solved", found.group(0))
    if found := THANKS.search(text):
        return "thanks", found.group(0)
    return None, None
