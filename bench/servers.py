"""Servers run as subprocesses on loopback, for the benchmarks and the tests: any command
(`server_process`) and a real Chroma server (`chroma_server`, the `chroma run` installed with chromadb).

The newsdesk package itself only connects to a Chroma server (`chroma_url`); starting one is the work of
whoever measures or tests that mode, so this lives beside the benchmarks, which must not import the
tests, and the tests import it from here.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def server_process(
    command: list[str],
    log: Path,
    env: dict[str, str],
    ready: Callable[[], bool],
    timeout: float,
    poll: float = 0.25,
    stop_timeout: float = 15.0,
) -> Iterator[subprocess.Popen]:
    """Run `command` with its output in `log`; yield once `ready()` is true; terminate it on exit
    (kill when it does not stop in `stop_timeout`). A server that exits or is not ready within
    `timeout` fails with the end of its log."""
    with log.open("wb") as output:
        process = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT, env=env)
    try:
        deadline = time.monotonic() + timeout
        while not ready():
            if process.poll() is not None or time.monotonic() > deadline:
                state = f"exited {process.returncode}" if process.poll() is not None else "is not ready"
                tail = log.read_text(errors="replace")[-2000:]
                raise RuntimeError(f"{' '.join(command[:3])} ... {state} after {timeout:.0f} s:\n{tail}")
            time.sleep(poll)
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=stop_timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


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
