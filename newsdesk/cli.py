"""`newsdesk`: the command line. A thin shell: it reads flags into Settings, asks
newsdesk.components for what it needs, and prints what `index` and `rag` return."""

from __future__ import annotations

import json
import sys
import tempfile
import time
import warnings
from pathlib import Path
from typing import Annotated, Any, NoReturn, get_args

import typer
from pydantic import BaseModel, ValidationError
from rich.console import Console
from rich.markdown import Markdown
from rich.markup import escape
from rich.table import Table

from newsdesk.components import Components, sample_corpus_dir
from newsdesk.index.embed import encoder_needs_export
from newsdesk.index.store import ArticleStore, StoreError
from newsdesk.index.writers import StoreBusy
from newsdesk.progress import IngestProgress
from newsdesk.rag.engines.base import EngineUnavailable
from newsdesk.rag.filters import FilterError, filters_from_flags, merge_filters
from newsdesk.rag.models import Filters
from newsdesk.settings import (
    ConfigFileError,
    DeprecatedSettingName,
    EngineName,
    JudgeKind,
    Settings,
    engine_name,
    env_name,
    load_settings,
)

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
    Path | None,
    typer.Option("--store", help=f"Data directory (env {env_name('store', 'path')}).", show_default=False),
]
ConfigOption = Annotated[
    Path | None, typer.Option("--config", help="TOML config file (env NEWSDESK_CONFIG).", show_default=False)
]
ChromaOption = Annotated[
    str | None,
    typer.Option(
        "--chroma-url",
        help=f"Chroma server URL (env {env_name('store', 'chroma_url')}).",
        show_default=False,
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")]
AuthFileOption = Annotated[
    Path | None,
    typer.Option(
        "--auth-file",
        help=f'Require a login: a file whose first line is "user:pass" (or env {env_name("serve", "auth")}).',
        show_default=False,
    ),
]
TopKOption = Annotated[
    int | None,
    typer.Option(
        "--top-k",
        help=f"Chunks to retrieve (env {env_name('retrieval', 'top_k')}).",
        show_default=False,
    ),
]
EngineOption = Annotated[
    str | None,
    typer.Option(
        "--engine",
        help=f"Answer engine: {', '.join(get_args(EngineName))} (env {env_name('engine', 'mode')}).",
        show_default=False,
    ),
]


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
    # Escaped: a message may hold "[retrieval]" or a path with brackets, which rich would take for markup.
    err.print(f"[bold red]Error:[/] {escape(message)}", highlight=False)
    raise typer.Exit(code)


def store_flags(store: Path | None, chroma_url: str | None) -> dict[str, Any]:
    """The --store and --chroma-url flags as the `store` settings group."""
    return {"path": store, "chroma_url": chroma_url}


def settings_from(config: Path | None, **flags: Any) -> Settings:
    """Settings from every source (`flags` by group, as `load_settings` takes them), with user mistakes
    turned into one clear line, and one line for each deprecated setting name used."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", DeprecatedSettingName)
        try:
            settings: Settings | None = load_settings(config, **flags)
            problem = ""
        except ConfigFileError as error:
            settings, problem = None, str(error)
        except ValidationError as error:
            settings, problem = (
                None,
                "invalid setting: "
                + "; ".join(
                    f"{'.'.join(map(str, e['loc'])) or 'settings'}: {e['msg']}" for e in error.errors()
                ),
            )
    for warning in caught:
        if issubclass(warning.category, DeprecatedSettingName):
            err.print(f"newsdesk: {warning.message}", highlight=False, markup=False)
        else:  # not ours to word: shown as Python would have shown it
            warnings.showwarning(warning.message, warning.category, warning.filename, warning.lineno)
    if settings is None:
        fail(problem)
    return settings


def checked_engine(flag: str, name: str) -> EngineName:
    """An engine name given by `flag`, or exit 2 naming the choices: before any model loads."""
    try:
        return engine_name(name)
    except ValidationError as error:
        fail(f"{flag}: " + "; ".join(e["msg"] for e in error.errors()))


def require_existing_store(components: Components) -> None:
    """A reading command on an embedded store that was never created is one line, exit 1: a mistyped
    --store must not silently become a new, empty archive. (The default store is made on first use.)"""
    store = components.settings.store
    if store.chroma_url or components.is_default_store() or (store.path / "chroma").is_dir():
        return
    fail(
        f"{store.path}: no Newsdesk store here; create one with: newsdesk ingest --store {store.path} PATH", 1
    )


def open_store(components: Components) -> ArticleStore:
    """The store, or one line saying where and why it cannot be opened (a Chroma server that is down)."""
    try:
        return components.store
    except (StoreError, StoreBusy) as error:
        fail(str(error), code=1)


def announce_encoder_export(components: Components) -> None:
    """One line before the encoder's one-time export, so that a first run's wait is explained."""
    if encoder_needs_export(components.settings.ingest.embed_model, components.settings.ingest.encoder):
        err.print("[dim]Preparing the encoder (first run only, about half a minute)…[/]")


def build_assistant(components: Components, reading: bool = True) -> Any:
    """The assistant; a store that does not exist (when `reading`), an unreachable store, then an
    unavailable engine, fail before any model loads. (An unknown engine name never gets this far: the
    settings refuse it.)"""
    if reading:
        require_existing_store(components)
    open_store(components)
    announce_encoder_export(components)
    try:
        return components.assistant()
    except EngineUnavailable as error:
        fail(str(error))


def print_json(value: Any) -> None:
    sys.stdout.write(json.dumps(value, ensure_ascii=False) + "\n")
    sys.stdout.flush()


@app.command()
def ingest(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(
            help="Files, folders or glob patterns: .txt .md .html .htm .json .jsonl .csv .zip.",
            show_default=False,
        ),
    ] = None,
    as_json: JsonOption = False,
    prune: Annotated[
        bool, typer.Option("--prune", help="Remove stored articles whose files under PATHS are gone.")
    ] = False,
    sample_corpus: Annotated[
        bool, typer.Option("--sample-corpus", help="Also index the bundled sample corpus (three articles).")
    ] = False,
    store: StoreOption = None,
    chroma_url: ChromaOption = None,
    config: ConfigOption = None,
) -> None:
    """Index articles into the store. Unchanged files are skipped; re-running adds nothing.

    Example: newsdesk ingest ~/archive/2016 notes.md "../shared/corpora/reuters/*.json"
    """
    paths = [*(paths or []), *([sample_corpus_dir()] if sample_corpus else [])]
    if not paths:
        fail("give one or more PATHs to ingest (or --sample-corpus)")
    components = Components(settings_from(config, store=store_flags(store, chroma_url)))
    open_store(components)  # first: a Chroma server that is down fails before the tokenizer loads
    announce_encoder_export(components)
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
    from newsdesk.eval.dataset import DatasetError, load_jsonl

    try:
        return load_jsonl(path, QuestionLine, "questions")
    except DatasetError as error:
        fail(str(error))


@app.command()
def ask(
    question: Annotated[str | None, typer.Argument(help="The question.", show_default=False)] = None,
    as_json: JsonOption = False,
    top_k: TopKOption = None,
    engine: EngineOption = None,
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
        settings_from(
            config, store=store_flags(store, chroma_url), retrieval={"top_k": top_k}, engine={"mode": engine}
        )
    )
    assistant = build_assistant(components)
    if components.ensure_sample_corpus() is not None:
        err.print(f"[dim]Indexed the bundled sample corpus into {components.settings.store.path}[/]")
    for item in batch:
        # A line's own filters win over the flags (see merge_filters).
        filters = merge_filters(item.filters, flags)
        try:
            if as_json or not assistant.engine.streams_tokens:
                answer = assistant.ask(item.question, history=item.history, filters=filters)
            else:
                answer = _print_stream(assistant.stream(item.question, history=item.history, filters=filters))
        except EngineUnavailable as error:
            fail(str(error))
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
    top_k: TopKOption = None,
    engine: EngineOption = None,
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
        settings_from(
            config, store=store_flags(store, chroma_url), retrieval={"top_k": top_k}, engine={"mode": engine}
        )
    )
    assistant = build_assistant(components)
    if components.ensure_sample_corpus() is not None:
        err.print(f"[dim]Indexed the bundled sample corpus into {components.settings.store.path}[/]")
    run_chat(assistant, filters, out)


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
    from newsdesk.rag.render import render_markdown

    return render_markdown(answer)


@app.command()
def serve(
    host: Annotated[
        str, typer.Option(help="Address to bind; 127.0.0.1 keeps it on this machine.")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port.")] = 7860,
    auth_file: AuthFileOption = None,
    insecure_no_auth: Annotated[
        bool,
        typer.Option("--insecure-no-auth", help="Serve beyond this machine without a login (not advised)."),
    ] = False,
    auth: Annotated[str | None, typer.Option("--auth", hidden=True)] = None,
    store: StoreOption = None,
    chroma_url: ChromaOption = None,
    config: ConfigOption = None,
) -> None:
    """Open the chat page in the browser, with the /ask and /ingest API for gradio_client.

    Example: NEWSDESK_SERVE__AUTH=editor:secret newsdesk serve --host 0.0.0.0 --port 7860
    """
    from newsdesk.ui.guard import is_loopback

    if auth is not None:
        # Every user of the machine can read a process's arguments (ps): a password never goes there.
        fail(
            "--auth: a password on the command line is visible to every user of this machine (ps); "
            f"put the login in {env_name('serve', 'auth')}=user:pass or in a file given with --auth-file"
        )
    if auth_file is not None:
        try:
            auth = auth_file.read_text(encoding="utf-8").splitlines()[0].strip()
        except (OSError, UnicodeDecodeError, IndexError) as error:
            fail(f"--auth-file {auth_file}: cannot read a login from it ({error or 'empty file'})")
    import os

    settings = settings_from(config, store=store_flags(store, chroma_url), serve={"auth": auth})
    if settings.serve.login() is None and not is_loopback(host) and not insecure_no_auth:
        fail(
            f"refusing to serve on {host} without a login: anyone who can reach this machine could read and "
            f"change the archive; set {env_name('serve', 'auth')}=user:pass or --auth-file FILE "
            "(or --insecure-no-auth)"
        )
    # Uploads and gradio's cached files stay inside the data directory; read when gradio is imported.
    os.environ["GRADIO_TEMP_DIR"] = str(settings.store.path / "gradio-tmp")
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    from newsdesk.ui.app import build_app
    from newsdesk.ui.app import serve as serve_app
    from newsdesk.ui.archive import UploadInbox

    components = Components(settings)
    # An unavailable engine or unreachable store fails before the page starts; a new store may be made here
    # (an archive started through the page's uploads).
    build_assistant(components, reading=False)
    components.ensure_sample_corpus()
    inbox = UploadInbox(
        settings.store.path / "uploads",
        settings.serve.upload_max_mb,
        received=settings.store.path / "gradio-tmp",
    )
    page = build_app(components, inbox)
    login = " (login required)" if settings.serve.auth else " (NO LOGIN: open to anyone who can reach it)"
    err.print(
        f"Newsdesk on http://{host}:{port}/" + (login if settings.serve.auth or not is_loopback(host) else "")
    )
    serve_app(page, components, host, port)


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
    components = Components(settings_from(config, store=store_flags(store, chroma_url)))
    require_existing_store(components)
    summary = open_store(components).summary()
    where = components.settings.store
    location = {"store": str(where.path), "chroma_url": where.chroma_url}
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
    components = Components(settings_from(config, store=store_flags(store, chroma_url)))
    require_existing_store(components)
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
    # "Untitled article", as the source cards say (rag.render.UNTITLED, not imported: `show` loads no rag/).
    out.print(metadata.get("title") or "Untitled article", style="bold", markup=False, highlight=False)
    facts = (metadata.get("outlet"), metadata.get("published"), f"{payload['chunks']} chunk(s)")
    out.print(" · ".join(str(fact) for fact in facts if fact), style="dim", highlight=False)
    out.print(str(payload["source"]), style="dim", highlight=False)
    out.print()
    out.print(article.text, highlight=False, markup=False)


eval_app = typer.Typer(
    help="Score answers on an evaluation set against the release gate; `eval generate` drafts questions.",
    invoke_without_command=True,
)
app.add_typer(eval_app, name="eval")
GateOption = Annotated[
    float | None, typer.Option(help="Release gate threshold (env NEWSDESK_GATE__*).", show_default=False)
]


@eval_app.callback(invoke_without_command=True)
def evaluate(
    ctx: typer.Context,
    dataset: Annotated[
        Path | None, typer.Option("--dataset", help="JSONL evaluation set [default: the sample set].")
    ] = None,
    engines: Annotated[
        list[str] | None,
        typer.Option("--engine", help="Answer engine; repeat to compare engines.", show_default=False),
    ] = None,
    as_json: JsonOption = False,
    report: Annotated[
        Path | None,
        typer.Option(
            "--report", help="Write report.md, report.json and report.html here.", show_default=False
        ),
    ] = None,
    compare_with: Annotated[
        Path | None,
        typer.Option(
            "--compare",
            help="An earlier run's report.json: the deltas, their significance and the flipped questions.",
            show_default=False,
        ),
    ] = None,
    baseline: Annotated[
        Path | None,
        typer.Option(
            "--baseline",
            help="A baseline report.json: the gate also fails on any significant regression against it.",
            show_default=False,
        ),
    ] = None,
    judge: Annotated[
        str | None,
        typer.Option("--judge", help="Engine whose LLM second-checks citations.", show_default=False),
    ] = None,
    citation_judge: Annotated[
        JudgeKind | None,
        typer.Option(
            "--citation-judge",
            help="Judge of citation recall/precision: trained or heuristic (default: the pipeline's own).",
            show_default=False,
        ),
    ] = None,
    top_k: TopKOption = None,
    min_correctness: GateOption = None,
    min_citation_recall: GateOption = None,
    min_citation_precision: GateOption = None,
    max_unsupported: GateOption = None,
    min_abstention_accuracy: GateOption = None,
    min_recall_at_k: GateOption = None,
    store: StoreOption = None,
    chroma_url: ChromaOption = None,
    config: ConfigOption = None,
) -> None:
    """Score the answers on an evaluation set; exit 1 when a release-gate threshold fails or, with
    --baseline, a figure regresses significantly against the baseline report.

    Example: newsdesk eval --dataset eval/datasets/sample.jsonl --report out/ --baseline old/report.json
    """
    if ctx.invoked_subcommand is not None:
        return
    from newsdesk.eval.compare import compare, load_report
    from newsdesk.eval.dataset import DatasetError, bundled_dataset, load_dataset
    from newsdesk.eval.judge import LlmJudge
    from newsdesk.eval.report import write_report
    from newsdesk.eval.run import evaluate

    path = dataset or bundled_dataset()
    try:  # every user file is checked before any model loads
        questions = load_dataset(path)
        earlier = load_report(compare_with) if compare_with else None
        base = load_report(baseline) if baseline else None
        if base is not None and not base.get("results"):
            raise DatasetError(f"{baseline}: no per-question results to test against (an older report?)")
    except DatasetError as error:
        fail(str(error))
    names = [checked_engine("--engine", name) for name in dict.fromkeys(engines or [])]
    referee_engine = checked_engine("--judge", judge) if judge else None
    settings = settings_from(
        config,
        store=store_flags(store, chroma_url),
        retrieval={"top_k": top_k},
        engine={"mode": names[0] if names else None},
        gate={
            "min_correctness": min_correctness,
            "min_citation_recall": min_citation_recall,
            "min_citation_precision": min_citation_precision,
            "max_unsupported_share": max_unsupported,
            "min_abstention_accuracy": min_abstention_accuracy,
            "min_recall_at_k": min_recall_at_k,
        },
    )
    components = Components(settings)
    assistants = [build_assistant(components)]
    assistants += [components.assistant(name) for name in names[1:]]
    components.ensure_sample_corpus()
    referee = None
    if referee_engine:
        referee = LlmJudge.of_engine(components.engine(referee_engine))
        if referee is None:
            err.print(f"[dim]--judge {judge}: this engine has no language model; no second opinion.[/]")
    summary = evaluate(
        assistants,
        questions,
        str(path),
        settings.gate,
        judge=referee,
        citation_check=components.citation_check(citation_judge),
        store=components.store,
        baseline=base,
        yardsticks=components.citation_checks(),
    )
    if baseline is not None:
        summary["gate"]["baseline"] = str(baseline)
        summary["compare"] = {"against": str(baseline), **summary["compare"]}
    if earlier is not None:
        summary["compare"] = {"against": str(compare_with), **compare(summary, earlier)}
    if report is not None:
        write_report(summary, report)
    if as_json:
        print_json(summary)
    else:
        _print_evaluation(summary)
        if report is not None:
            out.print(f"report: {report / 'report.html'}", highlight=False)
    if not summary["gate"]["passed"]:
        raise typer.Exit(1)


def _print_evaluation(summary: dict) -> None:
    # Short headers and two decimals: the table must stay readable in an 80-column CI log.
    columns = (
        ("questions", "n"), ("correctness", "correct"), ("abstention_accuracy", "abstain"),
        ("recall_at_k", "R@k"), ("mrr", "MRR"), ("citation_recall", "cit.rec"),
        ("citation_precision", "cit.prec"), ("unsupported_share", "unsup"), ("latency_p50_s", "p50 s"),
        ("latency_p95_s", "p95 s"),
    )  # fmt: skip
    # Plain aligned text, not a rich Table: rich squeezes 11 columns into 80 and cuts the figures.
    out.print(f"{summary['dataset']} · engine {', '.join(summary['by_engine'])}", highlight=False)
    out.print(
        f"{'group':<15}" + "".join(f"{label:>9}" for _, label in columns), highlight=False, soft_wrap=True
    )
    rows = [("all", summary), *summary["by_type"].items()]
    if len(summary["by_engine"]) > 1:
        rows += list(summary["by_engine"].items())
    for name, figures in rows:
        values = [figures.get(key) for key, _ in columns]
        cells = ("—" if v is None else f"{v:.2f}" if isinstance(v, float) else str(v) for v in values)
        out.print(
            f"{name[:15]:<15}" + "".join(f"{cell:>9}" for cell in cells), highlight=False, soft_wrap=True
        )
    for failure in summary["failures"]:
        out.print(
            f"  ✗ {failure['id']} ({failure['type']}): {'; '.join(failure['problems'])}",
            highlight=False,
            markup=False,
        )
    # The 95% intervals of the overall figures, one per line: they do not fit the table's columns.
    for key, label in columns[1:]:
        ci = summary.get("ci", {}).get(key)
        if ci:
            out.print(f"  {label} 95% CI [{ci['ci_low']:.2f}, {ci['ci_high']:.2f}]", highlight=False)
    for kind, name in summary.get("citation_judges", {}).items():  # every judge's citation figures
        recall, precision = summary.get(f"citation_recall_{kind}"), summary.get(f"citation_precision_{kind}")
        shown = " / ".join("—" if v is None else f"{v:.2f}" for v in (recall, precision))
        out.print(f"  citation recall / precision by {name}: {shown}", highlight=False)
    if summary.get("date_accuracy") is not None:  # only sets with expected dates measure it
        ci = summary.get("ci", {}).get("date_accuracy")
        bounds = f" 95% CI [{ci['ci_low']:.2f}, {ci['ci_high']:.2f}]" if ci else ""
        out.print(f"  date accuracy {summary['date_accuracy']:.2f}{bounds}", highlight=False)
    for metric, row in summary.get("compare", {}).get("overall", {}).items():
        delta = "—" if row["delta"] is None else f"{row['delta']:+.4f}"
        significance = ""
        if "significant" in row:
            significance = (
                " REGRESSION" if row["regression"] else " significant" if row["significant"] else ""
            )
            significance = significance or " not significant"
        out.print(f"  Δ {metric}: {row['old']} → {row['new']} ({delta}){significance}", highlight=False)
    for flip in summary.get("compare", {}).get("flips", []):
        out.print(f"  ⇄ {flip['id']} ({flip['engine']}): {flip['direction']}", highlight=False, markup=False)
    if summary["gate"]["passed"]:
        out.print("gate passed")
    else:
        for problem in summary["gate"]["failed"]:
            out.print(f"gate failed: {problem}", style="red", highlight=False, markup=False)


@eval_app.command("generate")
def generate(
    corpus: Annotated[Path, typer.Option("--corpus", help="Articles: a file or folder, as for ingest.")],
    n: Annotated[int, typer.Option("--n", min=1, help="How many draft questions.")] = 20,
    seed: Annotated[int, typer.Option("--seed", help="Which articles are drawn.")] = 0,
    out_file: Annotated[
        Path | None,
        typer.Option("--out", help="Write the JSONL here instead of printing it.", show_default=False),
    ] = None,
    config: ConfigOption = None,
) -> None:
    """Draft questions for a person to review: wh-questions, two-part questions across two articles of
    one story, follow-ups with their history and near-miss unanswerable questions, each with its gold
    article(s), answer, must_include and evidence sentence(s).

    Example: newsdesk eval generate --corpus ../shared/corpora/bbc/tech --n 30 --out drafts.jsonl
    """
    from newsdesk.eval.generate import draft_questions

    if not corpus.exists():
        fail(f"{corpus}: no such file or folder")
    settings = settings_from(config)
    nlp = Components(settings).language.pipeline
    drafts = draft_questions(corpus, n, nlp, seed=seed, fields=settings.fields)
    if not drafts:
        fail(f"{corpus}: no article with a sentence to ask about", code=1)
    lines = "".join(draft.model_dump_json() + "\n" for draft in drafts)
    if out_file is None:
        sys.stdout.write(lines)
    else:
        out_file.write_text(lines, encoding="utf-8")
        err.print(f"{len(drafts)} draft question(s) written to {out_file}", highlight=False)


@eval_app.command("judge")
def evaluate_judge(
    pairs: Annotated[
        Path | None,
        typer.Option(
            "--pairs", help="Labelled pairs (JSONL) [default: the development pairs].", show_default=False
        ),
    ] = None,
    kinds: Annotated[
        list[str] | None,
        typer.Option("--judge", help="trained or heuristic; repeat [default: both].", show_default=False),
    ] = None,
    as_json: JsonOption = False,
    config: ConfigOption = None,
) -> None:
    """Measure support judges on labelled pairs: accuracy, precision and recall of "supported" per split.

    Example: newsdesk eval judge --judge trained --judge heuristic
    """
    from newsdesk.eval.judge_set import dev_pairs, judge_figures
    from newsdesk.settings import JudgeSettings

    if pairs is not None and not pairs.is_file():
        fail(f"{pairs}: no such file")
    chosen = kinds or ["trained", "heuristic"]
    for kind in chosen:
        try:
            JudgeSettings(kind=kind)
        except ValueError:
            fail(f"--judge {kind}: not a judge (trained, heuristic)")
    try:
        rows = dev_pairs(pairs)
    except (OSError, ValueError) as error:
        fail(f"{pairs}: not a JSONL file of labelled pairs ({error})")
    components = Components(settings_from(config))
    results = {}
    for kind in chosen:
        judge = components.build_judge(kind)  # type: ignore[arg-type]
        results[judge.name] = judge_figures(judge, rows)
    if as_json:
        print(json.dumps(results, indent=2))
        return
    table = Table("judge", "split", "task", "pairs", "accuracy", "precision", "recall")
    for name, by_split in results.items():
        for split, by_task in by_split.items():
            for task, figure in by_task.items():
                table.add_row(
                    name, split, task, str(figure["n"]), f"{figure['accuracy']:.3f}",
                    f"{figure['precision']:.3f}", f"{figure['recall']:.3f}",
                )  # fmt: skip
    out.print(table)


@app.command("train-judge")
def train_judge_command(
    corpora: Annotated[
        Path | None,
        typer.Option(
            "--corpora", help="The shared corpora (BBC, Reuters) to build pairs from.", show_default=False
        ),
    ] = None,
    pairs: Annotated[
        Path | None,
        typer.Option(
            "--pairs", help="Train on this JSONL of pairs instead of building them.", show_default=False
        ),
    ] = None,
    out_dir: Annotated[
        Path | None,
        typer.Option(
            "--out",
            help="Where the model goes [default: a new folder judge-model-<time>].",
            show_default=False,
        ),
    ] = None,
    articles: Annotated[
        int,
        typer.Option(
            "--articles", min=1, help="Build pairs from this many articles (half BBC, half Reuters)."
        ),
    ] = 500,
    limit: Annotated[
        int | None,
        typer.Option("--limit", min=1, help="Train on the first N pairs only.", show_default=False),
    ] = None,
    epochs: Annotated[int, typer.Option("--epochs", min=1)] = 1,
    batch_size: Annotated[int, typer.Option("--batch-size", min=1)] = 32,
    learning_rate: Annotated[float, typer.Option("--learning-rate", min=0.0)] = 1e-4,
    max_length: Annotated[int, typer.Option("--max-length", min=16, max=512, help="Tokens per pair.")] = 160,
    seed: Annotated[int, typer.Option("--seed", help="Pairs drawn, head initialised, order shuffled.")] = 14,
) -> None:
    """Train the support judge: build pairs from the corpora, fine-tune, export int8 ONNX with a manifest.

    Example: newsdesk train-judge --corpora ../shared/corpora --out rag/judge_model
    (a tiny run: --articles 20 --limit 64)
    """
    if (corpora is None) == (pairs is None):
        fail("give --corpora (pairs are built from it) or --pairs (a JSONL of pairs), not both")
    for given in (corpora, pairs):
        if given is not None and not given.exists():
            fail(f"{given}: no such file or folder")
    from newsdesk.training.train_judge import JudgeTrainingError, train_judge

    out_dir = out_dir or Path(time.strftime("judge-model-%Y%m%d-%H%M%S"))
    with tempfile.TemporaryDirectory(prefix="newsdesk-pairs-") as temp:
        if pairs is None:
            try:
                from newsdesk.training.judge_data import build_training_pairs
            except ImportError as error:
                fail(f"building training pairs is not available here ({error}); give --pairs")
            pairs = Path(temp) / "training_pairs.jsonl"
            counts = build_training_pairs(corpora, pairs, articles=articles, seed=seed)
            err.print(f"training pairs: {json.dumps(counts)}", highlight=False, markup=False)
        err.print(f"training the judge into {out_dir} ...", highlight=False, markup=False)
        try:
            manifest_path = train_judge(
                pairs,
                out_dir,
                epochs=epochs,
                batch_size=batch_size,
                learning_rate=learning_rate,
                max_length=max_length,
                seed=seed,
                limit=limit,
            )
        except JudgeTrainingError as error:
            fail(str(error))
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    holdout = manifest["metrics"]["holdout"]

    def shown(name: str) -> str:
        figures = holdout[name]
        accuracy, precision, recall = (figures[key] for key in ("accuracy", "precision", "recall"))
        return f"{name} acc {accuracy:.3f} prec {precision:.3f} rec {recall:.3f}"

    out.print(
        f"judge trained:{manifest['version']} in {out_dir}: holdout "
        + "; ".join(shown(name) for name in ("overall", "answers", "supports"))
        + f" ({manifest['hyperparameters']['trained_rows']} pairs, {manifest['seconds']['total']:.0f} s)",
        highlight=False,
        markup=False,
        soft_wrap=True,
    )


def main() -> None:
    app()
