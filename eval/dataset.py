"""Evaluation sets: JSONL, one question a line."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path
from typing import TypeVar

from newsdesk.eval.dates import parse_expected_date
from pydantic import BaseModel, Field, ValidationError, field_validator

Row = TypeVar("Row", bound=BaseModel)


class EvalQuestion(BaseModel):
    id: str
    question: str
    answerable: bool
    answer: str = ""
    must_include: list[list[str]] = Field(
        default_factory=list,
        description="Every group must appear in a correct answer; any alternative of a group.",
    )
    gold_docs: list[str] = Field(
        default_factory=list,
        description="The articles that answer it, as the end of their stored source path: a file name "
        '("000_08a30185b96717b7.txt") or folder/file ("business/001.txt"); see `matches_gold`.',
    )
    type: str = "factoid"
    history: list[tuple[str, str]] = Field(default_factory=list)
    evidence: list[str] = Field(
        default_factory=list,
        description="The sentences of the gold articles that answer it (or, unanswerable, "
        "that state the fact asked of another party).",
    )
    draft: bool = Field(
        default=False, description="Written by `eval generate` and not yet reviewed by a person."
    )
    kind: str = Field(
        default="", description='How a draft was made: "wh", "two-part", "follow-up" or "near-miss".'
    )
    expected_date: str | None = Field(
        default=None,
        description='For a "when" question, the date a right answer gives: YYYY-MM-DD, YYYY-MM or YYYY, '
        "or --MM-DD / --MM when the gold article is undated (no year can be known); compared at that "
        "precision (eval.dates).",
    )

    @field_validator("expected_date")
    @classmethod
    def _valid_date(cls, value: str | None) -> str | None:
        if value is not None:
            parse_expected_date(value)  # raises ValueError, which pydantic reports with the line
        return value


class DatasetError(ValueError):
    pass


def matches_gold(source: str, gold: str) -> bool:
    """Whether a stored article's `source` is the gold document `gold`: the source path ends with
    the gold path, compared by whole path parts ("business/001.txt" is ".../bbc/business/001.txt",
    never ".../tech/001.txt"). A record inside a file ("feed.json#3") is named with its suffix."""
    source_parts = source.replace("\\", "/").split("/")
    gold_parts = gold.replace("\\", "/").strip("/").split("/")
    return source_parts[-len(gold_parts) :] == gold_parts


def bundled_dataset(name: str = "sample") -> Path:
    return Path(str(files("newsdesk.eval").joinpath("datasets", f"{name}.jsonl")))


def load_jsonl(path: Path, model: type[Row], what: str = "questions") -> list[Row]:
    """Every line of a JSONL file as `model`, all validated before any use; DatasetError names the
    file and line of the first bad one. Shared by evaluation sets and `ask --questions` files."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as error:
        raise DatasetError(f"{path}: cannot read {what} file: {error}") from error
    rows = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            rows.append(model.model_validate_json(line))
        except ValidationError as error:
            first = error.errors()[0]
            raise DatasetError(
                f"{path}:{number}: {'.'.join(map(str, first['loc'])) or 'line'}: {first['msg']}"
            ) from error
    if not rows:
        raise DatasetError(f"{path}: no {what} in file")
    return rows


def load_dataset(path: Path) -> list[EvalQuestion]:
    """All questions of an evaluation set."""
    return load_jsonl(path, EvalQuestion, "questions")
