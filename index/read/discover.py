"""Find the files under the paths a user names: files, folders and glob patterns."""

from __future__ import annotations

import errno
import glob
import os
from collections.abc import Iterable, Iterator
from pathlib import Path

from newsdesk.index.read.errors import UnreadableSource
from newsdesk.index.read.formats import SUPPORTED_LIST, SUPPORTED_SUFFIXES

_GLOB_CHARACTERS = frozenset("*?[")


def _reason(error: OSError) -> str:
    if error.errno == errno.ELOOP:
        return "symlink loop"
    if error.errno == errno.EACCES:
        return "permission denied"
    return error.strerror or str(error)


def _supported_files_under(folder: Path) -> Iterator[Path | UnreadableSource]:
    """The supported files under `folder`, sorted, and a problem for each folder that cannot be listed.

    os.walk rather than Path.rglob: rglob skips a folder it may not list without a word, so its files would
    be missing from the archive with nobody told."""
    found: list[Path] = []
    problems: list[UnreadableSource] = []

    def unlistable(error: OSError) -> None:
        where = str(error.filename or folder)
        problems.append(UnreadableSource(where, f"cannot list folder: {_reason(error)}"))

    visited = {os.path.realpath(folder)}
    # Symlinked folders are followed (as rglob did); one that leads back to a folder already walked is a loop.
    for directory, subdirectories, names in os.walk(folder, onerror=unlistable, followlinks=True):
        for name in list(subdirectories):
            real = os.path.realpath(os.path.join(directory, name))
            if real in visited:
                subdirectories.remove(name)
                problems.append(UnreadableSource(os.path.join(directory, name), "symlink loop"))
            visited.add(real)
        subdirectories.sort()
        for name in names:
            path = Path(directory, name)
            if path.suffix.lower() not in SUPPORTED_SUFFIXES:
                continue
            if path.is_file():
                found.append(path.resolve())
            elif path.is_symlink():
                yield from _named_path(path)  # a broken symlink or a loop, said so
    yield from problems
    if not found and not problems:
        yield UnreadableSource(str(folder.resolve()), f"folder holds no supported files ({SUPPORTED_LIST})")
    yield from sorted(found)


def _named_path(path: Path) -> Iterator[Path | UnreadableSource]:
    """The supported files one named path stands for (a file, a folder, a glob pattern), or its problem."""
    if path.is_symlink() and not path.exists():
        try:
            path.stat()
        except OSError as error:
            target = os.readlink(path)
            reason = _reason(error) if error.errno == errno.ELOOP else f"broken symlink (to {target})"
            yield UnreadableSource(str(path), reason)
            return
    if not path.exists() and _GLOB_CHARACTERS & set(str(path)):
        matches = sorted(Path(m) for m in glob.glob(str(path), recursive=True))
        if not matches:
            yield UnreadableSource(str(path), "no files match the pattern")
        for match in matches:
            if match.is_dir():
                yield from _supported_files_under(match)
            elif match.suffix.lower() in SUPPORTED_SUFFIXES:
                yield match.resolve()
    elif path.is_dir():
        yield from _supported_files_under(path)
    elif path.is_file():
        if path.suffix.lower() in SUPPORTED_SUFFIXES:
            yield path.resolve()
        else:
            yield UnreadableSource(
                str(path.resolve()),
                f"unsupported file type {path.suffix or '(none)'!r}; expected one of {SUPPORTED_LIST}",
            )
    elif path.exists():
        yield UnreadableSource(str(path), "not a regular file (a device, socket or pipe)")
    else:
        yield UnreadableSource(str(path), "no such file or folder")


def iter_source_files(paths: Iterable[Path]) -> Iterator[Path | UnreadableSource]:
    """Expand files, folders and glob patterns into the supported files they name, in a stable order.

    A pattern is expanded here as well as by the shell, so a quoted `"archive/**/*.json"` works.
    Problems with a named path (missing, unreadable, a symlink loop, an unsupported type, a folder that
    cannot be listed) are yielded, not raised, so one bad argument does not stop the rest of the batch.
    """
    for path in paths:
        path = path.expanduser()
        try:
            yield from _named_path(path)
        except OSError as error:  # e.g. a path inside a folder this user may not enter
            yield UnreadableSource(str(path), f"cannot read: {_reason(error)}")
