"""Runs an evaluation set through the answer pipeline and scores every answer."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

from newsdesk.eval.dataset import EvalQuestion
from newsdesk.eval.draft import DraftRecorder
from newsdesk.eval.gate import gate
from newsdesk.eval.judge import LlmJudge
from newsdesk.eval.metrics import citation_score, retrieval_score
from newsdesk.eval.score import QuestionResult, aggregate, score_answer
from newsdesk.rag.assistant import Assistant
from newsdesk.rag.verify import CitationCheck

from newsdesk.settings import GateSettings


def run_evaluation(
    assistant: Assistant,
    questions: Sequence[EvalQuestion],
    judge: LlmJudge | None = None,
    on_result: Callable[[QuestionResult], None] | None = None,
    citation_check: CitationCheck | None = None,
) -> list[QuestionResult]:
    """Ask every question (with its history) and score the answer, its draft and its retrieval.

    Citation recall and precision (ALCE) are judged by `citation_check`, by default the pipeline's own
    (its support judge); the heuristic judge's check is the fallback yardstick that can be named.
    The assistant's engine is wrapped in a DraftRecorder for the run, so the metrics see the draft
    the citation check received. Latency is the time of `ask` alone, the metrics excluded.
    """
    checker = citation_check or assistant.checker
    recorder = DraftRecorder(assistant.engine)
    recording = assistant.with_engine(recorder)
    results = []
    for item in questions:
        recorder.reset()
        started = time.perf_counter()
        answer = recording.ask(item.question, history=item.history)
        seconds = time.perf_counter() - started
        # The passages the engine was given; when the gate abstained first, the same search again.
        passages = recorder.passages
        if passages is None:
            passages = assistant.retriever.retrieve(answer.retrieval_query or item.question)
        draft = recorder.draft
        citations = citation_score(draft, checker.supports) if draft else None
        judged = None
        if judge is not None and draft is not None and not draft.abstained:
            cited = {c.marker: c for c in draft.citations}
            judged = sum(
                judge.supports(s.text, [cited[m] for m in s.markers if m in cited]) for s in draft.sentences
            )
        result = score_answer(
            item, answer, seconds, retrieval_score(passages, item.gold_docs), citations, judged
        )
        if on_result is not None:
            on_result(result)
        results.append(result)
    return results


def evaluate(
    assistants: Sequence[Assistant],
    questions: Sequence[EvalQuestion],
    dataset: str,
    thresholds: GateSettings,
    judge: LlmJudge | None = None,
    citation_check: CitationCheck | None = None,
) -> dict:
    """The whole evaluation of one set over one or more engines: figures overall, per type and per
    engine, every failure, and the release gate's verdict. The CLI and the UI's Evaluation tab share it."""
    results = []
    for assistant in assistants:
        results += run_evaluation(assistant, questions, judge=judge, citation_check=citation_check)
    summary = {
        "dataset": dataset,
        "engine": assistants[0].engine.name,
        "citation_judge": (citation_check or assistants[0].checker).judge.name,
        "judge": judge.name if judge else None,
        **aggregate(results),
    }
    summary["gate"] = gate(summary, thresholds)
    return summary
