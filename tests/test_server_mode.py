"""Client/server mode: the same commands against a real Chroma server (`chroma run`) on loopback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench.servers import free_port
from tests.fixtures.cli import SAMPLE_CORPUS, TEHRAN_ARTICLES, run_cli


def test_ingest_ask_and_reingest_through_a_chroma_server(chroma_url: str, tmp_path: Path) -> None:
    local = tmp_path / "local"
    server = ("--store", str(local), "--chroma-url", chroma_url)
    first = json.loads(run_cli("ingest", *server, "--json", str(SAMPLE_CORPUS)).stdout)
    assert (first["documents"], first["added"], first["errors"]) == (3, 3, [])

    # The environment variable routes to the server as the flag does.
    answer = json.loads(
        run_cli(
            "ask", "--store", str(local), "--json", "Who met in Tehran and when?",
            env={"NEWSDESK_STORE__CHROMA_URL": chroma_url},
        ).stdout
    )  # fmt: skip
    assert not answer["abstained"]
    assert {Path(c["source"]).name for c in answer["citations"]} >= TEHRAN_ARTICLES

    again = json.loads(run_cli("ingest", *server, "--json", str(SAMPLE_CORPUS)).stdout)
    assert (again["added"], again["updated"], again["skipped"]) == (0, 0, 3)
    assert (again["documents"], again["chunks"]) == (3, first["chunks"])

    # The articles live on the server; only the derived indexes (BM25 and its versions, MinHash) and the
    # writers' locks live in the local data directory, named after the server.
    assert not (local / "chroma").exists()
    slug = "http-127-0-0-1-" + chroma_url.rsplit(":", 1)[1]
    assert sorted(p.name for p in local.iterdir()) == [
        f"newsdesk-bm25-{slug}",
        f"newsdesk-bm25-{slug}.versions",
        f"newsdesk-minhash-{slug}",
        f"newsdesk-writers-{slug}",
    ]
    assert (local / f"newsdesk-bm25-{slug}" / "newsdesk-stamp.json").is_file()

    status = json.loads(run_cli("status", *server, "--json").stdout)
    assert (status["documents"], status["chunks"], status["chroma_url"]) == (3, first["chunks"], chroma_url)
    article = str(SAMPLE_CORPUS / "004_92eb43aadcb4a738.txt")
    shown = json.loads(run_cli("show", *server, "--json", article).stdout)
    assert shown["metadata"]["published"] == "2016-09-19"


@pytest.mark.parametrize(
    "command",
    [
        ["ingest", str(SAMPLE_CORPUS)],
        ["ask", "Who met in Tehran and when?"],
        ["status"],
        ["show", "anything.txt"],
    ],
)
def test_a_server_that_is_not_running_is_one_clear_line(command: list[str], tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    result = run_cli(*command, "--store", str(tmp_path / "local"), "--chroma-url", url, check=False)
    assert result.returncode == 1
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert url in lines[0] and "Could not connect to a Chroma server" in lines[0]
    assert "Traceback" not in result.stderr


def test_chunk_writes_are_batched_under_the_server_max_batch_size(chroma_url: str, tmp_path: Path) -> None:
    from llama_index.core.schema import NodeRelationship, RelatedNodeInfo, TextNode
    from newsdesk.index.models import Article
    from newsdesk.index.store import ArticleStore, open_chroma

    client = open_chroma(tmp_path, chroma_url)
    store = ArticleStore(client, prefix="batching")
    count = client.get_max_batch_size() + 7  # one add of them all would be refused
    article = Article(doc_id="big", source="/archive/big.txt", text="x", content_hash="h")
    chunks = [
        TextNode(
            id_=f"big-{i}",
            text=f"chunk {i}",
            embedding=[1.0, float(i % 7), 0.5, 0.25],
            relationships={NodeRelationship.SOURCE: RelatedNodeInfo(node_id="big")},
        )
        for i in range(count)
    ]
    store.put_articles([(article, chunks)])
    assert store.count_article_chunks("big") == count
    store.put_articles([(article, chunks[:3])])  # a new version replaces every earlier chunk
    assert store.count_article_chunks("big") == 3
    assert store.count_chunks() == 3
