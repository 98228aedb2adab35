"""HTML pages: the article's main text and metadata, extracted with trafilatura."""

from __future__ import annotations

import hashlib

from newsdesk.index.models import RawDocument, StatedMetadata
from newsdesk.index.read.decode import decode_text
from newsdesk.index.read.errors import UnreadableSource


def read_html(data: bytes, source: str) -> RawDocument:
    """The main text of a page (no scripts, navigation or footers) with its title, date and outlet.

    The raw text is trafilatura's extract, one paragraph a line: cleaning and citation quotes work
    on that text, so quotes are verbatim in the extract, not in the HTML markup.
    """
    import trafilatura  # imported here: it costs a fraction of a second that text-only runs need not pay

    html = decode_text(data, source)
    # favor_precision: a news page's furniture (related links, teasers) must not pass for the story.
    page = trafilatura.bare_extraction(
        html, favor_precision=True, with_metadata=True, include_comments=False, include_tables=False
    )
    text = (page.text if page is not None else None) or ""
    if not text.strip():
        raise UnreadableSource(source, "no article text found in the HTML page")
    stated = StatedMetadata(
        title=page.title or None,
        published=page.date or None,
        # The site's name is the outlet; a byline stands in when the page does not name its site.
        outlet=page.sitename or page.author or None,
        url=page.url or None,
    )
    return RawDocument(source=source, text=text, content_hash=hashlib.sha256(data).hexdigest(), stated=stated)
