"""Incremental ingest on real BBC stories: resume after kill -9, prune, only changed files re-embedded."""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.fixtures.cli import SHARED_CORPORA, run_cli

BBC = SHARED_CORPORA / "bbc"


@pytest.fixture
def bbc_folder(tmp_path: Path) -> Path:
    """40 real BBC stories (their own copies, so the test can touch and delete files)."""
    folder = tmp_path / "bbc"
    folder.mkdir()
    for path in sorted((BBC / "politics").glob("*.txt"))[:40]:
        shutil.copy(path, folder / path.name)
    return folder


def rows_written(store: Path) -> int:
    database = store / "chroma" / "chroma.sqlite3"
    if not database.exists():
        return 0
    try:
        with sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=1) as connection:
            return connection.execute("select count(*) from embeddings_queue").fetchone()[0]
    except sqlite3.Error:
        return 0


def ingest_json(store: Path, *args: str, env: dict[str, str] | None = None) -> dict:
    return json.loads(run_cli("ingest", "--store", str(store), "--json", *args, env=env).stdout)


def test_kill_9_mid_ingest_then_rerun_gives_the_same_store(bbc_folder: Path, tmp_path: Path) -> None:
    reference = ingest_json(tmp_path / "reference", str(bbc_folder))

    store = tmp_path / "killed"
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "NEWSDESK_INGEST__BATCH": "2"}
    process = subprocess.Popen(
        [sys.executable, "-m", "newsdesk", "ingest", "--store", str(store), "--json", str(bbc_folder)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    # Wait until the first batches are in the store (read-only look at Chroma's write log), then
    # kill without warning, mid-run.
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and process.poll() is None:
        if rows_written(store) >= 12:
            break
        time.sleep(0.1)
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert process.returncode == -signal.SIGKILL, "ingest finished before it could be killed"

    resumed = ingest_json(store, str(bbc_folder))
    assert resumed["errors"] == []
    assert resumed["added"] > 0  # what the killed run had not finished
    assert (resumed["documents"], resumed["chunks"]) == (reference["documents"], reference["chunks"])


def test_touched_file_is_the_only_one_re_embedded_and_prune_removes_deleted(
    bbc_folder: Path, tmp_path: Path
) -> None:
    store = tmp_path / "store"
    first = ingest_json(store, str(bbc_folder))
    assert first["added"] + first["skipped"] == 40 and first["errors"] == []

    again = ingest_json(store, str(bbc_folder))
    assert (again["added"], again["updated"], again["chunks"]) == (0, 0, first["chunks"])

    touched = sorted(bbc_folder.glob("*.txt"))[0]
    touched.write_text(touched.read_text(encoding="utf-8") + "\nA correction was appended to this story.\n")
    (sorted(bbc_folder.glob("*.txt"))[1]).unlink()
    changed = ingest_json(store, "--prune", str(bbc_folder))
    assert (changed["added"], changed["updated"], changed["pruned"]) == (0, 1, 1)
    assert changed["documents"] == first["documents"] - 1


def test_near_duplicate_is_stored_once_with_its_other_source(bbc_folder: Path, tmp_path: Path) -> None:
    from newsdesk.components import Components
    from newsdesk.settings import load_settings

    original = sorted(bbc_folder.glob("*.txt"))[2]
    text = original.read_text(encoding="utf-8")
    lines = text.splitlines()
    # The same wire story as another outlet ran it: a different headline, one sentence cut.
    rerun = tmp_path / "other-outlet" / "copy.txt"
    rerun.parent.mkdir()
    rerun.write_text("\n".join(["Another outlet's headline", *lines[1:-1]]) + "\n", encoding="utf-8")
    distinct = tmp_path / "other-outlet" / "distinct.txt"
    distinct.write_text((BBC / "sport" / "001.txt").read_text(encoding="utf-8"), encoding="utf-8")

    components = Components(load_settings(store={"path": tmp_path / "store"}))
    first = components.ingestor.ingest([original])
    second = components.ingestor.ingest([rerun.parent])
    assert first.added == 1
    assert (second.added, second.skipped) == (1, 1)
    stored = components.store.find_by_sources([str(original.resolve())])[str(original.resolve())][0]
    assert stored is not None
    assert str(rerun.resolve()) in stored.metadata["alternates"]
    assert components.store.count_articles() == 2


@pytest.mark.parametrize("band_index", ["kept", "deleted"])
def test_near_duplicate_is_found_by_a_later_run(bbc_folder: Path, tmp_path: Path, band_index: str) -> None:
    """The MinHash bands persist between runs (a new process reads them from disk), and a missing band
    index is rebuilt from the stored texts: either way the wire copy is recognised, not stored twice."""
    original = sorted(bbc_folder.glob("*.txt"))[2]
    lines = original.read_text(encoding="utf-8").splitlines()
    rerun = tmp_path / "other-outlet" / "copy.txt"
    rerun.parent.mkdir()
    rerun.write_text("\n".join(["A later outlet's headline", *lines[1:-1]]) + "\n", encoding="utf-8")
    store = tmp_path / "store"
    first = ingest_json(store, str(original), str(BBC / "sport" / "002.txt"))
    assert first["added"] == 2
    bands = [path for path in store.rglob("*") if path.is_file() and "minhash" in str(path.parent)]
    assert bands, "the first run left no near-duplicate index beside the store"
    if band_index == "deleted":
        for path in bands:
            path.unlink()
    second = ingest_json(store, str(rerun))
    assert (second["added"], second["skipped"], second["documents"]) == (0, 1, 2)


def test_a_footer_shared_by_many_articles_of_a_folder_is_not_stored(tmp_path: Path) -> None:
    from newsdesk.components import Components
    from newsdesk.settings import load_settings

    folder = tmp_path / "outlet"
    folder.mkdir()
    footer = "Planet Media Group operates eleven regional titles across the northern counties."
    for path in sorted((BBC / "tech").glob("*.txt"))[:5]:
        (folder / path.name).write_text(path.read_text(encoding="utf-8") + f"\n{footer}\n", encoding="utf-8")

    components = Components(load_settings(store={"path": tmp_path / "store"}))
    report = components.ingestor.ingest([folder])
    assert report.added == 5
    for path in folder.glob("*.txt"):
        stored = components.store.find_by_sources([str(path.resolve())])[str(path.resolve())][0]
        assert stored is not None
        article = components.store.get_article(stored.doc_id)
        assert article is not None and footer not in article.text
        assert article.text.splitlines()[0] == path.read_text(encoding="utf-8").splitlines()[0]
