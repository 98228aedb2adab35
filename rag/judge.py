"""The support judge: the one judgement the answer pipeline and the evaluation rest on.

Two questions, asked of many (text, sentence) pairs at once:
- `answer_scores(question, sentences)`: does each sentence answer the question (state the asked fact)?
- `support_scores(pairs)`: is each claim supported by its quote with the neighbouring sentences?

Scores are probabilities in [0, 1]; `answers`/`supports` compare them with the judge's own thresholds,
which were chosen on the tune split of the development pairs (never on holdout) and travel with the model.
Implementations: the trained cross-encoder (`rag.judge_onnx.OnnxJudge`, the default) and the old word-overlap
heuristic (`HeuristicJudge`), kept as a fallback that can be named (`judge.kind = "heuristic"`).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import Literal

import numpy as np

JudgeTask = Literal["answers", "supports"]


def judge_input(task: JudgeTask, text: str) -> str:
    """The first text of a pair as the cross-encoder reads it: one model judges both tasks, told apart by a
    prefix. Training (newsdesk.training) and inference both build their inputs here."""
    return f"question: {text}" if task == "answers" else f"claim: {text}"


class SupportJudge(ABC):
    """Judges (question, sentence) and (claim, quote-with-neighbours) pairs."""

    name: str
    """What judged: "trained:<version>" or "heuristic"; reports and stores record it."""
    answers_threshold: float
    supports_threshold: float

    @abstractmethod
    def answer_scores(self, question: str, sentences: Sequence[str]) -> np.ndarray:
        """P(sentence answers the question), one per sentence."""

    @abstractmethod
    def support_scores(self, pairs: Sequence[tuple[str, str]]) -> np.ndarray:
        """P(claim is supported by the quote with its neighbouring sentences), one per (claim, quote) pair."""

    def answers(self, question: str, sentences: Sequence[str]) -> list[bool]:
        return [bool(s >= self.answers_threshold) for s in self.answer_scores(question, sentences)]

    def supports(self, claim: str, quote_with_neighbours: str) -> bool:
        return bool(self.support_scores([(claim, quote_with_neighbours)])[0] >= self.supports_threshold)
