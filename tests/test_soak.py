"""Soak: one archive, many users at once. `newsdesk serve` answers 10 clients without pause while a CLI
ingest of 500 BBC stories and three web uploads write the same archive (through one Chroma server: the mode
for several writing processes, see index/writers.py). No question and no upload may fail, the archive must
end as a sequential run leaves it, and the server's memory must come back to where it started."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.fixtures.cli import SAMPLE_CORPUS, SHARED_CORPORA, run_cli
from tests.fixtures.ui_server import newsdesk_server

BBC = SHARED_CORPORA / "bbc"
LOGIN = ("desk", "soak-test-login")
QUESTIONS = (
    "Who met in Tehran and when?",
    "How much does Iran spend a year propping up Assad's regime?",
    "What did the Turkish foreign minister say in Ankara?",
    "Which ancient city did Russian forces help recapture?",
    "How many Syrian forces did the US-led coalition attack in Dayr al-Zawr kill?",
)


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError(f"no VmRSS for pid {pid}")


def serve_pid(store: Path) -> int:
    found = subprocess.run(["pgrep", "-f", f"newsdesk serve --store {store}"], capture_output=True, text=True)
    return int(found.stdout.split()[0])


@pytest.fixture
def chroma(tmp_path: Path) -> Iterator[str]:
    from bench.servers import chroma_server

    with chroma_server(tmp_path / "chroma-data") as url:
        yield url


@pytest.mark.slow
def test_serve_answers_ten_clients_while_a_cli_ingest_and_uploads_write(tmp_path: Path, chroma: str) -> None:
    from gradio_client import Client, handle_file

    stories = sorted(BBC.glob("*/*.txt"))
    batch = tmp_path / "bbc-500"
    batch.mkdir()
    for path in stories[:500]:
        shutil.copy(path, batch / f"{path.parent.name}-{path.name}")
    uploads = [[path for path in stories[600 + 5 * n : 605 + 5 * n]] for n in range(3)]

    # The sequential run: the same articles, one writer after the other, in a store of its own.
    sequential = tmp_path / "sequential"
    run_cli("ingest", "--store", str(sequential), "--json", str(SAMPLE_CORPUS), *map(str, stories[585:590]))
    run_cli("ingest", "--store", str(sequential), "--json", str(batch))
    for files in uploads:
        run_cli("ingest", "--store", str(sequential), "--json", *map(str, files))
    expected = json.loads(run_cli("status", "--store", str(sequential), "--json").stdout)

    store = tmp_path / "store"
    run_cli("ingest", "--store", str(store), "--chroma-url", chroma, "--json", str(SAMPLE_CORPUS))
    with newsdesk_server(store, "--chroma-url", chroma, login=LOGIN) as url:
        pid = serve_pid(store)

        def client() -> Client:
            return Client(url, auth=LOGIN, verbose=False, download_files=False)

        # Warm up as the run will work: models loaded, indexes read, one upload of a few stories ingested (the
        # encoder's working memory for whole batches, onnxruntime's arena, is kept for reuse) and a round of
        # ten clients at once; the growth measured is the run's, not the first use's.
        warm_up = stories[585:590]
        assert client().predict([handle_file(str(p)) for p in warm_up], api_name="/ingest")["errors"] == []
        with ThreadPoolExecutor(max_workers=10) as pool:
            list(pool.map(lambda q: client().predict(q, api_name="/ask"), QUESTIONS * 2))
        start_mb = rss_mb(pid)

        done = threading.Event()
        failures: list[str] = []
        asked = [0]
        reports: list[dict] = []

        def keep_asking(number: int) -> None:
            me = client()
            turn = number
            while not done.is_set():
                question = QUESTIONS[turn % len(QUESTIONS)]
                try:
                    answer = me.predict(question, api_name="/ask")
                    assert answer["question"] == question
                    asked[0] += 1
                except Exception as error:  # every failure is reported by the test
                    failures.append(f"ask {question!r}: {type(error).__name__}: {error}")
                turn += 1

        def upload(files: list[Path]) -> None:
            try:
                reports.append(
                    client().predict([handle_file(str(path)) for path in files], api_name="/ingest")
                )
            except Exception as error:
                failures.append(f"upload: {type(error).__name__}: {error}")

        askers = [threading.Thread(target=keep_asking, args=(n,)) for n in range(10)]
        for asker in askers:
            asker.start()
        ingest = subprocess.Popen(
            [sys.executable, "-m", "newsdesk", "ingest", "--store", str(store), "--chroma-url", chroma,
             "--json", str(batch)],
            env={**os.environ, "HF_HUB_OFFLINE": "1"},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )  # fmt: skip
        uploaders = [threading.Thread(target=upload, args=(files,)) for files in uploads]
        for uploader in uploaders:
            uploader.start()
        stdout, stderr = ingest.communicate(timeout=1800)
        for uploader in uploaders:
            uploader.join()
        done.set()
        for asker in askers:
            asker.join()

        assert ingest.returncode == 0, stderr
        assert json.loads(stdout)["errors"] == []
        assert failures == []
        assert asked[0] >= 10
        assert len(reports) == 3 and all(report["errors"] == [] for report in reports)
        final = json.loads(run_cli("status", "--store", str(store), "--chroma-url", chroma, "--json").stdout)
        assert (final["documents"], final["chunks"]) == (expected["documents"], expected["chunks"])

        for question in QUESTIONS:  # the server answers from the grown archive
            client().predict(question, api_name="/ask")
        end_mb = rss_mb(pid)
        assert end_mb <= start_mb * 1.10, f"server RSS {start_mb:.0f} MB before, {end_mb:.0f} MB after"


@pytest.mark.slow
def test_serve_keeps_answering_while_a_cli_ingest_writes_its_embedded_store(tmp_path: Path) -> None:
    """The embedded store (no Chroma server): `serve` reads while a CLI ingest of 150 BBC stories writes.
    No question fails during the ingest, and afterwards the server answers from the new stories."""
    from gradio_client import Client

    store = tmp_path / "store"
    run_cli("ingest", "--store", str(store), "--json", "--sample-corpus")
    batch = tmp_path / "politics"
    batch.mkdir()
    for path in sorted((BBC / "politics").glob("*.txt"))[:150]:
        shutil.copy(path, batch / path.name)
    with newsdesk_server(store) as url:
        client = Client(url, verbose=False, download_files=False)
        client.predict(QUESTIONS[0], api_name="/ask")
        ingest = subprocess.Popen(
            [sys.executable, "-m", "newsdesk", "ingest", "--store", str(store), "--json", str(batch)],
            env={**os.environ, "HF_HUB_OFFLINE": "1"},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        answered, failures = 0, []
        while ingest.poll() is None:
            try:
                client.predict(QUESTIONS[answered % len(QUESTIONS)], api_name="/ask")
                answered += 1
            except Exception as error:
                failures.append(f"{type(error).__name__}: {error}")
        _, stderr = ingest.communicate()
        assert ingest.returncode == 0, stderr
        assert failures == [] and answered >= 3
        after = client.predict("What did Tony Blair say about the general election?", api_name="/ask")
        assert any("/politics/" in citation["source"] for citation in after["citations"])
