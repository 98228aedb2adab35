"""The extractive engine: answers with sentences copied verbatim from the archive, each cited.

No language model, so nothing can be invented: the engine only chooses which retrieved sentences
answer the question, scoring each by embedding similarity to the question and by how many of the
question's content words it contains, and abstains when none scores high enough.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from llama_index.core.base.embeddings.base import BaseEmbedding
from newsdesk.index.sentences import split_sentences
from newsdesk.rag.engines.base import AnswerEngine, abstained_answer, cite
from newsdesk.rag.models import Answer, AnswerSentence, Passage
from newsdesk.rag.question import anchor_terms, asks_when, content_terms, mentions_time

_MIN_WORDS = 5  # shorter "sentences" are captions, labels and datelines


@dataclass
class _Candidate:
    passage: Passage
    start: int  # offsets in the stored article
    end: int
    text: str
    score: float = 0.0
    off_anchor: bool = False  # its article's passages never name one of the question's names or figures


def _candidates(passages: list[Passage]) -> list[_Candidate]:
    seen: set[tuple[str, int]] = set()
    found = []
    for passage in passages:
        for start, end in split_sentences(passage.text):
            text = passage.text[start:end]
            key = (passage.doc_id, passage.start + start)
            if key in seen or len(text.split()) < _MIN_WORDS:
                continue
            if passage.title and text.strip() == passage.title.strip():
                continue  # the headline names the topic; the story's sentences carry the facts
            seen.add(key)
            found.append(_Candidate(passage, passage.start + start, passage.start + end, text))
    return found


class ExtractiveEngine(AnswerEngine):
    """Chooses up to `max_sentences` supporting sentences, at most `per_article` from one article."""

    name = "extractive"

    def __init__(
        self,
        embedder: BaseEmbedding,
        min_support: float,
        max_sentences: int = 3,
        per_article: int = 2,
        relative_cutoff: float = 0.8,
    ) -> None:
        self._embedder = embedder
        self.min_support = min_support
        self.max_sentences = max_sentences
        self.per_article = per_article
        self.relative_cutoff = relative_cutoff

    def _score(self, question: str, candidates: list[_Candidate]) -> None:
        """score = 0.5 · cosine(question, sentence) + 0.5 · weighted share of the question's terms.

        Names and figures (anchors) weigh double; an anchor found only elsewhere in the sentence's
        article (its retrieved passages and headline) counts half, since the article sets the topic
        ("Syrian" uprising) while the sentence carries the answer. A "when" question favours
        sentences that state a time, but only those that also say something of what is asked.
        """
        question_vector = np.asarray(self._embedder.get_query_embedding(question))
        vectors = np.asarray(self._embedder.get_text_embedding_batch([c.text for c in candidates]))
        similarities = vectors @ question_vector
        anchors = set(anchor_terms(question))
        topic = content_terms(question) - anchors
        total = 2.0 * len(anchors) + len(topic) or 1.0
        wants_time = asks_when(question)
        # What an article is about: the terms of all its retrieved passages and its headline.
        article_terms: dict[str, set[str]] = {}
        for passage in {c.passage.chunk_id: c.passage for c in candidates}.values():
            found = content_terms(passage.text) | content_terms(passage.title or "")
            article_terms[passage.doc_id] = article_terms.get(passage.doc_id, set()) | found
        for candidate, similarity in zip(candidates, similarities, strict=True):
            terms = content_terms(candidate.text)
            context = article_terms[candidate.passage.doc_id]
            on_topic = len(topic & terms)
            anchored = sum(2.0 if a in terms else 1.0 if a in context else 0.0 for a in anchors)
            candidate.score = 0.5 * float(similarity) + 0.5 * (anchored + on_topic) / total
            candidate.off_anchor = any(a not in terms and a not in context for a in anchors)
            if wants_time and (on_topic or anchors & terms) and mentions_time(candidate.text):
                candidate.score += 0.08

    def _select(self, candidates: list[_Candidate]) -> list[_Candidate]:
        # A passage that never names what the question names (a meeting in Damascus, asked about
        # Tehran) does not answer it, however close its wording; use those only when nothing else is left.
        on_anchor = [c for c in candidates if not c.off_anchor]
        ranked = sorted(on_anchor or candidates, key=lambda c: c.score, reverse=True)
        floor = max(self.min_support, self.relative_cutoff * ranked[0].score)
        eligible = [c for c in ranked if c.score >= floor]
        chosen: list[_Candidate] = []
        per_doc: dict[str, int] = {}
        # First the best sentence of each article, then seconds: a question spanning several
        # articles is answered from each of them before any one article speaks twice.
        for limit in range(1, self.per_article + 1):
            for candidate in eligible:
                doc = candidate.passage.doc_id
                if (
                    len(chosen) < self.max_sentences
                    and per_doc.get(doc, 0) < limit
                    and candidate not in chosen
                ):
                    per_doc[doc] = per_doc.get(doc, 0) + 1
                    chosen.append(candidate)
        # Read in a sensible order: articles by their best sentence, sentences in article order.
        article_rank = {doc: rank for rank, doc in enumerate(dict.fromkeys(c.passage.doc_id for c in chosen))}
        return sorted(chosen, key=lambda c: (article_rank[c.passage.doc_id], c.start))

    def answer(self, question: str, passages: list[Passage]) -> Answer:
        candidates = _candidates(passages)
        if candidates:
            self._score(question, candidates)
        if not candidates or max(c.score for c in candidates) < self.min_support:
            reason = "no retrieved sentence answers this question closely enough."
            return abstained_answer(question, reason, self.name)
        sentences, citations = [], []
        for marker, candidate in enumerate(self._select(candidates), start=1):
            citations.append(cite(marker, candidate.passage, candidate.text, candidate.start, candidate.end))
            sentences.append(AnswerSentence(text=candidate.text, markers=[marker]))
        return Answer(
            question=question,
            answer=" ".join(f"{s.text} [{s.markers[0]}]" for s in sentences),
            abstained=False,
            engine=self.name,
            citations=citations,
            sentences=sentences,
        )
