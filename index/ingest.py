"""The ingestion pipeline: read → clean → metadata → chunk → embed → store, article by article."""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path

import numpy as np
from llama_index.core.base.embeddings.base import BaseEmbedding
from llama_index.core.schema import MetadataMode, TextNode
from newsdesk.index.chunk import ArticleChunker
from newsdesk.index.clean import clean_article
from newsdesk.index.dedupe import NearDuplicateIndex, minhash, story_text
from newsdesk.index.heap import release_free_heap
from newsdesk.index.metadata import extract_metadata
from newsdesk.index.models import Article, IngestError, IngestReport, RawDocument
from newsdesk.index.read import UnreadableSource, read_documents
from newsdesk.index.repeated_lines import RepeatedLines, source_group
from newsdesk.index.store import ArticleStore
from newsdesk.index.writers import StoreWriters

from newsdesk.settings import FieldMapping

# Called after each batch with (articles read so far, characters of text read so far).
ProgressCallback = Callable[[int, int], None]
# Vectors of recent chunk texts kept for reuse across batches (a wire paragraph many stories share).
# Bounded, so memory stays flat: 4096 × 384 float32 ≈ 6 MB. Kept as float32 arrays, not the encoder's
# lists of Python floats (32 bytes a number: 50 MB once full, most of an ingest's Python heap).
# The encoders compute float32, so the round trip is exact.
REUSED_VECTORS = 4096


def article_id(cleaned_text: str) -> str:
    """Stable document id derived from the stored text: the same story always gets the same id."""
    return hashlib.sha256(cleaned_text.encode("utf-8")).hexdigest()[:16]


def prepare_article(raw: RawDocument, repeated: RepeatedLines | None = None) -> Article:
    """Clean a raw document and read its metadata; UnreadableSource when no story is left.

    `repeated`, counted over the batch beforehand, adds the lines the article's outlet (or folder)
    repeats in many articles to the furniture.
    """
    cleaned = clean_article(raw.text, repeated, source_group(raw) if repeated else "")
    if not cleaned.text.strip():
        raise UnreadableSource(raw.source, "no article text left after removing page furniture")
    return Article(
        doc_id=article_id(cleaned.text),
        source=raw.source,
        text=cleaned.text,
        content_hash=raw.content_hash,
        metadata=extract_metadata(raw.text, cleaned, raw.stated),
    )


class Ingestor:
    """Runs the pipeline into one store with one chunker and one embedding model.

    Articles go through in batches: one bulk lookup decides what is unchanged (a hash check and
    nothing more), the changed articles' chunks are embedded in one encoder call and written in
    a few Chroma calls. Memory holds one batch, however large the corpus.
    """

    def __init__(
        self,
        store: ArticleStore,
        chunker: ArticleChunker,
        embedder: BaseEmbedding,
        fields: FieldMapping | None = None,
        on_change: Callable[[set[str]], None] | None = None,
        *,
        batch_articles: int,
        repeated_line_articles: int,
        duplicates: NearDuplicateIndex | None = None,
        max_article_mb: float,
        writers: StoreWriters | None = None,
    ) -> None:
        self.store = store
        self.chunker = chunker
        self.embedder = embedder
        self.fields = fields or FieldMapping()
        # Called once after a run that changed the store, with the ids of the articles it wrote: derived
        # indexes (BM25) follow it.
        self.on_change = on_change
        # Articles embedded and written together: one encoder call, a few Chroma calls.
        self.batch_articles = batch_articles
        self.duplicates = duplicates
        # Lines seen in this many articles of one outlet (or folder) in a run are furniture; 0 = off.
        self.repeated_line_articles = repeated_line_articles
        self.max_article_mb = max_article_mb
        # Other processes may write the same store: batches are written under its write lock, and a
        # writer that died mid-batch is repaired after (see index/writers.py). None: this process alone.
        self.writers = writers
        self._recent_vectors: OrderedDict[str, np.ndarray] = OrderedDict()
        self._written: set[str] = set()  # the articles this run wrote, for `on_change`

    def ingest(
        self, paths: Iterable[Path], progress: ProgressCallback | None = None, prune: bool = False
    ) -> IngestReport:
        """Ingest every article under `paths`. With `prune`, articles stored from files under
        these paths that no longer exist are removed.

        Batches go through a two-stage pipeline: while the encoder (in its own thread; onnxruntime and
        torch release the GIL) embeds batch n, this thread writes batch n-1 to Chroma and reads,
        cleans, deduplicates and chunks batch n+1. The encoder is ~80% of an ingest's time; run one
        after the other, the rest (~20%) left one of the two cores idle.
        """
        with self.writers.registered() if self.writers else nullcontext(False) as crashed:
            return self._ingest(list(paths), progress, prune, repair=crashed)

    def _write_lock(self) -> AbstractContextManager[None]:
        return self.writers.batch() if self.writers else nullcontext()

    def _ingest(
        self, paths: list[Path], progress: ProgressCallback | None, prune: bool, repair: bool
    ) -> IngestReport:
        changed = False
        self._written = set()
        if repair:
            # An earlier writer died mid-batch: remove what it left half written before anything else.
            with self._write_lock():
                changed = self.store.repair() > 0
                if self.duplicates:
                    self.duplicates.reconcile()
        repeated = None
        if self.repeated_line_articles:
            # A counting pass first (hashes only): a footer is furniture once many articles share it.
            repeated = RepeatedLines(min_articles=self.repeated_line_articles)
            repeated.add_documents(read_documents(paths, self.fields, self.max_article_mb))
            repeated.finish()
        report = IngestReport()
        seen: set[str] = set()
        # What the prune must not take as deleted: files not read to their end, and records that were
        # found but could not be ingested this time (an emptied body, an oversized record).
        unsure_files: set[str] = set()
        read = characters = 0
        pending: _PlannedBatch | None = None
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="newsdesk-encoder") as encoder:
            documents_read = read_documents(paths, self.fields, self.max_article_mb)
            for batch in _batches(documents_read, self.batch_articles):
                documents = []
                for item in batch:
                    if isinstance(item, UnreadableSource):
                        report.errors.append(IngestError(source=item.source, reason=item.reason))
                        if item.file_incomplete or "#" not in item.source:
                            unsure_files.add(_file_of(item.source))
                        seen.add(item.source)
                    else:
                        documents.append(item)
                        seen.add(item.source)
                        characters += len(item.text)
                read += len(batch)
                planned = self._plan_batch(documents, report, repeated, pending)
                planned.read, planned.characters = read, characters
                # Queued behind the pending batch's job: the encoder goes straight on to it.
                planned.start(encoder, self.embedder)
                if pending is not None:
                    changed |= self._write_batch(pending, report, progress)
                pending = planned
                # This batch's texts are now held by `planned` alone; hand freed pages back.
                del batch, documents
                release_free_heap()
            if pending is not None:
                changed |= self._write_batch(pending, report, progress)
        if prune:
            with self._write_lock():
                report.pruned = self._prune(paths, seen, unsure_files)
                if self.duplicates:
                    self.duplicates.save([])
            changed |= report.pruned > 0
        if changed and self.on_change:
            self.on_change(self._written)
        report.documents = self.store.count_articles()
        report.chunks = self.store.count_chunks()
        return report

    def _plan_batch(
        self,
        documents: list[RawDocument],
        report: IngestReport,
        repeated: RepeatedLines | None,
        pending: _PlannedBatch | None,
    ) -> _PlannedBatch:
        """Everything before the encoder: skip what is unchanged, clean, find duplicates, chunk, and
        pick the chunk texts that need a new vector. `pending` is the batch still being embedded and
        not yet written: its articles count as stored for duplicate checks."""
        planned = _PlannedBatch()
        previous = self.store.find_by_sources([doc.source for doc in documents])
        prepared: list[tuple[Article, list[str]]] = []  # the article, and the doc_ids it replaces
        for raw in documents:
            versions = previous.get(raw.source, [])
            current = next((s for s in versions if s.metadata.get("content_hash") == raw.content_hash), None)
            if current is not None:
                # An update killed between writing this version and removing the one before it left both.
                planned.superseded += [s.doc_id for s in versions if s is not current]
                report.skipped += 1  # unchanged file: a hash check is all it costs
                continue
            try:
                article = prepare_article(raw, repeated)
            except UnreadableSource as problem:
                report.errors.append(IngestError(source=problem.source, reason=problem.reason))
                continue
            same_story = next((s for s in versions if s.doc_id == article.doc_id), None)
            if same_story is not None:
                self.store.update_article_metadata(article.doc_id, content_hash=raw.content_hash)
                planned.superseded += [s.doc_id for s in versions if s is not same_story]
                report.skipped += 1  # the file changed only in furniture: the story is the same
                continue
            prepared.append((article, [s.doc_id for s in versions]))

        existing = self.store.existing_ids([article.doc_id for article, _ in prepared])
        if pending is not None:
            existing |= {article.doc_id for article, _ in pending.fresh}
        for article, replaces in prepared:
            if article.doc_id in existing:
                planned.alternates.append((article.doc_id, article.source))
                report.skipped += 1  # the same story is already stored from another file
                continue
            story = story_text(article.text, article.metadata.title)
            signature = minhash(story) if self.duplicates else None
            twin = (
                self.duplicates.find(story, signature, ignore=set(replaces))
                if self.duplicates is not None
                else None
            )
            if twin is not None:
                planned.alternates.append((twin, article.source))
                report.skipped += 1  # a near-duplicate: stored once, this source recorded beside it
                continue
            planned.fresh.append((article, replaces))
            existing.add(article.doc_id)  # a second copy later in this batch is a duplicate too
            if self.duplicates is not None:
                self.duplicates.add(article.doc_id, story, signature)
        if not planned.fresh:
            return planned

        planned.chunked = [(article, self.chunker.chunk_article(article)) for article, _ in planned.fresh]
        planned.texts = [
            chunk.get_content(metadata_mode=MetadataMode.EMBED)
            for _, chunks in planned.chunked
            for chunk in chunks
        ]
        # An updated article keeps the vectors of its chunks whose text did not change.
        replaced = [old for _, olds in planned.fresh for old in olds]
        for text, vector in self.store.chunk_vectors(replaced).items():
            self._recent_vectors[text] = np.asarray(vector, dtype=np.float32)
        # Never embed the same text twice: not within the batch, not when a recent batch (or the one
        # being embedded now) had it.
        in_flight = set(pending.new_texts) if pending is not None else set()
        planned.new_texts = [
            text
            for text in dict.fromkeys(planned.texts)
            if text not in self._recent_vectors and text not in in_flight
        ]
        return planned

    def _write_batch(
        self, planned: _PlannedBatch, report: IngestReport, progress: ProgressCallback | None
    ) -> bool:
        """Everything after the encoder: wait for its vectors, write the articles, drop what they
        replace, record alternate sources; True when the store changed."""
        vectors = planned.wait()
        with self._write_lock():
            changed = self._store_batch(planned, vectors, report)
        if progress:
            progress(planned.read, planned.characters)
        return changed

    def _store_batch(self, planned: _PlannedBatch, vectors: list[list[float]], report: IngestReport) -> bool:
        """The batch's writes to the store and the near-duplicate index, under the store's write lock."""
        changed = False
        if planned.fresh:
            for text, vector in zip(planned.new_texts, vectors, strict=True):
                self._recent_vectors[text] = np.asarray(vector, dtype=np.float32)
            report.embedded += len(planned.new_texts)
            chunks = [chunk for _, article_chunks in planned.chunked for chunk in article_chunks]
            for chunk, text in zip(chunks, planned.texts, strict=True):
                self._recent_vectors.move_to_end(text)
                chunk.embedding = self._recent_vectors[text].tolist()
            while len(self._recent_vectors) > REUSED_VECTORS:
                self._recent_vectors.popitem(last=False)
            self.store.put_articles(planned.chunked)
            self._written.update(article.doc_id for article, _ in planned.fresh)
            replaced = [old for _, olds in planned.fresh for old in olds]
            self.store.delete_articles(replaced)
            if self.duplicates:
                self.duplicates.remove(replaced)
            updated = sum(1 for _, olds in planned.fresh if olds)
            report.updated += updated
            report.added += len(planned.fresh) - updated
            changed = True
        if planned.superseded:
            self.store.delete_articles(planned.superseded)
            if self.duplicates:
                self.duplicates.remove(planned.superseded)
            changed = True
        if self.duplicates:
            self.duplicates.save([article.doc_id for article, _ in planned.fresh])
        # After the write: an alternate may point at an article of this very batch.
        self._record_alternates(planned.alternates)
        return changed

    def _record_alternates(self, alternates: list[tuple[str, str]]) -> None:
        for doc_id, source in alternates:
            self.store.add_alternate_source(doc_id, source)

    def _prune(self, roots: list[Path], seen: set[str], unsure_files: set[str]) -> int:
        """Remove stored articles under `roots` that are gone: their file no longer exists, or their
        file was read completely this run without them (a record deleted from a JSON file). A file that
        could not be read to its end (`unsure_files`: truncated, malformed, rewritten while read) keeps
        all its articles, and so does a record that was found but not ingested: nothing stored is lost
        to a bad read."""
        prefixes = [
            str(root.expanduser().resolve()).rstrip("/") for root in roots if root.expanduser().exists()
        ]
        read_files = {_file_of(source) for source in seen}
        gone = [
            doc_id
            for source, doc_id in self.store.iter_sources()
            if source not in seen
            and any(source == p or source.startswith(p + "/") for p in prefixes)
            and _file_of(source) not in unsure_files
            and (_file_of(source) in read_files or not Path(_file_of(source)).exists())
        ]
        self.store.delete_articles(gone)
        if self.duplicates:
            self.duplicates.remove(gone)
        return len(gone)


@dataclass
class _PlannedBatch:
    """One batch between planning and writing: what to store, and its encoder job."""

    fresh: list[tuple[Article, list[str]]] = field(default_factory=list)  # (article, doc_ids replaced)
    # Older versions of unchanged sources, left by an update that was killed half done: removed.
    superseded: list[str] = field(default_factory=list)
    alternates: list[tuple[str, str]] = field(default_factory=list)  # (stored doc_id, other source)
    chunked: list[tuple[Article, list[TextNode]]] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)  # each chunk's embedded text, in chunk order
    new_texts: list[str] = field(default_factory=list)  # the distinct texts no reused vector covers
    read: int = 0  # documents read once this batch was read, for progress
    characters: int = 0
    _job: Future | None = None

    def start(self, encoder: ThreadPoolExecutor, embedder: BaseEmbedding) -> None:
        if self.new_texts:
            self._job = encoder.submit(embedder.get_text_embedding_batch, self.new_texts)

    def wait(self) -> list[list[float]]:
        """The encoder's vectors, one per new text (re-raises the encoder's error)."""
        return self._job.result() if self._job is not None else []


def _file_of(source: str) -> str:
    """The file a source lives in: records are `file#id`, zip members `archive.zip!/member`."""
    return source.split("!/", 1)[0].split("#", 1)[0]


def _batches(items: Iterator | Iterable, size: int) -> Iterator[list]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch
