"""The ingest progress bar: articles, articles/s and an ETA, on the terminal's stderr.

The read step streams, so the number of articles is unknown until the end (a JSON file holds
thousands); the bar's length is the input files' total size, and each article advances it by the
length of its text, which gives a fair ETA for text files and an early one for JSON/HTML.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from pathlib import Path
from types import TracebackType

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

from newsdesk.index.read import iter_source_files


class IngestProgress:
    def __init__(self, paths: Iterable[Path], console: Console) -> None:
        files = [item for item in iter_source_files(paths) if isinstance(item, Path)]
        self._total = sum(path.stat().st_size for path in files if path.exists()) or 1
        self._progress = Progress(
            TextColumn("[bold]ingesting"),
            BarColumn(),
            TextColumn("{task.fields[articles]} articles · {task.fields[rate]:.1f} articles/s"),
            TimeElapsedColumn(),
            TextColumn("ETA"),
            TimeRemainingColumn(),
            console=console,
            transient=True,
        )
        self._task = self._progress.add_task("ingest", total=self._total, articles=0, rate=0.0)
        self._started = time.perf_counter()

    def update(self, articles: int, characters: int) -> None:
        elapsed = max(time.perf_counter() - self._started, 1e-6)
        self._progress.update(
            self._task, completed=min(characters, self._total), articles=articles, rate=articles / elapsed
        )

    def __enter__(self) -> IngestProgress:
        self._progress.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self._progress.stop()
