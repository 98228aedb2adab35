"""Step 3 of answering: check every citation against the stored article it points at.

A citation survives when its quote is verbatim in the stored article at its offsets (offsets are
repaired when the quote is found elsewhere in the article) and the quote supports the sentence
that cites it: the sentence is the quote, or the support judge (rag.judge) finds the sentence
supported by the quote with its neighbouring sentences. A sentence
left with no supporting citation is marked unsupported and dropped from the answer text; markers
are renumbered so they never point past the source list.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence

from newsdesk.index.sentences import split_sentences
from newsdesk.index.store import ArticleStore
from newsdesk.rag.engines.base import abstained_answer, compose_text
from newsdesk.rag.judge import SupportJudge
from newsdesk.rag.models import Answer, AnswerSentence, Citation

_MARKER = re.compile(r"\s*\[\d+\]")
# A direct answer is cited spans joined by fixed connectives: "Freij [1] and Shoigu [2]; on Thursday [2]."
_CITED_SPAN = re.compile(r"\s*(?:(?:;|,|and)\s+)*(.+?)\s*\[(\d+)\]")
_DIRECT_END = re.compile(r"^\s*\.?\s*$")

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


def claim_of(sentence: str) -> str:
    """The sentence as a claim: without its citation markers."""
    return _MARKER.sub("", sentence).strip()


def direct_answer_spans(direct: str) -> list[tuple[str, int]] | None:
    """The (span, marker) pairs a direct answer is made of, or None when it holds any word that is neither a
    cited span nor a fixed connective."""
    spans, at = [], 0
    for match in _CITED_SPAN.finditer(direct):
        if match.start() != at:
            return None
        spans.append((match.group(1), int(match.group(2))))
        at = match.end()
    return spans if spans and _DIRECT_END.match(direct[at:]) else None


def _verified_direct(
    direct: str | None, located: Mapping[int, Citation], renumbered: Mapping[int, int]
) -> str | None:
    """The direct answer with its markers renumbered, when each of its spans is verbatim in the quote it
    cites and that citation survived; else None (the answer then leads with its sentences)."""
    if not direct:
        return None
    spans = direct_answer_spans(direct)
    if spans is None:
        return None
    for span, marker in spans:
        if marker not in renumbered or span not in located[marker].quote:
            return None
    return re.sub(r"\[(\d+)\]", lambda m: f"[{renumbered[int(m.group(1))]}]", direct)


class CitationCheck:
    def __init__(self, store: ArticleStore, judge: SupportJudge) -> None:
        self._store = store
        self.judge = judge

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
        with their neighbouring sentences. The one support test: `verify` asks it of each citation
        alone, the evaluation's citation recall and precision (ALCE) of a sentence's citations together
        and one by one. `articles` are the cited articles' texts when the caller has read them already;
        else they are read here."""
        if articles is None:
            articles = self.article_texts(citation.doc_id for citation in citations)
        located = [found for found in (self._locate(c, articles) for c in citations) if found is not None]
        return self._hold([(sentence, located)])[0]

    def _hold(self, claims: Sequence[tuple[str, Sequence[tuple[Citation, str]]]]) -> list[bool]:
        """For each (sentence, its located citations): supported? A claim verbatim in its quotes holds
        without asking; the others go to the judge in one batch."""
        verdicts = [False] * len(claims)
        asked: list[int] = []
        pairs: list[tuple[str, str]] = []
        for i, (sentence, located) in enumerate(claims):
            if not located:
                continue
            claim = claim_of(sentence)
            quote = " ".join(citation.quote for citation, _ in located)
            if claim and claim in quote:
                verdicts[i] = True
                continue
            context = " ".join(_neighbourhood(text, c.start, c.end) for c, text in located)
            asked.append(i)
            pairs.append((claim, context))
        if pairs:
            scores = self.judge.support_scores(pairs)
            for i, score in zip(asked, scores, strict=True):
                verdicts[i] = bool(score >= self.judge.supports_threshold)
        return verdicts

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
        # Every (sentence, citation) pair of the answer judged in one batch.
        judged = [
            (number, marker)
            for number, sentence in enumerate(answer.sentences)
            for marker in sentence.markers
            if marker in located
        ]
        verdicts = self._hold([(answer.sentences[n].text, [located[m]]) for n, m in judged])
        supported_pairs = {pair for pair, holds in zip(judged, verdicts, strict=True) if holds}
        kept_sentences: list[AnswerSentence] = []
        renumbered: dict[int, int] = {}
        citations: list[Citation] = []
        for number, sentence in enumerate(answer.sentences):
            markers = []
            for marker in sentence.markers:
                if (number, marker) not in supported_pairs:
                    continue
                citation = located[marker][0]
                if marker not in renumbered:
                    renumbered[marker] = len(renumbered) + 1
                    citations.append(citation.model_copy(update={"marker": renumbered[marker]}))
                markers.append(renumbered[marker])
            kept_sentences.append(
                AnswerSentence(text=claim_of(sentence.text), markers=markers, supported=bool(markers))
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
        direct = _verified_direct(
            answer.direct_answer, {m: found[0] for m, found in located.items()}, renumbered
        )
        parts = [
            part.model_copy(
                update={
                    "markers": [renumbered[m] for m in part.markers if m in renumbered],
                    "covered": part.covered and any(m in renumbered for m in part.markers),
                    "answer": part.answer if any(m in renumbered for m in part.markers) else None,
                }
            )
            for part in answer.parts
        ]
        checked = answer.model_copy(
            update={"direct_answer": direct, "parts": parts, "sentences": kept_sentences}
        )
        return answer.model_copy(
            update={
                "answer": compose_text(checked),
                "direct_answer": direct,
                "parts": parts,
                "citations": citations,
                "sentences": kept_sentences,
                "removed_sentences": removed,
            }
        )
