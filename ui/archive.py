"""The Archive tab's work: take uploaded files into the data directory, ingest them, report the store.

Uploads arrive in gradio's temp directory (set inside the data directory by `newsdesk serve`); only
allowed file types under the size limit are copied to `<store>/uploads/` and ingested from there,
so the stored sources stay readable after gradio cleans its temp files.
"""

from __future__ import annotations

import hashlib
import re
import shutil
from collections.abc import Callable, Sequence
from pathlib import Path

from newsdesk.index.models import IngestError, IngestReport
from newsdesk.index.read.formats import SUPPORTED_LIST, SUPPORTED_SUFFIXES
from newsdesk.index.store import StoreSummary
from newsdesk.ui.cards import escape_text

UPLOAD_SUFFIXES = tuple(sorted(SUPPORTED_SUFFIXES))


class UploadInbox:
    """Accepts uploaded files into one directory: the allow-list and size limit are checked here,
    on the server, since the browser's file picker filter is only a hint."""

    def __init__(self, directory: Path, max_mb: int, received: Path | None = None) -> None:
        self.directory = directory
        # Where the web server puts the files it receives (gradio's temp directory): an upload there is
        # deleted once looked at. Only there: `accept` never deletes a file anywhere else.
        self.received = received
        self.max_mb = max_mb
        self.max_bytes = max_mb * 1024 * 1024  # as gradio reads "50mb": MiB

    def accept(self, uploads: Sequence[str | Path]) -> tuple[list[Path], list[IngestError]]:
        """Copies of the acceptable uploads in the inbox, and one error per refused upload. An upload in the
        web server's temporary directory (`received`) is deleted once looked at: refused ones are kept
        nowhere."""
        accepted: list[Path] = []
        refused: list[IngestError] = []
        for upload in uploads:
            path = Path(upload)
            name = _safe_name(path.name)
            try:
                if path.suffix.lower() not in SUPPORTED_SUFFIXES:
                    reason = f"file type not accepted; allowed: {SUPPORTED_LIST}"
                    refused.append(IngestError(source=name, reason=reason))
                elif path.stat().st_size > self.max_bytes:
                    reason = f"larger than the {self.max_mb} MB upload limit"
                    refused.append(IngestError(source=name, reason=reason))
                else:
                    accepted.append(self._copy(path, name))
            finally:
                if self.received is not None and path.resolve().is_relative_to(self.received.resolve()):
                    path.unlink(missing_ok=True)
        return accepted, refused

    def discard(self, copy: Path) -> None:
        """Remove an accepted copy that nothing could be read from (and its folder, when left empty)."""
        copy.unlink(missing_ok=True)
        if copy.parent != self.directory and not any(copy.parent.iterdir()):
            copy.parent.rmdir()

    def public_name(self, source: str) -> str:
        """An ingest source as the user knows it: a copy in the inbox is named by its upload name (with its
        record or archive member), never by its path on the server."""
        inbox = str(self.directory) + "/"
        if not source.startswith(inbox):
            return source
        return source[len(inbox) :].split("/", 1)[-1]

    def _copy(self, path: Path, name: str) -> Path:
        # Named by content: the same file uploaded again lands on the same path, so ingest skips it,
        # and two different files with one name do not overwrite each other.
        digest = hashlib.sha256(path.read_bytes()).hexdigest()[:12]
        target = self.directory / digest / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if not target.exists():
            shutil.copyfile(path, target)
        return target


def _safe_name(name: str) -> str:
    """The upload's base name with only plain characters, so it cannot point outside the inbox."""
    cleaned = re.sub(r"[^A-Za-z0-9._ -]+", "_", Path(name).name).strip(" .")
    return cleaned or "upload"


ProgressCallback = Callable[[int, int], None]
Ingest = Callable[[list[Path], ProgressCallback], IngestReport]


StoreCounts = Callable[[], tuple[int, int]]


def ingest_uploads(
    uploads: Sequence[str | Path],
    inbox: UploadInbox,
    ingest: Ingest,
    progress: ProgressCallback,
    store_counts: StoreCounts,
) -> IngestReport:
    """Ingest what the inbox accepts; refused uploads are listed with the reader's per-file errors, all
    named as uploaded. A copy the reader could not read at all is removed again. When nothing was
    accepted, the report still gives the store's counts (articles, chunks)."""
    accepted, refused = inbox.accept(uploads)
    if accepted:
        report = ingest(accepted, progress)
    else:
        documents, chunks = store_counts()
        report = IngestReport(documents=documents, chunks=chunks)
    unreadable = {error.source for error in report.errors}
    for copy in accepted:
        if str(copy) in unreadable:
            inbox.discard(copy)
    errors = [
        IngestError(source=inbox.public_name(error.source), reason=error.reason) for error in report.errors
    ]
    return report.model_copy(update={"errors": refused + errors})


def report_markdown(report: IngestReport) -> str:
    return (
        f"**{report.added} added, {report.updated} updated, {report.skipped} skipped, "
        f"{len(report.errors)} error(s)** · store: {report.documents} articles, {report.chunks} chunks"
    )


def status_markdown(summary: StoreSummary, location: str) -> str:
    outlets = ", ".join(f"{escape_text(name)} ({count})" for name, count in summary.outlets.items()) or "—"
    dates = f"{summary.published_from} .. {summary.published_to}" if summary.published_from else "—"
    return "\n".join(
        [
            "| | |",
            "| --- | --- |",
            f"| articles | {summary.documents} |",
            f"| chunks | {summary.chunks} |",
            f"| outlets | {outlets} |",
            f"| published | {dates} |",
            f"| last ingest | {summary.last_ingest or '—'} |",
            f"| store | `{location}` |",
        ]
    )
