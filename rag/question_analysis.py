"""What each part of a question asks for: "Who met in Tehran and when?" asks two things, a person and a date.

Read from spaCy's parse of the question (newsdesk.index.language.load_analyzer): the wh-words (tags WP, WDT,
WRB), the noun a "which"/"what" governs, the verb they hang on, and the conjunction that joins a second
wh-clause ("and when", ", and which bank ..."). The engines answer each part on its own (rag.engines).
"""

from __future__ import annotations

import re
from contextlib import AbstractContextManager

from newsdesk.index.language import SharedPipeline
from newsdesk.rag.models import AnswerType, QuestionPart
from spacy.language import Language
from spacy.tokens import Doc, Span, Token

_WH_TAGS = frozenset({"WP", "WDT", "WRB", "WP$"})

# The noun a "which"/"what" asks about tells the type of the answer ("which bank" → an organisation). The
# parse finds that noun; its meaning is a small lexicon, as spaCy's small pipeline has no word vectors.
_NOUN_TYPES: dict[str, AnswerType] = {
    **dict.fromkeys(
        "minister official spokesman spokeswoman commissioner president chairman executive leader man woman "
        "person people member director chief head representative analyst envoy general diplomat secretary "
        "governor premier king prince candidate player climber founder owner lawyer attorney coach manager "
        "captain editor author writer scorer singer actor actress presenter host boss economist winner "
        "negotiator".split(),
        "person",
    ),
    **dict.fromkeys(
        "company firm group bank organisation organization agency party team club body fund bidder "
        "government ministry union affiliate militia force forces consortium unit subsidiary "
        "institution investor buyer underwriter yacht".split(),
        "organisation",
    ),
    **dict.fromkeys(
        "country countries city town place region province state area port capital border front "
        "nation village site location".split(),
        "place",
    ),
    **dict.fromkeys("date day year month time week period season hour".split(), "date"),
    **dict.fromkeys(
        "price amount cost sum figure rate profit profits revenue revenues loss losses income earnings "
        "stake share value level deficit surplus budget reserves reserve output debt dividend salary "
        "tariff tariffs payment payments total growth pace reading index rating fee fine prize wage "
        "compensation donation valuation turnover".split(),
        "amount",
    ),
    # A tally or score is a count of its own kind: "voted 25 to 10", "won 3-1" (answer_spans._tally).
    **dict.fromkeys("number tally score margin".split(), "count"),
    **dict.fromkeys("reason cause motive".split(), "reason"),
    **dict.fromkeys("newspaper paper outlet broadcaster channel magazine television radio".split(), "outlet"),
}
# The asked nouns that are sums of money: "what was the cost" is not answered by "70%" or "three parties".
MONEY_NOUNS = frozenset("price cost fee fine salary wage payment prize bill donation compensation".split())
# The nouns that ask for a name: "the name of X's lawyer" asks for the lawyer.
_NAME_NOUNS = frozenset({"name", "identity"})
# The nouns that name a person by their role ("the secretary of the council, Ali Shamkhani").
PERSON_ROLES = frozenset(noun for noun, kind in _NOUN_TYPES.items() if kind == "person")
# Verbs whose object is a sum: "what did X earn / pay / offer".
MONEY_VERBS = frozenset(
    "earn pay cost offer raise borrow spend lose gain fetch charge bid owe invest".split()
)
# Verbs that report speech: "what did X say" asks for a statement with X as the speaker.
SPEECH_VERBS = frozenset(
    "say tell state add announce declare warn claim insist argue comment quote stress note vow urge "
    "describe call reply respond explain predict promise pledge".split()
)


def _wh_type(wh: Token, doc: Doc, clause: Span) -> AnswerType:
    """The answer type asked by the wh-word `wh` within `clause` (its own part of the question)."""
    word = wh.lower_
    after = doc[wh.i + 1] if wh.i + 1 < len(doc) else None
    if word == "how":
        if after is not None and after.lower_ == "many":
            return "count"
        if after is not None and (after.lower_ == "much" or after.pos_ in {"ADJ", "ADV"}):
            return "amount"  # how much, how big, how large, how high
        return "thing"  # how did X do Y: a manner, told by a sentence
    if word in {"who", "whom", "whose"}:
        return "person"
    if word == "when":
        return "date"
    if word == "where":
        return "place"
    if word == "why":
        return "reason"
    # which/what: the noun it governs ("which bank", "what year", "what was X's profit").
    noun = _asked_noun(wh, clause)
    if noun is not None and noun.lemma_.lower() in _NOUN_TYPES:
        return _NOUN_TYPES[noun.lemma_.lower()]
    if noun is not None and noun.lower_ in _NOUN_TYPES:
        return _NOUN_TYPES[noun.lower_]
    verb = wh.head if wh.head.pos_ in {"VERB", "AUX"} else None
    if verb is not None and verb.lemma_.lower() in SPEECH_VERBS:
        return "statement"
    if verb is not None and verb.lemma_.lower() in MONEY_VERBS:
        return "amount"  # "what did the company earn"
    return "thing"


def _asked_noun(wh: Token, clause: Span) -> Token | None:
    """The noun a which/what asks about: the one it determines ("which group"), or with a copula the
    subject it stands for ("what was Acme's profit")."""
    # The words right after the wh-word that name a thing ("which Iranian defence minister"): the last
    # noun of that run heads it, whatever the parser attached the wh-word to.
    run = []
    for token in clause.doc[wh.i + 1 : clause.end]:
        if token.pos_ not in {"NOUN", "PROPN", "ADJ", "NUM"} and token.tag_ != "POS":
            break
        run.append(token)
    nouns = [t for t in run if t.pos_ == "NOUN"]
    if wh.lower_ == "which" and len(nouns) > 1 and _NOUN_TYPES.get(nouns[-1].lemma_.lower()) == "amount":
        # "Which metal prices rose?" picks a metal, not a sum: "which" chooses among the kinds the noun
        # before a measure names ("what metal prices" would ask the prices themselves).
        return _named(nouns[-2])
    if nouns:
        return _named(nouns[-1])
    for chunk in clause.noun_chunks:
        if chunk.start <= wh.i < chunk.end and chunk.root.i != wh.i:
            return _named(chunk.root)
    head = wh.head
    if head.lemma_ == "be":
        subjects = [t for t in head.children if t.dep_ in {"nsubj", "attr"} and t.i != wh.i]
        return _named(subjects[0]) if subjects else None
    return None


def _named(noun: Token) -> Token:
    """The noun whose name is asked: "the name of Arash Sigarchi's lawyer" asks for the lawyer."""
    if noun.lemma_.lower() in _NAME_NOUNS:
        for prep in noun.children:
            if prep.dep_ == "prep" and prep.lower_ == "of":
                objects = [t for t in prep.children if t.dep_ == "pobj" and t.pos_ in {"NOUN", "PROPN"}]
                if objects:
                    return objects[0]
    return noun


def _focus(clause: Span, answer_type: AnswerType) -> list[str]:
    """Who or what the part is about: its names (entities, proper nouns) and, for a statement, the
    speaker; then the main verb's lemma when no name is given."""
    names: list[str] = []
    covered: set[int] = set()
    for entity in clause.ents:
        if entity.label_ in {"DATE", "TIME", "CARDINAL", "ORDINAL"}:
            continue
        names.append(entity.text.removesuffix("'s").removesuffix("’s"))
        covered.update(range(entity.start, entity.end))
    for token in clause:
        if token.pos_ == "PROPN" and token.i not in covered:
            names.append(token.text)
            covered.add(token.i)
    if answer_type == "statement":
        speakers = [t for t in clause if t.dep_ == "nsubj" and t.head.lemma_.lower() in SPEECH_VERBS]
        for speaker in speakers:
            phrase = clause.doc[speaker.left_edge.i : speaker.i + 1].text
            if speaker.tag_ not in {"PRP", "WP"} and phrase not in names:
                names.insert(0, phrase)
    predicate = _predicate(clause)
    return [*dict.fromkeys(names), *([predicate] if predicate else [])]


def _predicate(clause: Span) -> str | None:
    """The lemma of the clause's main verb ("Who met in Tehran" → "meet"); None for "be", "do", "have"."""
    verbs = [
        t.lemma_
        for t in clause
        if t.pos_ == "VERB" and t.dep_ in {"ROOT", "conj", "ccomp"} and t.lemma_ not in {"do", "be", "have"}
    ]
    if not verbs:
        # The small pipeline tags a money verb after a long subject as a noun ("How much did Labour's new
        # election headquarters cost?", "would the plan ... cost to run"): one that follows the auxiliary
        # with no verb of its own is the verb.
        auxiliaries = [t.i for t in clause if t.tag_ == "MD" or t.lemma_ == "do"]
        verbs = [
            t.lemma_.lower()
            for t in clause
            if t.pos_ == "NOUN" and t.lower_ in MONEY_VERBS and auxiliaries and auxiliaries[0] < t.i
        ]
    return verbs[0] if verbs else None


def _parties(clause: Span) -> dict[str, str]:
    """The named parties whose fact the part asks: its subjects and owners ("did the Green Party receive",
    "Miwok Capital's stake"), not names it only mentions ("stake in Zondervan"), with their entity labels."""
    parties = {}
    for entity in clause.ents:
        head = entity.root
        while head.dep_ in {"compound", "conj", "appos"} and head.head.i != head.i:
            head = head.head
        if entity.label_ in {"PERSON", "ORG", "NORP", "GPE", "LOC", "FAC"} and (
            head.dep_ in {"nsubj", "nsubjpass"} or (head.dep_ == "poss" and _owns_asked(head))
        ):
            parties[entity.text.removesuffix("'s").removesuffix("’s")] = entity.label_
        elif entity.label_ in {"GPE", "LOC"} and _where_asked(head):
            # "How many cases were reported in Germany": the count asked is Germany's, not the UK's.
            parties[entity.text] = entity.label_
    covered = {i for entity in clause.ents for i in range(entity.start, entity.end)}
    for token in clause:
        # A subject or owner the small pipeline does not tag ("is Sirius paying Howard Stern").
        if (
            token.pos_ == "PROPN"
            and token.i not in covered
            and (token.dep_ in {"nsubj", "nsubjpass"} or (token.dep_ == "poss" and _owns_asked(token)))
        ):
            name = clause.doc[token.left_edge.i : token.i + 1]
            if all(t.pos_ == "PROPN" or t.dep_ == "compound" for t in name):
                parties[name.text] = "ORG"
    return parties


def _owns_asked(owner: Token) -> bool:
    """Whether a possessor owns what the part asks about: the subject or object of its verb ("Japan's
    budget", "Olympiakos' goal"), not a noun in a phrase on the side ("according to Intel's Jeff
    Ravencraft")."""
    owned = owner.head
    while owned.dep_ in {"compound", "appos", "conj"} and owned.head.i != owned.i:
        owned = owned.head
    return owned.dep_ in {"nsubj", "nsubjpass", "dobj", "attr", "ROOT"}


_NAME_LABELS = frozenset({"PERSON", "ORG", "NORP", "GPE", "LOC", "FAC", "PRODUCT", "EVENT", "WORK_OF_ART"})


def _costed_thing(clause: Span, predicate: str | None) -> str | None:
    """The thing whose cost a money part asks ("How much did Labour's new election headquarters cost?" →
    "headquarters", "How much would the plan ... cost to run?" → "plan"): the common noun heading the
    subject of the money verb, when it is neither named (a proper noun: "the Live Aid concerts") nor a
    party by its kind ("the company", "the minister")."""
    if predicate not in MONEY_VERBS:
        return None
    verb = next((t for t in clause if t.lemma_.lower() == predicate), None)
    if verb is None:
        return None
    if verb.pos_ in {"VERB", "AUX"}:
        subjects = [t for t in verb.children if t.dep_ in {"nsubj", "nsubjpass"}]
        subject = subjects[0] if subjects else None
    else:
        # A money verb the small pipeline tagged as a noun (_predicate): the subject is the noun phrase
        # before it, the clause's root when that is a noun ("the plan ... cost"), else its last noun.
        before = [t for t in clause if t.i < verb.i and t.pos_ == "NOUN"]
        root = clause.root
        subject = root if root.pos_ == "NOUN" and root.i < verb.i else (before[-1] if before else None)
    if subject is None or subject.pos_ != "NOUN":
        return None
    # Its words without the owner ("Labour's"): none a name or part of one ("the Live Aid concerts").
    words = [subject, *(t for c in subject.children if c.dep_ != "poss" for t in c.subtree)]
    if any(t.pos_ == "PROPN" or t.ent_type_ in _NAME_LABELS for t in words):
        return None
    lemma = subject.lemma_.lower()
    return None if _NOUN_TYPES.get(lemma) in {"person", "organisation"} else lemma


def _where_asked(token: Token) -> bool:
    """Whether a place is the scope of the asked verb: the object of "in" on the clause's verb ("were
    reported in Germany"), not a place inside a noun phrase ("fraud in EU funds")."""
    preposition = token.head
    return (
        token.dep_ == "pobj"
        and preposition.lower_ in {"in", "within"}
        and preposition.head.pos_ in {"VERB", "AUX"}
    )


def _role(wh: Token, clause: Span, answer_type: AnswerType) -> str | None:
    """The role a person or organisation part asks for: "which Iranian defence minister" → "minister", "who is
    Tracor's chief executive" → "executive", "which groups" → "group"."""
    if answer_type not in {"person", "organisation"}:
        return None
    noun = _asked_noun(wh, clause)
    if noun is None or noun.pos_ != "NOUN":
        return None
    doc = noun.doc
    if not noun.whitespace_ and noun.i + 2 < len(doc) and doc[noun.i + 1].text == "-":
        # A hyphenated noun the tokenizer splits: "co-ordinator" is asked, not "co".
        return f"{noun.lower_}-{doc[noun.i + 2].lower_}"
    return noun.lemma_.lower()


def _clauses(doc: Doc) -> list[tuple[Token, Span]]:
    """Each wh-word that opens a part, with its part of the question. A later wh-word opens a new part
    when a conjunction (or comma) comes right before it: "… and when?", "…, and which group …"."""
    whs = [t for t in doc if t.tag_ in _WH_TAGS]
    if not whs:
        return []
    starts = [whs[0]]
    for wh in whs[1:]:
        before = [t for t in doc[starts[-1].i + 1 : wh.i] if not t.is_punct]
        previous = doc[wh.i - 1] if wh.i > 0 else None
        # "and at what pace", "and for how much", "and in which newspaper": a preposition may stand before
        if previous is not None and previous.tag_ == "IN" and wh.i > 1:
            previous = doc[wh.i - 2]
        if previous is not None and previous.pos_ == "CCONJ" and before:
            starts.append(wh)
    parts = []
    for n, wh in enumerate(starts):
        begin = 0 if n == 0 else wh.i
        if n > 0 and doc[wh.i - 1].tag_ == "IN":
            begin = wh.i - 1
        end = starts[n + 1].i - 1 if n + 1 < len(starts) else len(doc)
        if n + 1 < len(starts) and doc[starts[n + 1].i - 1].tag_ == "IN":
            end -= 1
        span = doc[begin:end]
        while len(span) and (span[-1].is_punct or span[-1].pos_ == "CCONJ"):
            span = doc[span.start : span.end - 1]
        parts.append((wh, span))
    return parts


def _as_question(words: str) -> str:
    words = words.strip().rstrip("?").strip()
    return words[:1].upper() + words[1:] + "?"


def _bare_second_part(part: Span, first: Span, first_wh: Token) -> str:
    """A second part that is only a wh-phrase ("… and when?", "…, and for how much?") as a question of its
    own, from the first part's verb and complements: "Who met in Tehran" → "When did they meet in Tehran?";
    "How many shares did the group sell" → "For how much did the group sell?"."""
    verb = first.root if first.root.pos_ in {"VERB", "AUX"} else None
    if verb is not None and verb.lemma_ == "do":  # "did" parsed as the root: the verb it helps
        verb = next((t for t in reversed(first) if t.pos_ == "VERB"), verb)
    if verb is None:
        return _as_question(f"{part.text} {first.text}")
    subject = [t for t in verb.children if t.dep_ in {"nsubj", "nsubjpass"}]
    asked_subject = subject and subject[0].left_edge.i <= first_wh.i <= subject[0].i
    if subject and not asked_subject:
        # The first part asked for an object: keep its clause after the wh-phrase ("did the group sell").
        phrase_head = first_wh.head if first_wh.head.i != verb.i and first_wh.head.i < verb.i else first_wh
        phrase_end = max(
            [
                first_wh.i,
                *(t.i for t in phrase_head.subtree if t.i < verb.i and t.dep_ not in {"aux", "nsubj"}),
            ]
        )
        phrase_end = min([phrase_end, *(t.i - 1 for t in verb.children if t.dep_ in {"aux", "nsubj"})])
        auxiliaries = [t for t in verb.children if t.dep_ in {"aux", "auxpass"} and t.i > phrase_end]
        start = auxiliaries[0].i if auxiliaries else phrase_end + 1
        return _as_question(f"{part.text} {first.doc[start : first.end].text}")
    rest = first.doc[verb.i + 1 : first.end].text
    return _as_question(f"{part.text} did they {verb.lemma_} {rest}")


_UNICODE_SPACE = re.compile(r"[^\S\n\r\t ]")  # no-break, thin, figure spaces...


class QuestionAnalyzer:
    """Splits a question into its parts, each with the type of answer it asks for and its focus.

    Its spaCy pipeline is shared, in turns (`newsdesk serve` answers in several threads), and frees what a
    use read when the use ends: Docs from `read` are valid only inside the `session()` they were read in."""

    def __init__(self, pipeline: SharedPipeline) -> None:
        self._pipeline = pipeline

    def session(self) -> AbstractContextManager[Language]:
        """A block in which Docs read stay valid (an engine reads its candidates and picks spans in one)."""
        return self._pipeline.use()

    def read(self, texts: list[str]) -> list[Doc]:
        """The texts parsed, with entities (the candidate sentences an engine chooses from), in one batch."""
        if not self._pipeline.in_use:
            raise RuntimeError("QuestionAnalyzer.read outside session(): its Docs would be freed at once")
        with self._pipeline.use() as nlp:
            # spaCy reads a no-break space as a token of its own, which cuts "September\xa012" to the date
            # "September": parsed with plain spaces, the same length, so a span's offsets still point into
            # the text as written (the engine quotes spans from there).
            return list(nlp.pipe(_UNICODE_SPACE.sub(" ", text) for text in texts))

    def speaker(self, text: str) -> str | None:
        """The named speaker a statement question asks about ("What did Shoigu say" → "Shoigu"); None for
        a pronoun ("what did he say": a follow-up) or no speech verb."""
        with self._pipeline.use() as nlp:
            doc = nlp(text)
            for token in doc:
                if token.lemma_.lower() in SPEECH_VERBS:
                    for child in token.children:
                        if child.dep_ == "nsubj" and child.tag_ not in {"PRP", *_WH_TAGS}:
                            return doc[child.left_edge.i : child.i + 1].text
            return None

    def parts(self, question: str) -> list[QuestionPart]:
        with self._pipeline.use() as nlp:
            return self._parts(nlp(question.strip()), question)

    def _parts(self, doc: Doc, question: str) -> list[QuestionPart]:
        clauses = _clauses(doc)
        if not clauses:
            return [QuestionPart(text=question.strip(), answer_type="thing", focus=_focus(doc[:], "thing"))]
        parts = []
        for n, (wh, span) in enumerate(clauses):
            answer_type = _wh_type(wh, doc, span)
            predicate, parties = _predicate(span), _parties(span)
            if n > 0 and len([t for t in span if not t.is_punct and t.tag_ != "IN"]) <= 2:
                # "… and when?": the part borrows the first part's verb, and its focus.
                text = _bare_second_part(span, clauses[0][1], clauses[0][0])
                focus = _focus(clauses[0][1], answer_type)
                predicate = _predicate(clauses[0][1])
                parties = _parties(clauses[0][1])
            else:
                text = _as_question(span.text) if len(clauses) > 1 else question.strip()
                focus = _focus(span, answer_type)
                if n > 0 and not [f for f in focus if f[:1].isupper()]:
                    # "and what is the total cost?": about what the first part names
                    focus = [*_focus(clauses[0][1], answer_type), *focus]
            if answer_type == "count":
                # What is counted ("how many troops") is part of what the part is about: a number of
                # something else ("two sides") does not answer it.
                counted = _asked_noun(wh, span)
                if counted is not None:
                    focus = [*focus, counted.text]
            asked = _asked_noun(wh, span) if wh.lower_ in {"what", "which"} else None
            asked_lemma = None
            if asked is not None and (asked.pos_ == "NOUN" or asked.lower_ in _NOUN_TYPES):
                # "reading" of "the index reading" is tagged a verb; the lexicon knows it as a noun.
                asked_lemma = asked.lemma_.lower() if asked.pos_ == "NOUN" else asked.lower_
            parts.append(
                QuestionPart(
                    text=text,
                    answer_type=answer_type,
                    focus=list(dict.fromkeys(focus)),
                    predicate=predicate,
                    parties=parties,
                    role=_role(wh, span, answer_type),
                    asked=asked_lemma,
                    money=answer_type == "amount"
                    and (predicate in MONEY_VERBS or asked_lemma in MONEY_NOUNS),
                    thing=_costed_thing(span, predicate) if answer_type == "amount" else None,
                    duration=wh.lower_ == "how" and wh.i + 1 < len(doc) and doc[wh.i + 1].lower_ == "long",
                )
            )
        return parts
