"""An Answer as chat-message HTML: the answer with clickable [n] markers, the notice banners and the
source cards whose quote is shown highlighted inside its paragraph.

Article text is untrusted (scraped pages, wire copy): every piece of it is escaped here before it
reaches the page. The cards are `<details>` elements, one per cited article, so opening one needs no
script; a marker is a link to its quote inside the card, and the page script (ui/app.py) opens the
card around it.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable

from newsdesk.rag.models import Answer, Citation
from newsdesk.rag.render import (
    SourceGroup,
    SourceQuote,
    direct_answer,
    markers_text,
    not_covered_line,
    source_details,
    source_groups,
    source_title,
    source_where,
)

ArticleText = Callable[[str], str | None]
"""doc_id → the stored article's text, or None when it is not at hand. The page itself passes none:
the assistant gives every citation its context from the one read of the cited articles (rag.assistant),
so the page never reads the store; a caller rendering answers without contexts may pass one."""

_MARKER = re.compile(r"\[(\d+)\]")
# Characters that Markdown would turn into formatting or links; escaped so article text shows as written.
# `<`, `>` and `&` are left to html.escape: a backslash before an entity would show it verbatim.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-!|~])")


def escape_text(text: str) -> str:
    """Untrusted text made inert for the chat message's Markdown + HTML renderer."""
    return html.escape(_MARKDOWN_SPECIAL.sub(r"\\\1", text), quote=False)


def _inline(text: str) -> str:
    """Escaped text on one line: a blank line would end the card's HTML block in the chat's Markdown."""
    return html.escape(re.sub(r"\s*\n\s*", " ", text), quote=False)


def card_id(turn: int, marker: int) -> str:
    """The anchor of marker n of a turn: its quote, inside the card of the article it cites."""
    return f"nd-source-{turn}-{marker}"


def _linked(text: str, answer: Answer, turn: int) -> str:
    """`text`, escaped, with each [n] of a citation of `answer` a link to its quote's card."""
    known = {citation.marker for citation in answer.citations}
    parts: list[str] = []
    position = 0
    for match in _MARKER.finditer(text):
        parts.append(escape_text(text[position : match.start()]))
        marker = int(match.group(1))
        if marker in known:
            parts.append(f'<a class="nd-marker" href="#{card_id(turn, marker)}">[{marker}]</a>')
        else:
            parts.append(escape_text(match.group(0)))
        position = match.end()
    parts.append(escape_text(text[position:]))
    return "".join(parts)


def answer_text_html(answer: Answer, turn: int) -> str:
    """The answer text, escaped, with each [n] a link to source card n of this turn."""
    return _linked(answer.answer, answer, turn)


def removed_count(answer: Answer) -> int:
    """Sentences the citation check removed; older answers only mark them unsupported."""
    return max(answer.removed_sentences, sum(1 for sentence in answer.sentences if not sentence.supported))


def notice_html(answer: Answer) -> str:
    """The banner that tells a reader the answer is not a full one, or "" when it is."""
    if answer.abstained:
        return (
            '<div class="nd-notice nd-abstained">The archive does not answer this: '
            "no cited sentence supports an answer.</div>"
        )
    removed = removed_count(answer)
    if removed:
        return (
            f'<div class="nd-notice nd-removed">{removed} sentence(s) removed: '
            "the citation check found them unsupported by the cited articles.</div>"
        )
    return ""


def _paragraph_around(text: str, start: int, end: int) -> tuple[str, int]:
    """The line of `text` holding [start, end), with its offset; widened to the nearest non-blank
    lines before and after when the quote is the whole line (wire copy often has a sentence a line)."""
    lines = [(match.start(), match.end()) for match in re.finditer(r"[^\n]+", text)]
    here = [i for i, (begin, finish) in enumerate(lines) if begin <= start < finish or begin < end <= finish]
    if not here:
        return text[start:end], start
    first, last = here[0], here[-1]
    begin, finish = lines[first][0], lines[last][1]
    if not text[begin:start].strip() and not text[end:finish].strip():
        previous = [i for i in range(first - 1, -1, -1) if text[slice(*lines[i])].strip()]
        following = [i for i in range(last + 1, len(lines)) if text[slice(*lines[i])].strip()]
        begin = lines[previous[0]][0] if previous else begin
        finish = lines[following[0]][1] if following else finish
    return text[begin:finish], begin


def quote_in_context(citation: Citation, article_text: str | None) -> tuple[str, str, str]:
    """(before, quote, after): the quote with the sentences around it, as the article has them.

    Uses the citation's own `context` when retrieval filled it, else the quote's paragraph of the
    stored article; the quote alone when neither lines up with the citation's offsets.
    """
    if citation.context and citation.context_start is not None:
        begin = citation.start - citation.context_start
        finish = citation.end - citation.context_start
        if 0 <= begin <= finish <= len(citation.context):
            context = citation.context
            return context[:begin], context[begin:finish], context[finish:]
    if article_text and article_text[citation.start : citation.end] == citation.quote:
        paragraph, offset = _paragraph_around(article_text, citation.start, citation.end)
        begin, finish = citation.start - offset, citation.end - offset
        return paragraph[:begin], paragraph[begin:finish], paragraph[finish:]
    return "", citation.quote, ""


def _quote_html(quote: SourceQuote, article_text: str | None, turn: int, labelled: bool) -> str:
    """One quote of a card inside its paragraph. Each of its markers is an anchor (`card_id`) that the
    answer's [n] links to; the page script opens the card around it."""
    before, text, after = quote_in_context(quote.citation, article_text)
    # A card with one quote names its marker in the summary: the quote's anchors are there, not shown.
    shown = "nd-quote-marker" if labelled else "nd-quote-marker nd-hidden"
    anchors = " ".join(
        f'<span class="{shown}" id="{card_id(turn, marker)}">[{marker}]</span>' for marker in quote.markers
    )
    return (
        f'<div class="nd-card-quote">{anchors}<blockquote class="nd-quote">{_inline(before)}'
        f"<mark>{_inline(text)}</mark>{_inline(after)}</blockquote></div>"
    )


def source_card_html(group: SourceGroup, article_text: str | None, turn: int) -> str:
    """One cited article: its title line once, then each of its quotes in context with its markers."""
    first = group.citation
    title = html.escape(source_title(first))
    details = html.escape(source_details(first, " · "))
    where = html.escape(source_where(first))
    quotes = "".join(
        _quote_html(quote, article_text, turn, labelled=len(group.quotes) > 1) for quote in group.quotes
    )
    return (
        f'<details class="nd-card" id="nd-card-{turn}-{group.markers[0]}">'
        f'<summary><span class="nd-card-marker">{markers_text(group.markers)}</span> '
        f'<span class="nd-card-title">{title}</span>'
        f'<span class="nd-card-meta">{details} · {where}</span></summary>{quotes}</details>'
    )


def source_cards_html(answer: Answer, article_text: ArticleText | None, turn: int) -> str:
    """One card per cited article (two citations of one article are one card with two quotes)."""
    cards = "".join(
        source_card_html(group, article_text(group.citation.doc_id) if article_text else None, turn)
        for group in source_groups(answer)
    )
    return f'<div class="nd-sources">{cards}</div>' if cards else ""


def direct_answer_html(answer: Answer, turn: int) -> str:
    """The answer in a few words, first, its markers linked like the answer text's; "" when none."""
    short = direct_answer(answer)
    return f'<div class="nd-direct">{_linked(short, answer, turn)}</div>' if short else ""


def missing_html(answer: Answer) -> str:
    """The parts of the question the archive does not answer, after the answer; "" when none."""
    line = not_covered_line(answer)
    return f'<div class="nd-missing">{escape_text(line)}</div>' if line else ""


def answer_message_html(answer: Answer, article_text: ArticleText | None, turn: int) -> str:
    """The whole chat message of a finished answer, in the order of every output (rag.render): the
    direct answer, the notice, the linked answer text, what is not in the archive, the source cards."""
    blocks = [
        direct_answer_html(answer, turn),
        notice_html(answer),
        answer_text_html(answer, turn),
        missing_html(answer),
        source_cards_html(answer, article_text, turn),
    ]
    return "\n\n".join(block for block in blocks if block)
