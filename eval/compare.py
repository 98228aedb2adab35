"""A run against an earlier report.json (`newsdesk eval --compare OLD/report.json`, `--baseline`): the
deltas of every figure, and, pairing the two runs question by question (by engine and question id),
whether each change is significant (eval.uncertainty) and which questions flipped between right and wrong.
A report written before the per-question results were stored gives the deltas alone."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import get_args

from newsdesk.eval.dataset import DatasetError
from newsdesk.eval.uncertainty import paired_changes

from newsdesk.settings import JudgeKind

COMPARED = (
    "correctness",
    "abstention_accuracy",
    "recall_at_k",
    "mrr",
    "citation_recall",
    "citation_precision",
    # The citation figures by each judge (eval.run yardsticks): a change of judge shows beside the headline.
    *(f"citation_{figure}_{kind}" for kind in get_args(JudgeKind) for figure in ("recall", "precision")),
    "unsupported_share",
    "false_answers",
    "false_abstentions",
    "date_accuracy",
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


Pairs = list[tuple[dict, dict]]


def pair_results(new: dict, old: dict) -> Pairs:
    """(new, old) result of every question both runs asked, by engine and question id. When the new
    engine is not in the old run and the old run had one engine, its results stand in (a new engine
    against the old one)."""
    old_results = [r for r in old.get("results", []) if isinstance(r, dict) and "id" in r]
    by_key = {(r.get("engine"), r["id"]): r for r in old_results}
    old_engines = list(dict.fromkeys(r.get("engine") for r in old_results))
    pairs = []
    for result in new.get("results", []):
        engine = result["engine"]
        if engine not in old_engines and len(old_engines) == 1:
            engine = old_engines[0]
        if (engine, result["id"]) in by_key:
            pairs.append((result, by_key[(engine, result["id"])]))
    return pairs


def _paired(pairs: Pairs) -> dict[str, dict]:
    changes = paired_changes([n for n, _ in pairs], [o for _, o in pairs]) if pairs else {}
    return {metric: {**row, "paired_questions": len(pairs)} for metric, row in changes.items()}


def _with_significance(rows: dict[str, dict], pairs: Pairs) -> dict[str, dict]:
    """The delta rows with the paired test of each figure (`paired_delta`, `ci_low`/`ci_high` of the
    paired delta, `test`, `p_value` for McNemar, `significant`, `regression`)."""
    changes = _paired(pairs)
    merged = {}
    for metric in COMPARED:
        # A figure an older report did not have (false_answers) is still tested on its per-question results.
        row = rows.get(metric) or ({"old": None, "new": None, "delta": None} if metric in changes else None)
        if row is None:
            continue
        change = changes.get(metric)
        if change:
            row = {**row, **{f"paired_{k}" if k == "delta" else k: v for k, v in change.items()}}
        merged[metric] = row
    return merged


def flips(pairs: Pairs) -> list[dict]:
    """The questions whose correctness changed, right → wrong first, with both answers."""
    rows = []
    for new, old in pairs:
        if bool(new["correct"]) == bool(old["correct"]):
            continue
        rows.append(
            {
                "id": new["id"],
                "engine": new["engine"],
                "type": new.get("type"),
                "question": new.get("question", ""),
                "direction": "right → wrong" if old["correct"] else "wrong → right",
                "old_answer": old.get("answer", ""),
                "new_answer": new.get("answer", ""),
                "old_problems": old.get("problems", []),
                "new_problems": new.get("problems", []),
            }
        )
    return sorted(rows, key=lambda row: (row["direction"] != "right → wrong", row["engine"], row["id"]))


def _filtered(pairs: Pairs, keep: Callable[[dict], bool]) -> Pairs:
    return [(n, o) for n, o in pairs if keep(n)]


def compare(new: dict, old: dict) -> dict:
    """Old, new and delta of each headline figure, overall and per question type and engine; with
    per-question results in both runs, each figure's paired significance and the flipped questions."""
    pairs = pair_results(new, old)
    return {
        "paired_questions": len(pairs),
        "overall": _with_significance(_deltas(new, old), pairs),
        "by_type": {
            kind: _with_significance(
                _deltas(figures, old.get("by_type", {}).get(kind, {})),
                _filtered(pairs, lambda r, kind=kind: r.get("type") == kind),
            )
            for kind, figures in new.get("by_type", {}).items()
        },
        "by_engine": {
            name: _with_significance(
                _deltas(figures, _old_engine(old, name)),
                _filtered(pairs, lambda r, name=name: r["engine"] == name),
            )
            for name, figures in new.get("by_engine", {}).items()
        },
        "flips": flips(pairs),
    }


def _old_engine(old: dict, name: str) -> dict:
    engines = old.get("by_engine", {})
    if name in engines:
        return engines[name]
    return next(iter(engines.values())) if len(engines) == 1 else {}
