"""The question-answering pipeline: rewrite follow-up → read stated filters → retrieve (filtered),
cut instructions, gate → does any retrieved sentence answer (the support judge)? → answer → read the
cited articles once → verify → read citations with their neighbours → date relative days (when questions)."""

from __future__ import annotations

import copy
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from newsdesk.rag.candidates import candidate_sentences
from newsdesk.rag.citation_context import add_context
from newsdesk.rag.engines.base import AnswerEngine, Turn, abstained_answer
from newsdesk.rag.filters import describe_filters, merge_filters
from newsdesk.rag.followup import ReferenceResolver, Standalone, make_standalone
from newsdesk.rag.gate import unanswerable_reason
from newsdesk.rag.judge import SupportJudge
from newsdesk.rag.models import Answer, Filters, Passage
from newsdesk.rag.question import anchor_terms, asks_when
from newsdesk.rag.relative_days import resolve_relative_days
from newsdesk.rag.retrieve import PassageRetriever
from newsdesk.rag.stated_filters import stated_filters
from newsdesk.rag.verify import CitationCheck


def retrieval_query(
    question: str, history: Sequence[Turn], followups: ReferenceResolver | None = None
) -> str:
    """The question to search with. A follow-up that refers back ("what did his ministry say?") is
    searched with its references resolved (`followups`); one that still leans on earlier turns ("and
    when?") is searched together with the previous question (rag.followup). LLM engines replace this
    with a rewrite by the model (prompts/condense.md)."""
    return make_standalone(question, history, followups).query


@dataclass
class _Prepared:
    """A question made ready for an engine: as asked, as searched, its evidence and filters."""

    question: str
    query: str
    passages: list[Passage]
    filters: Filters | None
    abstained: Answer | None = None
    focus: str | None = None  # what the engine answers, when it differs from what was searched

    @property
    def engine_query(self) -> str:
        return self.focus or self.query


def _describe(passage: Passage) -> str:
    """An article as the abstention names it: its headline, outlet and date (what of them it has)."""
    title = f'"{passage.title}"' if passage.title else passage.source
    details = ", ".join(str(part) for part in (passage.outlet, passage.published) if part)
    return f"{title} ({details})" if details else title


def no_answer_reason(question: str, passages: list[Passage], judge: SupportJudge) -> str | None:
    """Why no retrieved sentence answers the question, naming what the archive has instead; None when
    one does. Every engine is gated by it, so none answers from sentences the judge finds off the question."""
    candidates = candidate_sentences(passages)
    if not candidates:
        return "the retrieved articles have no sentence that could answer this."
    scores = judge.answer_scores_in_articles(
        question, [c.text for c in candidates], [c.article for c in candidates]
    )
    best = int(scores.argmax())
    if scores[best] >= judge.answers_threshold:
        return None
    closest = candidates[best]
    text = " ".join(closest.text.split())
    return (
        f'the archive has {_describe(closest.passage)} but no sentence that answers this; closest: "{text}"'
    )


class Assistant:
    def __init__(
        self,
        retriever: PassageRetriever,
        engine: AnswerEngine,
        checker: CitationCheck,
        judge: SupportJudge,
        followups: ReferenceResolver | None = None,
    ) -> None:
        self.retriever = retriever
        self.engine = engine
        self.checker = checker
        self.judge = judge
        # Resolves a follow-up's "he", "the company" for engines that do not condense follow-ups themselves.
        self.followups = followups

    def with_engine(self, engine: AnswerEngine) -> Assistant:
        """The same pipeline with another engine (the evaluation wraps the engine to record drafts)."""
        twin = copy.copy(self)
        twin.engine = engine
        return twin

    def stream(
        self,
        question: str,
        history: Sequence[Turn] = (),
        top_k: int | None = None,
        filters: Filters | None = None,
    ) -> Iterator[str | Answer]:
        """Text deltas of the draft answer as the engine produces them, then the verified Answer
        (always the last item). Engines without token streaming yield the final text once."""
        if not self.engine.streams_tokens:
            answer = self.ask(question, history, top_k=top_k, filters=filters)
            yield answer.answer
            yield answer
            return
        prepared = self._prepare(question, history, top_k, filters)
        if prepared.abstained is not None:
            yield prepared.abstained.answer
            yield prepared.abstained
            return
        for item in self.engine.stream_answer(prepared.engine_query, prepared.passages):
            yield self._finish(item, prepared) if isinstance(item, Answer) else item

    def ask(
        self,
        question: str,
        history: Sequence[Turn] = (),
        top_k: int | None = None,
        filters: Filters | None = None,
    ) -> Answer:
        prepared = self._prepare(question, history, top_k, filters)
        if prepared.abstained is not None:
            return prepared.abstained
        return self._finish(self.engine.answer(prepared.engine_query, prepared.passages), prepared)

    def _prepare(
        self, question: str, history: Sequence[Turn], top_k: int | None, filters: Filters | None
    ) -> _Prepared:
        """Rewrite a follow-up, read the question's own filters, retrieve, and gate."""
        question = question.strip()
        if not question:
            raise ValueError("the question is empty")
        # LLM engines rewrite follow-ups themselves; others leave it to rag.followup (`retrieval_query`).
        rewritten = self.engine.condense(question, history) if history else None
        if rewritten is not None:
            followup = Standalone(rewritten)
        else:
            followup = make_standalone(question, history, self.followups)
        standalone = followup.query
        stated = stated_filters(standalone, self.retriever.catalog.outlets)
        query = stated.query
        merged = merge_filters(filters, stated.filters)
        applied = self.retriever.resolve(merged)
        # Recorded as the user gave them (a file name stays a file name), outlets in the store's spelling.
        recorded = merged.model_copy(update={"outlets": applied.outlets}) if applied else None
        evidence = self.retriever.evidence(query, top_k, filters=applied)
        explicit_dates = filters is not None and (filters.date_from or filters.date_to)
        stated_dates = stated.filters.date_from or stated.filters.date_to
        if not evidence.passages and stated_dates and not explicit_dates:
            # A year the question states ("earned in 2004") is often the event's, not the article's:
            # an undated archive, or a later article, still answers. The question's dates narrow the
            # search only when something is found within them; else search without them.
            query = standalone
            undated = stated.filters.model_copy(update={"date_from": None, "date_to": None})
            merged = merge_filters(filters, undated)
            applied = self.retriever.resolve(merged)
            recorded = merged.model_copy(update={"outlets": applied.outlets}) if applied else None
            evidence = self.retriever.evidence(query, top_k, filters=applied)
        prepared = _Prepared(question, query, evidence.passages, recorded)
        if rewritten is None and (followup.earlier or followup.question != question):
            # A follow-up searched made standalone, or with the question it leans on: the engine answers
            # the follow-up as asked (with the names of the earlier question it was searched with), from
            # the evidence the standalone search found. A name put in the question pulls the engine to
            # sentences naming it, while the answer often says "he" or "the government"; and with all of
            # the earlier question it would pick the sentence that answered that again.
            # Once its references are resolved, the follow-up is about them, not about the earlier question's
            # names: "Did he apologise?" after Moyes named Beattie must not pull the engine to Moyes.
            resolved = followup.question != question and followup.complete
            leaning = "" if resolved else followup.earlier
            earlier = anchor_terms(leaning).values()
            prepared.focus = " ".join([question, *earlier])
            if followup.reasked:
                # "And Mirza?" re-asked as "Who did Mirza beat ...?": the fragment alone asks nothing.
                prepared.focus = followup.question
        if not evidence.passages:
            # The gate closed (or nothing was found): the same rule says why.
            reason = unanswerable_reason(query, evidence.considered, evidence.articles)
            assert reason is not None
            if recorded is not None:
                reason = f"{reason.rstrip('.')} (searching only articles {describe_filters(recorded)})."
            prepared.abstained = self._stamp(abstained_answer(question, reason, self.engine.name), prepared)
            return prepared
        # The anchor gate (above, cheap) let the evidence through; now the judge: does any sentence answer
        # the question as searched (a follow-up: made standalone)?
        reason = no_answer_reason(query, evidence.passages, self.judge)
        if reason is not None:
            prepared.abstained = self._stamp(abstained_answer(question, reason, self.engine.name), prepared)
        return prepared

    def _finish(self, draft: Answer, prepared: _Prepared) -> Answer:
        """Verify the engine's draft, then read each quote with its neighbours and date relative days.
        The cited articles are read once, here, for both."""
        articles = self.checker.article_texts(citation.doc_id for citation in draft.citations)
        answer = add_context(self.checker.verify(draft, articles), articles)
        if asks_when(prepared.question):
            answer = resolve_relative_days(answer)
        return self._stamp(answer, prepared)

    @staticmethod
    def _stamp(answer: Answer, prepared: _Prepared) -> Answer:
        return answer.model_copy(
            update={
                "question": prepared.question,
                "retrieval_query": prepared.query,
                "filters": prepared.filters,
            }
        )
