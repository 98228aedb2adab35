"""Scoring answers against an evaluation set."""

from __future__ import annotations

import statistics
from pathlib import Path

from pydantic import BaseModel

from eval.dataset import EvalQuestion
from rag.models import Answer


class QuestionResult(BaseModel):
    id: str
    type: str
    answerable: bool
    abstained: bool
    correct: bool
    cites_gold: bool | None
    missing: list[list[str]]
    seconds: float


def _normalise(text: str) -> str:
    return " ".join(text.lower().replace("’", "'").split())


def score_answer(item: EvalQuestion, answer: Answer, seconds: float) -> QuestionResult:
    """Correct: an answerable question answered with every must_include group present (any alternative
    of a group, case-insensitive); an unanswerable question abstained."""
    text = _normalise(answer.answer)
    missing = [group for group in item.must_include if not any(_normalise(alt) in text for alt in group)]
    cited = {Path(c.source).name for c in answer.citations}
    if item.answerable:
        correct = not answer.abstained and not missing
        cites_gold = bool(cited & set(item.gold_docs)) if item.gold_docs else None
    else:
        correct = answer.abstained
        cites_gold = None
    return QuestionResult(
        id=item.id,
        type=item.type,
        answerable=item.answerable,
        abstained=answer.abstained,
        correct=correct,
        cites_gold=cites_gold,
        missing=missing,
        seconds=seconds,
    )


def aggregate(results: list[QuestionResult]) -> dict:
    def rate(values: list[bool]) -> float | None:
        return round(sum(values) / len(values), 4) if values else None

    answerable = [r for r in results if r.answerable]
    unanswerable = [r for r in results if not r.answerable]
    seconds = sorted(r.seconds for r in results)
    return {
        "questions": len(results),
        "correctness": rate([r.correct for r in results]),
        "answerable_correctness": rate([r.correct for r in answerable]),
        "abstention_accuracy": rate([r.abstained != r.answerable for r in results]),
        "unanswerable_abstained": rate([r.abstained for r in unanswerable]),
        "answerable_abstained": rate([r.abstained for r in answerable]),
        "gold_citation_rate": rate([r.cites_gold for r in answerable if r.cites_gold is not None]),
        "by_type": {
            kind: rate([r.correct for r in results if r.type == kind])
            for kind in sorted({r.type for r in results})
        },
        "latency_p50_s": round(statistics.median(seconds), 3) if seconds else None,
        "failures": [r.model_dump() for r in results if not r.correct],
    }
