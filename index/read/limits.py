"""The size limit of one input file."""

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
