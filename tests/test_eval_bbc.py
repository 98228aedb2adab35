"""The BBC evaluation set end to end: its gold articles and 40 distractors from the same categories
ingested into a fresh store, `newsdesk eval` run on it with the default engine."""

from __future__ import annotations

import json
from pathlib import Path

from newsdesk.eval.dataset import load_dataset

from newsdesk.settings import GateSettings
from tests.fixtures.cli import REPO, SHARED_CORPORA, run_cli
from tests.fixtures.scoring import independent_correctness

BBC = SHARED_CORPORA / "bbc"
DATASET = REPO / "eval" / "datasets" / "bbc.jsonl"


def _default(setting: str) -> float:
    return float(GateSettings.model_fields[setting].default)


# Every figure the gate holds to a threshold: (the default threshold, True: at least / False: at most).
THRESHOLDS = {
    "correctness": (_default("min_correctness"), True),
    "citation_recall": (_default("min_citation_recall"), True),
    "citation_precision": (_default("min_citation_precision"), True),
    "unsupported_share": (_default("max_unsupported_share"), False),
    "abstention_accuracy": (_default("min_abstention_accuracy"), True),
    "recall_at_k": (_default("min_recall_at_k"), True),
}
# Which figures meet their threshold today (README, "Results of the extractive engine"): all but
# correctness (0.71 against 0.8) and abstention accuracy (0.87 against 0.9: two follow-ups it answered
# wrongly, "Who wrote it?" and "What is he nicknamed?", it now declines, quoting the sentence that holds the
# answer), so the gate fails and `eval` exits 1.
# A change that moves a figure across its threshold fails here: update this with the README.
EXPECTED_TO_PASS = {metric: metric not in {"correctness", "abstention_accuracy"} for metric in THRESHOLDS}


def test_bbc_set_on_gold_articles_and_distractors(tmp_path: Path) -> None:
    questions = load_dataset(DATASET)
    gold = {BBC / name for q in questions for name in q.gold_docs}
    distractors = {
        path for category in BBC.iterdir() if category.is_dir() for path in sorted(category.glob("*.txt"))[:8]
    }
    store = tmp_path / "store"
    run_cli("ingest", "--store", str(store), "--json", *map(str, sorted(gold | distractors)))
    result = run_cli(
        "eval",
        "--dataset",
        str(DATASET),
        "--store",
        str(store),
        "--json",
        "--report",
        str(tmp_path / "r"),
        check=False,
    )
    summary = json.loads(result.stdout)
    assert result.returncode == (0 if summary["gate"]["passed"] else 1)
    measured = {metric: summary[metric] for metric in THRESHOLDS}
    assert None not in measured.values(), measured
    passes = {
        metric: measured[metric] >= threshold if at_least else measured[metric] <= threshold
        for metric, (threshold, at_least) in THRESHOLDS.items()
    }
    assert passes == EXPECTED_TO_PASS, measured
    assert summary["gate"]["passed"] is all(EXPECTED_TO_PASS.values())
    assert result.returncode == (0 if all(EXPECTED_TO_PASS.values()) else 1)
    assert summary["questions"] == len(questions)
    assert summary["recall_at_k"] >= 0.85  # the gold articles are found among the distractors
    assert summary["citation_recall"] == 1.0 and summary["unsupported_share"] == 0.0
    assert summary["correctness"] >= 0.6
    answers = {r["id"]: r["answer"] for r in summary["results"]}
    assert abs(independent_correctness(DATASET, answers) - summary["correctness"]) <= 0.05 + 1e-9
    assert (tmp_path / "r" / "report.html").is_file()
