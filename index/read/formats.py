"""Which reader reads which file type; every reader turns bytes into RawDocuments."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator

from newsdesk.index.models import RawDocument
from newsdesk.index.read.decode import decode_text
from newsdesk.index.read.errors import UnreadableSource
from newsdesk.index.read.html import read_html
from newsdesk.index.read.records import RecordResult, read_csv, read_json, read_jsonl

from newsdesk.settings import FieldMapping

TEXT_SUFFIXES = frozenset({".txt", ".md"})
HTML_SUFFIXES = frozenset({".html", ".htm"})
RECORD_SUFFIXES = frozenset({".json", ".jsonl", ".csv"})
ARCHIVE_SUFFIXES = frozenset({".zip"})
DOCUMENT_SUFFIXES = TEXT_SUFFIXES | HTML_SUFFIXES | RECORD_SUFFIXES
SUPPORTED_SUFFIXES = DOCUMENT_SUFFIXES | ARCHIVE_SUFFIXES
SUPPORTED_LIST = ", ".join(sorted(SUPPORTED_SUFFIXES))

_RECORD_READERS: dict[str, Callable[[bytes, str, FieldMapping], Iterator[RecordResult]]] = {
    ".json": read_json,
    ".jsonl": read_jsonl,
    ".csv": read_csv,
}


def read_text(data: bytes, source: str) -> RawDocument:
    """A plain-text article: the file is the raw text."""
    return RawDocument(
        source=source, text=decode_text(data, source), content_hash=hashlib.sha256(data).hexdigest()
    )


def read_document_bytes(
    data: bytes, source: str, suffix: str, mapping: FieldMapping
) -> Iterator[RecordResult]:
    """Every article in one file's bytes (one for text and HTML, one per record otherwise).

    Problems are yielded, never raised, so the caller's loop goes on to the next file.
    """
    try:
        if suffix in TEXT_SUFFIXES:
            yield read_text(data, source)
        elif suffix in HTML_SUFFIXES:
            yield read_html(data, source)
        elif suffix in _RECORD_READERS:
            yield from _RECORD_READERS[suffix](data, source, mapping)
        else:
            yield UnreadableSource(source, f"unsupported file type {suffix or '(none)'!r}")
    except UnreadableSource as problem:
        yield problem
