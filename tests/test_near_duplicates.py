"""Near-duplicate detection on real BBC stories: every re-run copy above the threshold is stored once,
and a story that only shares part of its text with another is stored on its own."""

from __future__ import annotations

import json
import re
from pathlib import Path

from tests.fixtures.cli import SHARED_CORPORA, run_cli

POLITICS = SHARED_CORPORA / "bbc" / "politics"


def word_5gram_jaccard(first: str, second: str) -> float:
    """Written out here, independently of index/dedupe.py, to pick the test pairs."""

    def grams(text: str) -> set[tuple[str, ...]]:
        words = re.findall(r"\w+", text.lower())
        return {tuple(words[i : i + 5]) for i in range(len(words) - 4)}

    a, b = grams(first), grams(second)
    return len(a & b) / len(a | b)


def body(lines: list[str]) -> str:
    return "\n".join(lines[1:])


def test_every_copy_above_the_threshold_is_found_and_partial_overlaps_are_kept(tmp_path: Path) -> None:
    originals, copies, partials = tmp_path / "wire", tmp_path / "reruns", tmp_path / "partial"
    for folder in (originals, copies, partials):
        folder.mkdir()
    reruns = partial_stories = 0
    for path in sorted(POLITICS.glob("*.txt")):
        lines = path.read_text(encoding="utf-8").splitlines()
        paragraphs = [index for index, line in enumerate(lines) if line.strip()]
        if len(paragraphs) < 8:
            continue
        # Another outlet's run of the story: its own headline, the last paragraph cut.
        rerun = ["Another outlet's headline", *lines[1 : paragraphs[-1]]]
        similarity = word_5gram_jaccard(body(lines), body(rerun))
        if reruns < 12 and 0.8 <= similarity <= 0.9:
            (originals / path.name).write_text("\n".join(lines) + "\n", encoding="utf-8")
            (copies / path.name).write_text("\n".join(rerun) + "\n", encoding="utf-8")
            reruns += 1
            continue
        # A follow-up that reuses the first half of a story: related, not the same article.
        half = ["A follow-up story", *lines[1 : paragraphs[len(paragraphs) // 2]]]
        if partial_stories < 3 and 0.3 <= word_5gram_jaccard(body(lines), body(half)) <= 0.7:
            (originals / path.name).write_text("\n".join(lines) + "\n", encoding="utf-8")
            (partials / path.name).write_text("\n".join(half) + "\n", encoding="utf-8")
            partial_stories += 1
        if reruns == 12 and partial_stories == 3:
            break
    assert (reruns, partial_stories) == (12, 3)

    store = str(tmp_path / "store")
    first = json.loads(run_cli("ingest", "--store", store, "--json", str(originals)).stdout)
    assert first["added"] == 15
    second = json.loads(run_cli("ingest", "--store", store, "--json", str(copies), str(partials)).stdout)
    assert (second["added"], second["skipped"]) == (3, 12)

    for copy in sorted(copies.glob("*.txt")):
        shown = json.loads(run_cli("show", str(originals / copy.name), "--store", store, "--json").stdout)
        assert str(copy.resolve()) in shown["metadata"]["alternates"]
