"""Step 7: the lexical (BM25) index of the chunks, persisted beside the store and updated with it.

Dense retrieval misses exact names and rare words ("uprising", "Tabqa"); BM25 finds them. The
index is llama-index's BM25Retriever (bm25s with an English Snowball stemmer), rebuilt from the
store's chunks after any ingest that changed the store, and again whenever the store changed since
(its change mark, or for older stores its chunk count, differs: another process wrote to a shared
Chroma server, say).

The rebuild streams: chunks are read from Chroma a page at a time, their corpus entries written
straight to the index's corpus file and only their token ids kept, so memory grows with the token
ids alone (a few bytes a word), not with every chunk's text, metadata and node object at once.
BM25Retriever.from_defaults(nodes=...) would need all of those in memory together.
"""

from __future__ import annotations

import json
import logging
import shutil
from pathlib import Path

import bm25s
import Stemmer
from llama_index.core.schema import MetadataMode
from llama_index.core.vector_stores.utils import node_to_metadata_dict
from llama_index.retrievers.bm25 import BM25Retriever

from index.store import ArticleStore

_STAMP = "newsdesk-stamp.json"
_CORPUS = "corpus.jsonl"  # the file name bm25s.BM25.load(load_corpus=True) reads


class LexicalIndex:
    def __init__(self, directory: Path, store: ArticleStore, page: int = 1000) -> None:
        self.directory = directory
        self.store = store
        self.page = page  # chunks read from Chroma at a time while rebuilding

    def _stamp(self) -> dict:
        path = self.directory / _STAMP
        return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}

    def is_current(self) -> bool:
        stamp = self._stamp()
        mark = self.store.change_mark()
        if mark is not None and stamp.get("mark") != mark:
            return False
        return stamp.get("chunks") == self.store.count_chunks()

    def rebuild(self) -> None:
        """Index every chunk in the store, a page at a time; an empty store leaves no index."""
        mark = self.store.change_mark()  # read first: a write during the rebuild leaves it stale
        staging = self.directory.with_name(self.directory.name + ".new")
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir(parents=True)
        stemmer = Stemmer.Stemmer("english")
        vocabulary: dict[str, int] = {}
        token_ids: list[list[int]] = []
        with (staging / _CORPUS).open("w", encoding="utf-8") as corpus:
            for nodes in self.store.iter_chunk_nodes(self.page):
                # The same tokenisation BM25Retriever.from_defaults applies (English stopwords, stemmer).
                page = bm25s.tokenize(
                    [node.get_content(metadata_mode=MetadataMode.EMBED) for node in nodes],
                    stopwords="en",
                    stemmer=stemmer,
                    show_progress=False,
                )
                # Each page has its own vocabulary: map it onto the index's.
                to_index = {
                    local: vocabulary.setdefault(token, len(vocabulary))
                    for token, local in page.vocab.items()
                }
                token_ids.extend([to_index[local] for local in document] for document in page.ids)
                for node in nodes:
                    entry = node_to_metadata_dict(node) | {"node_id": node.node_id}
                    corpus.write(json.dumps(entry, ensure_ascii=False) + "\n")
        if token_ids:
            bm25 = bm25s.BM25()
            bm25.index((token_ids, vocabulary), show_progress=False)
            # bm25s logs a warning when k exceeds the corpus; the retriever clamps k itself.
            logging.getLogger("llama_index.retrievers.bm25").setLevel(logging.ERROR)
            # No corpus in memory: persist writes the scores, vocabulary and parameters beside ours.
            BM25Retriever(existing_bm25=bm25, similarity_top_k=1).persist(str(staging))
        else:
            (staging / _CORPUS).unlink()
        stamp = {"chunks": len(token_ids), "mark": mark}
        (staging / _STAMP).write_text(json.dumps(stamp), encoding="utf-8")
        # Swap in whole, so a reader never sees a half-written index.
        shutil.rmtree(self.directory, ignore_errors=True)
        staging.rename(self.directory)

    def retriever(self, top_k: int) -> BM25Retriever | None:
        """A BM25 retriever over the current chunks; None when the store is empty."""
        if not self.is_current():
            self.rebuild()
        if not self._stamp().get("chunks"):
            return None
        logging.getLogger("llama_index.retrievers.bm25").setLevel(logging.ERROR)
        retriever = BM25Retriever.from_persist_dir(str(self.directory), show_progress=False)
        retriever.similarity_top_k = min(top_k, self._stamp()["chunks"])
        return retriever
