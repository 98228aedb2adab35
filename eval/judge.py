"""An optional second opinion on citation support: an engine's language model as the judge.

The judge reads each draft sentence with the quotes it cites and answers yes or no. Its verdicts
are reported beside the support checker's (`judge_citation_recall`); they never decide the gate,
since a small local model is a weaker judge than the checker it is asked to second.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from newsdesk.prompts import load_prompt
from newsdesk.rag.models import Citation


class LlmJudge:
    def __init__(self, llm: Any, name: str) -> None:
        self._llm = llm
        self.name = name

    @classmethod
    def of_engine(cls, engine: Any) -> LlmJudge | None:
        """The judge made of an engine's language model (its `llm`, a llama-index LLM); None for an
        engine without one, such as the extractive engine."""
        llm = getattr(engine, "llm", None)
        return cls(llm, engine.name) if llm is not None and hasattr(llm, "complete") else None

    def supports(self, sentence: str, citations: Sequence[Citation]) -> bool:
        if not citations:
            return False
        passages = "\n".join(f"- {c.quote}" for c in citations)
        reply = self._llm.complete(load_prompt("eval_judge").format(passages=passages, claim=sentence))
        return str(getattr(reply, "text", reply)).strip().lower().startswith("yes")
