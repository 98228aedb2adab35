"""`newsdesk`: the command line. A thin shell: it reads flags into Settings, asks
newsdesk.components for what it needs, and prints what `index` and `rag` return."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from pydantic import BaseModel, ValidationError
from rich.console import Console
from rich.markdown import Markdown
from rich.table import Table

from index.store import ArticleStore, StoreError
from newsdesk.components import ENGINES, Components, UnknownEngine
from newsdesk.progress import IngestProgress
from newsdesk.settings import ConfigFileError, Settings, load_settings
from rag.engines.llm import EngineUnavailable

app = typer.Typer(
    name="newsdesk",
    help="Ask a news archive questions; every claim is cited to the sentence it came from.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
out = Console()
err = Console(stderr=True, soft_wrap=True)

StoreOption = Annotated[
    Path | None, typer.Option("--store", help="Data directory [env NEWSDESK_STORE].", show_default=False)
]
ConfigOption = Annotated[
    Path | None, typer.Option("--config", help="TOML config file [env NEWSDESK_CONFIG].", show_default=False)
]
ChromaOption = Annotated[
    str | None,
    typer.Option("--chroma-url", help="Chroma server URL [env NEWSDESK_CHROMA_URL].", show_default=False),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")]


class QuestionLine(BaseModel):
    id: str | int | None = None
    question: str
    history: list[tuple[str, str]] = []


def fail(message: str, code: int = 2) -> NoReturn:
    err.print(f"[bold red]Error:[/] {message}", highlight=False)
    raise typer.Exit(code)


def settings_from(config: Path | None, **flags: Any) -> Settings:
    """Settings from every source, with user mistakes turned into one clear line."""
    try:
        return load_settings(config, **flags)
    except ConfigFileError as error:
        fail(str(error))
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(map(str, e['loc'])) or 'settings'}: {e['msg']}" for e in error.errors()
        )
        fail(f"invalid setting: {problems}")


def open_store(components: Components) -> ArticleStore:
    """The store, or one line saying where and why it cannot be opened (a Chroma server that is down)."""
    try:
        return components.store
    except StoreError as error:
        fail(str(error), code=1)


def build_assistant(components: Components) -> Any:
    """The assistant; an unknown engine name, then an unreachable store, fail before any model loads."""
    name = components.settings.engine
    if name not in ENGINES:
        fail(f"unknown engine {name!r}; choose one of: {', '.join(ENGINES)}")
    open_store(components)
    try:
        return components.assistant()
    except (UnknownEngine, EngineUnavailable) as error:
        fail(str(error))


def print_json(value: Any) -> None:
    sys.stdout.write(json.dumps(value, ensure_ascii=False) + "\n")
    sys.stdout.flush()


@app.command()
def ingest(
    paths: Annotated[
        list[Path],
        typer.Argument(
            help="Files, folders or glob patterns: .txt .md .html .htm .json .jsonl .csv .zip.",
            show_default=False,
        ),
    ],
    as_json: JsonOption = False,
    prune: Annotated[
        bool, typer.Option("--prune", help="Remove stored articles whose files under PATHS are gone.")
    ] = False,
    store: StoreOption = None,
    chroma_url: ChromaOption = None,
    config: ConfigOption = None,
) -> None:
    """Index articles into the store. Unchanged files are skipped; re-running adds nothing.

    Example: newsdesk ingest ~/archive/2016 notes.md "../shared/corpora/reuters/*.json"
    """
    components = Components(settings_from(config, store=store, chroma_url=chroma_url))
    open_store(components)  # first: a Chroma server that is down fails before the tokenizer loads
    try:
        if as_json:
            report = components.ingestor.ingest(paths, prune=prune)
        else:
            with IngestProgress(paths, err) as progress:
                report = components.ingestor.ingest(paths, progress=progress.update, prune=prune)
    except RuntimeError as error:  # the store failed: nothing more can be done
        fail(str(error), code=1)
    if as_json:
        print_json(report.model_dump(mode="json"))
    else:
        out.print(
            f"{report.added} added, {report.updated} updated, {report.skipped} skipped, "
            f"{report.pruned} pruned, "
            f"{len(report.errors)} error(s) · store: {report.documents} articles, {report.chunks} chunks"
        )
        for problem in report.errors:
            err.print(f"  [red]✗[/] {problem.source}: {problem.reason}", highlight=False)
    if report.errors and report.added + report.updated + report.skipped == 0:
        raise typer.Exit(1)


def _read_questions(path: Path) -> list[QuestionLine]:
    """Every line of a --questions file, validated before any model is loaded."""
    from eval.dataset import DatasetError, load_jsonl

    try:
        return load_jsonl(path, QuestionLine, "questions")
    except DatasetError as error:
        fail(str(error))


@app.command()
def ask(
    question: Annotated[str | None, typer.Argument(help="The question.", show_default=False)] = None,
    as_json: JsonOption = False,
    top_k: Annotated[
        int | None, typer.Option("--top-k", help="Chunks to retrieve.", show_default=False)
    ] = None,
    engine: Annotated[str | None, typer.Option("--engine", help="Answer engine.", show_default=False)] = None,
    questions: Annotated[
        Path | None,
        typer.Option("--questions", help="JSONL file of {id, question, history}.", show_default=False),
    ] = None,
    store: StoreOption = None,
    chroma_url: ChromaOption = None,
    config: ConfigOption = None,
) -> None:
    """Answer a question from the archive, citing the sentences that support it.

    Example: newsdesk ask "Who met in Tehran and when?"
    """
    if (question is None) == (questions is None):
        fail("give either a QUESTION or --questions FILE")
    if question is not None and not question.strip():
        fail("the question is empty")
    batch = _read_questions(questions) if questions else [QuestionLine(question=question or "")]
    components = Components(
        settings_from(config, store=store, chroma_url=chroma_url, top_k=top_k, engine=engine)
    )
    assistant = build_assistant(components)
    if components.ensure_sample_corpus() is not None:
        err.print(f"[dim]Indexed the bundled sample corpus into {components.settings.store}[/]")
    for item in batch:
        try:
            if as_json or not hasattr(assistant.engine, "stream_answer"):
                answer = assistant.ask(item.question, history=item.history)
            else:
                answer = _print_stream(assistant.stream(item.question, history=item.history))
        except EngineUnavailable as error:
            fail(str(error))
        if as_json:
            payload = answer.model_dump(mode="json")
            print_json({"id": item.id, **payload} if questions else payload)
        else:
            out.print(Markdown(_render(answer)))


def _print_stream(stream: Any) -> Any:
    """Print an LLM engine's draft as it is generated (dimmed), then return the verified Answer,
    which is printed in full after it: the check may have removed sentences from the draft."""
    for item in stream:
        if isinstance(item, str):
            err.print(item, end="", style="dim", markup=False, highlight=False)
        else:
            err.print()
            return item
    raise RuntimeError("the answer stream ended without an answer")


def _render(answer: Any) -> str:
    from rag.render import render_markdown

    return render_markdown(answer)


@app.command()
def serve(
    host: Annotated[
        str, typer.Option(help="Address to bind; 127.0.0.1 keeps it on this machine.")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port.")] = 7860,
    store: StoreOption = None,
    chroma_url: ChromaOption = None,
    config: ConfigOption = None,
) -> None:
    """Open the chat page in the browser.

    Example: newsdesk serve --port 7860
    """
    from ui.app import build_app

    components = Components(settings_from(config, store=store, chroma_url=chroma_url))
    assistant = build_assistant(components)
    components.ensure_sample_corpus()
    build_app(assistant).queue(default_concurrency_limit=1).launch(server_name=host, server_port=port)


@app.command()
def status(
    as_json: JsonOption = False,
    store: StoreOption = None,
    chroma_url: ChromaOption = None,
    config: ConfigOption = None,
) -> None:
    """What the store holds: articles, chunks, outlets, dates and the last ingest. Loads no model.

    Example: newsdesk status --json
    """
    components = Components(settings_from(config, store=store, chroma_url=chroma_url))
    summary = open_store(components).summary()
    location = {"store": str(components.settings.store), "chroma_url": components.settings.chroma_url}
    if as_json:
        print_json({**summary.model_dump(mode="json"), **location})
        return
    table = Table(show_header=False, box=None, pad_edge=False)
    table.add_column(style="bold")
    table.add_column()
    outlets = ", ".join(f"{name} ({count})" for name, count in summary.outlets.items())
    dates = f"{summary.published_from} .. {summary.published_to}" if summary.published_from else "—"
    for label, value in (
        ("documents", str(summary.documents)),
        ("chunks", str(summary.chunks)),
        ("outlets", outlets or "—"),
        ("published", dates),
        ("last ingest", summary.last_ingest or "—"),
        ("store", location["store"]),
        ("chroma", location["chroma_url"] or "embedded (in the store directory)"),
    ):
        table.add_row(label, value)
    out.print(table, highlight=False)


@app.command()
def show(
    source: Annotated[
        str, typer.Argument(help="The article's source as ingested (path, path#record, URL) or its doc_id.")
    ],
    as_json: JsonOption = False,
    store: StoreOption = None,
    chroma_url: ChromaOption = None,
    config: ConfigOption = None,
) -> None:
    """Print one stored article: its cleaned text, metadata and chunk count. Loads no model.

    Example: newsdesk show ~/archive/2016/tehran.txt
    """
    components = Components(settings_from(config, store=store, chroma_url=chroma_url))
    articles = open_store(components)
    article = articles.find_article(source)
    if article is None:
        fail(f"{source}: no stored article has this source or doc_id", code=1)
    hidden = ("doc_id", "source", "chunks")  # top-level fields of the answer
    metadata = {key: value for key, value in article.metadata.items() if key not in hidden}
    payload = {
        "doc_id": article.doc_id,
        "source": article.metadata.get("source"),
        "text": article.text,
        "metadata": metadata,
        "chunks": articles.count_article_chunks(article.doc_id),
    }
    if as_json:
        print_json(payload)
        return
    out.print(f"[bold]{metadata.get('title') or '(untitled)'}[/]", highlight=False)
    facts = (metadata.get("outlet"), metadata.get("published"), f"{payload['chunks']} chunk(s)")
    out.print(" · ".join(str(fact) for fact in facts if fact), style="dim", highlight=False)
    out.print(str(payload["source"]), style="dim", highlight=False)
    out.print()
    out.print(article.text, highlight=False, markup=False)


@app.command("eval")
def evaluate(
    dataset: Annotated[
        Path | None, typer.Option("--dataset", help="JSONL evaluation set [default: the sample set].")
    ] = None,
    engine: Annotated[str | None, typer.Option("--engine", help="Answer engine.", show_default=False)] = None,
    as_json: JsonOption = False,
    min_correctness: Annotated[
        float | None, typer.Option("--min-correctness", help="Release gate.", show_default=False)
    ] = None,
    store: StoreOption = None,
    chroma_url: ChromaOption = None,
    config: ConfigOption = None,
) -> None:
    """Score the answers on an evaluation set; exit 1 when correctness is below the gate.

    Example: newsdesk eval --json
    """
    import time

    from eval.dataset import DatasetError, bundled_dataset, load_dataset
    from eval.score import aggregate, score_answer

    try:
        questions = load_dataset(dataset or bundled_dataset())
    except DatasetError as error:
        fail(str(error))
    settings = settings_from(
        config, store=store, chroma_url=chroma_url, engine=engine, eval_min_correctness=min_correctness
    )
    components = Components(settings)
    assistant = build_assistant(components)
    components.ensure_sample_corpus()
    results = []
    for item in questions:
        started = time.perf_counter()
        answer = assistant.ask(item.question, history=item.history)
        results.append(score_answer(item, answer, time.perf_counter() - started))
    summary = {"engine": assistant.engine.name, **aggregate(results)}
    passed = (summary["correctness"] or 0.0) >= settings.eval_min_correctness
    summary["gate"] = {"min_correctness": settings.eval_min_correctness, "passed": passed}
    if as_json:
        print_json(summary)
    else:
        out.print(
            f"correctness {summary['correctness']:.2f}"
            f" · abstention accuracy {summary['abstention_accuracy']:.2f}"
            f" · {summary['questions']} questions · engine {summary['engine']}"
        )
        for failure in summary["failures"]:
            out.print(
                f"  ✗ {failure['id']} ({failure['type']}): missing {failure['missing']}", highlight=False
            )
        out.print(
            "gate passed" if passed else f"[red]gate failed: correctness < {settings.eval_min_correctness}[/]"
        )
    if not passed:
        raise typer.Exit(1)


def main() -> None:
    app()
