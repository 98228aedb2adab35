"""Filters a question states outright ("in 2016", "since March 1987", "according to AFP").

Conservative by design — a wrong filter silently hides the answer, a missed one only widens the
search. The rules:

* A date counts only after a preposition that makes it a constraint on the reporting: "in", "during",
  "since", "from", "after", "before", "until", "between … and …"; and only when the date is not
  followed by a word that makes it part of a name or topic: "in 2016 elections", "the 2016 Olympics"
  and "since 2011 protests" are not filters. A date may be followed by the end of the question,
  punctuation, or a function word ("in 2016 in Syria", "in 2016?").
* "before 2010" means up to 31 December 2009; "after 2010" from 1 January 2011; "since/from" include
  the date itself; "in September 2016" is that month, "on 19 September 2016" that day. A date in a
  question limits when the articles were published: "Was AFP founded in 1835?" searches 1835's
  articles only — the phrasing "in <year>" is taken at its word.
* An outlet counts only when the store holds it, and only in a phrase that attributes the reporting:
  "according to AFP", "per Reuters", "reported by Press TV", "AFP reported/reports/said/says/wrote".

The phrases found are removed from the question that is searched, so "2016" or "AFP" does not pull
in articles that merely mention them (nor make the relevance gate look for them in the text).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, timedelta

from newsdesk.index.dates import DATE_PATTERN, Precision, read_period
from newsdesk.rag.models import Filters
from newsdesk.rag.question import STOPWORDS
from pydantic import BaseModel

# A date is any form `index.dates` reads (DATE_PATTERN: the forms `--since` and the UI's boxes accept).
# What may follow a date for it to count as a filter: nothing, punctuation, or a function word.
_ENDS = r"(?=\s*(?:$|[?.,;:!)]|(?P<next>[A-Za-z]+)))"
_RANGE = re.compile(rf"\bbetween\s+(?P<a>{DATE_PATTERN})\s+and\s+(?P<b>{DATE_PATTERN}){_ENDS}", re.IGNORECASE)
_SINGLE = re.compile(
    rf"\b(?P<prep>in|on|during|since|from|after|before|until|till)\s+(?:(?:the\s+)?(?:year|month)\s+(?:of\s+)?)?"
    rf"(?P<a>{DATE_PATTERN}){_ENDS}",
    re.IGNORECASE,
)
_ATTRIBUTION_BEFORE = r"(?:according\s+to|per|reported\s+by|as\s+reported\s+by|says?|said)\s+(?:the\s+)?"
_ATTRIBUTION_AFTER = r"\s+(?:reported|reports|report|said|says|say|wrote|writes)\b"


class StatedFilters(BaseModel):
    """The filters a question states, and the question without the phrases that stated them."""

    filters: Filters
    query: str


def _span(text: str) -> tuple[date, date] | None:
    """The first and last day a date expression covers, or None when it is no real date. A bare number
    counts as a year only from 1800 to 2099: "in 1600" is more likely a time of day than a year."""
    period = read_period(text)
    if period is None or (period.precision is Precision.YEAR and not 1800 <= period.first.year <= 2099):
        return None
    return period.first, period.last


def _free(match: re.Match[str]) -> bool:
    """The date is not part of a name or topic ("2016 Olympics"): what follows is no content word."""
    following = match.group("next")
    return following is None or following.lower() in STOPWORDS


def _dates(question: str) -> tuple[date | None, date | None, list[tuple[int, int]]]:
    for match in _RANGE.finditer(question):
        first, last = _span(match["a"]), _span(match["b"])
        if first and last and _free(match) and first[0] <= last[1]:
            return first[0], last[1], [match.span()]
    date_from: date | None = None
    date_to: date | None = None
    spans: list[tuple[int, int]] = []
    for match in _SINGLE.finditer(question):
        covered = _span(match["a"])
        if covered is None or not _free(match):
            continue
        preposition = match["prep"].lower()
        if preposition in ("in", "on", "during"):
            date_from, date_to = covered
        elif preposition in ("since", "from"):
            date_from = covered[0]
        elif preposition == "after":
            date_from = covered[1] + timedelta(days=1)
        elif preposition == "before":
            date_to = covered[0] - timedelta(days=1)
        else:  # until, till: up to and including ("by 2008" is a target, not a window)
            date_to = covered[1]
        spans.append(match.span())
    return date_from, date_to, spans


def _outlets(question: str, known_outlets: Iterable[str]) -> tuple[list[str], list[tuple[int, int]]]:
    found: list[str] = []
    spans: list[tuple[int, int]] = []
    # Longest names first, so "Press TV" is not read as some shorter outlet's name.
    for outlet in sorted(known_outlets, key=len, reverse=True):
        name = r"\s+".join(re.escape(part) for part in outlet.split())
        pattern = rf"\b{_ATTRIBUTION_BEFORE}{name}\b|\b{name}{_ATTRIBUTION_AFTER}"
        for match in re.finditer(pattern, question, re.IGNORECASE):
            if not any(start < match.end() and match.start() < end for start, end in spans):
                found.append(outlet)
                spans.append(match.span())
    return list(dict.fromkeys(found)), spans


def stated_filters(question: str, known_outlets: Iterable[str]) -> StatedFilters:
    """The filters `question` states explicitly, and the question to search with."""
    date_from, date_to, date_spans = _dates(question)
    outlets, outlet_spans = _outlets(question, known_outlets)
    query = question
    for start, end in sorted(date_spans + outlet_spans, reverse=True):
        query = query[:start] + " " + query[end:]
    query = re.sub(r"\s+([?.,;:!])", r"\1", " ".join(query.split()))
    query = re.sub(r"[,;:]+([?.!])", r"\1", query).strip(" ,")
    if date_from and date_to and date_from > date_to:  # "since 2016 before 2010": contradictory, ignore
        date_from = date_to = None
    return StatedFilters(
        filters=Filters(date_from=date_from, date_to=date_to, outlets=outlets),
        query=query or question,
    )
