"""The release gate against an engine that answers from outside the archive: an OpenAI-compatible
server (tests/fixtures/fake_openai_server.py, on loopback) that invents facts and cites them with [n]
markers."""

from __future__ import annotations

import json
from pathlib import Path

from tests.fixtures.cli import run_cli
from tests.fixtures.fake_openai_server import running_fake_server


def test_an_engine_that_invents_cited_facts_fails_the_release_gate(sample_store: Path) -> None:
    with running_fake_server("inventing") as server:
        result = run_cli(
            "eval",
            "--store",
            str(sample_store),
            "--engine",
            "openai",
            "--json",
            check=False,
            env={
                "NEWSDESK_ENGINE__OPENAI_BASE_URL": server.base_url,
                "NEWSDESK_ENGINE__OPENAI_MODEL": "inventing",
            },
        )
    assert result.returncode == 1, result.stderr
    summary = json.loads(result.stdout)
    assert summary["engine"] == "openai"
    assert summary["gate"]["passed"] is False
    # The invented sentences reached the citation check and none survived it: the draft's citations
    # support nothing, and no answerable question was answered.
    figures = summary["by_engine"]["openai"]
    assert figures["citation_recall"] < 0.5
    assert figures["unsupported_share"] > 0.5
    assert summary["correctness"] < 0.5
    failed = " ".join(summary["gate"]["failed"])
    assert "citation" in failed and "unsupported" in failed
