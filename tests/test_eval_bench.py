"""bench/eval_bench.py, the evaluation-speed benchmark of the README, run as a user runs it on the sample
store and the bundled set: it times what `newsdesk eval` runs, with every judge."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from newsdesk.eval.dataset import bundled_dataset, load_dataset

from tests.fixtures.cli import REPO


def test_the_benchmark_times_the_evaluation_of_a_set(sample_store: Path) -> None:
    completed = subprocess.run(
        [sys.executable, str(REPO / "bench" / "eval_bench.py"), "--store", str(sample_store),
         "--dataset", str(bundled_dataset()), "--no-write", "--profile", "5"],
        capture_output=True, text=True, timeout=600, check=True,
    )  # fmt: skip
    result = json.loads(completed.stdout.splitlines()[0])
    assert result["questions"] == len(load_dataset(bundled_dataset())) == 20
    assert result["engine"] == "extractive" and set(result["citation_judges"]) == {"trained", "heuristic"}
    assert 0 < result["ask_s"] <= result["eval_s"] and result["eval_cpu_s"] > 0
    assert result["correctness"] >= 0.8  # the same answers as `newsdesk eval` gives (the CI gate's threshold)
    assert "| 20 |" in completed.stdout and "cumulative" in completed.stdout  # the table and the profile
