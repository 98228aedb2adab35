"""The data that passes between ingestion steps."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, Field


class RawDocument(BaseModel):
    """A file as read from disk, before cleaning."""

    source: str = Field(description="Absolute path or URL, as ingested.")
    text: str
    content_hash: str = Field(description="sha256 of the raw bytes: unchanged files cost only this check.")


class ArticleMetadata(BaseModel):
    title: str | None = None
    outlet: str | None = None
    published: date | None = None


class Article(BaseModel):
    """A cleaned article, ready to chunk. `text` is what is stored and what citation offsets point into."""

    doc_id: str = Field(description="Stable id derived from the cleaned text.")
    source: str
    text: str
    content_hash: str
    metadata: ArticleMetadata = Field(default_factory=ArticleMetadata)


class IngestError(BaseModel):
    source: str
    reason: str


class IngestReport(BaseModel):
    """The summary of one `ingest` run; `documents` and `chunks` count what the store holds afterwards."""

    documents: int = 0
    chunks: int = 0
    added: int = 0
    updated: int = 0
    skipped: int = 0
    errors: list[IngestError] = Field(default_factory=list)
