"""Step 1 of answering: find the passages most related to a question (dense, through llama-index)."""

from __future__ import annotations

from datetime import date

from llama_index.core import VectorStoreIndex
from llama_index.core.base.base_retriever import BaseRetriever
from llama_index.core.base.embeddings.base import BaseEmbedding
from llama_index.core.llms import MockLLM
from llama_index.core.retrievers import QueryFusionRetriever
from llama_index.core.schema import NodeWithScore, QueryBundle
from llama_index.core.vector_stores.types import MetadataFilters
from llama_index.core.vector_stores.utils import build_metadata_filter_fn

from index.lexical import LexicalIndex
from index.store import ArticleStore
from rag.filters import ArchiveCatalog, metadata_filters, resolve_filters
from rag.models import Filters, Passage


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


class _Scored(BaseRetriever):
    """BM25 hits that match at least one query term. bm25s fills its top k with zero-score chunks
    when fewer match, and gives masked-out (filtered) chunks a zero score: neither may enter fusion."""

    def __init__(self, inner: BaseRetriever) -> None:
        super().__init__()
        self._inner = inner

    def _retrieve(self, query_bundle: QueryBundle) -> list[NodeWithScore]:
        return [hit for hit in self._inner.retrieve(query_bundle) if (hit.score or 0.0) > 0.0]


class PassageRetriever:
    """Hybrid retrieval: dense (Chroma) and lexical (BM25) rankings fused by reciprocal rank fusion,
    then at most `per_article` chunks from any one article. Filters restrict both sides."""

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
        # Derived from the loaded BM25 corpus, so rebuilt only when that index is reloaded.
        self._corpus_id: int | None = None
        self._catalog = ArchiveCatalog([])
        self._masks: dict[str, list[int]] = {}

    def _refresh(self) -> None:
        corpus = self._lexical.corpus()
        if id(corpus) != self._corpus_id:
            self._corpus_id = id(corpus)
            self._catalog = ArchiveCatalog(corpus)
            self._masks = {}

    @property
    def catalog(self) -> ArchiveCatalog:
        """The outlets and sources of the indexed chunks."""
        self._refresh()
        return self._catalog

    def resolve(self, filters: Filters | None) -> Filters | None:
        """The filters in the store's spellings (outlets, sources); None when they restrict nothing."""
        if filters is None or filters.is_empty():
            return None
        return resolve_filters(filters, self.catalog)

    def _lexical_mask(self, conditions: MetadataFilters) -> list[int]:
        """1 for each BM25 chunk the filters allow. bm25s scores only those (a weight mask), which
        keeps the lexical side exact under filters where over-fetching could miss rare matches."""
        key = conditions.model_dump_json()
        if key not in self._masks:
            corpus = self._lexical.corpus()
            allowed = build_metadata_filter_fn(lambda position: corpus[int(position)], conditions)
            self._masks = {key: [int(allowed(str(i))) for i in range(len(corpus))]}  # keep the last one
        return self._masks[key]

    def retrieve(self, query: str, top_k: int | None = None, filters: Filters | None = None) -> list[Passage]:
        k = top_k or self.top_k
        # Over-fetch, then cap chunks per article: the cap needs candidates beyond the first k.
        pool = k * 4
        resolved = self.resolve(filters)
        conditions = metadata_filters(resolved) if resolved else None
        dense = self._index.as_retriever(similarity_top_k=pool, filters=conditions)
        self._refresh()
        mask = self._lexical_mask(conditions) if conditions else None
        lexical = self._lexical.retriever(pool, weight_mask=mask)
        if lexical is None:
            hits = dense.retrieve(query)
        else:
            fusion = QueryFusionRetriever(
                [dense, _Scored(lexical)],
                llm=MockLLM(),  # num_queries=1: no query rewriting, so no LLM is ever called
                mode="reciprocal_rerank",
                similarity_top_k=pool,
                num_queries=1,
                use_async=False,
            )
            hits = fusion.retrieve(query)
        return cap_per_article([_to_passage(hit) for hit in hits], k, self.per_article)
