"""Where in a sentence the answer to one part of a question is: spans of the asked type (spaCy's entities,
the clause after "because", the quote of the asked-for speaker), and whether the sentence is about the
part's focus. The extractive engine ranks and composes with these (rag.engines.extractive)."""

from __future__ import annotations

from dataclasses import dataclass

from newsdesk.rag.models import AnswerType, QuestionPart
from newsdesk.rag.question import content_terms
from newsdesk.rag.question_analysis import SPEECH_VERBS
from spacy.tokens import Doc, Span

# The entity labels (OntoNotes, as en_core_web_sm tags them) that answer each type.
_LABELS: dict[AnswerType, tuple[str, ...]] = {
    "person": ("PERSON",),
    "organisation": ("ORG", "NORP"),
    "outlet": ("ORG",),
    "place": ("GPE", "LOC", "FAC"),
    "date": ("DATE", "TIME"),
    "amount": ("MONEY", "PERCENT", "QUANTITY", "CARDINAL"),
    "count": ("CARDINAL", "QUANTITY"),
}
# Markers of a reason clause: subordinating conjunctions ("because", "as", "since") and the prepositions
# ("after", "due to", "because of", "following") whose object is the cause.
_REASON_MARKS = frozenset({"because", "as", "since"})
_REASON_PREPS = frozenset({"after", "due", "because", "following", "amid", "over"})


@dataclass
class Reading:
    """A candidate sentence as spaCy read it, and its terms."""

    doc: Doc
    terms: set[str]


def read(doc: Doc) -> Reading:
    return Reading(doc, content_terms(doc.text))


def _new_to(span: Span, question_terms: set[str]) -> bool:
    """Whether the span tells something the question does not already say ("Tehran" answers no part of
    "Who met in Tehran?")."""
    terms = content_terms(span.text)
    return (bool(terms) and not terms <= question_terms) or (not terms and any(t.like_num for t in span))


def _with_preposition(span: Span) -> Span:
    """A date as the sentence says it: "on Thursday", "in March" (the preposition is part of the answer)."""
    before = span.doc[span.start - 1] if span.start > 0 else None
    if before is not None and before.tag_ == "IN" and before.lower_ in {"on", "in", "by", "since", "until"}:
        return span.doc[span.start - 1 : span.end]
    return span


def speaker_fits(reading: Reading, focus_names: list[str]) -> bool:
    """Whether the sentence reports speech by one of the focus names: a speech verb whose subject (or, in
    "quoted X as saying", object) names them."""
    wanted = set().union(*(content_terms(name) for name in focus_names)) if focus_names else set()
    for token in reading.doc:
        if token.lemma_.lower() not in SPEECH_VERBS:
            continue
        if not wanted:
            return True
        for child in token.children:
            if child.dep_ in {"nsubj", "nsubjpass", "dobj"}:
                phrase = reading.doc[child.left_edge.i : child.right_edge.i + 1].text
                if content_terms(phrase) & wanted:
                    return True
    return False


def answer_spans(reading: Reading, part: QuestionPart, question_terms: set[str]) -> list[Span]:
    """The spans of the sentence that answer `part`: entities of its type that the question does not already
    name, nearest the part's focus first; a reason clause; the quoted words of the asked-for speaker."""
    doc = reading.doc
    kind = part.answer_type
    if kind in _LABELS:
        spans = [e for e in doc.ents if e.label_ in _LABELS[kind] and _new_to(e, question_terms)]
        if kind in {"person", "organisation"}:
            # A name inside quoted words is someone spoken of, not someone who acted.
            quoted = _quoted_tokens(doc)
            spans = [e for e in spans if e.start not in quoted]
        if kind == "amount":
            # A figure with a unit ("36 dlrs", "7.6 pct") before a bare number.
            spans.sort(key=lambda e: e.label_ == "CARDINAL")
            spans = [e for e in spans if e.label_ != "CARDINAL"] or spans
        if kind == "date":
            # "a two-day trip" says how long, not when: a date that only describes a noun is left out.
            spans = [_with_preposition(e) for e in spans if e.root.dep_ not in {"amod", "compound"}]
        if kind in {"amount", "count"}:
            spans = [_with_unit(e) for e in spans]
        if kind == "count" and part.focus:
            # A count counts what the question counts: "how many troops" is not answered by "two sides".
            counted = content_terms(part.focus[-1])
            spans = [e for e in spans if content_terms(_counted(e)) & counted]
        focus = focus_names(part) or part.focus
        wanted = set().union(*(content_terms(f) for f in focus)) if focus else set()
        if wanted and len(spans) > 1:
            # Another party's figure in the same sentence: the span whose clause names the focus first.
            overlap = {e.start: len(_clause_terms(e) & wanted) for e in spans}
            spans.sort(key=lambda e: -overlap[e.start])
            if kind in {"amount", "count"} and overlap[spans[0].start] > overlap[spans[-1].start]:
                # Another party's figure is no answer: only the figures of the asked party's clause.
                spans = [e for e in spans if overlap[e.start] == overlap[spans[0].start]]
        return spans
    if kind == "reason":
        for token in doc:
            lowered = token.lower_
            if (lowered in _REASON_MARKS and token.dep_ == "mark") or (
                lowered in _REASON_PREPS and token.dep_ in {"prep", "amod"}
            ):
                clause = doc[token.i : token.head.right_edge.i + 1] if token.dep_ == "mark" else None
                if clause is None:
                    clause = doc[token.i : token.right_edge.i + 1]
                if len(clause) > 1:
                    return [clause]
        return []
    if kind == "statement":
        if not speaker_fits(reading, focus_names(part)):
            return []
        quotes = [i for i, t in enumerate(doc) if t.text in {'"', "“", "”"}]
        if len(quotes) >= 2:
            return [doc[quotes[0] + 1 : quotes[1]]]
        return []
    return []


def _clause_terms(span: Span) -> set[str]:
    """The terms of the clause a span sits in: the subtree of the nearest verb above it that has a subject
    (in "GM cut output by 12.6 pct, while Ford is scheduling its plants to build 5.4 pct fewer cars", 5.4 pct
    is Ford's)."""
    head = span.root
    while head.head.i != head.i and not (
        head.pos_ in {"VERB", "AUX"} and any(c.dep_ in {"nsubj", "nsubjpass"} for c in head.children)
    ):
        head = head.head
    # The clause without the other clauses hanging on it ("while Ford ...", "and Chrysler ...").
    skipped = {
        t.i
        for child in head.children
        if child.dep_ in {"advcl", "conj", "ccomp", "relcl", "parataxis"}
        and not child.left_edge.i <= span.start <= child.right_edge.i
        for t in child.subtree
    }
    return content_terms(" ".join(t.text for t in head.subtree if t.i not in skipped))


def _quoted_tokens(doc: Doc) -> set[int]:
    """The token positions inside quotation marks."""
    inside, positions = False, set()
    for token in doc:
        if token.text in {'"', "“", "”"}:
            inside = not inside
        elif inside:
            positions.add(token.i)
    return positions


def _counted(span: Span) -> str:
    """What a number counts: the noun it modifies ("85 Syrian forces" → "Syrian forces")."""
    root = span.root
    if root.dep_ == "nummod" and root.head.pos_ in {"NOUN", "PROPN"}:
        head = root.head
        return span.doc[min(span.end, head.i) : head.i + 1].text
    return span.text


def _with_unit(span: Span) -> Span:
    """A bare number with the unit it counts: "12.6" → "12.6 pct", "36" → "36 dlrs"."""
    root = span.root
    unit = root.head
    between = span.doc[span.end : unit.i]
    if (
        root.dep_ == "nummod"
        and span.end <= unit.i <= span.end + 2
        and unit.pos_ in {"NOUN", "PROPN"}
        and all(t.pos_ in {"ADJ", "NOUN"} for t in between)
    ):
        return span.doc[span.start : unit.i + 1]
    return span


def focus_names(part: QuestionPart) -> list[str]:
    """The names of the part's focus (capitalised: people, companies, places), without its verb."""
    return [f for f in part.focus if f[:1].isupper()]


def focus_fit(reading: Reading, part: QuestionPart, article_terms: set[str]) -> float:
    """The share of the part's focus (names and verb: Tehran, meet) the sentence names; one only its article
    gives counts half (the story is set in Tehran, the sentence names who met)."""
    focus = part.focus
    if not focus:
        return 1.0
    found = 0.0
    for name in focus:
        terms = content_terms(name)
        found += 1.0 if terms & reading.terms else 0.5 if terms & article_terms else 0.0
    return found / len(focus)


def type_fit(reading: Reading, part: QuestionPart, question_terms: set[str]) -> bool:
    """Whether the sentence holds an answer of the part's type (a "thing" part: always)."""
    if part.answer_type == "thing":
        return True
    return bool(answer_spans(reading, part, question_terms))
