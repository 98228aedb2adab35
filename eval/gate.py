"""The release gate: the aggregate held to the thresholds of the `gate` settings group and, with a
baseline report, to no significant regression of any gated figure against it."""

from __future__ import annotations

from newsdesk.eval.compare import compare
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


# The figures a significant regression against the baseline fails. Not latency: it depends on the machine
# and its load, which resampling questions does not capture; not the sub-rates that these already cover.
GATED = (
    "correctness",
    "abstention_accuracy",
    "false_answers",
    "false_abstentions",
    "recall_at_k",
    "mrr",
    "citation_recall",
    "citation_precision",
    "unsupported_share",
    "date_accuracy",
)


def _shown(value: float | None) -> str:
    return "not measured" if value is None else f"{value:.4g}"


def describe_regression(engine: str, metric: str, row: dict) -> str:
    test = f"McNemar p={row['p_value']:.3g}" if row.get("test") == "mcnemar" else "paired bootstrap"
    return (
        f"{engine}: {metric} regressed significantly against the baseline: {_shown(row['old'])} → "
        f"{_shown(row['new'])} (paired Δ {row['paired_delta']:+.4f}, 95% CI [{row['ci_low']:+.4f}, "
        f"{row['ci_high']:+.4f}], {test}, {row['paired_questions']} paired questions)"
    )


def regressions(comparison: dict) -> list[dict]:
    """Every gated figure of every engine that is significantly worse in `comparison` (compare.compare)."""
    return [
        {"engine": name, "metric": metric, **row}
        for name, rows in comparison["by_engine"].items()
        for metric, row in rows.items()
        if metric in GATED and row.get("regression")
    ]


def gate(
    summary: dict, thresholds: GateSettings, baseline: dict | None = None, comparison: dict | None = None
) -> dict:
    """The gate of every engine of the run; it passes when each engine passes every check and, with a
    `baseline` report, no gated figure regressed significantly against it (`comparison`: the run
    against the baseline when already computed)."""
    per_engine = {name: gate_checks(figures, thresholds) for name, figures in summary["by_engine"].items()}
    if comparison is None and baseline is not None:
        comparison = compare(summary, baseline)
    regressed = regressions(comparison) if comparison is not None else []
    failed = [
        f"{name}: {check.describe()}"
        for name, checks in per_engine.items()
        for check in checks
        if not check.passed
    ]
    failed += [describe_regression(row["engine"], row["metric"], row) for row in regressed]
    if comparison is not None and not comparison["paired_questions"]:
        # A baseline of another set (or without per-question results) would otherwise pass unexamined.
        failed.append("baseline: no question of this run is in the baseline report, nothing to test against")
    return {
        "passed": not failed,
        "checks": {name: [check.model_dump() for check in checks] for name, checks in per_engine.items()},
        "baseline_regressions": regressed,
        "failed": failed,
    }
