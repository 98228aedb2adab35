"""The data of a question and its answer."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, Field


class Passage(BaseModel):
    """A retrieved chunk; `start`/`end` locate `text` in its stored article."""

    chunk_id: str
    doc_id: str
    text: str
    start: int
    end: int
    score: float
    source: str
    title: str | None = None
    outlet: str | None = None
    published: date | None = None


class Citation(BaseModel):
    marker: int
    doc_id: str
    source: str
    title: str | None = None
    outlet: str | None = None
    published: date | None = None
    quote: str = Field(description="Verbatim text of the stored article.")
    start: int = Field(description="Offset of the quote in the stored article text.")
    end: int


class AnswerSentence(BaseModel):
    text: str
    markers: list[int] = Field(default_factory=list)
    supported: bool = True


class Answer(BaseModel):
    question: str
    answer: str
    abstained: bool
    engine: str
    citations: list[Citation] = Field(default_factory=list)
    sentences: list[AnswerSentence] = Field(default_factory=list)
    retrieval_query: str | None = Field(
        default=None, description="The question as searched (after follow-up rewriting)."
    )
