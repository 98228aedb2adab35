"""The support judge measured on labelled pairs: accuracy, precision and recall of "supported" (label true),
per task and split, at the judge's own thresholds. The release team's check of a judge (a trained model, or
the heuristic fallback) before it decides anything: `newsdesk eval judge`.

The development pairs (`datasets/dev/judge_pairs.jsonl`) are split into tune and holdout by article; a judge's
thresholds are chosen on tune (newsdesk.training), so only the holdout figures say how well it judges.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from importlib.resources import files
from pathlib import Path
from typing import Any

import numpy as np
from newsdesk.rag.judge import JudgeTask, SupportJudge

TASKS: tuple[JudgeTask, ...] = ("answers", "supports")


def dev_pairs(path: Path | None = None) -> list[dict[str, Any]]:
    """Labelled pairs from `path`, or the development pairs shipped with newsdesk.eval."""
    text = (
        path.read_text(encoding="utf-8")
        if path is not None
        else (files("newsdesk.eval") / "datasets" / "dev" / "judge_pairs.jsonl").read_text(encoding="utf-8")
    )
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def figures(scores: np.ndarray, labels: np.ndarray, threshold: float) -> dict[str, float | int]:
    """Accuracy, precision and recall of label "true" (precision 1.0 when nothing is called true)."""
    predicted = scores >= threshold
    true_positive = int((predicted & labels).sum())
    return {
        "n": len(labels),
        "accuracy": round(float((predicted == labels).mean()), 4) if len(labels) else 0.0,
        "precision": round(true_positive / int(predicted.sum()), 4) if predicted.any() else 1.0,
        "recall": round(true_positive / int(labels.sum()), 4) if labels.any() else 0.0,
    }


def task_scores(judge: SupportJudge, task: JudgeTask, pairs: Sequence[tuple[str, str]]) -> np.ndarray:
    """The judge's scores of (query, passage) pairs for one task, all in one call per question."""
    if task == "supports":
        return np.asarray(judge.support_scores(list(pairs)), dtype=float)
    scores = np.zeros(len(pairs))
    by_question: dict[str, list[int]] = {}
    for index, (question, _) in enumerate(pairs):
        by_question.setdefault(question, []).append(index)
    for question, indexes in by_question.items():
        scores[indexes] = judge.answer_scores(question, [pairs[i][1] for i in indexes])
    return scores


def judge_figures(judge: SupportJudge, rows: Sequence[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """{split: {task: figures, "overall": figures}} at the judge's thresholds, for every split in the rows."""
    thresholds = {"answers": judge.answers_threshold, "supports": judge.supports_threshold}
    result: dict[str, dict[str, Any]] = {}
    for split in sorted({str(row.get("split", "all")) for row in rows}):
        margins, labels = [], []
        result[split] = {}
        for task in TASKS:
            chosen = [r for r in rows if r["task"] == task and str(r.get("split", "all")) == split]
            scores = task_scores(judge, task, [(r["query"], r["passage"]) for r in chosen])
            truth = np.asarray([bool(r["label"]) for r in chosen], dtype=bool)
            result[split][task] = figures(scores, truth, thresholds[task])
            margins.append(scores - thresholds[task])
            labels.append(truth)
        result[split]["overall"] = figures(np.concatenate(margins), np.concatenate(labels), 0.0)
    return result
