"""The encoder's two runtimes side by side, for `make eval`: the int8 one that runs by
default on a CPU must keep each figure within 1 point of torch fp32 (issue 19).

Each runtime gets the configured models (carewire.yaml, or the offline defaults) with only
`enrichment.runtime` changed, on the CPU; where the configured runtime is the one asked
for, the hooks' own models are reused, so nothing is encoded twice for nothing.
"""

from __future__ import annotations

from functools import cache
from typing import Callable

RUNTIMES = ("onnx-int8", "torch")
TOLERANCE_POINTS = 1.0


@cache
def enricher(runtime: str):
    from carewire import enrichment
    from carewire.core.settings import load_settings
    from carewire.enrichment.enricher import Enricher

    configured, _ = enrichment._models()
    if configured.encoder.runtime == runtime and configured.encoder.device == "cpu":
        return configured
    settings = load_settings().enrichment.model_copy(update={"runtime": runtime,
                                                             "device": "cpu"})
    return Enricher(settings)


def compare(what: str, measure: Callable[[object], float]) -> dict[str, float]:
    """`measure(enricher)` on each runtime, printed on one line with the difference."""
    figures = {runtime: measure(enricher(runtime)) for runtime in RUNTIMES}
    points = 100 * (figures["onnx-int8"] - figures["torch"])
    verdict = "within" if abs(points) <= TOLERANCE_POINTS else "NOT within"
    print(f"  {what} by encoder runtime: onnx-int8 {figures['onnx-int8']:.4f}, torch fp32 "
          f"{figures['torch']:.4f}: {points:+.1f} points ({verdict} {TOLERANCE_POINTS:g} of "
          "torch)")
    return figures
