"""`newsdesk ask` end to end on the bundled sample corpus."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

from tests.fixtures.cli import SAMPLE_CORPUS, TEHRAN_ARTICLES, json_lines, run_cli

ANSWER_FIELDS = {"question", "answer", "abstained", "engine", "citations"}
CITATION_FIELDS = {"marker", "doc_id", "source", "title", "outlet", "published", "quote", "start", "end"}


def assert_quotes_verbatim(answer: dict) -> None:
    for citation in answer["citations"]:
        article = Path(citation["source"]).read_text(encoding="utf-8")
        assert citation["quote"] in article, citation


def test_first_ask_indexes_sample_corpus_and_cites_both_tehran_articles(tmp_path: Path) -> None:
    """A new user's first run — the default store (under XDG_DATA_HOME), an empty ONNX cache too (so it
    exports the encoder, ~30 s): two lines on stderr, no library logging or warnings; the next question on
    the store prints nothing there."""
    first_run = {"NEWSDESK_ONNX_CACHE": str(tmp_path / "onnx-cache"), "XDG_DATA_HOME": str(tmp_path / "data")}
    ask = ("ask", "--json", "Who met in Tehran and when?")
    result = run_cli(*ask, env=first_run)
    answer = json.loads(result.stdout)
    assert "sample corpus" in result.stderr
    assert result.stderr.splitlines() == [
        "Preparing the encoder (first run only, about half a minute)…",
        f"Indexed the bundled sample corpus into {tmp_path / 'data' / 'newsdesk'}",
    ]
    again = run_cli(*ask, env=first_run)
    assert again.stderr == ""
    assert json.loads(again.stdout) == answer
    assert answer["abstained"] is False
    cited = {Path(c["source"]).name for c in answer["citations"]}
    assert cited >= TEHRAN_ARTICLES
    assert_quotes_verbatim(answer)
    # Every [n] in the answer text names a listed citation, and every citation is used.
    markers = {c["marker"] for c in answer["citations"]}
    used = {int(m) for m in __import__("re").findall(r"\[(\d+)\]", answer["answer"])}
    assert used == markers


def test_a_named_store_never_gains_the_sample_corpus(tmp_path: Path) -> None:
    """A mistyped --store is one line and no new store; an empty store the user named stays empty."""
    missing = run_cli("ask", "--store", str(tmp_path / "archve"), "Who met in Tehran and when?", check=False)
    assert missing.returncode == 1 and "no Newsdesk store here" in missing.stderr
    assert not (tmp_path / "archve").exists()
    status = run_cli("status", "--store", str(tmp_path / "archve"), check=False)
    assert status.returncode == 1 and not (tmp_path / "archve").exists()

    empty = tmp_path / "empty"
    run_cli("ingest", "--store", str(empty), "--json", str(tmp_path / "nothing-here"), check=False)
    answer = json.loads(run_cli("ask", "--store", str(empty), "--json", "Who met in Tehran and when?").stdout)
    assert answer["abstained"] is True
    assert json.loads(run_cli("status", "--store", str(empty), "--json").stdout)["documents"] == 0


def test_ask_json_schema(sample_store: Path) -> None:
    answer = json.loads(
        run_cli("ask", "--store", str(sample_store), "--json", "Where did Jaberi Ansari meet Assad?").stdout
    )
    assert set(answer) >= ANSWER_FIELDS
    assert answer["engine"] == "extractive"
    assert answer["citations"], answer
    for citation in answer["citations"]:
        assert set(citation) >= CITATION_FIELDS
        assert Path(citation["source"]).is_absolute()
        assert isinstance(citation["start"], int) and citation["end"] > citation["start"]
        if citation["published"] is not None:
            date.fromisoformat(citation["published"])
    assert_quotes_verbatim(answer)
    assert any(c["published"] == "2016-09-19" for c in answer["citations"])


def test_questions_file_answers_each_line_with_its_id(sample_store: Path, tmp_path: Path) -> None:
    questions = tmp_path / "questions.jsonl"
    lines = [
        {"id": "tehran", "question": "Who met in Tehran and when?", "history": []},
        {"id": "ankara", "question": "What did the Turkish president say in Ankara?", "history": []},
        {"id": "spend", "question": "How much does Iran spend a year propping up Assad's regime?"},
        {
            "id": "followup",
            "question": "And how many were killed there?",
            "history": [["What happened in Dayr al-Zawr?", "A US-led coalition attack hit Syrian forces."]],
        },
    ]
    questions.write_text("\n".join(json.dumps(line) for line in lines) + "\n", encoding="utf-8")
    result = run_cli("ask", "--store", str(sample_store), "--json", "--questions", str(questions))
    answers = {answer["id"]: answer for answer in json_lines(result.stdout)}
    assert list(answers) == ["tehran", "ankara", "spend", "followup"]
    assert answers["ankara"]["abstained"] is True
    assert answers["ankara"]["citations"] == []
    assert "$35 billion" in answers["spend"]["answer"]
    assert "85" in answers["followup"]["answer"]
    for answer in answers.values():
        assert_quotes_verbatim(answer)


def test_text_output_lists_numbered_sources(sample_store: Path) -> None:
    output = run_cli("ask", "--store", str(sample_store), "Who met in Tehran and when?").stdout
    assert "[1]" in output and "Sources" in output
    # The 003 story, cited more than once and without a headline: one source line naming its outlet and file.
    assert output.count("003_482dfbd78e828b66.txt") == 1
    assert re.search(r"\[1\] \[2\](?: \[\d\])* Untitled article — AFP · 003_482dfbd78e828b66\.txt", output)


def test_sample_corpus_is_bundled() -> None:
    assert sorted(p.name for p in SAMPLE_CORPUS.glob("*.txt")) == [
        "000_08a30185b96717b7.txt",
        "003_482dfbd78e828b66.txt",
        "004_92eb43aadcb4a738.txt",
    ]
