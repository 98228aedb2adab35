"""The one error type of the read step."""

from __future__ import annotations


class UnreadableSource(Exception):
    """A file or record that cannot be ingested; `reason` is one line meant for the user."""

    def __init__(self, source: str, reason: str) -> None:
        super().__init__(f"{source}: {reason}")
        self.source = source
        self.reason = reason
