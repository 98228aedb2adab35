"""`newsdesk serve` started as a user would, on loopback and a free port, for the UI tests."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.chroma_server import free_port


def copy_store(store: Path, target: Path) -> Path:
    """A private copy of a store, so a server that ingests or writes its temp files there leaves the
    session's shared sample store as the other tests expect it."""
    shutil.copytree(store, target)
    return target


@contextmanager
def newsdesk_server(store: Path, *args: str, timeout: float = 180.0) -> Iterator[str]:
    """Run `newsdesk serve --store STORE ARGS...`; yield its URL once the page answers."""
    port = free_port()
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "GRADIO_ANALYTICS_ENABLED": "False"}
    env.pop("NEWSDESK_AUTH", None)
    log = store.parent / f"{store.name}-serve-{port}.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "newsdesk", "serve", "--store", str(store), "--port", str(port), *args],
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + timeout
            while True:
                if process.poll() is not None:
                    raise AssertionError(f"newsdesk serve exited {process.returncode}:\n{log.read_text()}")
                try:
                    with socket.create_connection(("127.0.0.1", port), timeout=1):
                        break
                except OSError:
                    if time.monotonic() > deadline:
                        raise AssertionError(f"newsdesk serve did not start in {timeout:.0f} s") from None
                    time.sleep(0.5)
            yield f"http://127.0.0.1:{port}/"
        finally:
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
