"""A real Chroma server (`chroma run`, installed with the chromadb package) on loopback, for tests."""

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


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


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
    log = data_dir.parent / f"{data_dir.name}.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [chroma_command(), "run", "--path", str(data_dir), "--host", "127.0.0.1", "--port", str(port)],
            stdout=output,
            stderr=subprocess.STDOUT,
            env={**os.environ, "ANONYMIZED_TELEMETRY": "False"},
        )
    try:
        deadline = time.monotonic() + timeout
        while not heartbeat(port):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(
                    f"chroma run on port {port} did not come up:\n{log.read_text(errors='replace')[-2000:]}"
                )
            time.sleep(0.25)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
