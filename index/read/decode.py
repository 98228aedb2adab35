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
    """The text of `data`; UnreadableSource for empty, binary or undecodable content. A NUL character
    anywhere in the text (not only in its first bytes) makes it binary: see `refuse_nul`."""
    text = _decode(data, source)
    refuse_nul(text, source, "binary file, not text")
    return text


def refuse_nul(text: str, source: str, what: str) -> None:
    """UnreadableSource when `text` holds a NUL character: no article has one, quoting around one is
    unreliable, and a file or record is refused for it wherever it occurs (a raw byte, a JSON escape)."""
    at = text.find("\x00")
    if at >= 0:
        raise UnreadableSource(source, f"{what} (a NUL character at offset {at})")


def _decode(data: bytes, source: str) -> str:
    if not data.strip():
        raise UnreadableSource(source, "empty file")
    if data.startswith(_UTF16_BOMS):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as error:
            raise UnreadableSource(source, f"broken UTF-16 text (byte {error.start})") from error
    if b"\x00" in data[:8192]:  # before charset detection, which would read any binary as some encoding
        raise UnreadableSource(source, "binary file, not text (a NUL character in its first bytes)")
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
