"""Deltas of a run against an earlier report.json (`newsdesk eval --compare OLD/report.json`)."""

from __future__ import annotations

import json
from pathlib import Path

from newsdesk.eval.dataset import DatasetError

COMPARED = (
    "correctness",
    "abstention_accuracy",
    "recall_at_k",
    "mrr",
    "citation_recall",
    "citation_precision",
    "unsupported_share",
    "latency_p50_s",
    "latency_p95_s",
)


def load_report(path: Path) -> dict:
    """The summary saved in an earlier report.json; DatasetError names the file and the reason."""
    try:
        report = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as error:
        raise DatasetError(f"{path}: cannot read the earlier report: {error}") from error
    except json.JSONDecodeError as error:
        raise DatasetError(f"{path}: not a JSON report: {error}") from error
    if not isinstance(report, dict) or "correctness" not in report:
        raise DatasetError(f"{path}: not a `newsdesk eval` report.json (no top-level correctness)")
    return report


def _deltas(new: dict, old: dict) -> dict[str, dict]:
    rows = {}
    for metric in COMPARED:
        before, after = old.get(metric), new.get(metric)
        if before is None and after is None:
            continue
        delta = round(after - before, 4) if before is not None and after is not None else None
        rows[metric] = {"old": before, "new": after, "delta": delta}
    return rows


def compare(new: dict, old: dict) -> dict:
    """Old, new and delta of each headline figure, overall and per question type and engine."""
    return {
        "overall": _deltas(new, old),
        "by_type": {
            kind: _deltas(figures, old.get("by_type", {}).get(kind, {}))
            for kind, figures in new.get("by_type", {}).items()
        },
        "by_engine": {
            name: _deltas(figures, old.get("by_engine", {}).get(name, {}))
            for name, figures in new.get("by_engine", {}).items()
        },
    }
