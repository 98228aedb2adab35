"""`newsdesk eval generate`: real questions of four kinds drafted from an archive, seeded, each traceable
to the sentences that answer it."""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path

import pytest
from newsdesk.eval.dataset import EvalQuestion, load_dataset
from newsdesk.eval.generate import KINDS, draft_questions, wh_questions
from newsdesk.index.language import load_analyzer
from spacy.language import Language

from tests.fixtures.cli import SHARED_CORPORA, json_lines, run_cli

REUTERS = SHARED_CORPORA / "reuters"


@cache
def english() -> Language:
    return load_analyzer()


@pytest.fixture(scope="module")
def reuters_drafts() -> list[EvalQuestion]:
    """50 drafts from the whole Reuters archive (about a minute: reading 19,000 stories, parsing ~600)."""
    return draft_questions(REUTERS, 50, english(), seed=0)


def _record(gold: str) -> str:
    """The text of a Reuters record named by its gold_docs entry ("reuters/reuters-010.json#10302")."""
    path, _, record = gold.partition("#")
    rows = json.loads((SHARED_CORPORA / path).read_text(encoding="utf-8"))
    (row,) = [row for row in rows if row["id"] == record]
    return " ".join(row["body"].split())


@pytest.mark.parametrize(
    ("sentence", "question", "answer"),
    [
        (
            "CTS made a profit of 7.9 mln dlrs from continuing operations in 1985.",
            "When did CTS make a profit of 7.9 mln dlrs from continuing operations?",
            "1985",
        ),
        (
            "Hawkeye Bancorp said it issued 2,690,877 shares of preference stock to its institutional "
            "creditors in payment of 32.3 mln dlrs of restructured debt.",
            "How many shares of preference stock did Hawkeye Bancorp issue to its institutional creditors "
            "in payment of 32.3 mln dlrs of restructured debt?",
            "2,690,877",
        ),
        (
            "The last three ministerial meetings have been held in Paris to keep down costs.",
            "Where have the last three ministerial meetings been held to keep down costs?",
            "Paris",
        ),
        (
            # Reported speech: "it" is the reporter; the date goes, the object of "on" stays.
            "The Chicago Board Options Exchange said it will begin trading call and put options March 16 on "
            "Coca-Cola Enterprises Inc.",
            "When will the Chicago Board Options Exchange begin trading call and put options on Coca-Cola "
            "Enterprises Inc.?",
            "March 16",
        ),
        (
            "Lilly issued 17.1 mln warrants with an expiration of March 31, 1991.",
            "How many warrants did Lilly issue with an expiration of March 31, 1991?",
            "17.1 mln",
        ),
    ],
)
def test_a_wh_question_is_the_sentence_turned_around_its_verb(
    sentence: str, question: str, answer: str
) -> None:
    assert (question, answer) in wh_questions(sentence, english())


def test_a_subject_becomes_who_and_a_pronoun_the_party_it_stands_for() -> None:
    questions = wh_questions(
        "CTS made a profit of 7.9 mln dlrs from continuing operations in 1985.", english()
    )
    assert ("Who made a profit of 7.9 mln dlrs from continuing operations in 1985?", "CTS") in questions
    # "it" is the reporting company, so the question names it and stands alone.
    (asked,) = [q for q, a in wh_questions("Hawkeye Bancorp said it issued 2,690,877 shares.", english())]
    assert asked == "How many shares did Hawkeye Bancorp issue?"


def test_a_sentence_the_transformation_cannot_handle_gives_no_question() -> None:
    # "they" has no antecedent to stand for; a negation would make a trap, not a question.
    assert wh_questions("They sold 5 mln shares to the bank in 1987.", english()) == []
    assert wh_questions("Lilly did not issue 17.1 mln warrants in 1987.", english()) == []


def test_every_kind_is_drafted_from_the_reuters_archive(reuters_drafts: list[EvalQuestion]) -> None:
    by_kind = {kind: [d for d in reuters_drafts if d.kind == kind] for kind in KINDS}
    assert len(reuters_drafts) == 50 and all(by_kind.values()), {k: len(v) for k, v in by_kind.items()}
    for draft in reuters_drafts:
        assert draft.draft and draft.question.endswith("?") and draft.evidence
        articles = [_record(gold) for gold in draft.gold_docs]
        for sentence, article in zip(draft.evidence, articles, strict=False):
            assert sentence in article  # the evidence is a sentence of the gold article, verbatim
        for group in draft.must_include:
            assert any(any(spelling in article for article in articles) for spelling in group)
    for draft in by_kind["two-part"]:
        first, second = (_record(gold) for gold in draft.gold_docs)
        assert draft.must_include[1][0] in second
        assert len(draft.gold_docs) == 2 and len(draft.must_include) == 2
        # Each part needs its own article.
        assert draft.must_include[0][0] in first and draft.must_include[1][0] not in first
    for draft in by_kind["follow-up"]:
        ((asked, answered),) = draft.history
        assert asked.endswith("?") and answered in _record(draft.gold_docs[0])
        assert re.match(r"(?i)\w+(?: \w+)* (?:it|he|she)\b", draft.question)  # it refers back


def test_a_near_miss_asks_of_a_party_the_archive_gives_no_figure_for(
    reuters_drafts: list[EvalQuestion],
) -> None:
    near_misses = [d for d in reuters_drafts if d.kind == "near-miss"]
    assert near_misses
    for draft in near_misses:
        (gold,) = draft.gold_docs
        article = _record(gold)
        party = re.fullmatch(r"The article gives this for .+, not for (.+)\.", draft.answer).group(1)
        assert not draft.answerable and not draft.must_include and party in draft.question
        assert party in article
        for sentence in re.split(r"(?<=[.!?])\s+", article):
            assert not (party in sentence and re.search(r"\d", sentence)), (party, sentence)


def test_drafts_are_seeded_and_written_as_a_valid_set(tmp_path: Path) -> None:
    slice_ = str(REUTERS / "reuters-003.json")
    first = run_cli("eval", "generate", "--corpus", slice_, "--n", "6", "--seed", "7")
    again = run_cli(
        "eval", "generate", "--corpus", slice_, "--n", "6", "--seed", "7", "--out", str(tmp_path / "d.jsonl")
    )
    other = run_cli("eval", "generate", "--corpus", slice_, "--n", "6", "--seed", "8")
    assert (tmp_path / "d.jsonl").read_text(encoding="utf-8") == first.stdout  # same seed, same drafts
    assert "6 draft question(s) written" in again.stderr
    assert other.stdout != first.stdout
    drafts = [EvalQuestion.model_validate(row) for row in json_lines(first.stdout)]
    assert load_dataset(tmp_path / "d.jsonl") == drafts  # a valid evaluation set as it stands
    assert all(d.draft and d.gold_docs[0].startswith("reuters/reuters-003.json#") for d in drafts)


def test_a_hand_written_set_still_loads_without_the_draft_fields() -> None:
    (question, *_) = load_dataset(Path(__file__).parents[1] / "eval" / "datasets" / "sample.jsonl")
    assert (question.draft, question.kind, question.evidence) == (False, "", [])


def test_a_missing_corpus_is_one_clear_error(tmp_path: Path) -> None:
    result = run_cli("eval", "generate", "--corpus", str(tmp_path / "nowhere"), check=False)
    assert result.returncode == 2
    assert f"{tmp_path / 'nowhere'}: no such file or folder" in result.stderr
