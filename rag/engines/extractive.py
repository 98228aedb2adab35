"""The extractive engine: answers with sentences copied verbatim from the archive, each cited.

No language model, so nothing can be invented: the engine only chooses which retrieved sentences
answer the question, ranking them by the support judge's answer score (rag.judge), and abstains when
none reaches the judge's threshold.
"""

from __future__ import annotations

from dataclasses import dataclass

from newsdesk.rag.candidates import CandidateSentence, candidate_sentences
from newsdesk.rag.engines.base import AnswerEngine, abstained_answer, cite
from newsdesk.rag.judge import SupportJudge
from newsdesk.rag.models import Answer, AnswerSentence, Passage


@dataclass
class _Scored:
    sentence: CandidateSentence
    score: float


class ExtractiveEngine(AnswerEngine):
    """Chooses up to `max_sentences` answering sentences, at most `per_article` from one article."""

    name = "extractive"

    def __init__(
        self,
        judge: SupportJudge,
        max_sentences: int = 3,
        per_article: int = 2,
        relative_cutoff: float = 0.8,
    ) -> None:
        self._judge = judge
        self.max_sentences = max_sentences
        self.per_article = per_article
        self.relative_cutoff = relative_cutoff

    def _select(self, scored: list[_Scored]) -> list[CandidateSentence]:
        ranked = sorted(scored, key=lambda c: c.score, reverse=True)
        floor = max(self._judge.answers_threshold, self.relative_cutoff * ranked[0].score)
        eligible = [c.sentence for c in ranked if c.score >= floor]
        chosen: list[CandidateSentence] = []
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
        candidates = candidate_sentences(passages)
        scores = (
            self._judge.answer_scores_in_articles(
                question, [c.text for c in candidates], [c.article for c in candidates]
            )
            if candidates
            else []
        )
        scored = [_Scored(c, float(s)) for c, s in zip(candidates, scores, strict=True)]
        if not scored or max(c.score for c in scored) < self._judge.answers_threshold:
            reason = "no retrieved sentence answers this question closely enough."
            return abstained_answer(question, reason, self.name)
        sentences, citations = [], []
        for marker, candidate in enumerate(self._select(scored), start=1):
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
