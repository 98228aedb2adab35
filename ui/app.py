"""The page `newsdesk serve` shows: a chat tab, an archive tab and an evaluation tab, and the named
API endpoints `/ask` and `/ingest` for gradio_client scripts. A thin shell over rag/ and index/:
every answer and ingest goes through the components it is given."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, get_args

import gradio as gr
from fastapi import Depends
from newsdesk.index.models import IngestReport
from newsdesk.index.read import iter_source_files
from newsdesk.ui.archive import UPLOAD_SUFFIXES, UploadInbox, ingest_uploads, report_markdown, status_markdown
from newsdesk.ui.chat import BadRequest, ChatService, parse_filters
from newsdesk.ui.evaluation import evaluation_markdown
from newsdesk.ui.guard import LoginGuard

from newsdesk.components import Components
from newsdesk.settings import EngineName

PAGE_CSS = """
.nd-notice { padding: .5em .8em; border-radius: 6px; margin-bottom: .6em; font-weight: 600; }
.nd-abstained { background: #fff4d6; color: #6b4b00; border: 1px solid #e6c15a; }
.nd-removed { background: #fde8e8; color: #7a1f1f; border: 1px solid #e59a9a; }
.nd-sources { display: flex; flex-direction: column; gap: .4em; margin-top: .6em; }
.nd-card { border: 1px solid #d0d7de; border-radius: 6px; padding: .4em .6em; background: #f8fafc; }
.nd-card summary { cursor: pointer; }
.nd-card-marker { font-weight: 700; margin-right: .3em; }
.nd-card-title { font-weight: 600; }
.nd-card-meta { display: block; font-size: .85em; color: #57606a; }
.nd-card-quote { display: flex; gap: .4em; align-items: baseline; }
.nd-quote-marker { font-weight: 700; font-size: .9em; }
.nd-hidden { display: none; }
.nd-quote { margin: .5em 0 0; font-size: .95em; }
.nd-direct { font-weight: 700; font-size: 1.05em; margin-bottom: .5em; }
.nd-missing { margin-top: .5em; font-style: italic; color: #6b4b00; }
.nd-quote mark { background: #fff176; padding: 0 .1em; }
a.nd-marker { text-decoration: none; font-weight: 600; }
"""

# A marker in an answer links to its quote in its article's card; gradio opens chat links in a new tab,
# so a click on a marker is caught first (capture phase) and opens the card around the quote instead.
# Cards need no script.
PAGE_HEAD = """
<script>
document.addEventListener("click", (event) => {
  const link = event.target.closest ? event.target.closest("a.nd-marker") : null;
  if (!link) return;
  event.preventDefault();
  event.stopPropagation();
  const anchor = document.getElementById(link.hash.slice(1));
  const card = anchor ? anchor.closest("details") : null;
  if (card) {
    card.open = true;
    (anchor.closest(".nd-card-quote") || card).scrollIntoView({block: "nearest"});
  }
}, true);
</script>
"""


def _answer_api(service: ChatService) -> Callable[..., dict]:
    def ask(
        question: str,
        engine: str = "",
        top_k: int = 0,
        date_from: str = "",
        date_to: str = "",
        outlet: str = "",
    ) -> dict:
        """Answer a question from the archive. Returns the Answer JSON of `newsdesk ask --json`.
        engine "" = the configured one; top_k 0 = the configured one; dates YYYY-MM-DD, "" = open;
        outlet: one outlet or several separated by commas, "" = any."""
        try:
            answer = service.ask(question, engine, int(top_k or 0), date_from, date_to, outlet)
        except BadRequest as error:
            raise gr.Error(str(error)) from error
        return answer.model_dump(mode="json")

    return ask


def build_app(components: Components, inbox: UploadInbox) -> gr.Blocks:
    """The page over `components`; uploads go through `inbox`."""
    settings = components.settings
    service = ChatService(components)
    location = settings.store.chroma_url or str(settings.store.path)

    def outlet_choices() -> list[str]:
        return list(components.store.summary().outlets)

    def respond(
        question: str,
        chat: list[dict],
        answers: list[dict],
        engine: str,
        top_k: float,
        date_from: str,
        date_to: str,
        outlets: list[str],
    ) -> Any:
        try:
            filters = parse_filters(date_from, date_to, outlets)
            for chat_now, answers_now, markdown in service.respond(
                question, chat, answers, engine, int(top_k), filters
            ):
                yield chat_now, answers_now, markdown, ""
        except BadRequest as error:
            raise gr.Error(str(error)) from error

    def ingest(files: list[str] | None, progress: gr.Progress = gr.Progress()) -> dict:  # noqa: B008
        """Ingest uploaded files (.txt .md .html .htm .json .jsonl .csv or a .zip of them).
        Returns the ingest report JSON of `newsdesk ingest --json`, refused uploads among its errors."""
        paths = [Path(item) for item in files or []]
        if not paths:
            raise gr.Error("choose one or more files to ingest")
        # As the CLI's bar (newsdesk/progress.py): input bytes are the length, article text advances it.
        total = sum(p.stat().st_size for p in iter_source_files(paths) if isinstance(p, Path)) or 1

        def run(accepted: list[Path], advance: Callable[[int, int], None]) -> Any:
            return components.ingestor.ingest(accepted, progress=advance)

        def advance(articles: int, characters: int) -> None:
            progress(min(characters / total, 1.0), desc=f"{articles} articles ingested")

        progress(0.0, desc="reading files")

        def store_counts() -> tuple[int, int]:
            return components.store.count_articles(), components.store.count_chunks()

        report = ingest_uploads(paths, inbox, run, advance, store_counts)
        return report.model_dump(mode="json")

    def show_report(report: dict | None) -> Any:
        if not report:
            return gr.skip(), gr.skip(), gr.skip(), gr.skip()
        parsed = IngestReport.model_validate(report)
        rows = [[problem.source, problem.reason] for problem in parsed.errors]
        return (
            report_markdown(parsed),
            rows,
            status_markdown(components.store.summary(), location),
            gr.update(choices=outlet_choices()),
        )

    def evaluate(engine: str) -> str:
        try:
            name = service.engine(engine)
        except BadRequest as error:
            raise gr.Error(str(error)) from error
        return evaluation_markdown(components, name)

    with gr.Blocks(title="Newsdesk") as app:
        gr.Markdown("# Newsdesk\nAsk the archive. Every sentence of an answer cites its article.")
        answers = gr.State([])
        with gr.Tab("Chat"), gr.Row():
            with gr.Column(scale=3):
                chatbot = gr.Chatbot(
                    label="Conversation", height=560, elem_id="nd-chat", buttons=["copy_all"]
                )
                question = gr.Textbox(
                    placeholder="Ask the archive, e.g. Who met in Tehran and when?",
                    show_label=False,
                    submit_btn="Ask",
                    elem_id="nd-question",
                )
                with gr.Accordion("Copy the answer with its citations (Markdown)", open=False):
                    markdown = gr.Code(
                        language="markdown",
                        interactive=False,
                        buttons=["copy"],
                        elem_id="nd-markdown",
                        wrap_lines=True,
                    )
            with gr.Column(scale=1, min_width=240):
                engine = gr.Dropdown(list(get_args(EngineName)), value=settings.engine.mode, label="Engine")
                top_k = gr.Slider(
                    1, 50, value=settings.retrieval.top_k, step=1, label="Passages retrieved (top-k)"
                )
                date_from = gr.Textbox(label="Published from", placeholder="YYYY-MM-DD")
                date_to = gr.Textbox(label="Published to", placeholder="YYYY-MM-DD")
                outlets = gr.Dropdown(
                    outlet_choices(), multiselect=True, allow_custom_value=True, label="Outlets"
                )
                new_conversation = gr.Button("New conversation")
        with gr.Tab("Archive"):
            gr.Markdown(
                f"Upload articles or a .zip of them to add them to the archive "
                f"({', '.join(UPLOAD_SUFFIXES)}; at most {inbox.max_mb} MB a file)."
            )
            # No `file_types` here: gradio would refuse the whole upload for one wrong file; the
            # inbox checks the allow-list per file and lists the refused ones with the other errors.
            files = gr.File(label="Files", file_count="multiple", type="filepath")
            ingest_button = gr.Button("Ingest", variant="primary")
            ingest_summary = gr.Markdown()
            ingest_errors = gr.Dataframe(
                headers=["file", "reason"], label="Errors", interactive=False, wrap=True, value=[]
            )
            with gr.Accordion("Ingest report (JSON)", open=False):
                report_json = gr.JSON()
            gr.Markdown("### Store")
            status = gr.Markdown(status_markdown(components.store.summary(), location))
            refresh = gr.Button("Refresh status", size="sm")
        with gr.Tab("Evaluation"):
            gr.Markdown("Run the grounding evaluation on its question set with the engine chosen in Chat.")
            evaluate_button = gr.Button("Run evaluation", variant="primary")
            evaluation_report = gr.Markdown()

        chat_inputs = [question, chatbot, answers, engine, top_k, date_from, date_to, outlets]
        question.submit(
            respond,
            chat_inputs,
            [chatbot, answers, markdown, question],
            api_visibility="private",  # scripts use /ask, which returns the Answer JSON
            concurrency_id="answer",
        )
        new_conversation.click(
            lambda: ([], [], ""), None, [chatbot, answers, markdown], api_visibility="private", queue=False
        )
        gr.api(_answer_api(service), api_name="ask", concurrency_id="answer")
        ingest_button.click(
            ingest, files, report_json, api_name="ingest", concurrency_limit=1, concurrency_id="ingest"
        ).then(
            show_report,
            report_json,
            [ingest_summary, ingest_errors, status, outlets],
            api_visibility="private",
        )
        refresh.click(
            lambda: status_markdown(components.store.summary(), location),
            None,
            status,
            api_visibility="private",
        )
        evaluate_button.click(evaluate, engine, evaluation_report, api_name="evaluate", concurrency_limit=1)
    return app


def serve(app: gr.Blocks, components: Components, host: str, port: int) -> None:
    """Serve `app` until interrupted: a queue in front of the one loaded model, and with a login, the
    login wall of ui/guard.py in front of every route (rate-limited attempts, no route left open)."""
    settings = components.settings.serve
    login = settings.login()
    guard = LoginGuard(login) if login else None
    app.queue(default_concurrency_limit=settings.concurrency).launch(
        server_name=host,
        server_port=port,
        auth=guard.check if guard else None,
        app_kwargs=(
            {
                "dependencies": [Depends(guard.require_login)],
                "openapi_url": None,
                "docs_url": None,
                "redoc_url": None,
            }
            if guard
            else None
        ),
        show_error=True,
        ssr_mode=False,
        css=PAGE_CSS,
        head=PAGE_HEAD,
        footer_links=["api"],
        run_history=False,  # questions stay out of the browser's storage on shared machines
        prevent_thread_lock=True,
    )
    if guard is not None:
        server = app.server_app
        guard.attach(server)
        server.add_api_route(
            "/openapi.json",
            server.openapi,
            include_in_schema=False,
            dependencies=[Depends(guard.require_login)],
        )
    app.block_thread()
