"""The encoder's two runtimes: ONNX Runtime int8 (the CPU default) and torch fp32.

The shipped MiniLM is exported once per test session, into the session's encoder cache
(tests/conftest.py); the cache and fallback tests use a tiny BERT made here, whose export
takes a second, in a cache of their own."""

from __future__ import annotations

import logging
import shutil

import numpy as np
import pytest

from carewire.core.errors import ConfigError
from carewire.core.settings import EnrichmentSettings, load_settings
from carewire.enrichment import onnx_int8
from carewire.enrichment.encoder import Encoder, default_model_path

TEXTS = ["my order never arrived and nobody answers", "Thanks, the new app is great!!",
         "@user how do I reset my password?", "", "no"]


def test_the_fast_and_torch_runtimes_agree_on_the_shipped_encoder():
    fast = Encoder(feature_layers=(2, 6))
    torch = Encoder(feature_layers=(2, 6), runtime="torch")
    assert fast.runtime == "onnx-int8" and torch.runtime == "torch"
    a, b = fast.encode(TEXTS), torch.encode(TEXTS)
    assert a.embedding.shape == b.embedding.shape == (len(TEXTS), 384)
    assert np.allclose(np.linalg.norm(a.embedding, axis=1), 1, atol=1e-5)
    assert (np.einsum("ij,ij->i", a.embedding, b.embedding) > 0.95).all()
    for layer in (2, 6):
        cosine = np.einsum("ij,ij->i", a.layers[layer], b.layers[layer]) / (
            np.linalg.norm(a.layers[layer], axis=1) * np.linalg.norm(b.layers[layer], axis=1))
        assert (cosine > 0.95).all(), (layer, cosine)


def test_an_int8_vector_does_not_depend_on_its_batch_and_a_rerun_gives_the_same_bits():
    encoder = Encoder()
    together = encoder.encode(TEXTS).embedding
    alone = np.concatenate([Encoder().encode([text]).embedding for text in TEXTS[:2]])
    reversed_ = encoder.encode(TEXTS[::-1]).embedding[::-1]
    assert np.array_equal(together[:2], alone)
    assert np.array_equal(together, reversed_)


def test_auto_takes_torch_on_a_gpu_without_exporting(tmp_path, caplog):
    caplog.set_level(logging.INFO, logger="carewire.enrichment.encoder")
    encoder = Encoder(device="cuda", cache_dir=tmp_path)
    assert encoder.runtime == "torch" and encoder.runtime_version == "torch-fp32"
    assert "device cuda is not the CPU" in caplog.text
    assert list(tmp_path.iterdir()) == []


def test_int8_on_a_gpu_or_an_unknown_runtime_is_refused():
    with pytest.raises(ConfigError, match="onnx-int8 runs on the CPU"):
        Encoder(device="cuda", runtime="onnx-int8")
    with pytest.raises(ConfigError, match="not one of auto, onnx-int8, torch"):
        Encoder(runtime="int4")


def test_the_runtime_setting_is_validated(tmp_path):
    assert EnrichmentSettings().runtime == "auto"
    with pytest.raises(ValueError, match="runtime"):
        EnrichmentSettings(runtime="int4")
    with pytest.raises(ValueError, match="onnx-int8 runs on the CPU"):
        EnrichmentSettings(runtime="onnx-int8", device="cuda:0")
    assert EnrichmentSettings(runtime="torch", device="cuda:0").runtime == "torch"
    config = tmp_path / "conf" / "carewire.yaml"
    config.parent.mkdir()
    config.write_text("enrichment:\n  runtime: onnx-int8\n  encoder_cache: encoders\n")
    settings = load_settings(config).enrichment
    assert settings.runtime == "onnx-int8"
    assert settings.encoder_cache == (config.parent / "encoders").resolve()
    config.write_text("enrichment:\n  runtime: fast\n")
    with pytest.raises(ConfigError, match="enrichment.runtime"):
        load_settings(config)


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory):
    """A two-layer BERT with random (seeded) weights and MiniLM's tokenizer."""
    import torch
    from transformers import BertConfig, BertModel

    folder = tmp_path_factory.mktemp("tiny-bert")
    torch.manual_seed(0)
    BertModel(BertConfig(vocab_size=30522, hidden_size=32, num_hidden_layers=2,
                         num_attention_heads=2, intermediate_size=64)).save_pretrained(folder)
    for name in ("tokenizer.json", "tokenizer_config.json", "vocab.txt",
                 "special_tokens_map.json"):
        shutil.copy(default_model_path() / name, folder / name)
    return folder


def test_a_damaged_cache_entry_is_built_again(tiny_model, tmp_path, caplog):
    first = Encoder(tiny_model, cache_dir=tmp_path, feature_layers=(1,))
    before = first.encode(TEXTS)
    assert first.runtime == "onnx-int8"
    (entry,) = [path for path in tmp_path.iterdir() if not path.name.startswith(".")]
    model = entry / onnx_int8.MODEL_FILE
    data = bytearray(model.read_bytes())
    data[len(data) // 2:len(data) // 2 + 64] = bytes(64)  # a block of weights zeroed
    model.write_bytes(bytes(data))

    caplog.set_level(logging.WARNING, logger="carewire.enrichment.onnx_int8")
    again = Encoder(tiny_model, cache_dir=tmp_path, feature_layers=(1,))
    after = again.encode(TEXTS)
    assert "is damaged (model.onnx does not match its hash)" in caplog.text
    assert again.runtime == "onnx-int8"
    assert np.allclose(after.embedding, before.embedding, atol=1e-6)
    assert np.allclose(after.layers[1], before.layers[1], atol=1e-5)
    assert sorted(path.name for path in tmp_path.iterdir()) == [entry.name]  # no leftovers
    caplog.clear()
    Encoder(tiny_model, cache_dir=tmp_path).encode(TEXTS[:1])
    assert "damaged" not in caplog.text  # the rebuilt entry is whole


def test_auto_falls_back_to_torch_when_the_export_fails(tiny_model, tmp_path, caplog,
                                                        monkeypatch):
    import torch

    def refuse(*args, **kwargs):  # what an exporter says about an operator it lacks
        raise RuntimeError("Exporting the operator 'aten::unknown_op' to ONNX opset 17 "
                           "is not supported")

    monkeypatch.setattr(torch.onnx, "export", refuse)
    caplog.set_level(logging.WARNING, logger="carewire.enrichment.encoder")
    fallback = Encoder(tiny_model, cache_dir=tmp_path)
    assert fallback.runtime == "torch"
    assert fallback.encode(TEXTS).embedding.shape == (len(TEXTS), 32)
    assert "cannot be exported to ONNX" in caplog.text and "aten::unknown_op" in caplog.text
    with pytest.raises(ConfigError, match="cannot be exported"):
        Encoder(tiny_model, cache_dir=tmp_path, runtime="onnx-int8").encode(TEXTS)
    assert [path for path in tmp_path.iterdir() if not path.name.startswith(".")] == []
