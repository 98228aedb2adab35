"""Step 2: keep the story, drop the site furniture around it, set photo captions apart.

Cleaning only ever removes whole lines (and trailing spaces); it never edits characters inside a
kept line, so every sentence of the stored text is also a verbatim substring of the original file
and a citation's quote can be checked against either.

The line rules live in `furniture` (generic patterns, link-list runs) and `captions`; lines an
outlet repeats in many articles come from an optional `RepeatedLines`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from newsdesk.index.captions import is_caption
from newsdesk.index.furniture import (
    BREADCRUMB,
    SENTENCE_END,
    continues_previous,
    is_blank,
    is_furniture,
    is_hard_wrapped,
    is_trailing_label,
    link_list_lines,
)
from newsdesk.index.repeated_lines import RepeatedLines


@dataclass
class CleanedText:
    text: str  # the story: what is stored, chunked and cited
    captions: list[str] = field(default_factory=list)
    # Body and caption lines in reading order: the article's own words, where its date may be read.
    # Furniture (footers, link lists with their timestamps) is never in it.
    story: str = ""


def _lines(raw: str) -> list[str]:
    return [line.rstrip() for line in raw.replace("\r\n", "\n").replace("\r", "\n").split("\n")]


def clean_article(raw: str, repeated: RepeatedLines | None = None, group: str = "") -> CleanedText:
    """Split a raw article into its story text and its photo captions; furniture is dropped.

    `repeated` (with the article's `group`, see `repeated_lines.source_group`) adds the lines its
    outlet repeats across many articles to the furniture.
    """
    lines = _lines(raw)
    links = link_list_lines(lines)
    if repeated and is_hard_wrapped(lines):
        repeated = None  # in fixed-column wire copy, repeats are table rows and wrapped phrases
    body: list[int] = []  # indexes into `lines`, so reading order survives for `story`
    captions: list[int] = []
    for index, line in enumerate(lines):
        if index in links:
            continue
        wrapped = (index and continues_previous(lines[index - 1], line)) or (
            index + 1 < len(lines) and continues_previous(line, lines[index + 1])
        )
        if wrapped:
            body.append(index)  # a line of a hard-wrapped sentence is never furniture or a caption
        elif is_furniture(line) or (repeated and repeated.is_furniture(group, line)):
            continue
        elif is_caption(line):
            captions.append(index)
        else:
            body.append(index)

    while body and (not lines[body[0]].strip() or BREADCRUMB.match(lines[body[0]])):
        body.pop(0)
    while body and is_blank(lines[body[-1]]):
        body.pop()
    # Short non-sentences after the last sentence are links and labels. A story with no sentence
    # at all is a table (a wire's earnings report: "Shr one dlr vs 73 cts"), kept whole.
    if any(SENTENCE_END.search(lines[index]) for index in body):
        while body and (is_blank(lines[body[-1]]) or is_trailing_label(lines[body[-1]])):
            body.pop()

    kept: list[int] = []
    for index in body:
        if not lines[index].strip() and kept and not lines[kept[-1]].strip():
            continue  # one blank line between paragraphs is enough
        kept.append(index)
    return CleanedText(
        text="\n".join(lines[index] for index in kept),
        captions=[lines[index].strip() for index in captions],
        story="\n".join(lines[index] for index in sorted(kept + captions)),
    )
