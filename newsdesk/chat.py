"""`newsdesk chat`: an interactive terminal conversation over the Assistant.

Keeps the conversation's history (so follow-ups are rewritten by the Assistant), prints the answer
(as an LLM engine streams it), then the verified answer's numbered sources, one per cited article.
Reads typed lines from a terminal, or lines piped on stdin (then each question is echoed, so the
transcript reads well).
"""

from __future__ import annotations

import shlex
import sys
from collections.abc import Iterator

from rich.console import Console
from rich.markdown import Markdown

from newsdesk.rag.assistant import Assistant, Turn
from newsdesk.rag.filters import FilterError, describe_filters, filters_from_flags
from newsdesk.rag.models import Answer, Filters
from newsdesk.rag.render import direct_answer, not_covered_line, render_sources

HELP = (
    "Ask a question, or: /new (new conversation) · /filters [--since YYYY[-MM[-DD]]] [--until ...] "
    "[--outlet NAME]... [--source FILE]... · /filters clear · /help · /quit"
)
_FLAGS = {"--since": "since", "--until": "until", "--outlet": "outlets", "--source": "sources"}


def parse_filter_command(arguments: str) -> Filters:
    """`--since 2016 --outlet "Press TV"` (the /filters command) as Filters; FilterError when unreadable."""
    try:
        tokens = shlex.split(arguments)
    except ValueError as error:
        raise FilterError(f"/filters {arguments}: {error}") from error
    values: dict[str, list[str]] = {"since": [], "until": [], "outlets": [], "sources": []}
    for flag, value in zip(tokens[::2], tokens[1::2], strict=False):
        if flag not in _FLAGS:
            raise FilterError(f"/filters: unknown option {flag!r}; use {', '.join(_FLAGS)}")
        values[_FLAGS[flag]].append(value)
    if len(tokens) % 2:
        raise FilterError(f"/filters: {tokens[-1]!r} needs a value")
    return filters_from_flags(
        values["since"][-1] if values["since"] else None,
        values["until"][-1] if values["until"] else None,
        values["outlets"],
        values["sources"],
    )


class ChatSession:
    """One conversation: its history and filters, and what each typed line does to them."""

    def __init__(self, assistant: Assistant, filters: Filters, console: Console) -> None:
        self.assistant = assistant
        self.filters = filters
        self.console = console
        self.history: list[Turn] = []

    def handle(self, line: str) -> bool:
        """Act on one line; False when the user has quit."""
        line = line.strip()
        if not line:
            return True
        if line.startswith("/"):
            return self._command(line)
        self._answer(line)
        return True

    def _command(self, line: str) -> bool:
        name, _, arguments = line.partition(" ")
        match name:
            case "/quit" | "/exit":
                return False
            case "/new":
                self.history.clear()
                self.console.print("[dim]New conversation.[/]")
            case "/filters":
                if arguments.strip() == "clear":
                    self.filters = Filters()
                elif arguments.strip():
                    try:
                        self.filters = parse_filter_command(arguments)
                    except FilterError as error:
                        self.console.print(f"[bold red]Error:[/] {error}", highlight=False)
                        return True
                self.show_filters()
            case "/help":
                self.console.print(HELP, highlight=False)
            case _:
                self.console.print(f"[bold red]Error:[/] unknown command {name}. {HELP}", highlight=False)
        return True

    def show_filters(self) -> None:
        described = describe_filters(self.filters) if not self.filters.is_empty() else "none"
        self.console.print(f"[dim]Filters: {described}[/]", highlight=False)

    def _answer(self, question: str) -> None:
        # A streaming engine's draft is shown as it comes; any other answer is shown whole, in the order
        # of every output (rag.render): the direct answer, the text, the parts the archive does not answer.
        live = self.assistant.engine.streams_tokens
        streamed: list[str] = []
        final: Answer | None = None
        for item in self.assistant.stream(question, history=self.history, filters=self.filters):
            if isinstance(item, Answer):
                final = item
            else:
                streamed.append(item)
                if live:
                    self.console.print(item, end="", markup=False, highlight=False, soft_wrap=True)
        assert final is not None  # Assistant.stream always ends with the verified Answer
        short = direct_answer(final)
        whole = not live  # what streamed is shown again when it changed, or to put a direct answer first
        if live:
            self.console.print()
            changed = final.answer != "".join(streamed)
            whole = not final.abstained and bool(changed or short)
            if changed and whole:
                # The citation check (or the date notes) changed the draft: show what stands.
                self.console.print("[dim]After the citation check:[/]")
        if whole:
            if short:
                self.console.print(short, style="bold", markup=False, highlight=False, soft_wrap=True)
            self.console.print(final.answer, markup=False, highlight=False, soft_wrap=True)
        if final.abstained:
            self.console.print("[bold yellow]No answer from the archive.[/]")
        if missing := not_covered_line(final):
            self.console.print(missing, style="italic yellow", markup=False, highlight=False, soft_wrap=True)
        if final.retrieval_query and final.retrieval_query != question:
            self.console.print(f"[dim]Searched as: {final.retrieval_query}[/]", highlight=False)
        if final.filters is not None:
            self.console.print(f"[dim]Filters: {describe_filters(final.filters)}[/]", highlight=False)
        sources = render_sources(final)
        if sources:
            self.console.print(Markdown(sources))
        self.console.print()
        self.history.append((question, final.answer))


def _lines(console: Console) -> Iterator[str]:
    """Typed lines from a terminal, or piped lines echoed after the prompt."""
    while True:
        if sys.stdin.isatty():
            try:
                yield console.input("[bold cyan]you ›[/] ")
            except EOFError:
                return
        else:
            line = sys.stdin.readline()
            if not line:
                return
            console.print(f"[bold cyan]you ›[/] {line.rstrip()}", highlight=False)
            yield line


def run_chat(assistant: Assistant, filters: Filters, console: Console) -> None:
    session = ChatSession(assistant, filters, console)
    console.print(f"[dim]{HELP}[/]", highlight=False)
    if not filters.is_empty():
        session.show_filters()
    for line in _lines(console):
        if not session.handle(line):
            return
