"""`newsdesk ingest`: stable ids, idempotent re-runs, clear errors for bad input."""

from __future__ import annotations

import json
from pathlib import Path

from tests.fixtures.cli import SAMPLE_CORPUS, run_cli


def test_ingest_twice_adds_nothing_the_second_time(tmp_path: Path) -> None:
    store = str(tmp_path / "store")
    first = json.loads(run_cli("ingest", "--store", store, "--json", str(SAMPLE_CORPUS)).stdout)
    second = json.loads(run_cli("ingest", "--store", store, "--json", str(SAMPLE_CORPUS)).stdout)
    assert {"documents", "chunks", "added", "updated", "skipped", "errors"} <= set(first)
    assert (first["documents"], first["added"], first["errors"]) == (3, 3, [])
    assert first["chunks"] >= 3
    assert second["chunks"] == first["chunks"]
    assert second["documents"] == 3
    assert (second["added"], second["updated"], second["skipped"]) == (0, 0, 3)


def test_same_story_from_another_file_is_stored_once_and_a_changed_file_replaces_its_chunks(
    tmp_path: Path,
) -> None:
    store = str(tmp_path / "store")
    folder = tmp_path / "articles"
    folder.mkdir()
    original = SAMPLE_CORPUS / "004_92eb43aadcb4a738.txt"
    (folder / "a.txt").write_text(original.read_text(encoding="utf-8"), encoding="utf-8")
    (folder / "copy.txt").write_text(original.read_text(encoding="utf-8"), encoding="utf-8")
    first = json.loads(run_cli("ingest", "--store", store, "--json", str(folder)).stdout)
    assert (first["documents"], first["added"], first["skipped"]) == (1, 1, 1)

    (folder / "a.txt").write_text(
        "A new headline\n\nThe whole story was rewritten by the desk today.\n", encoding="utf-8"
    )
    second = json.loads(run_cli("ingest", "--store", store, "--json", str(folder / "a.txt")).stdout)
    assert second["updated"] == 1
    assert second["documents"] == 1
    assert second["chunks"] == 1


def test_bad_files_are_named_and_good_ones_still_go_in(tmp_path: Path) -> None:
    folder = tmp_path / "mixed"
    folder.mkdir()
    (folder / "good.txt").write_text((SAMPLE_CORPUS / "000_08a30185b96717b7.txt").read_text(encoding="utf-8"))
    (folder / "empty.txt").write_text("")
    (folder / "latin1.txt").write_bytes("Caf\xe9 au lait in S\xe3o Paulo.".encode("latin-1"))
    (folder / "binary.md").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00")
    missing = tmp_path / "nowhere"
    result = run_cli("ingest", "--store", str(tmp_path / "store"), "--json", str(folder), str(missing))
    report = json.loads(result.stdout)
    reasons = {Path(e["source"]).name: e["reason"] for e in report["errors"]}
    assert report["added"] == 2  # good.txt and latin1.txt: legacy encodings are detected and decoded
    assert set(reasons) == {"empty.txt", "binary.md", "nowhere"}
    assert "empty" in reasons["empty.txt"]
    assert "binary" in reasons["binary.md"]
    assert "no such file" in reasons["nowhere"]


def test_ingest_of_nothing_usable_fails_with_the_reason(tmp_path: Path) -> None:
    result = run_cli("ingest", "--store", str(tmp_path / "store"), str(tmp_path / "missing.txt"), check=False)
    assert result.returncode == 1
    assert "missing.txt: no such file or folder" in result.stderr
