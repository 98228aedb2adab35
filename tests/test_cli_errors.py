"""Bad command-line input gets one clear line and a non-zero exit, before any model is loaded."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.fixtures.cli import run_cli


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["ask"], "give either a QUESTION or --questions FILE"),
        (["ask", "   "], "the question is empty"),
        (["ask", "--top-k", "0", "Who met in Tehran?"], "top_k"),
        (["ask", "--engine", "gpt-9", "Who met in Tehran?"], "unknown engine 'gpt-9'"),
        (["ask", "--config", "/nonexistent/newsdesk.toml", "Who?"], "config file not found"),
    ],
)
def test_bad_input_is_reported_clearly(args: list[str], message: str, tmp_path: Path) -> None:
    result = run_cli(*args, "--store", str(tmp_path / "store"), check=False)
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_bad_questions_file_names_file_and_line(tmp_path: Path) -> None:
    questions = tmp_path / "q.jsonl"
    questions.write_text('{"id": 1, "question": "Who met in Tehran?"}\n{"id": 2}\n', encoding="utf-8")
    result = run_cli("ask", "--store", str(tmp_path / "store"), "--questions", str(questions), check=False)
    assert result.returncode == 2
    assert f"{questions}:2: question" in result.stderr


def test_environment_and_config_file_set_options(tmp_path: Path) -> None:
    from newsdesk.settings import load_settings

    config = tmp_path / "newsdesk.toml"
    config.write_text(
        '[retrieval]\ntop_k = 5\n[engine]\nmode = "extractive"\n[store]\npath = "/tmp/from-file"\n',
        encoding="utf-8",
    )
    from_file = load_settings(config)
    assert (from_file.retrieval.top_k, str(from_file.store.path)) == (5, "/tmp/from-file")
    import os

    os.environ["NEWSDESK_RETRIEVAL__TOP_K"] = "7"
    try:
        assert load_settings(config).retrieval.top_k == 7  # environment beats the file
        assert load_settings(config, retrieval={"top_k": 3}).retrieval.top_k == 3  # a flag beats both
    finally:
        del os.environ["NEWSDESK_RETRIEVAL__TOP_K"]


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"top_k = 5\n\xff\xfe = 1\n", "not UTF-8 text"),
        (b"[retrieval]\ntop_kk = 5\n", "unknown setting 'top_kk' under [retrieval]"),
        (b'colour = "red"\n', "unknown setting 'colour'"),
        (b"top_k = \n", "not valid TOML"),
        (None, "a directory, not a config file"),
    ],
)
def test_a_bad_config_file_is_one_line_naming_it(
    tmp_path: Path, content: bytes | None, expected: str
) -> None:
    config = tmp_path / "newsdesk.toml"
    if content is None:
        config.mkdir()
    else:
        config.write_bytes(content)
    result = run_cli("status", "--store", str(tmp_path / "store"), "--config", str(config), check=False)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"Error: {config}: {expected}")


def test_a_malformed_fields_variable_is_one_line_naming_it(tmp_path: Path) -> None:
    result = run_cli(
        "status", "--store", str(tmp_path / "store"), env={"NEWSDESK_FIELDS": "{bad"}, check=False
    )
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1 and "NEWSDESK_FIELDS: cannot be read" in result.stderr
