"""The one error type of the read step."""

from __future__ import annotations


class UnreadableSource(Exception):
    """A file or record that cannot be ingested; `reason` is one line meant for the user.

    `file_incomplete` is set when the reader could not read the rest of the file past this point (a
    truncated JSON array, a malformed JSONL line or CSV row whose record cannot be named, an unreadable zip
    member): what was stored from that file must not be taken as deleted from it.
    """

    def __init__(self, source: str, reason: str, *, file_incomplete: bool = False) -> None:
        super().__init__(f"{source}: {reason}")
        self.source = source
        self.reason = reason
        self.file_incomplete = file_incomplete
