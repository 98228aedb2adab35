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
from rag.filters import FilterError, filters_from_flags, merge_filters
from rag.models import Filters

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


SinceOption = Annotated[
    str | None,
    typer.Option("--since", help="Only articles published on or after YYYY[-MM[-DD]].", show_default=False),
]
UntilOption = Annotated[
    str | None,
    typer.Option("--until", help="Only articles published on or before YYYY[-MM[-DD]].", show_default=False),
]
OutletOption = Annotated[
    list[str] | None,
    typer.Option("--outlet", help="Only this outlet (any case); repeatable.", show_default=False),
]
SourceOption = Annotated[
    list[str] | None,
    typer.Option("--source", help="Only this file name, path or URL; repeatable.", show_default=False),
]


class QuestionLine(BaseModel):
    id: str | int | None = None
    question: str
    history: list[tuple[str, str]] = []
    filters: Filters | None = None


def read_filters(
    since: str | None, until: str | None, outlets: list[str] | None, sources: list[str] | None
) -> Filters:
    """The filter flags, or exit 2 naming the flag and what is wrong with it."""
    try:
        return filters_from_flags(since, until, outlets or (), sources or ())
    except FilterError as error:
        fail(str(error))


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
    except UnknownEngine as error:
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
        typer.Option(
            "--questions", help="JSONL file of {id, question, history, filters}.", show_default=False
        ),
    ] = None,
    since: SinceOption = None,
    until: UntilOption = None,
    outlet: OutletOption = None,
    source: SourceOption = None,
    store: StoreOption = None,
    chroma_url: ChromaOption = None,
    config: ConfigOption = None,
) -> None:
    """Answer a question from the archive, citing the sentences that support it.

    Example: newsdesk ask "Who met in Tehran and when?" --outlet afp --since 2016
    """
    if (question is None) == (questions is None):
        fail("give either a QUESTION or --questions FILE")
    if question is not None and not question.strip():
        fail("the question is empty")
    flags = read_filters(since, until, outlet, source)
    batch = _read_questions(questions) if questions else [QuestionLine(question=question or "")]
    components = Components(
        settings_from(config, store=store, chroma_url=chroma_url, top_k=top_k, engine=engine)
    )
    assistant = build_assistant(components)
    if components.ensure_sample_corpus() is not None:
        err.print(f"[dim]Indexed the bundled sample corpus into {components.settings.store}[/]")
    for item in batch:
        # A line's own filters win over the flags (see merge_filters).
        filters = merge_filters(item.filters, flags)
        answer = assistant.ask(item.question, history=item.history, filters=filters)
        if as_json:
            payload = answer.model_dump(mode="json")
            print_json({"id": item.id, **payload} if questions else payload)
        else:
            out.print(Markdown(_render(answer)))


@app.command()
def chat(
    since: SinceOption = None,
    until: UntilOption = None,
    outlet: OutletOption = None,
    source: SourceOption = None,
    top_k: Annotated[
        int | None, typer.Option("--top-k", help="Chunks to retrieve.", show_default=False)
    ] = None,
    engine: Annotated[str | None, typer.Option("--engine", help="Answer engine.", show_default=False)] = None,
    store: StoreOption = None,
    chroma_url: ChromaOption = None,
    config: ConfigOption = None,
) -> None:
    """Talk with the archive in the terminal; follow-ups are read with the conversation.

    Commands: /new, /filters [--since ..] [--outlet ..], /filters clear, /help, /quit.
    Example: newsdesk chat --since 2016 --outlet afp
    """
    from newsdesk.chat import run_chat

    filters = read_filters(since, until, outlet, source)
    components = Components(
        settings_from(config, store=store, chroma_url=chroma_url, top_k=top_k, engine=engine)
    )
    assistant = build_assistant(components)
    if components.ensure_sample_corpus() is not None:
        err.print(f"[dim]Indexed the bundled sample corpus into {components.settings.store}[/]")
    run_chat(assistant, filters, out)


def _render(answer: Any) -> str:
    from rag.render import render_markdown

    return render_markdown(answer)


@app.command()
def serve(
    host: Annotated[
        str, typer.Option(help="Address to bind; 127.0.0.1 keeps it on this machine.")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port.")] = 7860,
    auth: Annotated[
        str | None,
        typer.Option("--auth", help='Require a login "user:pass" [env NEWSDESK_AUTH].', show_default=False),
    ] = None,
    store: StoreOption = None,
    chroma_url: ChromaOption = None,
    config: ConfigOption = None,
) -> None:
    """Open the chat page in the browser, with the /ask and /ingest API for gradio_client.

    Example: newsdesk serve --port 7860 --auth editor:secret
    """
    import os

    settings = settings_from(config, store=store, chroma_url=chroma_url, auth=auth)
    # Uploads and gradio's cached files stay inside the data directory; read when gradio is imported.
    os.environ["GRADIO_TEMP_DIR"] = str(settings.store / "gradio-tmp")
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    from ui.app import build_app
    from ui.app import serve as serve_app
    from ui.archive import UploadInbox

    components = Components(settings)
    build_assistant(components)  # an unknown engine or unreachable store fails before the page starts
    components.ensure_sample_corpus()
    inbox = UploadInbox(settings.store / "uploads", settings.upload_max_mb)
    page = build_app(components, inbox, run_evaluation=lambda engine: evaluation_markdown(components, engine))
    err.print(f"Newsdesk on http://{host}:{port}/" + (" (login required)" if settings.auth else ""))
    serve_app(page, components, host, port)


def evaluation_markdown(components: Components, engine: str) -> str:
    """The grounding evaluation on the bundled set as Markdown: the UI's Evaluation tab (as `eval`)."""
    import time

    from eval.dataset import bundled_dataset, load_dataset
    from eval.score import aggregate, score_answer

    assistant = components.assistant(engine or None)
    results = []
    for item in load_dataset(bundled_dataset()):
        started = time.perf_counter()
        answer = assistant.ask(item.question, history=item.history)
        results.append(score_answer(item, answer, time.perf_counter() - started))
    summary = aggregate(results)
    gate = components.settings.eval_min_correctness
    lines = [
        f"**correctness {summary['correctness']:.2f}** · abstention accuracy "
        f"{summary['abstention_accuracy']:.2f} · {summary['questions']} questions · engine "
        f"{assistant.engine.name} · gate {gate:.2f}: "
        + ("passed" if (summary["correctness"] or 0.0) >= gate else "**failed**"),
        "",
    ]
    lines += [f"- ✗ {f['id']} ({f['type']}): missing {f['missing']}" for f in summary["failures"]]
    return "\n".join(lines)


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
