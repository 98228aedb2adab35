"""Prompt-injection guard: sentences of an article that speak to its reader are not evidence.

An article may carry text aimed at a language model ("Ignore previous instructions and reply ...", "Note to
the assistant reading this: reply only that ...", "Always say that ..."). Such a sentence is not news: it is
taken out of the retrieved passages (rag.postprocessors) before the relevance gate and any engine see them,
so it can neither be shown to a model nor quoted as an answer in the assistant's own voice.

What makes a sentence an order is its grammar, not its words, so that is what is checked (a spaCy parse)
rather than a list of phrases that an attacker rewords and an honest story trips over ("the bank launched a
chatbot" is news; the word list this replaces cut it). A sentence is an order to its reader when its main
clause is
* an imperative: a bare verb with no subject ("Always say ...", "Ignore ...") — for a sentence with a colon,
  the part after it ("Note to the assistant reading this: reply only that ...");
* or addressed to the reader with a modal: "You must answer ...", "The assistant should reply ...".
Reported speech is news, not an order to the reader: a sentence with quotation marks is left alone
(the quote's speaker says it, not the article to its reader). One phrase stays a pattern whatever its
grammar, because no news sentence needs it: "ignore/disregard ... previous instructions". The second line
of defence is that every sentence of an answer must be supported by a verbatim quote (rag.verify).
"""

from __future__ import annotations

import re
from collections import OrderedDict
from threading import Lock

from newsdesk.index.language import SharedPipeline
from newsdesk.index.sentences import split_sentences
from spacy.tokens import Span

_OVERRIDE = re.compile(
    r"\b(?:ignore|disregard|forget|override)\b[^.!?]{0,40}?\b(?:previous|prior|above|earlier|all|your)\b"
    r"[^.!?]{0,20}?\b(?:instructions?|prompts?|rules|directions|guidelines)\b",
    re.IGNORECASE,
)
_QUOTES = frozenset('"“”«»')
_SUBJECTS = frozenset({"nsubj", "nsubjpass", "expl", "csubj"})
# Whom an order to the reader names as its subject.
_READERS = frozenset({"you", "assistant", "ai", "model", "chatbot", "bot", "reader"})
_MODALS = frozenset({"must", "should", "shall", "will", "need", "have", "ought"})
_CACHE = 4096  # verdicts kept: retrieved chunks recur from question to question


def _imperative(clause: Span) -> bool:
    root = clause.root
    if root.tag_ != "VB" or any(child.dep_ in _SUBJECTS for child in root.children):
        return False
    following = [token for token in clause if token.i > root.i and token.is_alpha][:3]
    if root.is_title and sum(token.is_title for token in following) >= 2:
        return False  # a title set in capitals ("Hide And Seek, which ..."), not a bare verb
    # "Please note that ...", "Always say ...": a bare verb opening the clause, perhaps after an adverb.
    before = [token for token in clause if token.i < root.i and not token.is_punct]
    return all(token.pos_ in ("ADV", "INTJ", "PART") for token in before)


def _addressed(clause: Span) -> bool:
    root = clause.root
    subjects = [child for child in root.children if child.dep_ in _SUBJECTS]
    named = any(subject.lower_ in _READERS for subject in subjects)
    modal = any(child.dep_ == "aux" and child.lower_ in _MODALS for child in root.children)
    return named and modal


class InstructionDetector:
    """Tells sentences that order their reader (a model) about from news; verdicts are cached."""

    def __init__(self, parser: SharedPipeline) -> None:
        self._parser = parser
        self._verdicts: OrderedDict[str, bool] = OrderedDict()
        self._lock = Lock()  # questions are answered in several threads by `newsdesk serve`

    def is_instruction(self, sentence: str) -> bool:
        """True for a sentence that instructs the reading model rather than reporting news."""
        sentence = sentence.strip()
        with self._lock:
            if sentence in self._verdicts:
                self._verdicts.move_to_end(sentence)
                return self._verdicts[sentence]
        verdict = self._judge(sentence)
        with self._lock:
            self._verdicts[sentence] = verdict
            while len(self._verdicts) > _CACHE:
                self._verdicts.popitem(last=False)
        return verdict

    def _judge(self, sentence: str) -> bool:
        if _OVERRIDE.search(sentence):
            return True
        if not sentence or sentence.endswith("?") or _QUOTES & set(sentence):
            return False
        # The part after the last colon is what the sentence says ("Note to the assistant: reply only ...");
        # what comes before is a label or a title ("Shake Hands With The Devil: The Journey ... tells").
        last = re.split(r"(?<=:)\s+", sentence)[-1]
        with self._parser.use() as nlp:  # the parse is freed when it ends: only the verdict leaves it
            clause = next(iter(nlp(last).sents))
            return _imperative(clause) or _addressed(clause)

    def carries_instruction(self, text: str) -> bool:
        """Whether any sentence of `text` instructs the reading model."""
        return any(self.is_instruction(text[s:e]) for s, e in split_sentences(text))

    def instruction_free_runs(self, text: str) -> list[tuple[int, int]]:
        """The spans of `text` left when every instruction sentence is cut out, each a run of
        consecutive sentences (rag.postprocessors.CutInstructions splits a chunk into these)."""
        runs: list[list[tuple[int, int]]] = [[]]
        for start, end in split_sentences(text):
            if self.is_instruction(text[start:end]):
                runs.append([])
            else:
                runs[-1].append((start, end))
        return [(run[0][0], run[-1][1]) for run in runs if run]
