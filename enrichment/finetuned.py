"""What the fine-tuned copies of the bundled MiniLM's layers share (the sentiment fork,
enrichment/sentiment_layers.py; the issue layer, enrichment/issue_layer.py): the file
their weights ship in (fp16 safetensors, never a pickle, named by a hash of its content)
and a BERT layer written out so that it can run for fewer queries than tokens.
"""

from __future__ import annotations

import hashlib
import math
from pathlib import Path

from carewire.core.errors import ConfigError


def version(path: Path) -> str:
    """Content hash of a layer file: a changed file is a new int8 export and a new
    models_version."""
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


def save(module, path: Path) -> None:
    """fp16 safetensors: half the size, and the features move far less than the int8
    quantisation of the same weights moves them."""
    from safetensors.torch import save_file

    save_file({name: tensor.detach().to("cpu").half().contiguous()
               for name, tensor in module.state_dict().items()}, str(path))


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

