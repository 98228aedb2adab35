"""Shared fixtures: the real corpora beside the checkout and stores built with the real CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SAMPLE_CORPUS = REPO / "newsdesk" / "sample_corpus"
SHARED_CORPORA = REPO.parent / "shared" / "corpora"
TEHRAN_ARTICLES = {"000_08a30185b96717b7.txt", "003_482dfbd78e828b66.txt"}


def run_cli(*args: str, check: bool = True, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """Run `newsdesk ARGS...` as a user would, in a fresh process."""
    environment = {**os.environ, "HF_HUB_OFFLINE": "1", **(env or {})}
    environment.pop("NEWSDESK_STORE__PATH", None)
    result = subprocess.run(
        [sys.executable, "-m", "newsdesk", *args],
        capture_output=True,
        text=True,
        env=environment,
        timeout=600,
    )
    if check and result.returncode != 0:
        raise AssertionError(f"newsdesk {' '.join(args)} exited {result.returncode}:\n{result.stderr}")
    return result


def json_lines(output: str) -> list[dict]:
    return [json.loads(line) for line in output.splitlines() if line.strip()]


@pytest.fixture(scope="session")
def sample_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store holding the bundled sample corpus, indexed on first `ask` as a new user's would be."""
    store = tmp_path_factory.mktemp("sample-store")
    run_cli("ask", "--store", str(store), "--json", "Who met in Tehran and when?")
    return store


@pytest.fixture(scope="session")
def components(sample_store: Path):  # type: ignore[no-untyped-def]
    """The in-process components over the sample store, models loaded once for the session."""
    from newsdesk.components import Components
    from newsdesk.settings import load_settings

    return Components(load_settings(store={"path": sample_store}))


@pytest.fixture(scope="session")
def chroma_url(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """The URL of a real Chroma server (`chroma run`) on loopback, stopped at the end of the session."""
    from bench.servers import chroma_server

    with chroma_server(tmp_path_factory.mktemp("chroma-server") / "data") as url:
        yield url
