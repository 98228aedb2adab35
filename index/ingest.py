"""The ingestion pipeline: read → clean → metadata → chunk → embed → store, article by article."""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
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
        on_change: Callable[[], None] | None = None,
        *,
        batch_articles: int,
        repeated_line_articles: int,
        duplicates: NearDuplicateIndex | None = None,
    ) -> None:
        self.store = store
        self.chunker = chunker
        self.embedder = embedder
        self.fields = fields or FieldMapping()
        # Called once after a run that changed the store: derived indexes (BM25) follow it.
        self.on_change = on_change
        # Articles embedded and written together: one encoder call, a few Chroma calls.
        self.batch_articles = batch_articles
        self.duplicates = duplicates
        # Lines seen in this many articles of one outlet (or folder) in a run are furniture; 0 = off.
        self.repeated_line_articles = repeated_line_articles
        self._recent_vectors: OrderedDict[str, np.ndarray] = OrderedDict()

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
        paths = list(paths)
        repeated = None
        if self.repeated_line_articles:
            # A counting pass first (hashes only): a footer is furniture once many articles share it.
            repeated = RepeatedLines(min_articles=self.repeated_line_articles)
            repeated.add_documents(read_documents(paths, self.fields))
            repeated.finish()
        report = IngestReport()
        seen: set[str] = set()
        changed = False
        read = characters = 0
        pending: _PlannedBatch | None = None
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="newsdesk-encoder") as encoder:
            for batch in _batches(read_documents(paths, self.fields), self.batch_articles):
                documents = []
                for item in batch:
                    if isinstance(item, UnreadableSource):
                        report.errors.append(IngestError(source=item.source, reason=item.reason))
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
            report.pruned = self._prune(paths, seen)
            changed |= report.pruned > 0
        if changed and self.duplicates:
            self.duplicates.save()
        if changed and self.on_change:
            self.on_change()
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
        prepared: list[tuple[Article, str | None]] = []  # the article, and the doc_id it replaces
        for raw in documents:
            stored = previous.get(raw.source)
            if stored is not None and stored.metadata.get("content_hash") == raw.content_hash:
                report.skipped += 1  # unchanged file: a hash check is all it costs
                continue
            try:
                article = prepare_article(raw, repeated)
            except UnreadableSource as problem:
                report.errors.append(IngestError(source=problem.source, reason=problem.reason))
                continue
            if stored is not None and stored.doc_id == article.doc_id:
                self.store.update_article_metadata(article.doc_id, content_hash=raw.content_hash)
                report.skipped += 1  # the file changed only in furniture: the story is the same
                continue
            prepared.append((article, stored.doc_id if stored else None))

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
                self.duplicates.find(story, signature, ignore=replaces)
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
        replaced = [old for _, old in planned.fresh if old is not None]
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
        changed = False
        if planned.fresh:
            for text, vector in zip(planned.new_texts, planned.wait(), strict=True):
                self._recent_vectors[text] = np.asarray(vector, dtype=np.float32)
            report.embedded += len(planned.new_texts)
            chunks = [chunk for _, article_chunks in planned.chunked for chunk in article_chunks]
            for chunk, text in zip(chunks, planned.texts, strict=True):
                self._recent_vectors.move_to_end(text)
                chunk.embedding = self._recent_vectors[text].tolist()
            while len(self._recent_vectors) > REUSED_VECTORS:
                self._recent_vectors.popitem(last=False)
            self.store.put_articles(planned.chunked)
            replaced = [replaces for _, replaces in planned.fresh if replaces is not None]
            self.store.delete_articles(replaced)
            if self.duplicates:
                self.duplicates.remove(replaced)
            report.updated += len(replaced)
            report.added += len(planned.fresh) - len(replaced)
            changed = True
        # After the write: an alternate may point at an article of this very batch.
        self._record_alternates(planned.alternates)
        if progress:
            progress(planned.read, planned.characters)
        return changed

    def _record_alternates(self, alternates: list[tuple[str, str]]) -> None:
        for doc_id, source in alternates:
            self.store.add_alternate_source(doc_id, source)

    def _prune(self, roots: list[Path], seen: set[str]) -> int:
        """Remove stored articles under `roots` that are gone: their file no longer exists, or their
        file was read this run without them (a record deleted from a JSON file). A file that could
        not be read at all keeps its articles: nothing stored is lost to a bad read."""
        prefixes = [
            str(root.expanduser().resolve()).rstrip("/") for root in roots if root.expanduser().exists()
        ]
        read_files = {_file_of(source) for source in seen}
        gone = [
            doc_id
            for source, doc_id in self.store.iter_sources().items()
            if source not in seen
            and any(source == p or source.startswith(p + "/") for p in prefixes)
            and (_file_of(source) in read_files or not Path(_file_of(source)).exists())
        ]
        self.store.delete_articles(gone)
        if self.duplicates:
            self.duplicates.remove(gone)
        return len(gone)


@dataclass
class _PlannedBatch:
    """One batch between planning and writing: what to store, and its encoder job."""

    fresh: list[tuple[Article, str | None]] = field(default_factory=list)  # (article, doc_id replaced)
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
