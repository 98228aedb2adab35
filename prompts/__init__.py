"""Prompt templates, one file each, read with `load_prompt(name)`.

Templates use str.format fields. Keeping them as files lets a release team change wording
without touching code, and the evaluation (eval/) tells whether the change kept answers grounded.
"""

from __future__ import annotations

from importlib.resources import files


def load_prompt(name: str) -> str:
    """The text of prompts/<name>.md."""
    resource = files(__name__).joinpath(f"{name}.md")
    if not resource.is_file():
        raise FileNotFoundError(f"prompts/{name}.md: no such prompt template")
    return resource.read_text(encoding="utf-8").strip()
