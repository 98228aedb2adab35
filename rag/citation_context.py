"""After verification: each citation read with its neighbouring sentences, verbatim from the store.

A quote alone can mislead ("He denied it."); the sentence before and after tell who and what. The
UI highlights the quote inside this context; `context_start` places it in the stored article.
"""

from __future__ import annotations

from collections.abc import Mapping

from newsdesk.index.sentences import split_sentences
from newsdesk.rag.models import Answer, Citation


def with_neighbours(text: str, start: int, end: int) -> tuple[str, int]:
    """The sentences covering text[start:end] plus the one before and the one after, and where they
    begin. A quote that is no whole sentence still gets the sentences around it."""
    spans = split_sentences(text)
    covering = [i for i, (s, e) in enumerate(spans) if s < end and start < e]
    if not covering:
        return text[start:end], start
    first = max(covering[0] - 1, 0)
    last = min(covering[-1] + 1, len(spans) - 1)
    context_start = min(spans[first][0], start)
    context_end = max(spans[last][1], end)
    return text[context_start:context_end], context_start


def add_context(answer: Answer, articles: Mapping[str, str]) -> Answer:
    """The answer with `context` and `context_start` on every citation whose quote is still at its
    offsets in `articles` (doc_id → stored text: the articles the answer cites, read once per answer)."""
    if not answer.citations:
        return answer
    citations: list[Citation] = []
    for citation in answer.citations:
        text = articles.get(citation.doc_id)
        if text is None or text[citation.start : citation.end] != citation.quote:
            citations.append(citation)  # the article changed since: no context rather than a wrong one
            continue
        context, context_start = with_neighbours(text, citation.start, citation.end)
        citations.append(citation.model_copy(update={"context": context, "context_start": context_start}))
    return answer.model_copy(update={"citations": citations})
