"""Step 1 of answering: find the passages most related to a question (dense, through llama-index)."""

from __future__ import annotations

from datetime import date

from llama_index.core import VectorStoreIndex
from llama_index.core.base.embeddings.base import BaseEmbedding
from llama_index.core.schema import NodeWithScore

from index.store import ArticleStore
from rag.models import Passage


def _to_passage(hit: NodeWithScore) -> Passage:
    node = hit.node
    meta = node.metadata
    published = meta.get("published")
    return Passage(
        chunk_id=node.node_id,
        doc_id=meta.get("doc_id") or node.ref_doc_id or "",
        text=node.get_content(),
        start=node.start_char_idx or 0,
        end=node.end_char_idx or 0,
        score=float(hit.score or 0.0),
        source=meta.get("source", ""),
        title=meta.get("title") or None,
        outlet=meta.get("outlet") or None,
        published=date.fromisoformat(published) if published else None,
    )


def cap_per_article(passages: list[Passage], top_k: int, per_article: int) -> list[Passage]:
    """The best `top_k` passages with at most `per_article` from any one article, so a question
    spanning several articles sees each of them instead of one article's every chunk."""
    kept: list[Passage] = []
    taken: dict[str, int] = {}
    for passage in passages:
        if taken.get(passage.doc_id, 0) < per_article:
            taken[passage.doc_id] = taken.get(passage.doc_id, 0) + 1
            kept.append(passage)
        if len(kept) == top_k:
            break
    return kept


class PassageRetriever:
    """Top-k chunks by cosine similarity over the Chroma chunk collection, diversified by article."""

    def __init__(
        self, store: ArticleStore, embedder: BaseEmbedding, top_k: int, per_article: int = 3
    ) -> None:
        self._index = VectorStoreIndex.from_vector_store(store.vector_store, embed_model=embedder)
        self.top_k = top_k
        self.per_article = per_article

    def retrieve(self, query: str, top_k: int | None = None) -> list[Passage]:
        k = top_k or self.top_k
        # Over-fetch, then cap chunks per article: the cap needs candidates beyond the first k.
        retriever = self._index.as_retriever(similarity_top_k=k * 4)
        hits = [_to_passage(hit) for hit in retriever.retrieve(query)]
        return cap_per_article(hits, k, self.per_article)
