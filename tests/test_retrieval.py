"""Hybrid retrieval over the sample store: BM25 beside Chroma, fused, diversified by article."""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path

from tests.fixtures.cli import SHARED_CORPORA, run_cli


def test_lexical_index_is_built_beside_the_store_and_current(components) -> None:  # type: ignore[no-untyped-def]
    assert components.lexical.directory.is_relative_to(components.settings.store.path)
    assert components.lexical.is_current()


def test_lexical_index_missing_is_rebuilt_on_demand(sample_store: Path, tmp_path: Path) -> None:
    from newsdesk.components import Components
    from newsdesk.settings import load_settings

    # A copy of the sample store: the session's store and its index stay as the other tests expect them.
    components = Components(load_settings(store={"path": shutil.copytree(sample_store, tmp_path / "store")}))
    shutil.rmtree(components.lexical.directory)
    assert not components.lexical.is_current()
    retriever = components.lexical.retriever(5)
    assert retriever is not None
    assert components.lexical.is_current()
    top = retriever.retrieve("Tabqa Euphrates")[0]
    assert "Tabqa" in top.node.get_content()


def test_a_question_spanning_articles_retrieves_each_of_them(components) -> None:  # type: ignore[no-untyped-def]
    passages = components.assistant().retriever.retrieve("Who met in Tehran and when?", top_k=6)
    assert len(passages) == 6
    names = [p.source.rsplit("/", 1)[-1] for p in passages]
    assert {"000_08a30185b96717b7.txt", "003_482dfbd78e828b66.txt"} <= set(names)
    assert max(names.count(name) for name in names) <= 3  # at most 3 chunks per article


def test_bm25_index_is_loaded_once_and_reused(components) -> None:  # type: ignore[no-untyped-def]
    first = components.lexical.load()
    assert first is not None
    assert components.lexical.load() is first
    components.assistant().retriever.retrieve("Tabqa Euphrates")
    assert components.lexical.load() is first


def test_citations_carry_their_neighbouring_sentences(components) -> None:  # type: ignore[no-untyped-def]
    answer = components.assistant().ask("When was the attack in Dayr al-Zawr?")
    assert answer.citations
    for citation in answer.citations:
        article = components.store.get_article(citation.doc_id).text
        assert citation.context is not None and citation.context_start is not None
        start = citation.context_start
        assert article[start : start + len(citation.context)] == citation.context
        offset = citation.start - citation.context_start
        assert citation.context[offset : offset + len(citation.quote)] == citation.quote
        assert len(citation.context) > len(citation.quote)
    saturday = next(c for c in answer.citations if c.quote.startswith("On Saturday"))
    # The sentence before it in the Press TV article names the place and the "American aggression".
    assert "flagrant American aggression" in saturday.context


def test_relative_day_is_dated_from_the_article_date(components) -> None:  # type: ignore[no-untyped-def]
    answer = components.assistant().ask("When was the attack in Dayr al-Zawr?")
    assert "(Saturday = 17 September 2016, counted back from the article's date, 19 September 2016)" in (
        answer.answer
    )
    dated = [phrase for sentence in answer.sentences for phrase in sentence.dates]
    saturday = next(phrase for phrase in dated if phrase.phrase == "On Saturday")
    assert (saturday.date_from, saturday.date_to) == (date(2016, 9, 17), date(2016, 9, 17))
    assert all(c.quote in components.store.get_article(c.doc_id).text for c in answer.citations)


def test_relative_day_in_an_undated_article_is_not_guessed(components) -> None:  # type: ignore[no-untyped-def]
    answer = components.assistant().ask("Who met in Tehran and when?")
    assert "(the article is undated, so “Thursday” cannot be dated)" in answer.answer
    thursday = [p for s in answer.sentences for p in s.dates if "Thursday" in p.phrase]
    assert thursday and thursday[0].date_from is None


def test_relative_days_are_only_dated_for_when_questions(components) -> None:  # type: ignore[no-untyped-def]
    answer = components.assistant().ask("Who met in Tehran?")
    assert "cannot be dated" not in answer.answer
    assert all(not sentence.dates for sentence in answer.sentences)


def test_yesterday_and_a_future_weekday_in_a_written_article(tmp_path: Path) -> None:
    article = tmp_path / "articles" / "harbour.txt"
    article.parent.mkdir()
    article.write_text(
        "Harbour talks collapse\n\nSeptember 21, 2016\n\n"
        "The harbour workers of Valdoria walked out of the wage talks yesterday after nine hours.\n"
        "Union leader Mara Kessel said the workers will return to the table on Friday.\n"
        "The port authority declined to comment on the dispute.\n",
        encoding="utf-8",
    )
    store = str(tmp_path / "store")
    run_cli("ingest", "--store", store, str(article.parent))
    walked = json.loads(
        run_cli("ask", "--store", store, "--json", "When did the Valdoria harbour workers walk out?").stdout
    )
    assert (
        "(yesterday = 20 September 2016, counted from the article's date, 21 September 2016)"
        in (walked["answer"])
    )
    question = "When will Mara Kessel's workers return to the table?"
    back = json.loads(run_cli("ask", "--store", store, "--json", question).stdout)
    assert (
        "(Friday = 23 September 2016, counted forward from the article's date, 21 September 2016)"
        in (back["answer"])
    )


def test_the_archive_catalog_follows_writes_to_the_store(tmp_path: Path) -> None:
    from newsdesk.components import Components
    from newsdesk.settings import load_settings

    components = Components(load_settings(store={"path": tmp_path / "store"}))
    first, second = (SHARED_CORPORA / "bbc" / "tech" / name for name in ("001.txt", "002.txt"))
    components.ingestor.ingest([first])
    retriever = components.assistant().retriever
    assert {Path(source).name for source in retriever.catalog.sources} == {"001.txt"}
    stamp = components.lexical.stamp()
    components.ingestor.ingest([second])
    assert components.lexical.stamp() != stamp  # the BM25 index was rebuilt, and says so
    assert {Path(source).name for source in retriever.catalog.sources} == {"001.txt", "002.txt"}


# Twenty BBC business stories the encoder ranks closest to a question about a share listing on the
# Frankfurt exchange, and the one story (business/233) that answers it: only the lexical ranking knows its
# rare name, "Paion".
_LISTING_STORIES = [
    *(
        f"business/{n}"
        for n in "082 169 186 203 207 208 220 264 267 269 271 274 279 316 319 392 421 422 454".split()
    ),
    "entertainment/322",
    "business/233",
]


def test_the_one_article_naming_a_rare_name_is_retrieved(tmp_path: Path) -> None:
    """Reciprocal rank fusion dropped the chunk that only BM25 ranked first (the encoder has never seen
    "Paion"), so the question was judged on articles that never name it and abstained."""
    source = tmp_path / "stories"
    source.mkdir()
    for story in _LISTING_STORIES:
        shutil.copy(SHARED_CORPORA / "bbc" / f"{story}.txt", source / f"{story.replace('/', '-')}.txt")
    store = tmp_path / "store"
    run_cli("ingest", "--store", str(store), "--json", str(source))
    answer = json.loads(
        run_cli(
            "ask",
            "--store",
            str(store),
            "--json",
            "On what date are Paion's shares scheduled to begin trading on the Frankfurt Stock Exchange?",
        ).stdout
    )
    assert not answer["abstained"], answer["answer"]
    assert "10 February" in answer["direct_answer"]
    assert {c["source"].rsplit("/", 1)[-1] for c in answer["citations"]} == {"business-233.txt"}


def test_the_gate_reads_the_whole_article_for_a_name_outside_the_chunk() -> None:
    """A column names its author in the standfirst and the asked company five paragraphs on: the chunk
    that answers never names "Thompson", and the relevance gate closed on it."""
    from newsdesk.rag.gate import unanswerable_reason
    from newsdesk.rag.models import Passage

    article = (SHARED_CORPORA / "bbc" / "tech" / "164.txt").read_text(encoding="utf-8")
    start = article.index("Companies like SecureWave")
    end = article.index(".", article.index("memory card", start)) + 1
    chunk = Passage(
        chunk_id="c",
        doc_id="tech-164",
        text=article[start:end],
        start=start,
        end=end,
        score=1.0,
        source="164.txt",
    )
    question = "Which company does Bill Thompson cite as able to restrict USB ports to authorised devices?"
    assert unanswerable_reason(question, [chunk]) == "no article mentions Bill, Thompson."
    assert unanswerable_reason(question, [chunk], {"tech-164": article}) is None
