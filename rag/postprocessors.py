"""The steps after fusion, as llama-index node postprocessors, in the order they run:

1. `CapPerArticle`: the best `top_k` chunks, at most `per_article` from one article;
2. `CutInstructions`: sentences that speak to the assistant cut out of the evidence (rag.injection);
3. `RelevanceGate`: no evidence at all when it never speaks of what the question asks (rag.gate).

rag.retrieve runs them; each takes and returns llama-index nodes, so they compose with any retriever.
"""

from __future__ import annotations

from llama_index.core.postprocessor.types import BaseNodePostprocessor
from llama_index.core.schema import NodeWithScore, QueryBundle
from newsdesk.rag.gate import unanswerable_reason
from newsdesk.rag.injection import InstructionDetector
from newsdesk.rag.models import Passage, article_id
from pydantic import ConfigDict, Field


class CapPerArticle(BaseNodePostprocessor):
    """The best `top_k` nodes with at most `per_article` from any one article, so a question
    spanning several articles sees each of them instead of one article's every chunk."""

    top_k: int
    per_article: int

    def _postprocess_nodes(
        self, nodes: list[NodeWithScore], query_bundle: QueryBundle | None = None
    ) -> list[NodeWithScore]:
        kept: list[NodeWithScore] = []
        taken: dict[str, int] = {}
        for hit in nodes:
            doc_id = article_id(hit.node)
            if taken.get(doc_id, 0) < self.per_article:
                taken[doc_id] = taken.get(doc_id, 0) + 1
                kept.append(hit)
            if len(kept) == self.top_k:
                break
        return kept


class CutInstructions(BaseNodePostprocessor):
    """Every sentence that orders its reader cut out of the nodes. A node is split around a cut into
    pieces that keep their own offsets, so quotes from them still point into the article."""

    model_config = ConfigDict(arbitrary_types_allowed=True)
    detector: InstructionDetector

    def _postprocess_nodes(
        self, nodes: list[NodeWithScore], query_bundle: QueryBundle | None = None
    ) -> list[NodeWithScore]:
        cleaned: list[NodeWithScore] = []
        for hit in nodes:
            text = hit.node.get_content()
            if not self.detector.carries_instruction(text):
                cleaned.append(hit)
                continue
            runs = self.detector.instruction_free_runs(text)
            offset = hit.node.start_char_idx or 0
            for number, (start, end) in enumerate(runs):
                piece = hit.node.model_copy(
                    update={
                        "id_": f"{hit.node.node_id}#{number}" if len(runs) > 1 else hit.node.node_id,
                        "text": text[start:end],
                        "start_char_idx": offset + start,
                        "end_char_idx": offset + end,
                    }
                )
                cleaned.append(NodeWithScore(node=piece, score=hit.score))
        return cleaned


class RelevanceGate(BaseNodePostprocessor):
    """All the nodes when they may answer the question, none when they never speak of what it asks
    (`unanswerable_reason`, which the assistant's abstention states). `articles` are the whole texts of
    the nodes' articles (doc_id -> text), when read."""

    articles: dict[str, str] = Field(default_factory=dict)

    def _postprocess_nodes(
        self, nodes: list[NodeWithScore], query_bundle: QueryBundle | None = None
    ) -> list[NodeWithScore]:
        question = query_bundle.query_str if query_bundle is not None else ""
        passages = [Passage.from_node(hit) for hit in nodes]
        return [] if unanswerable_reason(question, passages, self.articles) is not None else nodes
