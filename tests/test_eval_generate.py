"""`newsdesk eval generate`: draft questions from a BBC folder, seeded, each traceable to its source."""

from __future__ import annotations

from pathlib import Path

import pytest
from newsdesk.eval.dataset import EvalQuestion, load_dataset
from newsdesk.eval.generate import draft_questions

from tests.fixtures.cli import SHARED_CORPORA, json_lines, run_cli

TECH = SHARED_CORPORA / "bbc" / "tech"


def test_drafts_are_seeded_and_traceable_to_their_source_sentence(tmp_path: Path) -> None:
    first = run_cli("eval", "generate", "--corpus", str(TECH), "--n", "6", "--seed", "7")
    again = run_cli(
        "eval",
        "generate",
        "--corpus",
        str(TECH),
        "--n",
        "6",
        "--seed",
        "7",
        "--out",
        str(tmp_path / "d.jsonl"),
    )
    other = run_cli("eval", "generate", "--corpus", str(TECH), "--n", "6", "--seed", "8")
    assert (tmp_path / "d.jsonl").read_text(encoding="utf-8") == first.stdout  # same seed, same drafts
    assert "6 draft question(s) written" in again.stderr
    assert other.stdout != first.stdout
    drafts = [EvalQuestion.model_validate(row) for row in json_lines(first.stdout)]
    assert len(drafts) == 6
    assert load_dataset(tmp_path / "d.jsonl") == drafts  # a valid evaluation set as it stands
    for draft in drafts:
        (gold,) = draft.gold_docs
        assert gold.startswith("tech/")
        article = " ".join((SHARED_CORPORA / "bbc" / gold).read_text(encoding="utf-8").split())
        assert draft.answer in article  # the answer is the source sentence, verbatim
        (group,) = draft.must_include
        assert group[0] in draft.answer and group[0] not in draft.question
        assert draft.question.endswith("?") and draft.type in {"numeric", "temporal"}


def test_a_missing_corpus_is_one_clear_error(tmp_path: Path) -> None:
    result = run_cli("eval", "generate", "--corpus", str(tmp_path / "nowhere"), check=False)
    assert result.returncode == 2
    assert f"{tmp_path / 'nowhere'}: no such file or folder" in result.stderr


@pytest.mark.parametrize(
    ("printed", "spellings"),
    [
        ("Sept. 19, 2016", ["Sept. 19, 2016", "19 September 2016", "September 19, 2016", "2016-09-19"]),
        ("19 Sep 2016", ["19 Sep 2016", "19 September 2016", "September 19, 2016", "2016-09-19"]),
        ("26-FEB-1987", ["26-FEB-1987", "26 February 1987", "February 26, 1987", "1987-02-26"]),
    ],
)
def test_a_drafted_date_is_read_in_any_printed_form(
    tmp_path: Path, printed: str, spellings: list[str]
) -> None:
    article = tmp_path / "talks.txt"
    article.write_text(
        "Ministers meet in Tehran\n\n"
        f"The talks between Foreign Minister Walid Muallem and his Iranian host ended on {printed} in "
        "the capital after two days.\n\nThe ministers agreed to meet again next year in Damascus.\n",
        encoding="utf-8",
    )
    (draft,) = draft_questions(tmp_path, 1)
    assert (draft.type, draft.must_include) == ("temporal", [spellings])
    assert "ended on what date in the capital" in draft.question
