"""The int8 ONNX encoder against fp32 sentence-transformers on real BBC text, and the encoder setting."""

from __future__ import annotations

import random
import warnings

import numpy as np
import pytest

from tests.fixtures.cli import SHARED_CORPORA

BBC = SHARED_CORPORA / "bbc"


def bbc_sentences(count: int) -> list[str]:
    """Sentences and longer passages (up to a 256-token chunk) from a fixed sample of BBC stories."""
    files = sorted(BBC.glob("*/*.txt"))
    random.Random(7).shuffle(files)
    texts: list[str] = []
    for path in files:
        paragraphs = [p.strip() for p in path.read_text(encoding="latin-1").split("\n\n") if p.strip()]
        texts.extend(paragraphs[1:3])  # a headline follows from the paragraph's first sentence
        texts.append(" ".join(paragraphs)[:1200])  # chunk-sized: exercises long inputs and padding
        if len(texts) >= count:
            return texts[:count]
    return texts


@pytest.fixture(scope="module")
def onnx_embedder():
    from newsdesk.index.embed import load_embedder

    return load_embedder(encoder="onnx-int8")


@pytest.mark.skipif(not BBC.is_dir(), reason="the BBC corpus is not beside the checkout")
def test_onnx_int8_matches_fp32_sentence_transformers(onnx_embedder) -> None:
    from newsdesk.index.embed import packaged_model_dir
    from sentence_transformers import SentenceTransformer

    texts = bbc_sentences(240)
    reference = SentenceTransformer(str(packaged_model_dir()), device="cpu").encode(
        texts, batch_size=64, normalize_embeddings=True
    )
    vectors = np.asarray(onnx_embedder.get_text_embedding_batch(texts))
    assert vectors.shape == reference.shape
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
    cosines = (vectors * reference).sum(axis=1)
    print(f"onnx-int8 vs fp32 over {len(texts)} BBC texts: mean {cosines.mean():.4f} min {cosines.min():.4f}")
    assert cosines.mean() >= 0.99, f"mean cosine {cosines.mean():.4f}"
    assert cosines.min() >= 0.98, f"min cosine {cosines.min():.4f}"
    # A query is embedded the same way as a document (no instruction prefix for MiniLM); int8 activations
    # are quantised per batch, so a text alone and in a batch agree to ~0.99, not bit for bit.
    query = np.asarray(onnx_embedder.get_query_embedding(texts[0]))
    assert float(query @ reference[0]) >= 0.98


def test_batching_barely_changes_vectors(onnx_embedder) -> None:
    texts = ["Short.", "A somewhat longer sentence about the markets in London.", "x " * 400]
    together = np.asarray(onnx_embedder.get_text_embedding_batch(texts))
    alone = np.asarray([onnx_embedder.get_text_embedding(text) for text in texts])
    assert ((together * alone).sum(axis=1) >= 0.98).all()


def test_encoder_setting_selects_the_class(tmp_path, monkeypatch) -> None:
    from newsdesk.index.embed import UnknownEncoder, load_embedder
    from newsdesk.index.onnx_encoder import OnnxMiniLMEmbedding

    from newsdesk.components import Components
    from newsdesk.settings import load_settings

    settings = load_settings(store={"path": tmp_path})
    assert settings.ingest.encoder == "onnx-int8"
    assert isinstance(Components(settings).embedder, OnnxMiniLMEmbedding)
    monkeypatch.setenv("NEWSDESK_INGEST__ENCODER", "torch")
    torch_settings = load_settings(store={"path": tmp_path})
    assert torch_settings.ingest.encoder == "torch"
    assert type(Components(torch_settings).embedder).__name__ == "HuggingFaceEmbedding"
    with pytest.raises(UnknownEncoder):
        load_embedder(encoder="fp16")


def test_one_store_one_encoder(tmp_path, monkeypatch) -> None:
    from newsdesk.index.embed import EncoderMismatch

    from newsdesk.components import Components, sample_corpus_dir
    from newsdesk.settings import load_settings

    built = Components(load_settings(store={"path": tmp_path}))
    built.ingestor.ingest([sample_corpus_dir()])
    assert built.store.chunk_collection_metadata()["newsdesk_encoder"] == "onnx-int8:v2"

    monkeypatch.setenv("NEWSDESK_INGEST__ENCODER", "torch")
    other = Components(load_settings(store={"path": tmp_path}))
    with pytest.raises(EncoderMismatch, match="'onnx-int8' encoder"):
        _ = other.ingestor
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        other.check_encoder(writing=False)
    assert any("NEWSDESK_INGEST__ENCODER=onnx-int8" in str(w.message) for w in caught)


def test_a_store_from_an_earlier_onnx_recipe_is_not_written_with_the_new_one(tmp_path) -> None:
    from newsdesk.index.embed import EncoderMismatch

    from newsdesk.components import Components, sample_corpus_dir
    from newsdesk.settings import load_settings

    built = Components(load_settings(store={"path": tmp_path}))
    built.ingestor.ingest([sample_corpus_dir()])
    # What a store built before recipe v2 recorded: the setting alone.
    built.store.update_chunk_collection_metadata(newsdesk_encoder="onnx-int8")
    again = Components(load_settings(store={"path": tmp_path}))
    with pytest.raises(EncoderMismatch, match="earlier version of the 'onnx-int8' encoder"):
        _ = again.ingestor
