"""A real Chroma server (`chroma run`, installed with the chromadb package) on loopback, for tests."""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.server_process import free_port, server_process


def chroma_command() -> str:
    """The `chroma` CLI of this interpreter's chromadb: beside python, else on PATH."""
    beside = Path(sys.executable).parent / "chroma"
    found = str(beside) if beside.is_file() else shutil.which("chroma")
    if found is None:
        raise RuntimeError("the `chroma` command (installed with the chromadb package) is not on PATH")
    return found


def heartbeat(url_port: int) -> bool:
    import chromadb
    from chromadb.config import Settings

    try:
        client = chromadb.HttpClient(
            host="127.0.0.1", port=url_port, settings=Settings(anonymized_telemetry=False)
        )
        client.heartbeat()
    except Exception:  # not up yet: chromadb raises ValueError or httpx errors
        return False
    return True


@contextmanager
def chroma_server(data_dir: Path, timeout: float = 60.0) -> Iterator[str]:
    """Run `chroma run` on 127.0.0.1 and a free port; yield its URL once its heartbeat answers."""
    port = free_port()
    command = [chroma_command(), "run", "--path", str(data_dir), "--host", "127.0.0.1", "--port", str(port)]
    with server_process(
        command,
        data_dir.parent / f"{data_dir.name}.log",
        {**os.environ, "ANONYMIZED_TELEMETRY": "False"},
        ready=lambda: heartbeat(port),
        timeout=timeout,
    ):
        yield f"http://127.0.0.1:{port}"
