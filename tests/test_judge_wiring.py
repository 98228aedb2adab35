"""The support judge where the heuristic was: the citation check, the abstention gate before every engine,
the extractive engine's sentence choice and the evaluation's citation metrics, all asking the one judge the
components build. Real sample store and articles; a scripted judge (scores the test sets) shows which
judgement decided, the heuristic judge shows the old behaviour kept."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pytest
from newsdesk.eval.dataset import bundled_dataset, load_dataset
from newsdesk.eval.report import render_markdown
from newsdesk.eval.run import evaluate
from newsdesk.rag.assistant import Assistant
from newsdesk.rag.engines.base import AnswerEngine
from newsdesk.rag.engines.extractive import ExtractiveEngine
from newsdesk.rag.judge import HeuristicJudge, SupportJudge
from newsdesk.rag.models import Answer, AnswerSentence, Citation, Passage
from newsdesk.rag.verify import CitationCheck

TEHRAN = "Who met in Tehran and when?"


class ScriptedJudge(SupportJudge):
    """A judge whose scores the test decides; it records what it was asked."""

    name = "scripted"

    def __init__(
        self,
        answer: Callable[[str, str], float] = lambda question, sentence: 0.9,
        support: Callable[[str, str], float] = lambda claim, passage: 0.9,
    ) -> None:
        self._answer, self._support = answer, support
        self.answers_threshold = 0.5
        self.supports_threshold = 0.5
        self.answer_calls: list[tuple[str, list[str]]] = []
        self.support_calls: list[list[tuple[str, str]]] = []

    def answer_scores(self, question: str, sentences: Sequence[str]) -> np.ndarray:
        self.answer_calls.append((question, list(sentences)))
        return np.array([self._answer(question, s) for s in sentences])

    def support_scores(self, pairs: Sequence[tuple[str, str]]) -> np.ndarray:
        self.support_calls.append(list(pairs))
        return np.array([self._support(claim, passage) for claim, passage in pairs])


class RecordingEngine(AnswerEngine):
    """An engine that says what it was asked and answers with a paraphrase citing the first passage."""

    name = "recording"

    def __init__(self) -> None:
        self.asked: list[str] = []

    def answer(self, question: str, passages: list[Passage]) -> Answer:
        self.asked.append(question)
        top = passages[0]
        citation = Citation(
            marker=1, doc_id=top.doc_id, source=top.source, quote=top.text, start=top.start, end=top.end
        )
        sentence = "A paraphrase that the judge decides about."
        return Answer(
            question=question,
            answer=f"{sentence} [1]",
            abstained=False,
            engine=self.name,
            citations=[citation],
            sentences=[AnswerSentence(text=sentence, markers=[1])],
        )


def _pipeline(components, judge: SupportJudge, engine: AnswerEngine | None = None) -> Assistant:  # type: ignore[no-untyped-def]
    shipped = components.assistant()
    return Assistant(
        shipped.retriever,
        engine or ExtractiveEngine(judge, components.question_analyzer),
        CitationCheck(components.store, judge),
        judge,
    )


def _tehran_citations(components) -> list[Citation]:  # type: ignore[no-untyped-def]
    answer = components.assistant().ask(TEHRAN)
    assert not answer.abstained and len(answer.citations) >= 2, answer.answer
    return answer.citations


def test_the_components_build_one_judge_for_every_place(components) -> None:  # type: ignore[no-untyped-def]
    assistant = components.assistant()
    assert assistant.judge is components.judge
    assert assistant.checker.judge is components.judge
    assert assistant.engine._judge is components.judge  # the extractive engine ranks with it
    assert components.citation_check() is assistant.checker


def test_judge_settings_override_the_judges_own_thresholds(sample_store) -> None:  # type: ignore[no-untyped-def]
    from newsdesk.components import Components
    from newsdesk.settings import load_settings

    settings = load_settings(
        store={"path": sample_store},
        judge={"kind": "heuristic", "answers_threshold": 0.7, "supports_threshold": 0.2},
    )
    judge = Components(settings).judge
    assert isinstance(judge, HeuristicJudge) and judge.name == "heuristic"
    assert (judge.answers_threshold, judge.supports_threshold) == (0.7, 0.2)
    own = Components(load_settings(store={"path": sample_store}, judge={"kind": "heuristic"})).judge
    # Unset: the heuristic's own, the extractive engine's old min_support and the citation check's 0.6.
    assert (own.answers_threshold, own.supports_threshold) == (settings.engine.min_support, 0.6)


def test_the_judge_settings_are_read_from_the_environment(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from newsdesk.settings import load_settings

    monkeypatch.setenv("NEWSDESK_JUDGE__KIND", "heuristic")
    monkeypatch.setenv("NEWSDESK_JUDGE__SUPPORTS_THRESHOLD", "0.8")
    settings = load_settings()
    assert settings.judge.kind == "heuristic" and settings.judge.supports_threshold == 0.8
    monkeypatch.setenv("NEWSDESK_JUDGE__KIND", "overlap")
    with pytest.raises(ValueError, match="trained"):
        load_settings()


def test_verify_judges_every_pair_of_an_answer_in_one_batch(components) -> None:  # type: ignore[no-untyped-def]
    first, second = _tehran_citations(components)[:2]
    judge = ScriptedJudge(support=lambda claim, passage: 0.9 if "ministers" in claim else 0.1)
    draft = Answer(
        question=TEHRAN,
        answer="",
        abstained=False,
        engine="test",
        citations=[first, second],
        sentences=[
            AnswerSentence(text=first.quote, markers=[1]),  # verbatim: holds without asking
            AnswerSentence(text="Defence ministers met in Tehran. [1]", markers=[1, 2]),
            AnswerSentence(text="Turkey invaded Armenia.", markers=[2]),
        ],
    )
    checked = CitationCheck(components.store, judge).verify(draft)
    assert len(judge.support_calls) == 1  # one batch for the whole answer
    claims = [claim for claim, _ in judge.support_calls[0]]
    assert claims == [
        "Defence ministers met in Tehran.",
        "Defence ministers met in Tehran.",
        "Turkey invaded Armenia.",
    ]
    # Each quote goes with its neighbouring sentences.
    for (_, passage), citation in zip(judge.support_calls[0], [first, second, second], strict=True):
        assert citation.quote in passage and len(passage) > len(citation.quote)
    assert [s.supported for s in checked.sentences] == [True, True, False]
    assert checked.removed_sentences == 1 and "Turkey" not in checked.answer


def test_the_citation_check_drops_what_the_judge_does_not_support(components) -> None:  # type: ignore[no-untyped-def]
    cited = _tehran_citations(components)[0]
    paraphrase = "Iran, Russia and Syria's defence ministers met in Tehran."
    rejecting = CitationCheck(components.store, ScriptedJudge(support=lambda claim, passage: 0.2))
    accepting = CitationCheck(components.store, ScriptedJudge(support=lambda claim, passage: 0.8))
    assert not rejecting.supports(paraphrase, [cited])
    assert accepting.supports(paraphrase, [cited])
    assert rejecting.supports(cited.quote, [cited])  # verbatim in the quote: no judge needed
    forged = cited.model_copy(update={"quote": "Words that no stored article holds at all."})
    assert not accepting.supports(forged.quote, [forged])  # a quote not in its article never counts


def test_nothing_answers_so_no_engine_runs_and_the_reason_names_the_closest_sentence(components) -> None:  # type: ignore[no-untyped-def]
    judge = ScriptedJudge(answer=lambda question, sentence: 0.4 if "Thursday" in sentence else 0.1)
    engine = RecordingEngine()
    answer = _pipeline(components, judge, engine).ask(TEHRAN)
    assert answer.abstained and engine.asked == []
    [(question, sentences)] = judge.answer_calls
    assert question == TEHRAN and len(sentences) > 3
    closest = next(s for s in sentences if "Thursday" in s)
    assert "but no sentence that answers this; closest:" in answer.answer
    assert " ".join(closest.split()) in answer.answer
    assert "003_482dfbd78e828b66" in answer.answer or "Iran, Russia and Syria" in answer.answer


def test_an_engine_runs_when_a_sentence_answers(components) -> None:  # type: ignore[no-untyped-def]
    judge = ScriptedJudge(answer=lambda question, sentence: 0.6 if "Thursday" in sentence else 0.1)
    engine = RecordingEngine()
    answer = _pipeline(components, judge, engine).ask(TEHRAN)
    assert engine.asked == [TEHRAN]
    assert not answer.abstained  # the scripted judge supports the paraphrase


def test_the_anchor_gate_still_speaks_first(components) -> None:  # type: ignore[no-untyped-def]
    judge = ScriptedJudge()
    answer = _pipeline(components, judge, RecordingEngine()).ask(
        "What did the Pope say about climate change?"
    )
    assert answer.abstained and "no article mentions" in answer.answer
    assert judge.answer_calls == []


def test_a_follow_up_is_judged_as_the_standalone_question(components) -> None:  # type: ignore[no-untyped-def]
    judge = ScriptedJudge(answer=lambda question, sentence: 0.1)
    _pipeline(components, judge, RecordingEngine()).ask("and when?", history=[(TEHRAN, "...")])
    [(question, _)] = judge.answer_calls
    assert question.startswith(TEHRAN) and question.endswith("and when?")


def test_the_extractive_engine_picks_the_sentences_the_judge_scores_highest(components) -> None:  # type: ignore[no-untyped-def]
    def answer(question: str, sentence: str) -> float:
        return (
            0.95
            if "Dehghan" in sentence
            else 0.9
            if "Freij" in sentence
            else 0.6
            if "Assad" in sentence
            else 0.1
        )

    judge = ScriptedJudge(answer=answer)
    result = _pipeline(components, judge).ask(TEHRAN)
    assert not result.abstained
    chosen = [s.text for s in result.sentences]
    quotes = {c.marker: c.quote for c in result.citations}
    # The "who" part is answered by the judge's best sentences (≥ 0.8 × the best: the 0.6 ones are out).
    who, when = result.parts
    who_sentences = [quotes[m] for m in who.markers]
    assert who_sentences and all("Dehghan" in s or "Freij" in s for s in who_sentences), who_sentences
    assert any("Dehghan" in s for s in chosen) and any("Freij" in s for s in chosen)
    # The "when" part may add sentences that give a date (the judge's 0.6 ones), but nothing it scores 0.1.
    assert when.covered and when.answer and all(when.answer in quotes[m] for m in when.markers[:1])
    assert all(answer(TEHRAN, s) > 0.1 for s in chosen)
    # Articles in the order of their first chosen sentence: Dehghan's article (the best) first.
    dehghan_article = next(c.doc_id for c in result.citations if "Dehghan" in c.quote)
    assert result.citations[0].doc_id == dehghan_article


def test_the_heuristic_judge_keeps_the_old_support_rules(components) -> None:  # type: ignore[no-untyped-def]
    judge = HeuristicJudge(components.embedder)
    quote = (
        "The defence ministers of allies Iran, Russia and Syria on Thursday held talks in Tehran on pressing "
        "the fight against opponents of Syrian President Bashar al-Assad."
    )
    scores = judge.support_scores(
        [
            (quote[:60], quote),  # verbatim
            ("The defence ministers of Iran, Russia and Syria met in Ankara.", quote),  # Ankara is not there
            ("The defence ministers of Iran, Russia and Syria held talks in Tehran on Thursday.", quote),
            ("Farmers harvested a record wheat crop this autumn.", quote),
        ]
    )
    assert scores[0] == 1.0 and scores[1] == 0.0
    assert scores[2] >= judge.supports_threshold > scores[3]


def test_the_pipelines_judge_reads_figures_and_demonyms(components) -> None:  # type: ignore[no-untyped-def]
    """Two of issue 14's heuristic misses: "12." did not match 12, "Iranian" did not match "Iran's".
    (A swapped name opening a claim is still not checked: on the tune pairs the check cost more true
    paraphrases than it caught swaps.)"""
    judge = components.judge
    quote = (
        "Iran's defence minister said on Thursday that 12 Russian jets had landed at Hamedan air base. "
        "Moscow said the jets would stay for weeks."
    )
    scores = judge.support_scores(
        [
            ("Iran's defence minister said 12 Syrian jets had landed at Hamedan air base.", quote),
            ("The Iranian defence minister said 12 Russian jets had landed at Hamedan air base.", quote),
            ("Iran's defence minister said the Russian jets at Hamedan air base numbered 12.", quote),
            ("Iran's defence minister said the Russian jets at Hamedan air base numbered 14.", quote),
        ]
    )
    assert scores[0] == 0.0 and scores[3] == 0.0
    assert min(scores[1], scores[2]) >= judge.supports_threshold


def test_the_heuristic_judge_reads_figures_written_as_words(components) -> None:  # type: ignore[no-untyped-def]
    """A figure swapped in words ("three elections" for "four") passed the check: only digits were figures.
    The quote is a BBC politics story's sentence with its neighbours (bbc/politics, Lynton Crosby)."""
    judge = components.judge
    quote = (
        'Mr Howard later added there was not "one iota" of truth in the report. The strategist helped '
        "Australia's PM, John Howard, win four elections. Mr Howard appointed Mr Crosby as his elections "
        "chief last October."
    )
    scores = judge.support_scores(
        [
            ("The strategist helped Australia's PM, John Howard, win three elections.", quote),
            ("The strategist helped Australia's PM, John Howard, win 3 elections.", quote),
            ("The strategist helped Australian PM John Howard win 4 elections.", quote),
            ("The strategist helped John Howard, Australia's PM, win four elections.", quote),
        ]
    )
    assert scores[0] == 0.0 and scores[1] == 0.0
    assert min(scores[2], scores[3]) >= judge.supports_threshold


def test_the_heuristic_judge_ranks_the_sentence_that_states_the_asked_fact_first(components) -> None:  # type: ignore[no-untyped-def]
    judge = HeuristicJudge(components.embedder)
    sentences = [
        "The defence ministers of allies Iran, Russia and Syria on Thursday held talks in Tehran.",
        "Farmers harvested a record wheat crop this autumn in the north of the country.",
    ]
    scores = judge.answer_scores(TEHRAN, sentences)
    assert scores[0] >= judge.answers_threshold > scores[1]
    assert all(0.0 <= s <= 1.0 for s in scores)


def test_the_evaluation_judges_citations_with_the_check_it_is_given(components) -> None:  # type: ignore[no-untyped-def]
    questions = [q for q in load_dataset(bundled_dataset()) if q.answerable][:2]
    inventing = components.assistant().with_engine(RecordingEngine())
    pipeline = evaluate([inventing], questions, "sample", components.settings.gate)
    assert pipeline["citation_judge"] == components.judge.name
    lenient = ScriptedJudge(support=lambda claim, passage: 0.9)
    judged = evaluate(
        [inventing],
        questions,
        "sample",
        components.settings.gate,
        citation_check=CitationCheck(components.store, lenient),
    )
    assert judged["citation_judge"] == "scripted"
    assert judged["citation_recall"] == 1.0 > pipeline["citation_recall"]
    assert "citations judged by scripted" in render_markdown(judged)


def test_the_heuristic_judge_reads_a_sentence_in_its_article(components) -> None:  # type: ignore[no-untyped-def]
    judge = HeuristicJudge(components.embedder)
    sentence = "The defence ministers held talks on Thursday on pressing the fight against the rebels."
    tehran = "Iran hosted the talks in Tehran. " + sentence
    damascus = "A minister spoke in Damascus about the rebels, who met on Monday."
    alone, in_article = judge.answer_scores_in_articles(TEHRAN, [sentence, sentence], [sentence, tehran])
    # "Tehran" only in the article counts half: the article sets the topic, the sentence the answer.
    assert in_article > alone
    # An article that never names Tehran does not answer while another article does.
    scores = judge.answer_scores_in_articles(TEHRAN, [sentence, damascus], [tehran, damascus])
    assert scores[1] == 0.0 < scores[0]


class CountingEmbedder:
    """The real embedder, counting the questions it embeds."""

    def __init__(self, embedder) -> None:  # type: ignore[no-untyped-def]
        self._embedder = embedder
        self.questions: list[str] = []

    def get_query_embedding(self, query: str) -> list[float]:
        self.questions.append(query)
        return self._embedder.get_query_embedding(query)

    def get_text_embedding_batch(self, texts: list[str]) -> list[list[float]]:
        return self._embedder.get_text_embedding_batch(texts)


def test_the_gate_and_the_extractive_engine_score_the_sentences_once(components) -> None:  # type: ignore[no-untyped-def]
    embedder = CountingEmbedder(components.embedder)
    judge = HeuristicJudge(embedder)  # type: ignore[arg-type]
    answer = _pipeline(components, judge).ask(TEHRAN)
    assert not answer.abstained
    # The gate scores the question once; a two-part question's engine then scores each part once (a
    # one-part question's engine asks the gate's question again, and reuses its scores).
    parts = [part.text for part in components.question_analyzer.parts(TEHRAN)]
    assert embedder.questions == [TEHRAN, *parts]
    assert len(parts) == 2
    single = "Which Iranian defence minister did IRNA quote on bilateral cooperation with Syria?"
    counting = CountingEmbedder(components.embedder)
    assert not _pipeline(components, HeuristicJudge(counting)).ask(single).abstained  # type: ignore[arg-type]
    assert counting.questions == [single]
