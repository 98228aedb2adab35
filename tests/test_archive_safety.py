"""Nothing lost, nothing corrupted: partial reads and prune, kill -9 at any point of an update, oversized
records, the near-duplicate index used from other threads, two writers on one store."""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from tests.fixtures.cli import SHARED_CORPORA, run_cli

BBC = SHARED_CORPORA / "bbc"
REUTERS = SHARED_CORPORA / "reuters"


def ingest_json(store: Path, *args: str, env: dict[str, str] | None = None) -> dict:
    return json.loads(run_cli("ingest", "--store", str(store), "--json", *args, env=env).stdout)


def reuters_records(count: int, first: int = 0) -> list[dict]:
    records = json.loads((REUTERS / "reuters-003.json").read_text(encoding="utf-8"))
    return [record for record in records if str(record.get("body") or "").strip()][first : first + count]


def store_state(store: Path) -> dict:
    """What a store holds, compared between a clean run and a killed-then-rerun one: every article (source,
    doc_id, chunk count), the chunk total, and the derived indexes (BM25 chunks, near-duplicate members)."""
    from newsdesk.index.store import ArticleStore, open_chroma

    articles = ArticleStore(open_chroma(store))
    sources = sorted(articles.iter_sources())
    stamp = json.loads((store / "newsdesk-bm25" / "newsdesk-stamp.json").read_text(encoding="utf-8"))
    with sqlite3.connect(f"file:{store / 'newsdesk-minhash' / 'bands.sqlite3'}?mode=ro", uri=True) as bands:
        members = sorted(row[0] for row in bands.execute("SELECT doc_id FROM members"))
    return {
        "articles": [(source, doc_id, articles.count_article_chunks(doc_id)) for source, doc_id in sources],
        "chunks": articles.count_chunks(),
        "bm25_chunks": stamp["chunks"],
        "band_members": members,
    }


def rows_written(store: Path) -> int:
    """Operations in Chroma's write log (adds, upserts, deletes), read without disturbing the writer."""
    database = store / "chroma" / "chroma.sqlite3"
    try:
        with sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=1) as connection:
            return connection.execute("select count(*) from embeddings_queue").fetchone()[0]
    except sqlite3.Error:
        return 0


# 1. prune never removes what a partial read did not see ------------------------------------------
def test_prune_keeps_the_articles_of_a_file_that_was_only_partly_read(tmp_path: Path) -> None:
    feed = tmp_path / "feed" / "wire.json"
    feed.parent.mkdir()
    records = reuters_records(60)
    feed.write_text(json.dumps(records, indent=1), encoding="utf-8")
    store = tmp_path / "store"
    first = ingest_json(store, str(feed.parent))
    assert first["errors"] == [] and first["documents"] >= 50

    text = feed.read_text(encoding="utf-8")
    feed.write_text(text[: len(text) // 2], encoding="utf-8")  # truncated, e.g. by a copy cut short
    pruned = json.loads(
        run_cli("ingest", "--store", str(store), "--json", "--prune", str(feed.parent), check=False).stdout
    )
    assert any("truncated or malformed JSON" in error["reason"] for error in pruned["errors"])
    assert (pruned["pruned"], pruned["documents"]) == (0, first["documents"])

    # Read completely again, without its last 10 records: those, and only those, are pruned.
    feed.write_text(json.dumps(records[:50], indent=1), encoding="utf-8")
    complete = ingest_json(store, "--prune", str(feed.parent))
    assert complete["errors"] == []
    assert complete["documents"] == first["documents"] - complete["pruned"]
    assert 0 < complete["pruned"] <= 10


def test_a_malformed_jsonl_line_keeps_what_was_stored_from_the_file(tmp_path: Path) -> None:
    feed = tmp_path / "feed" / "wire.jsonl"
    feed.parent.mkdir()
    records = reuters_records(12, first=100)
    feed.write_text("".join(json.dumps(record) + "\n" for record in records), encoding="utf-8")
    store = tmp_path / "store"
    first = ingest_json(store, str(feed.parent))
    lines = feed.read_text(encoding="utf-8").splitlines()
    lines[5] = lines[5][: len(lines[5]) // 2]  # one record's line broken
    feed.write_text("\n".join(lines) + "\n", encoding="utf-8")
    again = ingest_json(store, "--prune", str(feed.parent))
    assert [error["source"].rsplit("#", 1)[1] for error in again["errors"]] == ["6"]
    assert (again["pruned"], again["documents"]) == (0, first["documents"])


# 2. kill -9 at any point of an update, then a re-run: the store a clean run gives --------------
@pytest.fixture(scope="module")
def update_scenario(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """A store of 24 BBC stories from one folder, then the folder changed in place: 6 stories edited, 4
    deleted, 3 added. The reference is a clean `ingest --prune` of the change."""
    root = tmp_path_factory.mktemp("update")
    folder = root / "archive"
    folder.mkdir()
    stories = sorted((BBC / "business").glob("*.txt"))[:27]
    for path in stories[:24]:
        shutil.copy(path, folder / path.name)
    base_store = root / "base-store"
    ingest_json(base_store, str(folder))
    for path in stories[:4]:
        (folder / path.name).unlink()
    for number, path in enumerate(stories[4:10], start=1):
        # Each correction its own: a line repeated in many articles of a folder is furniture.
        correction = f"Correction {number}: an earlier version misstated figure {number * 7} of this story."
        (folder / path.name).write_text(
            path.read_text(encoding="utf-8") + f"\n{correction}\n", encoding="utf-8"
        )
    for path in stories[24:27]:
        shutil.copy(path, folder / path.name)
    reference_store = root / "reference-store"
    shutil.copytree(base_store, reference_store)
    report = ingest_json(reference_store, "--prune", str(folder))
    assert (report["added"], report["updated"], report["pruned"]) == (3, 6, 4)
    return {"base": base_store, "folder": folder, "reference": store_state(reference_store)}


@pytest.mark.parametrize("kill_after", [1, 4, 9, 15, 24, 40])
def test_kill_9_at_any_point_of_an_update_then_rerun(
    update_scenario: dict, tmp_path: Path, kill_after: int
) -> None:
    store = tmp_path / "store"
    shutil.copytree(update_scenario["base"], store)
    start = rows_written(store)
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "NEWSDESK_INGEST__BATCH": "2"}
    process = subprocess.Popen(
        [sys.executable, "-m", "newsdesk", "ingest", "--store", str(store), "--prune", "--json",
         str(update_scenario["folder"])],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and process.poll() is None:
        if rows_written(store) >= start + kill_after:
            break
        time.sleep(0.02)
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert process.returncode == -signal.SIGKILL, "the update finished before it could be killed"

    rerun = ingest_json(store, "--prune", str(update_scenario["folder"]))
    assert rerun["errors"] == []
    assert store_state(store) == update_scenario["reference"]


# 3. one oversized record is refused on its own; the rest of the batch goes in; memory stays bounded --
def test_an_oversized_record_is_refused_alone_and_memory_stays_bounded(tmp_path: Path) -> None:
    folder = tmp_path / "feeds"
    folder.mkdir()
    good = reuters_records(3, first=200)
    huge_body = ("Oil prices rose again on Monday as traders weighed supply. " * 520_000)[: 30 * 1024 * 1024]
    lines = [
        json.dumps(good[0]),
        json.dumps({**good[1], "id": "huge", "body": huge_body}),
        json.dumps(good[2]),
    ]
    (folder / "wire.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    cell = "Shares fell sharply in early trading. " * 280_000  # ~10 MB in one CSV cell
    rows = ["title,body", 'Markets,"Stocks closed higher after a volatile session."', f"Big,{cell}"]
    (folder / "table.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    shutil.copy(BBC / "tech" / "001.txt", folder / "story.txt")
    probe = (
        "import atexit, resource, sys\n"
        "atexit.register(lambda: sys.stderr.write("
        "f'\\nmaxrss_kb={resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}\\n'))\n"
        "from newsdesk.cli import main\n"
        "sys.argv = ['newsdesk', *sys.argv[1:]]\n"
        "main()\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe, "ingest", "--store", str(tmp_path / "store"), "--json", str(folder)],
        capture_output=True,
        text=True,
        env={**os.environ, "HF_HUB_OFFLINE": "1"},
        timeout=600,
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    refused = {error["source"].rsplit("/", 1)[1]: error["reason"] for error in report["errors"]}
    assert set(refused) == {"wire.jsonl#huge", "table.csv#2"}
    assert all("the limit is 2 MB" in reason for reason in refused.values())
    assert report["added"] == 4, report  # two wire records, one table row, the story
    peak_mb = int(result.stderr.rsplit("maxrss_kb=", 1)[1].split()[0]) / 1024
    assert peak_mb < 1200, f"ingest peaked at {peak_mb:.0f} MB"


# 5. the near-duplicate index is usable from any thread (the web server ingests in worker threads) ------
def test_ingests_from_different_threads_share_one_near_duplicate_index(tmp_path: Path) -> None:
    from newsdesk.components import Components
    from newsdesk.settings import load_settings

    components = Components(load_settings(store={"path": tmp_path / "store"}))
    reports: list = []
    errors: list[BaseException] = []

    def ingest(path: Path) -> None:
        try:
            reports.append(components.ingestor.ingest([path]))
        except BaseException as error:
            errors.append(error)

    for path in sorted((BBC / "sport").glob("*.txt"))[:3]:
        worker = threading.Thread(target=ingest, args=(path,))
        worker.start()
        worker.join()
    assert errors == []
    assert [report.added for report in reports] == [1, 1, 1]


# 6. a second writer waits for the first one's batch, says so, and then goes on -------------------------
def test_a_writer_waits_for_another_writers_batch_and_says_so(tmp_path: Path) -> None:
    from newsdesk.index.writers import StoreWriters

    store = tmp_path / "store"
    ingest_json(store, str(BBC / "tech" / "002.txt"))
    holder = StoreWriters(store / "newsdesk-writers")
    with holder.batch():
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "newsdesk",
                "ingest",
                "--store",
                str(store),
                "--json",
                str(BBC / "tech" / "003.txt"),
            ],
            env={**os.environ, "HF_HUB_OFFLINE": "1"},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        time.sleep(20)  # long enough to load the models and reach its first write
        assert process.poll() is None, "the second writer did not wait for the lock"
    stdout, stderr = process.communicate(timeout=300)
    assert process.returncode == 0, stderr
    assert f"waiting for pid {os.getpid()}" in stderr
    assert json.loads(stdout)["documents"] == 2


# 7. readers always see a whole lexical index while another process rebuilds it --------------------
def test_a_reader_never_sees_a_half_swapped_lexical_index(tmp_path: Path) -> None:
    from newsdesk.components import Components
    from newsdesk.settings import load_settings

    store = tmp_path / "store"
    ingest_json(store, *(str(path) for path in sorted((BBC / "politics").glob("*.txt"))[:30]))
    writer = Components(load_settings(store={"path": store})).lexical
    reader = Components(load_settings(store={"path": store})).lexical
    stop = threading.Event()
    failures: list[BaseException] = []

    def rebuild_again_and_again() -> None:
        while not stop.is_set():
            writer.rebuild()

    rebuilding = threading.Thread(target=rebuild_again_and_again)
    rebuilding.start()
    try:
        for _ in range(60):
            reader._loaded = None  # as a fresh process would: load from disk each time
            try:
                index = reader.load()
                assert index is not None and len(index.corpus) > 0
            except BaseException as error:
                failures.append(error)
    finally:
        stop.set()
        rebuilding.join()
    assert failures == []


@pytest.mark.slow
def test_two_ingests_into_one_embedded_store_take_turns_and_leave_it_whole(tmp_path: Path) -> None:
    """Two CLI ingests of ~500 BBC stories each, started together on one embedded store: the second waits
    for the first (naming it) instead of writing Chroma's files at the same time — which corrupted the
    store even with batches written in turns ("Error getting embedding"): each process keeps its own vector
    graph in memory and writes it back. The store ends with every article, and every stored vector is
    found again by a nearest-neighbour query."""
    import chromadb
    import numpy as np
    from chromadb.config import Settings as ChromaSettings

    store = tmp_path / "store"
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "NEWSDESK_INGEST__BATCH": "8"}
    runs = []
    for section in ("business", "sport"):
        runs.append(
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "newsdesk",
                    "ingest",
                    "--store",
                    str(store),
                    "--json",
                    str(BBC / section),
                ],
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
        )
        time.sleep(1)
    outputs = [run.communicate(timeout=900) for run in runs]
    assert [run.returncode for run in runs] == [0, 0], [err for _, err in outputs]
    assert any("waiting for pid" in err for _, err in outputs)
    reports = [json.loads(out) for out, _ in outputs]
    final = json.loads(run_cli("status", "--store", str(store), "--json").stdout)
    assert final["documents"] == sum(report["added"] for report in reports)
    assert final["chunks"] == max(report["chunks"] for report in reports)

    settings = ChromaSettings(anonymized_telemetry=False)
    chunks = chromadb.PersistentClient(path=str(store / "chroma"), settings=settings).get_collection(
        "newsdesk_chunks"
    )
    stored = chunks.get(include=["embeddings"])
    assert len(stored["ids"]) == final["chunks"]
    vectors = np.asarray(stored["embeddings"])
    for position in range(0, len(stored["ids"]), 11):
        found = chunks.query(query_embeddings=[vectors[position].tolist()], n_results=1)
        assert found["ids"][0][0] == stored["ids"][position]


def test_a_writer_gives_up_after_its_wait_naming_the_holder(tmp_path: Path) -> None:
    from newsdesk.index.writers import StoreWriters

    store = tmp_path / "store"
    ingest_json(store, str(BBC / "tech" / "004.txt"))
    with StoreWriters(store / "newsdesk-writers").batch():
        result = run_cli(
            "ingest", "--store", str(store), "--json", str(BBC / "tech" / "005.txt"),
            env={"NEWSDESK_STORE__WRITE_WAIT_SECONDS": "2"}, check=False,
        )  # fmt: skip
    assert result.returncode == 1
    assert f"the store is busy: pid {os.getpid()}" in result.stderr
    assert json.loads(run_cli("status", "--store", str(store), "--json").stdout)["documents"] == 1
