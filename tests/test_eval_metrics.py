"""The evaluation's measures through the public API, on the sample store with the real components:
the support test shared with the citation check, ALCE citation recall/precision, retrieval
recall@k/MRR, and the gate against an engine that invents facts behind [n] markers."""

from __future__ import annotations

from pathlib import Path

from newsdesk.eval.dataset import EvalQuestion, bundled_dataset, load_dataset, matches_gold
from newsdesk.eval.gate import gate
from newsdesk.eval.metrics import citation_score, retrieval_score
from newsdesk.eval.run import run_evaluation
from newsdesk.eval.score import aggregate
from newsdesk.rag.assistant import Assistant
from newsdesk.rag.engines.base import AnswerEngine
from newsdesk.rag.models import Answer, AnswerSentence, Citation, Passage

DAYR = "How many Syrian forces did the US-led attack kill?"


def _citations(components, question: str) -> list[Citation]:  # type: ignore[no-untyped-def]
    answer = components.assistant().ask(question)
    assert not answer.abstained, answer.answer
    return answer.citations


def test_gold_documents_match_whole_trailing_path_parts() -> None:
    assert matches_gold("/data/bbc/business/001.txt", "business/001.txt")
    assert matches_gold("/data/seeds/000_08a30185b96717b7.txt", "000_08a30185b96717b7.txt")
    assert not matches_gold("/data/bbc/tech/001.txt", "business/001.txt")
    assert not matches_gold("/data/bbc/business/1001.txt", "001.txt")


def test_retrieval_recall_and_reciprocal_rank_rank_articles_not_chunks() -> None:
    def passage(source: str) -> Passage:
        return Passage(
            chunk_id=source + "#c", doc_id=source, text="x", start=0, end=1, score=1.0, source=source
        )

    ranked = [passage("/a/tech/002.txt"), passage("/a/tech/002.txt"), passage("/a/business/001.txt")]
    score = retrieval_score(ranked, ["business/001.txt", "sport/009.txt"])
    assert score is not None
    assert score.recall_at_k == 0.5
    assert score.reciprocal_rank == 0.5  # second article, although third passage
    assert retrieval_score(ranked, []) is None


def test_support_test_is_the_citation_checks_own(components) -> None:  # type: ignore[no-untyped-def]
    checker = components.assistant().checker
    cited = _citations(components, DAYR)[0]
    assert checker.supports(cited.quote, [cited])
    assert not checker.supports("The attack killed 4,000 Turkish soldiers in Ankara.", [cited])
    forged = cited.model_copy(update={"quote": "Words that no stored article holds at all."})
    assert not checker.supports(forged.quote, [forged])


def test_alce_precision_counts_a_citation_that_adds_nothing_as_irrelevant(components) -> None:  # type: ignore[no-untyped-def]
    checker = components.assistant().checker
    dayr = _citations(components, DAYR)[0]
    shoigu = _citations(components, "Who is Russia's defence minister?")[0].model_copy(update={"marker": 2})
    dayr = dayr.model_copy(update={"marker": 1})
    draft = Answer(
        question="q",
        answer="",
        abstained=False,
        engine="test",
        citations=[dayr, shoigu],
        sentences=[
            AnswerSentence(text=dayr.quote, markers=[1, 2]),  # supported; citation 2 is irrelevant
            AnswerSentence(text="Iran sent 4,000 troops to Ankara in 1999.", markers=[2]),  # unsupported
            AnswerSentence(text=shoigu.quote, markers=[]),  # no citation: unsupported
        ],
    )
    score = citation_score(draft, checker.supports)
    assert [s.supported for s in score.sentences] == [True, False, False]
    assert score.sentences[0].relevant_markers == [1]
    assert (score.supported, score.citations, score.relevant) == (1, 3, 1)


def test_citation_check_counts_the_sentences_it_removed(components) -> None:  # type: ignore[no-untyped-def]
    assistant = components.assistant()
    cited = _citations(components, DAYR)[0]
    draft = Answer(
        question="q",
        answer="",
        abstained=False,
        engine="test",
        citations=[cited],
        sentences=[
            AnswerSentence(text=cited.quote, markers=[cited.marker]),
            AnswerSentence(
                text="The attack killed 4,000 Turkish soldiers in Ankara.", markers=[cited.marker]
            ),
        ],
    )
    checked = assistant.checker.verify(draft)
    assert checked.removed_sentences == 1
    assert [s.supported for s in checked.sentences] == [True, False]


class InventingEngine(AnswerEngine):
    """An engine that answers from outside the archive: plausible sentences that no article states,
    each marked as citing a real retrieved passage (what an LLM engine that invents facts does)."""

    name = "inventing"

    def answer(self, question: str, passages: list[Passage]) -> Answer:
        top = passages[0]
        citation = Citation(
            marker=1, doc_id=top.doc_id, source=top.source, quote=top.text, start=top.start, end=top.end
        )
        invented = [
            "The talks were chaired by the Chinese foreign minister Wang Yi in Beijing in 2009.",
            "Officials said 12,000 Turkish soldiers crossed into Armenia on 3 May 1998.",
        ]
        return Answer(
            question=question,
            answer=" ".join(f"{s} [1]" for s in invented),
            abstained=False,
            engine=self.name,
            citations=[citation],
            sentences=[AnswerSentence(text=s, markers=[1]) for s in invented],
        )


def test_an_engine_that_invents_facts_fails_the_gate(components) -> None:  # type: ignore[no-untyped-def]
    real = components.assistant()
    inventing = Assistant(real.retriever, InventingEngine(), real.checker, real.judge)
    questions = [q for q in load_dataset(bundled_dataset()) if q.answerable][:4]
    results = run_evaluation(inventing, questions)
    summary = aggregate(results)
    assert summary["unsupported_share"] == 1.0
    assert summary["citation_recall"] == 0.0
    assert summary["draft_sentences"] == 8
    verdict = gate(summary, components.settings.gate)
    assert not verdict["passed"]
    failed = " ".join(verdict["failed"])
    assert "citation_recall" in failed and "unsupported_share" in failed
    # The check dropped every invented sentence, so the user saw an abstention, never the invention.
    assert all(r.abstained and "Wang Yi" not in r.answer for r in results)


def test_sample_set_gold_documents_are_the_bundled_articles() -> None:
    names = {
        path.name for path in (Path(bundled_dataset()).parents[2] / "newsdesk" / "sample_corpus").iterdir()
    }
    for question in load_dataset(bundled_dataset()):
        assert isinstance(question, EvalQuestion)
        assert set(question.gold_docs) <= names, question.id
        assert question.answerable == bool(question.must_include), question.id
