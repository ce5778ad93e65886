"""The sentiment fork: fine-tuned copies of MiniLM's layers 5-6 beside the originals.

The int8 export of the shipped MiniLM with its fork is built once per test session, in the
session's encoder cache (tests/conftest.py)."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from carewire.core.errors import ConfigError
from carewire.enrichment import finetuned, onnx_int8, sentiment_layers
from carewire.enrichment.encoder import Encoder, default_model_path
from carewire.enrichment.heads import Head
from carewire.enrichment.sentiment import DEFAULT_HEAD, HeadSentiment

TEXTS = ["my order never arrived and nobody answers", "Thanks, the new app is great!!",
         "@user how do I reset my password?", "", "not bad at all :)"]
FORK = sentiment_layers.KEYS


def _cosine(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.einsum("ij,ij->i", a, b) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))


def test_the_int8_and_torch_runtimes_agree_on_the_fork_and_keep_the_original_layers():
    fast = Encoder(feature_layers=(5, 6, *FORK))
    torch = Encoder(feature_layers=(6, *FORK), runtime="torch")
    plain = Encoder(feature_layers=(6,))
    a, b, c = fast.encode(TEXTS), torch.encode(TEXTS), plain.encode(TEXTS)
    assert fast.runtime == "onnx-int8" and torch.runtime == "torch"
    for key in FORK:
        assert a.layers[key].shape == b.layers[key].shape == (len(TEXTS), 384)
        assert (_cosine(a.layers[key], b.layers[key]) > 0.97).all(), key
    # the fork runs beside the original layers: dedupe's embedding and layer 6 are unmoved
    assert np.array_equal(a.embedding, c.embedding)
    assert np.array_equal(a.layers[6], c.layers[6])
    # and it is not a copy of them: the fine-tuned layers compute something else
    assert (_cosine(a.layers[105], a.layers[5]) < 0.99).any()


def test_the_torch_fork_does_not_depend_on_the_padding_of_its_batch():
    torch = Encoder(feature_layers=FORK, runtime="torch", batch_size=8)
    together = torch.encode(TEXTS)
    alone = Encoder(feature_layers=FORK, runtime="torch").encode(TEXTS[:1])
    for key in FORK:
        assert np.allclose(together.layers[key][:1], alone.layers[key], atol=1e-4)


def test_a_changed_layer_file_is_a_new_cache_key(tmp_path):
    model = str(default_model_path())
    copy = tmp_path / "layers.safetensors"
    shutil.copy(sentiment_layers.DEFAULT_LAYERS, copy)
    before = onnx_int8.cache_key(model, "v", 128, copy)
    assert onnx_int8.cache_key(model, "v", 128, copy) == before
    data = bytearray(copy.read_bytes())
    data[-1] ^= 1  # one bit of one weight
    copy.write_bytes(bytes(data))
    assert onnx_int8.cache_key(model, "v", 128, copy) != before
    assert onnx_int8.cache_key(model, "v", 128, None) != before


def test_loading_refuses_a_pickle(tmp_path):
    import torch
    from transformers import AutoModel

    model = AutoModel.from_pretrained(str(default_model_path()), local_files_only=True)
    module = sentiment_layers.fork(model)
    pickled = tmp_path / "layers.safetensors"
    torch.save(module.state_dict(), pickled)  # a pickle under the expected name
    with pytest.raises(ConfigError, match="not a safetensors file"):
        sentiment_layers.fork(model, pickled)


def test_another_encoder_gets_no_fork(tmp_path):
    with pytest.raises(ConfigError, match="belong to the bundled MiniLM"):
        Encoder(tmp_path, feature_layers=(4, *FORK))
    assert Encoder(tmp_path, feature_layers=(4,)).feature_layers == (4,)


def test_a_head_fitted_on_other_layers_than_the_shipped_ones_is_refused():
    head = Head.load(DEFAULT_HEAD)
    assert set(FORK) <= set(head.layers)
    assert HeadSentiment(head).version.endswith(f"+layers-{finetuned.version(sentiment_layers.DEFAULT_LAYERS)}")
    stale = Head(**{**head.__dict__, "info": {**head.info,
                                              "sentiment_layers_version": "000000000000"}})
    with pytest.raises(ConfigError, match="rebuild both with `make models`"):
        HeadSentiment(stale)
