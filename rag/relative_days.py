"""For "when" questions: relative days in cited sentences ("on Thursday", "yesterday", "last week")
turned into calendar dates, counted from the article's publication date, and shown as such.

Rules (news usage; a wrong date is worse than none, so anything else is left alone):
* A weekday means the latest such day on or before the publication date ("on Monday" in Monday's
  paper is that day) — unless the sentence speaks of the future ("will", "is due to", "is expected
  to", "next Monday"): then the first such day after it. "last Monday" is the one before the date.
* "yesterday", "today"/"tonight", "tomorrow": one day before, the day, one day after.
* "last week", "this week", "next week": the Monday-to-Sunday week before, of, or after the date.
* A weekday directly followed by a date ("Monday, 19 September") is already absolute: skipped.
* An undated article: the answer says that the day cannot be dated; it never guesses.
The quote stays verbatim; the note is added to the answer text after the sentence's markers.
"""

from __future__ import annotations

import calendar
import re
from datetime import date, timedelta

from newsdesk.index.dates import PRINTED_MONTH
from newsdesk.rag.models import Answer, AnswerSentence, Citation, DatedPhrase

_WEEKDAYS = {name.lower(): number for number, name in enumerate(calendar.day_name)}
_PHRASE = re.compile(
    rf"\b(?:(?P<mod>last|next|this|on|since|by|until)\s+)?(?P<weekday>{'|'.join(calendar.day_name)})\b"
    rf"(?!\s*,?\s*(?:\d{{1,2}}\b|(?:{PRINTED_MONTH})\b))"
    r"|\b(?P<day>yesterday|today|tonight|tomorrow)\b"
    r"|\b(?P<week>last|this|next) week\b",
    re.IGNORECASE,
)
_FUTURE = re.compile(
    r"\b(will|shall|is due|are due|is expected|are expected|is scheduled|are scheduled|is set to|are set to"
    r"|plans? to|planned for)\b",
    re.IGNORECASE,
)


def _day(value: date) -> str:
    return f"{value.day} {value:%B %Y}"


def _resolve(match: re.Match[str], sentence: str, published: date) -> tuple[date, date, str]:
    """(first day, last day, how it was counted) of one phrase."""
    if match["weekday"]:
        wanted = _WEEKDAYS[match["weekday"].lower()]
        modifier = (match["mod"] or "").lower()
        if modifier == "next" or (modifier != "last" and _FUTURE.search(sentence)):
            ahead = (wanted - published.weekday()) % 7 or 7
            day = published + timedelta(days=ahead)
            return day, day, "counted forward from"
        back = (published.weekday() - wanted) % 7
        if modifier == "last" and back == 0:
            back = 7
        day = published - timedelta(days=back)
        return day, day, "the same day as" if back == 0 else "counted back from"
    if match["day"]:
        offset = {"yesterday": -1, "today": 0, "tonight": 0, "tomorrow": 1}[match["day"].lower()]
        day = published + timedelta(days=offset)
        return day, day, "counted from"
    monday = published - timedelta(days=published.weekday())
    shift, how = {"last": (-7, "the week before"), "this": (0, "the week of"), "next": (7, "the week after")}[
        match["week"].lower()
    ]
    first = monday + timedelta(days=shift)
    return first, first + timedelta(days=6), how


def _label(match: re.Match[str]) -> str:
    """The relative words themselves: "Thursday", "last week" (not the "on" before a weekday)."""
    if match["weekday"] and (match["mod"] or "").lower() in ("last", "next", "this"):
        return f"{match['mod']} {match['weekday']}"
    return match["weekday"] or match["day"] or match.group(0)


def dated_phrases(citation: Citation) -> list[DatedPhrase]:
    """Every relative day in the citation's quote, resolved against its article's date."""
    phrases: list[DatedPhrase] = []
    for match in _PHRASE.finditer(citation.quote):
        label = _label(match)
        if citation.published is None:
            phrases.append(
                DatedPhrase(
                    phrase=match.group(0),
                    marker=citation.marker,
                    note=f"(the article is undated, so “{label}” cannot be dated)",
                )
            )
            continue
        first, last, how = _resolve(match, citation.quote, citation.published)
        span = _day(first) if first == last else f"{_day(first)} to {_day(last)}"
        phrases.append(
            DatedPhrase(
                phrase=match.group(0),
                marker=citation.marker,
                published=citation.published,
                date_from=first,
                date_to=last,
                note=f"({label} = {span}, {how} the article's date, {_day(citation.published)})",
            )
        )
    return phrases


def resolve_relative_days(answer: Answer) -> Answer:
    """The answer with each sentence's relative days resolved and noted after its markers."""
    if answer.abstained or not answer.citations:
        return answer
    by_marker = {citation.marker: citation for citation in answer.citations}
    text = answer.answer
    sentences: list[AnswerSentence] = []
    for sentence in answer.sentences:
        found: dict[str, DatedPhrase] = {}
        for marker in sentence.markers if sentence.supported else []:
            if marker in by_marker:
                for phrase in dated_phrases(by_marker[marker]):
                    found.setdefault(phrase.note, phrase)
        if found:
            cited = sentence.text + "".join(f" [{m}]" for m in sentence.markers)
            notes = " ".join(found)
            # Engines that format differently keep their text; the dates are still in `dates`.
            if cited in text:
                text = text.replace(cited, f"{cited} {notes}", 1)
        sentences.append(sentence.model_copy(update={"dates": list(found.values())}))
    return answer.model_copy(update={"answer": text, "sentences": sentences})
