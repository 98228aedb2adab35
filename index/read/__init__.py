"""Step 1: find the files a user names and read the articles in them, one at a time.

`.txt`/`.md` files are one article each; `.html`/`.htm` pages give their main text (trafilatura);
`.json`, `.jsonl` and `.csv` files hold one article per record (see `newsdesk.settings.FieldMapping`); `.zip`
archives hold any of these. `read_documents` is a generator: a corpus of any size passes through
one article at a time, and every problem comes out as an `UnreadableSource` in the same stream.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

from newsdesk.index.models import RawDocument
from newsdesk.index.read.archive import read_zip
from newsdesk.index.read.discover import iter_source_files
from newsdesk.index.read.errors import UnreadableSource
from newsdesk.index.read.formats import ARCHIVE_SUFFIXES, SUPPORTED_SUFFIXES, read_document_bytes
from newsdesk.index.read.limits import MAX_FILE_BYTES, article_too_large, too_large
from newsdesk.index.read.records import RecordResult

from newsdesk.settings import FieldMapping

__all__ = [
    "MAX_FILE_BYTES",
    "SUPPORTED_SUFFIXES",
    "RecordResult",
    "UnreadableSource",
    "iter_source_files",
    "read_documents",
    "read_file",
]


def read_file(path: Path, mapping: FieldMapping | None = None) -> Iterator[RecordResult]:
    """Every article in one file, or the reasons it or its records cannot be read."""
    mapping = mapping or FieldMapping()
    source = str(path)
    try:
        size = path.stat().st_size
    except OSError as error:
        yield UnreadableSource(source, f"cannot read: {error.strerror or error}")
        return
    if problem := too_large(size):
        yield UnreadableSource(source, problem)
        return
    suffix = path.suffix.lower()
    if suffix in ARCHIVE_SUFFIXES:
        yield from read_zip(path, mapping)
        return
    try:
        data = path.read_bytes()
    except OSError as error:
        yield UnreadableSource(source, f"cannot read: {error.strerror or error}")
        return
    yield from read_document_bytes(data, source, suffix, mapping)


def read_documents(
    paths: Iterable[Path], mapping: FieldMapping | None = None, max_article_mb: float | None = None
) -> Iterator[RecordResult]:
    """Every article under `paths` (files, folders, glob patterns), one at a time, problems included.
    An article of more than `max_article_mb` of text is refused on its own (one error line): the rest of
    its file still goes in."""
    for item in iter_source_files(paths):
        if isinstance(item, UnreadableSource):
            yield item
            continue
        for result in read_file(item, mapping):
            if (
                isinstance(result, RawDocument)
                and max_article_mb is not None
                and (problem := article_too_large(len(result.text), max_article_mb))
            ):
                yield UnreadableSource(result.source, problem)
            else:
                yield result
