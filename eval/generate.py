"""Draft evaluation questions from articles, for a person to review: the start of a set for a new archive.

Four kinds of draft, each marked `draft` with its gold article(s) and the sentence(s) that answer it:

- wh: a sentence that names an entity, a date or a figure becomes a wh-question whose answer is that
  entity, date or figure. The clause is transformed along spaCy's dependency parse: a subject is
  replaced by Who/What; anything else is fronted as a wh-phrase with the first auxiliary (or do-support
  and the verb's base form) before the subject ("X sold 5 mln shares on Monday" -> "When did X sell
  5 mln shares?"). A pronoun subject is resolved to the reporting subject ("X said it sold ...") or
  to the article's main entity, so the question stands alone. A sentence the transformation cannot
  handle surely (no subject, present-tense plural agreement, a pronoun left over...) is skipped.
- two-part: two articles of one story (a shared PERSON/ORG within three days) each give a question
  about that party; the two are asked as one, gold both articles, must_include from both.
- follow-up: two questions about one party of one article; the second names it by a pronoun and
  carries the first, with the sentence that answers it, as `history`.
- near-miss: a wh-question about a figure or date is asked of another PERSON/ORG of the same article,
  one that no sentence of the article nor of the corpus mentions together with a figure or date:
  the topic is in the archive, the fact is not (answerable=false, gold the topic article).

Articles are read and cleaned by the ingest pipeline's own steps (index.read, prepare_article), so the
sentences are those the store holds and citations will quote. Seeded and deterministic: the same
corpus, seed and spaCy pipeline give the same drafts.
"""

from __future__ import annotations

import itertools
import random
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from newsdesk.eval.dataset import EvalQuestion
from newsdesk.index.dates import printed_days
from newsdesk.index.ingest import prepare_article
from newsdesk.index.models import Article
from newsdesk.index.read import UnreadableSource, read_documents
from newsdesk.index.sentences import split_sentences
from spacy.language import Language
from spacy.tokens import Doc, Span, Token

from newsdesk.settings import FieldMapping

KINDS = ("wh", "follow-up", "two-part", "near-miss")
_YEAR = re.compile(r"\b(19\d\d|20\d\d)\b")
_CURRENCY = {"dollars ": "$", "pounds ": "£", "euros ": "€"}
_SAY = {"say", "tell", "announce", "report", "add", "state"}
_SUBJECT_PRONOUNS = {"it": "it", "he": "he", "she": "she"}
# Left in a question, these refer to something the reader of the question alone cannot know.
_DANGLING = {
    "he",
    "she",
    "it",
    "they",
    "him",
    "her",
    "them",
    "this",
    "that",
    "these",
    "those",
    "we",
    "i",
    "us",
}
_MAGNITUDES = {"mln", "bln", "million", "billion", "thousand", "trillion"}
_DESCRIPTIONS = {"the company", "the firm", "the bank", "the group", "the corporation", "the concern"}
_WHEN_PREPS = {"on", "in", "during", "at"}
_CHANGE_VERBS = {"rise", "fall", "gain", "drop", "decline", "increase", "decrease", "climb", "grow", "jump"}
_SPAN_OF_TIME = re.compile(r"\b(?:days?|weeks?|months?|years?|quarters?|period)\b", re.I)
_WHEN = re.compile(
    r"\b(?:19|20)\d\d\b|\b(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec|Mon|Tue|Wed|Thu|Fri|Sat|Sun)[a-z]*\b"
)
# A figure or a date in a sentence: what a near-miss's party must never be stated with.
_FIGURE_OR_DATE = re.compile(r"\d|" + _WHEN.pattern)
_MIN_WORDS, _MAX_WORDS = 6, 40
_MAX_QUESTION_WORDS = 24
_ROUGH_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"'(])")
# Articles tried per draft of a kind before the rest are left to wh-questions: bounds the time on
# an archive where a kind is rare (two-part needs two articles of one story).
_ATTEMPTS = 70
_PARSED_CHARS = 2500  # the lead of an article: where its facts are stated, and what parsing costs
_STORY_DAYS = 3  # articles of one story: a shared party within this many days


# ---------------------------------------------------------------------------------------------- spellings


def _date_spellings(text: str) -> list[str]:
    """The date as written plus its other common spellings, when it names a calendar day."""
    printed = next(printed_days(text), None)
    if printed is None:
        return [text]
    day = printed[1]
    forms = [text, f"{day.day} {day:%B %Y}", f"{day:%B} {day.day}, {day.year}", day.isoformat()]
    return list(dict.fromkeys(forms))


def _figure_spellings(text: str) -> list[str]:
    """The figure as written, without its currency sign, and with bn/m/mln/bln spelt out."""
    forms, bare = [text], text.lstrip("$£€")
    for word, sign in _CURRENCY.items():
        if text.startswith(word):
            bare = text.removeprefix(word)
            forms.append(sign + bare)
    forms.append(bare)
    number = re.match(r"[\d,.]+", bare)
    if number:
        for short, long in (
            (" mln", " million"),
            (" bln", " billion"),
            ("bn", " billion"),
            ("m", " million"),
        ):
            if bare[number.end() :].startswith(short):
                forms.append(number.group(0) + long)
        forms.append(number.group(0))  # "5.6 mln dlrs" is also answered by "5.6 million dollars"
    return list(dict.fromkeys(forms))


def _spellings(text: str, label: str) -> list[str]:
    if label == "DATE":
        return _date_spellings(text)
    if label in {"MONEY", "CARDINAL", "PERCENT", "QUANTITY"}:
        return _figure_spellings(text)
    return [text]


# -------------------------------------------------------------------------------------------- the articles


def gold_name(source: str, corpus: Path) -> str:
    """The article's gold_docs entry: its path from the corpus folder's parent ("bbc/business/001.txt";
    a record keeps its "#n"), so it matches the stored source and no other file of the same name."""
    path, hash_, record = source.partition("#")
    root = corpus.resolve() if corpus.is_dir() else corpus.resolve().parent
    try:
        relative = Path(path).resolve().relative_to(root.parent).as_posix()
    except ValueError:
        relative = Path(path).name
    return relative + hash_ + record


def _articles(corpus: Path, fields: FieldMapping | None) -> Iterator[Article]:
    for raw in read_documents([corpus], fields):
        if isinstance(raw, UnreadableSource):
            continue
        try:
            yield prepare_article(raw)
        except UnreadableSource:
            continue


def _flat(text: str) -> str:
    return " ".join(text.split())


def _sentences(text: str) -> list[str]:
    return [_flat(text[start:end]) for start, end in split_sentences(text)]


@dataclass
class _Parsed:
    """One article with its lead parsed: the sentences, the parties it names, its main party."""

    article: Article
    doc: Doc
    text: str  # the whole article, white space flattened
    parties: dict[str, str] = field(default_factory=dict)  # PERSON/ORG name -> label
    main: dict[str, str] = field(default_factory=dict)  # label -> the most named party of that label

    @property
    def published(self) -> date | None:
        return self.article.metadata.published


def _parse(nlp: Language, article: Article) -> _Parsed:
    text = _flat(article.text)
    # Sentences as the store splits them, parsed one by one: each question comes from one such sentence.
    lead, length = [], 0
    for sentence in _sentences(article.text):
        if length > _PARSED_CHARS:
            break
        lead.append(sentence)
        length += len(sentence) + 1
    doc = nlp(" ".join(lead))
    parsed = _Parsed(article, doc, text)
    counts: Counter[tuple[str, str]] = Counter()
    for ent in doc.ents:
        if ent.label_ in {"PERSON", "ORG"} and ent.text[:1].isupper() and len(ent.text) > 2:
            name = _strip_det(ent)
            parsed.parties.setdefault(name, ent.label_)
            counts[(ent.label_, name)] += 1
    for (label, name), _count in counts.most_common():
        parsed.main.setdefault(label, name)
    return parsed


def _strip_det(span: Span) -> str:
    """The name without its article or possessive ending ("the Bundesbank's" -> "Bundesbank")."""
    tokens = [t for t in span if not (t.i == span.start and t.dep_ == "det") and t.tag_ != "POS"]
    return "".join(t.text_with_ws for t in tokens).strip()


# ---------------------------------------------------------------------------------------- wh-questions


@dataclass(frozen=True)
class _Wh:
    """A wh-question about one fact of one sentence, in parts so that its subject can be swapped."""

    head: str  # "How many shares did" ("" when the question asks for the subject)
    subject: str  # "American Express Co" (the wh-word itself when it asks for the subject)
    tail: str  # "sell on Monday"
    answer: str
    spellings: tuple[str, ...]
    type: str
    sentence: str
    party: str  # the subject party ("" when unknown); the answer when the question asks for it
    party_label: str
    asks_subject: bool
    answer_label: str

    def render(self, subject: str | None = None) -> str:
        words = " ".join(p for p in (self.head, subject or self.subject, self.tail) if p)
        return _tidy(words[0].upper() + words[1:] + "?")


def _tidy(text: str) -> str:
    # Reuters marks a listed company's ticker "<MER>" and an unlisted company "<Berkeley PLC>".
    text = re.sub(r"\s*\(?<[A-Z0-9.]+>\)?", "", text)
    text = re.sub(r"<\s*([^<>]+?)\s*>", r"\1", text)
    text = re.sub(r"\s+([,.;:?!%)'])", r"\1", text)
    text = re.sub(r"([($])\s+", r"\1", text)
    text = re.sub(r"\s+'s\b", "'s", text)
    text = re.sub(r"[,;:]+\?$", "?", text)
    return re.sub(r"\s+", " ", text).strip()


def _words(tokens: list[Token]) -> str:
    """The tokens in sentence order, spaced as written where they were neighbours ("light-water")."""
    ordered = sorted(tokens, key=lambda t: t.i)
    out = []
    for token, after in zip(ordered, [*ordered[1:], None], strict=False):
        out.append(token.text)
        if after is not None:
            out.append(token.whitespace_ if after.i == token.i + 1 else " ")
    return "".join(out)


def _clause(sentence: Span) -> tuple[Token, Span | None] | None:
    """The verb of the clause that states the facts, and the reporting subject when it is reported
    speech ("X said it sold ..." -> sold, X)."""
    root = sentence.root
    if root.lemma_ in _SAY:
        content = [c for c in root.children if c.dep_ == "ccomp" and c.pos_ in {"VERB", "AUX"}]
        reporters = [c for c in root.children if c.dep_ == "nsubj"]
        if not content:
            return None
        reporter = None
        if reporters and any(t.pos_ == "PROPN" for t in reporters[0].subtree):
            subtree = list(reporters[0].subtree)
            reporter = sentence.doc[subtree[0].i : subtree[-1].i + 1]
        return content[0], reporter
    if root.pos_ not in {"VERB", "AUX"}:
        return None
    return root, None


def _span_of(token: Token) -> list[Token]:
    return list(token.subtree)


def _resolve(pronoun: Token, reporter: Span | None, parsed: _Parsed) -> tuple[str, str] | None:
    """What a pronoun subject stands for: the reporting subject or the article's main party."""
    word = pronoun.lower_
    if word not in _SUBJECT_PRONOUNS:
        return None
    wanted = "PERSON" if word in {"he", "she"} else "ORG"
    if reporter is not None:
        labels = {e.label_ for e in reporter.ents}
        if wanted in labels or (wanted == "ORG" and not labels & {"PERSON"} and labels):
            # The reporter's first name, not its apposition ("Shamrock Holdings Inc, a Disney company").
            name = _strip_det(reporter.ents[0]) if reporter.ents else reporter.text
            first = reporter.ents[0].start if reporter.ents else reporter.start
            if reporter.doc[first].lower_ == "the" or (first > 0 and reporter.doc[first - 1].lower_ == "the"):
                name = "the " + name  # "the Chicago Board Options Exchange", as the article writes it
            if name.lower() in _DESCRIPTIONS:
                name = parsed.main.get("ORG", "")
            if name:
                return name, wanted
    # Else the article's main party, if the sentence before named it: "it" points to the last
    # thing named, and that had better be the party the question will name.
    main = parsed.main.get(wanted)
    sentence = pronoun.sent
    if main and sentence.start > 0 and main in parsed.doc[sentence.start - 1].sent.text:
        return main, wanted
    return None


def _wh_questions(sentence: Span, parsed: _Parsed) -> list[_Wh]:
    """Every wh-question the parse of `sentence` supports surely; [] when none does."""
    text = sentence.text
    words = text.split()
    if not _MIN_WORDS <= len(words) <= _MAX_WORDS or re.search("[\"“”]|''|``", text) or "?" in text:
        return []
    found = _clause(sentence)
    if found is None:
        return []
    verb, reporter = found
    children = list(verb.children)
    subjects = [c for c in children if c.dep_ in {"nsubj", "nsubjpass"}]
    if len(subjects) != 1 or subjects[0].i > verb.i:
        return []
    subject = subjects[0]
    subject_tokens = _span_of(subject)
    if len(subject_tokens) > 8 or subject.lower_ in {"there", "they", "we", "i", "you", "this", "that"}:
        return []
    # The clause: the verb and its dependents, without a coordinated clause, a leading conjunction
    # or the closing punctuation; a phrase before the subject ("In 1986, ...") moves to the end.
    dropped: set[int] = set()
    for child in children:
        if child.dep_ in {"conj", "cc", "mark", "punct", "parataxis"} or (
            child.dep_ == "advmod" and child.i < subject.i
        ):
            dropped.update(t.i for t in child.subtree)
    fronted = [
        t
        for c in children
        if c.i < subject_tokens[0].i and c.dep_ not in {"aux", "auxpass", "neg"} and c.i not in dropped
        for t in c.subtree
    ]
    auxes = [c for c in children if c.dep_ in {"aux", "auxpass"} and c.i < verb.i and c.i > subject.i]
    clause = [t for t in verb.subtree if t.i not in dropped and t.sent == sentence.sent]
    if any(t.dep_ == "ccomp" and t.head == verb and t.i < subject.i for t in clause):
        return []

    # The subject as the question will print it.
    if subject.pos_ == "PRON":
        resolved = _resolve(subject, reporter, parsed)
        if resolved is None:
            return []
        subject_text, party_label = resolved
        party = subject_text.removeprefix("the ")
    elif _words(subject_tokens).lower() in _DESCRIPTIONS and "ORG" in parsed.main:
        # "The company said ..." names the article's company, which the question must name itself.
        subject_text, party, party_label = parsed.main["ORG"], parsed.main["ORG"], "ORG"
    else:
        subject_text = _words(subject_tokens)
        if subject_tokens[0].i == sentence.start and subject_tokens[0].tag_ in {
            "DT",
            "PRP$",
            "JJ",
            "NN",
            "NNS",
        }:
            subject_text = subject_text[0].lower() + subject_text[1:]
        ents = [
            e for e in sentence.ents if e.start >= subject_tokens[0].i and e.end <= subject_tokens[-1].i + 1
        ]
        parties = [e for e in ents if e.label_ in {"PERSON", "ORG"}]
        party, party_label = (_strip_det(parties[0]), parties[0].label_) if parties else ("", "")

    # How the verb is asked: the first auxiliary before the subject, else do-support, else "be".
    if auxes:
        moved, verb_text, rest_aux = auxes[0].text.lower(), verb.text, auxes[1:]
    elif verb.lemma_ == "be":
        moved, verb_text, rest_aux = verb.text.lower(), "", []
    elif verb.tag_ in {"VBD", "VBZ", "VBP"}:
        moved = {"VBD": "did", "VBZ": "does", "VBP": "do"}[verb.tag_]
        verb_text, rest_aux = verb.lemma_, []
    else:
        return []
    subject_ids = {t.i for t in subject_tokens}
    aux_ids = {a.i for a in auxes}
    middle = [t for t in clause if subject.i < t.i < verb.i and t.i not in subject_ids | aux_ids]
    middle += rest_aux
    middle = [t for t in middle if t.i not in aux_ids or t in rest_aux]
    after = [t for t in clause if t.i > verb.i]
    fronted_ids = {t.i for t in fronted}

    def tail(removed: set[int], stranded: str = "") -> str | None:
        kept_after = [t for t in after if t.i not in removed]
        kept_front = [t for t in fronted if t.i not in removed]
        kept = {t.i for t in kept_after + kept_front}
        if any(
            t.dep_ == "prep" and not any(c.i in kept for c in t.children) for t in kept_after + kept_front
        ):
            return None  # a preposition whose object was the answer's: "options on?"
        parts = [_words([t for t in middle if t.i not in removed]), verb_text, _words(kept_after)]
        if stranded:
            parts.append(stranded)
        front = _words(kept_front)
        if kept_front and kept_front[0].pos_ != "PROPN":
            front = front[:1].lower() + front[1:]
        parts.append(front)
        out = " ".join(p for p in parts if p)
        remaining = {w.lower().strip(",.") for w in out.split()}
        if remaining & _DANGLING or not out:
            return None
        return out

    questions: list[_Wh] = []

    def add(head: str, subj: str, body: str | None, ent: Span, kind: str, asks_subject: bool = False) -> None:
        if body is None or ent.text in body or ent.text in head or ent.text in subj:
            return
        whole = " ".join((head, subj, body)).split()
        if not 4 <= len(whole) <= _MAX_QUESTION_WORDS:
            return
        questions.append(
            _Wh(
                head=head,
                subject=subj,
                tail=body,
                answer=ent.text,
                spellings=tuple(_spellings(ent.text, ent.label_)),
                type=kind,
                sentence=text,
                party=_strip_det(ent) if asks_subject else party,
                party_label=ent.label_ if asks_subject else party_label,
                asks_subject=asks_subject,
                answer_label=ent.label_,
            )
        )

    if any(c.dep_ == "neg" for c in children):
        return []  # a question about what did not happen reads as a trap
    dates = [e for e in sentence.ents if e.label_ == "DATE"]
    for ent in sentence.ents:
        if re.search("[<>]", ent.text):
            continue
        ids = set(range(ent.start, ent.end))
        if not ids <= {t.i for t in clause} | subject_ids:
            continue
        root = ent.root
        # The subject itself: Who/What, the rest of the clause unchanged.
        if ids & subject_ids:
            if ent.label_ not in {"PERSON", "ORG"} or subject.pos_ == "PRON":
                continue
            if {t.i for t in subject_tokens if t.dep_ != "det"} != ids:
                continue
            first = auxes[0] if auxes else verb
            if first.tag_ == "VBP" or first.lower_ in {"are", "were", "have", "do"}:
                continue  # a plural verb would not agree with Who
            kept = [t for t in clause if t.i not in subject_ids and t.i not in fronted_ids]
            body = _words(kept)
            if {w.lower().strip(",.") for w in body.split()} & _DANGLING:
                continue
            if fronted:
                front = _words(fronted)
                body += " " + (front if fronted[0].pos_ == "PROPN" else front[:1].lower() + front[1:])
            add("", "who", body, ent, "factoid", asks_subject=True)
            continue
        if ent.label_ == "DATE":
            # A day, month or year, and the sentence's only date: "when" must have one answer.
            if not _WHEN.search(ent.text) or _SPAN_OF_TIME.search(ent.text) or len(dates) > 1:
                continue
            if root.dep_ in {"npadvmod", "tmod"} and root.head == verb:
                removed = {t.i for t in root.subtree}
            elif root.dep_ == "pobj" and root.head.dep_ == "prep" and root.head.head == verb:
                if root.head.lower_ not in _WHEN_PREPS:
                    continue
                removed = {t.i for t in root.head.subtree}
            else:
                continue
            if not ids <= removed or len(removed) > len(ids) + 2:
                continue
            add(f"when {moved}", subject_text, tail(removed), ent, "temporal")
        elif ent.label_ in {"GPE", "LOC"}:
            prep = root.head
            if (
                root.dep_ == "pobj"
                and prep.dep_ == "prep"
                and prep.head == verb
                and prep.lower_ in {"in", "at"}
            ):
                if {t.i for t in prep.subtree} != ids | {prep.i}:
                    continue
                add(f"where {moved}", subject_text, tail({t.i for t in prep.subtree}), ent, "factoid")
        elif ent.label_ in {"MONEY", "PERCENT", "CARDINAL", "QUANTITY"}:
            _figure_question(ent, verb, moved, subject_text, tail, add)
        elif ent.label_ in {"PERSON", "ORG"} and root.dep_ == "dobj" and root.head == verb:
            if {t.i for t in root.subtree if t.dep_ != "det"} != ids:
                continue
            word = "who" if ent.label_ == "PERSON" else "what"
            add(f"{word} {moved}", subject_text, tail({t.i for t in root.subtree}), ent, "factoid")
    return questions


def wh_questions(text: str, nlp: Language) -> list[tuple[str, str]]:
    """(question, answer) of every wh-question the drafts could ask of `text`, read as an article's
    lead (its pronouns resolved within it): what a reviewer or a test can check one sentence by."""
    article = Article(doc_id="text", source="text", text=text, content_hash="")
    parsed = _parse(nlp, article)
    return [(q.render(), q.answer) for sentence in parsed.doc.sents for q in _wh_questions(sentence, parsed)]


def _figure_question(
    ent: Span,
    verb: Token,
    moved: str,
    subject_text: str,
    tail: Callable[..., str | None],
    add: Callable[..., None],
) -> None:
    """How much / how many / by how much, when the figure is the object (or its count), the
    complement of "be", the change of a rise or fall, or the price after "for"."""
    ids = set(range(ent.start, ent.end))
    root = ent.root
    if root.dep_ in {"dobj", "attr", "npadvmod"} and root.head == verb:
        removed = {t.i for t in root.subtree}
        if not removed - ids <= {t.i for t in root.subtree if t.dep_ == "det"}:
            return  # the object is more than the figure; counted nouns are handled below
        if ent.label_ == "PERCENT":
            if verb.lemma_ not in _CHANGE_VERBS:
                return
            add(f"by how much {moved}", subject_text, tail(removed), ent, "numeric")
        elif ent.label_ == "MONEY":
            add(f"how much {moved}", subject_text, tail(removed), ent, "numeric")
        return
    head = root.head
    counted = head if root.dep_ in {"nummod", "compound", "quantmod"} else None
    if counted is not None and ent.label_ == "CARDINAL" and counted.tag_ == "NNS" and counted.head == verb:
        if counted.dep_ not in {"dobj", "attr"}:
            return
        phrase = [t for t in counted.subtree if t.i not in ids and t.dep_ not in {"det", "poss"}]
        if phrase and phrase[0].lower_ in _MAGNITUDES and phrase[0].i == ent.end:
            # "17.1 mln warrants": the magnitude belongs to the answer, not to what is counted.
            ent = Span(ent.doc, ent.start, ent.end + 1, label=ent.label_)
            ids.add(phrase.pop(0).i)
        if not phrase:
            return
        if len(phrase) > 5 or [t.i for t in phrase] != list(range(ent.end, ent.end + len(phrase))):
            return  # only "5 mln common shares": the counted words right after the figure
        if (
            {t.i for t in counted.subtree}
            - ids
            - {t.i for t in phrase}
            - {t.i for t in counted.subtree if t.dep_ == "det"}
        ):
            return
        add(
            f"how many {_words(phrase)} {moved}",
            subject_text,
            tail({t.i for t in counted.subtree}),
            ent,
            "numeric",
        )
        return
    if ent.label_ == "MONEY" and root.dep_ == "pobj" and head.dep_ == "prep" and head.lower_ == "for":
        if head.head != verb or {t.i for t in head.subtree} != ids | {head.i}:
            return
        body = tail({t.i for t in head.subtree}, stranded="")
        if body is None:
            return
        # Only when "for" closed the clause, so that the stranded preposition ends the question.
        if max(t.i for t in verb.subtree if t.dep_ != "punct") > max(ids):
            return
        add(f"how much {moved}", subject_text, body + " for", ent, "numeric")


# ------------------------------------------------------------------------------------------ the drafting


def _absent(party: str, texts: list[str]) -> bool:
    """Whether no sentence of `texts` names `party` together with a figure or a date. Sentences are
    cut at every full stop before a capital, so more often too short than too long ("Corp. Shares")."""
    for text in texts:
        if party not in text:
            continue
        for sentence in _ROUGH_SENTENCE_END.split(text):
            if party in sentence and _FIGURE_OR_DATE.search(sentence):
                return False
    return True


def _pronoun(party: str, label: str, parsed: _Parsed) -> str | None:
    """How a follow-up names the party: "it" for an organisation, he/she as the article does."""
    if label != "PERSON":
        return "it"
    words = Counter(w.lower() for w in re.findall(r"\b(?:he|she|He|She)\b", parsed.text))
    if not words:
        return None
    return words.most_common(1)[0][0]


def _same_party(a: str, b: str) -> bool:
    core = re.compile(r"\s+(?:Co|Corp|Inc|Ltd|Plc|Group|Cos|Corporation|Company)\.?$")
    a, b = core.sub("", a), core.sub("", b)
    return bool(a) and bool(b) and (a in b or b in a)


@dataclass
class _Drafter:
    nlp: Language
    corpus: Path
    articles: list[Article]
    by_day: dict[date, list[int]]
    texts: list[str]  # each article, white space flattened
    parsed: dict[int, _Parsed] = field(default_factory=dict)
    used: set[int] = field(default_factory=set)
    naming: dict[str, list[int]] = field(default_factory=dict)  # party -> the articles naming it

    def parse(self, index: int) -> _Parsed:
        if index not in self.parsed:
            self.parsed[index] = _parse(self.nlp, self.articles[index])
        return self.parsed[index]

    def questions(self, index: int) -> list[_Wh]:
        parsed = self.parse(index)
        return [q for sentence in parsed.doc.sents for q in _wh_questions(sentence, parsed)]

    def gold(self, index: int) -> str:
        return gold_name(self.articles[index].source, self.corpus)

    def wh(self, index: int, rng: random.Random) -> EvalQuestion | None:
        questions = self.questions(index)
        if not questions:
            return None
        # A kind of question first (who, when, how much...), then a question of it: subjects are the
        # most frequent and would otherwise crowd out the dates and figures.
        kinds = sorted({(q.type, q.asks_subject) for q in questions})
        kind = kinds[rng.randrange(len(kinds))]
        q = next(q for q in questions if (q.type, q.asks_subject) == kind)
        return EvalQuestion(
            id="",
            question=q.render(),
            answerable=True,
            answer=q.answer,
            must_include=[list(q.spellings)],
            gold_docs=[self.gold(index)],
            type=q.type,
            evidence=[q.sentence],
            draft=True,
            kind="wh",
        )

    def follow_up(self, index: int) -> EvalQuestion | None:
        questions = self.questions(index)
        for second in questions:
            if second.asks_subject or not second.party:
                continue
            pronoun = _pronoun(second.party, second.party_label, self.parse(index))
            if pronoun is None:
                continue
            for first in questions:
                # The first question names the party (as its subject, its answer or in its words),
                # so that the follow-up's pronoun has something to point back to.
                names = _same_party(first.party, second.party) or second.party in first.render()
                if first is second or first.answer == second.answer or not names:
                    continue
                if second.answer in first.render():
                    continue
                return EvalQuestion(
                    id="",
                    question=second.render(pronoun),
                    answerable=True,
                    answer=second.answer,
                    must_include=[list(second.spellings)],
                    gold_docs=[self.gold(index)],
                    type="follow-up",
                    history=[(first.render(), first.sentence)],
                    evidence=[second.sentence],
                    draft=True,
                    kind="follow-up",
                )
        return None

    def partners(self, index: int) -> Iterator[int]:
        """Other articles of the same story: within a few days, naming two parties of this one, or
        one and sharing a topic (where the archive tags topics, as Reuters does)."""
        parsed = self.parse(index)
        day = parsed.published
        if day is None or not parsed.parties:
            return
        topics = set(parsed.article.metadata.topics)
        for offset in sorted(range(-_STORY_DAYS, _STORY_DAYS + 1), key=abs):
            for other in self.by_day.get(day + timedelta(days=offset), []):
                if other == index or other in self.used:
                    continue
                text = self.texts[other]
                shared = sum(name in text for name in parsed.parties)
                shares_topic = bool(topics & set(self.articles[other].metadata.topics))
                if (shared >= 2 or (shared and shares_topic)) and text != parsed.text:
                    yield other

    def absent(self, party: str, topic: str, parsed: _Parsed) -> bool:
        """Whether `party` is never stated with a figure or date in the article, nor in any article
        of the corpus that names it together with `topic` (where this story's fact could be)."""
        if not _absent(party, [parsed.text]):
            return False
        if party not in self.naming:
            self.naming[party] = [i for i, text in enumerate(self.texts) if party in text]
        story = [self.texts[i] for i in self.naming[party] if topic in self.texts[i]]
        return _absent(party, story)

    def two_part(self, index: int) -> EvalQuestion | None:
        first_questions = [q for q in self.questions(index) if q.party]
        if not first_questions:
            return None
        for other in itertools.islice(self.partners(index), 3):
            other_parsed = self.parse(other)
            for second in self.questions(other):
                if second.asks_subject or not second.party:
                    continue
                pronoun = _pronoun(second.party, second.party_label, other_parsed)
                for first in first_questions:
                    # The second part names its party by a pronoun when it is the first's, else
                    # by name: another party of the same story (named in both articles).
                    if _same_party(first.party, second.party) and pronoun is not None:
                        second_part = second.render(pronoun)
                    elif second.party in self.parse(index).text:
                        second_part = second.render()
                    else:
                        continue
                    # Each part must need its own article: neither answer is in the other article.
                    if second.answer in self.parse(index).text or first.answer in other_parsed.text:
                        continue
                    if len(first.render().split()) + len(second_part.split()) > _MAX_QUESTION_WORDS + 12:
                        continue
                    question = first.render()[:-1] + ", and " + second_part[0].lower() + second_part[1:]
                    self.used.add(other)
                    return EvalQuestion(
                        id="",
                        question=question,
                        answerable=True,
                        answer=f"{first.answer}; {second.answer}",
                        must_include=[list(first.spellings), list(second.spellings)],
                        gold_docs=[self.gold(index), self.gold(other)],
                        type="two-part",
                        evidence=[first.sentence, second.sentence],
                        draft=True,
                        kind="two-part",
                    )
        return None

    def near_miss(self, index: int) -> EvalQuestion | None:
        parsed = self.parse(index)
        for q in self.questions(index):
            if q.asks_subject or not q.party or q.type not in {"numeric", "temporal"}:
                continue
            if q.subject.removeprefix("the ") != q.party:
                continue  # the subject is more than the party ("sale of the Newport News system")
            for other, label in parsed.parties.items():
                if label != q.party_label or _same_party(other, q.party) or other in q.tail:
                    continue
                if not re.fullmatch(r"[A-Z][\w.&-]*(?: [A-Z][\w.&-]*)*", other):
                    continue
                # "United Food and Commercial Workers": one name the entity recogniser cut in two.
                if re.search(
                    re.escape(other) + r"\s+(?:and|&)\s+\w|\w\s+(?:and|&)\s+" + re.escape(other), parsed.text
                ):
                    continue
                if not self.absent(other, q.party, parsed):
                    continue
                return EvalQuestion(
                    id="",
                    question=q.render(other),
                    answerable=False,
                    answer=f"The article gives this for {q.party}, not for {other}.",
                    gold_docs=[self.gold(index)],
                    type="unanswerable-near-miss",
                    evidence=[q.sentence],
                    draft=True,
                    kind="near-miss",
                )
        return None


def _quotas(n: int) -> dict[str, int]:
    """Drafts of each kind: an even share, the remainder to wh-questions (the first kinds when n < 4)."""
    share, rest = divmod(n, len(KINDS))
    quotas = {kind: share for kind in KINDS}
    if share == 0:
        for kind in KINDS[:rest]:
            quotas[kind] = 1
    else:
        quotas["wh"] += rest
    return quotas


def _worth_parsing(article: Article) -> bool:
    """Prose, not a table of figures: tables parse into nothing a question can be asked of."""
    text = article.text
    if not 200 <= len(text) <= 8000:
        return False
    digits = sum(c.isdigit() for c in text[:1500])
    return digits / min(len(text), 1500) < 0.08


def draft_questions(
    corpus: Path, n: int, nlp: Language, seed: int = 0, fields: FieldMapping | None = None
) -> list[EvalQuestion]:
    """Up to `n` draft questions of the four kinds (see the module), from articles of `corpus` drawn
    at random (seeded); `nlp` is spaCy's whole English pipeline (index.language.load_analyzer)."""
    articles = sorted(_articles(corpus, fields), key=lambda a: a.source)
    by_day: dict[date, list[int]] = defaultdict(list)
    for index, article in enumerate(articles):
        if article.metadata.published is not None:
            by_day[article.metadata.published].append(index)
    order = list(range(len(articles)))
    rng = random.Random(seed)
    rng.shuffle(order)
    drafter = _Drafter(nlp, corpus, articles, by_day, [_flat(a.text) for a in articles])
    quotas = _quotas(n)
    drafts: dict[str, list[EvalQuestion]] = {kind: [] for kind in KINDS}
    makers = {
        "near-miss": drafter.near_miss,
        "two-part": drafter.two_part,
        "follow-up": drafter.follow_up,
        "wh": lambda index: drafter.wh(index, rng),
    }
    attempts: Counter[str] = Counter()
    for index in order:
        if all(len(drafts[k]) >= quotas[k] or attempts[k] >= _ATTEMPTS * quotas[k] for k in KINDS):
            break
        if index in drafter.used or not _worth_parsing(articles[index]):
            continue
        # The scarcest kinds first: each article gives one draft, of the first kind it can.
        for kind in ("near-miss", "two-part", "follow-up", "wh"):
            if len(drafts[kind]) >= quotas[kind] or attempts[kind] >= _ATTEMPTS * quotas[kind]:
                continue
            attempts[kind] += 1
            draft = makers[kind](index)
            if draft is not None:
                drafts[kind].append(draft)
                drafter.used.add(index)
                break
        drafter.parsed.pop(index, None)
    # Too few articles for a rare kind: the rest of the n are wh-questions.
    short = n - sum(len(d) for d in drafts.values())
    if short > 0:
        for index in order:
            if short <= 0:
                break
            if index in drafter.used or not _worth_parsing(articles[index]):
                continue
            draft = drafter.wh(index, rng)
            if draft is not None:
                drafts["wh"].append(draft)
                drafter.used.add(index)
                short -= 1
    ordered = [d for kind in KINDS for d in drafts[kind]]
    return [d.model_copy(update={"id": f"draft-{number:03d}"}) for number, d in enumerate(ordered, start=1)]
