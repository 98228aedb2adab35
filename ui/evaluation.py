"""The Evaluation tab's work: the grounding evaluation of the bundled set, as a Markdown report."""

from __future__ import annotations

from newsdesk.eval.dataset import bundled_dataset, load_dataset
from newsdesk.eval.report import render_markdown
from newsdesk.eval.run import evaluate

from newsdesk.components import Components
from newsdesk.settings import EngineName


def evaluation_markdown(components: Components, engine: EngineName | None) -> str:
    """The grounding evaluation of the bundled set with `engine` (the configured one when None)."""
    path = bundled_dataset()
    assistant = components.assistant(engine)
    summary = evaluate(
        [assistant],
        load_dataset(path),
        str(path),
        components.settings.gate,
        store=components.store,
        yardsticks=components.citation_checks(),
    )
    return render_markdown(summary)
