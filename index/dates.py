"""Calendar dates written in text: "September 19, 2016", "19 September 2016", "26-FEB-1987", "2016-09-19"."""

from __future__ import annotations

import re
from datetime import date

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
# A date is written on one line: "Saturday, 26 February\n\n1600 GMT" is a day and a kick-off time.
_SPACE = r"[^\S\n]"
_DATE_PATTERNS = [
    # September 19, 2016
    (re.compile(rf"\b{_MONTH}{_SPACE}+(\d{{1,2}}),?{_SPACE}+(\d{{4}})\b"), ("month", "day", "year")),
    # 19 September 2016
    (re.compile(rf"\b(\d{{1,2}}){_SPACE}+{_MONTH}{_SPACE}+(\d{{4}})\b"), ("day", "month", "year")),
    # 26-FEB-1987
    (re.compile(rf"\b(\d{{1,2}})-{_MONTH}-(\d{{4}})\b", re.IGNORECASE), ("day", "month", "year")),
    # 2016-09-19
    (re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b"), ("year", "month", "day")),
]


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
