"""Dates as the product reads them, in one place: flags (`--since 2016`), the UI's date boxes, `--questions`
filters, dates stated in a question ("since March 1987") and publication dates written in an article.

The accepted forms: `2016`, `2016-09`, `2016-09-19` (month and day may have one digit), `September 2016`,
`Sept. 2016`, `19 September 2016`, `September 19, 2016`, and Reuters' `26-FEB-1987` (optionally with its time,
`26-FEB-1987 15:01:01.79`); month names full or abbreviated, any case. Each reads as a `Period`: its first and
last day and its precision (a year, a month or a day).

`dateparser` reads the dates. Which forms are accepted stays a hand-written grammar because dateparser
alone reads too much and some of it wrongly: "2016-13" as the 13th of this month in 2016, "Sept 19" as
September 2019, "03/04/2016" in either order, "yesterday" relative to today; and its `search_dates` is both
slower and far more liberal than a search of article text needs. So the grammar says where a date is and how
precise it is, and dateparser turns the date written there into a day (month names and abbreviations,
calendar checks).
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from functools import cache, lru_cache

from dateparser.date import DateDataParser


class Precision(StrEnum):
    """How much of a date is written: `2016` a year, `September 2016` a month, `19 September 2016` a day."""

    YEAR = "year"
    MONTH = "month"
    DAY = "day"


@dataclass(frozen=True)
class Period:
    """The days a written date covers: `2016` is 1 January to 31 December 2016, `2016-09-19` one day."""

    first: date
    last: date
    precision: Precision


class DateFormError(ValueError):
    """A value is not a date in an accepted form, or names no day of the calendar; the message says which."""


ACCEPTED_FORMS = (
    "YYYY, YYYY-MM or YYYY-MM-DD, or a written date such as 'September 2016', '19 September 2016', "
    "'September 19, 2016' or '26-FEB-1987'"
)
"""The accepted forms, for error messages and help texts."""

_MONTH_NAMES = sorted(
    {name.lower() for name in (*calendar.month_name, *calendar.month_abbr) if name} | {"sept"},
    key=len,
    reverse=True,  # longest first: "september" before "sep"
)
_MONTH = rf"(?:{'|'.join(_MONTH_NAMES)})\.?"
_YEAR = r"\d{4}"
_NUMBER = r"\d{1,2}"
# Each form, named by what it is; the first that matches wins, so the longer ISO form comes first. The
# boundaries keep "20165" or "2016-09-19T10" from reading as dates ("\b" ends a date at a non-word character).
_FORMS: dict[str, tuple[Precision, str]] = {
    "iso_day": (Precision.DAY, rf"{_YEAR}-{_NUMBER}-{_NUMBER}"),
    "iso_month": (Precision.MONTH, rf"{_YEAR}-{_NUMBER}"),
    "day_month_year": (Precision.DAY, rf"{_NUMBER}\s+{_MONTH}\s+{_YEAR}"),
    "reuters": (Precision.DAY, rf"{_NUMBER}-{_MONTH}-{_YEAR}"),
    "month_day_year": (Precision.DAY, rf"{_MONTH}\s+{_NUMBER},?\s+{_YEAR}"),
    "month_year": (Precision.MONTH, rf"{_MONTH}\s+{_YEAR}"),
    "year": (Precision.YEAR, _YEAR),
}
_TIME = r"\s+\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?"  # Reuters' "15:01:01.79": the day is what counts
DATE_PATTERN = r"\b(?:" + "|".join(source for _, source in _FORMS.values()) + rf")(?:{_TIME})?\b"
"""A date in any accepted form, without groups, to build into other patterns (read it with `parse_period`).
Case-sensitive as it stands: compile it with re.IGNORECASE to accept "september 2016" and "26-feb-1987"."""

_VALUE = re.compile(
    r"(?:"
    + "|".join(rf"(?P<{name}>{source})" for name, (_, source) in _FORMS.items())
    + rf")(?P<time>{_TIME})?",
    re.IGNORECASE,
)
# A publication date printed in an article is a day, written on one line (so "Saturday, 26 February\n\n1600
# GMT" is a day and a kick-off time, not a date). Month names as printed: capitalised ("September 19, 2016")
# or, in Reuters' form, any case ("26-FEB-1987"); a lower-case "may 2016" in prose is no dateline.
_LINE_SPACE = r"[^\S\n]+"
PRINTED_MONTH = rf"(?:{'|'.join(name.capitalize() for name in _MONTH_NAMES)})\.?"
"""A month name as printed in prose, capitalised, full or abbreviated ("September", "Sept.", "Feb"), without
groups: the one month pattern that the relative-day reader and the evaluation's date reader build on."""


def _printed(name: str) -> str:
    source = _FORMS[name][1].replace(r"\s+", _LINE_SPACE)
    return source.replace(_MONTH, rf"(?i:{_MONTH})" if name == "reuters" else PRINTED_MONTH)


_PRINTED_DAY = re.compile(
    r"\b(?:"
    + "|".join(
        rf"(?P<{name}>{_printed(name)})" for name, (kind, _) in _FORMS.items() if kind is Precision.DAY
    )
    + r")\b"
)


@cache
def _reader() -> DateDataParser:
    """dateparser for English, absolute dates only, fixed settings: the same text gives the same day on any
    machine and any day (the relative base only fills parts the grammar's precision then ignores)."""
    return DateDataParser(
        languages=["en"],
        settings={
            "PARSERS": ["absolute-time"],
            "PREFER_DAY_OF_MONTH": "first",
            "RELATIVE_BASE": datetime(2000, 1, 1),
            "TIMEZONE": "UTC",
            "RETURN_AS_TIMEZONE_AWARE": False,
        },
    )


# dateparser takes 0.5-1.5 ms a date, more than the rest of an article's metadata step (about 0.25 ms a
# Reuters record); the same dates recur across an archive (a Reuters file holds a few days), so each is read
# once. With the cache the metadata step reads 1,000 Reuters records' dates faster than the regexes it
# replaced (41 ms against 69 ms), plus about 0.2 s once per process for dateparser's English data.
@lru_cache(maxsize=8192)
def _read(written: str, precision: Precision) -> Period | None:
    """The period of a date in a known form and precision, or None when it names no day of the calendar."""
    data = _reader().get_date_data(" ".join(written.split()))
    read_as = Precision.DAY if data.period == "time" else data.period
    if data.date_obj is None or read_as != precision:  # "2016-13" is read as a day: no month 13
        return None
    day = data.date_obj.date()
    if precision is Precision.YEAR:
        return Period(date(day.year, 1, 1), date(day.year, 12, 31), precision)
    if precision is Precision.MONTH:
        last = calendar.monthrange(day.year, day.month)[1]
        return Period(date(day.year, day.month, 1), date(day.year, day.month, last), precision)
    return Period(day, day, precision)


def _period_of(match: re.Match[str]) -> Period | None:
    name = next(name for name in _FORMS if match.groupdict().get(name))
    return _read(match[name], _FORMS[name][0])


def parse_period(value: str) -> Period:
    """The period `value` names, written in one of the accepted forms (nothing else around it)."""
    match = _VALUE.fullmatch(value.strip())
    if match is None:
        raise DateFormError(f"expected {ACCEPTED_FORMS}")
    period = _period_of(match)
    if period is None:
        raise DateFormError("no such date in the calendar")
    if match["time"] and period.precision is not Precision.DAY:
        raise DateFormError(f"expected {ACCEPTED_FORMS}; a time of day follows a day only")
    return period


def read_period(value: str) -> Period | None:
    """`parse_period`, or None when `value` is no date (for a pattern's match that may be no real date)."""
    try:
        return parse_period(value)
    except DateFormError:
        return None


def printed_days(text: str) -> Iterator[tuple[re.Match[str], date]]:
    """Each well-formed calendar day printed in `text`, in order: where it is written, and the day."""
    for match in _PRINTED_DAY.finditer(text):
        period = _period_of(match)
        if period is not None:
            yield match, period.first


def parse_date(text: str) -> date | None:
    """The first well-formed calendar day written in `text`, or None."""
    return next((day for _, day in printed_days(text)), None)
