"""Shared fixtures: stores built with the real CLI, the in-process components, a real Chroma server.
Plain helpers live in tests/fixtures/."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.fixtures.cli import run_cli


@pytest.fixture(scope="session")
def sample_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store holding the bundled sample corpus (`ingest --sample-corpus`)."""
    store = tmp_path_factory.mktemp("sample-store")
    run_cli("ingest", "--store", str(store), "--json", "--sample-corpus")
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


@pytest.fixture(scope="session")
def resolver():  # type: ignore[no-untyped-def]
    """The follow-up reference resolver on its own spaCy pipeline (the follow-up tests of two modules)."""
    from newsdesk.index.language import SharedPipeline, load_analyzer
    from newsdesk.rag.followup import ReferenceResolver

    return ReferenceResolver(SharedPipeline(load_analyzer))
