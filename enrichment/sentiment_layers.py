"""Fine-tuned copies of the bundled MiniLM's layers 5 and 6, for sentiment: a fork.

Why: heads on the frozen MiniLM's layer means stop near 0.69 macro recall on TweetEval;
MiniLM was trained to paraphrase, and its top layers discard the cues sentiment needs.
Fine-tuning its top two layers on the SemEval tweets (`make models`) lifts that, but the
issue layer (enrichment/issue_layer.py) and the private-channel head read the original
layers and would lose what they were fitted on. So the fine-tuned layers run beside the
originals, from the same layer-4 token states: one encoder pass, with a fork for its last
two layers.

The fork gives two features, under keys past the hidden-state indices (`KEYS`):
- 105: the token mean of fine-tuned layer 5;
- 106: fine-tuned layer 6 run for one query, that mean, attending over layer 5's tokens:
  an attention pooling that costs about a sixth of a full layer (only the keys and values
  are computed per token), where a token mean of a full layer 6 would cost a whole one.
The same module runs in the ONNX export (one text, a mask of ones) and on torch (padded
batches, masked), so the two runtimes compute the same thing.

The weights ship as fp16 safetensors (`DEFAULT_LAYERS`, a few MB, no pickle) and belong
to the bundled MiniLM only: another configured encoder gets no fork.
"""

from __future__ import annotations

import copy
from pathlib import Path

from carewire.enrichment.finetuned import block, load_weights

FORK_FROM = 4
"""The hidden state the fork starts from: layers 1-4 are shared with the original model."""
KEYS = (105, 106)
DEFAULT_LAYERS = Path(__file__).parent / "models" / "sentiment_layers.safetensors"


def is_fork_key(layer: int) -> bool:
    return layer in KEYS


def fork(model, path: Path | None = DEFAULT_LAYERS):
    """The fork module: copies of `model`'s layers 5 and 6, with the weights in `path`
    loaded over them (None: the original weights, where fine-tuning starts)."""
    module = _module(copy.deepcopy(model.encoder.layer[FORK_FROM]),
                     copy.deepcopy(model.encoder.layer[FORK_FROM + 1]))
    if path is not None:
        module.load_state_dict(load_weights(path, "sentiment layers"))
    return module.eval()


def _module(layer5, layer6):
    """states (n, tokens, hidden) at hidden state 4, mask (n, tokens) of 1/0 ->
    (layer 5 token mean, layer 6 pooled), each (n, hidden)."""
    import torch

    class Fork(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.layer5, self.layer6 = layer5, layer6

        def forward(self, states, mask):
            tokens = block(self.layer5, states, states, mask)
            weight = mask.unsqueeze(-1).to(tokens.dtype)
            mean = (tokens * weight).sum(1) / weight.sum(1).clamp(min=1)
            pooled = block(self.layer6, mean.unsqueeze(1), tokens, mask)[:, 0]
            return mean, pooled

    return Fork()
