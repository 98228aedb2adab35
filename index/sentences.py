"""Sentence boundaries with character offsets, shared by chunking and answering.

Punkt (nltk's trained English model, which llama-index ships in its package data) finds sentence
ends inside a block; blocks come from the layout: blank lines always separate, single newlines
separate too unless the text is hard-wrapped (wire copy), where they are only line wrapping.
"""

from __future__ import annotations

import re
import statistics
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # nltk is imported on first use
    from nltk.tokenize.punkt import PunktTokenizer

Span = tuple[int, int]

_BLOCK_BREAK = re.compile(r"\n[ \t]*\n|\n(?=[ \t]+\S)")
_LINE_BREAK = re.compile(r"\n")
_ENDS_SENTENCE = re.compile(r"[.!?:;][\"'”’)\]]*$")


@lru_cache(maxsize=1)
def _punkt() -> PunktTokenizer:
    """nltk's English Punkt model, from the copy llama-index ships in its package data."""
    import llama_index.core
    import nltk
    from nltk.tokenize.punkt import PunktTokenizer

    bundled = str(Path(llama_index.core.__file__).parent / "_static" / "nltk_cache")
    if bundled in nltk.data.path:
        return PunktTokenizer("english")
    # nltk opens model files only under the folders of its process-wide search path (its path
    # sandbox refuses any other, even when given explicitly), so the folder is on it just while the
    # model is read: the tokenizer keeps its parameters in memory and the path is left as it was.
    nltk.data.path.insert(0, bundled)
    try:
        return PunktTokenizer("english")
    finally:
        nltk.data.path.remove(bundled)


def is_hard_wrapped(text: str) -> bool:
    """True for text whose lines are wrapped at a fixed width (most lines end mid-sentence)."""
    lines = [line.strip() for line in text.split("\n") if line.strip()]
    if len(lines) < 4:
        return False
    open_ended = sum(1 for line in lines if not _ENDS_SENTENCE.search(line))
    return open_ended / len(lines) > 0.5 and 30 <= statistics.median(len(line) for line in lines) <= 90


def _blocks(text: str) -> list[Span]:
    breaker = _BLOCK_BREAK if is_hard_wrapped(text) else _LINE_BREAK
    spans: list[Span] = []
    start = 0
    for match in breaker.finditer(text):
        spans.append((start, match.start()))
        start = match.end()
    spans.append((start, len(text)))
    return spans


def split_sentences(text: str) -> list[Span]:
    """(start, end) of every sentence in `text`, stripped of surrounding white space."""
    sentences: list[Span] = []
    punkt = _punkt()
    for block_start, block_end in _blocks(text):
        block = text[block_start:block_end]
        for start, end in punkt.span_tokenize(block):
            piece = block[start:end]
            lead = len(piece) - len(piece.lstrip())
            trail = len(piece) - len(piece.rstrip())
            if end - trail > start + lead:
                sentences.append((block_start + start + lead, block_start + end - trail))
    return sentences
