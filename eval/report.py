"""The evaluation report: report.json (the whole summary), report.md and report.html (a verdict
paragraph, tables per question type, engine, gold outlet and gold year with each figure's 95%
confidence interval, citation recall/precision by each judge, a chart, the gate, deltas against an
earlier run with their significance and the questions that flipped, and every failure — false answers
apart from false abstentions and wrong dates — with its question, answer, citations and what failed).
The HTML page is self-contained: inline CSS and an inline SVG chart, every text escaped."""

from __future__ import annotations

import json
from html import escape
from pathlib import Path

TABLE_COLUMNS = (
    ("questions", "questions"),
    ("correctness", "correct"),
    ("abstention_accuracy", "abstention acc."),
    ("recall_at_k", "recall@k"),
    ("mrr", "MRR"),
    ("citation_recall", "cit. recall"),
    ("citation_precision", "cit. precision"),
    ("unsupported_share", "unsupported"),
    ("false_answers", "false answers"),
    ("false_abstentions", "false abstentions"),
    ("date_accuracy", "date acc."),
    ("latency_p50_s", "p50 s"),
    ("latency_p95_s", "p95 s"),
)
CHART_METRICS = (("correctness", "#2b6cb0"), ("citation_recall", "#2f855a"), ("recall_at_k", "#b7791f"))


def _cell(value: object) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:.3f}"
    return str(value)


def _figure(figures: dict, key: str) -> str:
    """The figure and, when measured, its 95% interval: "0.950 [0.850–1.000]"."""
    ci = figures.get("ci", {}).get(key)
    value = _cell(figures.get(key))
    return f"{value} [{_cell(ci['ci_low'])}–{_cell(ci['ci_high'])}]" if ci else value


def _signed(value: float | None) -> str:
    return "—" if value is None else f"{value:+.3f}"


def _rows(summary: dict) -> list[tuple[str, dict]]:
    rows = [("all", summary)]
    rows += [(f"type: {kind}", figures) for kind, figures in summary["by_type"].items()]
    if len(summary["by_engine"]) > 1:
        rows += [(f"engine: {name}", figures) for name, figures in summary["by_engine"].items()]
    rows += [(f"outlet: {name}", figures) for name, figures in summary.get("by_outlet", {}).items()]
    rows += [(f"year: {name}", figures) for name, figures in summary.get("by_year", {}).items()]
    return rows


def verdict(summary: dict) -> str:
    """One paragraph for the release team: ships or not, and every failing threshold or regression."""
    gate = summary["gate"]
    engines = ", ".join(summary["by_engine"])
    against = (
        f" and no figure regressed significantly against the baseline {gate['baseline']}"
        if gate.get("baseline")
        else ""
    )
    if gate["passed"]:
        return (
            f"Ships: {engines} passes every release-gate threshold on {summary['questions']} questions"
            f"{against}. Correctness {_figure(summary, 'correctness')} (95% CI)."
        )
    return (
        f"Does not ship, because: {'; '.join(gate['failed'])}. "
        f"Correctness {_figure(summary, 'correctness')} (95% CI) on {summary['questions']} questions."
    )


JUDGE_HEAD = ("judge", "cit. recall", "cit. precision")


def _judge_rows(summary: dict) -> list[list[str]]:
    """Citation recall and precision by every judge that judged the drafts, with their intervals; the
    headline figures' judge first (`citation_judge`), so a change of yardstick is visible."""
    rows = []
    for kind, name in summary.get("citation_judges", {}).items():
        headline = " (headline)" if name == summary.get("citation_judge") else ""
        rows.append([
            f"{name}{headline}",
            _figure(summary, f"citation_recall_{kind}"),
            _figure(summary, f"citation_precision_{kind}"),
        ])  # fmt: skip
    return sorted(rows, key=lambda row: not row[0].endswith("(headline)"))


COMPARE_HEAD = ("metric", "old", "new", "delta", "paired Δ [95% CI]", "test", "significant")


def _compare_cells(metric: str, row: dict) -> list[str]:
    paired = "—"
    if row.get("paired_delta") is not None:
        paired = f"{_signed(row['paired_delta'])} [{_signed(row['ci_low'])}, {_signed(row['ci_high'])}]"
    test = row.get("test") or "—"
    if row.get("p_value") is not None:
        test += f" p={row['p_value']:.3g}"
    significant = "—" if "significant" not in row else "yes" if row["significant"] else "no"
    if row.get("regression"):
        significant = "REGRESSION"
    return [metric, _cell(row["old"]), _cell(row["new"]), _cell(row["delta"]), paired, test, significant]


FLIP_HEAD = ("question", "engine", "flip", "old answer", "new answer")


def _flip_cells(flip: dict) -> list[str]:
    return [f"{flip['id']}: {flip['question']}", flip["engine"], flip["direction"], flip["old_answer"],
            flip["new_answer"]]  # fmt: skip


def _false_kind(failure: dict) -> str:
    if failure["abstained"] and failure["answerable"]:
        return "false abstention"
    if not failure["abstained"] and not failure["correct"]:
        return "false answer"
    if failure.get("date_correct") is False and not failure["unsupported_examples"]:
        return "wrong date"
    return "unsupported draft sentences"


FAILURE_KINDS = ("false answer", "false abstention", "wrong date", "unsupported draft sentences")


def _md_escape(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_markdown(summary: dict) -> str:
    lines = [f"# Grounding evaluation: {summary['dataset']}", ""]
    lines.append(
        f"Engines: {', '.join(summary['by_engine'])} · {summary['questions']} questions"
        f" · citations judged by {summary.get('citation_judge') or 'unknown'}"
    )
    gate = summary["gate"]
    lines[1:1] = ["", f"**Verdict.** {_md_escape(verdict(summary))}"]
    lines += ["", f"**Gate: {'passed' if gate['passed'] else 'FAILED'}**", ""]
    lines += [f"- failed: {_md_escape(item)}" for item in gate["failed"]]
    lines += ["", "Each figure with its 95% bootstrap confidence interval [low–high] (questions resampled)."]
    lines += ["", "| group | " + " | ".join(label for _, label in TABLE_COLUMNS) + " |"]
    lines.append("|---" * (len(TABLE_COLUMNS) + 1) + "|")
    for name, figures in _rows(summary):
        lines.append(
            f"| {_md_escape(name)} | " + " | ".join(_figure(figures, k) for k, _ in TABLE_COLUMNS) + " |"
        )
    judges = _judge_rows(summary)
    if judges:
        lines += ["", "Citation recall and precision (ALCE) by each judge, on the same drafts:", ""]
        lines += ["| " + " | ".join(JUDGE_HEAD) + " |", "|---" * len(JUDGE_HEAD) + "|"]
        lines += ["| " + " | ".join(_md_escape(cell) for cell in row) + " |" for row in judges]
    if summary.get("compare"):
        compared = summary["compare"]
        lines += ["", f"## Against {_md_escape(compared['against'])}", ""]
        lines.append(f"{compared.get('paired_questions', 0)} questions paired by engine and id.")
        lines += ["", "| " + " | ".join(COMPARE_HEAD) + " |", "|---" * len(COMPARE_HEAD) + "|"]
        for metric, row in compared["overall"].items():
            lines.append("| " + " | ".join(_compare_cells(metric, row)) + " |")
        flipped = compared.get("flips", [])
        lines += ["", f"### Flipped questions ({len(flipped)})", ""]
        if flipped:
            lines += ["| " + " | ".join(FLIP_HEAD) + " |", "|---" * len(FLIP_HEAD) + "|"]
            lines += ["| " + " | ".join(_md_escape(c) for c in _flip_cells(f)) + " |" for f in flipped]
    lines += ["", f"## Failures ({len(summary['failures'])})", ""]
    for failure in sorted(summary["failures"], key=lambda f: FAILURE_KINDS.index(_false_kind(f))):
        lines += [
            f"### {_md_escape(failure['id'])} ({_md_escape(failure['type'])}, {failure['engine']}):"
            f" {_false_kind(failure)}",
            "",
            f"- question: {_md_escape(failure['question'])}",
            f"- answer: {_md_escape(failure['answer'])}",
            f"- what failed: {_md_escape('; '.join(failure['problems']) or 'incorrect')}",
        ]
        lines += [
            f"- unsupported draft sentence: {_md_escape(text)}" for text in failure["unsupported_examples"]
        ]
        lines += [
            f"- [{c['marker']}] {_md_escape(c['source'])} ({c['outlet'] or '?'}, {c['published'] or '?'}): "
            f"“{_md_escape(c['quote'])}”"
            for c in failure["citations"]
        ]
        lines.append("")
    return "\n".join(lines) + "\n"


def _svg_chart(summary: dict) -> str:
    """Grouped bars, one group per question type: correctness, citation recall, recall@k (0..1), each with
    its 95% confidence interval as a whisker."""
    groups = list(summary["by_type"].items())
    bar, gap, height, top, left = 14, 18, 160, 20, 40
    width = left + len(groups) * (len(CHART_METRICS) * bar + gap) + 20
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height + top + 70}" role="img" '
        'aria-label="figures per question type">',
        f'<line x1="{left}" y1="{top + height}" x2="{width}" y2="{top + height}" stroke="#555"/>',
        f'<text x="4" y="{top + 4}" font-size="10">1.0</text>',
        f'<text x="4" y="{top + height}" font-size="10">0</text>',
    ]
    for index, (kind, figures) in enumerate(groups):
        x0 = left + gap / 2 + index * (len(CHART_METRICS) * bar + gap)
        for offset, (metric, colour) in enumerate(CHART_METRICS):
            value = figures.get(metric) or 0.0
            h = value * height
            ci = (figures.get("ci") or {}).get(metric)
            shown = f"{value:.3f}" + (f" [{ci['ci_low']:.3f}, {ci['ci_high']:.3f}]" if ci else "")
            parts.append(
                f'<rect x="{x0 + offset * bar:.1f}" y="{top + height - h:.1f}" width="{bar - 2}" '
                f'height="{h:.1f}" fill="{colour}"><title>{escape(kind)} {metric} {shown}</title></rect>'
            )
            if ci:
                # The 95% interval as a whisker over the bar: a type with few questions shows how little
                # its bar says.
                mid = x0 + offset * bar + (bar - 2) / 2
                low, high = top + height - ci["ci_low"] * height, top + height - ci["ci_high"] * height
                parts.append(
                    f'<line class="ci" x1="{mid:.1f}" y1="{low:.1f}" x2="{mid:.1f}" y2="{high:.1f}" '
                    'stroke="#222" stroke-width="1"/>'
                )
        label_x = x0 + len(CHART_METRICS) * bar / 2
        parts.append(
            f'<text x="{label_x:.1f}" y="{top + height + 14}" font-size="10" text-anchor="end" '
            f'transform="rotate(-30 {label_x:.1f} {top + height + 14})">{escape(kind)}</text>'
        )
    for offset, (metric, colour) in enumerate(CHART_METRICS):
        x = left + offset * 120
        parts.append(f'<rect x="{x}" y="{top + height + 50}" width="10" height="10" fill="{colour}"/>')
        parts.append(f'<text x="{x + 14}" y="{top + height + 59}" font-size="11">{escape(metric)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def render_html(summary: dict) -> str:
    e = escape
    gate = summary["gate"]
    head = "".join(f"<th>{e(label)}</th>" for _, label in TABLE_COLUMNS)
    rows = "".join(
        f"<tr><td>{e(name)}</td>"
        + "".join(f"<td>{e(_figure(f, k))}</td>" for k, _ in TABLE_COLUMNS)
        + "</tr>"
        for name, f in _rows(summary)
    )
    judges = "".join(
        "<tr>" + "".join(f"<td>{e(cell)}</td>" for cell in row) + "</tr>" for row in _judge_rows(summary)
    )
    if judges:
        judges = (
            "<p>Citation recall and precision (ALCE) by each judge, on the same drafts:</p><table><tr>"
            + "".join(f"<th>{e(h)}</th>" for h in JUDGE_HEAD)
            + f"</tr>{judges}</table>"
        )
    compare = ""
    if summary.get("compare"):
        compared = summary["compare"]
        compare = (
            f"<h2>Against {e(str(compared['against']))}</h2>"
            f"<p>{compared.get('paired_questions', 0)} questions paired by engine and id.</p><table><tr>"
            + "".join(f"<th>{e(h)}</th>" for h in COMPARE_HEAD)
            + "</tr>"
            + "".join(
                "<tr>" + "".join(f"<td>{e(c)}</td>" for c in _compare_cells(m, r)) + "</tr>"
                for m, r in compared["overall"].items()
            )
            + "</table>"
        )
        flipped = compared.get("flips", [])
        compare += f"<h3>Flipped questions ({len(flipped)})</h3>"
        if flipped:
            compare += (
                "<table class='flips'><tr>"
                + "".join(f"<th>{e(h)}</th>" for h in FLIP_HEAD)
                + "</tr>"
                + "".join(
                    "<tr>" + "".join(f"<td>{e(c)}</td>" for c in _flip_cells(f)) + "</tr>" for f in flipped
                )
                + "</table>"
            )
    failures = []
    for f in sorted(summary["failures"], key=lambda f: FAILURE_KINDS.index(_false_kind(f))):
        cites = "".join(
            f"<li>[{c['marker']}] {e(c['source'])} ({e(c['outlet'] or '?')}, {e(c['published'] or '?')}): "
            f"<q>{e(c['quote'])}</q></li>"
            for c in f["citations"]
        )
        unsupported = "".join(
            f"<li>unsupported draft sentence: {e(t)}</li>" for t in f["unsupported_examples"]
        )
        failures.append(
            f"<section><h3>{e(f['id'])} <small>({e(f['type'])}, {e(f['engine'])})</small>:"
            f" {e(_false_kind(f))}</h3>"
            f"<p><b>Question:</b> {e(f['question'])}</p><p><b>Answer:</b> {e(f['answer'])}</p>"
            f"<p><b>What failed:</b> {e('; '.join(f['problems']) or 'incorrect')}</p>"
            f"<ul>{unsupported}{cites}</ul></section>"
        )
    passed = "passed" if gate["passed"] else "FAILED"
    failed = "".join(f"<li>{e(item)}</li>" for item in gate["failed"])
    return (
        "<!DOCTYPE html><html><head><meta charset='utf-8'>"
        f"<title>Grounding evaluation: {e(summary['dataset'])}</title><style>"
        "body{font-family:sans-serif;max-width:70em;margin:2em auto}table{border-collapse:collapse}"
        "td,th{border:1px solid #ccc;padding:2px 6px;text-align:right}td:first-child{text-align:left}"
        ".passed{color:#2f855a}.FAILED{color:#c53030}.flips td{text-align:left}"
        "section{border-top:1px solid #ddd}</style></head><body>"
        f"<h1>Grounding evaluation: {e(summary['dataset'])}</h1>"
        f"<p>Engines: {e(', '.join(summary['by_engine']))} · {summary['questions']} questions"
        f" · citations judged by {e(summary.get('citation_judge') or 'unknown')}</p>"
        f"<p class='verdict {passed}'><b>Verdict.</b> {e(verdict(summary))}</p>"
        f"<h2 class='{passed}'>Gate: {passed}</h2><ul>{failed}</ul>"
        "<p>Each figure with its 95% bootstrap confidence interval [low–high] (questions resampled).</p>"
        f"<table><tr><th>group</th>{head}</tr>{rows}</table>"
        f"{judges}"
        f"<h2>Per question type</h2>{_svg_chart(summary)}{compare}"
        f"<h2>Failures ({len(summary['failures'])})</h2>{''.join(failures)}</body></html>\n"
    )


def write_report(summary: dict, directory: Path) -> list[Path]:
    """report.json, report.md and report.html in `directory` (created when missing)."""
    directory.mkdir(parents=True, exist_ok=True)
    written = {
        "report.json": json.dumps(summary, ensure_ascii=False, indent=2) + "\n",
        "report.md": render_markdown(summary),
        "report.html": render_html(summary),
    }
    for name, text in written.items():
        (directory / name).write_text(text, encoding="utf-8")
    return [directory / name for name in written]
