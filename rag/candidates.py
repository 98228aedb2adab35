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
    article: str = ""
    """What the sentence's article says around it: its retrieved passages and its headline."""


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
    # The article of each sentence as far as it was retrieved: the passages that gave candidates, and the
    # headline (a judge may read the sentence in it: "Syrian" uprising names the topic of the whole story).
    passages_of: dict[str, dict[str, Passage]] = {}
    for candidate in found:
        passages_of.setdefault(candidate.passage.doc_id, {})[candidate.passage.chunk_id] = candidate.passage
    articles = {
        doc_id: "\n".join([*(p.text for p in chunks.values()), *(p.title or "" for p in chunks.values())])
        for doc_id, chunks in passages_of.items()
    }
    for candidate in found:
        candidate.article = articles[candidate.passage.doc_id]
    return found
