"""A minimal chat page: question in, cited answer (Markdown with its sources) out."""

from __future__ import annotations

import gradio as gr

from rag.assistant import Assistant
from rag.render import render_markdown


def build_app(assistant: Assistant) -> gr.Blocks:
    def respond(message: str, history: list[dict]) -> str:
        turns, pending = [], None
        for item in history:
            if item["role"] == "user":
                pending = str(item["content"])
            elif pending is not None:
                turns.append((pending, str(item["content"])))
                pending = None
        return render_markdown(assistant.ask(message, history=turns))

    def ask_json(question: str) -> dict:
        return assistant.ask(question).model_dump(mode="json")

    with gr.Blocks(title="Newsdesk") as app:
        gr.Markdown(
            "# Newsdesk\nAsk the archive. Every sentence of an answer cites the article it came from."
        )
        gr.ChatInterface(respond)
        with gr.Row(visible=False):
            question = gr.Textbox()
            result = gr.JSON()
        question.submit(ask_json, question, result, api_name="ask")
    return app
