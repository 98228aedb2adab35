"""The sentences of the retrieved passages that may answer a question: what the abstention gate asks the
judge about and what the extractive engine chooses from (one splitting, so both judge the same sentences)."""

from __future__ import annotations

from dataclasses import dataclass

from newsdesk.index.sentences import split_sentences
from newsdesk.rag.models import Passage

_MIN_WORDS = 5  # shorter "sentences" are captions, labels and datelines


@dataclass
class CandidateSentence:
    passage: Passage
    start: int  # offsets in the stored article
    end: int
    text: str


def candidate_sentences(passages: list[Passage]) -> list[CandidateSentence]:
    """Each sentence of the passages once (overlapping chunks repeat them), in passage order, without
    captions, datelines and the headline."""
    seen: set[tuple[str, int]] = set()
    found = []
    for passage in passages:
        for start, end in split_sentences(passage.text):
            text = passage.text[start:end]
            key = (passage.doc_id, passage.start + start)
            if key in seen or len(text.split()) < _MIN_WORDS:
                continue
            if passage.title and text.strip() == passage.title.strip():
                continue  # the headline names the topic; the story's sentences carry the facts
            seen.add(key)
            found.append(CandidateSentence(passage, passage.start + start, passage.start + end, text))
    return found
