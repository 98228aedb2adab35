"""The chat page's work: turn the controls into an Assistant call and its Answer into chat messages.

Both the page's chat box and the named `/ask` API endpoint go through `ChatService`, so a script
driving the API gets exactly what the page shows (and what `newsdesk ask --json` prints).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

from newsdesk.rag.assistant import Assistant
from newsdesk.rag.filters import FilterError, parse_partial_date
from newsdesk.rag.models import Answer, Filters
from newsdesk.rag.render import render_markdown
from newsdesk.ui.cards import answer_message_html, escape_text
from pydantic import ValidationError

from newsdesk.components import Components
from newsdesk.settings import EngineName, engine_name

Message = dict[str, Any]
"""A gr.Chatbot message: {"role": "user" | "assistant", "content": str}."""


class BadRequest(ValueError):
    """A control or API parameter the answer cannot be computed from; the message names it."""


def parse_filters(date_from: str, date_to: str, outlets: list[str] | str | None) -> Filters | None:
    """Filters from the page's controls or the API's strings ("" means no limit); None when empty. The date
    boxes take the forms `--since`/`--until` take (`2016`, `2016-09`, `19 September 2016`, ...): "From" is
    the first day of the period written, "To" its last."""
    if isinstance(outlets, str):
        outlets = [name.strip() for name in outlets.split(",")]
    date_from, date_to = (date_from or "").strip(), (date_to or "").strip()
    try:
        first = parse_partial_date(date_from, end=False, name="date_from") if date_from else None
        last = parse_partial_date(date_to, end=True, name="date_to") if date_to else None
    except FilterError as error:
        raise BadRequest(f"invalid filter: {error}") from error
    values = {
        "date_from": first,
        "date_to": last,
        "outlets": [name for name in (outlets or []) if name and name.strip()],
    }
    try:
        filters = Filters.model_validate(values)
    except ValidationError as error:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in error.errors())
        raise BadRequest(f"invalid filter: {problems}") from error
    if filters.date_from and filters.date_to and filters.date_from > filters.date_to:
        raise BadRequest(f"invalid filter: date_from {filters.date_from} is after date_to {filters.date_to}")
    return None if filters.is_empty() else filters


# The bounds of the `top_k` setting (newsdesk.settings), which the CLI's --top-k is validated against.
MIN_TOP_K, MAX_TOP_K = 1, 100


class ChatService:
    """Answers for the page and the API from one set of components (one loaded model)."""

    def __init__(self, components: Components) -> None:
        self.components = components
        self._assistants: dict[str, Assistant] = {}
        self._lock = threading.Lock()

    def engine(self, engine: str | None) -> EngineName:
        """The engine a control or API parameter names (the configured one when empty); BadRequest
        naming the choices when it is not one."""
        try:
            return engine_name((engine or "").strip() or self.components.settings.engine.mode)
        except ValidationError as error:
            raise BadRequest("; ".join(e["msg"] for e in error.errors())) from error

    def assistant(self, engine: str | None) -> Assistant:
        """The assistant of `engine` (the configured one when empty), built once and shared."""
        name = self.engine(engine)
        with self._lock:  # concurrent first questions must not load the same model twice
            if name not in self._assistants:
                self._assistants[name] = self.components.assistant(name)
            return self._assistants[name]

    def ask(
        self,
        question: str,
        engine: str = "",
        top_k: int = 0,
        date_from: str = "",
        date_to: str = "",
        outlet: str = "",
    ) -> Answer:
        if not question or not question.strip():
            raise BadRequest("the question is empty")
        if top_k and not MIN_TOP_K <= top_k <= MAX_TOP_K:
            # The CLI's --top-k is held to these bounds by the settings; the API is held to the same.
            raise BadRequest(f"top_k {top_k}: expected {MIN_TOP_K} to {MAX_TOP_K} (0: the configured value)")
        filters = parse_filters(date_from, date_to, outlet)
        return self.assistant(engine).ask(question, top_k=top_k or None, filters=filters)

    def respond(
        self,
        question: str,
        chat: list[Message],
        answers: list[dict],
        engine: str,
        top_k: int,
        filters: Filters | None,
    ) -> Iterator[tuple[list[Message], list[dict], str]]:
        """(chat, answers, answer as Markdown) after each streamed delta and once with the verified
        answer, its notice and its source cards. `answers` holds the earlier turns' Answer JSON."""
        if not question or not question.strip():
            raise BadRequest("the question is empty")
        assistant = self.assistant(engine)
        history = [(item["question"], item["answer"]) for item in answers]
        turn = len(answers)
        chat = [*chat, {"role": "user", "content": escape_text(question)}]
        draft = ""
        final: Answer | None = None
        for item in assistant.stream(question, history, top_k=top_k or None, filters=filters):
            if isinstance(item, Answer):
                final = item
                break
            draft += item
            yield [*chat, {"role": "assistant", "content": escape_text(draft)}], answers, ""
        if final is None:  # the Assistant.stream contract: the Answer is always the last item
            raise RuntimeError("the assistant's stream ended without an answer")
        # The citations carry their context from the assistant's one read of the cited articles.
        message = answer_message_html(final, None, turn)
        yield (
            [*chat, {"role": "assistant", "content": message}],
            [*answers, final.model_dump(mode="json")],
            render_markdown(final),
        )
