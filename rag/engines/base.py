"""The interface every answer engine implements, and what all engines build their answers from."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence

from newsdesk.prompts import load_prompt
from newsdesk.rag.models import Answer, AnswerPart, Citation, Passage

Turn = tuple[str, str]
"""(question, answer) of an earlier turn of the conversation."""


class EngineUnavailable(RuntimeError):
    """The engine's model cannot be used: a server is unreachable, a setting or a file is missing."""


def abstained_answer(question: str, reason: str, engine: str) -> Answer:
    """The Answer that says the archive does not answer `question`, and why (prompts/abstain.md)."""
    return Answer(
        question=question,
        answer=load_prompt("abstain").format(reason=reason),
        abstained=True,
        engine=engine,
    )


# Words that say which part of a question the archive does not answer ("The archive does not say when.").
MISSING_WORD = {
    "person": "who",
    "organisation": "which organisation",
    "outlet": "which outlet",
    "place": "where",
    "date": "when",
    "amount": "how much",
    "count": "how many",
    "reason": "why",
    "statement": "what was said",
}


def missing_note(part: AnswerPart) -> str:
    """What an answer says of a part of its question the archive does not answer."""
    word = MISSING_WORD.get(part.answer_type)
    return f"The archive does not say {word}." if word else f"The archive does not say: {part.question}"


def compose_text(answer: Answer) -> str:
    """An answer's text: its direct answer (a line of cited spans), its cited sentences, then what the
    archive does not say. The engine drafts with it and the citation check rebuilds with it (rag.verify)."""
    body = " ".join(s.text + "".join(f" [{m}]" for m in s.markers) for s in answer.sentences if s.supported)
    missing = " ".join(missing_note(part) for part in answer.parts if not part.covered)
    lines = [answer.direct_answer or "", " ".join(t for t in (body, missing) if t)]
    return "\n\n".join(line for line in lines if line)


def cite(marker: int, passage: Passage, quote: str, start: int, end: int) -> Citation:
    """Citation `marker`: `quote`, found at [start, end) of the stored article that `passage` is from."""
    return Citation(
        marker=marker,
        doc_id=passage.doc_id,
        source=passage.source,
        title=passage.title,
        outlet=passage.outlet,
        published=passage.published,
        quote=quote,
        start=start,
        end=end,
    )


class AnswerEngine(ABC):
    """Turns a question and its retrieved passages into a draft Answer.

    The draft's sentences carry [n] markers that index its citations; each citation quotes the
    stored article verbatim with offsets. The assistant verifies every citation afterwards
    (rag.verify), so an engine may propose, but never has the last word on, what is supported.
    An engine that finds nothing to say returns an abstained Answer.

    Everything the assistant calls is declared here; the optional capabilities have defaults.
    """

    name: str
    streams_tokens: bool = False
    """Whether `stream_answer` yields the draft as it is generated (the CLI then shows it dimmed)."""

    @abstractmethod
    def answer(self, question: str, passages: list[Passage]) -> Answer:
        """The draft Answer of `question` from `passages`."""

    def condense(self, question: str, history: Sequence[Turn]) -> str | None:
        """A follow-up rewritten into a standalone question, or None: this engine does not rewrite
        follow-ups, and the assistant's own follow-up rule applies."""
        return None

    def stream_answer(self, question: str, passages: list[Passage]) -> Iterator[str | Answer]:
        """Text deltas of the draft, then the draft Answer (always last). By default the answer's
        text once: an engine that streams tokens overrides this and sets `streams_tokens`."""
        draft = self.answer(question, passages)
        yield draft.answer
        yield draft
