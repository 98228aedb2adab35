"""Zip archives: their members are read in memory, never extracted to disk."""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from pathlib import Path, PurePosixPath

from newsdesk.index.read.errors import UnreadableSource
from newsdesk.index.read.formats import DOCUMENT_SUFFIXES, read_document_bytes
from newsdesk.index.read.limits import too_large
from newsdesk.index.read.records import RecordResult

from newsdesk.settings import FieldMapping


def _is_member_article(info: zipfile.ZipInfo) -> bool:
    name = PurePosixPath(info.filename)
    # macOS adds __MACOSX/ shadow files and ._ resource forks to zips it makes: never articles.
    hidden = any(part.startswith((".", "__MACOSX")) for part in name.parts if part != "..")
    return not info.is_dir() and not hidden and name.suffix.lower() in DOCUMENT_SUFFIXES


def _escapes(info: zipfile.ZipInfo) -> bool:
    """A member named to land outside the archive's folder ("../x.txt", "/etc/x"): a crafted zip."""
    name = PurePosixPath(info.filename.replace("\\", "/"))
    return name.is_absolute() or ".." in name.parts


def read_zip(path: Path, mapping: FieldMapping) -> Iterator[RecordResult]:
    """Every article in the supported members of an archive; a member's source is
    "<archive>!/<member>". Archives inside archives are not opened."""
    archive_source = str(path)
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as error:
        yield UnreadableSource(archive_source, f"not a readable zip archive (truncated or corrupt: {error})")
        return
    with archive:
        members = [info for info in archive.infolist() if _is_member_article(info)]
        if not members:
            yield UnreadableSource(archive_source, "archive holds no supported files")
            return
        for info in members:
            source = f"{archive_source}!/{info.filename}"
            if _escapes(info):
                # Never extracted anyway (members are read in memory), but such a name is a crafted archive.
                yield UnreadableSource(source, "member name points outside the archive; not read")
                continue
            # The size the member claims uncompressed: a zip bomb is refused before it is inflated.
            if problem := too_large(info.file_size):
                yield UnreadableSource(source, problem)
                continue
            try:
                data = archive.read(info)
            except (zipfile.BadZipFile, OSError, EOFError, zipfile.LargeZipFile) as error:
                yield UnreadableSource(
                    source, f"cannot read from the archive (corrupt or truncated: {error})"
                )
                continue
            yield from read_document_bytes(data, source, PurePosixPath(info.filename).suffix.lower(), mapping)
