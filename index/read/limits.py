"""The size limits of one input file and of one article in it."""

from __future__ import annotations

import math

MAX_FILE_MB = 50
MAX_FILE_BYTES = MAX_FILE_MB * 1024 * 1024


def too_large(size: int) -> str | None:
    """The reason a file of `size` bytes is refused, or None when it may be read.

    Rounded up, so a file just over the limit never reads "file is 50 MB; the limit is 50 MB".
    """
    if size <= MAX_FILE_BYTES:
        return None
    return f"file is {math.ceil(size / 1024 / 1024)} MB; the limit is {MAX_FILE_MB} MB"


def article_too_large(characters: int, limit_mb: float) -> str | None:
    """The reason an article of `characters` characters of text is refused, or None."""
    if characters <= limit_mb * 1024 * 1024:
        return None
    return f"article text is {characters / 1024 / 1024:.1f} MB; the limit is {limit_mb:g} MB an article"
