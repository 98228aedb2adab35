"""How sure a figure is: 95% bootstrap confidence intervals by resampling questions, and the paired
tests of a change between two runs (paired bootstrap; McNemar's exact test for right/wrong outcomes).

Every ratio figure of `score.figures` is a sum over questions divided by a sum over questions
(correctness: correct answers / questions; citation recall: supported sentences / draft sentences; a
mean: the present values / how many are present), so one resample is one row of per-question counts
(how often each question was drawn), and all ratio figures of all resamples are two matrix products.
That keeps 1000 resamples of 300 questions in milliseconds. The latency percentiles are resampled
directly. The resamples are seeded: the same results always give the same intervals.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any, get_args

import numpy as np

from newsdesk.settings import JudgeKind

RESAMPLES = 1000
SEED = 0
LEVEL = 0.95
PERCENTILES = {"latency_p50_s": 50, "latency_p95_s": 95}

# Each ratio figure: (numerator, denominator) of one question's result (a QuestionResult dumped to a dict).
Part = Callable[[dict[str, Any]], float]
RATIOS: dict[str, tuple[Part, Part]] = {
    "correctness": (lambda r: r["correct"], lambda r: 1),
    "answerable_correctness": (lambda r: r["correct"] and r["answerable"], lambda r: r["answerable"]),
    "abstention_accuracy": (lambda r: r["abstained"] != r["answerable"], lambda r: 1),
    "unanswerable_abstained": (
        lambda r: r["abstained"] and not r["answerable"],
        lambda r: not r["answerable"],
    ),
    "answerable_abstained": (lambda r: r["abstained"] and r["answerable"], lambda r: r["answerable"]),
    "false_answers": (lambda r: not r["abstained"] and not r["correct"], lambda r: 1),
    "false_abstentions": (lambda r: r["abstained"] and r["answerable"], lambda r: 1),
    "recall_at_k": (lambda r: r.get("recall_at_k") or 0.0, lambda r: r.get("recall_at_k") is not None),
    "mrr": (lambda r: r.get("reciprocal_rank") or 0.0, lambda r: r.get("reciprocal_rank") is not None),
    "citation_recall": (lambda r: r.get("supported_sentences", 0), lambda r: r.get("draft_sentences", 0)),
    "citation_precision": (
        lambda r: r.get("relevant_citations", 0),
        lambda r: r.get("draft_citations", 0),
    ),
    "unsupported_share": (
        lambda r: r.get("unsupported_sentences", 0),
        lambda r: r.get("draft_sentences", 0),
    ),
    "judge_citation_recall": (
        lambda r: r.get("judge_supported") or 0,
        lambda r: r.get("draft_sentences", 0) if r.get("judge_supported") is not None else 0,
    ),
    "gold_citation_rate": (
        lambda r: bool(r.get("cites_gold")),
        lambda r: r["answerable"] and r.get("cites_gold") is not None,
    ),
    "date_accuracy": (lambda r: bool(r.get("date_correct")), lambda r: r.get("date_correct") is not None),
}
for _kind in get_args(JudgeKind):  # the citation figures by each judge, side by side (eval.run yardsticks)
    RATIOS[f"citation_recall_{_kind}"] = (
        lambda r, k=_kind: r.get("citation_by_judge", {}).get(k, {}).get("supported", 0),
        lambda r, k=_kind: r.get("draft_sentences", 0) if k in r.get("citation_by_judge", {}) else 0,
    )
    RATIOS[f"citation_precision_{_kind}"] = (
        lambda r, k=_kind: r.get("citation_by_judge", {}).get(k, {}).get("relevant", 0),
        lambda r, k=_kind: r.get("draft_citations", 0) if k in r.get("citation_by_judge", {}) else 0,
    )
# Per-question right/wrong outcomes: their change is tested with McNemar's exact test.
BINARY = {
    "correctness": lambda r: bool(r["correct"]),
    "abstention_accuracy": lambda r: r["abstained"] != r["answerable"],
}
# Figures where a rise is a regression.
LOWER_IS_BETTER = {
    "unsupported_share",
    "false_answers",
    "false_abstentions",
    "latency_p50_s",
    "latency_p95_s",
}


def _counts(n: int, resamples: int = RESAMPLES, seed: int = SEED) -> np.ndarray:
    """resamples × n: how often each question is drawn in each resample of n questions with replacement."""
    drawn = np.random.default_rng(seed).integers(0, n, size=(resamples, n))
    rows = np.arange(resamples)[:, None] * n
    return np.bincount((drawn + rows).ravel(), minlength=resamples * n).reshape(resamples, n).astype(float)


def _parts(results: Sequence[dict]) -> tuple[np.ndarray, np.ndarray]:
    numerators = np.array([[float(num(r)) for num, _ in RATIOS.values()] for r in results], dtype=float)
    denominators = np.array([[float(den(r)) for _, den in RATIOS.values()] for r in results], dtype=float)
    return numerators.reshape(len(results), len(RATIOS)), denominators.reshape(len(results), len(RATIOS))


def _ratios(counts: np.ndarray, numerators: np.ndarray, denominators: np.ndarray) -> np.ndarray:
    """resamples × figures; NaN where a resample drew no question the figure is measured on."""
    # One product for both sums, by einsum: BLAS's threads contend with the pipeline's on a busy
    # machine and made this ten times slower than the single-threaded loop.
    both = np.einsum("rq,qf->rf", counts, np.hstack([numerators, denominators]))
    top, bottom = both[:, : numerators.shape[1]], both[:, numerators.shape[1] :]
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(bottom > 0, top / np.where(bottom > 0, bottom, 1), np.nan)


def _interval(samples: np.ndarray) -> tuple[float, float] | None:
    """The percentile interval of the finite samples (None when no resample measured the figure)."""
    finite = samples[np.isfinite(samples)]
    if not finite.size:
        return None
    tail = (1 - LEVEL) / 2 * 100
    low, high = np.percentile(finite, [tail, 100 - tail])
    return round(float(low), 4), round(float(high), 4)


def _wilson(successes: int, trials: int) -> tuple[float, float]:
    """The 95% Wilson score interval of a share of yes/no outcomes."""
    z = 1.959964
    share = successes / trials
    centre = (share + z * z / (2 * trials)) / (1 + z * z / trials)
    half = z * math.sqrt(share * (1 - share) / trials + z * z / (4 * trials * trials)) / (1 + z * z / trials)
    return round(max(0.0, centre - half), 4), round(min(1.0, centre + half), 4)


def _percentile_samples(drawn: np.ndarray, seconds: np.ndarray) -> dict[str, np.ndarray]:
    """Each latency percentile of every resample (`drawn`: resamples × questions drawn), from one sort."""
    ordered = np.sort(seconds[drawn], axis=1)
    return {metric: np.percentile(ordered, q, axis=1) for metric, q in PERCENTILES.items()}


def confidence_intervals(results: Sequence[dict], resamples: int = RESAMPLES) -> dict[str, dict]:
    """{figure: {"ci_low", "ci_high"}} of every figure measured on `results`, resampling the questions."""
    if not results:
        return {}
    n = len(results)
    counts = _counts(n, resamples)
    numerators, denominators = _parts(results)
    samples = _ratios(counts, numerators, denominators)
    intervals: dict[str, dict] = {}
    for column, metric in enumerate(RATIOS):
        top, bottom = numerators[:, column].sum(), denominators[:, column].sum()
        if bottom == 0:
            continue
        bounds = _interval(samples[:, column])
        if bounds and bounds[0] == bounds[1] and top in {0, bottom} and set(numerators[:, column]) <= {0, 1}:
            # Every resample of 20 right answers out of 20 is 20 of 20: the bootstrap claims certainty. For
            # a share of yes/no outcomes at 0 or 1 the Wilson score interval says what 20 questions can.
            bounds = _wilson(int(top), int(bottom))
        if bounds:
            intervals[metric] = {"ci_low": bounds[0], "ci_high": bounds[1]}
    # Percentiles are not ratios of sums: the resampled seconds themselves, drawn with the same seed.
    drawn = np.random.default_rng(SEED).integers(0, n, size=(resamples, n))
    seconds = np.array([r["seconds"] for r in results], dtype=float)
    for metric, samples in _percentile_samples(drawn, seconds).items():
        bounds = _interval(samples)
        if bounds:
            intervals[metric] = {"ci_low": round(bounds[0], 3), "ci_high": round(bounds[1], 3)}
    return intervals


def mcnemar_p(right_to_wrong: int, wrong_to_right: int) -> float:
    """McNemar's exact (binomial) two-sided p-value of the discordant pairs."""
    discordant = right_to_wrong + wrong_to_right
    if discordant == 0:
        return 1.0
    tail = sum(math.comb(discordant, i) for i in range(min(right_to_wrong, wrong_to_right) + 1))
    return min(1.0, 2 * tail / 2**discordant)


def paired_changes(
    new: Sequence[dict], old: Sequence[dict], resamples: int = RESAMPLES, alpha: float = 1 - LEVEL
) -> dict[str, dict]:
    """Per figure, the change from `old` to `new` on the same questions (`new[i]` pairs with `old[i]`):
    the delta on the paired questions, its 95% paired-bootstrap interval, and whether it is significant
    (right/wrong outcomes: McNemar's exact p < alpha; other figures: the interval excludes 0), and
    whether it is a regression (significant and in the worse direction)."""
    if not new:
        return {}
    n = len(new)
    counts = _counts(n, resamples)
    new_num, new_den = _parts(new)
    old_num, old_den = _parts(old)
    with np.errstate(invalid="ignore"):
        deltas = _ratios(counts, new_num, new_den) - _ratios(counts, old_num, old_den)
    changes: dict[str, dict] = {}
    for column, metric in enumerate(RATIOS):
        if new_den[:, column].sum() == 0 or old_den[:, column].sum() == 0:
            continue
        point = new_num[:, column].sum() / new_den[:, column].sum()
        point -= old_num[:, column].sum() / old_den[:, column].sum()
        changes[metric] = _change(metric, float(point), _interval(deltas[:, column]))
    drawn = np.random.default_rng(SEED).integers(0, n, size=(resamples, n))
    new_s = np.array([r["seconds"] for r in new], dtype=float)
    old_s = np.array([r["seconds"] for r in old], dtype=float)
    new_p, old_p = _percentile_samples(drawn, new_s), _percentile_samples(drawn, old_s)
    for metric, q in PERCENTILES.items():
        point = float(np.percentile(new_s, q) - np.percentile(old_s, q))
        changes[metric] = _change(metric, point, _interval(new_p[metric] - old_p[metric]))
    for metric, outcome in BINARY.items():
        before = [outcome(r) for r in old]
        after = [outcome(r) for r in new]
        worse = sum(b and not a for b, a in zip(before, after, strict=True))
        better = sum(a and not b for b, a in zip(before, after, strict=True))
        p = mcnemar_p(worse, better)
        row = changes[metric]
        row.update(test="mcnemar", p_value=round(p, 4), right_to_wrong=worse, wrong_to_right=better)
        row["significant"] = p < alpha
        row["regression"] = row["significant"] and worse > better
    return changes


def _change(metric: str, delta: float, bounds: tuple[float, float] | None) -> dict:
    low, high = bounds if bounds else (None, None)
    significant = bounds is not None and (bounds[0] > 0 or bounds[1] < 0)
    worse = delta > 0 if metric in LOWER_IS_BETTER else delta < 0
    return {
        "delta": round(delta, 4),
        "ci_low": low,
        "ci_high": high,
        "test": "paired bootstrap",
        "significant": significant,
        "regression": significant and worse,
    }
