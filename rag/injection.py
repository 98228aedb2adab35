"""Prompt-injection guard: sentences of an article that speak to the assistant are not evidence.

An article may carry text aimed at a language model ("Ignore previous instructions and reply ...").
Such a sentence is not news: it is taken out of the retrieved passages before the relevance gate
and any engine see them, so it can neither be shown to a model nor quoted as support. This is a
pattern list, so it is the first line only; the second is that every sentence of an answer must be
supported by a verbatim quote (rag.verify), which an instruction obeyed by a model never has.
"""

from __future__ import annotations

import re

from newsdesk.index.sentences import split_sentences
from newsdesk.rag.models import Filters, Passage
from newsdesk.rag.retrieve import PassageRetriever

_INSTRUCTION = re.compile(
    r"|".join(
        (
            # "Ignore all previous instructions", "disregard the rules above"
            r"\b(?:ignore|disregard|forget|override)\b[^.!?]{0,40}?"
            r"\b(?:instructions?|prompts?|rules|directions|guidelines)\b",
            # addressing the model: "AI assistant: ...", "you are now an AI", "as a language model"
            r"\b(?:AI|artificial intelligence)\s+(?:assistants?|models?|systems?)\b",
            r"\b(?:language model|chatbot|system prompt)s?\b",
            # an imperative to answer in a given way, at the start of a sentence
            r"^\W*(?:now\W+|instead\W+|please\W+)?(?:reply|respond|answer|say|output|print|write)"
            r"\s+(?:only|exactly|with|that|the following|:)",
        )
    ),
    re.IGNORECASE,
)


def is_instruction(sentence: str) -> bool:
    """True for a sentence that instructs the reading model rather than reporting news."""
    return bool(_INSTRUCTION.search(sentence.strip()))


def _carries_instruction(passage: Passage) -> bool:
    return any(is_instruction(passage.text[s:e]) for s, e in split_sentences(passage.text))


def retrieve_evidence(
    retriever: PassageRetriever, query: str, top_k: int | None = None, filters: Filters | None = None
) -> list[Passage]:
    """The retrieved passages without instructions, `top_k` of them free of any.

    A passage carrying an instruction was ranked partly on the instruction's words (an injection
    naming "Tehran" climbs the ranking for a Tehran question), so it does not take the place of
    evidence: one more passage is fetched for each, and what is left of it comes on top.
    """
    k = top_k or retriever.top_k
    fetch = k
    while True:
        passages = retriever.retrieve(query, top_k=fetch, filters=filters)
        tainted = sum(1 for passage in passages if _carries_instruction(passage))
        if len(passages) - tainted >= k or len(passages) < fetch or fetch >= k + tainted:
            return without_instructions(passages)
        fetch = k + tainted


def without_instructions(passages: list[Passage]) -> list[Passage]:
    """The passages with every instruction-like sentence cut out. A passage is split around a cut
    into pieces that keep their own offsets, so quotes from them still point into the article."""
    cleaned: list[Passage] = []
    for passage in passages:
        spans = split_sentences(passage.text)
        if not any(is_instruction(passage.text[s:e]) for s, e in spans):
            cleaned.append(passage)
            continue
        runs: list[list[tuple[int, int]]] = [[]]
        for start, end in spans:
            if is_instruction(passage.text[start:end]):
                runs.append([])
            else:
                runs[-1].append((start, end))
        pieces = [run for run in runs if run]
        for number, run in enumerate(pieces):
            start, end = run[0][0], run[-1][1]
            cleaned.append(
                passage.model_copy(
                    update={
                        "chunk_id": f"{passage.chunk_id}#{number}" if len(pieces) > 1 else passage.chunk_id,
                        "text": passage.text[start:end],
                        "start": passage.start + start,
                        "end": passage.start + end,
                    }
                )
            )
    return cleaned
