"""Filters: from flags, JSONL lines and the question itself, applied to dense and BM25 retrieval."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from newsdesk.rag.filters import FilterError, filters_from_flags
from newsdesk.rag.models import Filters
from newsdesk.rag.stated_filters import stated_filters

from tests.fixtures.cli import SHARED_CORPORA, json_lines, run_cli

OUTLETS = ["AFP", "Press TV", "Reuters"]
PRESS_TV = "004_92eb43aadcb4a738.txt"


@pytest.mark.parametrize(
    ("question", "date_from", "date_to", "outlets", "query"),
    [
        ("Who met in Tehran in 2016?", date(2016, 1, 1), date(2016, 12, 31), [], "Who met in Tehran?"),
        ("What happened in September 2016 in Syria?", date(2016, 9, 1), date(2016, 9, 30), [], None),
        ("What did OPEC decide since March 1987?", date(1987, 3, 1), None, [], "What did OPEC decide?"),
        ("What were oil prices before 2010?", None, date(2009, 12, 31), [], None),
        ("What was agreed between 1987-03-01 and 1987-04-01?", date(1987, 3, 1), date(1987, 4, 1), [], None),
        ("According to AFP, who met in Tehran?", None, None, ["AFP"], "who met in Tehran?"),
        ("What did press tv report about Assad?", None, None, ["Press TV"], None),
        ("Who signed, per Reuters?", None, None, ["Reuters"], None),
        # Conservative: a year that names a topic, and an outlet the store does not hold, are no filters.
        ("Who won the 2016 Olympics?", None, None, [], "Who won the 2016 Olympics?"),
        ("What happened in 2016 elections?", None, None, [], None),
        ("According to the BBC, who met in Tehran?", None, None, [], None),
        ("Who met in Tehran and when?", None, None, [], "Who met in Tehran and when?"),
        ("How much cocoa will Nigeria produce by 2008?", None, None, [], None),  # a target, not a window
    ],
)
def test_filters_stated_in_the_question(question, date_from, date_to, outlets, query) -> None:  # type: ignore[no-untyped-def]
    stated = stated_filters(question, OUTLETS)
    assert (stated.filters.date_from, stated.filters.date_to, stated.filters.outlets) == (
        date_from,
        date_to,
        outlets,
    )
    if query is not None:
        assert stated.query == query


def test_flag_dates_cover_whole_periods_and_bad_ones_are_named() -> None:
    filters = filters_from_flags("2016-09", "2016", ["afp"], [])
    assert (filters.date_from, filters.date_to) == (date(2016, 9, 1), date(2016, 12, 31))
    with pytest.raises(FilterError, match="--since '20x'"):
        filters_from_flags("20x")
    with pytest.raises(FilterError, match="--until '2016-02-30'"):
        filters_from_flags(None, "2016-02-30")
    with pytest.raises(FilterError, match="after --until"):
        filters_from_flags("2017", "2016")


def test_outlet_filter_is_case_insensitive_on_both_retrievers(components) -> None:  # type: ignore[no-untyped-def]
    retriever = components.assistant().retriever
    # "Tabqa Euphrates" is a strong BM25 match in an AFP article only: the filter must hold it out.
    passages = retriever.retrieve("Tabqa Euphrates dam", filters=Filters(outlets=["press tv"]))
    assert passages
    assert {p.outlet for p in passages} == {"Press TV"}
    unfiltered = retriever.retrieve("Tabqa Euphrates dam")
    assert "AFP" in {p.outlet for p in unfiltered}


def test_date_filter_never_matches_an_undated_article(components) -> None:  # type: ignore[no-untyped-def]
    retriever = components.assistant().retriever
    passages = retriever.retrieve("Who met in Tehran?", filters=Filters(date_from=date(2000, 1, 1)))
    assert passages
    assert all(p.published == date(2016, 9, 19) for p in passages)  # only the dated Press TV article
    assert retriever.retrieve("Who met in Tehran?", filters=Filters(date_to=date(2016, 9, 18))) == []


def test_source_filter_by_file_name_or_path(components, sample_store: Path) -> None:  # type: ignore[no-untyped-def]
    retriever = components.assistant().retriever
    by_name = retriever.retrieve("Who met in Tehran?", filters=Filters(sources=[PRESS_TV]))
    assert by_name and {Path(p.source).name for p in by_name} == {PRESS_TV}
    full_path = by_name[0].source
    by_path = retriever.retrieve("Who met in Tehran?", filters=Filters(sources=[full_path]))
    assert {p.chunk_id for p in by_path} == {p.chunk_id for p in by_name}


def test_according_to_press_tv_cites_only_press_tv(components) -> None:  # type: ignore[no-untyped-def]
    answer = components.assistant().ask("According to Press TV, who met Assad?")
    assert not answer.abstained
    assert answer.filters is not None and answer.filters.outlets == ["Press TV"]
    assert answer.retrieval_query == "who met Assad?"
    assert {c.outlet for c in answer.citations} == {"Press TV"}


def test_date_filter_excluding_the_tehran_articles_abstains(sample_store: Path) -> None:
    result = run_cli(
        "ask", "--store", str(sample_store), "--json", "--since", "2016", "Who met in Tehran and when?"
    )
    answer = json.loads(result.stdout)
    assert answer["abstained"] is True
    assert answer["citations"] == []
    assert answer["filters"]["date_from"] == "2016-01-01"
    assert "2016-01-01" in answer["answer"]


def test_a_stated_year_with_nothing_published_in_it_is_searched_as_a_fact(tmp_path: Path) -> None:
    # BBC stories carry no date: "in 2004" cannot be a publication window for them, but the story says 2004.
    store = tmp_path / "store"
    run_cli("ingest", "--store", str(store), str(SHARED_CORPORA / "bbc" / "entertainment" / "045.txt"))
    asked = run_cli("ask", "--store", str(store), "--json", "How much did Gerard Jugnot earn in 2004?")
    answer = json.loads(asked.stdout)
    assert answer["abstained"] is False, answer["answer"]
    assert "5.45m" in answer["answer"]
    assert answer["filters"] is None
    # An explicit window is never relaxed.
    bounded = run_cli("ask", "--store", str(store), "--json", "--since", "2004", "How much did Jugnot earn?")
    assert json.loads(bounded.stdout)["abstained"] is True


def test_a_stated_year_the_evidence_never_mentions_still_abstains(sample_store: Path) -> None:
    asked = run_cli("ask", "--store", str(sample_store), "--json", "Who met in Tehran in 2009?")
    assert json.loads(asked.stdout)["abstained"] is True


def test_outlet_flag_and_questions_file_filters(sample_store: Path, tmp_path: Path) -> None:
    questions = tmp_path / "questions.jsonl"
    lines = [
        {"id": "flag", "question": "Who met Assad?"},
        {"id": "own", "question": "Who met in Tehran?", "filters": {"outlets": ["Press TV"]}},
    ]
    questions.write_text("\n".join(json.dumps(line) for line in lines) + "\n", encoding="utf-8")
    result = run_cli(
        "ask", "--store", str(sample_store), "--json", "--outlet", "afp", "--questions", str(questions)
    )
    answers = {answer["id"]: answer for answer in json_lines(result.stdout)}
    assert answers["flag"]["filters"]["outlets"] == ["AFP"]
    assert answers["flag"]["citations"] and {c["outlet"] for c in answers["flag"]["citations"]} == {"AFP"}
    assert answers["own"]["filters"]["outlets"] == ["Press TV"]  # the line's own filters win
    assert {c["outlet"] for c in answers["own"]["citations"]} <= {"Press TV"}


def test_bad_since_exits_2_naming_the_flag(sample_store: Path) -> None:
    result = run_cli("ask", "--store", str(sample_store), "--since", "20x", "Who met?", check=False)
    assert result.returncode == 2
    assert "--since '20x'" in result.stderr and "YYYY" in result.stderr


@pytest.fixture(scope="module")
def reuters_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small Reuters slice (February–March and October 1987 stories) ingested with the CLI."""
    folder = tmp_path_factory.mktemp("reuters-slice")
    early = json.loads((SHARED_CORPORA / "reuters" / "reuters-000.json").read_text(encoding="utf-8"))
    late = json.loads((SHARED_CORPORA / "reuters" / "reuters-020.json").read_text(encoding="utf-8"))
    stories = [s for s in early if s.get("body")][:12] + [s for s in late if s.get("body")][:12]
    (folder / "slice.json").write_text(json.dumps(stories), encoding="utf-8")
    store = folder / "store"
    run_cli("ingest", "--store", str(store), str(folder / "slice.json"))
    return store


def test_date_range_on_reuters_restricts_both_sides(reuters_store: Path) -> None:
    from newsdesk.components import Components
    from newsdesk.settings import load_settings

    retriever = Components(load_settings(store={"path": reuters_store})).assistant().retriever
    question = "What did the company say about prices and production?"
    everything = retriever.retrieve(question, top_k=12)
    assert any(p.published and p.published.month == 10 for p in everything)  # the filter has work to do
    march = Filters(date_from=date(1987, 2, 1), date_to=date(1987, 3, 31))
    passages = retriever.retrieve(question, top_k=12, filters=march)
    assert passages
    assert all(p.published and march.date_from <= p.published <= march.date_to for p in passages)
    by_file = retriever.retrieve(question, filters=Filters(sources=["slice.json"]))
    assert by_file and all(p.source.split("#")[0].endswith("slice.json") for p in by_file)
