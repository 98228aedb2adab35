"""The hand-written development sets hold what they claim: every quoted sentence is verbatim (whitespace
normalised) in the article it names, every item's split is its article's, and the sets are as large as
the plan needs (eval/datasets/dev/README.md)."""

from __future__ import annotations

import hashlib
import json
from functools import cache

from tests.fixtures.cli import REPO, SAMPLE_CORPUS, SHARED_CORPORA

DEV = REPO / "eval" / "datasets" / "dev"


@cache
def article_text(name: str) -> str:
    """The article's text as the sets quote it: whitespace normalised."""
    if "#" in name:
        file_name, record_id = name.split("#", 1)
        records = json.loads((SHARED_CORPORA / "reuters" / file_name).read_text(encoding="utf-8"))
        body = next(record["body"] for record in records if record.get("id") == record_id)
        return " ".join(body.split())
    path = SHARED_CORPORA / name if name.startswith("bbc/") else SAMPLE_CORPUS / name
    return " ".join(path.read_text(encoding="utf-8").split())


def split_of(name: str) -> str:
    return "holdout" if hashlib.sha256(name.encode()).hexdigest()[0] < "8" else "tune"


def lines(name: str) -> list[dict]:
    return [
        json.loads(line) for line in (DEV / name).read_text(encoding="utf-8").splitlines() if line.strip()
    ]


def test_questions_quote_their_gold_articles_and_keep_their_split() -> None:
    questions = lines("questions.jsonl")
    assert len(questions) >= 250 and len({q["id"] for q in questions}) == len(questions)
    unanswerable = [q for q in questions if not q["answerable"]]
    assert len(unanswerable) >= 60
    assert sum(q["type"] == "unanswerable-near-miss" for q in questions) >= len(unanswerable) // 2
    for question in questions:
        golds = question["gold_docs"]
        for gold in golds:
            assert split_of(gold) == question["split"], question["id"]
        if question["answerable"]:
            text = " ".join(article_text(gold) for gold in golds)
            for sentence in question["evidence"]:
                assert sentence in text, (question["id"], sentence)


def test_judge_pairs_quote_their_articles_and_keep_their_split() -> None:
    pairs = lines("judge_pairs.jsonl")
    assert len(pairs) >= 400
    assert sum(pair["hard"] for pair in pairs) >= len(pairs) // 2
    assert {pair["task"] for pair in pairs} == {"answers", "supports"}
    for pair in pairs:
        assert split_of(pair["article"]) == pair["split"], pair["id"]
        assert pair["passage"] in article_text(pair["article"]), pair["id"]
