"""A server started as a subprocess for the tests: on loopback, a free port, stopped afterwards."""

from __future__ import annotations

import socket
import subprocess
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
