"""The release gate's statistics on constructed per-question outcomes: bootstrap confidence intervals,
paired significance of a change (McNemar, paired bootstrap), the flipped questions, the --baseline gate,
the breakdowns and the reports' verdict. The same on real runs is in tests/test_eval_cli.py."""

from __future__ import annotations

import time

import pytest
from newsdesk.eval.compare import compare
from newsdesk.eval.gate import gate
from newsdesk.eval.report import render_html, render_markdown, verdict
from newsdesk.eval.score import QuestionResult, aggregate
from newsdesk.eval.uncertainty import mcnemar_p

from newsdesk.settings import GateSettings


def _result(index: int, correct: bool, answerable: bool = True, **fields: object) -> QuestionResult:
    # By default a wrong result is a false answer (answered, wrongly); abstained=True makes it an abstention.
    abstained = fields.pop("abstained", (not answerable) if correct else False)
    values = {
        "id": f"q{index:03d}", "type": "factoid" if index % 2 else "numeric",
        "question": f"Question {index}?", "engine": "extractive", "answerable": answerable,
        "abstained": abstained, "correct": correct, "cites_gold": None, "missing": [],
        "seconds": 0.1 + (index % 7) / 10, "answer": f"answer {index}",
        "recall_at_k": 1.0 if correct else 0.5, "reciprocal_rank": 1.0 if correct else 0.5,
        "draft_sentences": 2, "supported_sentences": 2, "draft_citations": 2, "relevant_citations": 2,
    }  # fmt: skip
    return QuestionResult(**{**values, **fields})


def _run(correct: list[bool]) -> dict:
    summary = {"dataset": "constructed", **aggregate([_result(i, c) for i, c in enumerate(correct)])}
    summary["gate"] = gate(summary, GateSettings(min_correctness=0.0, min_abstention_accuracy=0.0))
    return summary


def test_every_figure_has_a_deterministic_interval_around_it() -> None:
    outcomes = [i % 4 != 0 for i in range(40)]  # 30 of 40 right
    summary = aggregate([_result(i, c) for i, c in enumerate(outcomes)])
    assert summary["correctness"] == 0.75
    ci = summary["ci"]
    for metric in ("correctness", "abstention_accuracy", "recall_at_k", "mrr", "citation_recall",
                   "citation_precision", "unsupported_share", "false_answers", "false_abstentions",
                   "latency_p50_s", "latency_p95_s"):  # fmt: skip
        assert ci[metric]["ci_low"] <= summary[metric] <= ci[metric]["ci_high"], metric
    # A binomial share of 40: the interval is about ±2 standard errors (0.068) wide on each side.
    assert 0.55 <= ci["correctness"]["ci_low"] <= 0.65 and 0.85 <= ci["correctness"]["ci_high"] <= 0.9
    # No variation, no width: every draft sentence is supported in every resample.
    assert ci["citation_recall"] == {"ci_low": 1.0, "ci_high": 1.0}
    assert aggregate([_result(i, c) for i, c in enumerate(outcomes)])["ci"] == ci
    # Per group too; the judge figure was not measured and has no interval.
    assert summary["by_type"]["numeric"]["ci"]["correctness"]["ci_high"] <= 1.0
    assert "judge_citation_recall" not in ci


def test_bootstrap_of_300_questions_takes_well_under_two_seconds() -> None:
    results = [
        _result(i, i % 3 != 0, answerable=i % 5 != 0, gold_outlets=[f"outlet {i % 4}"], gold_years=["2016"])
        for i in range(300)
    ]
    aggregate(results[:10])  # numpy warmed up
    started = time.perf_counter()
    summary = aggregate(results)
    compare(summary, summary)
    assert time.perf_counter() - started < 2.0
    assert len(summary["by_outlet"]) == 4


def test_a_run_compared_with_itself_shows_no_change() -> None:
    summary = _run([i % 4 != 0 for i in range(40)])
    compared = compare(summary, summary)
    assert compared["paired_questions"] == 40 and compared["flips"] == []
    for metric, row in compared["overall"].items():
        assert row["significant"] is False and row["paired_delta"] == 0, metric
    assert compared["overall"]["correctness"]["p_value"] == 1.0
    assert gate(summary, GateSettings(min_correctness=0.0, min_abstention_accuracy=0.0), baseline=summary)[
        "passed"
    ]


def test_a_significant_drop_is_a_regression_that_fails_the_baseline_gate() -> None:
    old = _run([True] * 40)
    new = _run([i >= 10 for i in range(40)])  # ten questions flipped right → wrong
    row = compare(new, old)["overall"]["correctness"]
    assert row["test"] == "mcnemar" and row["right_to_wrong"] == 10 and row["wrong_to_right"] == 0
    assert row["p_value"] == pytest.approx(2 / 2**10, abs=1e-4)
    assert row["significant"] and row["regression"] and row["ci_high"] < 0
    thresholds = GateSettings(min_correctness=0.0, min_abstention_accuracy=0.0)
    assert gate(new, thresholds)["passed"]  # the fixed thresholds alone let it through
    checked = gate(new, thresholds, baseline=old)
    assert not checked["passed"]
    assert any("correctness regressed significantly against the baseline" in f for f in checked["failed"])
    # The same drop the other way round is an improvement, not a regression.
    assert not gate(old, thresholds, baseline=new)["baseline_regressions"]


def test_a_small_change_is_not_significant_and_passes_the_baseline_gate() -> None:
    old = _run([i % 4 != 0 for i in range(40)])
    new = _run([i % 4 != 0 and i != 1 for i in range(40)])  # one question flipped
    row = compare(new, old)["overall"]["correctness"]
    assert row["right_to_wrong"] == 1 and row["p_value"] == 1.0 and not row["significant"]
    assert gate(new, GateSettings(min_correctness=0.0, min_abstention_accuracy=0.0), baseline=old)["passed"]


def test_mcnemar_exact_p_values() -> None:
    assert mcnemar_p(0, 0) == 1.0
    assert mcnemar_p(5, 0) == pytest.approx(0.0625)
    assert mcnemar_p(6, 0) == pytest.approx(0.03125)
    assert mcnemar_p(3, 3) == 1.0
    assert mcnemar_p(8, 2) == pytest.approx(0.109375)


def test_flips_are_listed_with_both_answers_in_every_report() -> None:
    old = _run([i != 3 for i in range(20)])
    new_results = [_result(i, i not in (5, 6), answer=f"new answer {i}") for i in range(20)]
    new = {"dataset": "constructed", **aggregate(new_results)}
    new["gate"] = gate(new, GateSettings(min_correctness=0.0), baseline=old)
    new["compare"] = {"against": "old/report.json", **compare(new, old)}
    flips = new["compare"]["flips"]
    assert [(f["id"], f["direction"]) for f in flips] == [
        ("q005", "right → wrong"), ("q006", "right → wrong"), ("q003", "wrong → right")
    ]  # fmt: skip
    assert flips[0]["old_answer"] == "answer 5" and flips[0]["new_answer"] == "new answer 5"
    markdown, html = render_markdown(new), render_html(new)
    assert (
        "### Flipped questions (3)" in markdown
        and "| q005: Question 5? | extractive | right → wrong |" in markdown
    )
    assert "<h3>Flipped questions (3)</h3>" in html and "new answer 6" in html
    # The comparison table names the test and whether each change is significant.
    assert "| correctness | 0.950 | 0.900 | -0.050 | -0.050 [" in markdown and "mcnemar p=" in markdown


def test_breakdowns_and_false_answers_apart_from_false_abstentions() -> None:
    results = [
        _result(0, True, gold_outlets=["AFP"], gold_years=["2016"]),
        _result(1, False, gold_outlets=["AFP", "Press TV"], gold_years=["undated"]),  # answered wrong
        _result(2, False, abstained=True, gold_outlets=["Press TV"], gold_years=["2016"]),  # false abstention
        _result(3, False, answerable=False, abstained=False),  # answered the unanswerable
        _result(4, True, answerable=False),
    ]
    summary = {"dataset": "constructed", **aggregate(results)}
    assert summary["false_answers"] == 0.4 and summary["false_abstentions"] == 0.2
    assert (
        summary["by_outlet"]["AFP"]["questions"] == 2 and summary["by_outlet"]["Press TV"]["questions"] == 2
    )
    assert summary["by_outlet"]["no gold article"]["questions"] == 2
    assert (
        summary["by_year"]["2016"]["correctness"] == 0.5 and summary["by_year"]["undated"]["correctness"] == 0
    )
    assert summary["by_engine"]["extractive"]["questions"] == 5
    summary["gate"] = gate(summary, GateSettings())
    markdown = render_markdown(summary)
    assert "| outlet: Press TV | 2 |" in markdown and "| year: undated | 1 |" in markdown
    assert "### q001 (factoid, extractive): false answer" in markdown
    assert "### q002 (numeric, extractive): false abstention" in markdown
    assert "### q003 (factoid, extractive): false answer" in markdown


def test_the_verdict_names_what_fails_or_says_it_ships() -> None:
    good = _run([True] * 20)
    assert verdict(good).startswith("Ships: extractive passes every release-gate threshold on 20 questions")
    old = _run([True] * 20)
    bad = {"dataset": "constructed", **aggregate([_result(i, i >= 8) for i in range(20)])}
    bad["gate"] = gate(bad, GateSettings(), baseline=old)
    bad["gate"]["baseline"] = "old/report.json"
    text = verdict(bad)
    assert text.startswith("Does not ship, because: extractive: correctness 0.6 (needs ≥ 0.8);")
    assert "correctness regressed significantly against the baseline: 1 → 0.6" in text
    assert f"**Verdict.** {text}" in render_markdown(bad)
    assert render_markdown(bad).index("**Verdict.**") < render_markdown(bad).index("| group |")


def test_a_baseline_of_other_questions_fails_instead_of_passing_unexamined() -> None:
    new = _run([True] * 10)
    other = _run([True] * 10)
    for result in other["results"]:
        result["id"] = "other-" + result["id"]
    checked = gate(new, GateSettings(), baseline=other)
    assert not checked["passed"]
    assert checked["failed"] == [
        "baseline: no question of this run is in the baseline report, nothing to test against"
    ]


def test_twenty_right_of_twenty_is_not_certain() -> None:
    """Every bootstrap resample of 20 right answers is 20 right: the interval was [1.0, 1.0]. A share of
    yes/no outcomes at 0 or 1 gets the Wilson score interval instead."""
    figures = aggregate([_result(i, correct=True) for i in range(20)])
    assert figures["correctness"] == 1.0
    assert figures["ci"]["correctness"] == {"ci_low": 0.8389, "ci_high": 1.0}
    assert figures["ci"]["false_answers"] == {"ci_low": 0.0, "ci_high": 0.1611}
