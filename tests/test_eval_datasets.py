"""The shipped evaluation sets hold what they claim: every gold article exists in the corpus it names
and states one alternative of every must_include group (a typo in a set would score a right answer
wrong); unanswerable questions name no facts; the sets cover the question types the issue asks for."""

from __future__ import annotations

from pathlib import Path

import pytest
from newsdesk.eval.dataset import EvalQuestion, load_dataset

from tests.fixtures.cli import REPO, SAMPLE_CORPUS, SHARED_CORPORA

DATASETS = REPO / "eval" / "datasets"
CORPUS_OF = {"sample.jsonl": SAMPLE_CORPUS, "bbc.jsonl": SHARED_CORPORA / "bbc"}


def _text(path: Path) -> str:
    return " ".join(path.read_text(encoding="utf-8").lower().replace("’", "'").split())


@pytest.mark.parametrize("name", sorted(CORPUS_OF))
def test_every_must_include_group_is_stated_by_a_gold_article(name: str) -> None:
    corpus = CORPUS_OF[name]
    for question in load_dataset(DATASETS / name):
        assert question.answerable == bool(question.must_include) == bool(question.gold_docs), question.id
        gold_text = " ".join(_text(corpus / gold) for gold in question.gold_docs)
        for group in question.must_include:
            assert any(alt.lower() in gold_text for alt in group), (question.id, group)


def test_sets_cover_the_question_types_with_enough_questions() -> None:
    questions: list[EvalQuestion] = [q for name in CORPUS_OF for q in load_dataset(DATASETS / name)]
    assert len(questions) >= 40
    assert len({q.id for q in questions}) == len(questions)
    kinds = {q.type for q in questions}
    assert kinds >= {"multi-article", "temporal", "numeric", "unanswerable", "follow-up", "factoid"}
    assert all(q.history for q in questions if q.type == "follow-up")
    bbc = load_dataset(DATASETS / "bbc.jsonl")
    assert len({gold.split("/")[0] for q in bbc for gold in q.gold_docs}) == 5  # every BBC category
