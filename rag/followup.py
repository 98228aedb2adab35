"""Making a follow-up standalone, for engines that do not rewrite follow-ups themselves (LLM engines use
prompts/condense.md instead).

A reference back ("he", "his ministry", "the company", "they", "there", "that year") is replaced by the
named entity it stands for in the earlier turns: the previous answer's entities of the right kind first (a
person for he/his, an organisation or country for it/they, a place for there, a date for then/that year),
then the previous question's, then older turns': the one the text opens with, or its only one (several
are not guessed among). "What did he say after the talks?" after "Which Russian minister went to Tehran?",
answered "Russia's Defence Minister Sergei Shoigu ...", becomes "What did Sergei Shoigu say after the
talks?"; "his ministry" becomes "Russia's ministry", the one his title names. A short elliptic follow-up
("and when?", "why?"), and one left with a pronoun, is still searched together with the question it leans
on.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from newsdesk.index.language import SharedPipeline
from newsdesk.rag.engines.base import Turn
from spacy.language import Language
from spacy.tokens import Doc, Span, Token

# Words that may lean on an earlier turn: a follow-up with one that nothing resolved is searched together
# with the question it leans on.
_REFERS_BACK = re.compile(
    r"\b(he|she|it|they|him|her|his|its|their|them|that|this|those|these|there|then)\b", re.I
)
_PRONOUN = re.compile(r"\b(he|she|it|they|him|her|his|its|their|them)\b", re.I)
# A capital letter after a question's first word: the question names something (Mirza, BMW, UK, 2004).
_NAMED = re.compile(r"(?<!^)(?<![.?!] )\b[A-Z0-9]")
_SHORT = 5  # words: "and when did they meet?" needs the earlier question whatever it names

_PERSON = ("PERSON",)
_BODY = ("ORG", "GPE", "NORP")  # who acts as "it" / "they" in news: organisations, countries, peoples
_THING = ("ORG", "GPE", "PRODUCT", "WORK_OF_ART", "EVENT", "LAW", "FAC")
_PLACE = ("GPE", "LOC", "FAC")
_DATE = ("DATE",)

_PRONOUN_KINDS = {
    **dict.fromkeys(("he", "him", "his", "she", "her", "hers"), _PERSON),
    **dict.fromkeys(("it", "its"), _THING),
    **dict.fromkeys(("they", "them", "their", "theirs"), _BODY),
}
# "the company" names an organisation, "the country" a country; "the government" is a country's.
_NOUN_KINDS = {
    **dict.fromkeys(
        ("company", "firm", "group", "bank", "party", "agency", "organisation", "organization"), ("ORG",)
    ),
    **dict.fromkeys(
        ("carmaker", "studio", "airline", "retailer", "broadcaster", "insurer", "lender", "manufacturer"),
        ("ORG",),
    ),
    **dict.fromkeys(("country", "nation", "city", "town"), ("GPE",)),
}
_OWNED_BY_COUNTRY = frozenset({"government", "army", "military", "parliament", "economy", "navy"})
# What a person's "his"/"her" may stand before that is an institution they serve, not their own.
_INSTITUTIONS = frozenset(
    {"ministry", "government", "party", "company", "firm", "army", "military", "office", "department"}
    | {"administration", "cabinet", "embassy", "agency", "country", "team", "club", "union", "bank"}
)
_DATE_NOUNS = frozenset({"year", "day", "month", "week", "time"})
# What `ReferenceResolver` looks for: those words, and "the company", "the government", "that year".
_MAY_REFER = re.compile(
    "|".join(
        (
            _REFERS_BACK.pattern,
            rf"\bthe ({'|'.join(sorted(_NOUN_KINDS.keys() | _OWNED_BY_COUNTRY))})\b",
            rf"\bthat ({'|'.join(sorted(_DATE_NOUNS))})\b",
            r"\bthe \w+",  # a definite description: "the minister", "the manager"
        )
    ),
    re.I,
)
_LOCATIVE = frozenset({"in", "to", "at", "from", "into", "near", "inside", "outside", "across", "around"})
_BE = frozenset({"is", "are", "was", "were", "be", "been", "'s"})
_QUOTES = frozenset('"“”')
_MARKERS = re.compile(r"\s*\[\d+\]")  # an answer's citation markers


class Resolution(NamedTuple):
    question: str  # with its references back replaced
    complete: bool = True  # every pronoun among them was


@dataclass(frozen=True)
class Standalone:
    """A follow-up made ready to search: `question` with its references resolved, and the `earlier`
    question it is searched together with while it still leans on it ("" when it stands alone)."""

    question: str
    earlier: str = ""
    # True when the follow-up was an ellipsis ("And Mirza?") and `question` is the earlier question re-asked
    # with its new constraint: that is the question the engine answers, not the fragment as typed.
    reasked: bool = False
    # False when a pronoun in it was left unresolved ("which of them"): it still leans on `earlier`.
    complete: bool = True

    @property
    def query(self) -> str:
        if not self.earlier:
            return self.question
        # The earlier question ends as a question, so the follow-up's first word opens one
        # (rag.question.anchor_terms: "Did" or "Name" is no name the archive must mention).
        earlier = self.earlier if self.earlier[-1] in "?!" else self.earlier.rstrip(".") + "?"
        return f"{earlier} {self.question}"


def _entity_text(entity: Span) -> str:
    # spaCy keeps a possessive inside the entity ("New Zealand's") and a leading "the" sometimes.
    start, end = entity.start, entity.end
    doc = entity.doc
    while start < end and doc[start].lower_ == "the":
        start += 1
    while end > start and doc[end - 1].tag_ == "POS":
        end -= 1
    return doc[start:end].text if end > start else entity.text


def _fits(entity: Span, kinds: tuple[str, ...]) -> bool:
    """Whether `entity` can be what a reference of these kinds stands for, by its label and its role: a name
    modifying another ("a London-based author", "Russian minister") is no referent, and a country is "it" or
    "they" as an actor ("Moscow has sent"), "there" as a place ("went to Tehran")."""
    if entity.label_ not in kinds:
        return False
    role = entity.root.dep_
    if role in ("compound", "amod", "npadvmod", "nmod"):
        return False
    place = entity.label_ in _PLACE and role == "pobj" and entity.root.head.lower_ in _LOCATIVE
    if kinds == _PLACE:
        return place or role == "ROOT"
    return not place


def _depth(entity: Span) -> int:
    """How far the entity's head is from the root of its sentence's parse: a subject or the answer's
    head noun is nearer than a name inside a relative clause or a prepositional phrase."""
    return sum(1 for _ in entity.root.ancestors)


def _answers_a_thing(doc: Doc, pronoun: str) -> bool:
    """Whether an earlier answer is itself what "it" or "they"/"them" stands for: it is headed by a common
    noun ("Software to allow people to search e-mail ...", "15 million mobile phones go out of use ...")
    that no name covers, singular for "it", plural for "they". The pronoun then means that thing, never
    a name elsewhere in the answer (the report's author, the country)."""
    roots = [token for token in doc if token.dep_ == "ROOT" and token.pos_ in ("NOUN", "VERB", "AUX")]
    if not roots:
        return False
    root = roots[0]
    head = root
    if root.pos_ != "NOUN":
        subjects = [child for child in root.children if child.dep_ in ("nsubj", "nsubjpass")]
        if not subjects:
            return False
        head = subjects[0]
    if head.pos_ != "NOUN" or head.ent_type_:
        return False
    plural = head.tag_ == "NNS"
    return plural if pronoun in ("they", "them", "their", "theirs") else not plural


def _answered_title(doc: Doc) -> Span | None:
    """The proper name an answer is headed by when spaCy gave it no label (a film, a book, a product:
    "Nicolas Cage movie National Treasure."), or None."""
    roots = [token for token in doc if token.dep_ == "ROOT" and token.pos_ == "PROPN" and not token.ent_type_]
    if not roots:
        return None
    root = roots[0]
    start = root.i
    while start > 0 and doc[start - 1].pos_ == "PROPN" and not doc[start - 1].ent_type_:
        start -= 1
    return doc[start : root.i + 1]


def _named_answer(answer: Doc, question: Doc) -> Span | None:
    """The name an answer gives for the noun its question asked about ("Which play did Uganda's authorities
    ban?" - "... have banned the play The Vagina Monologues."): the entity right after that noun or in
    apposition to it. What "it" means next is what was asked and answered, not the first name of the answer
    ("Uganda")."""
    asked = {
        token.head.lemma_.lower()
        for token in question
        if token.lower_ in ("which", "what") and token.dep_ == "det" and token.head.pos_ == "NOUN"
    }
    if not asked:
        return None
    for entity in answer.ents:
        # "the play The Vagina Monologues": the entity starts with its own "The", right after the noun.
        before = answer[entity.start - 1] if entity.start > 0 else None
        if before is not None and before.lemma_.lower() in asked:
            return entity
        if entity.root.dep_ == "appos" and entity.root.head.lemma_.lower() in asked:
            return entity
    return None


_TITLED = "titled:"  # the form of a definite description a person's title may resolve ("the manager")


def _title_words(person: Span) -> set[str]:
    """The words of a person's title as the text gives it: "Everton manager David Moyes", "Striker James
    Beattie", "Graham Henry, the New Zealand coach", "the coach, Graham Henry"."""
    words = {token.lemma_.lower() for token in person}
    words |= {token.lemma_.lower() for token in person.root.subtree if token.i < person.start}
    for appositive in (child for child in person.root.children if child.dep_ == "appos"):
        words |= {token.lemma_.lower() for token in appositive.subtree}
    if person.root.dep_ == "appos":
        words |= {token.lemma_.lower() for token in person.root.head.subtree if token.i < person.start}
    return words


def _titled(context: list[Doc], title: str) -> Span | None:
    """The person the latest earlier text that has one gives this title ("the minister" after "Russia's
    Defence Minister Sergei Shoigu"), or None: a definite description is not guessed from salience."""
    for doc in context:
        for entity in doc.ents:
            if entity.label_ == "PERSON" and entity.root.pos_ == "PROPN" and title in _title_words(entity):
                return entity
    return None


def _affiliation(person: Span) -> str | None:
    """The country or organisation a person's title names ("Russia's Defence Minister Sergei Shoigu",
    "Syria's defence minister Fahd al-Freij"), or None."""
    before = {token.i for token in person.root.subtree if token.i < person.start}
    for entity in person.doc.ents:
        if entity.start in before and entity.label_ in ("GPE", "ORG") and entity.root.dep_ == "poss":
            return _entity_text(entity)
    return None


# An elliptic follow-up opens with "and", "but", "what about", "how about" or "what of" and has no verb.
_ELLIPSIS = re.compile(
    r"^\s*(?:(?:and|but)\s+(?:what|how)\s+about|(?:and|but)|(?:what|how)\s+about|what\s+of)\b\s*", re.I
)
_NAME_KINDS = {
    **dict.fromkeys(("PERSON",), "person"),
    **dict.fromkeys(("GPE", "LOC", "NORP", "FAC"), "place"),
    **dict.fromkeys(("ORG", "EVENT", "PRODUCT", "WORK_OF_ART"), "organisation"),
}


def _names(doc: Doc) -> list[Span]:
    """The proper names of a text, as spans: its named entities headed by a proper noun, and runs of
    proper nouns spaCy left unlabelled ("Arsenal")."""
    names = [entity for entity in doc.ents if entity.label_ in _NAME_KINDS and entity.root.pos_ == "PROPN"]
    covered = {token.i for entity in names for token in entity}
    run: list[Token] = []
    for token in [*doc, None]:
        if token is not None and token.pos_ == "PROPN" and token.i not in covered:
            run.append(token)
            continue
        if run:
            names.append(doc[run[0].i : run[-1].i + 1])
            run = []
    return sorted(names, key=lambda span: span.start)


def _kind(name: Span) -> str | None:
    return _NAME_KINDS.get(name.label_) if name.label_ else None


def _with_preposition(span: Span) -> Span:
    """The span with the preposition that governs it ("in the last three months of 2004")."""
    head = span.root.head
    if span.root.dep_ == "pobj" and head.dep_ == "prep" and head.i == span.start - 1:
        return span.doc[head.i : span.end]
    return span


def _replace(doc: Doc, span: Span, text: str) -> str:
    return (doc[: span.start].text_with_ws + text + span[-1].whitespace_ + doc[span.end :].text).strip()


def _reasked(fragment: Span, earlier: Doc) -> str | None:
    """`earlier` with the phrase `fragment` stands in contrast to replaced by it (see `reask`)."""
    preposition = fragment[0].dep_ == "prep" or fragment[0].pos_ == "ADP"
    phrase = fragment[1:] if preposition else fragment[:]
    if not len(phrase):
        return None
    # A date phrase ("for the full year", "in 2003"), not a noun phrase with a date in it.
    dates = [
        entity
        for entity in phrase.ents
        if entity.label_ == "DATE" and entity.start <= phrase.root.i < entity.end
    ]
    names = [name for name in _names(fragment.doc) if name.start >= fragment.start]
    if names:
        # A name stands for the earlier name of its kind (a person for a person, a place for a place); an
        # unlabelled one for the earlier subject's name, else the only name there is.
        name = names[0]
        earlier_names = _names(earlier)
        kind = _kind(name)
        same = [other for other in earlier_names if kind is not None and _kind(other) == kind]
        if not same and kind is None:
            subjects = [other for other in earlier_names if other.root.dep_ in ("nsubj", "nsubjpass")]
            same = subjects or (earlier_names if len(earlier_names) == 1 else [])
        if not same:
            return None
        return _replace(earlier, same[0], phrase.text)
    if dates:
        earlier_dates = [entity for entity in earlier.ents if entity.label_ == "DATE"]
        if not earlier_dates:
            return None
        target = earlier_dates[-1]
        if preposition:
            target = _with_preposition(target)
        return _replace(earlier, target, fragment.text if preposition else phrase.text)
    # A noun phrase: the earlier noun with the same head ("player" of the year), or the earlier phrase
    # that shares its modifier ("best musical" for "best actor").
    head = phrase.root
    if head.pos_ not in ("NOUN", "ADJ"):
        return None
    for token in earlier:
        if token.lemma_.lower() == head.lemma_.lower() and token.pos_ in ("NOUN", "ADJ"):
            left = token
            while left.i > 0 and earlier[left.i - 1].dep_ == "amod" and earlier[left.i - 1].head == token:
                left = earlier[left.i - 1]
            return _replace(earlier, earlier[left.i : token.i + 1], phrase[: head.i - phrase.start + 1].text)
    modifiers = [token for token in phrase if token.i < head.i and token.pos_ in ("ADJ", "ADV")]
    for modifier in modifiers:
        for token in earlier:
            if token.lower_ == modifier.lower_ and token.i + len(phrase) <= len(earlier):
                return _replace(earlier, earlier[token.i : token.i + len(phrase)], phrase.text)
    return None


def _possessive(name: str) -> str:
    return f"{name}'" if name.endswith("s") else f"{name}'s"


def _when(date: str) -> str:
    """A date as an adverbial: "on 22 February 2005", "on Thursday", "in 1987", "in March", "last week"."""
    if re.match(r"(last|this|next|the|early|late|mid)\b|.*\bago$", date, re.I):
        return date
    if re.search(r"day\b|\b\d{1,2}(st|nd|rd|th)?\b", date, re.I):
        return f"on {date}"
    return f"in {date}"


def _quoted(token: Token) -> bool:
    """Whether the token sits inside quotation marks (a quoted "our strength" is the speaker's)."""
    return sum(1 for before in token.doc[: token.i] if before.text in _QUOTES) % 2 == 1


class ReferenceResolver:
    """Replaces a follow-up's references back by the named entities they stand for (spaCy's tagger, parser and
    entity recogniser, `newsdesk.index.language.load_analyzer`, shared with the question analyzer and loaded
    on the first follow-up that refers back: a conversation without one, or an LLM engine's, never pays for
    it)."""

    def __init__(self, pipeline: SharedPipeline) -> None:
        self._pipeline = pipeline

    def resolve(self, question: str, history: Sequence[Turn]) -> str:
        """`question` with each reference it makes to an earlier turn replaced; as asked when it makes
        none or none can be resolved."""
        return self.resolution(question, history).question

    def resolution(self, question: str, history: Sequence[Turn]) -> Resolution:
        """`question` with its references back replaced, and whether every pronoun among them was."""
        if not history or not _MAY_REFER.search(question):
            return Resolution(question)
        with self._pipeline.use() as nlp:  # the Docs are freed when it ends: only strings leave it
            return self._resolution(nlp, question, history)

    def _resolution(self, nlp: Language, question: str, history: Sequence[Turn]) -> Resolution:
        doc = nlp(question)
        context = [nlp(_MARKERS.sub("", text)) for text in self._earlier_texts(history)]
        replacements: dict[int, tuple[int, str]] = {}  # first token -> (end token, text)
        named: set[str] = set()
        complete = True
        for start, end, kinds, form in self._references(doc):
            if any(_fits(entity, kinds) and entity.end <= start for entity in doc.ents):
                continue  # the question itself names what it refers to ("Iran said its army ...")
            if form.startswith(_TITLED):
                entity = _titled(context, form.removeprefix(_TITLED))
                if entity is not None and _entity_text(entity).lower() not in question.lower():
                    name = _entity_text(entity)
                    named.add(name)
                    replacements[start] = (end, name)
                continue
            entity = self._referent(context, kinds, doc[start].lower_)
            name = _entity_text(entity) if entity is not None else None
            if name is not None and name in named:
                continue  # named once already: "what did Pennwalt say about its shares?"
            if entity is None or name is None or name.lower() in question.lower():
                complete = complete and not _PRONOUN.fullmatch(doc[start].text)
                continue
            if form == "{owner}" and kinds == _PERSON and end < len(doc) and doc[end].lower_ in _INSTITUTIONS:
                # "his ministry" is the ministry of the country he serves: "Russia's Defence Minister
                # Sergei Shoigu" -> "Russia's ministry", the words a report of it uses ("a Russian
                # defence ministry statement"), where "Shoigu's ministry" is found in none.
                name = _affiliation(entity) or name
            named.add(name)
            # "their coach" of a country or a national side is "the New Zealand coach", as reports write it
            # ("New Zealand coach Graham Henry said"), not "New Zealand's coach".
            national = form == "{owner}" and kinds == _BODY and entity.label_ in ("GPE", "NORP")
            if (
                national
                and end < len(doc)
                and doc[end].pos_ == "NOUN"
                and doc[end].lower_ not in _INSTITUTIONS
            ):
                form = "the {name}"
            replacements[start] = (end, form.format(name=name, owner=_possessive(name), when=_when(name)))
        if not replacements:
            return Resolution(question, complete=complete)
        return Resolution(self._rewrite(doc, replacements), complete)

    def reask(self, question: str, previous: str) -> str | None:
        """An elliptic follow-up ("And Mirza?", "What about China?", "And for the full year?", "And young
        player of the year?") as the `previous` question re-asked with its new constraint: the phrase of
        the previous question that the fragment contrasts with (a name of the same kind, a date, a noun
        phrase with the same head or the same modifier) replaced by it. None when the follow-up is no
        verbless fragment or nothing in the previous question parallels it."""
        if not previous or not _ELLIPSIS.match(question):
            return None
        with self._pipeline.use() as nlp:
            doc = nlp(question)  # parsed whole: "Nadal" alone is no person to spaCy, "And Nadal?" is
            opener = len(question) - len(_ELLIPSIS.sub("", question))
            words = [token for token in doc if token.idx >= opener and not token.is_punct]
            if not words or any(token.pos_ in ("VERB", "AUX") for token in words):
                return None
            return _reasked(doc[words[0].i : words[-1].i + 1], nlp(previous))

    @staticmethod
    def _earlier_texts(history: Sequence[Turn]) -> Iterator[str]:
        for asked, answered in reversed(history):
            yield answered
            yield asked

    @staticmethod
    def _referent(context: list[Doc], kinds: tuple[str, ...], word: str = "") -> Span | None:
        """The entity of these kinds in the latest earlier text that has any (the previous answer, then
        the previous question, ...): the one it opens with ("Sergei Shoigu, Russia's defence minister.")
        or its only one. None when there are several: a guessed name searches the wrong article, while
        the unresolved follow-up is still searched with the earlier question."""
        for position, doc in enumerate(context):
            if position == 0 and word in _PRONOUN_KINDS and kinds != _PERSON:
                if _answers_a_thing(doc, word):
                    return None  # "it" is the thing the previous answer names: searched with the question
                title = _answered_title(doc) if kinds == _THING else None
                if title is not None:
                    return title  # "Nicolas Cage movie National Treasure." answered "Which film ...?"
                named = _named_answer(doc, context[1]) if len(context) > 1 else None
                if named is not None and _fits(named, kinds):
                    return named  # "... banned the play The Vagina Monologues." answered "Which play ...?"
            # A name is a proper noun (or a date, a number): spaCy labels "Software" opening a sentence ORG.
            fitting = [
                entity
                for entity in doc.ents
                if _fits(entity, kinds) and (entity.root.pos_ in ("PROPN", "NUM") or entity.label_ == "DATE")
            ]
            if not fitting:
                continue
            if fitting[0].start == 0:
                return fitting[0]
            # "Shoigu" after "Sergei Shoigu" is the same man: the longest form names him.
            longest = max(fitting, key=lambda entity: len(_entity_text(entity)))
            if all(_entity_text(entity) in _entity_text(longest) for entity in fitting):
                return longest
            # Otherwise the most salient one: the name nearest the root of the parse ("Psychologist Dave
            # Collins, who takes over from Max Jones" is about Collins); a tie is not guessed.
            depths = sorted((_depth(entity), index) for index, entity in enumerate(fitting))
            if len(depths) == 1 or depths[0][0] < depths[1][0]:
                return fitting[depths[0][1]]
            return None
        return None

    def _references(self, doc: Doc) -> Iterator[tuple[int, int, tuple[str, ...], str]]:
        """(start, end, entity kinds, replacement form) of each reference back in `doc`."""
        for token in doc:
            lowered = token.lower_
            if _quoted(token):
                continue
            if lowered in _PRONOUN_KINDS:
                owner = token.tag_ == "PRP$" or lowered in ("its", "their", "his")
                yield token.i, token.i + 1, _PRONOUN_KINDS[lowered], "{owner}" if owner else "{name}"
            elif lowered == "there" and not self._existential(token):
                preposition = token.i > 0 and doc[token.i - 1].dep_ == "prep"
                yield token.i, token.i + 1, _PLACE, "{name}" if preposition else "in {name}"
            elif lowered == "then" and token.i > 0 and token.dep_ == "advmod":
                yield token.i, token.i + 1, _DATE, "{when}"
            elif lowered in ("the", "that") and token.i + 1 < len(doc):
                noun = doc[token.i + 1]
                if noun.lower_ in _NOUN_KINDS and lowered == "the":
                    yield token.i, token.i + 2, _NOUN_KINDS[noun.lower_], "{name}"
                elif lowered == "the" and noun.pos_ == "NOUN" and noun.lower_ not in _OWNED_BY_COUNTRY:
                    # "the minister", "the manager": the earlier person whose title that is, if any
                    yield token.i, token.i + 2, _PERSON, _TITLED + noun.lemma_.lower()
                elif noun.lower_ in _OWNED_BY_COUNTRY and lowered == "the":
                    yield token.i, token.i + 1, ("GPE",), "{owner}"
                elif noun.lower_ in _DATE_NOUNS and lowered == "that":
                    preposition = token.i > 0 and doc[token.i - 1].dep_ == "prep"
                    yield token.i, token.i + 2, _DATE, "{name}" if preposition else "{when}"

    @staticmethod
    def _existential(token: Token) -> bool:
        """ "Are there ...", "there were ...": no place is meant."""
        if token.tag_ == "EX" or token.dep_ == "expl":
            return True
        doc = token.doc
        neighbours = [doc[i] for i in (token.i - 1, token.i + 1) if 0 <= i < len(doc)]
        return any(neighbour.lower_ in _BE for neighbour in neighbours)

    @staticmethod
    def _rewrite(doc: Doc, replacements: dict[int, tuple[int, str]]) -> str:
        parts: list[str] = []
        index = 0
        # A leading "and"/"but"/"so" ties the follow-up to the earlier turn; the standalone question drops it.
        if doc[0].lower_ in ("and", "but", "so") and len(doc) > 1:
            index = 1
        first = index
        while index < len(doc):
            token = doc[index]
            if index in replacements:
                end, text = replacements[index]
                parts.append(text + doc[end - 1].whitespace_)
                index = end
                continue
            parts.append(token.text_with_ws)
            index += 1
        text = "".join(parts).strip()
        if first > 0 or text[:1].islower():
            text = text[:1].upper() + text[1:]
        return text


def make_standalone(question: str, history: Sequence[Turn], resolver: ReferenceResolver | None) -> Standalone:
    """The follow-up `question` made standalone: its references resolved (with a `resolver`), and the
    earlier question it still leans on kept beside it."""
    if not history:
        return Standalone(question)
    # The previous question as it was searched: a chain of follow-ups ("and when?", "why?") keeps the
    # question they all lean on.
    before = make_standalone(history[-1][0], history[:-1], resolver)
    previous = before.query
    # "And Mirza?" after "Who did Conchita Martinez beat ...?" asks that question again, about Mirza.
    reasked = resolver.reask(question, before.question if not before.earlier else "") if resolver else None
    if reasked:
        return Standalone(reasked, reasked=True)
    resolution = resolver.resolution(question, history) if resolver else Resolution(question)
    resolved = resolution.question
    if len(question.split()) <= _SHORT:
        # too short to say what it asks about
        return Standalone(resolved, earlier=previous, complete=resolution.complete)
    # Once resolved, only a pronoun nothing stood for ("which of them") still needs the earlier question;
    # and a follow-up that names nothing ("How much will the musical cost?", "the survey", "the Spanish
    # teenager") is about what the earlier question named.
    leans = _REFERS_BACK.search(question) if resolved == question else not resolution.complete
    leans = leans or not _NAMED.search(resolved)
    return Standalone(resolved, earlier=previous if leans else "", complete=resolution.complete)
