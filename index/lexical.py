"""Step 7: the lexical (BM25) index of the chunks, persisted beside the store and updated with it.

Dense retrieval misses exact names and rare words ("uprising", "Tabqa"); BM25 finds them. The
index is llama-index's BM25Retriever (bm25s with an English Snowball stemmer), rebuilt from the
store's chunks after any ingest that changed the store, and again whenever its chunk count no
longer matches the store's (for instance after another process wrote to a shared Chroma server).
"""

from __future__ import annotations

import json
import logging
import shutil
import time
from pathlib import Path

from llama_index.retrievers.bm25 import BM25Retriever

from index.store import ArticleStore

_STAMP = "newsdesk-stamp.json"


class LexicalIndex:
    def __init__(self, directory: Path, store: ArticleStore) -> None:
        self.directory = directory
        self.store = store
        # The loaded index, kept between questions: loading it from disk costs far more than a
        # query (~1 s for 28k chunks); reloaded only when the store's chunk count changes.
        self._loaded: tuple[int, BM25Retriever] | None = None
        self._counted: tuple[float, int] | None = None

    def _chunk_count(self) -> int:
        """The store's chunk count. Counting in Chroma costs ~10 ms and one question asks several
        times, so a count serves for a second."""
        now = time.monotonic()
        if self._counted is None or now - self._counted[0] > 1.0:
            self._counted = (now, self.store.count_chunks())
        return self._counted[1]

    def _stamp(self) -> dict:
        path = self.directory / _STAMP
        return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}

    def is_current(self) -> bool:
        return self._stamp().get("chunks") == self._chunk_count()

    def rebuild(self) -> None:
        """Index every chunk in the store; an empty store leaves no index."""
        nodes = self.store.vector_store.get_nodes(None)
        staging = self.directory.with_name(self.directory.name + ".new")
        shutil.rmtree(staging, ignore_errors=True)
        if nodes:
            # bm25s logs a warning when k exceeds the corpus; the retriever clamps k itself.
            logging.getLogger("llama_index.retrievers.bm25").setLevel(logging.ERROR)
            BM25Retriever.from_defaults(nodes=nodes, similarity_top_k=1).persist(str(staging))
        else:
            staging.mkdir(parents=True)
        (staging / _STAMP).write_text(json.dumps({"chunks": len(nodes)}), encoding="utf-8")
        self._counted = (time.monotonic(), len(nodes))
        # Swap in whole, so a reader never sees a half-written index.
        shutil.rmtree(self.directory, ignore_errors=True)
        staging.rename(self.directory)

    def load(self) -> BM25Retriever | None:
        """The BM25 index of the current chunks, loaded once; None when the store is empty."""
        if not self.is_current():
            self.rebuild()
            self._loaded = None
        chunks = self._stamp().get("chunks")
        if not chunks:
            return None
        if self._loaded is None or self._loaded[0] != chunks:
            logging.getLogger("llama_index.retrievers.bm25").setLevel(logging.ERROR)
            self._loaded = (chunks, BM25Retriever.from_persist_dir(str(self.directory), show_progress=False))
        return self._loaded[1]

    def corpus(self) -> list[dict]:
        """The metadata of every indexed chunk, in index order (what a weight mask lines up with)."""
        loaded = self.load()
        return loaded.corpus if loaded is not None else []

    def retriever(self, top_k: int, weight_mask: list[int] | None = None) -> BM25Retriever | None:
        """A BM25 retriever over the current chunks, restricted to the chunks whose `weight_mask`
        entry is 1 when one is given; None when the store is empty."""
        loaded = self.load()
        if loaded is None:
            return None
        return BM25Retriever(
            existing_bm25=loaded.bm25,
            similarity_top_k=min(top_k, len(loaded.corpus)),
            corpus_weight_mask=weight_mask,
        )
