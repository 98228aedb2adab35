"""`newsdesk eval` on the bundled sample set: the release gate the CI holds the default engine to."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import run_cli


def test_sample_evaluation_passes_the_gate(sample_store: Path) -> None:
    result = run_cli("eval", "--store", str(sample_store), "--json", check=False)
    summary = json.loads(result.stdout)
    assert summary["questions"] >= 12
    assert summary["gate"]["passed"], summary["failures"]
    assert result.returncode == 0
    assert summary["abstention_accuracy"] >= 0.9


def test_gate_fails_with_exit_code_1_when_answers_miss_expected_facts(
    sample_store: Path, tmp_path: Path
) -> None:
    dataset = tmp_path / "wrong.jsonl"
    dataset.write_text(
        json.dumps(
            {
                "id": "wrong-figure",
                "question": "How much does Iran spend a year propping up Assad's regime?",
                "answerable": True,
                "must_include": [["$99 billion"]],
                "gold_docs": ["000_08a30185b96717b7.txt"],
            }
        )
        + "\n",
        encoding="utf-8",
    )
    result = run_cli("eval", "--store", str(sample_store), "--dataset", str(dataset), "--json", check=False)
    summary = json.loads(result.stdout)
    assert result.returncode == 1
    assert summary["correctness"] == 0.0
    assert summary["failures"][0]["missing"] == [["$99 billion"]]
    assert summary["gold_citation_rate"] == 1.0


def test_malformed_dataset_names_file_and_line(tmp_path: Path) -> None:
    dataset = tmp_path / "bad.jsonl"
    dataset.write_text('{"id": "x", "question": "Who?"}\n', encoding="utf-8")
    result = run_cli("eval", "--store", str(tmp_path / "s"), "--dataset", str(dataset), check=False)
    assert result.returncode == 2
    assert f"{dataset}:1: answerable" in result.stderr
