"""The llama-index callback manager our components are built with.

llama-index's CallbackManager appends the id of every event (an embedding call, a chunking call) to its
trace map, and empties the map only when one of its own traces starts. Our encoder and splitter are
called outside any trace of their own manager (the splitter once an article, the encoder once an
ingest batch and four times a question), so the map grew for the life of the process: two ids an
article while ingesting, four a question in a long-running chat server. Only handlers read the map
(at the end of a trace); with none, it is dropped after each event instead.
"""

from __future__ import annotations

from typing import Any

from llama_index.core.callbacks import CallbackManager


class BoundedCallbackManager(CallbackManager):
    """A CallbackManager that keeps no event ids while it has no handler to hand them to."""

    def __init__(self, handlers: list | None = None) -> None:
        super().__init__(handlers or [])

    def on_event_start(self, *args: Any, **kwargs: Any) -> str:
        event_id = super().on_event_start(*args, **kwargs)
        if not self.handlers:
            self.trace_map.clear()
        return event_id
