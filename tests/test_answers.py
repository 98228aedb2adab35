"""Answers through the public Assistant API over the sample corpus: grounded, cited, or abstained."""

from __future__ import annotations

import pytest

UNANSWERABLE = [
    "What did the Turkish president say in Ankara?",
    "What is the capital of France?",
    "Who won the football match between Iran and Syria?",
    "What did the Pope say about climate change?",
]


@pytest.mark.parametrize("question", UNANSWERABLE)
def test_unanswerable_questions_abstain(components, question: str) -> None:  # type: ignore[no-untyped-def]
    answer = components.assistant().ask(question)
    assert answer.abstained, answer.answer
    assert answer.answer.startswith("The archive does not say")
    assert answer.citations == []


@pytest.mark.parametrize(
    ("question", "expected", "article"),
    [
        ("How many Syrian forces did the US-led attack kill?", "85", "004_92eb43aadcb4a738.txt"),
        ("Who is Russia's defence minister?", "Shoigu", "003_482dfbd78e828b66.txt"),
        ("Where did Jaberi Ansari meet Assad?", "Damascus", "004_92eb43aadcb4a738.txt"),
        ("What did Freij say while on his trip to Iran?", "terrorism", "000_08a30185b96717b7.txt"),
    ],
)
def test_answerable_questions_cite_the_right_article(
    components, question: str, expected: str, article: str
) -> None:  # type: ignore[no-untyped-def]
    answer = components.assistant().ask(question)
    assert not answer.abstained, answer.answer
    assert expected in answer.answer
    assert any(c.source.endswith(article) for c in answer.citations)


def test_citation_offsets_point_into_stored_article(components) -> None:  # type: ignore[no-untyped-def]
    answer = components.assistant().ask("Who met in Tehran and when?")
    for citation in answer.citations:
        stored = components.store.get_article(citation.doc_id)
        assert stored is not None
        assert stored.text[citation.start : citation.end] == citation.quote


def test_citation_check_drops_a_citation_that_does_not_support_its_sentence(components) -> None:  # type: ignore[no-untyped-def]
    from newsdesk.rag.models import AnswerSentence
    from newsdesk.rag.verify import CitationCheck

    answer = components.assistant().ask("How many Syrian forces did the US-led attack kill?")
    good = answer.citations[0]
    forged = answer.model_copy(
        update={
            "sentences": [
                AnswerSentence(text=good.quote, markers=[good.marker]),
                AnswerSentence(
                    text="The attack killed 4,000 Turkish soldiers in Ankara.", markers=[good.marker]
                ),
                AnswerSentence(text="It was approved by the Pope.", markers=[99]),
            ]
        }
    )
    checked = CitationCheck(components.store, components.judge).verify(forged)
    verdicts = [s.supported for s in checked.sentences]
    assert verdicts == [True, False, False]
    assert "Ankara" not in checked.answer and "Pope" not in checked.answer
    assert [c.marker for c in checked.citations] == [1]


def test_an_answer_reads_the_articles_it_cites_in_one_query(components, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import copy

    from newsdesk.rag.assistant import Assistant
    from newsdesk.rag.verify import CitationCheck

    store = copy.copy(components.store)
    reads: list[list[str]] = []
    read_many, read_one = store.get_articles, store.get_article

    def get_articles(doc_ids):  # type: ignore[no-untyped-def]
        reads.append(list(doc_ids))
        return read_many(reads[-1])

    def get_article(doc_id: str):  # type: ignore[no-untyped-def]
        reads.append([doc_id])
        return read_one(doc_id)

    monkeypatch.setattr(store, "get_articles", get_articles)
    monkeypatch.setattr(store, "get_article", get_article)
    shipped = components.assistant()
    assistant = Assistant(
        shipped.retriever, shipped.engine, CitationCheck(store, components.judge), components.judge
    )

    answer = assistant.ask("Who met in Tehran and when?")

    cited = {citation.doc_id for citation in answer.citations}
    assert len(cited) >= 2, answer.answer  # two articles, verified and read in context from one query
    assert len(reads) == 1 and set(reads[0]) >= cited
    assert all(citation.context and citation.quote in citation.context for citation in answer.citations)
    assert answer == shipped.ask("Who met in Tehran and when?")
