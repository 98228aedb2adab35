"""Who published an article and where it was filed: outlet (or wire agency) and dateline place.

Signals, strongest first: a "Source: X" line; a wire dateline ("TEHRAN (AFP) -", "DAMASCUS,
Sept 19 (Reuters) -"); the site naming itself ("Press TV's website ..."); and last, a known wire
agency credited in the story ("..., reports AFP", "told Reuters"). Only the credit forms that name
the story's own source count: "SANA quoted him" cites another agency, it does not sign the story.
"""

from __future__ import annotations

import re

# Canonical names of wire agencies, by the spellings a story uses.
AGENCIES = {
    "afp": "AFP",
    "agence france-presse": "AFP",
    "agence france presse": "AFP",
    "reuters": "Reuters",
    "reuter": "Reuters",
    "ap": "AP",
    "associated press": "AP",
    "the associated press": "AP",
    "sana": "SANA",
    "irna": "IRNA",
    "xinhua": "Xinhua",
    "tass": "TASS",
    "itar-tass": "TASS",
    "anadolu": "Anadolu",
    "anadolu agency": "Anadolu",
    "bloomberg": "Bloomberg",
    "upi": "UPI",
    "dpa": "dpa",
    "efe": "EFE",
    "kyodo": "Kyodo",
    "yonhap": "Yonhap",
    "ansa": "ANSA",
    "pti": "PTI",
    "interfax": "Interfax",
    "ria novosti": "RIA Novosti",
    "isna": "ISNA",
    "fars": "Fars",
    "tasnim": "Tasnim",
    "mehr": "Mehr",
    "wam": "WAM",
    "kuna": "KUNA",
    "mena": "MENA",
    "bernama": "Bernama",
    "antara": "Antara",
}
_AGENCY = "|".join(sorted((re.escape(name) for name in AGENCIES), key=len, reverse=True))

_SOURCE_LINE = re.compile(
    r"^\s*(?:source|via)\s*:\s*([A-Z][\w .&'-]{1,40}?)\s*$", re.IGNORECASE | re.MULTILINE
)
_DAY = r"[A-Z][a-z]{2,8}\.?\s+\d{1,2}(?:,\s*\d{4})?"  # "Sept 19", "March 3, 2021"
# "DAMASCUS, Sept 19 (Reuters) -", "Tehran (AFP) -", "WASHINGTON (AP) —": place, optional day, agency.
_AGENCY_DATELINE = re.compile(
    rf"^\s*([A-Z][A-Za-z.'’-]*(?:[ -][A-Z][A-Za-z.'’-]*){{0,3}})\s*,?\s*(?:{_DAY}\s*)?"
    r"\(([A-Z][A-Za-z]{1,14}(?: [A-Z][A-Za-z]+){0,2})\)\s*[-–—:]",
)
# A wire's own style without the agency: "NEW YORK, Feb 26 -" (the place in capitals).
_PLAIN_DATELINE = re.compile(rf"^\s*([A-Z][A-Z.'’-]+(?:[ -][A-Z][A-Z.'’-]+){{0,3}}),\s*{_DAY}\s*[-–—]\s")
# The outlet naming its own site: "Press TV’s website can also be accessed at ...".
_SELF_REFERENCE = re.compile(r"^\s*([A-Z][\w .&-]{1,30}?)[’']s\s+(?:website|site|app)\b", re.MULTILINE)
# A known agency credited as the story's source: "reports AFP", "according to Reuters", "told AP".
_AGENCY_CREDIT = re.compile(
    rf"\b(?:reports?|reported|according to|told|in an interview with|cited by)\s+(?:the\s+)?({_AGENCY})\b",
    re.IGNORECASE,
)
_DATELINE_LINES = 3  # a dateline opens the story: its first lines (after the headline)


def _opening_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.strip()][:_DATELINE_LINES]


def agency_name(name: str) -> str:
    """The canonical name of a known agency ("Reuter" → "Reuters"), else the name as written."""
    return AGENCIES.get(name.strip().casefold(), name.strip())


def dateline(text: str) -> tuple[str | None, str | None]:
    """(place, agency) of the story's dateline, either None when the text gives none."""
    for line in _opening_lines(text):
        if match := _AGENCY_DATELINE.match(line):
            return match.group(1).strip(), agency_name(match.group(2))
        if match := _PLAIN_DATELINE.match(line):
            return match.group(1).strip(), None
    return None, None


def find_outlet(raw: str, body: str) -> str | None:
    """The outlet or agency of an article. `raw` is read for the furniture that names the outlet
    ("Source: AFP", the site's self-reference); the cleaned `body` for datelines and
    credits, so neither a related-links list nor a photo credit ("Photo by Reuters") names it."""
    if match := _SOURCE_LINE.search(raw):
        return agency_name(match.group(1))
    _, agency = dateline(body)
    if agency:
        return agency
    if match := _SELF_REFERENCE.search(raw):
        return match.group(1).strip()
    if match := _AGENCY_CREDIT.search(body):
        return agency_name(match.group(1))
    return None
