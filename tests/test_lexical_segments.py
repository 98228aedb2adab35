"""The segmented lexical index on real Reuters and BBC stories: after a base, deltas and removals it ranks
exactly as one index rebuilt over all the chunks; an update reads only the chunks added; deltas are merged
past their limits; an ingest that adds articles writes a delta instead of rebuilding."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from llama_index.core.schema import BaseNode
from llama_index.core.vector_stores.utils import metadata_dict_to_node, node_to_metadata_dict
from newsdesk.index.chunk import ArticleChunker
from newsdesk.index.embed import load_tokenizer
from newsdesk.index.ingest import prepare_article
from newsdesk.index.lexical import MAX_DELTAS, MERGE_SHARE, LexicalIndex
from newsdesk.index.models import RawDocument
from newsdesk.index.read import read_documents

from tests.fixtures.cli import SHARED_CORPORA

REUTERS = SHARED_CORPORA / "reuters" / "reuters-003.json"
BBC = SHARED_CORPORA / "bbc"
pytestmark = pytest.mark.skipif(not REUTERS.is_file(), reason="the Reuters corpus is not beside the checkout")

Chunk = tuple[str, str, dict[str, Any]]


class ChunkStore:
    """The part of an ArticleStore the lexical index reads, over chunks in memory (no vectors), in
    insertion order as Chroma keeps them; it counts the chunk texts read."""

    def __init__(self) -> None:
        self.chunks: dict[str, tuple[str, dict[str, Any]]] = {}
        self.writes = 0
        self.nodes_read = 0

    def add(self, articles: list[list[Chunk]]) -> None:
        self.chunks.update({cid: (text, meta) for article in articles for cid, text, meta in article})
        self.writes += 1

    def remove(self, articles: list[list[Chunk]]) -> None:
        for article in articles:
            for chunk_id, _, _ in article:
                del self.chunks[chunk_id]
        self.writes += 1

    def change_mark(self) -> str:
        return str(self.writes)

    def count_chunks(self) -> int:
        return len(self.chunks)

    def chunk_ids(self) -> list[str]:
        return list(self.chunks)

    def _node(self, chunk_id: str) -> BaseNode:
        self.nodes_read += 1
        text, metadata = self.chunks[chunk_id]
        return metadata_dict_to_node(dict(metadata), text=text)

    def iter_chunk_nodes(self, page: int = 1000) -> Iterator[list[BaseNode]]:
        ids = list(self.chunks)
        for start in range(0, len(ids), page):
            yield [self._node(chunk_id) for chunk_id in ids[start : start + page]]

    def chunk_nodes(self, chunk_ids: list[str]) -> list[BaseNode]:
        return [self._node(chunk_id) for chunk_id in chunk_ids if chunk_id in self.chunks]


@pytest.fixture(scope="module")
def articles() -> list[list[Chunk]]:
    """1,000 Reuters records cleaned and chunked as an ingest does (no embedding)."""
    chunker = ArticleChunker(load_tokenizer(), 256, 32)
    found: dict[str, list[Chunk]] = {}
    for raw in read_documents([REUTERS]):
        if isinstance(raw, RawDocument) and raw.text.strip():
            try:
                article = prepare_article(raw)
            except ValueError:
                continue
            nodes = chunker.chunk_article(article)
            found[article.doc_id] = [
                (node.node_id, node.get_content(), node_to_metadata_dict(node, remove_text=True))
                for node in nodes
            ]
    assert len(found) > 800
    return list(found.values())


def hits(lexical: LexicalIndex, query: str, k: int = 20, mask: list[int] | None = None) -> list[tuple]:
    retriever = lexical.retriever(k, weight_mask=mask)
    assert retriever is not None
    return [(hit.node.node_id, hit.score) for hit in retriever.retrieve(query)]


def queries(articles: list[list[Chunk]]) -> list[str]:
    """Titles (removed articles' too), rare and common words: 300 questions' worth of words."""
    titles = [str(article[0][2].get("title") or article[0][1][:60]) for article in articles]
    return [*titles[::3][:295], "oil", "said", "Tokyo stock exchange", "wheat exports Egypt", "the the"]


def assert_same_ranking(ours: LexicalIndex, reference: LexicalIndex, words: list[str]) -> None:
    # Same chunks in the same order: the same weight mask means the same chunks, and ties fall alike.
    corpus = [entry["node_id"] for entry in ours.corpus()]
    assert corpus == [entry["node_id"] for entry in reference.corpus()]
    # A filter allowing about half the articles (as a filter on sources would).
    articles = [str(entry["doc_id"]) for entry in ours.corpus()]
    middle = sorted(articles)[len(articles) // 2]
    mask = [int(article >= middle) for article in articles]
    assert 0 < sum(mask) < len(mask)
    matched = 0
    for query in words:
        got = hits(ours, query)
        assert got == hits(reference, query), query  # ids, order and float32 scores alike
        assert hits(ours, query, 10, mask) == hits(reference, query, 10, mask), query
        matched += bool(got and got[0][1] > 0)
    assert matched > len(words) * 0.9


def test_base_deltas_and_removals_rank_as_one_rebuilt_index(
    articles: list[list[Chunk]], tmp_path: Path
) -> None:
    store = ChunkStore()
    store.add(articles[:700])
    lexical = LexicalIndex(tmp_path / "bm25", store)  # type: ignore[arg-type]
    lexical.rebuild()
    store.nodes_read = 0
    first, second = articles[700:712], articles[712:724]
    store.add(first)
    lexical.update()
    store.remove(articles[10:20] + first[:2])  # from the base and from the delta
    lexical.update()
    store.add(second)
    lexical.update()
    # Only the added chunks were read (and tokenised): nothing of the base again.
    assert store.nodes_read == sum(len(article) for article in first + second)
    stamp = json.loads((lexical.directory / "newsdesk-stamp.json").read_text())
    assert [segment["name"].split("-")[0] for segment in stamp["segments"]] == ["base", "delta", "delta"]
    assert lexical.is_current(max_age=0)
    assert stamp["chunks"] == store.count_chunks()
    reference = LexicalIndex(tmp_path / "reference", store)  # type: ignore[arg-type]
    reference.rebuild()
    words = queries(articles)
    assert len(words) == 300
    assert_same_ranking(lexical, reference, words)
    # A removed article's own title no longer finds it.
    removed = {chunk_id for article in articles[10:20] for chunk_id, _, _ in article}
    title = str(articles[10][0][2]["title"])
    assert not removed & {chunk_id for chunk_id, _ in hits(lexical, title)}


def test_deltas_are_merged_past_their_limits(articles: list[list[Chunk]], tmp_path: Path) -> None:
    store = ChunkStore()
    store.add(articles[:600])
    lexical = LexicalIndex(tmp_path / "bm25", store)  # type: ignore[arg-type]
    lexical.rebuild()
    base = store.count_chunks()

    def names() -> list[str]:
        stamp = json.loads((lexical.directory / "newsdesk-stamp.json").read_text())
        return [segment["name"].split("-")[0] for segment in stamp["segments"]]

    # One article an ingest: past MAX_DELTAS the deltas become one, merged from their own counts.
    for n in range(MAX_DELTAS + 1):
        store.add([articles[600 + n]])
        lexical.update()
    store.remove([articles[603]])
    lexical.update()
    assert names() == ["base", "deltas"]
    reference = LexicalIndex(tmp_path / "reference", store)  # type: ignore[arg-type]
    reference.rebuild()
    assert_same_ranking(lexical, reference, queries(articles)[:80])
    # Past MERGE_SHARE of the base: the update is a merge, one base again.
    more = []
    while sum(len(article) for article in more) <= MERGE_SHARE * base:
        more.append(articles[620 + len(more)])
    store.add(more)
    lexical.update()
    assert names() == ["base"]
    reference.rebuild()
    assert_same_ranking(lexical, reference, queries(articles)[:40])


def test_an_index_of_another_recipe_is_rebuilt(articles: list[list[Chunk]], tmp_path: Path) -> None:
    store = ChunkStore()
    store.add(articles[:50])
    lexical = LexicalIndex(tmp_path / "bm25", store)  # type: ignore[arg-type]
    lexical.rebuild()
    stamp_file = lexical.directory / "newsdesk-stamp.json"
    # As an index written before segments (one bm25s matrix, no recipe) looks.
    stamp_file.write_text(json.dumps({"chunks": store.count_chunks(), "mark": store.change_mark()}))
    assert not lexical.is_current(max_age=0)
    store.add([articles[50]])
    assert lexical.retriever(5) is not None
    stamp = json.loads(stamp_file.read_text())
    assert [segment["name"].split("-")[0] for segment in stamp["segments"]] == ["base"]
    assert stamp["chunks"] == store.count_chunks() and lexical.is_current(max_age=0)


def test_an_article_written_again_under_the_same_ids_is_indexed_again(
    articles: list[list[Chunk]], tmp_path: Path
) -> None:
    store = ChunkStore()
    store.add(articles[:60])
    lexical = LexicalIndex(tmp_path / "bm25", store)  # type: ignore[arg-type]
    lexical.rebuild()
    # The same story removed and stored again from another file in one run: same chunk ids, new source.
    article = articles[5]
    moved = []
    for chunk_id, text, metadata in article:
        node = metadata_dict_to_node(dict(metadata), text=text)
        node.metadata["source"] = "/elsewhere/story.txt"
        moved.append((chunk_id, text, node_to_metadata_dict(node, remove_text=True)))
    store.remove([article])
    store.add([moved])
    lexical.update(written_documents={str(article[0][2]["doc_id"])})
    sources = {entry["source"] for entry in lexical.corpus() if entry["doc_id"] == article[0][2]["doc_id"]}
    assert sources == {"/elsewhere/story.txt"}
    assert len(lexical.corpus()) == store.count_chunks()


@pytest.mark.skipif(not BBC.is_dir(), reason="the BBC corpus is not beside the checkout")
def test_an_ingest_adding_and_pruning_articles_updates_by_delta(tmp_path: Path) -> None:
    from newsdesk.components import Components
    from newsdesk.settings import load_settings

    folder = tmp_path / "bbc"
    folder.mkdir()
    # 60 stories (~150 chunks) and an ingest adding 2 and pruning 1: well under MERGE_SHARE of the base.
    stories = sorted((BBC / "sport").glob("*.txt"))[:62]
    for path in stories[:60]:
        shutil.copy(path, folder / path.name)
    components = Components(load_settings(store={"path": tmp_path / "store"}))
    components.ingestor.ingest([folder])
    lexical = components.lexical
    base = json.loads((lexical.directory / "newsdesk-stamp.json").read_text())
    for path in stories[60:]:
        shutil.copy(path, folder / path.name)
    (folder / stories[0].name).unlink()
    report = components.ingestor.ingest([folder], prune=True)
    assert (report.added, report.pruned) == (2, 1)
    stamp = json.loads((lexical.directory / "newsdesk-stamp.json").read_text())
    assert stamp["segments"][0] == base["segments"][0]  # the base kept, not rebuilt
    assert [segment["name"].split("-")[0] for segment in stamp["segments"]] == ["base", "delta"]
    assert lexical.is_current(max_age=0)
    reference = LexicalIndex(tmp_path / "reference", components.store)
    reference.rebuild()
    # Chroma keeps the added chunks after the others: the same corpus order, so the very same hits.
    assert [entry["node_id"] for entry in lexical.corpus()] == [
        entry["node_id"] for entry in reference.corpus()
    ]
    # The headlines (first lines) of the added stories and of some stored ones.
    words = [path.read_text(encoding="latin-1").split("\n")[0] for path in stories[60:] + stories[1:60:6]]
    for query in words:
        got = hits(lexical, query)
        assert got == hits(reference, query), query
        assert got and got[0][1] > 0, query
