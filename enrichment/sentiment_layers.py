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
import hashlib
import math
from pathlib import Path

from carewire.core.errors import ConfigError

FORK_FROM = 4
"""The hidden state the fork starts from: layers 1-4 are shared with the original model."""
KEYS = (105, 106)
DEFAULT_LAYERS = Path(__file__).parent / "models" / "sentiment_layers.safetensors"


def is_fork_key(layer: int) -> bool:
    return layer in KEYS


def version(path: Path = DEFAULT_LAYERS) -> str:
    """Content hash of a layer file (this fork's, or the issue layer's): a changed file is
    a new int8 export and a new models_version."""
    if not Path(path).is_file():
        raise ConfigError(f"fine-tuned layers {path} not found: rebuild them with "
                          "`make models`")
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:12]


def load_weights(path: Path, what: str) -> dict:
    """The fp32 tensors of a layer file written by `save`; a clear error for a missing
    file or one that is not safetensors (a pickle is never loaded)."""
    import torch
    from safetensors import SafetensorError
    from safetensors.torch import load_file

    version(path)  # a clear error when the file is missing
    try:
        weights = load_file(str(path))
    except (SafetensorError, OSError, ValueError) as exc:
        raise ConfigError(f"{path} is not a safetensors file of {what}: {exc}") from exc
    return {name: tensor.to(torch.float32) for name, tensor in weights.items()}


def fork(model, path: Path | None = DEFAULT_LAYERS):
    """The fork module: copies of `model`'s layers 5 and 6, with the weights in `path`
    loaded over them (None: the original weights, where fine-tuning starts)."""
    module = _module(copy.deepcopy(model.encoder.layer[FORK_FROM]),
                     copy.deepcopy(model.encoder.layer[FORK_FROM + 1]))
    if path is not None:
        module.load_state_dict(load_weights(path, "sentiment layers"))
    return module.eval()


def save(module, path: Path) -> None:
    """fp16 safetensors: half the size, and the features move far less than the int8
    quantisation of the same weights moves them."""
    from safetensors.torch import save_file

    save_file({name: tensor.detach().to("cpu").half().contiguous()
               for name, tensor in module.state_dict().items()}, str(path))


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


def block(layer, queries, states, mask):
    """A BERT layer, written out so that its queries may be fewer than its tokens."""
    attention = layer.attention.self
    heads = attention.num_attention_heads
    size = attention.attention_head_size

    def split(x):
        return x.view(x.shape[0], x.shape[1], heads, size).transpose(1, 2)

    q, k, v = (split(attention.query(queries)), split(attention.key(states)),
               split(attention.value(states)))
    scores = q @ k.transpose(-1, -2) / math.sqrt(size)
    scores = scores + (1.0 - mask.to(scores.dtype))[:, None, None, :] * -1e4
    context = attention.dropout(scores.softmax(-1)) @ v
    context = context.transpose(1, 2).reshape(queries.shape[0], queries.shape[1], heads * size)
    out = layer.attention.output
    hidden = out.LayerNorm(out.dropout(out.dense(context)) + queries)
    ffn = layer.output
    return ffn.LayerNorm(ffn.dropout(ffn.dense(layer.intermediate(hidden))) + hidden)

