"""Draft evaluation questions from articles, for a person to review: the start of a set for a new archive.

Each draft comes from one informative sentence of one article (one that states a figure or a date
and names someone or something): one fact in it (a date, else a figure, else a name) becomes the
answer, the sentence with that fact replaced by a question word becomes the question, and the
fact's spellings become its must_include group. The questions read like cloze items and some need
rewording; that is the reviewer's job, which is why these are drafts. Seeded, so a corpus always
gives the same drafts.

Articles are read and cleaned by the ingest pipeline's own steps (index.read, prepare_article), so
the sentences are those the store holds and citations will quote.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path

from newsdesk.eval.dataset import EvalQuestion
from newsdesk.index.dates import printed_days
from newsdesk.index.ingest import prepare_article
from newsdesk.index.models import Article
from newsdesk.index.read import UnreadableSource, read_documents
from newsdesk.index.sentences import split_sentences

from newsdesk.settings import FieldMapping

_YEAR = re.compile(r"\b(19\d\d|20\d\d)\b")
# BBC copy spells currencies out ("dollars 2.86"); other archives use the sign.
_FIGURE = re.compile(
    r"(?:(?:dollars|pounds|euros) |[$£€])?\d(?:[\d,]*\d)?(?:\.\d+)?"
    r"(?:\s?(?:%|bn|m|billion|million|trillion|per cent|percent))?(?![\w-])"
)
_CURRENCY = {"dollars ": "$", "pounds ": "£", "euros ": "€"}
_NAME = re.compile(r"(?<![.!?]\s)(?<!^)\b[A-Z][a-z]+(?:[ -][A-Z][a-z]+)+\b")
_PRONOUN_START = re.compile(r"^[\"'“‘]?(He|She|It|They|This|That|These|Those|But|And|We|I)\b")
_MIN_WORDS, _MAX_WORDS = 8, 40


def _date_spellings(text: str, day: date) -> list[str]:
    """The date as written plus its other common spellings."""
    forms = [text, f"{day.day} {day:%B %Y}", f"{day:%B} {day.day}, {day.year}", day.isoformat()]
    return list(dict.fromkeys(forms))


def _figure_spellings(text: str) -> list[str]:
    """The figure as written, without its currency sign, and with bn/m spelt out."""
    forms, bare = [text], text.lstrip("$£€")
    for word, sign in _CURRENCY.items():
        if text.startswith(word):
            bare = text.removeprefix(word)
            forms.append(sign + bare)
    forms.append(bare)
    for short, long in (("bn", " billion"), ("m", " million")):
        if bare.endswith(short) and bare[: -len(short)].replace(",", "").replace(".", "").isdigit():
            forms.append(bare[: -len(short)] + long)
    return list(dict.fromkeys(forms))


def _fact(sentence: str) -> tuple[str, str, list[str], str] | None:
    """(span, question word, spellings, type) of the fact a draft asks about, or None."""
    if printed := next(printed_days(sentence), None):  # the first calendar day the sentence prints
        match, day = printed
        return match.group(0), "what date", _date_spellings(match.group(0), day), "temporal"
    figures = [m for m in _FIGURE.finditer(sentence) if not _YEAR.fullmatch(m.group(0))]
    if figures:
        figure = figures[0].group(0)
        word = (
            "by what share"
            if "%" in figure or "cent" in figure
            else "how much"
            if figure[0] in "$£€"
            or figure.startswith(tuple(_CURRENCY))
            or figure.endswith(("bn", "m", "illion"))
            else "how many"
        )
        return figure, word, _figure_spellings(figure), "numeric"
    if match := _YEAR.search(sentence):
        return match.group(0), "what year", [match.group(0)], "temporal"
    return None


def _informative(sentence: str) -> bool:
    words = len(sentence.split())
    return (
        _MIN_WORDS <= words <= _MAX_WORDS
        and not _PRONOUN_START.match(sentence)
        and '"' not in sentence
        and bool(_NAME.search(sentence))
        and _fact(sentence) is not None
    )


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


def draft_questions(
    corpus: Path, n: int, seed: int = 0, fields: FieldMapping | None = None
) -> list[EvalQuestion]:
    """Up to `n` draft questions, each from a different article of `corpus`, chosen at random (seeded)."""
    articles = sorted(_articles(corpus, fields), key=lambda a: a.source)
    random.Random(seed).shuffle(articles)
    drafts: list[EvalQuestion] = []
    for article in articles:
        if len(drafts) >= n:
            break
        sentences = [article.text[s:e] for s, e in split_sentences(article.text)]
        informative = [" ".join(s.split()) for s in sentences if _informative(" ".join(s.split()))]
        if not informative:
            continue
        # The sentence that states the most names, figures and dates: the richest fact to ask about.
        sentence = max(informative, key=lambda s: len(_NAME.findall(s)) + len(_FIGURE.findall(s)))
        span, word, spellings, kind = _fact(sentence) or ("", "", [], "factoid")
        question = sentence.replace(span, word, 1).rstrip(".!;: ") + "?"
        drafts.append(
            EvalQuestion(
                id=f"draft-{len(drafts) + 1:03d}",
                question=question[0].upper() + question[1:],
                answerable=True,
                answer=sentence,
                must_include=[spellings],
                gold_docs=[gold_name(article.source, corpus)],
                type=kind,
            )
        )
    return drafts
