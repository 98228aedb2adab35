"""The LLM engine given a question analyser (rag/engines/llm.py `QuestionParts`): the prompt lists the
question's parts and the type of answer each wants (prompts/answer_parts.md), and a reply that says the
archive does not say for one part keeps its answer to another. Run against the fake OpenAI-compatible server
(tests/fixtures/fake_openai_server.py) over the sample store; the analyser is a stand-in with a `parts` method
(the real one is newsdesk.rag.question_analysis)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fixtures.engines import llm_engine_with_parts
from tests.fixtures.fake_openai_server import FakeOpenAIServer, running_fake_server

TEHRAN = "Who met in Tehran and when?"


class StubAnalyzer:
    """Splits "Who met in Tehran and when?" in two, as the question analyser would; one part otherwise."""

    def __init__(self) -> None:
        self.asked: list[str] = []

    def parts(self, question: str):  # type: ignore[no-untyped-def]
        from newsdesk.rag.models import QuestionPart

        self.asked.append(question)
        if question == TEHRAN:
            return [
                QuestionPart(text="Who met in Tehran?", answer_type="person", focus=["Tehran"]),
                QuestionPart(text="When did they meet in Tehran?", answer_type="date", focus=["Tehran"]),
            ]
        return [QuestionPart(text=question, answer_type="thing")]


@pytest.fixture(scope="module")
def server() -> Iterator[FakeOpenAIServer]:
    with running_fake_server("grounded") as running:
        yield running


@pytest.fixture(scope="module")
def components(sample_store: Path, server: FakeOpenAIServer):  # type: ignore[no-untyped-def]
    from newsdesk.components import Components
    from newsdesk.settings import load_settings

    engine = {"mode": "openai", "openai_base_url": server.base_url, "openai_model": "grounded"}
    return Components(load_settings(store={"path": sample_store}, engine=engine))


def _with_parts(components, analyzer):  # type: ignore[no-untyped-def]
    return components.engine(), llm_engine_with_parts(components, analyzer)


def test_the_prompt_lists_each_part_and_its_answer_type(components) -> None:  # type: ignore[no-untyped-def]
    analyzer = StubAnalyzer()
    plain, engine = _with_parts(components, analyzer)
    passages = components.assistant().retriever.retrieve(TEHRAN)
    sources = engine.sources(TEHRAN, passages)
    system, user = engine.messages(TEHRAN, sources)
    assert analyzer.asked == [TEHRAN]
    assert user.content.endswith(
        f"Question: {TEHRAN}\n\nThe question asks for:\n"
        "1. Who met in Tehran? (answer: a person)\n"
        "2. When did they meet in Tehran? (answer: a date or time)\n"
        "Your answer must cover each part, in this order. For each part, put first the sentence that answers "
        "it, copied word for word with its number. For a part that no sentence answers, write: "
        "The archive does not say."
    )
    # Without an analyser the prompt is the one the engine always sent.
    _, plain_user = plain.messages(TEHRAN, sources)
    assert plain_user.content.endswith(f"Question: {TEHRAN}")
    assert system.content == plain.messages(TEHRAN, sources)[0].content


def test_a_part_the_archive_does_not_answer_keeps_the_other_part(components) -> None:  # type: ignore[no-untyped-def]
    plain, engine = _with_parts(components, StubAnalyzer())
    passages = components.assistant().retriever.retrieve(TEHRAN)
    sources = engine.sources(TEHRAN, passages)
    quote = sources[0].sentences[0].text
    reply = f"{quote} [1]\nThe archive does not say."
    draft = engine.draft(TEHRAN, reply, sources)
    assert not draft.abstained and [s.markers for s in draft.sentences] == [[1]]
    assert "does not say" not in draft.answer  # no claim to check, so none the check would remove
    # Listed parts first, then the one the archive answers.
    draft = engine.draft(TEHRAN, f"The archive does not say.\n{quote} [1]", sources)
    assert not draft.abstained and draft.sentences[0].text == quote.rstrip()
    # Without parts, a reply opening with the abstention is an abstention, as before.
    assert plain.draft(TEHRAN, f"The archive does not say.\n{quote} [1]", sources).abstained
    # A reply saying it of every part abstains.
    assert engine.draft(TEHRAN, "The archive does not say.\nThe archive does not say.", sources).abstained


def test_the_assistant_answers_through_the_parts_prompt(components, server: FakeOpenAIServer) -> None:  # type: ignore[no-untyped-def]
    _, engine = _with_parts(components, StubAnalyzer())
    assistant = components.assistant().with_engine(engine)
    before = len(server.prompts)
    answer = assistant.ask(TEHRAN)
    assert "2. When did they meet in Tehran? (answer: a date or time)" in server.prompts[before]
    assert not answer.abstained and "Tehran" in answer.answer
    for citation in answer.citations:
        stored = components.store.get_article(citation.doc_id)
        assert stored is not None and stored.text[citation.start : citation.end] == citation.quote
