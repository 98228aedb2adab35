"""Photo captions: lines that describe a picture, not the story.

A caption is kept apart from the body (it is metadata), but it is still the article's own text: its
date ("... meet in Damascus on September 19, 2016. (Photo by SANA)") may be the only one the page
gives, so the metadata step reads dates from captions too.
"""

from __future__ import annotations

import re

_MAX_CAPTION = 400  # a caption is a line or two; a longer line is a paragraph that mentions a photo

# Any one of these makes a short line a caption.
_CAPTION_MARKERS = [
    # "(Photo by SANA)", "(Photo: Reuters)", "(File photo)", "(Picture courtesy of ...)"
    re.compile(r"\((?:file\s+)?(?:photo|photograph|picture|image|pic)s?\b[^)]*\)", re.IGNORECASE),
    # "Photo: ...", "Image credit - ...", "File photo shows ..." at the start of the line
    re.compile(
        r"^\s*(?:file\s+)?(?:photo|photograph|picture|image|pic|caption)s?(?:\s+(?:credit|courtesy))?\s*[:|–—-]",
        re.IGNORECASE,
    ),
    re.compile(r"^\s*(?:a\s+)?file\s+(?:photo|picture|image)\b", re.IGNORECASE),
    # "AFP PHOTO / ...", "Reuters photo", "Getty Images", "EPA/..."
    re.compile(
        r"\b(?:AFP|AP|EPA|Reuters|Getty|Xinhua|Anadolu)\s*(?:photo|images?|pictures?)\b", re.IGNORECASE
    ),
    # People placed in the picture: "(R)", "(2nd L)", "(3rd R)", "(C)", "(seen in picture)", "(pictured)"
    re.compile(
        r"\(\d(?:st|nd|rd|th)\s+(?:from\s+)?(?:L|R|left|right)\)|\((?:left|right|centre|center)\)", re.I
    ),
    # "(R)", "(L)", "(C)" after a person's name ("al-Assad (R)"); after a product ("IBM (R)") it is a mark.
    re.compile(r"\b[A-Z][a-z]+(?:-[A-Z]?[a-z]+)*\s+\([LRC]\)"),
    re.compile(r"\((?:seen\s+)?(?:in\s+(?:the\s+)?)?(?:picture|photo|image)\)|\(pictured\)", re.IGNORECASE),
]


def is_caption(line: str) -> bool:
    """A line that describes a photo: a picture credit or people placed in the picture."""
    text = line.strip()
    return bool(text) and len(text) <= _MAX_CAPTION and any(p.search(text) for p in _CAPTION_MARKERS)
