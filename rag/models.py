"""The data of a question and its answer."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from llama_index.core.schema import BaseNode, NodeWithScore
from newsdesk.index.dates import DateFormError, parse_period
from pydantic import BaseModel, Field, ValidationInfo, field_validator


class Filters(BaseModel):
    """Restricts retrieval to part of the archive. Empty fields do not restrict.

    Set from CLI flags, the API and the UI, or read from the question ("in 2016", "according to AFP").
    """

    date_from: date | None = Field(default=None, description="Published on or after this day.")
    date_to: date | None = Field(default=None, description="Published on or before this day.")
    outlets: list[str] = Field(default_factory=list, description="Any of these outlets (case-insensitive).")
    sources: list[str] = Field(default_factory=list, description="Any of these stored sources (path or URL).")

    @field_validator("date_from", "date_to", mode="before")
    @classmethod
    def _written_date(cls, value: Any, info: ValidationInfo) -> Any:
        """A date written as `--since`/`--until` take it ("2016", "September 2016"; a `--questions` line,
        the API) is a period: `date_from` is its first day, `date_to` its last."""
        if not isinstance(value, str):
            return value
        try:
            period = parse_period(value)
        except DateFormError as error:
            raise ValueError(f"{value!r}: {error}") from error
        return period.last if info.field_name == "date_to" else period.first

    def is_empty(self) -> bool:
        return not (self.date_from or self.date_to or self.outlets or self.sources)


def article_id(node: BaseNode) -> str:
    """The doc_id of the stored article a retrieved node is a chunk of."""
    return node.metadata.get("doc_id") or node.ref_doc_id or ""


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

    @classmethod
    def from_node(cls, hit: NodeWithScore) -> Passage:
        """The passage of a retrieved (and postprocessed) llama-index node; made here only."""
        node = hit.node
        meta = node.metadata
        published = meta.get("published")
        return cls(
            chunk_id=node.node_id,
            doc_id=article_id(node),
            text=node.get_content(),
            start=node.start_char_idx or 0,
            end=node.end_char_idx or 0,
            score=float(hit.score or 0.0),
            source=meta.get("source", ""),
            title=meta.get("title") or None,
            outlet=meta.get("outlet") or None,
            published=date.fromisoformat(published) if published else None,
        )


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
    context: str | None = Field(
        default=None, description="The quote read with its neighbouring sentences (verbatim article text)."
    )
    context_start: int | None = Field(default=None, description="Offset of `context` in the stored article.")


class DatedPhrase(BaseModel):
    """A relative day in a cited sentence ("on Thursday") and the day(s) it means, counted from the
    article's publication date; `date_from`/`date_to` are None when the article is undated."""

    phrase: str = Field(description="The words as the article has them, e.g. 'on Thursday'.")
    marker: int = Field(description="The citation whose quote holds the phrase.")
    published: date | None = Field(default=None, description="The article's publication date.")
    date_from: date | None = None
    date_to: date | None = Field(default=None, description="Equal to date_from for a single day.")
    note: str = Field(description="What the answer shows, e.g. '(Thursday = 15 September 2016, ...)'.")


# What a part of a question asks for. "statement" is what someone said; "thing" is anything else.
AnswerType = Literal[
    "person", "organisation", "place", "date", "amount", "count", "reason", "statement", "outlet", "thing"
]


class QuestionPart(BaseModel):
    """One thing a question asks: "Who met in Tehran and when?" has two parts (who, when)."""

    text: str = Field(description="The part as a question of its own, e.g. 'When did they meet in Tehran?'.")
    answer_type: AnswerType
    focus: list[str] = Field(
        default_factory=list,
        description="Who or what the part is about, as the question writes them (names, key noun phrases).",
    )
    predicate: str | None = Field(
        default=None, description="The lemma of the part's verb, e.g. 'meet' for 'Who met in Tehran?'."
    )
    parties: dict[str, str] = Field(
        default_factory=dict,
        description="The named parties the part is about, each with its entity label, e.g. {'Iran': 'GPE'}.",
    )
    role: str | None = Field(
        default=None,
        description="The role a person or organisation part asks for, e.g. 'minister' for 'Which minister'.",
    )
    asked: str | None = Field(
        default=None,
        description="The lemma of the noun the part asks about, any type: 'date' for 'On what date', 'cost' "
        "for 'What was the cost', 'tally' for 'What was the vote tally'.",
    )
    thing: str | None = Field(
        default=None,
        description="A money part's subject when it is a thing, not a party: 'headquarters' for 'How much "
        "did Labour's new election headquarters cost?'.",
    )
    money: bool = Field(
        default=False,
        description="An amount part that asks for a sum of money ('How much did X pay', 'what did it cost').",
    )
    duration: bool = Field(
        default=False,
        description="An amount part that asks how long something lasts ('How long would members serve?').",
    )


class AnswerPart(BaseModel):
    """How an answer covers one part of its question."""

    question: str = Field(description="The part as a question of its own.")
    answer_type: AnswerType
    covered: bool = Field(description="False: the archive does not say (the answer says so).")
    answer: str | None = Field(default=None, description="The answer span, copied from a cited sentence.")
    markers: list[int] = Field(default_factory=list, description="The citations that answer this part.")


class AnswerSentence(BaseModel):
    text: str
    markers: list[int] = Field(default_factory=list)
    supported: bool = True
    dates: list[DatedPhrase] = Field(
        default_factory=list, description="Relative days in the cited sentences, resolved (when questions)."
    )


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
    filters: Filters | None = Field(default=None, description="The filters retrieval applied, if any.")
    direct_answer: str | None = Field(
        default=None,
        description="The answer in a few words, first (names, a date, an amount), with its citation markers; "
        "every word a connective or copied from a cited sentence. None when abstained.",
    )
    parts: list[AnswerPart] = Field(
        default_factory=list, description="Each part of the question and whether the answer covers it."
    )
    removed_sentences: int = Field(
        default=0, description="Sentences of the engine's draft that the citation check removed."
    )
