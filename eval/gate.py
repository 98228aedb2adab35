"""The release gate: the aggregate held to the thresholds in Settings (`eval_*`)."""

from __future__ import annotations

from pydantic import BaseModel

from newsdesk.settings import Settings


class GateCheck(BaseModel):
    metric: str
    threshold: float
    at_least: bool  # False: the figure must stay at or below the threshold
    value: float | None
    passed: bool

    def describe(self) -> str:
        sign = "≥" if self.at_least else "≤"
        shown = "not measured" if self.value is None else f"{self.value:.4g}"
        return f"{self.metric} {shown} (needs {sign} {self.threshold:g})"


def gate_checks(figures: dict, settings: Settings) -> list[GateCheck]:
    """Every threshold against the figures. A figure that was not measured (no answerable question,
    no draft sentence) cannot fail it: correctness or abstention accuracy then tells."""
    rules = (
        ("correctness", settings.eval_min_correctness, True),
        ("citation_recall", settings.eval_min_citation_recall, True),
        ("citation_precision", settings.eval_min_citation_precision, True),
        ("unsupported_share", settings.eval_max_unsupported_share, False),
        ("abstention_accuracy", settings.eval_min_abstention_accuracy, True),
        ("recall_at_k", settings.eval_min_recall_at_k, True),
    )
    checks = []
    for metric, threshold, at_least in rules:
        value = figures.get(metric)
        passed = value is None or (value >= threshold if at_least else value <= threshold)
        checks.append(
            GateCheck(metric=metric, threshold=threshold, at_least=at_least, value=value, passed=passed)
        )
    return checks


def gate(summary: dict, settings: Settings) -> dict:
    """The gate of every engine of the run; it passes when each engine passes every check."""
    per_engine = {name: gate_checks(figures, settings) for name, figures in summary["by_engine"].items()}
    return {
        "passed": all(check.passed for checks in per_engine.values() for check in checks),
        "checks": {name: [check.model_dump() for check in checks] for name, checks in per_engine.items()},
        "failed": [
            f"{name}: {check.describe()}"
            for name, checks in per_engine.items()
            for check in checks
            if not check.passed
        ],
    }
