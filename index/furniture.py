"""Line rules for page furniture: what a news page prints around the story, as generic patterns.

Every rule judges whole lines; `clean` decides what to do with them. The patterns describe kinds of
furniture (footers, credits, prompts, timestamped link lists, breadcrumbs, share bars), never
strings of one known site, so they carry over to outlets the project has not seen.
"""

from __future__ import annotations

import re

SHORT_LINE = 200  # furniture lines are short; a long line is prose even when it matches a pattern

_FURNITURE_PATTERNS = [
    # Footers: copyright and rights notices.
    # ("copyright" alone is prose: "Honda wins China copyright ruling").
    re.compile(r"©|\(c\)\s*\d{4}|\bcopyright\s*(\(c\)|\d{4})|\ball rights reserved\b", re.IGNORECASE),
    # Site credits: "Maintained and developed by ...", "Powered by ...", "Site designed by ...".
    # (glued to the last link's text when a page is flattened: "...KurdistanMaintained and ...")
    re.compile(
        r"(maintained|developed|designed|hosted)\s+and\s+(maintained|developed|designed|hosted)\s+by\b", re.I
    ),
    re.compile(
        r"^\W*((web\s*)?site\s+)?(designed|developed|powered|hosted|maintained)\s+by\b", re.IGNORECASE
    ),
    # A wire's production credits: "(Reporting by ...; Editing by ...)".
    re.compile(r"^\W*((additional\s+)?reporting|writing|editing|compiled)\s+by\b.*\bby\b", re.IGNORECASE),
    re.compile(r"^\W*(additional\s+)?(reporting|editing)\s+by\s+[A-Z][\w.' -]*\W*$"),
    # Comment prompts.
    re.compile(
        r"^\s*(send|post|leave|add|write|submit)\s+(us\s+)?(your|a)\s+(comments?|reply)\b", re.IGNORECASE
    ),
    re.compile(r"\byour\s+comment\b|\bbe the first to comment\b|^\s*\d*\s*comments?\s*(\(\d+\))?\s*$", re.I),
    re.compile(r"^\s*(log\s*in|sign\s*in|register)\s+to\s+(comment|reply|post)\b", re.IGNORECASE),
    # A link-list item carries its own timestamp ("GMT 11:59 2018 Saturday ,13 January").
    re.compile(r"(GMT|UTC)\s*\d{1,2}:\d{2}\b"),
    # Share and subscribe bars.
    re.compile(
        r"^\W*(share|follow|like|subscribe|sign up|join)\b.{0,40}"
        r"\b(facebook|twitter|instagram|youtube|telegram|whatsapp|newsletter|us on)\b",
        re.IGNORECASE,
    ),
    re.compile(r"\b(download|get)\s+(our|the)\s+(free\s+)?app\b|\b(app store|google play)\b", re.IGNORECASE),
    # A site telling readers where else to find it ("<Outlet>'s website can also be accessed at ...").
    re.compile(r"\b(website|site|page)\s+(can|may)\s+(also\s+)?be\s+(accessed|reached|found|viewed)\b", re.I),
    re.compile(r"\balternat(e|ive)\s+(web\s+)?addresses\b", re.IGNORECASE),
    re.compile(r"^\W*(advertisement|sponsored( content)?|scroll to continue)\W*$", re.IGNORECASE),
]
# A bar of social/utility labels: "Share | Tweet | Email", "Facebook Twitter WhatsApp".
_SOCIAL_WORD = (
    r"(share|tweet|print|email|e-mail|comments?|facebook|twitter|x|whatsapp|linkedin|reddit|telegram"
    r"|pinterest|messenger|copy link|save|like)"
)
_SOCIAL_BAR = re.compile(rf"^\s*{_SOCIAL_WORD}(\s*[|/·•,]?\s*{_SOCIAL_WORD})*\s*$", re.IGNORECASE)

# The header of a list of links or teasers: the lines under it are links, not the story.
_LIST_HEADER = re.compile(
    r"^\s*(related(\s+(articles?|news|stories|posts|content|links|topics))?|read more|read also|also read"
    r"|see also|more (news|stories)( from .{1,30})?|most (read|popular|viewed)|trending( now)?"
    r"|you (may|might) also like|recommended( for you)?|latest (news|stories)|top stories)\s*:?\s*$",
    re.IGNORECASE,
)
# A link carries its own time or date stamp at its end ("... 2 hours ago", "... | 19 Sep 2016").
_STAMP = re.compile(
    r"(\b\d{1,2}:\d{2}\b|\bago\b|\b\d{1,2}\s+[A-Z][a-z]{2,8}\.?,?\s+\d{4}|\b[A-Z][a-z]{2,8}\.?\s+\d{1,2},\s+\d{4}"
    r"|\b\d{4}-\d{2}-\d{2}|\b\d{1,2}/\d{1,2}/\d{2,4})"
)

# "News / Politics", "Home › World": a few short words between separators, at the top of a page.
BREADCRUMB = re.compile(r"^\s*[\w'’&-]+(\s+[\w'’&-]+){0,2}(\s*[/|›»>]\s*[\w'’&-]+(\s+[\w'’&-]+){0,2})+\s*$")
SENTENCE_END = re.compile(r"[.!?][\"'”’)\]]*\s*$")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
# A line that goes on into the next one: hard-wrapped prose, not a self-contained link title.
_CONTINUES = re.compile(r"([,;:–—-]|\b(and|or|of|the|a|to|in|for|with|by|that|said)\b)\s*$", re.IGNORECASE)


def ends_mid_sentence(line: str) -> bool:
    """The line stops on a comma or a word that needs more ("of", "and", "said"): it goes on below."""
    return bool(_CONTINUES.search(line))


def continues_previous(previous: str, line: str) -> bool:
    """`line` goes on with the sentence of the line before: hard-wrapped prose (a wire's 65-column
    text), which no furniture pattern may cut through."""
    return bool(previous.strip()) and not SENTENCE_END.search(previous) and line.lstrip()[:1].islower()


def is_hard_wrapped(lines: list[str]) -> bool:
    """Text set in fixed columns (a newswire's 65-column copy, tables included): most lines stop
    mid-sentence and none is long. Its lines repeat across stories because the format does."""
    filled = [line for line in lines if line.strip()]
    open_ended = sum(not SENTENCE_END.search(line) for line in filled)
    return len(filled) >= 4 and open_ended * 2 > len(filled) and max(map(len, filled)) <= 100


def is_furniture(line: str) -> bool:
    """A line that is page furniture wherever it stands."""
    if len(line) >= SHORT_LINE:
        return False
    return bool(_SOCIAL_BAR.match(line) or _LIST_HEADER.match(line)) or any(
        p.search(line) for p in _FURNITURE_PATTERNS
    )


def is_blank(line: str) -> bool:
    """Empty, or only control characters (a newswire's end-of-text mark, \\x03)."""
    return not _CONTROL.sub("", line).strip()


def is_trailing_label(line: str) -> bool:
    """A short line that is not a sentence: at the end of a page, a link, label or menu item.
    A row of figures ("Net 2.4 mln vs 5.3 mln") is the end of a wire's table, not a label."""
    return len(line) < 120 and not SENTENCE_END.search(line) and not _is_figures(line)


def _is_figures(line: str) -> bool:
    return sum(ch.isdigit() for ch in line) * 6 >= len(line.strip()) > 0


def _is_link_like(line: str) -> bool:
    """Could be one item of a list of links: a short, self-contained title that is not a sentence."""
    text = line.strip()
    return (
        2 <= len(text.split()) <= 20
        and len(text) < 160
        and not text[0].islower()
        and not SENTENCE_END.search(text)
        and not ends_mid_sentence(text)
    )


def link_list_lines(lines: list[str], min_stamped: int = 3) -> set[int]:
    """Indexes of the lines of link lists inside a page (blank lines between items allowed).

    A run of short titles in a story may be the story's own list (award winners, a results table),
    so a run counts as links only when a header introduces it ("Related articles") or when each of
    at least `min_stamped` items carries its own time or date stamp. Links after the story's last
    sentence are trailing labels (`is_trailing_label`).
    """
    found: set[int] = set()
    run: list[int] = []
    headed = False
    for index, line in enumerate([*lines, ""]):
        if index < len(lines) and is_blank(line):
            continue
        if index < len(lines) and _is_link_like(line) and not _LIST_HEADER.match(line):
            run.append(index)
            continue
        stamped = len(run) >= min_stamped and all(_STAMP.search(lines[i][-40:]) for i in run)
        if headed or stamped:
            found.update(run)
        run = []
        headed = index < len(lines) and bool(_LIST_HEADER.match(line))
    return found
