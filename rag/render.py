"""Step 4 of answering: an Answer as Markdown, for the terminal, the UI and journalists' notes."""

from __future__ import annotations

from pathlib import Path

from newsdesk.rag.models import Answer, Citation


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


def quote_in_context(citation: Citation) -> str:
    """The quote in bold inside its neighbouring sentences, on one line (a Markdown block quote)."""
    if citation.context is None or citation.context_start is None:
        return f"“{citation.quote}”"
    offset = citation.start - citation.context_start
    before = citation.context[:offset]
    after = citation.context[offset + len(citation.quote) :]
    flat = " ".join  # the context may span lines; a block quote is one paragraph
    return f"{flat(before.split())} **“{citation.quote}”** {flat(after.split())}".strip()


def render_sources(answer: Answer) -> str:
    """The numbered sources of an answer, each with its quote read in context."""
    lines: list[str] = []
    if answer.citations:
        lines += ["**Sources**", ""]
        for citation in answer.citations:
            lines.append(f"[{citation.marker}] {source_line(citation)}  ")
            lines.append(f"> {quote_in_context(citation)}")
            lines.append("")
    removed = [s for s in answer.sentences if not s.supported]
    if removed and not answer.abstained:
        lines.append(f"_{len(removed)} sentence(s) removed: not supported by the cited articles._")
    return "\n".join(lines).rstrip() + "\n" if lines else ""


def render_markdown(answer: Answer) -> str:
    sources = render_sources(answer)
    return answer.answer + ("\n\n" + sources if sources else "\n")
