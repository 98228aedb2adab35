"""The measures of one answer: retrieval of the gold articles, and citation quality (ALCE).

Citation recall and precision follow ALCE (Gao et al. 2023), with the answer pipeline's own
support test (`CitationCheck.supports`, which asks the support judge, rag.judge) in place of ALCE's NLI
model; the run may be given another check (the heuristic judge's, a yardstick that can be named):
- a sentence is supported when its citations, together, support it (no citation: unsupported);
- a citation is relevant unless it alone does not support its sentence AND the sentence's other
  citations support it just as well without it; every citation of an unsupported sentence is
  irrelevant.
Both are measured on the engine's draft sentences (see eval.draft).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from newsdesk.eval.dataset import matches_gold
from newsdesk.rag.models import Answer, AnswerSentence, Citation, Passage
from pydantic import BaseModel

SupportTest = Callable[[str, Sequence[Citation]], bool]


class RetrievalScore(BaseModel):
    recall_at_k: float = 0.0
    reciprocal_rank: float = 0.0


class SentenceVerdict(BaseModel):
    text: str
    markers: list[int]
    supported: bool
    relevant_markers: list[int]


class CitationScore(BaseModel):
    sentences: list[SentenceVerdict]

    @property
    def supported(self) -> int:
        return sum(s.supported for s in self.sentences)

    @property
    def citations(self) -> int:
        return sum(len(s.markers) for s in self.sentences)

    @property
    def relevant(self) -> int:
        return sum(len(s.relevant_markers) for s in self.sentences)


def retrieval_score(passages: Sequence[Passage], gold_docs: Sequence[str]) -> RetrievalScore | None:
    """Recall@k: the share of gold articles among the retrieved passages' articles; reciprocal rank:
    1/rank of the first gold article, ranking articles by their best passage. None without gold."""
    if not gold_docs:
        return None
    ranked_sources = list(dict.fromkeys(p.source for p in passages))
    found = [gold for gold in gold_docs if any(matches_gold(source, gold) for source in ranked_sources)]
    first = next(
        (
            rank
            for rank, source in enumerate(ranked_sources, 1)
            if any(matches_gold(source, g) for g in gold_docs)
        ),
        None,
    )
    return RetrievalScore(
        recall_at_k=len(found) / len(gold_docs), reciprocal_rank=1.0 / first if first else 0.0
    )


def _verdict(sentence: AnswerSentence, cited: dict[int, Citation], supports: SupportTest) -> SentenceVerdict:
    markers = [m for m in dict.fromkeys(sentence.markers) if m in cited]
    together = bool(markers) and supports(sentence.text, [cited[m] for m in markers])
    relevant: list[int] = []
    if together:
        for marker in markers:
            others = [cited[m] for m in markers if m != marker]
            alone = supports(sentence.text, [cited[marker]])
            # The test only when it matters: with one citation, or one that supports alone, it is relevant.
            if alone or not others or not supports(sentence.text, others):
                relevant.append(marker)
    # A marker pointing at no citation counts as a citation, never a relevant one.
    all_markers = list(dict.fromkeys(sentence.markers))
    return SentenceVerdict(
        text=sentence.text, markers=all_markers, supported=together, relevant_markers=relevant
    )


def citation_score(draft: Answer, supports: SupportTest) -> CitationScore:
    """ALCE citation recall and precision of every sentence of the engine's draft."""
    if draft.abstained:
        return CitationScore(sentences=[])
    cited = {c.marker: c for c in draft.citations}
    return CitationScore(sentences=[_verdict(s, cited, supports) for s in draft.sentences])
