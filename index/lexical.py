"""Step 7: the lexical (BM25) index of the chunks, persisted beside the store and updated with it.

Dense retrieval misses exact names and rare words ("uprising", "Tabqa"); BM25 finds them. The
index is llama-index's BM25Retriever (bm25s's scoring, English stopwords and Snowball stemmer) over
a segmented index, as search engines keep theirs: a base segment of every chunk at the last merge,
small delta segments of the chunks added since, and the ids of the chunks removed since (a mask).

An ingest that changed the store writes one delta segment for the chunks it added and records the
ones it removed (`update`), at a cost in proportion to them; the deltas are merged into a new base (a
full rebuild from the store) once they outgrow a share of it (`MERGE_SHARE`), or when the recipe
(tokeniser, scoring) changes. What changed is found by comparing the store's chunk ids with the
index's (ids only: no text is read or tokenised again), so a write by another process (a shared
Chroma server, a crashed writer repaired by the next run) is caught up the same way, whenever the
store's change mark differs from the index's.

A segment keeps term counts, not scores: BM25's idf and average document length are corpus-wide, so
scores are computed per query from the counts of every segment with the statistics of all live
chunks together, which ranks exactly as one index over all chunks does (`SegmentedBM25`).

A segment is built streaming: chunks are read a page at a time, their corpus entries written straight
to the segment's corpus file and only their token ids kept, so memory grows with the token ids alone
(4 bytes a word), not with every chunk's text, metadata and node object at once.
"""

from __future__ import annotations

import json
import os
import shutil
import time
import uuid
from array import array
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import bm25s
import numpy as np
import Stemmer
from bm25s.scoring import _select_idf_scorer, _select_tfc_scorer
from llama_index.core.schema import BaseNode, MetadataMode
from llama_index.core.vector_stores.utils import node_to_metadata_dict
from llama_index.retrievers.bm25 import BM25Retriever
from newsdesk.index.heap import release_free_heap
from newsdesk.index.store import ArticleStore

# What a segment's counts depend on; a version built with another recipe is merged (rebuilt) away.
# "format" is this module's on-disk layout (1: one bm25s score matrix, before segments).
RECIPE: dict[str, Any] = {"format": 2, "stopwords": "en", "stemmer": "english", "bm25": "lucene 1.5 0.75"}
# Merge (rebuild the base from the store) once the chunks in deltas plus the chunks removed since the
# last merge exceed this share of the base. Every query scores each removed chunk and pays a little per
# segment, so at 10% a query does at most ~10% more work than over a merged index; and since a merge
# costs about one full rebuild (N chunks) and happens once every 0.1 N changed chunks, its cost spread
# over those changes is ~10 chunks' tokenising each: in proportion to the change, as the issue asks.
MERGE_SHARE = 0.1
# Deltas beyond this many are merged into one delta (from their own counts, not the store): many small
# ingests would otherwise leave hundreds of tiny segments, each costing a little on every query.
MAX_DELTAS = 8


def term_counts(documents: Sequence[Sequence[int]], vocabulary_size: int) -> tuple[np.ndarray, ...]:
    """The documents' token ids turned term-major (a CSC matrix of term counts): `indptr` (one more than
    the vocabulary), and per entry its document and its count, each column's documents in order.

    Built in place, at the size of the finished matrix: the first pass counts each token's documents (so
    every column's place in the arrays is known), the second writes each entry straight into its place.
    bm25s's own builder holds arrays as long as the matrix several times over (about 4× at the peak).
    """
    frequencies = np.zeros(vocabulary_size, dtype=np.int64)  # documents containing each token
    for ids in documents:
        frequencies[np.unique(np.asarray(ids, dtype=np.int32))] += 1
    indptr = np.zeros(vocabulary_size + 1, dtype=np.int64)
    np.cumsum(frequencies, out=indptr[1:])
    rows = np.empty(indptr[-1], dtype=np.int32)
    counts = np.empty(indptr[-1], dtype=np.int32)
    cursor = indptr[:-1].copy()  # the next free place in each token's column
    for document, ids in enumerate(documents):
        # Each document's distinct tokens again, not kept from the first pass: kept, they would be as
        # large as the matrix itself.
        tokens, occurrences = np.unique(np.asarray(ids, dtype=np.int32), return_counts=True)
        places = cursor[tokens]
        rows[places] = document
        counts[places] = occurrences
        cursor[tokens] += 1
    return indptr, rows, counts


def bm25_scores(
    bm25: bm25s.BM25, idf: np.ndarray | np.floating, counts: np.ndarray, lengths: np.ndarray, average: float
) -> np.ndarray:
    """The BM25 score of each (term, document) entry, computed as bm25s computes its score matrix: its
    term-frequency function, its float32 idf and counts, rounded to float32 last, so that the scores are
    bm25s's bit for bit (a test compares them with bm25s's matrix)."""
    weights = _select_tfc_scorer(bm25.method)(
        tf_array=counts.astype(bm25.dtype), l_d=lengths, l_avg=average, k1=bm25.k1, b=bm25.b, delta=bm25.delta
    )
    return (idf * weights).astype(bm25.dtype)


class LeanBM25(bm25s.BM25):
    """bm25s.BM25 with its score matrix built from `term_counts` and `bm25_scores`: one segment scored
    ahead of time. The segmented index scores per query with the same two functions; the test that holds
    this matrix equal to bm25s's own holds them to bm25s's arithmetic. Loading and querying are bm25s's."""

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
        vocabulary_size = len(unique_token_ids)
        indptr, rows, counts = term_counts(corpus_token_ids, vocabulary_size)
        lengths = np.array([len(ids) for ids in corpus_token_ids])
        frequencies = np.diff(indptr)
        idf = _select_idf_scorer(self.idf_method)
        idf_array = np.array(
            [idf(int(df), N=len(corpus_token_ids)) if df else 0.0 for df in frequencies], dtype=self.dtype
        )
        tokens = np.repeat(np.arange(vocabulary_size), frequencies)
        data = bm25_scores(self, idf_array[tokens], counts, lengths[rows], lengths.mean())
        indices = rows.astype(self.int_dtype)
        return {"data": data, "indices": indices, "indptr": indptr, "num_docs": len(corpus_token_ids)}


# --- segments on disk ----------------------------------------------------------------------------
_STAMP = "newsdesk-stamp.json"
_DELETED = "deleted.json"  # {segment name: [positions of its chunks removed since]}
_SEGMENTS = "segments"
_CORPUS = "corpus.jsonl"  # one llama-index metadata dict a line, as BM25Retriever keeps its corpus
# "chunk id<TAB>document id" a line, in segment order: what an update compares. Plain lines, not JSON:
# parsing 286k ids as JSON was most of an update's time (ids are hex digests and dashes: no tabs).
_IDS = "ids.tsv"
_VOCABULARY = "vocabulary.json"
_ARRAYS = ("indptr", "rows", "counts", "lengths")


@dataclass
class Segment:
    """One segment's term counts (`term_counts`), token count per chunk, vocabulary (column order) and
    which of its chunks are still live."""

    indptr: np.ndarray
    rows: np.ndarray
    counts: np.ndarray
    lengths: np.ndarray
    vocabulary: list[str]
    live: np.ndarray

    @classmethod
    def open(cls, directory: Path, deleted: Collection[int] = ()) -> Segment:
        arrays = [np.load(directory / f"{name}.npy") for name in _ARRAYS]
        vocabulary = json.loads((directory / _VOCABULARY).read_text(encoding="utf-8"))
        live = np.ones(len(arrays[3]), dtype=bool)
        live[list(deleted)] = False
        return cls(*arrays, vocabulary=vocabulary, live=live)

    def live_frequencies(self) -> np.ndarray:
        """Per column, the live chunks containing the token."""
        live_entries = np.concatenate([[0], np.cumsum(self.live[self.rows])])
        return live_entries[self.indptr[1:]] - live_entries[self.indptr[:-1]]


def _save_segment(
    directory: Path,
    indptr: np.ndarray,
    rows: np.ndarray,
    counts: np.ndarray,
    lengths: np.ndarray,
    vocabulary: list[str],
    ids: list[tuple[str, str]],
) -> None:
    for name, values in zip(_ARRAYS, (indptr, rows, counts, lengths), strict=True):
        np.save(directory / f"{name}.npy", values)
    (directory / _VOCABULARY).write_text(json.dumps(vocabulary, ensure_ascii=False), encoding="utf-8")
    (directory / _IDS).write_text(
        "".join(f"{chunk}\t{document}\n" for chunk, document in ids), encoding="utf-8"
    )


def _read_ids(directory: Path) -> list[tuple[str, str]]:
    lines = (directory / _IDS).read_text(encoding="utf-8").splitlines()
    return [(chunk, document) for chunk, _, document in (line.partition("\t") for line in lines)]


def write_segment(directory: Path, pages: Iterable[list[BaseNode]]) -> int:
    """Index the chunks of `pages` into a new segment in `directory`; the number of chunks (0: nothing
    written, the directory removed)."""
    directory.mkdir(parents=True)
    stemmer = Stemmer.Stemmer("english")
    vocabulary: dict[str, int] = {}
    # One compact array of 4-byte ids per chunk, not a list of 8-byte pointers.
    token_ids: list[array] = []
    ids: list[tuple[str, str]] = []
    with (directory / _CORPUS).open("w", encoding="utf-8") as corpus:
        for nodes in pages:
            if not nodes:
                continue
            # The same tokenisation BM25Retriever.from_defaults applies (English stopwords, stemmer).
            page = bm25s.tokenize(
                [node.get_content(metadata_mode=MetadataMode.EMBED) for node in nodes],
                stopwords="en",
                stemmer=stemmer,
                show_progress=False,
            )
            # Each page has its own vocabulary: map it onto the segment's.
            to_segment = {
                local: vocabulary.setdefault(token, len(vocabulary)) for token, local in page.vocab.items()
            }
            token_ids.extend(array("i", [to_segment[local] for local in document]) for document in page.ids)
            for node in nodes:
                entry = node_to_metadata_dict(node) | {"node_id": node.node_id}
                corpus.write(json.dumps(entry, ensure_ascii=False) + "\n")
                ids.append((node.node_id, str(node.metadata.get("doc_id") or node.ref_doc_id or "")))
            del nodes, page
            release_free_heap()  # the page's texts and metadata are written out: return their memory
    if not token_ids:
        shutil.rmtree(directory)
        return 0
    indptr, rows, counts = term_counts(token_ids, len(vocabulary))
    lengths = np.array([len(document) for document in token_ids], dtype=np.int32)
    _save_segment(directory, indptr, rows, counts, lengths, list(vocabulary), ids)
    return len(token_ids)


def _columns_in(vocabulary: dict[str, int], tokens: list[str]) -> np.ndarray:
    """Each of `tokens`' place in `vocabulary`, which gains the tokens it lacks."""
    return np.array([vocabulary.setdefault(token, len(vocabulary)) for token in tokens], dtype=np.int64)


def merge_segments(sources: list[tuple[Path, Collection[int]]], directory: Path) -> int:
    """One segment in `directory` of the live chunks of `sources` (segment, positions removed), from their
    counts alone (nothing tokenised again); the number of chunks."""
    directory.mkdir(parents=True)
    vocabulary: dict[str, int] = {}
    tokens, rows, counts, lengths, ids = [], [], [], [], []
    chunks = 0
    with (directory / _CORPUS).open("w", encoding="utf-8") as corpus:
        for source, deleted in sources:
            segment = Segment.open(source, deleted)
            renumbered = np.cumsum(segment.live) - 1 + chunks
            to_merged = _columns_in(vocabulary, segment.vocabulary)
            kept = segment.live[segment.rows]
            tokens.append(np.repeat(to_merged, np.diff(segment.indptr))[kept])
            rows.append(renumbered[segment.rows[kept]])
            counts.append(segment.counts[kept])
            lengths.append(segment.lengths[segment.live])
            source_ids = _read_ids(source)
            with (source / _CORPUS).open(encoding="utf-8") as lines:
                for position, line in enumerate(lines):
                    if segment.live[position]:
                        corpus.write(line)
                        ids.append(source_ids[position])
            chunks += int(segment.live.sum())
    if not chunks:
        shutil.rmtree(directory)
        return 0
    token_of_entry = np.concatenate(tokens)
    row_of_entry = np.concatenate(rows)
    order = np.lexsort((row_of_entry, token_of_entry))  # by token, then document: columns as term_counts
    indptr = np.zeros(len(vocabulary) + 1, dtype=np.int64)
    np.cumsum(np.bincount(token_of_entry, minlength=len(vocabulary)), out=indptr[1:])
    _save_segment(
        directory,
        indptr,
        row_of_entry[order].astype(np.int32),
        np.concatenate(counts)[order],
        np.concatenate(lengths),
        list(vocabulary),
        ids,
    )
    return chunks


class SegmentedBM25(bm25s.BM25):
    """bm25s.BM25 over several segments, with the statistics of all their live chunks together (document
    frequencies, chunk count, average length): the scores, so the ranking, are those of one bm25s index
    built over the live chunks alone, in the same order.

    Each segment's score matrix is computed when the index is loaded (~0.1 s for 28k chunks, against ~2 s
    to read their corpus entries), from its counts and the global statistics, so a query sums precomputed
    scores exactly as bm25s does. Only scoring is replaced (`get_scores_from_ids`): tokenising the query,
    masking and the top k are bm25s's."""

    # Matrix entries scored at a time while loading: bounds the float64 temporaries (~50 MB).
    _BLOCK = 1 << 21

    def __init__(self, segments: list[Segment], corpus: list[dict]) -> None:
        super().__init__()  # bm25s's defaults, as every index here has used: lucene, k1 1.5, b 0.75
        self.corpus = corpus
        self._segments = segments
        vocabulary: dict[str, int] = {}
        to_global = [_columns_in(vocabulary, segment.vocabulary) for segment in segments]
        frequencies = np.zeros(len(vocabulary), dtype=np.int64)
        self._columns = []  # per segment: each global token's column in it, -1 where it has none
        for segment, columns in zip(segments, to_global, strict=True):
            frequencies[columns] += segment.live_frequencies()
            local = np.full(len(vocabulary), -1, dtype=np.int64)
            local[columns] = np.arange(len(columns))
            self._columns.append(local)
        self._live = np.flatnonzero(np.concatenate([s.live for s in segments]))
        average_length = np.concatenate([s.lengths[s.live] for s in segments]).astype(np.int64).mean()
        idf = _select_idf_scorer(self.idf_method)
        idf_array = np.array(
            [idf(int(df), N=len(self._live)) if df else 0.0 for df in frequencies], dtype=self.dtype
        )
        self._scores = []  # per segment, its entries' scores (its `rows` say whose)
        for segment, columns in zip(segments, to_global, strict=True):
            tokens = np.repeat(columns, np.diff(segment.indptr))
            scores = np.empty(len(tokens), dtype=self.dtype)
            for start in range(0, len(tokens), self._BLOCK):
                block = slice(start, start + self._BLOCK)
                lengths = segment.lengths[segment.rows[block]]
                scores[block] = bm25_scores(
                    self, idf_array[tokens[block]], segment.counts[block], lengths, average_length
                )
            self._scores.append(scores)
        # Tokens only removed chunks contain are not in the vocabulary, as in an index built without them.
        self.vocab_dict = {token: i for token, i in vocabulary.items() if frequencies[i]}
        self.unique_token_ids_set = set(self.vocab_dict.values())
        self.scores = {"num_docs": len(self._live)}
        self.nonoccurrence_array = None

    def get_scores_from_ids(self, query_tokens_ids: list[int], weight_mask: Any = None) -> np.ndarray:
        parts = []
        for segment, columns, scores in zip(self._segments, self._columns, self._scores, strict=True):
            # The query's tokens as this segment's columns, in query order, repeats included: a token
            # the segment lacks adds nothing to its chunks, so each chunk's float32 sum is bm25s's.
            local = columns[np.asarray(query_tokens_ids, dtype=np.int64)]
            parts.append(
                self._compute_relevance_from_scores(
                    data=scores,
                    indptr=segment.indptr,
                    indices=segment.rows,
                    num_docs=len(segment.lengths),
                    query_tokens_ids=local[local >= 0],
                    dtype=np.dtype(self.dtype),
                )
            )
        scores = np.concatenate(parts)[self._live]
        if weight_mask is not None:
            scores *= weight_mask
        return scores


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _link_tree(source: Path, target: Path) -> None:
    """`target` holding the same files as `source`, hard-linked (no bytes copied: a segment is never
    changed once written, and a link keeps it when the version it came from is removed)."""
    target.mkdir(parents=True)
    for path in source.iterdir():
        try:
            os.link(path, target / path.name)
        except OSError as error:
            if isinstance(error, FileNotFoundError):
                raise
            shutil.copy2(path, target / path.name)  # a file system without hard links


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
        """Whether the index matches the store. Writes through this process update it at once; a
        write by another process is seen within `max_age` seconds (0: ask the store now)."""
        stamp = self._stamp()
        if stamp.get("recipe") != RECIPE:
            return False
        mark, chunks = self._store_state(max_age)
        if mark is not None and stamp.get("mark") != mark:
            return False
        return stamp.get("chunks") == chunks

    def _staging(self) -> tuple[str, Path]:
        # Each update writes a version of its own (several processes may write at once: a server and an
        # ingest), and `directory` is a symlink swapped atomically to the newest complete one, so a reader
        # always finds a whole index, never a half-written or missing one.
        version = uuid.uuid4().hex[:12]
        staging = self._versions() / f"{version}.{os.getpid()}.partial"
        (staging / _SEGMENTS).mkdir(parents=True)
        return version, staging

    def rebuild(self) -> None:
        """Index every chunk in the store into one base segment (a merge), a page at a time; an empty
        store leaves no index."""
        mark = self.store.change_mark()  # read first: a write during the rebuild leaves it stale
        version, staging = self._staging()
        name = f"base-{version}"
        chunks = write_segment(staging / _SEGMENTS / name, self.store.iter_chunk_nodes(self.page))
        segments = [{"name": name, "chunks": chunks}] if chunks else []
        self._finish(staging, version, mark, segments, {})

    def update(self, written_documents: Collection[str] = ()) -> None:
        """Bring the index in line with the store at a cost in proportion to what changed: a delta
        segment of the chunks added, the chunks removed masked; a merge (`rebuild`) when the deltas and
        removals outgrow `MERGE_SHARE` of the base, when the recipe changed or when there is no index.

        `written_documents`: the articles written by the run that calls this. Their chunks are indexed
        again even where their ids were indexed before (a story removed and stored again from another
        source in one run keeps its chunk ids, not its metadata)."""
        mark = self.store.change_mark()  # read first: a write during the update leaves it stale
        current = self.directory.resolve()
        stamp = self._stamp(current)
        if stamp.get("recipe") != RECIPE or not stamp.get("segments"):
            self.rebuild()
            return
        version, staging = self._staging()
        try:
            segments, deleted, added = self._plan(current, stamp, set(written_documents))
            base = segments[0]["chunks"]
            in_deltas = sum(segment["chunks"] for segment in segments[1:]) + len(added)
            if in_deltas + sum(len(positions) for positions in deleted.values()) > MERGE_SHARE * base:
                shutil.rmtree(staging)
                self.rebuild()
                return
            for segment in segments:
                _link_tree(current / _SEGMENTS / segment["name"], staging / _SEGMENTS / segment["name"])
        except FileNotFoundError:  # the version was removed meanwhile (two newer ones published)
            shutil.rmtree(staging, ignore_errors=True)
            self.rebuild()
            return
        if added:
            name = f"delta-{version}"
            pages = (
                self.store.chunk_nodes(added[start : start + self.page])
                for start in range(0, len(added), self.page)
            )
            chunks = write_segment(staging / _SEGMENTS / name, pages)
            if chunks:
                segments.append({"name": name, "chunks": chunks})
        if len(segments) - 1 > MAX_DELTAS:
            name = f"deltas-{version}"
            sources = [(staging / _SEGMENTS / s["name"], deleted.pop(s["name"], [])) for s in segments[1:]]
            chunks = merge_segments(sources, staging / _SEGMENTS / name)
            for source, _ in sources:
                shutil.rmtree(source)
            segments = segments[:1] + ([{"name": name, "chunks": chunks}] if chunks else [])
        self._finish(staging, version, mark, segments, deleted)

    def _plan(
        self, current: Path, stamp: dict, written: set[str]
    ) -> tuple[list[dict], dict[str, list[int]], list[str]]:
        """The current version's segments, its removed positions with the chunks gone from the store
        since added, and the ids of the store's chunks to add (in the store's order)."""
        deleted: dict[str, list[int]] = json.loads((current / _DELETED).read_text(encoding="utf-8"))
        store_ids = self.store.chunk_ids()
        in_store = set(store_ids)
        indexed: set[str] = set()
        for segment in stamp["segments"]:
            name = segment["name"]
            removed = set(deleted.get(name, []))
            ids = _read_ids(current / _SEGMENTS / name)
            for position, (chunk_id, document_id) in enumerate(ids):
                if position in removed:
                    continue
                if chunk_id in in_store and document_id not in written:
                    indexed.add(chunk_id)
                else:
                    deleted.setdefault(name, []).append(position)
        added = [chunk_id for chunk_id in store_ids if chunk_id not in indexed]
        return list(stamp["segments"]), deleted, added

    def _finish(
        self, staging: Path, version: str, mark: str | None, segments: list[dict], deleted: dict
    ) -> None:
        chunks = sum(segment["chunks"] for segment in segments) - sum(len(p) for p in deleted.values())
        (staging / _DELETED).write_text(json.dumps(deleted), encoding="utf-8")
        stamp = {"chunks": chunks, "mark": mark, "version": version, "recipe": RECIPE, "segments": segments}
        (staging / _STAMP).write_text(json.dumps(stamp), encoding="utf-8")
        release_free_heap()  # the token ids and the built segment are on disk now
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

    def _open(self, version: Path, stamp: dict) -> BM25Retriever:
        deleted = json.loads((version / _DELETED).read_text(encoding="utf-8"))
        segments, corpus = [], []
        for entry in stamp["segments"]:
            directory = version / _SEGMENTS / entry["name"]
            segment = Segment.open(directory, deleted.get(entry["name"], []))
            with (directory / _CORPUS).open(encoding="utf-8") as lines:
                entries = zip(lines, segment.live, strict=True)
                corpus.extend(json.loads(line) for line, live in entries if live)
            segments.append(segment)
        # k = 1, never more than the chunks, so that BM25Retriever has no k to clamp and warn about
        # (`retriever` asks for its own k, clamped to the corpus).
        return BM25Retriever(existing_bm25=SegmentedBM25(segments, corpus), similarity_top_k=1)

    def load(self) -> BM25Retriever | None:
        """The BM25 index of the current chunks, loaded once; None when the store is empty."""
        if not self.is_current():
            self.update()
        for _ in range(3):
            # One version, resolved once: its stamp and its files belong together even if another process
            # publishes a newer version meanwhile.
            version = self.directory.resolve()
            stamp = self._stamp(version)
            if not stamp.get("chunks"):
                return None
            # Keyed by the stamp, which every update rewrites (here or by another process): a change of
            # the same size is reloaded too.
            if self._loaded is not None and self._loaded[0] == stamp:
                return self._loaded[1]
            try:
                self._loaded = (stamp, self._open(version, stamp))
            except FileNotFoundError:
                continue  # removed after two newer versions were published: resolve again
            return self._loaded[1]
        raise RuntimeError(f"{self.directory}: the lexical index kept changing while it was loaded")

    def stamp(self) -> dict:
        """What identifies the current index (its version, chunk count and the store's change mark): every
        update, delta or merge, rewrites it, so what is derived from the corpus is rebuilt when it changes."""
        if self.load() is None or self._loaded is None:
            return {}  # an empty store
        return self._loaded[0]

    def corpus(self) -> list[dict]:
        """The metadata of every indexed chunk, in index order (what a weight mask lines up with)."""
        loaded = self.load()
        return loaded.corpus if loaded is not None else []

    def retriever(
        self, top_k: int, weight_mask: list[int] | None = None, index: BM25Retriever | None = None
    ) -> BM25Retriever | None:
        """A BM25 retriever over the current chunks — or over `index`, an index loaded earlier (one
        question's snapshot) — restricted to the chunks whose `weight_mask` entry is 1 when one is given;
        None when the store is empty."""
        loaded = index if index is not None else self.load()
        if loaded is None:
            return None
        return BM25Retriever(
            existing_bm25=loaded.bm25,
            similarity_top_k=min(top_k, len(loaded.corpus)),
            corpus_weight_mask=weight_mask,
        )
