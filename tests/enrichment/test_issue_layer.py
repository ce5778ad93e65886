"""The issue layer: a fine-tuned copy of MiniLM's layer 6 whose vector is the stored
embedding (dedupe, suggestions and expert routing compare it).

The int8 export of the shipped MiniLM is built once per test session, in the session's
encoder cache (tests/conftest.py)."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from carewire.core.errors import ConfigError
from carewire.core.settings import EnrichmentSettings
from carewire.enrichment import finetuned, issue_layer, onnx_int8
from carewire.enrichment.encoder import Encoder, default_model_path
from carewire.enrichment.enricher import Enricher
from carewire.enrichment.pairs import PairModel

TEXTS = ["my order never arrived and nobody answers", "Thanks, the new app is great!!",
         "@user how do I reset my password?", "", "where is my order?? still not here"]


def _unit_mean_of_last_layer(texts: list[str]) -> np.ndarray:
    """What the embedding was before the issue layer: MiniLM's own sentence embedding."""
    import torch
    from transformers import AutoModel, AutoTokenizer

    path = str(default_model_path())
    tokenizer = AutoTokenizer.from_pretrained(path, local_files_only=True)
    model = AutoModel.from_pretrained(path, local_files_only=True).eval()
    with torch.inference_mode():
        tokens = tokenizer(texts, padding=True, truncation=True, max_length=128,
                           return_tensors="pt")
        last = model(**tokens).last_hidden_state
        mask = tokens["attention_mask"].unsqueeze(-1).float()
        mean = (last * mask).sum(1) / mask.sum(1).clamp(min=1)
        return torch.nn.functional.normalize(mean, dim=1).numpy()


def test_both_runtimes_give_the_issue_vector_as_the_embedding():
    fast, torch = Encoder(), Encoder(runtime="torch")
    a, b = fast.encode(TEXTS).embedding, torch.encode(TEXTS).embedding
    assert fast.runtime == "onnx-int8" and torch.runtime == "torch"
    assert a.shape == b.shape == (len(TEXTS), 384)
    assert np.allclose(np.linalg.norm(a, axis=1), 1, atol=1e-4)
    assert (np.einsum("ij,ij->i", a, b) > 0.97).all()
    # it is the fine-tuned layer's vector, not MiniLM's own sentence embedding
    plain = _unit_mean_of_last_layer(TEXTS)
    assert (np.einsum("ij,ij->i", b, plain) < 0.99).all()


def test_the_torch_issue_vector_does_not_depend_on_the_padding_of_its_batch():
    together = Encoder(runtime="torch", batch_size=8).encode(TEXTS).embedding
    alone = Encoder(runtime="torch").encode(TEXTS[:1]).embedding
    assert np.allclose(together[:1], alone, atol=1e-4)


def test_the_issue_layer_is_in_the_embedding_version_and_the_cache_key(tmp_path):
    encoder = Encoder()
    assert encoder.embedding_version == (
        f"{encoder.version}+issue-{finetuned.version(issue_layer.DEFAULT_LAYER)}")
    model = str(default_model_path())
    copy = tmp_path / "issue.safetensors"
    shutil.copy(issue_layer.DEFAULT_LAYER, copy)
    before = onnx_int8.cache_key(model, "v", 128, None, copy)
    data = bytearray(copy.read_bytes())
    data[-1] ^= 1  # one bit of one weight
    copy.write_bytes(bytes(data))
    assert onnx_int8.cache_key(model, "v", 128, None, copy) != before
    assert onnx_int8.cache_key(model, "v", 128, None, None) != before


def test_another_encoder_keeps_its_own_sentence_embedding(tmp_path):
    (tmp_path / "model.safetensors").write_bytes(b"its weights")  # hashed, never loaded
    other = Encoder(tmp_path)
    assert not other.issue
    assert other.embedding_version == other.version


def test_loading_refuses_a_pickle(tmp_path):
    import torch
    from transformers import AutoModel

    model = AutoModel.from_pretrained(str(default_model_path()), local_files_only=True)
    pickled = tmp_path / "issue.safetensors"
    torch.save(issue_layer.issue_layer(model).state_dict(), pickled)
    with pytest.raises(ConfigError, match="not a safetensors file of the fine-tuned issue"):
        issue_layer.issue_layer(model, pickled)


def test_a_pair_model_fitted_on_other_embeddings_is_refused():
    enricher, pairs = Enricher(EnrichmentSettings()), PairModel.default()
    assert pairs.head.info["embedding_version"] == enricher.encoder.embedding_version
    enricher.check_trained_for(pairs.head)
    stale = type(pairs.head)(**{**pairs.head.__dict__, "info": {
        **pairs.head.info, "embedding_version": f"{enricher.encoder.version}+issue-0000"}})
    with pytest.raises(ConfigError, match="embedding version"):
        enricher.check_trained_for(stale)
