"""Scoring answers against an evaluation set: one QuestionResult per answer, then the aggregate
per engine and per question type."""

from __future__ import annotations

import statistics
from collections.abc import Callable, Sequence

from newsdesk.eval.dataset import EvalQuestion, matches_gold
from newsdesk.eval.dates import answer_date, parse_expected_date
from newsdesk.eval.metrics import CitationScore, RetrievalScore
from newsdesk.eval.uncertainty import confidence_intervals
from newsdesk.rag.models import Answer
from pydantic import BaseModel


class CitedSource(BaseModel):
    marker: int
    source: str
    outlet: str | None = None
    published: str | None = None
    quote: str


class QuestionResult(BaseModel):
    id: str
    type: str
    question: str
    engine: str
    answerable: bool
    abstained: bool
    correct: bool
    cites_gold: bool | None
    missing: list[list[str]]
    seconds: float
    answer: str
    citations: list[CitedSource] = []
    recall_at_k: float | None = None
    reciprocal_rank: float | None = None
    draft_sentences: int = 0
    unsupported_sentences: int = 0
    supported_sentences: int = 0  # draft sentences whose citations together support them (ALCE)
    draft_citations: int = 0
    relevant_citations: int = 0
    unsupported_examples: list[str] = []
    judge_supported: int | None = None
    # Every yardstick judge's ALCE counts of the same draft: {"heuristic": {"supported": n, "relevant": m}}.
    citation_by_judge: dict[str, dict[str, int]] = {}
    problems: list[str] = []
    # The gold articles' outlets and publication years as stored (the breakdowns); "undated" without a date.
    gold_outlets: list[str] = []
    gold_years: list[str] = []
    # "When" questions with an expected date: the first date the answer gives (ISO, at its precision) and
    # whether it is the expected one; None for a question without an expected date.
    expected_date: str | None = None
    answer_date: str | None = None
    date_correct: bool | None = None


def _normalise(text: str) -> str:
    return " ".join(text.lower().replace("’", "'").split())


def score_answer(
    item: EvalQuestion,
    answer: Answer,
    seconds: float,
    retrieval: RetrievalScore | None = None,
    citations: CitationScore | None = None,
    judge_supported: int | None = None,
    gold: Sequence[tuple[str, str]] = (),
) -> QuestionResult:
    """Correct: an answerable question answered with every must_include group present (any alternative
    of a group, case-insensitive); an unanswerable question abstained. `citations` is measured on the
    engine's draft; the pipeline's own verdicts (`answer.sentences`) give the unsupported count.
    `gold`: (outlet, year) of each gold article found in the store, for the breakdowns."""
    text = _normalise(answer.answer)
    missing = [group for group in item.must_include if not any(_normalise(alt) in text for alt in group)]
    if item.answerable:
        correct = not answer.abstained and not missing
        cites_gold = (
            any(matches_gold(c.source, gold) for c in answer.citations for gold in item.gold_docs)
            if item.gold_docs
            else None
        )
    else:
        correct = answer.abstained
        cites_gold = None
    citations = citations or CitationScore(sentences=[])
    unsupported = [s.text for s in answer.sentences if not s.supported]
    problems = []
    if item.answerable and answer.abstained:
        problems.append("abstained on an answerable question")
    if not item.answerable and not answer.abstained:
        problems.append("answered an unanswerable question")
    if item.answerable and not answer.abstained and missing:
        problems.append("missing " + "; ".join(" / ".join(group) for group in missing))
    if unsupported:
        problems.append(f"{len(unsupported)} draft sentence(s) not supported by their citations")
    if citations.relevant < citations.citations:
        problems.append(f"{citations.citations - citations.relevant} irrelevant citation(s)")
    given_date, date_correct = None, None
    if item.expected_date is not None:
        # An abstention or an answer that gives no date is wrong (eval.dates says which date is the answer's).
        given, date_correct = answer_date(answer, parse_expected_date(item.expected_date))
        given_date = given.iso() if given else None
        if not date_correct:
            problems.append(f"date {given_date or 'not given'}, expected {item.expected_date}")
    if retrieval is not None and retrieval.recall_at_k < 1.0:
        problems.append(f"retrieval found {retrieval.recall_at_k:.0%} of the gold articles")
    return QuestionResult(
        id=item.id,
        type=item.type,
        question=item.question,
        engine=answer.engine,
        answerable=item.answerable,
        abstained=answer.abstained,
        correct=correct,
        cites_gold=cites_gold,
        missing=missing,
        seconds=seconds,
        answer=answer.answer,
        citations=[
            CitedSource(
                marker=c.marker,
                source=c.source,
                outlet=c.outlet,
                published=c.published.isoformat() if c.published else None,
                quote=c.quote,
            )
            for c in answer.citations
        ],
        recall_at_k=retrieval.recall_at_k if retrieval else None,
        reciprocal_rank=retrieval.reciprocal_rank if retrieval else None,
        draft_sentences=len(answer.sentences),
        unsupported_sentences=len(unsupported),
        supported_sentences=citations.supported,
        draft_citations=citations.citations,
        relevant_citations=citations.relevant,
        unsupported_examples=unsupported,
        judge_supported=judge_supported,
        problems=problems,
        gold_outlets=sorted({outlet for outlet, _ in gold}),
        gold_years=sorted({year for _, year in gold}),
        expected_date=item.expected_date,
        answer_date=given_date,
        date_correct=date_correct,
    )


def _rate(values: Sequence[bool]) -> float | None:
    return round(sum(values) / len(values), 4) if values else None


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _mean(values: Sequence[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return round(statistics.fmean(present), 4) if present else None


def _percentile(seconds: Sequence[float], q: int) -> float | None:
    if not seconds:
        return None
    if len(seconds) == 1:
        return round(seconds[0], 3)
    return round(statistics.quantiles(seconds, n=100, method="inclusive")[q - 1], 3)


def figures(results: Sequence[QuestionResult]) -> dict:
    """The aggregate figures of a group of results (micro-averaged over sentences and citations)."""
    answerable = [r for r in results if r.answerable]
    unanswerable = [r for r in results if not r.answerable]
    sentences = sum(r.draft_sentences for r in results)
    drafted = sum(r.draft_citations for r in results)
    judged = [r for r in results if r.judge_supported is not None]
    seconds = [r.seconds for r in results]
    return {
        "questions": len(results),
        "correctness": _rate([r.correct for r in results]),
        "answerable_correctness": _rate([r.correct for r in answerable]),
        "abstention_accuracy": _rate([r.abstained != r.answerable for r in results]),
        # The two ways to be wrong, apart: an answer that is false (to an unanswerable question, or missing
        # an expected fact) misleads a reader; a false abstention only fails to help.
        "false_answers": _rate([not r.abstained and not r.correct for r in results]),
        "false_abstentions": _rate([r.abstained and r.answerable for r in results]),
        "unanswerable_abstained": _rate([r.abstained for r in unanswerable]),
        "answerable_abstained": _rate([r.abstained for r in answerable]),
        "recall_at_k": _mean([r.recall_at_k for r in results]),
        "mrr": _mean([r.reciprocal_rank for r in results]),
        "citation_recall": _share(sum(r.supported_sentences for r in results), sentences),
        "citation_precision": _share(sum(r.relevant_citations for r in results), drafted),
        "unsupported_share": _share(sum(r.unsupported_sentences for r in results), sentences),
        "judge_citation_recall": _share(
            sum(r.judge_supported or 0 for r in judged), sum(r.draft_sentences for r in judged)
        )
        if judged
        else None,
        **_by_judge(results, sentences, drafted),
        "gold_citation_rate": _rate([r.cites_gold for r in answerable if r.cites_gold is not None]),
        "date_accuracy": _rate([r.date_correct for r in results if r.date_correct is not None]),
        "draft_sentences": sentences,
        "latency_p50_s": _percentile(seconds, 50),
        "latency_p95_s": _percentile(seconds, 95),
    }


def _by_judge(results: Sequence[QuestionResult], sentences: int, drafted: int) -> dict:
    """`citation_recall_<kind>` and `citation_precision_<kind>` of each judge that judged these results."""
    kinds = sorted({kind for r in results for kind in r.citation_by_judge})
    judged = {kind: [r for r in results if kind in r.citation_by_judge] for kind in kinds}
    figures = {}
    for kind, rows in judged.items():
        figures[f"citation_recall_{kind}"] = _share(
            sum(r.citation_by_judge[kind]["supported"] for r in rows), sum(r.draft_sentences for r in rows)
        )
        figures[f"citation_precision_{kind}"] = _share(
            sum(r.citation_by_judge[kind]["relevant"] for r in rows), sum(r.draft_citations for r in rows)
        )
    return figures


def _group(results: Sequence[QuestionResult], rows: Sequence[dict]) -> dict:
    """The figures of a group and, under "ci", the 95% bootstrap interval of each (eval.uncertainty)."""
    return {**figures(results), "ci": confidence_intervals(rows)}


def _breakdown(
    results: Sequence[QuestionResult], rows: Sequence[dict], keys_of: Callable[[QuestionResult], list[str]]
) -> dict[str, dict]:
    """The figures per key; a result with several keys (gold articles of two outlets) is in each group."""
    groups: dict[str, list[int]] = {}
    for index, result in enumerate(results):
        for key in keys_of(result):
            groups.setdefault(key, []).append(index)
    return {
        key: _group([results[i] for i in indexes], [rows[i] for i in indexes])
        for key, indexes in sorted(groups.items())
    }


def aggregate(results: Sequence[QuestionResult]) -> dict:
    """All results' figures with their confidence intervals, then the same per question type, engine, gold
    article outlet and gold article year ("no gold article" for questions without one), every failure
    (incorrect, with a draft sentence the check removed, or with a wrong date) and every result, answers
    included."""
    rows = [r.model_dump() for r in results]
    none = "no gold article"
    return {
        **_group(results, rows),
        "by_type": _breakdown(results, rows, lambda r: [r.type]),
        "by_engine": {
            name: _group([r for r in results if r.engine == name], [d for d in rows if d["engine"] == name])
            for name in dict.fromkeys(r.engine for r in results)
        },
        "by_outlet": _breakdown(results, rows, lambda r: r.gold_outlets or [none]),
        "by_year": _breakdown(results, rows, lambda r: r.gold_years or [none]),
        "failures": [
            d
            for r, d in zip(results, rows, strict=True)
            if not r.correct or r.unsupported_sentences or r.date_correct is False
        ],
        "results": rows,
    }
