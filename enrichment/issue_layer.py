"""The issue vector: a copy of MiniLM's layer 6 fine-tuned to tell whether two mentions
raise the same issue.

Why: MiniLM's own sentence embedding (the mean of its last layer) was trained on general
paraphrases; on the Twitter paraphrase pairs its cosine tops out near F1 0.77, and the
same-issue model on it with the word-overlap features near 0.79. A copy of layer 6
fine-tuned on the tuning pairs, jointly with those features (`make models`), moves that
past 0.80 on the held-out pairs (docs/enrichment.md has the figures).

The copy runs for one query, the token mean of the original layer 5, attending over the
original layer 5's tokens: an attention pooling that costs about a sixth of a layer, in
the same encoder pass. Its output, at unit length, is the embedding carewire stores for
every mention (`Encoder.encode(...).embedding`): dedupe, desk suggestions and expert
routing all compare this one vector. The original layers are unmoved, so the heads that
read their means are unaffected.

The weights ship as fp16 safetensors (`DEFAULT_LAYER`, a few MB, no pickle) and belong to
the bundled MiniLM only: another configured encoder's embedding stays its last-layer mean.
"""

from __future__ import annotations

import copy
from pathlib import Path

from carewire.enrichment.finetuned import block, load_weights

ISSUE_FROM = 5
"""The hidden state the issue layer reads: the original model's layer 5."""
DEFAULT_LAYER = Path(__file__).parent / "models" / "issue_layer.safetensors"


def issue_layer(model, path: Path | None = DEFAULT_LAYER):
    """The issue-layer module: a copy of `model`'s layer 6, with the weights in `path`
    loaded over it (None: the original weights, where fine-tuning starts)."""
    module = _module(copy.deepcopy(model.encoder.layer[ISSUE_FROM]))
    if path is not None:
        module.load_state_dict(load_weights(path, "the fine-tuned issue layer"))
    return module.eval()


def _module(layer6):
    """states (n, tokens, hidden) at hidden state 5, mask (n, tokens) of 1/0 -> the unit
    issue vector (n, hidden)."""
    import torch

    class IssueLayer(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.layer6 = layer6

        def forward(self, states, mask):
            weight = mask.unsqueeze(-1).to(states.dtype)
            mean = (states * weight).sum(1) / weight.sum(1).clamp(min=1)
            pooled = block(self.layer6, mean.unsqueeze(1), states, mask)[:, 0]
            return torch.nn.functional.normalize(pooled, dim=1)

    return IssueLayer()
