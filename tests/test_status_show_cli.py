"""`newsdesk status` and `newsdesk show`: what the store holds, read without loading any model."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tests.fixtures.cli import SAMPLE_CORPUS, run_cli

ARTICLE_004 = SAMPLE_CORPUS / "004_92eb43aadcb4a738.txt"
# A model directory that does not exist: a command that loads the embedding model fails with it.
NO_MODEL = {"NEWSDESK_INGEST__EMBED_MODEL": "/nonexistent/embedding-model"}


def test_status_reports_counts_outlets_dates_and_last_ingest(sample_store: Path) -> None:
    result = run_cli("status", "--store", str(sample_store), "--json", env=NO_MODEL)
    status = json.loads(result.stdout)
    assert set(status) == {"documents", "chunks", "outlets", "published_from", "published_to"} | {
        "last_ingest",
        "store",
        "chroma_url",
    }
    assert status["documents"] == 3
    assert status["chunks"] >= 3
    assert status["outlets"] == {"AFP": 2, "Press TV": 1}  # 000 credits AFP ("reports AFP"), 003 names it
    assert (status["published_from"], status["published_to"]) == ("2016-09-19", "2016-09-19")
    last = datetime.fromisoformat(status["last_ingest"])
    assert timedelta(0) <= datetime.now(UTC) - last < timedelta(hours=6)
    assert (status["store"], status["chroma_url"]) == (str(sample_store), None)

    text = run_cli("status", "--store", str(sample_store), env=NO_MODEL).stdout
    assert "documents" in text and "Press TV (1)" in text and "2016-09-19 .. 2016-09-19" in text


def test_status_of_an_empty_store_and_of_none(tmp_path: Path) -> None:
    missing = run_cli("status", "--store", str(tmp_path / "new"), "--json", env=NO_MODEL, check=False)
    assert missing.returncode == 1 and "no Newsdesk store here" in missing.stderr
    assert not (tmp_path / "new").exists()  # said so, instead of creating it
    (tmp_path / "nothing").mkdir()
    run_cli("ingest", "--store", str(tmp_path / "new"), str(tmp_path / "nothing"), check=False)
    status = json.loads(run_cli("status", "--store", str(tmp_path / "new"), "--json", env=NO_MODEL).stdout)
    assert (status["documents"], status["chunks"], status["outlets"]) == (0, 0, {})
    assert (status["published_from"], status["last_ingest"]) == (None, None)


def test_show_prints_the_stored_article_by_path_relative_path_or_doc_id(sample_store: Path) -> None:
    store = ("--store", str(sample_store))
    shown = json.loads(run_cli("show", *store, "--json", str(ARTICLE_004), env=NO_MODEL).stdout)
    assert set(shown) == {"doc_id", "source", "text", "metadata", "chunks"}
    assert shown["source"] == str(ARTICLE_004)
    assert shown["metadata"]["published"] == "2016-09-19"
    assert shown["metadata"]["outlet"] == "Press TV"
    assert shown["metadata"]["title"].startswith("Iran to spare no help to Syria")
    assert shown["chunks"] >= 1
    assert "Jaberi Ansari" in shown["text"]
    for furniture in ("News   /   Politics", "alternate addresses", "Roku"):
        assert furniture not in shown["text"]

    relative = os.path.relpath(ARTICLE_004, Path.cwd())
    by_relative = json.loads(run_cli("show", "--store", str(sample_store), "--json", relative).stdout)
    by_id = json.loads(run_cli("show", "--store", str(sample_store), "--json", shown["doc_id"]).stdout)
    assert by_relative == shown
    assert by_id == shown

    text = run_cli("show", "--store", str(sample_store), str(ARTICLE_004), env=NO_MODEL).stdout
    assert "Iran to spare no help to Syria" in text and "Press TV" in text and "2016-09-19" in text


def test_show_of_an_unknown_source_fails_in_one_line(sample_store: Path) -> None:
    result = run_cli("show", "--store", str(sample_store), "/nowhere/unknown.txt", check=False, env=NO_MODEL)
    assert result.returncode == 1
    assert result.stdout == ""
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert "/nowhere/unknown.txt: no stored article" in lines[0]
