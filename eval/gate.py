"""The release gate: the aggregate held to the thresholds of the `gate` settings group."""

from __future__ import annotations

from pydantic import BaseModel

from newsdesk.settings import GateSettings


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


def gate_checks(figures: dict, thresholds: GateSettings) -> list[GateCheck]:
    """Every threshold against the figures. A figure that was not measured (no answerable question,
    no draft sentence) cannot fail it: correctness or abstention accuracy then tells."""
    rules = (
        ("correctness", thresholds.min_correctness, True),
        ("citation_recall", thresholds.min_citation_recall, True),
        ("citation_precision", thresholds.min_citation_precision, True),
        ("unsupported_share", thresholds.max_unsupported_share, False),
        ("abstention_accuracy", thresholds.min_abstention_accuracy, True),
        ("recall_at_k", thresholds.min_recall_at_k, True),
    )
    checks = []
    for metric, threshold, at_least in rules:
        value = figures.get(metric)
        passed = value is None or (value >= threshold if at_least else value <= threshold)
        checks.append(
            GateCheck(metric=metric, threshold=threshold, at_least=at_least, value=value, passed=passed)
        )
    return checks


def gate(summary: dict, thresholds: GateSettings) -> dict:
    """The gate of every engine of the run; it passes when each engine passes every check."""
    per_engine = {name: gate_checks(figures, thresholds) for name, figures in summary["by_engine"].items()}
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
