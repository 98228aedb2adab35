"""Keeps the engine's draft of each answer, before the citation check removes anything.

Grounding is measured on what the engine wrote, not only on what survived the check: an engine
that invents facts has its sentences dropped by the check, so the final answer alone would hide
it. The recorder is an AnswerEngine itself and wraps the real one, so the assistant runs its
pipeline unchanged.
"""

from __future__ import annotations

from newsdesk.rag.engines.base import AnswerEngine
from newsdesk.rag.models import Answer, Passage


class DraftRecorder:
    """Passes every call to `engine` and keeps the last draft and the passages it was given."""

    def __init__(self, engine: AnswerEngine) -> None:
        self.engine = engine
        self.name = engine.name
        self.draft: Answer | None = None
        self.passages: list[Passage] | None = None

    def reset(self) -> None:
        self.draft, self.passages = None, None

    def answer(self, question: str, passages: list[Passage]) -> Answer:
        self.passages = passages
        self.draft = self.engine.answer(question, passages)
        return self.draft
