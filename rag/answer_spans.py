"""Where in a sentence the answer to one part of a question is: spans of the asked type (spaCy's entities,
the clause after "because", the quote of the asked-for speaker), and whether the sentence is about the
part's focus. The extractive engine ranks and composes with these (rag.engines.extractive)."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, field

from newsdesk.rag.models import AnswerType, QuestionPart
from newsdesk.rag.question import content_terms
from newsdesk.rag.question_analysis import MONEY_VERBS, SPEECH_VERBS
from newsdesk.rag.question_analysis import PERSON_ROLES as _PERSON_ROLES
from spacy.tokens import Doc, Span, Token

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
# What "how long" is measured in: time, and length.
_DURATION_UNITS = frozenset(
    "second minute hour day week fortnight month year decade century metre meter kilometre kilometer km "
    "mile yard foot feet inch".split()
)
# Markers of a reason clause: subordinating conjunctions ("because", "as", "since") and the prepositions
# ("after", "due to", "because of", "following") whose object is the cause.
_REASON_MARKS = frozenset({"because", "as", "since"})
_REASON_PREPS = frozenset({"after", "due", "because", "following", "amid", "over"})


@dataclass
class Reading:
    """A candidate sentence as spaCy read it, and its terms."""

    doc: Doc
    terms: set[str]
    article_terms: set[str] = field(default_factory=set)  # of what was retrieved of its article


def read(doc: Doc, article_terms: set[str] | None = None) -> Reading:
    return Reading(doc, content_terms(doc.text), article_terms or set())


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
    if kind in _OWNED and not party_named(reading, part):
        # "How many cases were reported in Germany" is not answered by the UK's 922 cases, nor "How much
        # did the Green Party receive" by a sentence on other parties' donors: the figure or date of the
        # party asked about is given in a sentence that names it.
        return []
    if kind == "amount" and part.thing and not content_terms(part.thing) & reading.terms:
        # "How much did Labour's new election headquarters cost?" is not answered by what its campaign cost:
        # the thing whose cost is asked is named where its cost is given.
        return []
    if kind in _LABELS:
        spans = _entities(reading, kind, question_terms)
        if kind == "person":
            spans = asked_people(spans, part)[0]
            if not spans:
                # "Who will underwrite it?" — a company can be the answer, when it takes part in the asked
                # event or holds the asked role; not any company the sentence names.
                companies, asked = asked_people(_entities(reading, "organisation", question_terms), part)
                spans = [e for e in companies if e.label_ == "ORG"] if asked else []
            if not spans:
                # The small pipeline misses names ("is owned 51 pct by <Springer SA>"): a proper noun that
                # takes part in the asked event or holds the asked role answers too.
                names, asked = asked_people(_proper_names(reading, question_terms), part)
                spans = names if asked else []
        if kind == "organisation" and not spans and part.role:
            # "Which groups did he vow to resist?": the answer may be a description, not a name — a noun
            # phrase headed by the asked noun, in the place of the question's verb ("resist the takfiri
            # (apostate) Zionist groups"), that says more than the question; quoted or not.
            spans = [
                chunk
                for chunk in doc.noun_chunks
                if chunk.root.lemma_.lower() == part.role
                and _phrase_head(chunk.root).head.pos_ in {"VERB", "AUX"}
                and content_terms(_phrase_head(chunk.root).head.text) & question_terms
                and any(
                    t.pos_ in {"ADJ", "PROPN", "NOUN"} and content_terms(t.text) - question_terms
                    for t in chunk
                    if t.i != chunk.root.i
                )
            ]
        if kind == "amount" and (part.money or part.predicate in MONEY_VERBS):
            # "How much did X pay", "what was the cost" ask for a sum: "four radio stations" or "70%" is no
            # answer.
            spans = [e for e in spans if e.label_ == "MONEY" or _currency(e)]
        if kind == "amount" and part.duration:
            # "How long would members serve?" asks for a stretch of time ("12 years", which spaCy tags a
            # date), or a length: not "70%" or "385 MSCPs".
            # A date describing a noun counts here ("a two-day trip"), unlike for "when".
            dated = _entities(reading, "date", question_terms)
            spans = [e for e in [*spans, *dated] if _lasts(e)]
            spans.sort(key=lambda e: e.start)
        if kind == "amount" and part.asked:
            # "What was the index reading" is not answered by "a survey of 5,000 households": a bare number
            # that counts something the question does not name is a count of that, not the asked amount.
            spans = [
                e
                for e in spans
                if not (
                    e.label_ == "CARDINAL"
                    and e.root.dep_ == "nummod"
                    and e.root.head.pos_ == "NOUN"
                    and not content_terms(e.root.head.text) & question_terms
                    and e.root.head.lower_ not in _UNITS
                    and not _currency(e)
                )
            ]
        if kind == "amount":
            # A figure with a unit ("36 dlrs", "7.6 pct") before a bare number.
            spans.sort(key=lambda e: e.label_ == "CARDINAL")
            spans = [e for e in spans if e.label_ != "CARDINAL"] or spans
        if kind == "date":
            # "a two-day trip" says how long, not when: a date that only describes a noun is left out.
            spans = [_with_preposition(e) for e in spans if e.root.dep_ not in {"amod", "compound"}]
            if part.asked in _CALENDAR_NOUNS:
                # "On what date" asks for a day of the calendar: "this week" or "recently" is no answer.
                spans = [e for e in spans if _calendar(e)]
        if kind in {"amount", "count"}:
            spans = [_with_unit(e) for e in spans if not _another_partys(e, part, question_terms)]
        if kind == "count" and part.asked in _TALLY_NOUNS:
            # "What was the vote tally" asks for a tally, "voted 25 to 10", "won 3-1": no single count.
            return [e for e in spans if _tally(e)]
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


# Nouns and verbs that name the same event as a question's verb, beyond its own nominalisations ("meet" →
# "meeting" is found by spelling): "who met" is answered by who "held talks". A small lexicon, as spaCy's
# small pipeline has no word vectors and no offline WordNet is installed.
_SAME_EVENT: dict[str, frozenset[str]] = {
    "meet": frozenset({"talk", "summit", "confer", "meeting"}),
    "talk": frozenset({"meet", "meeting", "summit", "confer"}),
    "beat": frozenset({"defeat", "win", "victory"}),
    "defeat": frozenset({"beat", "win", "victory"}),
}
# Nominalising endings: "negotiate" → "negotiation", "meet" → "meeting", "agree" → "agreement".
_NOMINAL_ENDINGS = ("ing", "ion", "ation", "ment", "al", "ance", "ence", "er", "or")
# Where a person stands when they take part in an event: its subject or object, or the object of "with",
# "by", "between" or "of" hanging on it ("meetings with Freij and Dehghan", "the visit of Shoigu").
_ARGUMENTS = frozenset({"nsubj", "nsubjpass", "dobj", "dative", "attr", "oprd", "poss"})
_PARTICIPANT_PREPS = frozenset({"with", "by", "between", "among", "of"})
# How a name hangs on the phrase it belongs to: "General Fahd al-Freij and General Dehghan", "Iran's
# secretary ... Ali Shamkhani", "Defence Minister Sergei Shoigu".
_SAME_PHRASE = frozenset({"compound", "conj", "appos", "flat", "nmod"})


def _is_event(token: Token, predicate: str) -> bool:
    """Whether the token names the asked event: the question's verb, a nominalisation of it, or a noun or
    verb of the same event."""
    lemma = token.lemma_.lower()
    if lemma == predicate or lemma in _SAME_EVENT.get(predicate, ()):
        return True
    stem = predicate.removesuffix("e")
    return token.pos_ == "NOUN" and any(lemma == stem + ending for ending in _NOMINAL_ENDINGS)


def _phrase_head(token: Token) -> Token:
    """The head of the noun phrase a name belongs to, through compounds, conjuncts, appositions and "the
    secretary of ... X" (a role noun's "of")."""
    while token.head.i != token.i:
        if token.dep_ in _SAME_PHRASE:
            token = token.head
        elif (
            token.dep_ == "pobj"
            and token.head.lower_ == "of"
            and token.head.head.pos_ == "NOUN"
            and (
                token.head.head.dep_ in {"appos", "compound"}
                or token.head.head.lemma_.lower() in _PERSON_ROLES
            )
        ):
            token = token.head.head
        else:
            break
    return token


def _takes_part(name: Span, event: Token) -> bool:
    """Whether the name is a participant of `event`: its subject or object, the object of "with"/"by"/
    "of" on it, or the subject of the verb that holds it ("Shoigu was expected to hold meetings with X", "in
    a meeting with Y, X thanked")."""
    head = _phrase_head(name.root)
    if head.dep_ in _ARGUMENTS and head.head.i == event.i:
        return True
    preposition = head.head if head.dep_ in {"pobj", "appos"} and head.head.pos_ == "ADP" else None
    if preposition is not None and preposition.lower_ in _PARTICIPANT_PREPS and preposition.head.i == event.i:
        return True
    if preposition is not None and preposition.dep_ == "agent" and preposition.head.i == event.i:
        return True
    if head.dep_ not in {"nsubj", "nsubjpass"}:
        return False
    # The event as the object of a verb, or in a prepositional phrase on it ("held talks", "in a meeting"),
    # and the verbs that verb hangs on by xcomp ("was expected to hold").
    verb = event
    while verb.dep_ in {"dobj", "pobj", "prep", "xcomp", "attr"} and verb.head.i != verb.i:
        verb = verb.head
        if verb.i == head.head.i:
            return True
    return False


def _role_holder(name: Span, role: str) -> bool:
    """Whether the name is given the asked role: "White House spokesman Marlin Fitzwater", "Jez Moxey,
    Wolves' chief executive", "the co-ordinator, Ms Facey"."""
    wanted = content_terms(role)
    head = _phrase_head(name.root)
    around = [*name.root.children, *head.children, head, *([head.head] if head.dep_ in {"appos"} else [])]
    around += [t for t in name.root.head.children if name.root.dep_ == "appos"] + (
        [name.root.head] if name.root.dep_ == "appos" else []
    )
    if head.head.lemma_ in _COPULAS and head.dep_ in {"nsubj", "attr"}:
        # The role stated of the name by a copula, either way round: "Godzilla star Jean Reno was France's
        # second best-paid actor", "Its author is Eve Ensler".
        around += [t for t in head.head.children if t.dep_ in {"nsubj", "attr"} and t.i != head.i]
    outside = [t for t in around if not name.start <= t.i < name.end]
    return any(t.pos_ in {"NOUN", "PROPN"} and content_terms(t.text) & wanted for t in outside)


_COPULAS = frozenset({"be", "become", "remain"})


def _actor(name: Span) -> bool:
    """Whether the name takes part in what the sentence tells (a subject, object or agent of a verb), not
    only mentioned: "opponents of Bashar al-Assad", "the Assad regime", "Assad's position"."""
    head = _phrase_head(name.root)
    if head.dep_ in {"nsubj", "nsubjpass", "dobj", "dative", "attr", "ROOT"}:
        return True
    return head.dep_ == "pobj" and head.head.dep_ == "agent"


def asked_people(names: list[Span], part: QuestionPart) -> tuple[list[Span], bool]:
    """Of the people a sentence names, those the part asks about: the participants of its verb ("who met":
    the subjects and objects of "met", "held talks", "meetings with") or holders of its role ("which
    minister"); with none, the people who act in the sentence, not those only mentioned. The flag says
    whether they are the asked event's participants or role holders."""
    if not names:
        return [], False
    events = [t for t in names[0].doc if part.predicate and _is_event(t, part.predicate)]
    asked = [
        n
        for n in names
        if any(_takes_part(n, event) for event in events) or (part.role and _role_holder(n, part.role))
    ]
    if asked:
        return asked, True
    if part.role and not part.predicate:
        # "Who is Tracor's chief executive", "the name of Arash Sigarchi's lawyer": only the role's holder
        # answers; someone else acting in the sentence ("Curt Hopkins said Mr Sigarchi's sentence ...") is
        # no lawyer.
        return [], False
    return [n for n in names if _actor(n)], False


# The types whose answer is a fact of the party asked about (its figure, its date): answer_spans.
_OWNED = frozenset({"amount", "count"})


def party_named(reading: Reading, part: QuestionPart) -> bool:
    """Whether the sentence gives its figure for one of the parties the part asks about (its subjects and
    owners: QuestionPart.parties): it names one by a word that tells them apart ("Green" of "the Green
    Party"); or its article names one and the sentence names no other party of that kind, since a story's
    sentences refer back to its subject ("Group net profit rose 28 pct" in a story on Henkel, "Some 278
    people died" in a story datelined BRASILIA)."""
    if not part.parties:
        return True
    if any(_distinctive(name) & reading.terms for name in part.parties):
        return True
    kinds = {_PARTY_KIND.get(label) for label in part.parties.values()}
    others = any(_PARTY_KIND.get(e.label_) in kinds for e in reading.doc.ents)
    return not others and any(_distinctive(name) & reading.article_terms for name in part.parties)


# The asked nouns of a "when" part that ask for a day of the calendar (not "this week").
_CALENDAR_NOUNS = frozenset({"date", "day"})
_MONTHS = frozenset(
    name.lower()
    for name in [*calendar.month_name, *calendar.month_abbr, *calendar.day_name, *calendar.day_abbr]
    if name
)


def _calendar(span: Span) -> bool:
    """Whether a date names a day, month or year: a number, a month or a weekday ("11 December",
    "Thursday", "1994"), not "this week" or "recently"."""
    return any(t.like_num or t.lower_.rstrip(".") in _MONTHS for t in span)


# The asked nouns of a count part that ask for a tally ("the vote tally", "the score").
_TALLY_NOUNS = frozenset({"tally", "score", "margin"})


def _tally(span: Span) -> bool:
    """Whether a number is part of a tally: two figures joined by "to" or a dash ("voted 1314 to 25", "won
    3-1"), whatever entity spaCy made of each."""
    doc = span.doc
    if re.fullmatch(r"\d+\s*[-–]\s*\d+", span.text.strip()):
        return True
    for i in range(max(0, span.start - 2), min(len(doc) - 2, span.end)):
        first, join, second = doc[i], doc[i + 1], doc[i + 2]
        if (
            first.text[:1].isdigit()
            and join.lower_ in {"to", "-", "–"}
            and second.text[:1].isdigit()
            and span.start <= i + 2
            and i < span.end
        ):
            return True
    return False


# Units a bare number measures in ("43 pct", "96 percent", "150,000 tonnes"): the number is the amount.
_UNITS = frozenset("pct percent cent points point cents tonnes tons barrels ounces kilos pounds".split())


# Currency words the small pipeline leaves outside a MONEY entity ("36 dlrs", "pounds 5m", "500 mln stg").
_CURRENCIES = frozenset("dlrs dollars dollar pounds pound stg euros euro yen marks francs $ £ €".split())


def _currency(span: Span) -> bool:
    """Whether a number is a sum: a currency word right before or after it ("pounds 5m", "36 dlrs")."""
    doc = span.doc
    around = [doc[i].lower_ for i in (span.start - 1, span.end, span.end + 1) if 0 <= i < len(doc)]
    return any(word in _CURRENCIES for word in [*around, *(t.lower_ for t in span)])


def _lasts(span: Span) -> bool:
    """Whether the span measures a stretch of time or a length: a unit counted by a number or "a"
    ("14 years", "a two-day trip", "a decade"), not a point in time ("this week", "last year")."""
    counted = any(t.like_num for t in span) or span[0].lower_ in {"a", "an", "several", "few", "many"}
    return counted and any(t.lemma_.lower() in _DURATION_UNITS for t in span)


def _entities(reading: Reading, kind: AnswerType, question_terms: set[str]) -> list[Span]:
    """The entities of the type's labels that the question does not already name."""
    doc = reading.doc
    spans = [e for e in doc.ents if e.label_ in _LABELS[kind] and _new_to(e, question_terms)]
    if kind == "amount":
        # A sum the small pipeline leaves untagged ("gave pounds 500,000"): a number beside a currency.
        tagged = {i for e in doc.ents for i in range(e.start, e.end)}
        spans += [
            doc[t.i : t.i + 1]
            for t in doc
            if t.like_num and t.i not in tagged and _currency(doc[t.i : t.i + 1])
        ]
        spans.sort(key=lambda e: e.start)
    if kind in {"person", "organisation"}:
        # A name inside quoted words is someone spoken of, not someone who acted.
        quoted = _quoted_tokens(doc)
        spans = [e for e in spans if e.start not in quoted]
    return spans


def _proper_names(reading: Reading, question_terms: set[str]) -> list[Span]:
    """Proper nouns with the proper nouns compounded into them ("Springer SA"), outside spaCy's entities of
    other kinds (places, dates), that the question does not already name."""
    doc = reading.doc
    taken = {i for e in doc.ents if e.label_ not in {"PERSON", "ORG"} for i in range(e.start, e.end)}
    names = []
    for token in doc:
        if token.pos_ != "PROPN" or token.dep_ in {"compound", "flat"} or token.i in taken:
            continue
        start = token.i
        while start > 0 and doc[start - 1].pos_ == "PROPN" and doc[start - 1].head.i == token.i:
            start -= 1
        span = doc[start : token.i + 1]
        if _new_to(span, question_terms) and not any(i in taken for i in range(span.start, span.end)):
            names.append(span)
    return names


def names_the_asked(reading: Reading, part: QuestionPart, question_terms: set[str]) -> bool:
    """Whether a person part's answer in the sentence is a participant of the asked event or holds the asked
    role, rather than only someone acting in the sentence (asked_people); or a date part's date is the asked
    event's."""
    if part.answer_type == "date" and part.predicate:
        return any(_dates_the_event(e, part.predicate) for e in _entities(reading, "date", question_terms))
    if part.answer_type != "person":
        return False
    return asked_people(_entities(reading, "person", question_terms), part)[1]


def _dates_the_event(span: Span, predicate: str) -> bool:
    """Whether a date says when the asked event happened: the verb it hangs on is the event, or has it as
    its object ("Parry joined Liverpool ... in July 1998" for "When did Parry join?", "held talks on
    Thursday" for "When did they meet?"), not another verb of the sentence ("has to deliver a stadium by
    2007")."""
    verb = span.root.head
    while verb.pos_ not in {"VERB", "AUX"} and verb.head.i != verb.i:
        verb = verb.head
    if verb.pos_ not in {"VERB", "AUX"}:
        return False
    return _is_event(verb, predicate) or any(
        _is_event(child, predicate) for child in verb.children if child.dep_ in {"dobj", "nsubj", "attr"}
    )


# Entity labels that stand for the same kind of party: a company's figure is not another company's, a
# country's not another country's.
_PARTY_KIND = {
    **dict.fromkeys(("PERSON", "ORG", "NORP"), "agent"),
    **dict.fromkeys(("GPE", "LOC", "FAC"), "place"),
}


def _another_partys(span: Span, part: QuestionPart, question_terms: set[str]) -> bool:
    """Whether a figure belongs to a party other than the one asked about: its clause names a party of the
    same kind (a company for a company, a country for a country) that the question does not name, and the
    sentence nowhere names the asked one ("How much did the Green Party receive?" is not answered by "The
    Labour Party received more than pounds 5m")."""
    if not part.parties:
        return False
    clause = _clause_tokens(span)
    sentence_terms = content_terms(span.doc.text)
    named_kinds = {
        _PARTY_KIND[e.label_]
        for e in span.doc.ents
        if e.label_ in _PARTY_KIND and e.start in clause and not _distinctive(e.text) <= question_terms
    }
    for name, label in part.parties.items():
        if _PARTY_KIND.get(label) in named_kinds and not _distinctive(name) & sentence_terms:
            return True
    return False


# Words many names share ("Labour Party", "Green Party"; "Nova Corp" is "Nova"): not what tells them apart.
_GENERIC_NAME_TERMS = content_terms("the party corp co inc ltd plc group company companies")


def _distinctive(name: str) -> set[str]:
    return content_terms(name) - _GENERIC_NAME_TERMS or content_terms(name)


def _clause_terms(span: Span) -> set[str]:
    """The terms of the clause a span sits in: the subtree of the nearest verb above it that has a subject
    (in "GM cut output by 12.6 pct, while Ford is scheduling its plants to build 5.4 pct fewer cars", 5.4 pct
    is Ford's)."""
    doc = span.doc
    return content_terms(" ".join(doc[i].text for i in sorted(_clause_tokens(span))))


def _clause_tokens(span: Span) -> set[int]:
    """The positions of the clause a span sits in (_clause_terms)."""
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
    return {t.i for t in head.subtree if t.i not in skipped}


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
