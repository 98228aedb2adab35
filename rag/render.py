"""Step 4 of answering: an Answer as Markdown, for the terminal, the UI and journalists' notes."""

from __future__ import annotations

from pathlib import Path

from rag.models import Answer, Citation


def source_line(citation: Citation) -> str:
    """`Headline — Outlet, 2016-09-19 · file.txt` with what is known."""
    title = citation.title or "(untitled)"
    details = ", ".join(
        part
        for part in (citation.outlet, citation.published.isoformat() if citation.published else None)
        if part
    )
    where = Path(citation.source).name if "://" not in citation.source else citation.source
    return f"{title} — {details or 'outlet and date unknown'} · {where}"


def render_markdown(answer: Answer) -> str:
    lines = [answer.answer]
    if answer.citations:
        lines += ["", "**Sources**", ""]
        for citation in answer.citations:
            lines.append(f"[{citation.marker}] {source_line(citation)}  ")
            lines.append(f"> “{citation.quote}”")
            lines.append("")
    removed = [s for s in answer.sentences if not s.supported]
    if removed and not answer.abstained:
        lines.append(f"_{len(removed)} sentence(s) removed: not supported by the cited articles._")
    return "\n".join(lines).rstrip() + "\n"
