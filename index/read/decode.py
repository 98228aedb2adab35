"""Bytes to text: UTF-8 when it is UTF-8, else the encoding charset-normalizer finds."""

from __future__ import annotations

import codecs

import charset_normalizer
from newsdesk.index.read.errors import UnreadableSource

_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
# When several legacy encodings read a short text equally well (é is 0xE9 in all of them), the
# Western one is the likeliest for a news archive; it is also what browsers assume for latin-1.
_PREFERRED_ON_TIE = "cp1252"


def decode_text(data: bytes, source: str) -> str:
    """The text of `data`; UnreadableSource for empty, binary or undecodable content."""
    if not data.strip():
        raise UnreadableSource(source, "empty file")
    if data.startswith(_UTF16_BOMS):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as error:
            raise UnreadableSource(source, f"broken UTF-16 text (byte {error.start})") from error
    if b"\x00" in data[:8192]:
        raise UnreadableSource(source, "binary file, not text")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass  # a legacy encoding (latin-1, cp1252, ...): let charset-normalizer find which
    matches = charset_normalizer.from_bytes(data)
    best = matches.best()
    if best is None:
        raise UnreadableSource(source, "binary or undecodable content: not UTF-8 and no text encoding fits")
    for match in matches:
        tied = (match.chaos, match.coherence) == (best.chaos, best.coherence)
        if tied and _PREFERRED_ON_TIE in match.could_be_from_charset:
            return data.decode(_PREFERRED_ON_TIE)
    return str(best)
