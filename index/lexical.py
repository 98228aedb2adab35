"""Step 7: the lexical (BM25) index of the chunks, persisted beside the store and updated with it.

Dense retrieval misses exact names and rare words ("uprising", "Tabqa"); BM25 finds them. The
index is llama-index's BM25Retriever (bm25s with an English Snowball stemmer), rebuilt from the
store's chunks after any ingest that changed the store, and again whenever the store changed since
(its change mark, or for older stores its chunk count, differs: another process wrote to a shared
Chroma server, say).

The rebuild streams: chunks are read from Chroma a page at a time, their corpus entries written
straight to the index's corpus file and only their token ids kept, so memory grows with the token
ids alone (4 bytes a word), not with every chunk's text, metadata and node object at once.
BM25Retriever.from_defaults(nodes=...) would need all of those in memory together. The score matrix
is then built in place (`LeanBM25`), at the size of the finished index.
"""

from __future__ import annotations

import json
import os
import shutil
import time
import uuid
from array import array
from pathlib import Path

import bm25s
import numpy as np
import Stemmer
from bm25s.scoring import _select_idf_scorer, _select_tfc_scorer
from llama_index.core.schema import MetadataMode
from llama_index.core.vector_stores.utils import node_to_metadata_dict
from llama_index.retrievers.bm25 import BM25Retriever
from newsdesk.index.heap import release_free_heap
from newsdesk.index.store import ArticleStore


class LeanBM25(bm25s.BM25):
    """bm25s.BM25 whose index is built in place, at the size of the finished index.

    bm25s builds its score matrix from three arrays as long as the matrix (scores, document and token
    indices) and converts them with scipy: about 4× the finished index at the peak, +60 MB of RSS for the
    28,324 chunks of all Reuters records, on top of everything an ingest holds. No maintained library
    builds a BM25 index any leaner, hence this: two passes over the token ids, the first counting each
    token's documents (so every column's place in the arrays is known), the second writing each score
    straight into its place. The scores are bm25s's own (its idf and term-frequency functions, its
    float32 arithmetic) and the arrays identical to its CSC matrix; a test compares them. Loading and
    querying are bm25s's, unchanged.
    """

    def build_index_from_ids(
        self,
        unique_token_ids: list[int],
        corpus_token_ids: list,
        show_progress: bool = True,
        leave_progress: bool = False,
    ) -> dict:
        if self.method in self.methods_requiring_nonoccurrence:  # BM25L, BM25+: not used here
            return super().build_index_from_ids(
                unique_token_ids, corpus_token_ids, show_progress, leave_progress
            )
        self.nonoccurrence_array = None  # what bm25s sets for these methods (save writes it when set)
        documents = [np.asarray(ids, dtype=np.int32) for ids in corpus_token_ids]
        lengths = np.array([len(ids) for ids in documents])
        average_length = lengths.mean()
        vocabulary_size = len(unique_token_ids)
        frequencies = np.zeros(vocabulary_size, dtype=np.int64)  # documents containing each token
        for ids in documents:
            frequencies[np.unique(ids)] += 1
        idf = _select_idf_scorer(self.idf_method)
        idf_array = np.array(
            [idf(int(df), N=len(documents)) if df else 0.0 for df in frequencies], dtype=self.dtype
        )
        term_weight = _select_tfc_scorer(self.method)
        indptr = np.zeros(vocabulary_size + 1, dtype=np.int64)
        np.cumsum(frequencies, out=indptr[1:])
        data = np.empty(indptr[-1], dtype=self.dtype)
        indices = np.empty(indptr[-1], dtype=self.int_dtype)
        cursor = indptr[:-1].copy()  # the next free place in each token's column
        for document, ids in enumerate(documents):
            # Each document's distinct tokens again, not kept from the first pass: kept, they would be
            # as large as the matrix itself (~0.6 s more for 28k chunks).
            tokens, counts = np.unique(ids, return_counts=True)
            weights = term_weight(
                tf_array=counts.astype(self.dtype),
                l_d=len(ids),
                l_avg=average_length,
                k1=self.k1,
                b=self.b,
                delta=self.delta,
            )
            places = cursor[tokens]
            data[places] = idf_array[tokens] * weights
            indices[places] = document
            cursor[tokens] += 1
        return {"data": data, "indices": indices, "indptr": indptr, "num_docs": len(documents)}


_STAMP = "newsdesk-stamp.json"
_CORPUS = "corpus.jsonl"  # the file name bm25s.BM25.load(load_corpus=True) reads


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class LexicalIndex:
    # Chunks read from Chroma at a time while rebuilding: a page's texts and metadata are in memory twice
    # (Chroma's result, the nodes) while it is indexed: ~37 MB at 1,000 Reuters chunks, ~17 MB at 250,
    # for 1.4 s instead of 1.8 s to rebuild 1,378 chunks (fewer, larger Chroma calls are not faster).
    def __init__(self, directory: Path, store: ArticleStore, page: int = 250) -> None:
        self.directory = directory
        self.store = store
        self.page = page  # chunks read from Chroma at a time while rebuilding
        # The loaded index, kept between questions: loading it from disk costs far more than a
        # query (~1 s for 28k chunks); reloaded only when the store changes.
        self._loaded: tuple[dict, BM25Retriever] | None = None
        self._state: tuple[float, tuple[str | None, int]] | None = None

    def _store_state(self, max_age: float) -> tuple[str | None, int]:
        """The store's change mark and chunk count. Asking Chroma costs ~10 ms and one question asks
        several times, so an answer serves for `max_age` seconds."""
        now = time.monotonic()
        if self._state is None or now - self._state[0] > max_age:
            self._state = (now, (self.store.change_mark(), self.store.count_chunks()))
        return self._state[1]

    def _versions(self) -> Path:
        return self.directory.with_name(self.directory.name + ".versions")

    def _stamp(self, version: Path | None = None) -> dict:
        path = (version or self.directory) / _STAMP
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):  # no index yet, or a version deleted since it was resolved
            return {}

    def is_current(self, max_age: float = 1.0) -> bool:
        """Whether the index matches the store. Writes through this process rebuild it at once; a
        write by another process is seen within `max_age` seconds (0: ask the store now)."""
        stamp = self._stamp()
        mark, chunks = self._store_state(max_age)
        if mark is not None and stamp.get("mark") != mark:
            return False
        return stamp.get("chunks") == chunks

    def rebuild(self) -> None:
        """Index every chunk in the store, a page at a time; an empty store leaves no index."""
        mark = self.store.change_mark()  # read first: a write during the rebuild leaves it stale
        # Each rebuild writes a version of its own (several processes may rebuild at once: a server and an
        # ingest), and `directory` is a symlink swapped atomically to the newest complete one, so a reader
        # always finds a whole index, never a half-written or missing one.
        version = uuid.uuid4().hex[:12]
        staging = self._versions() / f"{version}.{os.getpid()}.partial"
        staging.mkdir(parents=True)
        stemmer = Stemmer.Stemmer("english")
        vocabulary: dict[str, int] = {}
        # One compact array of 4-byte ids per chunk, not a list of 8-byte pointers: bm25s iterates,
        # counts and measures them just as it does lists (iterating an array yields the same ints).
        token_ids: list[array] = []
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
                token_ids.extend(array("i", [to_index[local] for local in document]) for document in page.ids)
                for node in nodes:
                    entry = node_to_metadata_dict(node) | {"node_id": node.node_id}
                    corpus.write(json.dumps(entry, ensure_ascii=False) + "\n")
                del nodes, page
                release_free_heap()  # the page's texts and metadata are written out: return their memory
        if token_ids:
            bm25 = LeanBM25()
            bm25.index((token_ids, vocabulary), show_progress=False)
            # No corpus in memory: persist writes the scores, vocabulary and parameters beside ours.
            # k = 1, never more than the chunks, so that BM25Retriever has no k to clamp and warn about,
            # here or when it is loaded (`retriever` asks for its own k, clamped to the corpus).
            BM25Retriever(existing_bm25=bm25, similarity_top_k=1).persist(str(staging))
            del bm25
        else:
            (staging / _CORPUS).unlink()
        stamp = {"chunks": len(token_ids), "mark": mark, "version": version}
        (staging / _STAMP).write_text(json.dumps(stamp), encoding="utf-8")
        del token_ids, vocabulary
        release_free_heap()  # the token ids and the built index are on disk now
        self._state = None  # ask the store again: it may have changed while this ran
        self._publish(staging, version)

    def _publish(self, staging: Path, version: str) -> None:
        """Make `staging` the current version: renamed into place, then the symlink replaced (atomic), then
        versions older than the previous one removed (a reader may still be loading the previous one)."""
        final = self._versions() / version
        staging.rename(final)
        link = self.directory.with_name(f".{self.directory.name}.{version}.link")
        link.symlink_to(Path(self._versions().name) / version)
        if self.directory.is_dir() and not self.directory.is_symlink():
            # A store from before versions: its index directory is moved aside once, then replaced.
            shutil.rmtree(self._versions() / "unversioned", ignore_errors=True)
            self.directory.rename(self._versions() / "unversioned")
        previous = self.directory.resolve() if self.directory.is_symlink() else None
        os.replace(link, self.directory)
        for old in self._versions().iterdir():
            if old in (final, previous):
                continue
            if old.name.endswith(".partial") and _alive(int(old.name.split(".")[1])):
                continue  # another process is building it
            shutil.rmtree(old, ignore_errors=True)

    def load(self) -> BM25Retriever | None:
        """The BM25 index of the current chunks, loaded once; None when the store is empty."""
        if not self.is_current():
            self.rebuild()
        for _ in range(3):
            # One version, resolved once: its stamp and its files belong together even if another process
            # publishes a newer version meanwhile.
            version = self.directory.resolve()
            stamp = self._stamp(version)
            if not stamp.get("chunks"):
                return None
            # Keyed by the stamp, which every rebuild rewrites (here or by another process): a change of
            # the same size is reloaded too.
            if self._loaded is not None and self._loaded[0] == stamp:
                return self._loaded[1]
            try:
                self._loaded = (stamp, BM25Retriever.from_persist_dir(str(version), show_progress=False))
            except FileNotFoundError:
                continue  # removed after two newer versions were published: resolve again
            return self._loaded[1]
        raise RuntimeError(f"{self.directory}: the lexical index kept changing while it was loaded")

    def stamp(self) -> dict:
        """What identifies the current index (its chunk count and the store's change mark): every
        rebuild rewrites it, so what is derived from the corpus is rebuilt when it changes."""
        if self.load() is None or self._loaded is None:
            return {}  # an empty store
        return self._loaded[0]

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
