"""The lexical (BM25) step of an ingest that adds 10 articles: full rebuild against delta segment.

`python bench/lexical_bench.py` (about 15 min; `--copies 1` for the 28k store alone) chunks every Reuters
record with the real pipeline (read → clean → metadata → chunk; no embedding: only the lexical index is
measured) and drives `LexicalIndex` over a stand-in store holding those chunks in memory, so Chroma's
own time is left out of both sides alike. For each size it measures:

- the full rebuild (a merge: what every changing ingest cost before segments),
- `update` after 10 more articles are added (a delta segment; the store's ids are compared),
- the query time (`retriever(40).retrieve`, as a question asks it) with several deltas and removals
  present, and after a merge,
- loading the index in a fresh reader.

The second size repeats the Reuters chunks `--copies` times with perturbed ids (~280k chunks).
"""

from __future__ import annotations

import argparse
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from llama_index.core.schema import BaseNode
from llama_index.core.vector_stores.utils import metadata_dict_to_node, node_to_metadata_dict
from newsdesk.index.chunk import ArticleChunker
from newsdesk.index.embed import load_tokenizer
from newsdesk.index.ingest import prepare_article
from newsdesk.index.lexical import LexicalIndex
from newsdesk.index.models import RawDocument
from newsdesk.index.read import UnreadableSource, read_documents

from newsdesk.settings import load_settings

REUTERS = Path(__file__).resolve().parents[2] / "shared" / "corpora" / "reuters"
ADDED_ARTICLES = 10
Chunk = tuple[str, str, dict[str, Any]]  # chunk id, text, metadata as the store keeps it


class StandInStore:
    """What `LexicalIndex` reads of an `ArticleStore`, over chunks held in memory (no Chroma, no vectors):
    nodes are rebuilt from metadata and text exactly as the store rebuilds them."""

    def __init__(self, chunks: list[Chunk]) -> None:
        self._chunks = {chunk_id: (text, metadata) for chunk_id, text, metadata in chunks}
        self._writes = 0

    def add(self, chunks: list[Chunk]) -> None:
        self._chunks.update({chunk_id: (text, metadata) for chunk_id, text, metadata in chunks})
        self._writes += 1

    def remove(self, chunk_ids: list[str]) -> None:
        for chunk_id in chunk_ids:
            del self._chunks[chunk_id]
        self._writes += 1

    def change_mark(self) -> str:
        return f"write-{self._writes}"

    def count_chunks(self) -> int:
        return len(self._chunks)

    def chunk_ids(self) -> list[str]:
        return list(self._chunks)

    def _node(self, chunk_id: str) -> BaseNode:
        text, metadata = self._chunks[chunk_id]
        node = metadata_dict_to_node(dict(metadata), text=text)
        node.id_ = chunk_id  # a copy's own id (Chroma's id is the node's, as the store writes it)
        return node

    def iter_chunk_nodes(self, page: int = 1000) -> Iterator[list[BaseNode]]:
        ids = list(self._chunks)
        for start in range(0, len(ids), page):
            yield [self._node(chunk_id) for chunk_id in ids[start : start + page]]

    def chunk_nodes(self, chunk_ids: list[str]) -> list[BaseNode]:
        return [self._node(chunk_id) for chunk_id in chunk_ids if chunk_id in self._chunks]


def reuters_articles(limit: int | None = None) -> list[list[Chunk]]:
    """Every Reuters record cleaned and chunked as an ingest does, one list of chunks an article."""
    settings = load_settings().ingest
    chunker = ArticleChunker(
        load_tokenizer(settings.embed_model), settings.chunk_tokens, settings.chunk_overlap
    )
    articles, seen = [], set()
    for raw in read_documents([REUTERS]):
        if not isinstance(raw, RawDocument):
            continue
        try:
            article = prepare_article(raw)
        except UnreadableSource:  # no story left after cleaning: the ingest reports it and moves on
            continue
        if article.doc_id in seen:
            continue  # the same story twice is stored once
        seen.add(article.doc_id)
        chunks = chunker.chunk_article(article)
        if len(articles) == limit:
            break
        articles.append(
            [
                (node.node_id, node.get_content(), node_to_metadata_dict(node, remove_text=True))
                for node in chunks
            ]
        )
    return articles


def copy_of(article: list[Chunk], copy: int) -> list[Chunk]:
    if copy == 0:
        return article
    return [
        (f"{chunk_id}~{copy}", text, {**metadata, "doc_id": f"{metadata.get('doc_id')}~{copy}"})
        for chunk_id, text, metadata in article
    ]


def timed(action: Any) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def query_ms(lexical: LexicalIndex, queries: list[str]) -> float:
    retriever = lexical.retriever(40)
    assert retriever is not None
    times = []
    for query in queries:
        started = time.perf_counter()
        retriever.retrieve(query)
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def measure(articles: list[list[Chunk]], copies: int, queries: list[str]) -> dict[str, Any]:
    stored = [copy_of(article, copy) for copy in range(copies) for article in articles]
    held_back, stored = stored[-(ADDED_ARTICLES * 7) :], stored[: -(ADDED_ARTICLES * 7)]
    store = StandInStore([chunk for article in stored for chunk in article])
    with tempfile.TemporaryDirectory(prefix="lexical-bench-") as folder:
        lexical = LexicalIndex(Path(folder) / "bm25", store)  # type: ignore[arg-type]
        result: dict[str, Any] = {"chunks": store.count_chunks()}
        result["rebuild_s"] = timed(lexical.rebuild)
        batches = [held_back[i * ADDED_ARTICLES : (i + 1) * ADDED_ARTICLES] for i in range(7)]
        added = [chunk for article in batches[0] for chunk in article]
        store.add(added)
        result["added_chunks"] = len(added)
        result["update_s"] = timed(lexical.update)
        assert len(lexical._stamp()["segments"]) == 2, "the update did not write a delta"
        # Several deltas and removals present: five more ingests of 10 articles, one removing 10 articles.
        for batch in batches[1:6]:
            store.add([chunk for article in batch for chunk in article])
            lexical.update()
        store.remove([chunk_id for article in stored[:ADDED_ARTICLES] for chunk_id, _, _ in article])
        result["update_with_removals_s"] = timed(lexical.update)
        stamp = lexical._stamp()
        result["segments"] = len(stamp["segments"])
        result["load_s"] = timed(lambda: LexicalIndex(lexical.directory, store).load())  # type: ignore[arg-type]
        query_ms(lexical, queries[:5])  # warm-up
        result["query_deltas_ms"] = query_ms(lexical, queries)
        lexical.rebuild()
        result["merged_load_s"] = timed(lambda: LexicalIndex(lexical.directory, store).load())  # type: ignore[arg-type]
        query_ms(lexical, queries[:5])
        result["query_merged_ms"] = query_ms(lexical, queries)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--copies", type=int, default=10, help="the large store: Reuters chunks × N")
    parser.add_argument("--articles", type=int, default=None, help="only the first N (a quick run)")
    parser.add_argument("--out", type=Path, default=Path(__file__).with_name("results.md"))
    arguments = parser.parse_args()
    started = time.perf_counter()
    articles = reuters_articles(arguments.articles)
    print(f"chunked {len(articles)} articles in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    # Questions' words: the titles of 200 articles spread over the corpus.
    queries = [
        str(article[0][2].get("title") or article[0][1][:80]) for article in articles[:: len(articles) // 200]
    ][:200]
    rows = []
    for copies in sorted({1, arguments.copies}):
        result = measure(articles, copies, queries)
        print(result, file=sys.stderr)
        rows.append(result)
    table = [
        f"`python bench/lexical_bench.py --copies {arguments.copies}` — {platform.machine()}, Python "
        f"{platform.python_version()}, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, 2 shared cores; a stand-in "
        f"store (chunks in memory), so Chroma's time is in neither column. Query: `retriever(40).retrieve`, "
        f"median of {len(queries)} article titles.",
        "",
        "| chunks | full rebuild s | update, +10 articles s | update, +10 & −10 articles s "
        "| segments | query ms, with deltas | query ms, merged | load s, with deltas | load s, merged |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in rows:
        table.append(
            f"| {r['chunks']:,} (+{r['added_chunks']}) | {r['rebuild_s']:.2f} | {r['update_s']:.3f} "
            f"| {r['update_with_removals_s']:.3f} | {r['segments']} | {r['query_deltas_ms']:.1f} "
            f"| {r['query_merged_ms']:.1f} | {r['load_s']:.2f} | {r['merged_load_s']:.2f} |"
        )
    text = "\n".join(table) + "\n"
    print(text)
    results = arguments.out.read_text(encoding="utf-8") if arguments.out.exists() else ""
    heading = "## Lexical index: a delta segment against a full rebuild"
    if heading in results:  # replaced where it stands
        before, _, after = results.partition(heading)
        after = after[after.index("\n## ") :] if "\n## " in after else ""
        results = before.rstrip() + after
    arguments.out.write_text(f"{results.rstrip()}\n\n{heading}\n\n{text}", encoding="utf-8")


if __name__ == "__main__":
    main()
