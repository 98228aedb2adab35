"""`newsdesk chat` driven through a pipe, as a user at a terminal would drive it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.fixtures.cli import run_cli


def chat(store: Path, lines: str, *flags: str) -> subprocess.CompletedProcess:
    environment = {**os.environ, "HF_HUB_OFFLINE": "1", "COLUMNS": "200"}
    environment.pop("NEWSDESK_STORE__PATH", None)
    return subprocess.run(
        [sys.executable, "-m", "newsdesk", "chat", "--store", str(store), *flags],
        input=lines,
        capture_output=True,
        text=True,
        env=environment,
        timeout=600,
    )


def test_follow_up_is_read_with_the_conversation_and_new_forgets_it(sample_store: Path) -> None:
    result = chat(sample_store, "Who met in Tehran?\nand when?\n/new\nand when?\n/quit\nWho met in Tehran?\n")
    assert result.returncode == 0, result.stderr
    turns = result.stdout.split("you ›")
    assert len(turns) == 6  # the banner, four lines before /quit, /quit itself; nothing after it
    first, follow_up, new, after_new, _quit = turns[1:]
    assert "Sources" in first and "[1]" in first and "003_482dfbd78e828b66.txt" in first
    assert first.count("003_482dfbd78e828b66.txt") == 1  # one source per article, with both quotes
    # The answer quotes the 003 story's sentence naming who met; its source card marks the quote.
    answer, sources = first.split("Sources", 1)
    assert "Shoigu was also expected to hold separate bilateral meetings" in answer
    assert "“Shoigu" in sources
    assert "Searched as: Who met in Tehran? and when?" in follow_up
    assert "(the article is undated, so “Thursday” cannot be dated)" in follow_up
    assert "New conversation." in new
    assert "Searched as" not in after_new  # the history went with /new
    assert "No answer from the archive." in after_new  # "and when?" alone names nothing to find


def test_filters_from_flags_and_the_filters_command(sample_store: Path) -> None:
    lines = "Who met Assad?\n/filters --since 20x\n/filters clear\nWho met in Tehran?\n/quit\n"
    result = chat(sample_store, lines, "--outlet", "press tv")
    assert result.returncode == 0, result.stderr
    _banner, filtered, bad, clear, cleared, _quit = result.stdout.split("you ›")
    assert "Filters: from press tv" in _banner  # the start-up filters are shown
    assert "Filters: from Press TV" in filtered and "004_92eb43aadcb4a738.txt" in filtered
    assert "000_08a30185b96717b7.txt" not in filtered and "003_482dfbd78e828b66.txt" not in filtered
    assert "--since '20x': expected YYYY, YYYY-MM or YYYY-MM-DD" in bad
    assert "Filters: none" in clear
    assert "003_482dfbd78e828b66.txt" in cleared


def test_chat_with_a_bad_flag_exits_2_before_loading_anything(tmp_path: Path) -> None:
    result = run_cli("chat", "--store", str(tmp_path / "store"), "--until", "2016-13", check=False)
    assert result.returncode == 2
    assert "--until '2016-13'" in result.stderr
    assert not (tmp_path / "store").exists()


def test_questions_file_history_rewrites_the_follow_up(sample_store: Path, tmp_path: Path) -> None:
    import json

    questions = tmp_path / "questions.jsonl"
    first = {"id": 1, "question": "and when?", "history": [["Who met in Tehran?", "Defence ministers met."]]}
    chained = {
        "id": 2,
        "question": "and who else?",
        "history": [["Who met in Tehran?", "Defence ministers met."], ["and when?", "On Thursday."]],
    }
    questions.write_text(json.dumps(first) + "\n" + json.dumps(chained) + "\n", encoding="utf-8")
    result = run_cli("ask", "--store", str(sample_store), "--json", "--questions", str(questions))
    answers = [json.loads(line) for line in result.stdout.splitlines()]
    assert answers[0]["retrieval_query"] == "Who met in Tehran? and when?"
    assert not answers[0]["abstained"]
    assert any("Thursday" in citation["quote"] for citation in answers[0]["citations"])
    # A follow-up to a follow-up still searches with the question they both lean on.
    assert answers[1]["retrieval_query"] == "Who met in Tehran? and when? and who else?"
