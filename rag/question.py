"""What a question asks about: its content terms and the names and numbers it is anchored on."""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache

from nltk.stem import PorterStemmer

# Function words plus the words every question carries (who, say, tell...). Written out here
# because nltk's stopword list is a separate download and bm25s' English list is too short.
STOPWORDS = frozenset(
    """
    a about above after again against all also am an and any are as at be because been before being
    below between both but by can could did do does doing down during each few for from further had has
    have having he her here hers herself him himself his how i if in into is it its itself just me more
    most my myself no nor not now of off on once only or other our ours ourselves out over own same she
    should so some such than that the their theirs them themselves then there these they this those
    through to too under until up very was we were what when where which while who whom whose why will
    with would you your yours yourself yourselves tell say said says told give gave show shown find
    happen happened according did does anyone someone something thing things many much get got make made
    take took know known
    """.split()
)
_QUESTION_OPENERS = frozenset({"who", "what", "when", "where", "why", "how", "which", "whom", "whose"})
# Where one question ends and the next begins. Only ? and !: a full stop also ends "U.S." or "Gen.",
# after which a capitalised word is a name.
_QUESTION_END = re.compile(r"[?!]+(?=\s|$)")
# A figure ends on a digit: "12." closing a sentence is 12, as "1,200," is 1,200.
_TOKEN = re.compile(r"[A-Za-z][A-Za-z'’-]*|\d(?:[\d,.]*\d)?")
_TEMPORAL = re.compile(
    r"\b(Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|today|yesterday|tomorrow|"
    r"(this|last|next) (week|month|year)|January|February|March|April|May|June|July|August|September|"
    r"October|November|December|\d{4}|(\d+|two|three|several)-day)\b"
)


# Porter stemming leaves irregular past tenses alone ("met" vs "meet"); news questions and
# reports switch tense constantly, so the common ones are mapped to their base form first.
# (WordNet's lemmatizer would do this but is a separate data download.)
_IRREGULAR = {
    "met": "meet", "began": "begin", "begun": "begin", "held": "hold", "took": "take", "taken": "take",
    "won": "win", "fought": "fight", "spoke": "speak", "spoken": "speak", "went": "go", "gone": "go",
    "came": "come", "left": "leave", "led": "lead", "sent": "send", "struck": "strike", "rose": "rise",
    "risen": "rise", "fell": "fall", "fallen": "fall", "paid": "pay", "sold": "sell", "bought": "buy",
    "brought": "bring", "thought": "think", "kept": "keep", "ran": "run", "wrote": "write",
    "written": "write", "broke": "break", "broken": "break", "spent": "spend", "built": "build",
    "shot": "shoot", "chose": "choose", "chosen": "choose", "drove": "drive", "driven": "drive",
    "fled": "flee", "grew": "grow", "grown": "grow", "knew": "know", "lost": "lose", "meant": "mean",
    "saw": "see", "seen": "see", "sought": "seek", "stood": "stand", "stole": "steal", "swore": "swear",
    "sworn": "swear", "threw": "throw", "thrown": "throw", "understood": "understand", "woke": "wake",
    "withdrew": "withdraw", "withdrawn": "withdraw", "forbade": "forbid", "overtook": "overtake",
}  # fmt: skip


@lru_cache(maxsize=1)
def _stemmer() -> PorterStemmer:
    return PorterStemmer()


# Cached: the same few thousand words are stemmed again for every passage sentence of every question (an
# evaluation of 300 BBC questions stemmed ~2.3 million words in NLTK's pure-Python Porter stemmer); a word's
# stem never changes, so each is computed once per process.
@lru_cache(maxsize=1 << 16)
def stem(word: str) -> str:
    word = word.lower().strip("'’-").removesuffix("'s").removesuffix("’s")
    return _stemmer().stem(_IRREGULAR.get(word, word))


def content_words(text: str) -> dict[str, str]:
    """Words that carry meaning (stopwords dropped), keyed by stem."""
    return {stem(token): token for token in _TOKEN.findall(text) if token.lower() not in STOPWORDS}


def content_terms(text: str) -> set[str]:
    """Stems of the words that carry meaning. A hyphenated name counts by its parts too: the
    question says "Assad", the article "al-Assad"."""
    terms = set(content_words(text))
    for word in [word for word in terms if "-" in word]:
        terms.update(content_terms(word.replace("-", " ")))
    return terms


def _anchor_tokens(question: str) -> Iterator[tuple[str, str]]:
    """Each anchor word of the question (anchor_terms) with the word after it ("" at the end of a part)."""
    for part in _QUESTION_END.split(question):
        tokens = _TOKEN.findall(part)
        for position, token in enumerate(tokens):
            lowered = token.lower()
            if lowered in STOPWORDS or lowered in _QUESTION_OPENERS:
                continue
            if token[0].isdigit() or (token[0].isupper() and position > 0):
                yield token, tokens[position + 1] if position + 1 < len(tokens) else ""


def anchor_terms(question: str) -> dict[str, str]:
    """Names and numbers the question is about: capitalised words not opening a question, and
    figures. An archive that never mentions one of them cannot answer the question.
    Maps each anchor's stem to the word as the question wrote it.

    A follow-up searched together with the question it leans on ("Which minister went to Tehran? Did
    they agree?") holds two questions: each one's first word is an opener, not a name."""
    return {stem(token): token for token, _ in _anchor_tokens(question)}


# Cardinal number words, so that a claim's "three elections" is checked against the quote's "four elections"
# as "3" against "4" would be. spaCy's `like_num` recognises such words but gives no value; "one" is left out
# because it is as often a pronoun ("one of the players") as a figure, and "hundred"/"thousand" because
# "two hundred" is the quote's "200".
_NUMBER_WORDS = {
    word: str(value)
    for value, word in enumerate(
        "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
        "sixteen seventeen eighteen nineteen twenty".split()
    )
    if word != "one"
} | {"thirty": "30", "forty": "40", "fifty": "50", "sixty": "60", "seventy": "70", "eighty": "80",
     "ninety": "90", "dozen": "12"}  # fmt: skip


def figures(text: str) -> set[str]:
    """The numbers `text` states, digits or words, as plain digit strings: "1,100" and "1100" are one figure,
    "three" is "3". A claim stating a figure its quote does not state is not supported by it."""
    found: set[str] = set()
    for token in _TOKEN.findall(text):
        if token[0].isdigit():
            found.add(token.replace(",", ""))
        elif (value := _NUMBER_WORDS.get(token.lower())) is not None:
            found.add(value)
    return found


def name_heads(question: str) -> set[str]:
    """The stems of the anchors that end a name: "Parry" of "Rick Parry", "Exchange" of "Frankfurt Stock
    Exchange". News names a person by surname after the first mention ("Parry joined Liverpool in 1998"),
    so a sentence's article that names the head names the person."""
    return {
        stem(token)
        for token, following in _anchor_tokens(question)
        if token[0].isdigit() or not following[:1].isupper()
    }


def states(term: str, terms: set[str]) -> bool:
    """`term` (a stem) or a stem of the same name is among `terms`: "iran" is stated by "iranian", as
    "russia" by "russian" — a shared beginning of at least four letters, most of both words."""
    if term in terms:
        return True
    if not term.isalpha():
        return False
    head = term[: max(4, len(term) - 3)]
    return any(
        len(other) >= 4 and other.startswith(head) and term.startswith(other[: max(4, len(other) - 3)])
        for other in terms
    )


def asks_when(question: str) -> bool:
    return bool(re.search(r"\b(when|what (day|date|time|year|month))\b", question, re.IGNORECASE))


def mentions_time(sentence: str) -> bool:
    return bool(_TEMPORAL.search(sentence))
