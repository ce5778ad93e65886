"""Does helping this person need a private channel? The one-to-one judgement of routing.

Real care teams move a post to a private channel when helping needs the customer's own
account, order, booking, bill, device record, location or personal data, and answer in
public what helps everyone (docs/labelling-private-channel.md). Keyword lists miss most of
the first kind ("my package says delivered but it isn't here" names no keyword), so this
is a head on the one encoder pass, trained on hand-labelled real customer tweets.

The head predicts the labelling guide's reason codes (order, billing, how_to, praise, …);
`private_score` is the probability of the private ones together, calibrated on
out-of-fold predictions (Platt scaling), so that a policy threshold of 0.5 means "more
likely private than not". The reason names the score and the code the text reads most
like, which is what an agent asks when a decision surprises them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from carewire.core.errors import ConfigError
from carewire.enrichment.encoder import Encoded
from carewire.enrichment.heads import Head

DEFAULT_HEAD = Path(__file__).parent / "models" / "private_channel.npz"
PRIVATE_CODES = ("account", "order", "booking", "billing", "device", "service", "incident",
                 "personal_data")
PUBLIC_CODES = ("how_to", "info", "shared_bug", "feedback", "praise", "chatter")


@dataclass(frozen=True)
class Judged:
    score: np.ndarray      # calibrated P(needs a private channel), in [0, 1]
    reason: list[str]


class PrivateChannel:
    def __init__(self, head: Head) -> None:
        unknown = set(head.labels) - set(PRIVATE_CODES) - set(PUBLIC_CODES)
        if unknown or not set(head.labels) & set(PRIVATE_CODES):
            raise ConfigError(f"private-channel head {head.name} must predict the labelling "
                              f"guide's reason codes; it has {', '.join(head.labels)}")
        self.head = head
        self.name = f"carewire/{head.name}"
        self.version = head.version
        self.feature_layers = head.layers
        self._private = np.array([label in PRIVATE_CODES for label in head.labels])
        self._calibration = head.info.get("calibration", {"slope": 1.0, "intercept": 0.0})

    @classmethod
    def load(cls, path: Path | None = None) -> "PrivateChannel":
        return cls(Head.load(path or DEFAULT_HEAD))

    def judge(self, encoded: Encoded) -> Judged:
        probabilities = self.head.probabilities(encoded)
        score = calibrate(probabilities[:, self._private].sum(axis=1), **self._calibration)
        reasons = []
        for p, row in zip(score, probabilities):
            # the likeliest code on the side the score falls on
            side = self._private if p >= 0.5 else ~self._private
            best = int(np.flatnonzero(side)[row[side].argmax()])
            reasons.append(f"private {p:.2f}; reads most like {self.head.labels[best]} "
                           f"({row[best]:.2f})")
        # four decimals: re-encoding the same text in another batch moves the last bits,
        # and a rerun that changed nothing must not report every score as changed
        return Judged(score=score.astype(float).round(4), reason=reasons)


def calibrate(raw: np.ndarray, slope: float, intercept: float) -> np.ndarray:
    """Platt scaling of the head's summed private probability."""
    raw = np.clip(raw, 1e-6, 1 - 1e-6)
    return 1.0 / (1.0 + np.exp(-(slope * np.log(raw / (1 - raw)) + intercept)))
