"""The question-answering pipeline: rewrite follow-up → retrieve → gate → answer → verify."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

from prompts import load_prompt
from rag.engines.base import AnswerEngine
from rag.gate import unanswerable_reason
from rag.injection import retrieve_evidence
from rag.models import Answer, Filters, Passage
from rag.retrieve import PassageRetriever
from rag.verify import CitationCheck

Turn = tuple[str, str]

_REFERS_BACK = re.compile(
    r"\b(he|she|it|they|him|her|his|its|their|them|that|this|those|these|there|then)\b", re.I
)


def retrieval_query(question: str, history: Sequence[Turn]) -> str:
    """The question to search with. A follow-up that leans on earlier turns ("and what did he say
    about the ceasefire?") is searched together with the previous question; LLM engines replace
    this with a rewrite by the model (prompts/condense.md)."""
    if not history:
        return question
    previous_question = history[-1][0]
    if _REFERS_BACK.search(question) or len(question.split()) <= 5:
        return f"{previous_question} {question}"
    return question


class Assistant:
    def __init__(self, retriever: PassageRetriever, engine: AnswerEngine, checker: CitationCheck) -> None:
        self.retriever = retriever
        self.engine = engine
        self.checker = checker

    def stream(
        self,
        question: str,
        history: Sequence[Turn] = (),
        top_k: int | None = None,
        filters: Filters | None = None,
    ) -> Iterator[str | Answer]:
        """Text deltas of the draft answer as the engine produces them, then the verified Answer
        (always the last item). Engines without token streaming yield the final text once."""
        streaming = getattr(self.engine, "stream_answer", None)
        if streaming is None:
            answer = self.ask(question, history, top_k=top_k, filters=filters)
            yield answer.answer
            yield answer
            return
        question, query, passages, abstained = self._prepare(question, history, top_k)
        if abstained is not None:
            yield abstained.answer
            yield abstained
            return
        for item in streaming(query, passages):
            if isinstance(item, Answer):
                yield self._finish(self.checker.verify(item), question, query)
            else:
                yield item

    def ask(
        self,
        question: str,
        history: Sequence[Turn] = (),
        top_k: int | None = None,
        filters: Filters | None = None,
    ) -> Answer:
        question, query, passages, abstained = self._prepare(question, history, top_k)
        if abstained is not None:
            return abstained
        return self._finish(self.checker.verify(self.engine.answer(query, passages)), question, query)

    def _prepare(
        self, question: str, history: Sequence[Turn], top_k: int | None
    ) -> tuple[str, str, list[Passage], Answer | None]:
        """The question, the query searched, the evidence, and the abstention when the gate refuses."""
        question = question.strip()
        if not question:
            raise ValueError("the question is empty")
        condense = getattr(self.engine, "condense", None)  # LLM engines rewrite follow-ups themselves
        query = condense(question, history) if condense and history else retrieval_query(question, history)
        passages = retrieve_evidence(self.retriever, query, top_k)
        reason = unanswerable_reason(query, passages)
        if reason is None:
            return question, query, passages, None
        answer = Answer(
            question=question,
            answer=load_prompt("abstain").format(reason=reason),
            abstained=True,
            engine=self.engine.name,
        )
        return question, query, passages, self._finish(answer, question, query)

    @staticmethod
    def _finish(answer: Answer, question: str, query: str) -> Answer:
        return answer.model_copy(update={"question": question, "retrieval_query": query})
