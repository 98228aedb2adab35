"""A fast CPU encoder: the packaged MiniLM exported to ONNX, int8-quantised, run with onnxruntime.

The ONNX file is made locally from the sentence-transformers model directory on first use (torch export →
onnxruntime's BERT graph fusions → dynamic int8 quantisation) and cached under
`$NEWSDESK_ONNX_CACHE` or `~/.cache/newsdesk/onnx/<fingerprint>/`, where the fingerprint hashes the model's
weights, config and the export recipe. Nothing is downloaded. Later runs load only onnxruntime and
`tokenizers` (no torch), so a fresh process starts faster too.

Every MatMul is quantised (per-channel int8 weights, dynamic uint8 activations). Keeping the six
feed-forward output projections in fp32 (recipe v1) raised the mean cosine to the fp32 sentence-transformers
vectors from 0.992 to 0.996 but cost ~15% of the encoder's time on this AVX2 CPU (no VNNI); all-int8
stays at mean ≥ 0.99, min ≥ 0.98 over 240 BBC texts (tests/test_encoder.py, bench/results.md).
Pooling and normalisation are those of sentence-transformers: mean over the attention mask, then L2.
The same export steps, with head "logits", make the support judge's cross-encoder (newsdesk.training).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import tempfile
import time
import warnings
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal, get_args

import numpy as np
from llama_index.core.base.embeddings.base import BaseEmbedding
from pydantic import Field, PrivateAttr

# Bump when the export changes: the fingerprint, and so the cache entry, changes with it.
RECIPE = "minilm-onnx-int8-v2:eager-attn,opset17,bert-fusions,per-channel-int8,all-matmuls"
ONNX_FILE = "model-int8.onnx"
# Texts per onnxruntime call. Small batches of length-sorted texts are fastest here: 8-16 texts of ~220
# tokens keep the attention and feed-forward activations in cache (CPU time per text, int8: batch 16
# is ~1.3x faster than 64). 8 rather than 16 because two runs are in flight at once (one per core)
# and each needs its own activations: at 16 the ingest's peak RSS was ~150 MB higher, for no speed.
ONNX_BATCH = 8
# Texts llama-index hands to one `encode` call. Large, so that `encode` sorts a whole ingest batch by
# length before cutting it into ONNX_BATCH runs: when llama-index cut it into runs first (its
# embed_batch_size was 16), each run padded 16 unsorted texts to the longest and the encoder spent
# ~25% more time in an ingest than on the same texts encoded at once (bench/results.md).
SORTED_TEXTS = 2048  # llama-index's maximum embed_batch_size


def onnx_cache_root() -> Path:
    """Where exported models are kept: $NEWSDESK_ONNX_CACHE, else the user cache dir."""
    override = os.environ.get("NEWSDESK_ONNX_CACHE")
    if override:
        return Path(override).expanduser()
    from platformdirs import user_cache_path

    return user_cache_path("newsdesk") / "onnx"


def model_fingerprint(model_dir: Path) -> str:
    """Hash of the weights, the config and the recipe: a changed model or recipe gets a new export."""
    files = tuple(
        (name, path.stat().st_size, path.stat().st_mtime_ns)
        for name in ("config.json", "model.safetensors", "pytorch_model.bin")
        if (path := model_dir / name).is_file()
    )
    return _hash_model_files(str(model_dir), files)


# Keyed by the files' sizes and modification times too: an edited model is hashed again. Cached because
# a first run asks twice (whether to say that it exports, then where the file is): ~60 ms a hash.
@lru_cache(maxsize=8)
def _hash_model_files(model_dir: str, files: tuple[tuple[str, int, int], ...]) -> str:
    digest = hashlib.sha256(RECIPE.encode())
    for name, _, _ in files:
        digest.update(name.encode())
        with (Path(model_dir) / name).open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()[:16]


def onnx_model_path(model_dir: Path, cache_root: Path | None = None) -> Path:
    """Where the int8 ONNX export of `model_dir` is (or will be) cached."""
    return (cache_root or onnx_cache_root()) / model_fingerprint(model_dir) / ONNX_FILE


# What `export_int8` exports: the encoder's last hidden state (pooled outside the graph), or the logits
# of a sequence-classification head (the support judge, rag/judge_onnx.py). The same steps serve both.
OnnxHead = Literal["last_hidden_state", "logits"]
HEADS: tuple[OnnxHead, ...] = get_args(OnnxHead)


def _export_fp32(model_dir: Path, target: Path, head: OnnxHead = "last_hidden_state") -> None:
    """torch.onnx export of the transformer's `head` output, with dynamic batch (and length)."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    import torch
    from transformers import AutoModel, AutoModelForSequenceClassification
    from transformers.utils import logging as transformers_logging

    if head not in HEADS:
        raise ValueError(f"unknown head {head!r}; choose one of: {', '.join(HEADS)}")
    model_class = AutoModel if head == "last_hidden_state" else AutoModelForSequenceClassification

    # A first run prints one line of its own about this export, not transformers' weight-loading
    # progress bar: off while the model loads, then as it was (it is a process-wide switch).
    bars = transformers_logging.is_progress_bar_enabled()
    transformers_logging.disable_progress_bar()
    try:
        # Eager attention exports to plain MatMul/Softmax, which onnxruntime fuses into its Attention op.
        model = model_class.from_pretrained(
            str(model_dir), attn_implementation="eager", local_files_only=True
        )
    finally:
        if bars:
            transformers_logging.enable_progress_bar()
    model.eval()

    class _Encoder(torch.nn.Module):
        def __init__(self, inner: Any) -> None:
            super().__init__()
            self.inner = inner

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            out = self.inner(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            )
            return getattr(out, head)

    names = ["input_ids", "attention_mask", "token_type_ids"]
    dummy = torch.ones(2, 16, dtype=torch.long)
    with torch.no_grad(), warnings.catch_warnings():
        # Two known warnings of tracing this model, neither of which applies to it: the mask's padding
        # test (a tensor read as a Python bool) is always false here, where the mask is as long as the
        # input, and the gather it warns about never sees a negative index. The exported model is
        # checked against fp32 sentence-transformers on real text (tests/test_encoder.py).
        warnings.filterwarnings("ignore", category=torch.jit.TracerWarning)
        warnings.filterwarnings("ignore", message="Exporting aten::index operator", category=UserWarning)
        torch.onnx.export(
            _Encoder(model),
            (dummy, torch.ones_like(dummy), torch.zeros_like(dummy)),
            str(target),
            input_names=names,
            output_names=[head],
            # Logits are (batch, labels): only their batch axis varies.
            dynamic_axes={
                **{name: {0: "batch", 1: "tokens"} for name in names},
                head: {0: "batch", 1: "tokens"} if head == "last_hidden_state" else {0: "batch"},
            },
            opset_version=17,
            dynamo=False,
        )


class _DropLogMessage(logging.Filter):
    """Drops one known advisory log line (quantize_dynamic logs it on the root logger, unasked)."""

    def __init__(self, fragment: str) -> None:
        super().__init__()
        self.fragment = fragment

    def filter(self, record: logging.LogRecord) -> bool:
        return self.fragment not in record.getMessage()


@contextmanager
def _without_preprocessing_hint() -> Iterator[None]:
    """quantize_dynamic logs an advisory line with `logging.warning` on the root logger (shape inference
    before quantising; not needed here). Dropped by a filter; and while the root logger has no handler,
    `logging.warning` would install one for good (an implicit `logging.basicConfig`) that prints every
    library's records from then on, bm25s's DEBUG lines too, so a handler of ours, like Python's
    last-resort one (warnings and errors, message only), stands in for the call."""
    root = logging.getLogger()
    hint = _DropLogMessage("run pre-processing before quantization")
    stand_in = None if root.handlers else logging.StreamHandler()
    root.addFilter(hint)
    if stand_in is not None:
        stand_in.setLevel(logging.WARNING)
        root.addHandler(stand_in)
    try:
        yield
    finally:
        root.removeFilter(hint)
        if stand_in is not None:
            root.removeHandler(stand_in)


def export_int8(model_dir: Path, target: Path, head: OnnxHead = "last_hidden_state") -> None:
    """Export, fuse and quantise `model_dir` into `target` (written in place: callers pass a temp path).

    `head`: "last_hidden_state" (the encoder) or "logits" (a sequence-classification model)."""
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from onnxruntime.transformers.optimizer import optimize_model

    config = json.loads((model_dir / "config.json").read_text())
    work = target.parent
    fp32, fused = work / "fp32.onnx", work / "fused.onnx"
    _export_fp32(model_dir, fp32, head)
    optimized = optimize_model(
        str(fp32),
        model_type="bert",
        num_heads=int(config["num_attention_heads"]),
        hidden_size=int(config["hidden_size"]),
        opt_level=1,
    )
    optimized.save_model_to_file(str(fused))
    with _without_preprocessing_hint():
        quantize_dynamic(
            str(fused),
            str(target),
            weight_type=QuantType.QInt8,
            per_channel=True,
            extra_options={"DefaultTensorType": 1},  # FLOAT: the fused ops' outputs have no inferred type
        )
    fp32.unlink(missing_ok=True)
    fused.unlink(missing_ok=True)


def ensure_onnx_model(model_dir: Path, cache_root: Path | None = None) -> tuple[Path, float]:
    """The cached int8 ONNX file for `model_dir`, exported first when missing; (path, export seconds).

    Concurrent first uses each export into their own temp dir and `os.replace` the finished file into
    place, so a reader never sees a half-written model: the last writer wins with identical content.
    """
    final = onnx_model_path(model_dir, cache_root)
    final_dir = final.parent
    if final.is_file():
        return final, 0.0
    final_dir.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    work = Path(tempfile.mkdtemp(prefix=".export-", dir=final_dir))
    try:
        export_int8(model_dir, work / ONNX_FILE)
        os.replace(work / ONNX_FILE, final)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return final, time.perf_counter() - started


def cpu_threads() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


class OnnxMiniLMEmbedding(BaseEmbedding):
    """A llama-index embedding model: int8 ONNX MiniLM with sentence-transformers' mean pooling + L2."""

    model_dir: str = Field(description="The sentence-transformers model directory it was exported from.")
    max_length: int = Field(default=256, description="Tokens per text; longer texts are truncated.")
    run_batch: int = Field(default=ONNX_BATCH, description="Texts per onnxruntime call.")
    onnx_path: str = Field(default="", description="The cached int8 ONNX file in use.")
    export_seconds: float = Field(default=0.0, description="Seconds spent exporting here (0: cached).")

    _session: Any = PrivateAttr()
    _tokenizer: Any = PrivateAttr()
    _runners: Any = PrivateAttr()

    def __init__(
        self,
        model_dir: str | Path,
        embed_batch_size: int = SORTED_TEXTS,
        run_batch: int = ONNX_BATCH,
        max_length: int = 256,
        threads: int | None = None,
        cache_root: Path | None = None,
        **kwargs: Any,
    ) -> None:
        import onnxruntime
        from tokenizers import Tokenizer

        path, seconds = ensure_onnx_model(Path(model_dir), cache_root)
        super().__init__(
            model_name=f"onnx-int8:{Path(model_dir).name}",
            model_dir=str(model_dir),
            embed_batch_size=embed_batch_size,
            run_batch=run_batch,
            max_length=max_length,
            onnx_path=str(path),
            export_seconds=seconds,
            **kwargs,
        )
        # One single-threaded session, run from one worker thread per core (`InferenceSession.run` is
        # thread-safe and releases the GIL): each run of texts goes on one core. Splitting every run
        # over the cores instead (intra-op threads) makes the cores meet at a barrier after each op,
        # so whenever another thread of the process took a core (the ingest writes to Chroma and
        # chunks the next batch while this encodes), the other core waited: ~2 s more per BBC 500.
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        self._session = onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        self._runners = ThreadPoolExecutor(
            max_workers=threads or cpu_threads(), thread_name_prefix="newsdesk-onnx"
        )
        tokenizer = Tokenizer.from_file(str(Path(model_dir) / "tokenizer.json"))
        # tokenizer.json ships fixed padding/truncation at 128; sentence-transformers uses max_seq_length.
        # Padding is done per length-sorted batch in `encode` ([PAD] is id 0 in the BERT vocabulary).
        tokenizer.enable_truncation(max_length)
        tokenizer.no_padding()
        self._tokenizer = tokenizer

    @classmethod
    def class_name(cls) -> str:
        return "OnnxMiniLMEmbedding"

    def _dimensions(self) -> int:
        """The width of the model's output (384 for MiniLM), read from the graph."""
        return int(self._session.get_outputs()[0].shape[-1])

    def encode(self, texts: list[str]) -> np.ndarray:
        """Unit vectors for `texts`. Identical texts are embedded once; the rest are sorted by token count
        and batched, each batch padded only to its own longest text, so almost no padding is computed."""
        unique = list(dict.fromkeys(texts))
        encodings = self._tokenizer.encode_batch(unique)
        lengths = np.asarray([len(encoding.ids) for encoding in encodings])
        order = np.argsort(lengths, kind="stable")
        vectors = np.zeros((len(unique), self._dimensions()), dtype=np.float32)

        def run(batch: np.ndarray) -> None:
            ids = np.zeros((len(batch), int(lengths[batch].max())), dtype=np.int64)
            for row, position in enumerate(batch):
                ids[row, : lengths[position]] = encodings[position].ids
            mask = (np.arange(ids.shape[1]) < lengths[batch][:, None]).astype(np.int64)
            (hidden,) = self._session.run(
                None, {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
            )
            weights = mask[..., None].astype(np.float32)
            pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
            pooled /= np.clip(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12, None)
            vectors[batch] = pooled

        runs = [order[start : start + self.run_batch] for start in range(0, len(unique), self.run_batch)]
        if len(runs) == 1:
            run(runs[0])  # a query: no hand-over to a worker
        else:
            list(self._runners.map(run, runs))  # in order of length; re-raises a run's error
        if len(unique) == len(texts):
            return vectors
        position_of = {text: position for position, text in enumerate(unique)}
        return vectors[[position_of[text] for text in texts]]

    def _get_query_embedding(self, query: str) -> list[float]:
        return self.encode([query])[0].tolist()

    def _get_text_embedding(self, text: str) -> list[float]:
        return self.encode([text])[0].tolist()

    def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
        return self.encode(texts).tolist()

    async def _aget_query_embedding(self, query: str) -> list[float]:
        return self._get_query_embedding(query)

    async def _aget_text_embedding(self, text: str) -> list[float]:
        return self._get_text_embedding(text)
