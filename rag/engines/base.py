"""The interface every answer engine implements."""

from __future__ import annotations

from typing import Protocol

from newsdesk.rag.models import Answer, Passage


class AnswerEngine(Protocol):
    """Turns a question and its retrieved passages into a draft Answer.

    The draft's sentences carry [n] markers that index its citations; each citation quotes the
    stored article verbatim with offsets. The assistant verifies every citation afterwards
    (rag.verify), so an engine may propose, but never has the last word on, what is supported.
    An engine that finds nothing to say returns an abstained Answer.
    """

    name: str

    def answer(self, question: str, passages: list[Passage]) -> Answer: ...
