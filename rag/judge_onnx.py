"""The trained support judge at inference: an int8 ONNX cross-encoder run in onnxruntime, no torch.

A model directory (default: the one packaged in `newsdesk.rag/judge_model/`) holds three files:
- `model-int8.onnx`: a MiniLM cross-encoder fine-tuned by `newsdesk train-judge`, exported with the encoder's
  recipe (index/onnx_encoder.py, head "logits"): one logit per (first text, passage) pair;
- `tokenizer.json`: its tokenizer, for `tokenizers` (pair encoding: [CLS] first [SEP] passage [SEP]);
- `manifest.json`: what made it (recipe, data hash, hyper-parameters), the per-task max lengths and
  thresholds chosen on the tune split, and the holdout metrics (newsdesk/training/train_judge.py writes it).

One model judges both tasks; `judge_input` prefixes the first text with the task, as in training.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from importlib.resources import files
from pathlib import Path
from typing import Any

import numpy as np
from newsdesk.index.onnx_encoder import ONNX_BATCH, ONNX_FILE, cpu_threads
from newsdesk.rag.judge import JudgeTask, SupportJudge, judge_input

MANIFEST_FILE = "manifest.json"
TOKENIZER_FILE = "tokenizer.json"
# Scores kept per judge: the gate, the engine's sentence choice and the citation check ask about the same
# pairs within one question, so each pair is run once. A few questions' worth; each entry is small.
SCORE_CACHE_SIZE = 4096


class JudgeModelError(RuntimeError):
    """The judge's model directory is missing a file, or a file cannot be read."""


def packaged_judge_dir() -> Path:
    """The judge shipped in the package (`newsdesk/rag/judge_model/`)."""
    return Path(str(files("newsdesk.rag") / "judge_model"))


def read_manifest(model_dir: Path) -> dict[str, Any]:
    """The model's manifest; a missing or unreadable one raises JudgeModelError naming the file."""
    path = model_dir / MANIFEST_FILE
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as error:
        raise JudgeModelError(f"{path}: the support judge's manifest is missing") from error
    except (OSError, ValueError) as error:
        raise JudgeModelError(f"{path}: not a valid judge manifest ({error})") from error
    absent = [key for key in ("version", "thresholds", "max_length") if key not in manifest]
    if absent:
        raise JudgeModelError(f"{path}: not a valid judge manifest (no {', '.join(absent)})")
    return manifest


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class OnnxJudge(SupportJudge):
    """The trained cross-encoder judge. Scores are the sigmoid of the model's logit."""

    def __init__(
        self,
        model_dir: Path | None = None,
        *,
        threads: int | None = None,
        run_batch: int = ONNX_BATCH,
        cache_size: int = SCORE_CACHE_SIZE,
    ) -> None:
        import onnxruntime
        from tokenizers import Tokenizer

        self.model_dir = Path(model_dir) if model_dir is not None else packaged_judge_dir()
        self.manifest = read_manifest(self.model_dir)
        self.name = f"trained:{self.manifest['version']}"
        self.answers_threshold = float(self.manifest["thresholds"]["answers"])
        self.supports_threshold = float(self.manifest["thresholds"]["supports"])
        self.max_length: dict[str, int] = {task: int(n) for task, n in self.manifest["max_length"].items()}
        self.run_batch = run_batch

        onnx_path = self.model_dir / ONNX_FILE
        tokenizer_path = self.model_dir / TOKENIZER_FILE
        for path in (onnx_path, tokenizer_path):
            if not path.is_file():
                raise JudgeModelError(f"{path}: missing from the support judge's model directory")
        try:
            self._tokenizer = Tokenizer.from_file(str(tokenizer_path))
        except Exception as error:  # tokenizers raises a bare Exception on a malformed file
            raise JudgeModelError(f"{tokenizer_path}: not a readable tokenizer ({error})") from error
        # Padding is done per length-sorted run in `_scores`; truncation is set per task there.
        self._tokenizer.no_padding()
        # Same threading as the encoder (index/onnx_encoder.py): one single-threaded session, one run per
        # core from a small pool, so a core taken by another thread of the process never holds up the other.
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        try:
            self._session = onnxruntime.InferenceSession(
                str(onnx_path), options, providers=["CPUExecutionProvider"]
            )
        except Exception as error:  # onnxruntime raises its own exception types for bad graphs
            raise JudgeModelError(f"{onnx_path}: not a loadable ONNX model ({error})") from error
        self._runners = ThreadPoolExecutor(
            max_workers=threads or cpu_threads(), thread_name_prefix="newsdesk-judge"
        )
        # An OrderedDict rather than functools.lru_cache: scores are asked for in batches, and only the
        # pairs not yet scored go to the model in one length-sorted batch.
        self._cache: OrderedDict[tuple[str, str, str], float] = OrderedDict()
        self._cache_size = cache_size
        self._lock = threading.Lock()  # the tokenizer's truncation setting and the cache are shared

    def answer_scores(self, question: str, sentences: Sequence[str]) -> np.ndarray:
        return self.scores("answers", [(question, sentence) for sentence in sentences])

    def support_scores(self, pairs: Sequence[tuple[str, str]]) -> np.ndarray:
        return self.scores("supports", pairs)

    def scores(self, task: JudgeTask, pairs: Sequence[tuple[str, str]]) -> np.ndarray:
        """P(label true) for each (text, passage) pair of `task`; cached pairs are not run again."""
        keys = [(task, text, passage) for text, passage in pairs]
        with self._lock:
            known = {key: self._cache[key] for key in keys if key in self._cache}
            for key in known:
                self._cache.move_to_end(key)
        missing = list(dict.fromkeys(key for key in keys if key not in known))
        if missing:
            fresh = self._scores(task, [(text, passage) for _, text, passage in missing])
            with self._lock:
                for key, score in zip(missing, fresh, strict=True):
                    known[key] = float(score)
                    self._cache[key] = float(score)
                while len(self._cache) > self._cache_size:
                    self._cache.popitem(last=False)
        return np.asarray([known[key] for key in keys], dtype=np.float32)

    def _encode(self, task: JudgeTask, pairs: list[tuple[str, str]]) -> list[Any]:
        inputs = [(judge_input(task, text), passage) for text, passage in pairs]
        with self._lock:
            # The passage is cut first: the question or claim is what is being judged.
            self._tokenizer.enable_truncation(self.max_length[task], strategy="only_second")
            try:
                return self._tokenizer.encode_batch(inputs)
            except Exception:  # a first text longer than max_length alone: cut both, longest first
                self._tokenizer.enable_truncation(self.max_length[task], strategy="longest_first")
                return self._tokenizer.encode_batch(inputs)

    def _scores(self, task: JudgeTask, pairs: list[tuple[str, str]]) -> np.ndarray:
        """Run the model. Pairs are sorted by token count and run in small batches, each padded only to
        its own longest pair (see index/onnx_encoder.py: almost no padding is computed)."""
        encodings = self._encode(task, pairs)
        lengths = np.asarray([len(encoding.ids) for encoding in encodings])
        order = np.argsort(lengths, kind="stable")
        logits = np.zeros(len(pairs), dtype=np.float32)

        def run(batch: np.ndarray) -> None:
            width = int(lengths[batch].max())
            ids = np.zeros((len(batch), width), dtype=np.int64)  # [PAD] is id 0 in the BERT vocabulary
            types = np.zeros_like(ids)
            for row, position in enumerate(batch):
                ids[row, : lengths[position]] = encodings[position].ids
                types[row, : lengths[position]] = encodings[position].type_ids
            mask = (np.arange(width) < lengths[batch][:, None]).astype(np.int64)
            (out,) = self._session.run(
                None, {"input_ids": ids, "attention_mask": mask, "token_type_ids": types}
            )
            logits[batch] = out[:, 0]

        runs = [order[start : start + self.run_batch] for start in range(0, len(pairs), self.run_batch)]
        if len(runs) == 1:
            run(runs[0])
        else:
            list(self._runners.map(run, runs))
        return 1.0 / (1.0 + np.exp(-logits))
