"""The data that passes between ingestion steps."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, Field


class StatedMetadata(BaseModel):
    """Metadata a structured source states outright (JSON/CSV fields, HTML meta tags).

    Values are kept as the source wrote them; the metadata step interprets them (e.g. parses the
    date) and lets them win over what it would guess from the text.
    """

    title: str | None = None
    published: str | None = Field(default=None, description='As written, e.g. "26-FEB-1987 15:01:01.79".')
    outlet: str | None = None
    url: str | None = None
    places: list[str] = Field(default_factory=list)
    topics: list[str] = Field(default_factory=list)
    record_id: str | None = Field(default=None, description="The record's id within its file, if any.")


class RawDocument(BaseModel):
    """One article as read, before cleaning: a text file, an HTML page's main text or one JSON/CSV record."""

    source: str = Field(
        description='Absolute path, "<path>#<record>" for a record, "<archive>!/<member>" inside a zip.'
    )
    text: str
    content_hash: str = Field(
        description="sha256 of the raw bytes (of the record for JSON/CSV): unchanged input costs only this."
    )
    stated: StatedMetadata = Field(default_factory=StatedMetadata)


class ArticleMetadata(BaseModel):
    title: str | None = None
    outlet: str | None = Field(default=None, description='Outlet or wire agency, e.g. "AFP", "Press TV".')
    published: date | None = None
    dateline: str | None = Field(default=None, description='The dateline\'s place as written, e.g. "TEHRAN".')
    captions: list[str] = Field(
        default_factory=list, description="Photo captions, kept apart from the stored story text."
    )
    url: str | None = None
    places: list[str] = Field(default_factory=list)
    topics: list[str] = Field(default_factory=list)
    record_id: str | None = None


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
    pruned: int = 0
    # Chunk texts the encoder embedded in this run: a text identical to one already embedded is reused.
    embedded: int = 0
    errors: list[IngestError] = Field(default_factory=list)
