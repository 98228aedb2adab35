"""Who is writing to one store: one marker a writing process, and one lock for each batch it writes.

Several processes may write one archive at once (two `newsdesk ingest` runs, `newsdesk serve` taking
uploads while a CLI ingest runs, against an embedded store or one Chroma server). Two things keep the
store whole:

* **A batch is written under an exclusive lock** (`batch()`): the store's writes of one batch — chunks,
  article records, removal of replaced versions, the near-duplicate bands — never interleave with another
  writer's, and between batches the store is consistent. The lock is held for one batch (seconds), not a
  whole run, so two ingests take turns; a writer that has to wait says so, naming the holder, and gives up
  only after `wait_seconds`, with an error that names it too.
* **A writer killed mid-batch is noticed** (`registered()`): each writing process holds a lock on a marker
  file of its own for as long as it runs and deletes the marker when it ends. A marker whose lock can be
  taken belongs to a process that died without cleaning up, so the store may hold the leftovers of a
  half-written batch; the next writer repairs the store (ArticleStore.repair) before it writes.

Both are `flock` locks on files in a directory beside the store: the kernel drops them when a process
dies, however it dies, so a crash never leaves the archive locked. They coordinate the processes of one
machine (the directory is per store, and per Chroma server in server mode).
"""

from __future__ import annotations

import fcntl
import json
import os
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import ClassVar, TextIO

_BATCH_LOCK = "batch.lock"
_MARKER_PREFIX = "writer-"
_POLL_SECONDS = 0.2


class StoreBusy(RuntimeError):
    """Another process held the store's write lock for longer than this writer may wait."""


def _process_description() -> dict[str, object]:
    return {"pid": os.getpid(), "command": " ".join(sys.argv[:3]) or "python", "since": time.time()}


def _describe(path: Path) -> str:
    """`pid 1234 (newsdesk ingest ...)` from a lock file's contents, or a plain description."""
    try:
        holder = json.loads(path.read_text(encoding="utf-8"))
        return f"pid {holder['pid']} ({holder['command']})"
    except (OSError, ValueError, KeyError, TypeError):
        return "another process"


def _lock_waiting(
    handle: TextIO,
    path: Path,
    wait_seconds: float,
    on_wait: Callable[[str], None] | None,
    waiting: str,
    busy: str,
) -> None:
    """Take the exclusive flock of `handle` (the open `path`), telling `on_wait` once when another
    process holds it: "waiting for pid N (command) <waiting>"; StoreBusy after `wait_seconds`."""
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return
    except BlockingIOError:
        pass
    if on_wait is not None:
        on_wait(f"waiting for {_describe(path)} {waiting}")
    deadline = time.monotonic() + wait_seconds
    while True:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            if time.monotonic() > deadline:
                raise StoreBusy(
                    f"the store is busy: {_describe(path)} {busy} for more than {wait_seconds:g} s"
                ) from None
            time.sleep(_POLL_SECONDS)


class StoreWriters:
    def __init__(
        self,
        directory: Path,
        wait_seconds: float = 600.0,
        on_wait: Callable[[str], None] | None = None,
    ) -> None:
        self.directory = directory
        self.wait_seconds = wait_seconds
        # Told once per wait, e.g. "waiting for pid 1234 (newsdesk ingest) to finish writing a batch".
        self.on_wait = on_wait

    @contextmanager
    def registered(self) -> Iterator[bool]:
        """Marks this process as a writer for the duration; yields True when an earlier writer died mid-run
        (its marker was left unlocked), after removing the dead markers."""
        self.directory.mkdir(parents=True, exist_ok=True)
        crashed = False
        for marker in self.directory.glob(f"{_MARKER_PREFIX}*"):
            with marker.open("a+") as handle:
                try:
                    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    continue  # a live writer
                crashed = True
            marker.unlink(missing_ok=True)
        name = f"{_MARKER_PREFIX}{os.getpid()}-{uuid.uuid4().hex[:8]}"
        # Locked under a name no other writer looks at, then renamed: a marker is never seen unlocked alive.
        staging = self.directory / f".{name}"
        own = self.directory / name
        with staging.open("w") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            handle.write(json.dumps(_process_description()))
            handle.flush()
            staging.rename(own)
            try:
                yield crashed
            finally:
                own.unlink(missing_ok=True)

    @contextmanager
    def batch(self) -> Iterator[None]:
        """The store's write lock, for one batch. Waits for another writer's batch, announcing the wait."""
        self.directory.mkdir(parents=True, exist_ok=True)
        path = self.directory / _BATCH_LOCK
        with path.open("a+") as handle:
            _lock_waiting(
                handle,
                path,
                self.wait_seconds,
                self.on_wait,
                waiting="to finish writing a batch to this store",
                busy="has held this store's write lock",
            )
            try:
                handle.seek(0)
                handle.truncate()
                handle.write(json.dumps(_process_description()))
                handle.flush()
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)


class EmbeddedStoreOwner:
    """The one process that writes an embedded Chroma store (holds `<store>/chroma.lock` from its first
    write to its end).

    Chroma's embedded mode keeps each process's vector graph in memory and writes it back to the store's
    files: two processes writing one store overwrite each other's graph, and queries then fail ("Error
    finding id") or miss vectors, whatever they lock around their writes (Chroma documents its embedded
    client as not process-safe). So an embedded store is written by one process at a time: another writer
    waits, naming the holder, up to `wait_seconds`. Readers (ask, status) need no turn. Several processes
    writing one archive at once is what a Chroma server is for (`--chroma-url`): with it, writers take turns
    per batch (StoreWriters.batch) instead.
    """

    # The ownership is the process's, not one object's: several components of one process (tests, a server's
    # threads) share it. So the open, locked files live here, one per store, for the life of the process —
    # by nature process-wide state, like the flock itself.
    _held: ClassVar[dict[Path, TextIO]] = {}
    _held_lock: ClassVar[threading.Lock] = threading.Lock()

    def __init__(
        self, lock_file: Path, wait_seconds: float = 600.0, on_wait: Callable[[str], None] | None = None
    ) -> None:
        self.lock_file = lock_file.resolve()
        self.wait_seconds = wait_seconds
        self.on_wait = on_wait

    def acquire(self) -> None:
        """Become the store's owner (already so when this process is), waiting for another process that
        is; StoreBusy after `wait_seconds`."""
        with self._held_lock:
            if self.lock_file in self._held:
                return
            self.lock_file.parent.mkdir(parents=True, exist_ok=True)
            handle = self.lock_file.open("a+")
            try:
                _lock_waiting(
                    handle,
                    self.lock_file,
                    self.wait_seconds,
                    self.on_wait,
                    waiting="which is writing this store (an embedded store takes one writing process at a "
                    "time; a Chroma server, --chroma-url, lets several write at once)",
                    busy="has kept this store for writing",
                )
            except BaseException:
                handle.close()
                raise
            handle.seek(0)
            handle.truncate()
            handle.write(json.dumps(_process_description()))
            handle.flush()
            self._held[self.lock_file] = handle
