"""Step 6: the Chroma store, embedded (PersistentClient) or a server (HttpClient).

Two collections: `<prefix>_chunks` holds the chunk vectors through llama-index's ChromaVectorStore
(what retrieval reads); `<prefix>_articles` holds one record per article — its cleaned text, which
citation offsets point into, its metadata, and the mean of its chunk vectors. The article record is
written last, so it marks an article as complete: an ingest killed half-way leaves at most orphan
chunks, which the next ingest of that article replaces.
"""

from __future__ import annotations

import os
import shutil
import time
import uuid
from collections import Counter
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import chromadb
import numpy as np
from chromadb.api import ClientAPI
from chromadb.config import Settings as ChromaSettings
from llama_index.core.schema import BaseNode, MetadataMode, TextNode
from llama_index.core.vector_stores.utils import metadata_dict_to_node
from llama_index.vector_stores.chroma import ChromaVectorStore
from newsdesk.index.chunk import article_metadata
from newsdesk.index.models import Article
from pydantic import BaseModel

_COSINE = {"hnsw": {"space": "cosine"}}
# Key, in the chunk collection's metadata, of a token that changes with every write: derived indexes
# (BM25) compare it with the one they were built from. Counts alone miss a replace of equal size.
CHANGE_MARK_KEY = "newsdesk_change"


class StoredArticle(BaseModel):
    doc_id: str
    text: str
    metadata: dict[str, Any]


class StoreSummary(BaseModel):
    """What the store holds, read from the article records alone (no model, no chunk text)."""

    documents: int
    chunks: int
    outlets: dict[str, int]
    published_from: str | None
    published_to: str | None
    last_ingest: str | None


class StoreError(RuntimeError):
    """The store cannot be opened or written; the message says where and why."""


def is_read_only(data_dir: Path) -> bool:
    """Whether an existing embedded store cannot be written (a read-only mount, another user's archive)."""
    chroma = data_dir / "chroma"
    return chroma.is_dir() and not (
        os.access(chroma, os.W_OK) and os.access(chroma / "chroma.sqlite3", os.W_OK)
    )


def readable_copy(data_dir: Path, scratch: Path) -> Path:
    """A writable copy of a read-only embedded store's Chroma files, in `scratch`, made again whenever the
    store changes (its database's size or time). Chroma cannot open a store it may not write (SQLite's
    journal and its own bookkeeping write even for reads), so a read-only archive is queried through this."""
    source = data_dir / "chroma"
    database = (source / "chroma.sqlite3").stat()
    stamp = f"{database.st_size}:{database.st_mtime_ns}"
    marker = scratch / "copied-from.txt"
    if not (marker.is_file() and marker.read_text(encoding="utf-8") == stamp):
        shutil.rmtree(scratch, ignore_errors=True)
        shutil.copytree(source, scratch / "chroma", copy_function=shutil.copyfile)
        for folder, _, names in os.walk(scratch):  # copytree keeps the folders' read-only modes
            os.chmod(folder, 0o700)
            for name in names:
                os.chmod(os.path.join(folder, name), 0o600)
        marker.write_text(stamp, encoding="utf-8")
    return scratch


def open_chroma(data_dir: Path, chroma_url: str | None = None) -> ClientAPI:
    """A Chroma client: a server at `chroma_url`, else an embedded store under `data_dir`."""
    settings = ChromaSettings(anonymized_telemetry=False)
    try:
        if chroma_url:
            url = urlparse(chroma_url)
            return chromadb.HttpClient(
                host=url.hostname or "127.0.0.1",
                port=url.port or (443 if url.scheme == "https" else 8000),
                ssl=url.scheme == "https",
                settings=settings,
            )
        data_dir.mkdir(parents=True, exist_ok=True)
        return chromadb.PersistentClient(path=str(data_dir / "chroma"), settings=settings)
    except Exception as error:  # chromadb raises many types; the user needs the place and the reason
        where = chroma_url or str(data_dir)
        raise StoreError(f"{where}: cannot open the Chroma store: {error}") from error


class ArticleStore:
    """Articles and their chunks in Chroma."""

    def __init__(self, client: ClientAPI, prefix: str = "newsdesk") -> None:
        # embedding_function=None: we always hand Chroma our own vectors (its default one downloads a model).
        self._articles = client.get_or_create_collection(
            f"{prefix}_articles", embedding_function=None, configuration=_COSINE
        )
        self._chunks = client.get_or_create_collection(
            f"{prefix}_chunks", embedding_function=None, configuration=_COSINE
        )
        self.vector_store = ChromaVectorStore(chroma_collection=self._chunks)
        self._client = client
        self._chunks_name = f"{prefix}_chunks"
        self._max_batch = client.get_max_batch_size()

    # --- the chunk collection's own metadata: encoder record and change mark ---------------------
    def chunk_collection_metadata(self) -> dict[str, Any]:
        """The chunk collection's metadata as stored now (re-read: another process may have written)."""
        return dict(self._client.get_collection(self._chunks_name).metadata or {})

    def update_chunk_collection_metadata(self, **values: Any) -> None:
        metadata = {**self.chunk_collection_metadata(), **values}
        metadata.pop("hnsw:space", None)  # set through the configuration, not modifiable here
        self._chunks.modify(metadata=metadata)

    def change_mark(self) -> str | None:
        """A token that changes with every write to the chunks; None for a store written before marks."""
        mark = self.chunk_collection_metadata().get(CHANGE_MARK_KEY)
        return str(mark) if mark is not None else None

    def _mark_changed(self) -> None:
        self.update_chunk_collection_metadata(**{CHANGE_MARK_KEY: uuid.uuid4().hex})

    # --- reading -------------------------------------------------------------------------------
    def count_articles(self) -> int:
        return self._articles.count()

    def count_chunks(self) -> int:
        return self._chunks.count()

    def get_article(self, doc_id: str) -> StoredArticle | None:
        found = self._articles.get(ids=[doc_id], include=["documents", "metadatas"])
        if not found["ids"]:
            return None
        return StoredArticle(
            doc_id=doc_id, text=found["documents"][0] or "", metadata=dict(found["metadatas"][0])
        )

    def get_articles(self, doc_ids: Iterable[str]) -> dict[str, StoredArticle]:
        """The stored articles of these ids (those the store has), in one query: an answer reads
        the articles it cites once (rag.assistant) and passes them on."""
        wanted = list(dict.fromkeys(doc_ids))
        if not wanted:
            return {}
        found = self._articles.get(ids=wanted, include=["documents", "metadatas"])
        return {
            doc_id: StoredArticle(doc_id=doc_id, text=text or "", metadata=dict(metadata))
            for doc_id, text, metadata in zip(
                found["ids"], found["documents"], found["metadatas"], strict=True
            )
        }

    def find_by_sources(self, sources: list[str]) -> dict[str, list[StoredArticle]]:
        """The stored articles of these sources (metadata only), in one query per batch. A source has one
        article, except after an update that was killed between writing the new version and removing the
        old one: then both are returned, and the ingest that finds them keeps the right one."""
        found: dict[str, list[StoredArticle]] = {}
        for start in range(0, len(sources), self._max_batch):
            part = sources[start : start + self._max_batch]
            result = self._articles.get(where={"source": {"$in": part}}, include=["metadatas"])
            for doc_id, metadata in zip(result["ids"], result["metadatas"], strict=True):
                found.setdefault(str(metadata["source"]), []).append(
                    StoredArticle(doc_id=doc_id, text="", metadata=dict(metadata))
                )
        return found

    def existing_ids(self, doc_ids: list[str]) -> set[str]:
        doc_ids = list(dict.fromkeys(doc_ids))  # Chroma rejects a get with repeated ids
        found: set[str] = set()
        for start in range(0, len(doc_ids), self._max_batch):
            found.update(self._articles.get(ids=doc_ids[start : start + self._max_batch], include=[])["ids"])
        return found

    def article_ids(self, page: int = 5000) -> set[str]:
        """The ids of every stored article (no text, no metadata)."""
        found: set[str] = set()
        offset = 0
        while True:
            result = self._articles.get(include=[], limit=page, offset=offset)
            found.update(result["ids"])
            if len(result["ids"]) < page:
                return found
            offset += page

    def iter_sources(self, page: int = 5000) -> list[tuple[str, str]]:
        """(source, doc_id) of every stored article, read page by page."""
        sources: list[tuple[str, str]] = []
        offset = 0
        while True:
            result = self._articles.get(include=["metadatas"], limit=page, offset=offset)
            for doc_id, metadata in zip(result["ids"], result["metadatas"], strict=True):
                sources.append((str(metadata.get("source", "")), doc_id))
            if len(result["ids"]) < page:
                return sources
            offset += page

    def iter_texts(self, page: int = 1000) -> Iterator[tuple[str, str, str | None]]:
        """(doc_id, stored text, title) of every article, read page by page."""
        offset = 0
        while True:
            result = self._articles.get(include=["documents", "metadatas"], limit=page, offset=offset)
            metadatas = result["metadatas"] or []
            titles = (str(meta["title"]) if meta and meta.get("title") else None for meta in metadatas)
            texts = (text or "" for text in result["documents"])
            yield from zip(result["ids"], texts, titles, strict=True)
            if len(result["ids"]) < page:
                return
            offset += page

    def iter_chunk_nodes(self, page: int = 1000) -> Iterator[list[BaseNode]]:
        """Every chunk as a llama-index node (text and metadata, no vector), a page at a time."""
        offset = 0
        while True:
            result = self._chunks.get(include=["documents", "metadatas"], limit=page, offset=offset)
            if result["ids"]:
                yield [
                    metadata_dict_to_node(dict(metadata), text=text)
                    for text, metadata in zip(result["documents"], result["metadatas"], strict=True)
                ]
            if len(result["ids"]) < page:
                return
            offset += page

    def chunk_ids(self, page: int = 5000) -> list[str]:
        """The id of every chunk (no text, no metadata), in the order `iter_chunk_nodes` reads them."""
        ids: list[str] = []
        while True:
            result = self._chunks.get(include=[], limit=page, offset=len(ids))
            ids.extend(result["ids"])
            if len(result["ids"]) < page:
                return ids

    def chunk_nodes(self, chunk_ids: list[str]) -> list[BaseNode]:
        """These chunks as llama-index nodes (text and metadata, no vector), in the order asked; ids no
        longer stored are left out."""
        found: dict[str, BaseNode] = {}
        for start in range(0, len(chunk_ids), self._max_batch):
            result = self._chunks.get(
                ids=chunk_ids[start : start + self._max_batch], include=["documents", "metadatas"]
            )
            for chunk_id, text, metadata in zip(
                result["ids"], result["documents"], result["metadatas"], strict=True
            ):
                found[chunk_id] = metadata_dict_to_node(dict(metadata), text=text)
        return [found[chunk_id] for chunk_id in chunk_ids if chunk_id in found]

    def chunk_vectors(self, doc_ids: list[str]) -> dict[str, list[float]]:
        """The stored vectors of these articles' chunks, keyed by the text that was embedded (title
        included), so an updated article re-embeds only the chunks whose text changed."""
        vectors: dict[str, list[float]] = {}
        for start in range(0, len(doc_ids), self._max_batch):
            part = doc_ids[start : start + self._max_batch]
            found = self._chunks.get(
                where={"document_id": {"$in": part}}, include=["documents", "metadatas", "embeddings"]
            )
            for text, metadata, vector in zip(
                found["documents"], found["metadatas"], found["embeddings"], strict=True
            ):
                node = metadata_dict_to_node(dict(metadata), text=text)
                vectors[node.get_content(metadata_mode=MetadataMode.EMBED)] = [float(x) for x in vector]
        return vectors

    def add_alternate_source(self, doc_id: str, source: str) -> None:
        """Record that `source` carries (nearly) the same story as the stored article."""
        found = self._articles.get(ids=[doc_id], include=["metadatas"])
        if not found["ids"]:
            return
        alternates = [s for s in str(found["metadatas"][0].get("alternates", "")).split("\n") if s]
        if source not in alternates and source != found["metadatas"][0].get("source"):
            alternates.append(source)
            # Newline-joined: Chroma metadata values are scalars, and paths may contain commas.
            self._articles.update(ids=[doc_id], metadatas=[{"alternates": "\n".join(alternates)}])

    def article_metadatas(self) -> Iterator[dict[str, Any]]:
        """Every article record's metadata, read a page at a time (a page is at most one batch)."""
        offset = 0
        while True:
            page = self._articles.get(include=["metadatas"], limit=self._max_batch, offset=offset)
            yield from (dict(metadata or {}) for metadata in page["metadatas"] or [])
            if len(page["ids"]) < self._max_batch:
                return
            offset += len(page["ids"])

    def summary(self) -> StoreSummary:
        """Counts, outlets, the published date range and the time of the last article written."""
        outlets: Counter[str] = Counter()
        dates: list[str] = []
        ingested: list[str] = []
        for metadata in self.article_metadatas():
            if metadata.get("outlet"):
                outlets[str(metadata["outlet"])] += 1
            if metadata.get("published"):
                dates.append(str(metadata["published"]))  # ISO dates: string order is date order
            if metadata.get("ingested_at"):
                ingested.append(str(metadata["ingested_at"]))
        return StoreSummary(
            documents=self.count_articles(),
            chunks=self.count_chunks(),
            outlets=dict(sorted(outlets.items(), key=lambda item: (-item[1], item[0]))),
            published_from=min(dates, default=None),
            published_to=max(dates, default=None),
            last_ingest=max(ingested, default=None),
        )

    def find_article(self, key: str) -> StoredArticle | None:
        """One article with its text by its source as ingested (absolute path, `path#record`,
        `archive!/member`, URL), by a path relative to the working directory, or by its doc_id."""
        candidates = [key]
        if "://" not in key:
            absolute = str(Path(key).expanduser().resolve())
            if absolute != key:
                candidates.append(absolute)
        for source in candidates:
            found = self._articles.get(where={"source": source}, include=[], limit=1)
            if found["ids"]:
                return self.get_article(found["ids"][0])
        return self.get_article(key)

    def count_article_chunks(self, doc_id: str) -> int:
        return len(self._chunks.get(where={"document_id": doc_id}, include=[])["ids"])

    # --- repair after a crash ------------------------------------------------------------------
    def repair(self) -> int:
        """Undo what a writer killed mid-batch can leave behind; the number of articles and chunk groups
        removed. Two kinds of leftovers exist, given the write order (chunks before their article record;
        a record before its chunks when deleting; a new version before the old one is removed):
        chunks whose article has no record (an article half written, or half deleted), and two articles
        of one source (an update half done: the later one is the new version). Reads every chunk's
        metadata, so it is run only when a writer is known to have died (see index/writers.py)."""
        versions: dict[str, list[tuple[int, str]]] = {}
        for metadata in self.article_metadatas():
            versions.setdefault(str(metadata.get("source", "")), []).append(
                (int(metadata.get("written_ns", 0)), str(metadata["doc_id"]))
            )
        superseded = [
            doc_id for found in versions.values() if len(found) > 1 for _, doc_id in sorted(found)[:-1]
        ]
        self.delete_articles(superseded)
        articles = {doc_id for found in versions.values() for _, doc_id in found} - set(superseded)
        orphaned = sorted(self._chunk_document_ids() - articles)
        for start in range(0, len(orphaned), self._max_batch):
            self._chunks.delete(where={"document_id": {"$in": orphaned[start : start + self._max_batch]}})
        if orphaned:
            self._mark_changed()
        return len(superseded) + len(orphaned)

    def _chunk_document_ids(self) -> set[str]:
        found: set[str] = set()
        offset = 0
        while True:
            page = self._chunks.get(include=["metadatas"], limit=self._max_batch, offset=offset)
            found.update(str((metadata or {}).get("document_id", "")) for metadata in page["metadatas"])
            if len(page["ids"]) < self._max_batch:
                return found
            offset += len(page["ids"])

    # --- writing -------------------------------------------------------------------------------
    def put_articles(self, items: list[tuple[Article, list[TextNode]]]) -> None:
        """Store articles with their embedded chunks, replacing earlier chunks of the same ids.

        Order matters for crash safety: old chunks out, new chunks in, article records last, so an
        article record exists only once all its chunks do.
        """
        if not items:
            return
        doc_ids = [article.doc_id for article, _ in items]
        self._chunks.delete(where={"document_id": {"$in": doc_ids}})
        chunks = [chunk for _, article_chunks in items for chunk in article_chunks]
        for start in range(0, len(chunks), self._max_batch):
            self.vector_store.add(chunks[start : start + self._max_batch])
        records = [self._article_record(article, article_chunks) for article, article_chunks in items]
        for start in range(0, len(records), self._max_batch):
            part = records[start : start + self._max_batch]
            self._articles.upsert(
                ids=[r[0] for r in part],
                documents=[r[1] for r in part],
                metadatas=[r[2] for r in part],
                embeddings=[r[3] for r in part],
            )
        self._mark_changed()

    @staticmethod
    def _article_record(
        article: Article, chunks: list[TextNode]
    ) -> tuple[str, str, dict[str, Any], list[float]]:
        vectors = np.asarray([chunk.get_embedding() for chunk in chunks], dtype=np.float32)
        centroid = vectors.mean(axis=0)
        centroid /= np.linalg.norm(centroid) or 1.0
        metadata: dict[str, Any] = {
            **article_metadata(article),
            "content_hash": article.content_hash,
            "chunks": len(chunks),
            "ingested_at": datetime.now(UTC).isoformat(timespec="seconds"),
            # Orders two versions of one source that a killed update left behind (see repair).
            "written_ns": time.time_ns(),
        }
        return article.doc_id, article.text, metadata, centroid.tolist()

    def delete_articles(self, doc_ids: list[str]) -> None:
        """Remove articles: their records first (they stop being complete), then their chunks."""
        for start in range(0, len(doc_ids), self._max_batch):
            part = doc_ids[start : start + self._max_batch]
            self._articles.delete(ids=part)
            self._chunks.delete(where={"document_id": {"$in": part}})
        if doc_ids:
            self._mark_changed()

    def update_article_metadata(self, doc_id: str, **values: Any) -> None:
        self._articles.update(ids=[doc_id], metadatas=[values])
