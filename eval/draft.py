"""Keeps the engine's draft of each answer, before the citation check removes anything.

Grounding is measured on what the engine wrote, not only on what survived the check: an engine
that invents facts has its sentences dropped by the check, so the final answer alone would hide
it. The recorder is an AnswerEngine itself and wraps the real one, passing every capability
through (follow-up rewriting, streaming), so the evaluated pipeline is the one that ships.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from newsdesk.rag.engines.base import AnswerEngine, Turn
from newsdesk.rag.models import Answer, Passage


class DraftRecorder(AnswerEngine):
    """Passes every call to `engine` and keeps the last draft and the passages it was given."""

    def __init__(self, engine: AnswerEngine) -> None:
        self.engine = engine
        self.name = engine.name
        self.draft: Answer | None = None
        self.passages: list[Passage] | None = None

    @property
    def streams_tokens(self) -> bool:  # type: ignore[override]
        return self.engine.streams_tokens

    def reset(self) -> None:
        self.draft, self.passages = None, None

    def answer(self, question: str, passages: list[Passage]) -> Answer:
        self.passages = passages
        self.draft = self.engine.answer(question, passages)
        return self.draft

    def condense(self, question: str, history: Sequence[Turn]) -> str | None:
        return self.engine.condense(question, history)

    def stream_answer(self, question: str, passages: list[Passage]) -> Iterator[str | Answer]:
        self.passages = passages
        for item in self.engine.stream_answer(question, passages):
            if isinstance(item, Answer):
                self.draft = item
            yield item
