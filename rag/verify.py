"""Step 3 of answering: check every citation against the stored article it points at.

A citation survives when its quote is verbatim in the stored article at its offsets (offsets are
repaired when the quote is found elsewhere in the article) and the quote supports the sentence
that cites it: the sentence is the quote, or it is close in meaning (embedding similarity) and
every name and figure in it also appears in the quote or its neighbouring sentences. A sentence
left with no supporting citation is marked unsupported and dropped from the answer text; markers
are renumbered so they never point past the source list.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence

import numpy as np
from llama_index.core.base.embeddings.base import BaseEmbedding
from newsdesk.index.sentences import split_sentences
from newsdesk.index.store import ArticleStore
from newsdesk.rag.engines.base import abstained_answer
from newsdesk.rag.models import Answer, AnswerSentence, Citation
from newsdesk.rag.question import anchor_terms, content_terms

_MARKER = re.compile(r"\s*\[\d+\]")

ArticleTexts = Mapping[str, str]
"""doc_id → the stored article's text, for the articles an answer cites (read once per answer)."""


def _neighbourhood(text: str, start: int, end: int) -> str:
    """The quote with the sentence before and after it."""
    spans = split_sentences(text)
    inside = [i for i, (s, e) in enumerate(spans) if e > start and s < end]
    if not inside:
        return text[start:end]
    first, last = max(inside[0] - 1, 0), min(inside[-1] + 1, len(spans) - 1)
    return text[spans[first][0] : spans[last][1]]


class CitationCheck:
    def __init__(self, store: ArticleStore, embedder: BaseEmbedding, min_similarity: float = 0.6) -> None:
        self._store = store
        self._embedder = embedder
        self.min_similarity = min_similarity

    def article_texts(self, doc_ids: Iterable[str]) -> dict[str, str]:
        """The texts of these stored articles, read in one query (the ones the store has)."""
        return {doc_id: article.text for doc_id, article in self._store.get_articles(doc_ids).items()}

    @staticmethod
    def _locate(citation: Citation, articles: ArticleTexts) -> tuple[Citation, str] | None:
        """The citation with true offsets, and its article text; None when the quote is not there."""
        text = articles.get(citation.doc_id)
        if text is None or not citation.quote.strip():
            return None
        if text[citation.start : citation.end] == citation.quote:
            return citation, text
        found = text.find(citation.quote)
        if found < 0:
            return None
        return citation.model_copy(update={"start": found, "end": found + len(citation.quote)}), text

    def supports(
        self, sentence: str, citations: Sequence[Citation], articles: ArticleTexts | None = None
    ) -> bool:
        """Whether the cited articles, together, support the sentence: a citation counts only when its
        quote is verbatim in its stored article, and the sentence is held against those quotes joined
        (and their neighbouring sentences for names and figures). The one support test: `verify`
        asks it of each citation alone, the evaluation's citation recall and precision (ALCE) of
        a sentence's citations together and one by one. `articles` are the cited articles' texts
        when the caller has read them already; else they are read here."""
        if articles is None:
            articles = self.article_texts(citation.doc_id for citation in citations)
        located = [found for found in (self._locate(c, articles) for c in citations) if found is not None]
        if not located:
            return False
        quote = " ".join(citation.quote for citation, _ in located)
        context = " ".join(_neighbourhood(text, citation.start, citation.end) for citation, text in located)
        return self._holds(sentence, quote, context)

    def _holds(self, sentence: str, quote: str, context: str) -> bool:
        claim = _MARKER.sub("", sentence).strip()
        if claim and claim in quote:
            return True
        context_terms = content_terms(context)
        if any(anchor not in context_terms for anchor in anchor_terms(claim)):
            return False
        vectors = np.asarray(self._embedder.get_text_embedding_batch([claim, quote]))
        return float(vectors[0] @ vectors[1]) >= self.min_similarity

    def verify(self, answer: Answer, articles: ArticleTexts | None = None) -> Answer:
        """The answer with only supported sentences and their citations. `articles`: the cited
        articles' texts when the caller has read them already; else they are read here, once."""
        if answer.abstained:
            return answer
        if articles is None:
            articles = self.article_texts(citation.doc_id for citation in answer.citations)
        located = {}
        for citation in answer.citations:
            found = self._locate(citation, articles)
            if found is not None:
                located[citation.marker] = found
        kept_sentences: list[AnswerSentence] = []
        renumbered: dict[int, int] = {}
        citations: list[Citation] = []
        for sentence in answer.sentences:
            markers = []
            for marker in sentence.markers:
                if marker not in located:
                    continue
                citation = located[marker][0]
                if not self.supports(sentence.text, [citation], articles):
                    continue
                if marker not in renumbered:
                    renumbered[marker] = len(renumbered) + 1
                    citations.append(citation.model_copy(update={"marker": renumbered[marker]}))
                markers.append(renumbered[marker])
            kept_sentences.append(
                AnswerSentence(
                    text=_MARKER.sub("", sentence.text).strip(), markers=markers, supported=bool(markers)
                )
            )
        supported = [s for s in kept_sentences if s.supported]
        removed = len(kept_sentences) - len(supported)
        if not supported:
            reason = "none of the answer's sentences is supported by the articles it cites."
            abstained = abstained_answer(answer.question, reason, answer.engine)
            return answer.model_copy(
                update={
                    "answer": abstained.answer,
                    "abstained": True,
                    "citations": [],
                    "sentences": kept_sentences,
                    "removed_sentences": removed,
                }
            )
        text = " ".join(s.text + "".join(f" [{m}]" for m in s.markers) for s in supported)
        return answer.model_copy(
            update={
                "answer": text,
                "citations": citations,
                "sentences": kept_sentences,
                "removed_sentences": removed,
            }
        )
