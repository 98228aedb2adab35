"""Runs an evaluation set through the answer pipeline and scores every answer."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import PurePosixPath

from newsdesk.eval.compare import compare
from newsdesk.eval.dataset import EvalQuestion, matches_gold
from newsdesk.eval.draft import DraftRecorder
from newsdesk.eval.gate import gate
from newsdesk.eval.judge import LlmJudge
from newsdesk.eval.metrics import citation_score, retrieval_score
from newsdesk.eval.score import QuestionResult, aggregate, score_answer
from newsdesk.index.store import ArticleStore
from newsdesk.rag.assistant import Assistant
from newsdesk.rag.verify import CitationCheck

from newsdesk.settings import GateSettings

UNKNOWN_OUTLET = "unknown outlet"
UNDATED = "undated"


def gold_metadata(
    metadatas: Iterable[dict], questions: Sequence[EvalQuestion]
) -> dict[str, list[tuple[str, str]]]:
    """(outlet, publication year) of the stored article(s) each gold document of `questions` names, by
    its source or an alternate source (a duplicate's); a gold document not in the store is left out."""
    wanted: dict[str, list[str]] = {}  # file name -> the gold documents ending with it
    for item in questions:
        for gold in item.gold_docs:
            wanted.setdefault(PurePosixPath(gold.replace("\\", "/")).name, []).append(gold)
    found: dict[str, list[tuple[str, str]]] = {}
    for metadata in metadatas:
        published = str(metadata.get("published") or "")
        facts = (str(metadata.get("outlet") or UNKNOWN_OUTLET), published[:4] if published else UNDATED)
        sources = [str(metadata.get("source", "")), *str(metadata.get("alternates", "")).split("\n")]
        for source in filter(None, sources):
            for gold in wanted.get(PurePosixPath(source.replace("\\", "/")).name, []):
                if matches_gold(source, gold) and facts not in found.setdefault(gold, []):
                    found[gold].append(facts)
    return found


def run_evaluation(
    assistant: Assistant,
    questions: Sequence[EvalQuestion],
    judge: LlmJudge | None = None,
    on_result: Callable[[QuestionResult], None] | None = None,
    citation_check: CitationCheck | None = None,
    gold: dict[str, list[tuple[str, str]]] | None = None,
    yardsticks: Mapping[str, CitationCheck] | None = None,
) -> list[QuestionResult]:
    """Ask every question (with its history) and score the answer, its draft and its retrieval.

    Citation recall and precision (ALCE) are judged by `citation_check`, by default the pipeline's own
    (its support judge); the heuristic judge's check is the fallback yardstick that can be named.
    `yardsticks` (judge kind → check) judge the same draft again, each result keeping every judge's counts
    (`citation_by_judge`), so the report can give the figures by each judge side by side.
    The assistant's engine is wrapped in a DraftRecorder for the run, so the metrics see the draft
    the citation check received. Latency is the time of `ask` alone, the metrics excluded. `gold`
    (see `gold_metadata`) gives each result its gold articles' outlets and years.
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
        by_judge = {}
        for kind, check in (yardsticks or {}).items():
            # The same check as the headline one is not asked twice.
            score = citations if check is checker or not draft else citation_score(draft, check.supports)
            if score is not None:
                by_judge[kind] = {"supported": score.supported, "relevant": score.relevant}
        judged = None
        if judge is not None and draft is not None and not draft.abstained:
            cited = {c.marker: c for c in draft.citations}
            judged = sum(
                judge.supports(s.text, [cited[m] for m in s.markers if m in cited]) for s in draft.sentences
            )
        facts = [fact for doc in item.gold_docs for fact in (gold or {}).get(doc, [])]
        result = score_answer(
            item, answer, seconds, retrieval_score(passages, item.gold_docs), citations, judged, facts
        )
        result.citation_by_judge = by_judge
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
    store: ArticleStore | None = None,
    baseline: dict | None = None,
    yardsticks: Mapping[str, CitationCheck] | None = None,
) -> dict:
    """The whole evaluation of one set over one or more engines: figures overall, per type, engine,
    gold outlet and gold year, with 95% confidence intervals, every failure, and the release gate's
    verdict (against `baseline`, an earlier report, too). `yardsticks`: a citation check per judge kind,
    whose citation recall/precision are reported beside the headline ones (`citation_recall_<kind>`,
    `citation_precision_<kind>`, the judge names with their versions in `citation_judges`). The CLI and the
    UI's Evaluation tab share it."""
    gold = gold_metadata(store.article_metadatas(), questions) if store is not None else None
    results = []
    for assistant in assistants:
        results += run_evaluation(
            assistant, questions, judge=judge, citation_check=citation_check, gold=gold, yardsticks=yardsticks
        )
    summary = {
        "dataset": dataset,
        "engine": assistants[0].engine.name,
        "citation_judge": (citation_check or assistants[0].checker).judge.name,
        "citation_judges": {kind: check.judge.name for kind, check in (yardsticks or {}).items()},
        "judge": judge.name if judge else None,
        **aggregate(results),
    }
    if baseline is not None:
        # Kept in the summary: the report shows what regressed against the baseline and which questions
        # flipped (the CLI names the file, or replaces it with its --compare report).
        summary["compare"] = compare(summary, baseline)
    summary["gate"] = gate(summary, thresholds, comparison=summary.get("compare"))
    return summary
