"""Hybrid retrieval over the sample store: BM25 beside Chroma, fused, diversified by article."""

from __future__ import annotations

import shutil


def test_lexical_index_is_built_beside_the_store_and_current(components) -> None:  # type: ignore[no-untyped-def]
    assert components.lexical.directory.is_relative_to(components.settings.store)
    assert components.lexical.is_current()


def test_lexical_index_missing_is_rebuilt_on_demand(components) -> None:  # type: ignore[no-untyped-def]
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
