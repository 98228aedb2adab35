"""What makes ingest fast and its memory flat, checked for behaviour on real BBC stories: the streamed BM25
rebuild gives the same index as llama-index's, BM25 notices a same-size change, identical chunk texts are
embedded once, and repeated-line counting stays bounded."""

from __future__ import annotations

import json
import shutil
from array import array
from pathlib import Path

import bm25s
import numpy as np
import pytest
import Stemmer
from llama_index.core.schema import MetadataMode
from llama_index.retrievers.bm25 import BM25Retriever
from newsdesk.index.chunk import ArticleChunker
from newsdesk.index.embed import load_tokenizer
from newsdesk.index.ingest import Ingestor
from newsdesk.index.lexical import LeanBM25, LexicalIndex
from newsdesk.index.repeated_lines import RepeatedLines

from tests.fixtures.cli import SHARED_CORPORA

BBC = SHARED_CORPORA / "bbc"
pytestmark = pytest.mark.skipif(not BBC.is_dir(), reason="the BBC corpus is not beside the checkout")


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """Components over a store of 16 BBC business stories (own copies: one test edits a file)."""
    from newsdesk.components import Components
    from newsdesk.settings import load_settings

    folder = tmp_path_factory.mktemp("bbc")
    for path in sorted((BBC / "business").glob("*.txt"))[:16]:
        shutil.copy(path, folder / path.name)
    components = Components(load_settings(store={"path": tmp_path_factory.mktemp("store")}))
    report = components.ingestor.ingest([folder])
    assert report.added == 16
    return components, folder, report


def test_streamed_bm25_is_the_index_llama_index_builds(built, tmp_path: Path) -> None:
    components, _, _ = built
    # Pages of 7 chunks: the page vocabularies must merge into one index.
    streamed = LexicalIndex(tmp_path / "bm25", components.store, page=7)
    streamed.rebuild()
    ours = streamed.retriever(5)
    reference = BM25Retriever.from_defaults(
        nodes=components.store.vector_store.get_nodes(None), similarity_top_k=5
    )
    for query in ["oil prices", "Yukos bankruptcy court", "the dollar fell against the euro", "jobs growth"]:
        got = [(hit.node.node_id, round(hit.score, 5)) for hit in ours.retrieve(query)]
        expected = [(hit.node.node_id, round(hit.score, 5)) for hit in reference.retrieve(query)]
        assert got == expected, query
        assert got, query
    hit = ours.retrieve("Yukos")[0].node
    assert hit.metadata["doc_id"] and "Yukos" in hit.get_content()


def test_lean_bm25_builds_the_matrix_bm25s_builds() -> None:
    # 1,000 Reuters records, empty bodies included: a document with no tokens must not shift the columns.
    records = json.loads((SHARED_CORPORA / "reuters" / "reuters-003.json").read_text(encoding="utf-8"))
    texts = [record.get("body") or "" for record in records]
    tokens = bm25s.tokenize(texts, stopwords="en", stemmer=Stemmer.Stemmer("english"), show_progress=False)
    ids = [array("i", document) for document in tokens.ids]
    assert any(not document for document in ids)
    reference, lean = bm25s.BM25(), LeanBM25()
    reference.index((ids, dict(tokens.vocab)), show_progress=False)
    lean.index((ids, dict(tokens.vocab)), show_progress=False)
    for key in ("data", "indices", "indptr"):
        assert lean.scores[key].dtype == reference.scores[key].dtype, key
        assert np.array_equal(lean.scores[key], reference.scores[key]), key
    assert lean.scores["num_docs"] == reference.scores["num_docs"] == len(records)
    assert lean.vocab_dict == reference.vocab_dict
    words = bm25s.tokenize("oil prices rise", stemmer=Stemmer.Stemmer("english"), return_ids=False)[0]
    scores = lean.get_scores(reference.get_tokens_ids(words))
    assert (scores > 0).sum() > 10
    assert np.array_equal(scores, reference.get_scores(reference.get_tokens_ids(words)))


def test_callback_managers_keep_no_event_ids_across_calls(built) -> None:
    # llama-index's CallbackManager kept every event id outside a trace of its own: 2 an ingested
    # article, 4 a question, for the life of the process.
    components, _, report = built
    assistant = components.assistant()
    for question in ["What happened to Yukos?", "Did the dollar fall?", "What did the oil price do?"]:
        assistant.ask(question)
    embedder_ids = components.embedder.callback_manager.trace_map
    splitter_ids = components.ingestor.chunker._splitter.callback_manager.trace_map
    assert report.embedded > 16
    assert sum(len(ids) for ids in embedder_ids.values()) <= 1
    assert sum(len(ids) for ids in splitter_ids.values()) <= 1


def test_bm25_is_stale_after_a_change_of_the_same_size(built) -> None:
    components, folder, _ = built
    lexical = components.lexical
    assert lexical.is_current()
    # Another writer (no BM25 rebuild afterwards) replaces a story with an edit of the same length.
    writer = Ingestor(
        components.store,
        ArticleChunker(
            load_tokenizer(),
            components.settings.ingest.chunk_tokens,
            components.settings.ingest.chunk_overlap,
        ),
        components.embedder,
        batch_articles=components.settings.ingest.batch,
        repeated_line_articles=0,
        max_article_mb=components.settings.ingest.max_article_mb,
    )
    story = sorted(folder.glob("*.txt"))[3]
    text = story.read_text(encoding="latin-1")
    story.write_text(text.replace(" the ", " tha ", 1), encoding="latin-1")
    chunks = components.store.count_chunks()
    report = writer.ingest([folder])
    assert report.updated == 1
    # Only the edited chunk is embedded again: the others keep their stored vectors.
    source = str(story.resolve())
    stored = components.store.get_article(components.store.find_by_sources([source])[source][0].doc_id)
    assert stored.metadata["chunks"] > 1
    assert report.embedded == 1
    assert components.store.count_chunks() == chunks  # a chunk count alone would not see it
    assert not lexical.is_current(max_age=0)
    assert lexical.retriever(3) is not None
    assert lexical.is_current()


def test_identical_chunk_texts_are_embedded_once(built, tmp_path: Path) -> None:
    components, folder, first = built
    assert first.embedded > 0
    # Re-ingest of unchanged files: nothing reaches the encoder.
    again = components.ingestor.ingest([folder])
    assert again.added == 0 and again.embedded == 0

    # Two new stories that open with the same headline and paragraphs, then go their own ways: their
    # first chunks are the same text, embedded once. Different enough not to be near-duplicates.
    def paragraphs(name: str) -> list[str]:
        return (BBC / name).read_text(encoding="latin-1").split("\n\n")

    opening = paragraphs("politics/001.txt")[:4]  # headline and ~280 words: more than a chunk
    twins = tmp_path / "twins"
    twins.mkdir()
    (twins / "a.txt").write_text("\n\n".join(opening + paragraphs("tech/001.txt")[1:]), encoding="latin-1")
    (twins / "b.txt").write_text("\n\n".join(opening + paragraphs("sport/001.txt")[1:]), encoding="latin-1")
    before = components.store.count_chunks()
    report = components.ingestor.ingest([twins])
    assert report.added == 2
    added_chunks = report.chunks - before
    texts = [
        node.get_content(metadata_mode=MetadataMode.EMBED)
        for page in components.store.iter_chunk_nodes()
        for node in page
        if node.metadata["source"].startswith(str(twins))
    ]
    assert len(texts) == added_chunks
    assert len(set(texts)) < len(texts)  # the shared opening chunk
    assert report.embedded == len(set(texts))


def test_repeated_line_counts_stay_bounded_and_still_find_furniture() -> None:
    def story_line(number: int) -> str:  # a line no other article has (letters only: figures are skipped)
        tag = "".join(chr(97 + (number // 26**place) % 26) for place in range(3))
        return f"A line only story {tag} carries"

    repeated = RepeatedLines(min_articles=4, max_lines=50)
    footer = "Follow the newsroom on the usual channels"
    for number in range(300):
        repeated.add("outlet:x", f"{story_line(number)}\n{footer}\n", content_hash=str(number))
    assert repeated.count("outlet:x", footer) == 300
    assert repeated.is_furniture("outlet:x", footer)
    assert not repeated.is_furniture("outlet:x", story_line(299))
    # Lines seen once were dropped along the way: the counter never held all 300 of them.
    assert repeated.count("outlet:x", story_line(0)) == 0
    # Once counting is finished only the furniture is kept, and no more articles can be counted.
    repeated.add("outlet:x", f"{story_line(7)}\n{story_line(8)}\n", content_hash="again")
    assert repeated.count("outlet:x", story_line(7)) == 1
    repeated.finish()
    assert repeated.is_furniture("outlet:x", footer) and repeated.count("outlet:x", story_line(7)) == 0
    with pytest.raises(RuntimeError):
        repeated.add("outlet:x", footer, content_hash="late")
