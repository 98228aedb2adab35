"""bench/results.md, where each benchmark keeps one section of its latest numbers."""

from __future__ import annotations

from pathlib import Path

RESULTS = Path(__file__).with_name("results.md")


def write_section(title: str, markdown: str, results: Path = RESULTS) -> None:
    """Replace the section that starts with `title` (a "# ..." line) by `markdown`, or add it at the end; the
    other benchmarks' sections, before and after it, are kept."""
    current = results.read_text(encoding="utf-8") if results.is_file() else ""
    before, found, rest = current.partition(title)
    after = rest[rest.find("\n# ") :] if found and "\n# " in rest else ""
    kept = before.rstrip()
    section = markdown.rstrip() + "\n" + after
    results.write_text((kept + "\n\n" if kept else "") + section, encoding="utf-8")
