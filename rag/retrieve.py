"""Step 1 of answering: find the passages most related to a question (dense, through llama-index)."""

from __future__ import annotations

from datetime import date

from llama_index.core import VectorStoreIndex
from llama_index.core.base.embeddings.base import BaseEmbedding
from llama_index.core.llms import MockLLM
from llama_index.core.retrievers import QueryFusionRetriever
from llama_index.core.schema import NodeWithScore

from index.lexical import LexicalIndex
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
    """Hybrid retrieval: dense (Chroma) and lexical (BM25) rankings fused by reciprocal rank fusion,
    then at most `per_article` chunks from any one article."""

    def __init__(
        self,
        store: ArticleStore,
        embedder: BaseEmbedding,
        lexical: LexicalIndex,
        top_k: int,
        per_article: int = 3,
    ) -> None:
        self._index = VectorStoreIndex.from_vector_store(store.vector_store, embed_model=embedder)
        self._lexical = lexical
        self.top_k = top_k
        self.per_article = per_article

    def retrieve(self, query: str, top_k: int | None = None) -> list[Passage]:
        k = top_k or self.top_k
        # Over-fetch, then cap chunks per article: the cap needs candidates beyond the first k.
        pool = k * 4
        dense = self._index.as_retriever(similarity_top_k=pool)
        lexical = self._lexical.retriever(pool)
        if lexical is None:
            hits = dense.retrieve(query)
        else:
            fusion = QueryFusionRetriever(
                [dense, lexical],
                llm=MockLLM(),  # num_queries=1: no query rewriting, so no LLM is ever called
                mode="reciprocal_rerank",
                similarity_top_k=pool,
                num_queries=1,
                use_async=False,
            )
            hits = fusion.retrieve(query)
        return cap_per_article([_to_passage(hit) for hit in hits], k, self.per_article)
