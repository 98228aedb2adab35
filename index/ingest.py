"""The ingestion pipeline: read → clean → metadata → chunk → embed → store, article by article."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from pathlib import Path

from llama_index.core.base.embeddings.base import BaseEmbedding
from llama_index.core.schema import MetadataMode

from index.chunk import ArticleChunker
from index.clean import clean_article
from index.metadata import extract_metadata
from index.models import Article, IngestError, IngestReport, RawDocument
from index.read import FieldMapping, UnreadableSource, read_documents
from index.repeated_lines import RepeatedLines, source_group
from index.store import ArticleStore

ProgressCallback = Callable[[str], None]


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
    """Runs the pipeline into one store with one chunker and one embedding model."""

    def __init__(
        self,
        store: ArticleStore,
        chunker: ArticleChunker,
        embedder: BaseEmbedding,
        fields: FieldMapping | None = None,
        on_change: Callable[[], None] | None = None,
    ) -> None:
        self.store = store
        self.chunker = chunker
        self.embedder = embedder
        self.fields = fields or FieldMapping()
        # Called once after a run that changed the store: derived indexes (BM25) follow it.
        self.on_change = on_change

    def ingest(self, paths: Iterable[Path], on_file: ProgressCallback | None = None) -> IngestReport:
        """Ingest every article under `paths`. The read step streams: however large the corpus, at
        most one file's text (50 MB) and one article are in memory; each article counts once here."""
        report = IngestReport()
        for item in read_documents(paths, self.fields):
            if isinstance(item, UnreadableSource):
                report.errors.append(IngestError(source=item.source, reason=item.reason))
                continue
            if on_file:
                on_file(item.source)
            try:
                outcome = self._ingest_document(item)
            except UnreadableSource as problem:
                report.errors.append(IngestError(source=problem.source, reason=problem.reason))
                continue
            setattr(report, outcome, getattr(report, outcome) + 1)
        if self.on_change and (report.added or report.updated):
            self.on_change()
        report.documents = self.store.count_articles()
        report.chunks = self.store.count_chunks()
        return report

    def _ingest_document(self, raw: RawDocument) -> str:
        """Ingest one article and say what happened to it: "added", "updated" or "skipped"."""
        previous = self.store.find_by_source(raw.source)
        if previous is not None and previous.metadata.get("content_hash") == raw.content_hash:
            return "skipped"  # unchanged file or record: a hash check is all it costs
        article = prepare_article(raw)
        if previous is not None and previous.doc_id == article.doc_id:
            self.store.update_article_metadata(article.doc_id, content_hash=raw.content_hash)
            return "skipped"  # the file changed only in furniture: the story is the same
        if previous is None and self.store.has_article(article.doc_id):
            return "skipped"  # the same story is already stored from another file
        chunks = self.chunker.chunk_article(article)
        texts = [chunk.get_content(metadata_mode=MetadataMode.EMBED) for chunk in chunks]
        for chunk, vector in zip(chunks, self.embedder.get_text_embedding_batch(texts), strict=True):
            chunk.embedding = vector
        self.store.put_article(article, chunks)
        if previous is not None:
            self.store.delete_article(previous.doc_id)
            return "updated"
        return "added"
