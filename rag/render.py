"""Step 4 of answering: an Answer as Markdown, for the terminal, the UI and journalists' notes.

Every output shows an answer in one order: the direct answer (a few words with their markers) when
the engine gave one, the answer text, the parts of the question the archive does not answer, then the
sources, one per cited article with each of its quotes. The page (ui/cards.py) builds its HTML from
the same pieces (`source_groups`, `missing_parts`).
"""

from __future__ import annotations

from pathlib import Path

from newsdesk.rag.models import Answer, AnswerPart, Citation
from pydantic import BaseModel

UNTITLED = "Untitled article"


class SourceQuote(BaseModel):
    """One quoted span of a cited article and every marker that cites it."""

    markers: list[int]
    citation: Citation  # the first citation of the span: quote, offsets and context


class SourceGroup(BaseModel):
    """One cited article and its quotes, in the order of their first marker."""

    citation: Citation  # the article's first citation: title, outlet, date, source
    quotes: list[SourceQuote]

    @property
    def markers(self) -> list[int]:
        return [marker for quote in self.quotes for marker in quote.markers]


def source_groups(answer: Answer) -> list[SourceGroup]:
    """The citations grouped by article, then by quoted span: two citations of one article are one
    source with two quotes (two cards that looked the same were one article cited twice)."""
    groups: dict[str, SourceGroup] = {}
    for citation in sorted(answer.citations, key=lambda c: c.marker):
        key = citation.doc_id or citation.source
        group = groups.setdefault(key, SourceGroup(citation=citation, quotes=[]))
        same = next(
            (q for q in group.quotes if (q.citation.start, q.citation.end) == (citation.start, citation.end)),
            None,
        )
        if same is None:
            group.quotes.append(SourceQuote(markers=[citation.marker], citation=citation))
        else:
            same.markers.append(citation.marker)
    return list(groups.values())


def source_title(citation: Citation) -> str:
    """The article's headline, or "Untitled article": a title is never made up from the text."""
    return citation.title or UNTITLED


def source_details(citation: Citation, separator: str = ", ") -> str:
    """`Outlet, 2016-09-19` with what is known."""
    known = (citation.outlet, citation.published.isoformat() if citation.published else None)
    return separator.join(part for part in known if part) or "outlet and date unknown"


def source_where(citation: Citation) -> str:
    """The file (with its record, `reuters-018.json#18230`) or the URL the article came from."""
    return citation.source if "://" in citation.source else Path(citation.source).name


def source_line(citation: Citation) -> str:
    """`Headline — Outlet, 2016-09-19 · file.txt`, or `Untitled article — Reuters, 1987-02-26 ·
    reuters-018.json#18230` for an article without a headline."""
    return f"{source_title(citation)} — {source_details(citation)} · {source_where(citation)}"


def markers_text(markers: list[int]) -> str:
    return " ".join(f"[{marker}]" for marker in markers)


def quote_in_context(citation: Citation) -> str:
    """The quote in bold inside its neighbouring sentences, on one line (a Markdown block quote)."""
    if citation.context is None or citation.context_start is None:
        return f"“{citation.quote}”"
    offset = citation.start - citation.context_start
    before = citation.context[:offset]
    after = citation.context[offset + len(citation.quote) :]
    flat = " ".join  # the context may span lines; a block quote is one paragraph
    return f"{flat(before.split())} **“{citation.quote}”** {flat(after.split())}".strip()


def missing_parts(answer: Answer) -> list[AnswerPart]:
    """The parts of the question the answer does not cover; none when it abstained (it says so whole)."""
    return [] if answer.abstained else [part for part in answer.parts if not part.covered]


def not_covered_line(answer: Answer) -> str:
    """`Not in the archive: When did they meet?`, or "" when every part is covered."""
    missing = missing_parts(answer)
    return "Not in the archive: " + " ".join(part.question for part in missing) if missing else ""


def direct_answer(answer: Answer) -> str | None:
    """The direct answer when the answer text does not already open with it (the extractive engine's text
    does: its first line is the direct answer)."""
    if answer.abstained or not answer.direct_answer:
        return None
    if answer.answer.strip().startswith(answer.direct_answer.strip()):
        return None
    return answer.direct_answer.strip()


def render_answer(answer: Answer) -> str:
    """The answer without its sources: direct answer, answer text, what is not in the archive."""
    blocks = [f"**{short}**" if (short := direct_answer(answer)) else "", answer.answer]
    if missing := not_covered_line(answer):
        blocks.append(f"_{missing}_")
    return "\n\n".join(block for block in blocks if block) + "\n"


def render_sources(answer: Answer) -> str:
    """The numbered sources of an answer, one per article, each quote read in context."""
    lines: list[str] = []
    if answer.citations:
        lines += ["**Sources**", ""]
        for group in source_groups(answer):
            lines.append(f"{markers_text(group.markers)} {source_line(group.citation)}  ")
            for quote in group.quotes:
                # The marker before each quote only when the article has several: one quote is the card's.
                label = f"{markers_text(quote.markers)} " if len(group.quotes) > 1 else ""
                lines += [f"> {label}{quote_in_context(quote.citation)}", ""]
    removed = [s for s in answer.sentences if not s.supported]
    if removed and not answer.abstained:
        lines.append(f"_{len(removed)} sentence(s) removed: not supported by the cited articles._")
    return "\n".join(lines).rstrip() + "\n" if lines else ""


def render_markdown(answer: Answer) -> str:
    sources = render_sources(answer)
    return render_answer(answer) + ("\n" + sources if sources else "")
