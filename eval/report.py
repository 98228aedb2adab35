"""The evaluation report: report.json (the whole summary), report.md and report.html (tables per
question type and engine, a chart, the gate, deltas against an earlier run, and every failure with
its question, answer, citations and what failed). The HTML page is self-contained: inline CSS and
an inline SVG chart, every text escaped."""

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


def _rows(summary: dict) -> list[tuple[str, dict]]:
    rows = [("all", summary)]
    rows += [(f"type: {kind}", figures) for kind, figures in summary["by_type"].items()]
    if len(summary["by_engine"]) > 1:
        rows += [(f"engine: {name}", figures) for name, figures in summary["by_engine"].items()]
    return rows


def _md_escape(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_markdown(summary: dict) -> str:
    lines = [f"# Grounding evaluation: {summary['dataset']}", ""]
    lines.append(
        f"Engines: {', '.join(summary['by_engine'])} · {summary['questions']} questions"
        f" · citations judged by {summary.get('citation_judge') or 'unknown'}"
    )
    gate = summary["gate"]
    lines += ["", f"**Gate: {'passed' if gate['passed'] else 'FAILED'}**", ""]
    lines += [f"- failed: {_md_escape(item)}" for item in gate["failed"]]
    lines += ["", "| group | " + " | ".join(label for _, label in TABLE_COLUMNS) + " |"]
    lines.append("|---" * (len(TABLE_COLUMNS) + 1) + "|")
    for name, figures in _rows(summary):
        lines.append(
            f"| {_md_escape(name)} | " + " | ".join(_cell(figures.get(k)) for k, _ in TABLE_COLUMNS) + " |"
        )
    if summary.get("compare"):
        lines += ["", f"## Against {summary['compare']['against']}", "", "| metric | old | new | delta |"]
        lines.append("|---|---|---|---|")
        for metric, row in summary["compare"]["overall"].items():
            lines.append(f"| {metric} | {_cell(row['old'])} | {_cell(row['new'])} | {_cell(row['delta'])} |")
    lines += ["", f"## Failures ({len(summary['failures'])})", ""]
    for failure in summary["failures"]:
        lines += [
            f"### {_md_escape(failure['id'])} ({_md_escape(failure['type'])}, {failure['engine']})",
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
    """Grouped bars, one group per question type: correctness, citation recall, recall@k (0..1)."""
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
            parts.append(
                f'<rect x="{x0 + offset * bar:.1f}" y="{top + height - h:.1f}" width="{bar - 2}" '
                f'height="{h:.1f}" fill="{colour}"><title>{escape(kind)} {metric} {value:.3f}</title></rect>'
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
        + "".join(f"<td>{e(_cell(f.get(k)))}</td>" for k, _ in TABLE_COLUMNS)
        + "</tr>"
        for name, f in _rows(summary)
    )
    compare = ""
    if summary.get("compare"):
        compare = (
            f"<h2>Against {e(str(summary['compare']['against']))}</h2><table><tr><th>metric</th><th>old</th>"
        )
        compare += "<th>new</th><th>delta</th></tr>"
        compare += "".join(
            f"<tr><td>{e(m)}</td><td>{e(_cell(r['old']))}</td><td>{e(_cell(r['new']))}</td>"
            f"<td>{e(_cell(r['delta']))}</td></tr>"
            for m, r in summary["compare"]["overall"].items()
        )
        compare += "</table>"
    failures = []
    for f in summary["failures"]:
        cites = "".join(
            f"<li>[{c['marker']}] {e(c['source'])} ({e(c['outlet'] or '?')}, {e(c['published'] or '?')}): "
            f"<q>{e(c['quote'])}</q></li>"
            for c in f["citations"]
        )
        unsupported = "".join(
            f"<li>unsupported draft sentence: {e(t)}</li>" for t in f["unsupported_examples"]
        )
        failures.append(
            f"<section><h3>{e(f['id'])} <small>({e(f['type'])}, {e(f['engine'])})</small></h3>"
            f"<p><b>Question:</b> {e(f['question'])}</p><p><b>Answer:</b> {e(f['answer'])}</p>"
            f"<p><b>What failed:</b> {e('; '.join(f['problems']) or 'incorrect')}</p>"
            f"<ul>{unsupported}{cites}</ul></section>"
        )
    verdict = "passed" if gate["passed"] else "FAILED"
    failed = "".join(f"<li>{e(item)}</li>" for item in gate["failed"])
    return (
        "<!DOCTYPE html><html><head><meta charset='utf-8'>"
        f"<title>Grounding evaluation: {e(summary['dataset'])}</title><style>"
        "body{font-family:sans-serif;max-width:70em;margin:2em auto}table{border-collapse:collapse}"
        "td,th{border:1px solid #ccc;padding:2px 6px;text-align:right}td:first-child{text-align:left}"
        ".passed{color:#2f855a}.FAILED{color:#c53030}section{border-top:1px solid #ddd}</style></head><body>"
        f"<h1>Grounding evaluation: {e(summary['dataset'])}</h1>"
        f"<p>Engines: {e(', '.join(summary['by_engine']))} · {summary['questions']} questions"
        f" · citations judged by {e(summary.get('citation_judge') or 'unknown')}</p>"
        f"<h2 class='{verdict}'>Gate: {verdict}</h2><ul>{failed}</ul>"
        f"<table><tr><th>group</th>{head}</tr>{rows}</table>"
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
