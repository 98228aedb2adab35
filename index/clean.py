"""Step 2: keep the story, drop the site furniture around it.

Cleaning only ever removes whole lines (and trailing spaces); it never edits characters inside a
kept line, so every sentence of the stored text is also a verbatim substring of the original file
and a citation's quote can be checked against either.

The rules are generic patterns of web furniture (copyright footers, credits, comment prompts,
timestamped link lists, breadcrumbs, trailing link/label lines), not strings from known sites.
"""

from __future__ import annotations

import re

_SHORT_LINE = 200  # furniture lines are short; a long line is prose even when it matches a pattern

_FURNITURE_PATTERNS = [
    re.compile(r"©|\(c\)\s*\d{4}|\bcopyright\b|\ball rights reserved\b", re.IGNORECASE),
    re.compile(r"\b(maintained|developed|designed|powered)\s+(and\s+\w+\s+)?by\b", re.IGNORECASE),
    re.compile(r"^\s*(send|post|leave|add|write)\s+(us\s+)?(your|a)\s+comments?\b", re.IGNORECASE),
    re.compile(r"\byour\s+comment\b", re.IGNORECASE),
    # A link-list item carries its own timestamp ("GMT 11:59 2018 Saturday ,13 January").
    re.compile(r"\b(GMT|UTC)\s*\d{1,2}:\d{2}\b"),
    re.compile(r"\b(share|follow us|subscribe|sign up)\b.{0,40}\b(facebook|twitter|newsletter|on)\b", re.I),
]

# "News / Politics", "Home › World": a few short words between separators, at the top of a page.
_BREADCRUMB = re.compile(r"^\s*[\w'’&-]+(\s+[\w'’&-]+){0,2}(\s*[/|›»>]\s*[\w'’&-]+(\s+[\w'’&-]+){0,2})+\s*$")
_SENTENCE_END = re.compile(r"[.!?][\"'”’)\]]*\s*$")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def _is_furniture(line: str) -> bool:
    return len(line) < _SHORT_LINE and any(p.search(line) for p in _FURNITURE_PATTERNS)


def _is_blank(line: str) -> bool:
    """Empty, or only control characters (a newswire's end-of-text mark, \\x03)."""
    return not _CONTROL.sub("", line).strip()


def _is_trailing_label(line: str) -> bool:
    """A short line that is not a sentence: at the end of a page, a link, label or menu item."""
    return len(line) < 120 and not _SENTENCE_END.search(line)


def clean_text(raw: str) -> str:
    """Return the story text of a raw article: furniture lines removed, blank runs collapsed."""
    lines = [line.rstrip() for line in raw.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    lines = [line for line in lines if not _is_furniture(line)]

    while lines and (not lines[0].strip() or _BREADCRUMB.match(lines[0])):
        lines.pop(0)
    while lines and _is_blank(lines[-1]):
        lines.pop()
    # Short non-sentences after the last sentence are links and labels. A story with no sentence
    # at all is a table (a wire's earnings report: "Shr one dlr vs 73 cts"), kept whole.
    if any(_SENTENCE_END.search(line) for line in lines):
        while lines and (_is_blank(lines[-1]) or _is_trailing_label(lines[-1])):
            lines.pop()

    kept: list[str] = []
    for line in lines:
        if not line.strip() and kept and not kept[-1].strip():
            continue
        kept.append(line)
    return "\n".join(kept)
