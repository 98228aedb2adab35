"""Date accuracy of "when" answers: the date an answer gives, read from its text, against a question's
`expected_date`.

The expected date is ISO 8601 at the precision the gold article allows: `YYYY-MM-DD`, `YYYY-MM`, `YYYY`, or,
for an undated article (the BBC set has no publication dates, so "11 December" has no knowable year), the
ISO 8601 yearless forms `--MM-DD` and `--MM`.

The answer's date is the first date it gives: the direct answer first, then its sentences in order. Each
sentence is read with the publication date of the article its first marker cites, so that
- an absolute date (`19 September 2016`, `2016-09`, `26-FEB-1987`) is read by `index.dates`;
- a day or month without a year (`11 December`, `September 8`, `in March`) takes the year that puts it
  nearest the publication date (a paper in January writes "11 December" for the December just gone), and
  stays yearless when the article is undated;
- a relative day (`on Thursday`, `yesterday`, `last week`) is counted from the publication date by
  `rag.relative_days`, the same rules the answer's own date notes follow; undated, it gives no date.
The pipeline's notes ("(Monday = 19 September 2016, … the article's date, …)") are not read: they are in the
answer text only, and they name the publication date too. Dates are turned into days by dateparser through
`index.dates.read_period`, which also rejects days the calendar does not have.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date

from newsdesk.index.dates import DATE_PATTERN, PRINTED_MONTH, Period, Precision, read_period
from newsdesk.rag.models import Answer, Citation
from newsdesk.rag.relative_days import dated_phrases

EXPECTED_DATE = re.compile(r"(?P<year>\d{4}|-)-(?P<month>\d{2})(?:-(?P<day>\d{2}))?|(?P<only_year>\d{4})")
"""YYYY, YYYY-MM, YYYY-MM-DD, --MM or --MM-DD."""

_MONTHS = "|".join(name for name in calendar.month_name if name)
_SAFE_MONTHS = "|".join(name for name in calendar.month_name if name and name not in ("March", "May"))
_YEARLESS = re.compile(
    rf"\b(?P<dm>\d{{1,2}}\s+{PRINTED_MONTH})\b(?!,?\s+\d{{4}})"
    rf"|\b(?P<md>{PRINTED_MONTH}\s+\d{{1,2}})(?:st|nd|rd|th)?\b(?!,?\s+\d{{4}})"
    # A month alone, capitalised as a month is written ("the September meeting"); "March" and "May" are
    # words too ("a March on Downing Street", "may"), so those only after a word that makes them a time.
    rf"|\b(?:(?P<mod>[Ii]n|[Ss]ince|[Bb]y|[Uu]ntil|[Ff]rom|[Ee]arly|[Ll]ate|mid-|[Ll]ast|[Nn]ext|[Tt]his|[Oo]f)"
    rf"\s*)?(?P<m>(?(mod)(?:{_MONTHS})|(?:{_SAFE_MONTHS})))\b(?!\s+\d)"
)
_ABSOLUTE = re.compile(DATE_PATTERN, re.IGNORECASE)
_MARKER = re.compile(r"\[(\d+)\]")
_COUNTED = re.compile(r"\s+(?:years?|people|men|women|jobs|troops|miles|km|metres|tonnes|members)\b", re.I)
_LEAP_YEAR = 2000  # stands in for an unknown year, so that "29 February" is still a calendar day


@dataclass(frozen=True)
class GivenDate:
    """A date read from an answer: the days it covers; `year_known` False for a yearless date of an undated
    article (the year of `period` is then a stand-in)."""

    period: Period
    year_known: bool = True
    text: str = ""

    def iso(self) -> str:
        """ISO form at its precision: 2016-09-19, 2016-09, 2016, --09-19, --09; a range as first/last."""
        first, last = self.period.first, self.period.last
        if self.period.precision is Precision.DAY and first != last:
            return f"{first.isoformat()}/{last.isoformat()}"
        text = {
            Precision.DAY: first.isoformat(),
            Precision.MONTH: first.isoformat()[:7],
            Precision.YEAR: first.isoformat()[:4],
        }[self.period.precision]
        return text if self.year_known else "-" + text[4:]


def parse_expected_date(value: str) -> GivenDate:
    """The period an `expected_date` names; ValueError when it is no such form or no calendar day."""
    match = EXPECTED_DATE.fullmatch(value.strip())
    if match is None:
        raise ValueError("expected YYYY, YYYY-MM, YYYY-MM-DD, --MM or --MM-DD")
    if match["only_year"]:
        return GivenDate(read_period(match["only_year"]))  # type: ignore[arg-type]
    year_known = match["year"] != "-"
    year = match["year"] if year_known else str(_LEAP_YEAR)
    written = f"{year}-{match['month']}" + (f"-{match['day']}" if match["day"] else "")
    period = read_period(written)
    if period is None:
        raise ValueError(f"{value}: no such date in the calendar")
    return GivenDate(period, year_known)


def _nearest_year(period: Period, published: date) -> Period:
    """The yearless `period` (read in the publication year) moved to the year nearest the publication date."""
    best = period
    for shift in (-1, 1):
        moved = read_period(_written(period, period.first.year + shift))
        if moved is not None and abs((moved.first - published).days) < abs((best.first - published).days):
            best = moved
    return best


def _written(period: Period, year: int) -> str:
    first = period.first
    return f"{year}-{first.month:02d}" + (f"-{first.day:02d}" if period.precision is Precision.DAY else "")


def _yearless(match: re.Match[str], published: date | None) -> GivenDate | None:
    written = match["dm"] or match["md"] or match["m"]
    period = read_period(f"{' '.join(written.split())} {published.year if published else _LEAP_YEAR}")
    if period is None:
        return None
    if published is None:
        return GivenDate(period, year_known=False, text=written)
    modifier = (match["mod"] or "").lower()
    if modifier in ("last", "next"):
        # "last September" in a September paper is a year back; "next March" in March a year on.
        month = period.first.month
        if modifier == "last":
            year = published.year if month < published.month else published.year - 1
        else:
            year = published.year if month > published.month else published.year + 1
        return GivenDate(read_period(_written(period, year)) or period, text=written)
    return GivenDate(_nearest_year(period, published), text=written)


def _a_year(match: re.Match[str], text: str) -> bool:
    """Whether a bare four-digit number is a year of the news: 1800-2099, not a count ("6000 years ago",
    "2000 people")."""
    return 1800 <= int(match.group(0)) <= 2099 and not _COUNTED.match(text, match.end())


def dates_in(text: str, citation: Citation | None) -> list[GivenDate]:
    """Every date `text` gives, in order, read against `citation`'s article (its publication date)."""
    published = citation.published if citation else None
    found: list[tuple[int, GivenDate]] = []
    taken: list[tuple[int, int]] = []
    for match in _ABSOLUTE.finditer(text):
        period = read_period(match.group(0))
        if period is not None and period.precision is Precision.YEAR and not _a_year(match, text):
            continue
        if period is not None:
            found.append((match.start(), GivenDate(period, text=match.group(0))))
            taken.append(match.span())
    for match in _YEARLESS.finditer(text):
        if any(start < match.end() and match.start() < end for start, end in taken):
            continue
        given = _yearless(match, published)
        if given is not None:
            found.append((match.start(), given))
    if citation is not None:
        for phrase in dated_phrases(citation.model_copy(update={"quote": text})):
            if phrase.date_from is None or phrase.date_to is None:
                continue  # an undated article: the relative day names no date
            position = text.find(phrase.phrase)
            kind = Precision.DAY
            found.append(
                (position, GivenDate(Period(phrase.date_from, phrase.date_to, kind), text=phrase.phrase))
            )
    return [given for _, given in sorted(found, key=lambda item: item[0])]


def answer_dates(answer: Answer) -> list[list[GivenDate]]:
    """The dates the answer gives, part by part (its direct answer, then each sentence), leaving out the
    parts that give none; nothing when abstained."""
    if answer.abstained:
        return []
    cited = {c.marker: c for c in answer.citations}
    parts: list[tuple[str, list[int]]] = []
    if answer.direct_answer:
        markers = [int(m) for m in _MARKER.findall(answer.direct_answer)]
        parts.append((_MARKER.sub("", answer.direct_answer), markers))
    parts += [(s.text, s.markers) for s in answer.sentences]
    found = []
    for text, markers in parts:
        citation = next((cited[m] for m in markers if m in cited), None)
        dates = dates_in(text, citation)
        if dates:
            found.append(dates)
    return found


def answer_date(answer: Answer, expected: GivenDate) -> tuple[GivenDate | None, bool]:
    """The date the answer gives, its first (the direct answer's first, else the first sentence's), and
    whether it is the expected one. Strict on purpose: a direct answer listing several dates ("this week,
    1972, last month and 1992") gives no one date, and is right only when the expected one comes first; so is
    a two-part answer that names another date before the asked one (a known cost of the rule)."""
    parts = answer_dates(answer)
    if not parts:
        return None, False
    given = parts[0][0]
    return given, date_matches(given, expected)


def date_matches(given: GivenDate, expected: GivenDate) -> bool:
    """Whether the answer's date is the expected one at the expected precision: all its days lie within the
    expected period (2016-09-19 matches "2016-09" and "2016"; "2016" does not match "2016-09"); a yearless
    expected date compares month and day alone, and a yearless answer matches no date with a year."""
    if expected.year_known:
        return given.year_known and expected.period.first <= given.period.first <= given.period.last <= (
            expected.period.last
        )
    first, last = expected.period.first, expected.period.last
    start, end = given.period.first, given.period.last
    if (start.month, start.day) < (first.month, first.day) or (end.month, end.day) > (last.month, last.day):
        return False
    return start.year == end.year  # one stretch within the month or day, not one that wraps a new year
