"""Step 3: title, outlet and publication date of an article."""

from __future__ import annotations

import re
from datetime import date

from index.models import ArticleMetadata, StatedMetadata
from index.sentences import split_sentences

_MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ],
        start=1,
    )
    for name in names
}
_MONTH = (
    r"(Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?"
    r"|Sept?(?:ember)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?"
)
_DATE_PATTERNS = [
    # September 19, 2016
    (re.compile(rf"\b{_MONTH}\s+(\d{{1,2}}),?\s+(\d{{4}})\b"), ("month", "day", "year")),
    # 19 September 2016
    (re.compile(rf"\b(\d{{1,2}})\s+{_MONTH}\s+(\d{{4}})\b"), ("day", "month", "year")),
    # 26-FEB-1987
    (re.compile(rf"\b(\d{{1,2}})-{_MONTH}-(\d{{4}})\b", re.IGNORECASE), ("day", "month", "year")),
    # 2016-09-19
    (re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b"), ("year", "month", "day")),
]

_SOURCE_LINE = re.compile(
    r"^\s*(?:source|via)\s*:\s*([A-Z][\w .&'-]{1,40}?)\s*$", re.IGNORECASE | re.MULTILINE
)
_AGENCY_DATELINE = re.compile(
    r"^\s*[A-Z][A-Za-z .'-]{1,30},?\s*(?:[A-Za-z]{3}\.? \d{1,2})?\s*\(([A-Z][A-Za-z]{1,10})\)\s*[-–—]"
)
# The outlet naming its own site: "Press TV’s website can also be accessed at ...".
_SELF_REFERENCE = re.compile(r"^\s*([A-Z][\w .&-]{1,30}?)[’']s\s+(?:website|site|app)\b", re.MULTILINE)


def parse_date(text: str) -> date | None:
    """The first well-formed calendar date written in `text`, or None."""
    found: list[tuple[int, date]] = []
    for pattern, order in _DATE_PATTERNS:
        for match in pattern.finditer(text):
            parts = dict(zip(order, match.groups(), strict=True))
            month = parts["month"]
            month_number = int(month) if month.isdigit() else _MONTHS.get(month.lower().rstrip("."))
            try:
                found.append((match.start(), date(int(parts["year"]), month_number or 0, int(parts["day"]))))
            except ValueError:
                continue
    return min(found)[1] if found else None


def _headline(text: str) -> str | None:
    first_line = text.split("\n", 1)[0].strip()
    rest = text[len(first_line) :].strip()
    words = first_line.split()
    if rest and 2 <= len(words) <= 20 and not re.search(r"[.!]$", first_line):
        return first_line
    return None


def _lead_title(text: str, max_chars: int = 90) -> str | None:
    """No headline: the start of the first sentence stands in, as news readers do."""
    spans = split_sentences(text)
    if not spans:
        return None
    first = text[spans[0][0] : spans[0][1]]
    if len(first) <= max_chars:
        return first
    return first[:max_chars].rsplit(" ", 1)[0].rstrip(",;:") + "…"


def extract_metadata(raw: str, cleaned: str, stated: StatedMetadata | None = None) -> ArticleMetadata:
    """Metadata of one article. What a structured source states (JSON/CSV fields, HTML meta tags)
    wins; the text fills in the rest. The date comes from the cleaned text only, so a date in a
    footer or a related-links list is never taken for the publication date; the outlet may be
    named in furniture ("Source: AFP"), so it is read from the raw text."""
    stated = stated or StatedMetadata()
    outlet = stated.outlet
    for pattern in (_SOURCE_LINE, _AGENCY_DATELINE, _SELF_REFERENCE):
        if outlet:
            break
        match = pattern.search(raw)
        if match:
            outlet = match.group(1).strip()
    # A stated date that cannot be parsed ("unknown", "Spring 1987") gives way to one in the text.
    published = (parse_date(stated.published) if stated.published else None) or parse_date(cleaned)
    return ArticleMetadata(
        title=stated.title or _headline(cleaned) or _lead_title(cleaned),
        outlet=outlet,
        published=published,
        url=stated.url,
        places=stated.places,
        topics=stated.topics,
        record_id=stated.record_id,
    )
