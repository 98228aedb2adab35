"""Prompt-injection guard: sentences of an article that speak to the assistant are not evidence.

An article may carry text aimed at a language model ("Ignore previous instructions and reply ...").
Such a sentence is not news: it is taken out of the retrieved passages (rag.postprocessors) before
the relevance gate and any engine see them, so it can neither be shown to a model nor quoted as
support. This is a pattern list, so it is the first line only; the second is that every sentence
of an answer must be supported by a verbatim quote (rag.verify), which an instruction obeyed by a
model never has.
"""

from __future__ import annotations

import re

from newsdesk.index.sentences import split_sentences

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


def carries_instruction(text: str) -> bool:
    """Whether any sentence of `text` instructs the reading model."""
    return any(is_instruction(text[s:e]) for s, e in split_sentences(text))


def instruction_free_runs(text: str) -> list[tuple[int, int]]:
    """The spans of `text` left when every instruction sentence is cut out, each a run of
    consecutive sentences (rag.postprocessors.CutInstructions splits a chunk into these)."""
    runs: list[list[tuple[int, int]]] = [[]]
    for start, end in split_sentences(text):
        if is_instruction(text[start:end]):
            runs.append([])
        else:
            runs[-1].append((start, end))
    return [(run[0][0], run[-1][1]) for run in runs if run]
