"""Step 3: title, outlet, dateline place, publication date and captions of an article."""

from __future__ import annotations

import re
from datetime import date

from newsdesk.index.attribution import dateline, find_outlet
from newsdesk.index.clean import CleanedText
from newsdesk.index.dates import parse_date
from newsdesk.index.furniture import continues_previous, ends_mid_sentence, is_hard_wrapped
from newsdesk.index.models import ArticleMetadata, StatedMetadata

__all__ = ["extract_metadata", "parse_date"]


_WRAP_LINES = 12  # the opening lines that tell hard-wrapped copy from a page of paragraphs


def _headline(text: str) -> str | None:
    """The first line when it reads as a headline: a few words, no sentence end, text after it. The first
    line of hard-wrapped text (a wire's 65-column body: "Showers continued throughout the week in" /
    "the Bahia cocoa zone, ...", or a results table: "Shr 34 cts vs 1.19 dlrs") is no headline unless a
    blank line sets it apart: it stops mid-sentence, or the lines below are set in the same columns."""
    first_line, _, rest = text.partition("\n")
    first_line = first_line.strip()
    words = first_line.split()
    if not rest.strip() or not 2 <= len(words) <= 20 or re.search(r"[.!]$", first_line):
        return None
    following = rest.split("\n", 1)[0]
    if following.strip() and (
        ends_mid_sentence(first_line)
        or continues_previous(first_line, following)
        or is_hard_wrapped(text.splitlines()[:_WRAP_LINES])
    ):
        return None  # a headline ending "love-in" above a blank line stays one
    return first_line


_OPENING_LINES = 4  # headline, dateline or byline, lead: where a page prints its date
_DATE_LINE = 80  # a line this short is a date or byline line ("Published: 19 September 2016")
_DATELINE_PREFIX = 60  # the head of a longer line: a wire dateline ("VIENNA, March 3, 2021 (Reuters) -")
_DATELINE_DASH = re.compile(r"\s[-–—]\s")


def _dateline_head(line: str) -> str:
    """The dateline before the dash that opens a wire story ("VIENNA, March 3, 2021 (Reuters) -"),
    or nothing: the start of a prose line ("Born on 5 April 1920, ...") is no dateline."""
    match = _DATELINE_DASH.search(line[:_DATELINE_PREFIX])
    return line[: match.start()] if match else ""


def _text_date(cleaned: CleanedText) -> date | None:
    """The date a page prints with its story: on a date or byline line or in a dateline at the top,
    else in a photo caption. A date inside the prose is what the story is about (an event, "1
    January 1985"), not when it was published, so it is not read."""
    opening = [line.strip() for line in cleaned.story.splitlines() if line.strip()][:_OPENING_LINES]
    heads = [line if len(line) <= _DATE_LINE else _dateline_head(line) for line in opening]
    return parse_date("\n".join(heads)) or parse_date("\n".join(cleaned.captions))


def extract_metadata(raw: str, cleaned: CleanedText, stated: StatedMetadata | None = None) -> ArticleMetadata:
    """Metadata of one article. What a structured source states (JSON/CSV fields, HTML meta tags)
    wins; the text fills in the rest.

    The date is read from the article's own words — body and photo captions (`cleaned.story`) —
    never from the raw text, so a date in a footer or a related-links list is never taken for the
    publication date. The outlet may be named in furniture ("Source: AFP"), so `find_outlet` also
    reads the raw text.
    """
    stated = stated or StatedMetadata()
    place, _ = dateline(cleaned.text)
    # A stated date that cannot be parsed ("unknown", "Spring 1987") gives way to one in the text.
    published = (parse_date(stated.published) if stated.published else None) or _text_date(cleaned)
    return ArticleMetadata(
        # No headline: no title. The first sentence cut short would pass for one on a source card;
        # the card says "Untitled article" with the outlet, date and file instead (rag.render).
        title=stated.title or _headline(cleaned.text),
        outlet=stated.outlet or find_outlet(raw, cleaned.text),
        published=published,
        dateline=place,
        captions=cleaned.captions,
        url=stated.url,
        places=stated.places,
        topics=stated.topics,
        record_id=stated.record_id,
    )
