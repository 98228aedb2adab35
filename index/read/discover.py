"""Find the files under the paths a user names: files, folders and glob patterns."""

from __future__ import annotations

import glob
from collections.abc import Iterable, Iterator
from pathlib import Path

from newsdesk.index.read.errors import UnreadableSource
from newsdesk.index.read.formats import SUPPORTED_LIST, SUPPORTED_SUFFIXES

_GLOB_CHARACTERS = frozenset("*?[")


def _supported_files_under(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() in SUPPORTED_SUFFIXES)


def iter_source_files(paths: Iterable[Path]) -> Iterator[Path | UnreadableSource]:
    """Expand files, folders and glob patterns into the supported files they name, in a stable order.

    A pattern is expanded here as well as by the shell, so a quoted `"archive/**/*.json"` works.
    Problems with a named path (missing, unsupported type) are yielded, not raised, so one bad
    argument does not stop the rest of the batch.
    """
    for path in paths:
        path = path.expanduser()
        if not path.exists() and _GLOB_CHARACTERS & set(str(path)):
            matches = sorted(Path(m) for m in glob.glob(str(path), recursive=True))
            if not matches:
                yield UnreadableSource(str(path), "no files match the pattern")
            for match in matches:
                if match.is_dir():
                    yield from (p.resolve() for p in _supported_files_under(match))
                elif match.suffix.lower() in SUPPORTED_SUFFIXES:
                    yield match.resolve()
        elif path.is_dir():
            found = _supported_files_under(path)
            if not found:
                yield UnreadableSource(
                    str(path.resolve()), f"folder holds no supported files ({SUPPORTED_LIST})"
                )
            yield from (p.resolve() for p in found)
        elif path.is_file():
            if path.suffix.lower() in SUPPORTED_SUFFIXES:
                yield path.resolve()
            else:
                yield UnreadableSource(
                    str(path.resolve()),
                    f"unsupported file type {path.suffix or '(none)'!r}; expected one of {SUPPORTED_LIST}",
                )
        else:
            yield UnreadableSource(str(path), "no such file or folder")
