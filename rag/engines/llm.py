"""The LLM engine: a language model writes the answer from numbered sources, one class for every
backend (llama.cpp in-process, Ollama, any OpenAI-compatible server) through llama-index's LLM
interface.

The model sees a compact context: the few articles the retrieved passages come from, each cut to
the sentences closest to the question and quoted as data between delimiters (prompts/answer.md).
Its reply is parsed into sentences with [n] markers; each marker is turned into a citation whose
quote is the sentence of source n closest to the answer sentence, so the citation check
(rag.verify) can hold every sentence against verbatim article text. A marker past the source list
is dropped; a sentence without a marker gets no citation, and the check removes it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Protocol

import numpy as np
from llama_index.core.base.embeddings.base import BaseEmbedding
from llama_index.core.base.llms.types import ChatMessage, MessageRole
from llama_index.core.llms import LLM
from llama_index.core.prompts import PromptTemplate
from newsdesk.index.sentences import split_sentences
from newsdesk.prompts import load_prompt
from newsdesk.rag.engines.base import AnswerEngine, EngineUnavailable, Turn, abstained_answer, cite
from newsdesk.rag.injection import InstructionDetector
from newsdesk.rag.models import Answer, AnswerSentence, AnswerType, Citation, Passage, QuestionPart
from newsdesk.rag.question import anchor_terms, content_terms

ABSTAIN_MARKER = "The archive does not say."
_ABSTAIN_STEM = ABSTAIN_MARKER.lower().rstrip(".")
_MARKER_GROUP = re.compile(r"\[(\d+(?:\s*[,;]\s*\d+)*)\]")
_LEADING_MARKERS = re.compile(r"^\s*((?:\[\d+(?:\s*[,;]\s*\d+)*\]\s*)+)")
_LIST_BULLET = re.compile(r"^\s*(?:[-*•]|\d+[.)])\s+")
_DELIMITER = re.compile(r"</?source[^>]*>", re.IGNORECASE)
_MIN_WORDS = 4  # shorter pieces are captions and datelines, not evidence

# What the prompt calls each answer type: a small model follows "(answer: a date)" better than a label.
ANSWER_TYPE_WORDS: dict[AnswerType, str] = {
    "person": "a person",
    "organisation": "an organisation",
    "place": "a place",
    "date": "a date or time",
    "amount": "an amount",
    "count": "a number",
    "reason": "a reason",
    "statement": "what was said",
    "outlet": "a news outlet",
    "thing": "a thing",
}


class QuestionParts(Protocol):
    """What the engine asks of a question analyser (newsdesk.rag.question_analysis.QuestionAnalyzer):
    the parts of a question, each with the type of answer it wants."""

    def parts(self, question: str) -> list[QuestionPart]: ...


@dataclass
class SourceSentence:
    text: str
    start: int  # offsets in the stored article
    end: int
    score: float = 0.0


@dataclass
class Source:
    """One numbered source as the model sees it: [number], a sentence of an article (or a few)."""

    number: int
    passage: Passage  # metadata of the article (its best passage)
    sentences: list[SourceSentence] = field(default_factory=list)

    def heading(self) -> str:
        facts = [self.passage.outlet or "unknown outlet", _day(self.passage.published)]
        return f"{self.passage.title or '(untitled)'} — {', '.join(facts)}"

    def render(self) -> str:
        # Delimiters inside an article would let it close its own quote and speak as the prompt.
        return f"[{self.number}] " + " ".join(_DELIMITER.sub(" ", s.text) for s in self.sentences)


def render_sources(sources: list[Source]) -> str:
    """The sources grouped by article: a heading, then its numbered sentences between <source> tags.
    One number per sentence: a small model copies "[n] sentence" well, and the marker then names
    exactly the sentence it quotes."""
    blocks: list[str] = []
    previous = None
    for source in sources:
        if source.passage.doc_id != previous:
            if blocks:
                blocks[-1] += "\n</source>"
            blocks.append(f"Article: {source.heading()}\n<source>")
            previous = source.passage.doc_id
        blocks[-1] += "\n" + source.render()
    if blocks:
        blocks[-1] += "\n</source>"
    return "\n\n".join(blocks)


def _day(published: date | None) -> str:
    return published.isoformat() if published else "undated"


def _overlap(terms: set[str], text: str) -> float:
    return len(terms & content_terms(text)) / len(terms) if terms else 0.0


def _weighted_overlap(question: str, text: str) -> float:
    """The share of the question's terms in `text`, its names and figures (anchors) counting double:
    a sentence about Damascus does not answer a question about Tehran, however close its wording."""
    anchors = set(anchor_terms(question))
    topic = content_terms(question) - anchors
    total = 2 * len(anchors) + len(topic)
    found = content_terms(text)
    return (2 * len(anchors & found) + len(topic & found)) / total if total else 0.0


def connection_problem(error: BaseException) -> str | None:
    """A short reason ("connection refused") when `error` or its causes is a failed connection."""
    seen: BaseException | None = error
    while seen is not None:
        name = type(seen).__name__
        if isinstance(seen, ConnectionRefusedError) or "refused" in str(seen).lower():
            return "connection refused"
        if isinstance(seen, TimeoutError) or "Timeout" in name:
            return "timed out"
        if isinstance(seen, ConnectionError) or name in {"ConnectError", "APIConnectionError"}:
            return str(seen) or "connection failed"
        seen = seen.__cause__ or seen.__context__
    return None


class LLMEngine(AnswerEngine):
    """Answers with a language model; `name` is the engine name the user chose (local, ollama, openai)."""

    streams_tokens = True

    def __init__(
        self,
        name: str,
        llm: LLM,
        embedder: BaseEmbedding,
        endpoint: str,
        instructions: InstructionDetector,
        max_sources: int = 3,
        sentences_per_source: int = 2,
        max_context_chars: int = 1000,
        question_parts: QuestionParts | None = None,
    ) -> None:
        self.name = name
        self.instructions = instructions
        self.llm = llm
        self._embedder = embedder
        self.endpoint = endpoint  # where the model runs, for error messages
        self.max_sources = max_sources
        self.sentences_per_source = sentences_per_source
        self.max_context_chars = max_context_chars
        self._answer_prompt = PromptTemplate(load_prompt("answer"))
        self._condense_prompt = PromptTemplate(load_prompt("condense"))
        self._parts_prompt = PromptTemplate(load_prompt("answer_parts"))
        self.question_parts = question_parts  # when given, the prompt lists the question's parts

    # -- the compact context -------------------------------------------------------------------

    def sources(self, question: str, passages: list[Passage]) -> list[Source]:
        """The sentences to show the model, numbered: from the `max_sources` best articles, the
        `sentences_per_source` of each nearest the question, in article order."""
        by_doc: dict[str, list[SourceSentence]] = {}
        first_passage: dict[str, Passage] = {}
        seen: set[tuple[str, int]] = set()
        for passage in passages:
            first_passage.setdefault(passage.doc_id, passage)
            for start, end in split_sentences(passage.text):
                text = passage.text[start:end].strip()
                key = (passage.doc_id, passage.start + start)
                # The assistant has cut instructions out already (rag.injection); checked again here
                # because an engine is usable on its own and must never show or quote one.
                if key in seen or len(text.split()) < _MIN_WORDS or self.instructions.is_instruction(text):
                    continue
                seen.add(key)
                offset = passage.start + start + passage.text[start:end].index(text)
                by_doc.setdefault(passage.doc_id, []).append(
                    SourceSentence(text=text, start=offset, end=offset + len(text))
                )
        every = [s for sentences in by_doc.values() for s in sentences]
        if not every:
            return []
        question_vector = np.asarray(self._embedder.get_query_embedding(question))
        vectors = np.asarray(self._embedder.get_text_embedding_batch([s.text for s in every]))
        for sentence, similarity in zip(every, vectors @ question_vector, strict=True):
            sentence.score = float(similarity) + _weighted_overlap(question, sentence.text)
        ranked_docs = sorted(by_doc, key=lambda doc: max(s.score for s in by_doc[doc]), reverse=True)
        chosen: list[Source] = []
        budget = self.max_context_chars
        for doc in ranked_docs[: self.max_sources]:
            best = sorted(by_doc[doc], key=lambda s: s.score, reverse=True)[: self.sentences_per_source]
            kept = []
            for sentence in best:
                if len(sentence.text) <= budget or not (kept or chosen):
                    kept.append(sentence)
                    budget -= len(sentence.text)
            for sentence in sorted(kept, key=lambda s: s.start):  # read in article order
                chosen.append(Source(len(chosen) + 1, first_passage[doc], [sentence]))
        return chosen

    def messages(self, question: str, sources: list[Source]) -> list[ChatMessage]:
        # prompts/answer.md holds the rules, then a line "---", then the user turn (sources, question):
        # rules in the system turn are what small chat models follow best.
        rules, _, turn = self._answer_prompt.template.partition("\n---\n")
        values = {
            "sources": render_sources(sources),
            "question": question,
            "abstain_marker": ABSTAIN_MARKER,
            "parts": self._parts_text(question),
        }
        return [
            ChatMessage(role=MessageRole.SYSTEM, content=PromptTemplate(rules).format(**values)),
            ChatMessage(role=MessageRole.USER, content=PromptTemplate(turn).format(**values)),
        ]

    def _parts_text(self, question: str) -> str:
        """The question's parts and the answer type of each, for the user turn (prompts/answer_parts.md);
        empty without an analyser, or when it finds no part."""
        parts = self.question_parts.parts(question) if self.question_parts is not None else []
        if not parts:
            return ""
        listed = "\n".join(
            f"{n}. {part.text} (answer: {ANSWER_TYPE_WORDS[part.answer_type]})"
            for n, part in enumerate(parts, start=1)
        )
        return "\n\n" + self._parts_prompt.format(parts=listed, abstain_marker=ABSTAIN_MARKER)

    # -- talking to the model ------------------------------------------------------------------

    def _unavailable(self, error: Exception) -> EngineUnavailable:
        reason = connection_problem(error) or f"{type(error).__name__}: {error}"
        return EngineUnavailable(f"{self.name} engine: cannot reach {self.endpoint}: {reason}")

    def _stream(self, messages: list[ChatMessage]) -> Iterator[str]:
        try:
            for chunk in self.llm.stream_chat(messages):
                if chunk.delta:
                    yield chunk.delta
        except EngineUnavailable:
            raise
        except Exception as error:
            if connection_problem(error) is None:
                raise EngineUnavailable(f"{self.name} engine ({self.endpoint}): {error}") from error
            raise self._unavailable(error) from error

    def condense(self, question: str, history: Sequence[Turn]) -> str:
        """The follow-up rewritten by the model into a standalone question (prompts/condense.md)."""
        if not history:
            return question
        conversation = "\n".join(f"User: {asked}\nAssistant: {answered}" for asked, answered in history)
        prompt = self._condense_prompt.format(history=conversation, question=question)
        reply = "".join(self._stream([ChatMessage(role=MessageRole.USER, content=prompt)])).strip()
        # Small models sometimes add a preamble or a second line: keep the first question they write.
        lines = [line.strip().strip('"') for line in reply.splitlines() if line.strip()]
        standalone = next((line for line in lines if line.endswith("?")), lines[0] if lines else "")
        return standalone or question

    # -- the answer ----------------------------------------------------------------------------

    def answer(self, question: str, passages: list[Passage]) -> Answer:
        *_, draft = self.stream_answer(question, passages)
        assert isinstance(draft, Answer)
        return draft

    def stream_answer(self, question: str, passages: list[Passage]) -> Iterator[str | Answer]:
        """The model's text as it is generated, then the draft Answer (last) for the citation check."""
        sources = self.sources(question, passages)
        if not sources:
            yield abstained_answer(question, "no retrieved sentence to answer from.", self.name)
            return
        parts = []
        for delta in self._stream(self.messages(question, sources)):
            parts.append(delta)
            yield delta
        yield self.draft(question, "".join(parts), sources)

    def draft(self, question: str, reply: str, sources: list[Source]) -> Answer:
        """The model's reply as an Answer: its sentences with markers, each marker a citation quoting
        the sentence of its source nearest to what the answer sentence says."""
        reply = reply.strip()
        # With the question's parts listed, a reply may say the archive does not say for one part and
        # answer another: only a reply with no marker at all is then an abstention.
        partwise = self.question_parts is not None and _MARKER_GROUP.search(reply) is not None
        if not reply or (reply.lower().startswith(_ABSTAIN_STEM) and not partwise):
            return abstained_answer(question, "the sources do not answer the question.", self.name)
        # A part's "The archive does not say." is no claim to check.
        claims = [(text, markers) for text, markers in _claims(reply) if markers or not _is_abstention(text)]
        if not claims:
            # A reply of markers alone ("[2]", the 1.5B's habit) names the sentences that answer: they are
            # its claims, word for word.
            numbers = [n for n in dict.fromkeys(_numbers(reply)) if 1 <= n <= len(sources)]
            claims = [(" ".join(s.text for s in sources[n - 1].sentences), [n]) for n in numbers]
        if not claims:
            return abstained_answer(question, "the sources do not answer the question.", self.name)
        cited = [(claim, [n for n in markers if 1 <= n <= len(sources)]) for claim, markers in claims]
        pairs = [(i, n) for i, (_, markers) in enumerate(cited) for n in markers]
        quotes = self._nearest_sentences([(cited[i][0], sources[n - 1]) for i, n in pairs])
        citations: list[Citation] = []
        marker_of: dict[tuple[int, int], int] = {}
        for (i, n), quote in zip(pairs, quotes, strict=True):
            passage = sources[n - 1].passage
            citations.append(cite(len(citations) + 1, passage, quote.text, quote.start, quote.end))
            marker_of[(i, n)] = len(citations)
        sentences = [
            AnswerSentence(text=claim, markers=[marker_of[(i, n)] for n in markers])
            for i, (claim, markers) in enumerate(cited)
        ]
        text = " ".join(s.text + "".join(f" [{m}]" for m in s.markers) for s in sentences)
        return Answer(
            question=question,
            answer=text,
            abstained=False,
            engine=self.name,
            citations=citations,
            sentences=sentences,
        )

    def _nearest_sentences(self, wanted: list[tuple[str, Source]]) -> list[SourceSentence]:
        """For each (answer sentence, source): the source sentence closest to it, by embedding
        similarity plus the share of the answer sentence's words it contains."""
        if not wanted:
            return []
        claims = [claim for claim, _ in wanted]
        claim_vectors = np.asarray(self._embedder.get_text_embedding_batch(claims))
        pool = list({id(s): s for _, source in wanted for s in source.sentences}.values())
        vectors = np.asarray(self._embedder.get_text_embedding_batch([s.text for s in pool]))
        pool_vectors = dict(zip(map(id, pool), vectors, strict=True))
        nearest = []
        for (claim, source), vector in zip(wanted, claim_vectors, strict=True):
            if any(claim == s.text or claim in s.text for s in source.sentences):
                nearest.append(next(s for s in source.sentences if claim in s.text))
                continue
            terms = content_terms(claim)
            nearest.append(
                max(
                    source.sentences,
                    key=lambda s: float(pool_vectors[id(s)] @ vector) + _overlap(terms, s.text),
                )
            )
        return nearest


def _is_abstention(text: str) -> bool:
    """A sentence saying the archive does not say ("2. Where: the archive does not say.")."""
    return _ABSTAIN_STEM in text.lower()


def _claims(reply: str) -> list[tuple[str, list[int]]]:
    """The reply's sentences, each without its markers, and the markers it carries. A marker group
    that punkt puts at the start of the next sentence ("... Tehran. [1] The ...") belongs to the
    sentence before it, unless it opens the reply."""
    pieces: list[tuple[str, list[int]]] = []
    for block in reply.splitlines():
        block = _LIST_BULLET.sub("", block).strip()
        if not block:
            continue
        for start, end in split_sentences(block):
            piece = block[start:end]
            leading = _LEADING_MARKERS.match(piece)
            if leading and pieces:
                pieces[-1][1].extend(_numbers(leading.group(1)))
                piece = piece[leading.end() :]
            # else a marker opening the reply ("[1] 85") stays with the sentence it opens
            markers = _numbers(piece)
            text = re.sub(r"\s+([.,;:!?])", r"\1", _MARKER_GROUP.sub("", piece)).strip()
            if text:
                pieces.append((text, markers))
            elif markers and pieces:
                pieces[-1][1].extend(markers)
    return [(text, list(dict.fromkeys(markers))) for text, markers in pieces]


def _numbers(text: str) -> list[int]:
    return [int(n) for group in _MARKER_GROUP.findall(text) for n in re.split(r"\s*[,;]\s*", group)]
