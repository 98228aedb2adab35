"""Relevance gate: does the retrieved evidence speak about what the question asks at all?

Runs before any engine, so no engine is asked to answer from evidence that never mentions the
people, places or figures in the question, nor any of the words of what it asks about (the usual
way answers drift into a model's memory). Similarity alone cannot tell "Iran and Syria signed a
pact" from "Iran and Syria played football": both are close to a question naming Iran and Syria.

`unanswerable_reason` is the one rule: the RelevanceGate postprocessor (rag.postprocessors) lets
evidence through by it, and the assistant's abstention states the reason it gives.
"""

from __future__ import annotations

from collections.abc import Mapping

from newsdesk.rag.models import Passage
from newsdesk.rag.question import anchor_terms, content_terms, content_words


def _matches(term: str, vocabulary: set[str]) -> bool:
    # Prefix agreement lets "Syria" match "Syrian" and "Iran" match "Iranian".
    return any(
        word == term or (min(len(word), len(term)) >= 4 and (word.startswith(term) or term.startswith(word)))
        for word in vocabulary
    )


def unanswerable_reason(
    question: str, passages: list[Passage], articles: Mapping[str, str] | None = None
) -> str | None:
    """Why the passages cannot answer the question, or None when they may.

    `articles` (doc_id -> whole text) are the passages' articles when the retriever read them: a name the
    question is anchored on is often only in another part of the article than the chunk that answers
    ("argues analyst Bill Thompson" opens a column whose fifth paragraph names the company asked for)."""
    if not passages:
        return "the archive holds no article related to the question."
    vocabulary: set[str] = set()
    for passage in passages:
        vocabulary |= content_terms(passage.text) | content_terms(passage.title or "")
    for text in (articles or {}).values():
        vocabulary |= content_terms(text)
    anchors = anchor_terms(question)
    missing = [word for anchor, word in anchors.items() if not _matches(anchor, vocabulary)]
    if missing:
        return f"no article mentions {', '.join(missing)}."
    topic = {term: word for term, word in content_words(question).items() if term not in anchors}
    if topic and not any(_matches(term, vocabulary) for term in topic):
        return "the articles that mention it say nothing about " + ", ".join(topic.values()) + "."
    return None
