"""Step 1: find the files under the paths a user names and read them as text."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from pathlib import Path

from index.models import RawDocument

SUPPORTED_SUFFIXES = frozenset({".txt", ".md"})


class UnreadableSource(Exception):
    """A file that cannot be ingested; `reason` is one line meant for the user."""

    def __init__(self, source: str, reason: str) -> None:
        super().__init__(f"{source}: {reason}")
        self.source = source
        self.reason = reason


def iter_source_files(paths: Iterable[Path]) -> Iterator[Path | UnreadableSource]:
    """Expand files and folders into the supported files under them, in a stable order.

    Problems with a named path (missing, unsupported type) are yielded, not raised, so one bad
    argument does not stop the rest of the batch.
    """
    for path in paths:
        path = path.expanduser()
        if path.is_dir():
            found = sorted(
                p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in SUPPORTED_SUFFIXES
            )
            if not found:
                yield UnreadableSource(str(path.resolve()), "folder holds no .txt or .md files")
            yield from (p.resolve() for p in found)
        elif path.is_file():
            if path.suffix.lower() in SUPPORTED_SUFFIXES:
                yield path.resolve()
            else:
                yield UnreadableSource(
                    str(path.resolve()),
                    f"unsupported file type {path.suffix or '(none)'!r}; expected .txt or .md",
                )
        else:
            yield UnreadableSource(str(path), "no such file or folder")


def read_text_file(path: Path) -> RawDocument:
    """Read one text file; raise UnreadableSource for empty, binary or undecodable files."""
    source = str(path)
    try:
        data = path.read_bytes()
    except OSError as error:
        raise UnreadableSource(source, f"cannot read: {error.strerror or error}") from error
    if not data.strip():
        raise UnreadableSource(source, "empty file")
    if b"\x00" in data[:8192]:
        raise UnreadableSource(source, "binary file, not text")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise UnreadableSource(source, f"not valid UTF-8 (byte {error.start})") from error
    return RawDocument(source=source, text=text, content_hash=hashlib.sha256(data).hexdigest())
