"""`newsdesk serve` started as a user would, on loopback and a free port, for the UI tests."""

from __future__ import annotations

import os
import shutil
import socket
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bench.servers import free_port, server_process


def copy_store(store: Path, target: Path) -> Path:
    """A private copy of a store, so a server that ingests or writes its temp files there leaves the
    session's shared sample store as the other tests expect it."""
    shutil.copytree(store, target)
    return target


def _answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


@contextmanager
def newsdesk_server(
    store: Path, *args: str, login: tuple[str, str] | None = None, timeout: float = 180.0
) -> Iterator[str]:
    """Run `newsdesk serve --store STORE ARGS...` (with `login` in the environment, as a user would pass
    it: never on the command line); yield its URL once the page answers."""
    port = free_port()
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "GRADIO_ANALYTICS_ENABLED": "False"}
    env.pop("NEWSDESK_SERVE__AUTH", None)
    if login is not None:
        env["NEWSDESK_SERVE__AUTH"] = ":".join(login)
    with server_process(
        [sys.executable, "-m", "newsdesk", "serve", "--store", str(store), "--port", str(port), *args],
        store.parent / f"{store.name}-serve-{port}.log",
        env,
        ready=lambda: _answers(port),
        timeout=timeout,
        poll=0.5,
        stop_timeout=30.0,
    ):
        yield f"http://127.0.0.1:{port}/"
