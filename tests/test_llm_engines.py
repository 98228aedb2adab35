"""The openai engine against a real OpenAI-compatible HTTP server on loopback
(tests/fixtures/fake_openai_server.py): answers are grounded and cited, invented facts never survive
the citation check, tokens stream, follow-ups are condensed by the model, and an unusable engine is one
clear error line."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fixtures.cli import run_cli
from tests.fixtures.fake_openai_server import INVENTED, FakeOpenAIServer, running_fake_server

TEHRAN = "Who met in Tehran and when?"
TURKISH = "What did the Turkish president say in Ankara?"


@pytest.fixture(scope="module")
def server() -> Iterator[FakeOpenAIServer]:
    with running_fake_server("grounded") as running:
        yield running


def _components(store: Path, base_url: str, mode: str):  # type: ignore[no-untyped-def]
    from newsdesk.components import Components
    from newsdesk.settings import load_settings

    settings = load_settings(
        store={"path": store}, engine={"mode": "openai", "openai_base_url": base_url, "openai_model": mode}
    )
    return Components(settings)


@pytest.fixture(scope="module")
def grounded(sample_store: Path, server: FakeOpenAIServer):  # type: ignore[no-untyped-def]
    return _components(sample_store, server.base_url, "grounded")


def test_grounded_answer_cites_a_tehran_article_verbatim(grounded) -> None:  # type: ignore[no-untyped-def]
    answer = grounded.assistant().ask(TEHRAN)
    assert not answer.abstained, answer.answer
    assert answer.engine == "openai"
    assert "Tehran" in answer.answer
    assert answer.citations
    for citation in answer.citations:
        stored = grounded.store.get_article(citation.doc_id)
        assert stored is not None and stored.text[citation.start : citation.end] == citation.quote
        assert "Tehran" in citation.quote


def test_tokens_stream_before_the_verified_answer(grounded) -> None:  # type: ignore[no-untyped-def]
    from newsdesk.rag.models import Answer

    items = list(grounded.assistant().stream(TEHRAN))
    deltas, final = items[:-1], items[-1]
    assert isinstance(final, Answer) and not final.abstained
    assert len(deltas) > 5 and all(isinstance(d, str) for d in deltas)  # word by word, not one block
    draft = "".join(deltas)
    assert final.citations[0].quote in draft


def test_unanswerable_question_abstains(grounded) -> None:  # type: ignore[no-untyped-def]
    answer = grounded.assistant().ask(TURKISH)
    assert answer.abstained and answer.citations == []


def test_follow_up_is_condensed_by_the_model(grounded) -> None:  # type: ignore[no-untyped-def]
    history = [(TEHRAN, "The defence ministers of Iran, Russia and Syria held talks in Tehran. [1]")]
    answer = grounded.assistant().ask("What did they decide?", history=history)
    # The fake model's rewrite (prompts/condense.md) is what was searched, not the heuristic's.
    assert answer.retrieval_query == f"{TEHRAN} What did they decide?"
    assert not answer.abstained


def test_evaluation_runs_the_shipped_follow_up_path(grounded, server: FakeOpenAIServer) -> None:  # type: ignore[no-untyped-def]
    from newsdesk.eval.dataset import EvalQuestion
    from newsdesk.eval.run import run_evaluation
    from newsdesk.rag.assistant import retrieval_query

    follow_up = "Which ministers attended the talks on Thursday?"
    history = [(TEHRAN, "The defence ministers of Iran, Russia and Syria held talks in Tehran. [1]")]
    rewrite = f"{TEHRAN} {follow_up}"  # the fake model's condense reply
    assert retrieval_query(follow_up, history) != rewrite  # the assistant's own rule would not search it
    assistant = grounded.assistant()

    before = len(server.prompts)
    shipped = assistant.ask(follow_up, history=history)
    shipped_prompts = server.prompts[before:]
    before = len(server.prompts)
    item = EvalQuestion(id="follow-up", question=follow_up, answerable=True, history=history)
    [result] = run_evaluation(assistant, [item])
    evaluated_prompts = server.prompts[before:]

    assert shipped.retrieval_query == rewrite and not shipped.abstained
    assert "Standalone question:" in evaluated_prompts[0]  # the model's rewrite was asked for
    assert f"Question: {rewrite}" in evaluated_prompts[-1]  # and the answer was asked of it
    assert evaluated_prompts == shipped_prompts  # the same requests as the shipped pipeline
    assert result.answer == shipped.answer


@pytest.mark.parametrize("question", [TEHRAN, "How many Syrian forces did the US-led attack kill?", TURKISH])
def test_invented_facts_never_survive(sample_store: Path, server: FakeOpenAIServer, question: str) -> None:
    answer = _components(sample_store, server.base_url, "inventing").assistant().ask(question)
    assert answer.abstained, answer.answer
    for invented in ("Geneva", "4,000", "2031", "Pope"):
        assert invented not in answer.answer


def test_marker_past_the_sources_gets_no_citation(grounded) -> None:  # type: ignore[no-untyped-def]
    from newsdesk.rag.engines.llm import LLMEngine

    assistant = grounded.assistant()
    engine = assistant.engine
    assert isinstance(engine, LLMEngine)
    passages = assistant.retriever.retrieve(TEHRAN)
    sources = engine.sources(TEHRAN, passages)
    quote = sources[0].sentences[0].text
    reply = f"{quote} [1] Talks were also held on the Moon. [{len(sources) + 1}]"
    draft = engine.draft(TEHRAN, reply, sources)
    assert [s.markers for s in draft.sentences] == [[1], []]
    checked = assistant.checker.verify(draft)
    assert [s.supported for s in checked.sentences] == [True, False]
    assert "Moon" not in checked.answer


def test_cli_streams_the_draft_and_prints_the_verified_answer(sample_store: Path, server) -> None:  # type: ignore[no-untyped-def]
    env = {"NEWSDESK_ENGINE__OPENAI_BASE_URL": server.base_url, "NEWSDESK_ENGINE__OPENAI_MODEL": "inventing"}
    result = run_cli("ask", "--store", str(sample_store), "--engine", "openai", TEHRAN, env=env)
    assert INVENTED.split()[0] in result.stderr  # the draft streamed as it came
    assert "The archive does not say" in result.stdout and "Geneva" not in result.stdout


@pytest.mark.parametrize(
    ("engine", "settings", "message"),
    [
        ("openai", {}, "openai engine: NEWSDESK_ENGINE__OPENAI_BASE_URL is not set"),
        (
            "openai",
            {"openai_base_url": "http://127.0.0.1:9/v1"},
            "openai engine: cannot reach http://127.0.0.1:9/v1/models: connection refused",
        ),
        ("ollama", {}, "ollama engine: NEWSDESK_ENGINE__OLLAMA_MODEL is not set"),
        (
            "ollama",
            {"ollama_model": "qwen2.5:0.5b", "ollama_url": "http://127.0.0.1:9"},
            "ollama engine: cannot reach http://127.0.0.1:9/api/version: connection refused",
        ),
        # "no such GGUF file", or "llama-cpp-python is not installed" without the `local` extra
        ("local", {"local_model": "/nonexistent/model.gguf"}, "local engine: "),
    ],
)
def test_unusable_engine_is_one_clear_error(
    tmp_path: Path, engine: str, settings: dict[str, str], message: str
) -> None:
    from newsdesk.rag.engines.base import EngineUnavailable

    from newsdesk.components import Components
    from newsdesk.settings import Settings

    components = Components(Settings(store={"path": tmp_path / "store"}, engine={"mode": engine, **settings}))
    with pytest.raises(EngineUnavailable) as raised:
        components.assistant()
    assert str(raised.value).startswith(message)
    assert "\n" not in str(raised.value)


def test_cli_reports_an_unreachable_server_in_one_line(sample_store: Path) -> None:
    env = {"NEWSDESK_ENGINE__OPENAI_BASE_URL": "http://127.0.0.1:9/v1"}
    result = run_cli("ask", "--store", str(sample_store), "--engine", "openai", TEHRAN, check=False, env=env)
    assert result.returncode == 2, result.stderr
    assert (
        result.stderr.strip()
        == "Error: openai engine: cannot reach http://127.0.0.1:9/v1/models: connection refused"
    )


def test_a_reply_of_markers_alone_quotes_the_sentences_it_names(grounded) -> None:  # type: ignore[no-untyped-def]
    assistant = grounded.assistant()
    engine = assistant.engine
    passages = assistant.retriever.retrieve(TEHRAN)
    sources = engine.sources(TEHRAN, passages)
    draft = engine.draft(TEHRAN, "[1]", sources)  # what the 1.5B model often replies
    assert not draft.abstained
    assert [s.text for s in draft.sentences] == [sources[0].sentences[0].text]
    assert [c.quote for c in draft.citations] == [sources[0].sentences[0].text]
    assert all(s.supported for s in assistant.checker.verify(draft).sentences)
    assert engine.draft(TEHRAN, f"[{len(sources) + 1}]", sources).abstained  # a marker past the sources
