"""Step 1 of answering: find the passages most related to a question. Dense (Chroma) and lexical
(BM25) rankings are fused through llama-index, then the postprocessors (rag.postprocessors) cap the
chunks per article, cut instructions out of the evidence, and gate it on relevance."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

import numpy as np
from llama_index.core import VectorStoreIndex
from llama_index.core.base.base_retriever import BaseRetriever
from llama_index.core.base.embeddings.base import BaseEmbedding
from llama_index.core.llms import MockLLM
from llama_index.core.retrievers import QueryFusionRetriever
from llama_index.core.schema import NodeWithScore, QueryBundle
from llama_index.core.vector_stores.types import MetadataFilters
from llama_index.core.vector_stores.utils import build_metadata_filter_fn
from llama_index.retrievers.bm25 import BM25Retriever
from newsdesk.index.lexical import LexicalIndex
from newsdesk.index.store import ArticleStore
from newsdesk.rag.filters import ArchiveCatalog, metadata_filters, resolve_filters
from newsdesk.rag.injection import InstructionDetector
from newsdesk.rag.models import Filters, Passage
from newsdesk.rag.postprocessors import CapPerArticle, CutInstructions, RelevanceGate
from newsdesk.rag.question import anchor_terms, content_terms, states


@dataclass
class Evidence:
    """What a question is answered from: `passages` passed the relevance gate (none when it closed);
    `considered` are the instruction-free passages the gate read."""

    passages: list[Passage]
    considered: list[Passage]
    articles: dict[str, str] = field(default_factory=dict)
    """The whole texts of the considered passages' articles, read when their chunks alone closed the gate."""


class _Scored(BaseRetriever):
    """BM25 hits that match at least one query term. bm25s fills its top k with zero-score chunks
    when fewer match, and gives masked-out (filtered) chunks a zero score: neither may enter fusion."""

    def __init__(self, inner: BaseRetriever) -> None:
        super().__init__()
        self._inner = inner

    def _retrieve(self, query_bundle: QueryBundle) -> list[NodeWithScore]:
        return [hit for hit in self._inner.retrieve(query_bundle) if (hit.score or 0.0) > 0.0]


class _FilteredDense(BaseRetriever):
    """Dense hits that pass a broad filter. Chroma answers a filtered query slowly when the filter
    allows much of the store (~0.8 s for a month of Reuters' 28k chunks, against ~50 ms unfiltered),
    so the nearest `wide` chunks are fetched unfiltered and filtered here; when fewer than `top_k`
    pass, Chroma's own filtered query answers. Either way the result is the filtered nearest `top_k`.
    Narrow filters (a source, a rare outlet) go to Chroma's filtered query directly: fast there."""

    def __init__(self, index: VectorStoreIndex, conditions: MetadataFilters, top_k: int, wide: int) -> None:
        super().__init__()
        self._wide = index.as_retriever(similarity_top_k=wide)
        self._exact = index.as_retriever(similarity_top_k=top_k, filters=conditions)
        # The filter function looks metadata up by key; here the "key" is the metadata itself.
        self._allows = build_metadata_filter_fn(lambda metadata: metadata, conditions)  # type: ignore[arg-type,return-value]
        self._top_k = top_k

    def _retrieve(self, query_bundle: QueryBundle) -> list[NodeWithScore]:
        kept = [hit for hit in self._wide.retrieve(query_bundle) if self._allows(hit.node.metadata)]  # type: ignore[arg-type]
        if len(kept) >= self._top_k:
            return kept[: self._top_k]
        return self._exact.retrieve(query_bundle)


class _Derived:
    """What retrieval derives from one loaded lexical corpus: the catalog of outlets and sources, the
    metadata columns, and the mask of the last filters (a chat repeats its filters)."""

    def __init__(self, corpus: list[dict]) -> None:
        self.corpus = corpus
        self.catalog = ArchiveCatalog(corpus)
        self._columns: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None
        self._mask: tuple[str, list[int]] | None = None
        self._lock = threading.Lock()

    def mask(self, filters: Filters) -> list[int]:
        """1 for each BM25 chunk the (resolved) filters allow. bm25s scores only those (a weight
        mask), which keeps the lexical side exact under filters where over-fetching could miss rare
        matches. Computed on arrays of the corpus metadata rather than with llama-index's
        per-node `build_metadata_filter_fn`, which takes ~0.5 s on 28k chunks; the rule is the same
        as `metadata_filters` (a missing date never matches)."""
        key = filters.model_dump_json()
        with self._lock:
            if self._mask is not None and self._mask[0] == key:
                return self._mask[1]
            published, outlets, sources = self._metadata_columns()
            allowed = np.ones(len(published), dtype=bool)
            if filters.date_from:
                allowed &= published >= int(filters.date_from.strftime("%Y%m%d"))
            if filters.date_to:
                allowed &= (published <= int(filters.date_to.strftime("%Y%m%d"))) & (published > 0)
            if filters.outlets:
                allowed &= np.isin(outlets, filters.outlets)
            if filters.sources:
                allowed &= np.isin(sources, filters.sources)
            self._mask = (key, allowed.astype(int).tolist())
            return self._mask[1]

    def _metadata_columns(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        if self._columns is None:
            self._columns = (
                np.array([int(m.get("published_int") or 0) for m in self.corpus], dtype=np.int64),
                np.array([str(m.get("outlet") or "") for m in self.corpus], dtype=object),
                np.array([str(m.get("source") or "") for m in self.corpus], dtype=object),
            )
        return self._columns


def _names_in(hit: NodeWithScore) -> set[str]:
    return content_terms(hit.node.get_content()) | content_terms(str(hit.node.metadata.get("title") or ""))


def _with_every_name(
    query: str, fused: list[NodeWithScore], lexical: BaseRetriever, k: int
) -> list[NodeWithScore]:
    """`fused`, with the best lexical chunk that names every name of the question put in at place `k - 1`
    when none of the first `k` names one of them.

    Reciprocal rank fusion rewards a chunk both rankings like: a chunk that only the lexical ranking puts
    first — the one article naming a rare name, "Paion", that the encoder has never seen — falls behind
    chunks both rank tenth, and the question is then judged on articles that never name what it asks
    about. The chunk put in must name all the question's names, not only the missing one: a chunk naming
    "Britain" alone would open the relevance gate to a question about Apple in Britain that no article
    answers."""
    names = anchor_terms(query)
    if not names or not fused:
        return fused
    seen: set[str] = set()
    for hit in fused[:k]:
        seen |= _names_in(hit)
    if all(states(name, seen) for name in names):
        return fused
    for hit in lexical.retrieve(query):
        if not hit.score:
            break  # a chunk a filter holds out scores 0 (BM25's weight mask) and ranks last
        terms = _names_in(hit)
        if all(states(name, terms) for name in names):
            rest = [other for other in fused if other.node.node_id != hit.node.node_id]
            return [*rest[: k - 1], hit, *rest[k - 1 :]]
    return fused


class PassageRetriever:
    """Hybrid retrieval: dense (Chroma) and lexical (BM25) rankings fused by reciprocal rank fusion,
    then at most `per_article` chunks from any one article. Filters restrict both sides."""

    def __init__(
        self,
        store: ArticleStore,
        embedder: BaseEmbedding,
        lexical: LexicalIndex,
        top_k: int,
        instructions: InstructionDetector,
        per_article: int = 3,
    ) -> None:
        # The embedder's own callback manager: without one, the index hands the embedder llama-index's
        # global manager, which keeps the id of every query embedding (see index/callbacks.py).
        self._index = VectorStoreIndex.from_vector_store(
            store.vector_store, embed_model=embedder, callback_manager=embedder.callback_manager
        )
        self._store = store
        self._lexical = lexical
        self.instructions = instructions
        self.top_k = top_k
        self.per_article = per_article
        # What is derived from one loaded BM25 index (its catalog, metadata columns and the last filter's
        # mask), replaced whole when the index changes: `serve` answers in several threads while another
        # process may publish a new index, and a mask must always line up with the corpus it is used on.
        self._derived: _Derived | None = None
        self._derived_lock = threading.Lock()

    def _derived_of(self, loaded: BM25Retriever | None) -> _Derived:
        """The state derived from `loaded` (one snapshot of the lexical index), computed once per index."""
        corpus = loaded.corpus if loaded is not None else []
        with self._derived_lock:
            # Compared by identity: the derived state holds the corpus it was made from, and a newly loaded
            # index is a new corpus object (a content key would cost a pass over 28k entries a question).
            if self._derived is None or self._derived.corpus is not corpus:
                self._derived = _Derived(corpus)
            return self._derived

    @property
    def catalog(self) -> ArchiveCatalog:
        """The outlets and sources of the indexed chunks."""
        return self._derived_of(self._lexical.load()).catalog

    def resolve(self, filters: Filters | None) -> Filters | None:
        """The filters in the store's spellings (outlets, sources); None when they restrict nothing."""
        if filters is None or filters.is_empty():
            return None
        return resolve_filters(filters, self.catalog)

    def _fused(self, query: str, k: int, filters: Filters | None) -> list[NodeWithScore]:
        """The dense and lexical hits fused, 4 × k of them: the per-article cap needs candidates beyond k."""
        pool = k * 4
        loaded = self._lexical.load()  # one snapshot for the whole question: catalog, mask and scores
        derived = self._derived_of(loaded)
        resolved = resolve_filters(filters, derived.catalog) if filters and not filters.is_empty() else None
        conditions = metadata_filters(resolved) if resolved else None
        mask = derived.mask(resolved) if resolved else None
        # The wide path fetches 4 × pool hits (fetching costs ~1 ms a hit): worth it when the filter
        # allows at least 40% of the chunks, so that some 50 of them are expected to pass.
        broad = mask is not None and sum(mask) / len(mask) >= 0.4
        if conditions is None:
            dense = self._index.as_retriever(similarity_top_k=pool)
        elif broad:
            dense = _FilteredDense(self._index, conditions, pool, wide=pool * 4)
        else:
            dense = self._index.as_retriever(similarity_top_k=pool, filters=conditions)
        lexical = (
            self._lexical.retriever(pool, weight_mask=mask, index=loaded) if loaded is not None else None
        )
        if lexical is None:
            return dense.retrieve(query)
        fusion = QueryFusionRetriever(
            [dense, _Scored(lexical)],
            llm=MockLLM(),  # num_queries=1: no query rewriting, so no LLM is ever called
            mode="reciprocal_rerank",
            similarity_top_k=pool,
            num_queries=1,
            use_async=False,
        )
        return _with_every_name(query, fusion.retrieve(query), lexical, k)

    def _capped(self, query: str, k: int, filters: Filters | None) -> list[NodeWithScore]:
        cap = CapPerArticle(top_k=k, per_article=self.per_article)
        return cap.postprocess_nodes(self._fused(query, k, filters), query_str=query)

    def retrieve(self, query: str, top_k: int | None = None, filters: Filters | None = None) -> list[Passage]:
        """The best `top_k` chunks for `query`, at most `per_article` from one article, as they are stored."""
        k = top_k or self.top_k
        return [Passage.from_node(hit) for hit in self._capped(query, k, filters)]

    def evidence(self, query: str, top_k: int | None = None, filters: Filters | None = None) -> Evidence:
        """The passages to answer `query` from: retrieved, capped per article, without instructions,
        `top_k` of them free of any, and gated on relevance.

        A chunk carrying an instruction was ranked partly on the instruction's words (an injection
        naming "Tehran" climbs the ranking for a Tehran question), so it does not take the place of
        evidence: one more chunk is fetched for each, and what is left of it comes on top.
        """
        k = top_k or self.top_k
        fetch = k
        while True:
            hits = self._capped(query, fetch, filters)
            tainted = sum(1 for hit in hits if self.instructions.carries_instruction(hit.node.get_content()))
            if len(hits) - tainted >= k or len(hits) < fetch or fetch >= k + tainted:
                break
            fetch = k + tainted
        bundle = QueryBundle(query)
        cleaned = CutInstructions(detector=self.instructions).postprocess_nodes(hits, bundle)
        admitted = RelevanceGate().postprocess_nodes(cleaned, bundle)
        considered = [Passage.from_node(hit) for hit in cleaned]
        articles: dict[str, str] = {}
        if cleaned and not admitted:
            # The chunks miss a word the question is anchored on: their whole articles may still name it
            # (a columnist named in the standfirst, asked about a company in the fifth paragraph). Read
            # only on this path, so an answerable question costs no extra read.
            stored = self._store.get_articles(p.doc_id for p in considered)
            articles = {doc_id: article.text for doc_id, article in stored.items()}
            admitted = RelevanceGate(articles=articles).postprocess_nodes(cleaned, bundle)
        return Evidence(
            passages=[Passage.from_node(hit) for hit in admitted], considered=considered, articles=articles
        )
