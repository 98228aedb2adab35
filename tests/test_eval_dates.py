"""Date accuracy of "when" answers (eval.dates): the date an answer gives, read from its text with relative
days and yearless dates resolved against the cited article's publication date, compared with the question's
`expected_date` at its precision; the figure in the aggregate, its interval and the reports."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from newsdesk.eval.dataset import DatasetError, EvalQuestion, bundled_dataset, load_dataset
from newsdesk.eval.dates import answer_date, date_matches, dates_in, parse_expected_date
from newsdesk.eval.report import render_html, render_markdown
from newsdesk.eval.run import run_evaluation
from newsdesk.eval.score import aggregate
from newsdesk.index.dates import parse_date
from newsdesk.rag.models import Answer, Citation

from tests.fixtures.cli import REPO, SHARED_CORPORA

DEV_SET = REPO / "eval" / "datasets" / "dev" / "questions.jsonl"


def _cited(quote: str, published: date | None) -> Citation:
    return Citation(
        marker=1, doc_id="d", source="s", published=published, quote=quote, start=0, end=len(quote)
    )


def _read(text: str, published: date | None) -> list[str]:
    return [given.iso() for given in dates_in(text, _cited(text, published))]


def _bbc_sentence(path: str, words: str) -> str:
    """The sentence of a BBC article (undated, like every BBC article) that holds `words`."""
    text = (SHARED_CORPORA / "bbc" / path).read_text(encoding="utf-8", errors="replace")
    return next(line for line in text.splitlines() if words in line)


def test_dates_are_read_at_their_precision_and_resolved_against_the_publication_date() -> None:
    # Absolute dates in every written form.
    assert _read("They met in Damascus on September 19, 2016.", None) == ["2016-09-19"]
    assert _read("an uprising that began with anti-government protests in March 2011", None) == ["2011-03"]
    assert _read("Norway's narrow rejection of EC membership in a 1972 referendum.", None) == ["1972"]
    # A yearless date takes the year nearest the publication date (Reuters, June 1987) ...
    reuters = "The mine's contract expires July 1 and the smelter's on July 21."
    assert _read(reuters, date(1987, 6, 19)) == ["1987-07-01", "1987-07-21"]
    assert _read("The final will take place on 11 December.", date(2005, 1, 10)) == ["2004-12-11"]
    # ... or none in an undated article: BBC's stay yearless.
    bbc = _bbc_sentence("entertainment/174.txt", "11 December")
    assert _read(bbc, None) == ["--12-11"]
    # "last September" is the one before the publication date; "March" alone only as a time.
    assert _read("after Moscow intervened to help last September.", date(1987, 6, 19)) == ["1986-09"]
    assert _read("at the September International Coffee Organization meeting", date(1987, 6, 19)) == [
        "1987-09"
    ]
    assert _read("a March on Downing Street", date(2005, 1, 1)) == []
    # Relative days by rag.relative_days' rules; undated, a relative day names no date.
    assert _read("Jaberi Ansari met Assad in Damascus on Monday.", date(2016, 9, 19)) == ["2016-09-19"]
    assert _read("The talks ended yesterday.", date(2016, 9, 19)) == ["2016-09-18"]
    assert _read("The talks ended yesterday.", None) == []
    assert _read("Due on 30 February.", None) == []  # no such day
    assert _read("a fantasy set 6,000 years ago, 6000 years before 2000 people met in 1982", None) == ["1982"]


def test_a_date_matches_only_within_the_expected_period() -> None:
    day = dates_in("on September 19, 2016", None)[0]
    year = dates_in("in 2016", None)[0]
    yearless = dates_in("on 11 December", None)[0]
    for expected, matches in (("2016-09-19", True), ("2016-09", True), ("2016", True), ("2016-09-20", False),
                              ("--09-19", True), ("--09", True), ("2015", False)):  # fmt: skip
        assert (answer_date_of(day, expected)) is matches, expected
    assert answer_date_of(year, "2016") and not answer_date_of(year, "2016-09")  # too coarse
    assert answer_date_of(yearless, "--12-11") and not answer_date_of(yearless, "2004-12-11")  # year unknown


def answer_date_of(given, expected: str) -> bool:  # type: ignore[no-untyped-def]
    return date_matches(given, parse_expected_date(expected))


def test_the_answers_date_is_the_first_it_gives() -> None:
    """A direct answer listing several dates is right only when the expected date comes first."""
    cited = _cited("Norway's narrow rejection of EC membership in a 1972 referendum.", date(1987, 6, 2))
    shotgun = Answer(
        question="In what year did Norway reject EC membership?", answer="", abstained=False, engine="t",
        citations=[cited], direct_answer="this week [1], 1972 [1] and 1992 [1].",
    )  # fmt: skip
    given, right = answer_date(shotgun, parse_expected_date("1972"))
    assert given is not None and given.iso() == "1987-06-01/1987-06-07" and not right
    first = shotgun.model_copy(update={"direct_answer": "in 1972 [1] and this week [1]."})
    assert answer_date(first, parse_expected_date("1972"))[1]
    abstained = first.model_copy(update={"abstained": True})
    assert answer_date(abstained, parse_expected_date("1972")) == (None, False)


@pytest.mark.parametrize("bad", ["2016-02-30", "16-09", "2016/09/19", "--13", "September 2016"])
def test_an_invalid_expected_date_names_the_file_and_line(tmp_path: Path, bad: str) -> None:
    dataset = tmp_path / "set.jsonl"
    good = {"id": "a", "question": "When?", "answerable": True, "expected_date": "2016-09"}
    dataset.write_text(
        json.dumps(good) + "\n" + json.dumps({**good, "id": "b", "expected_date": bad}) + "\n",
        encoding="utf-8",
    )
    with pytest.raises(DatasetError, match=r"set.jsonl:2: expected_date"):
        load_dataset(dataset)


def _published(gold: str) -> date | None:
    """The publication date of a gold article: a Reuters record's own date field; BBC and seeds: None (the
    BBC set is undated; the seed questions with a date are checked against their yearless or full form)."""
    if "#" not in gold:
        return None
    name, record = gold.split("#")
    records = json.loads((SHARED_CORPORA / "reuters" / name).read_text(encoding="utf-8"))
    return parse_date(next(r["date"] for r in records if str(r["id"]) == record))


def test_every_expected_date_of_the_sets_is_stated_by_its_evidence() -> None:
    """The hand-filled dates read back from the evidence sentences written from the gold articles: a date
    the evidence gives, in its Reuters record's year where the record is dated, is the expected one."""
    dev = [json.loads(line) for line in DEV_SET.read_text(encoding="utf-8").splitlines()]
    dated = [row for row in dev if row.get("expected_date")]
    assert len(dated) >= 25 and all(row["answerable"] for row in dated)
    assert {row["type"] for row in dated} >= {"temporal", "two-part", "follow-up"}
    for row in dated:
        published = _published(row["gold_docs"][0])
        given = [d for sentence in row["evidence"] for d in dates_in(sentence, _cited(sentence, published))]
        assert any(answer_date_of(d, row["expected_date"]) for d in given), (row["id"], given)
        if published is None and parse_expected_date(row["expected_date"]).year_known:
            assert all(d.year_known for d in given if answer_date_of(d, row["expected_date"])), row["id"]
    sample = {q.id: q for q in load_dataset(bundled_dataset())}
    assert {q.id for q in sample.values() if q.expected_date} >= {
        "ansari-date",
        "uprising-start",
        "palmyra-when",
    }


def test_the_pipeline_answer_is_dated_and_scored_with_an_interval(components) -> None:  # type: ignore[no-untyped-def]
    assistant = components.assistant()
    answer = assistant.ask("When did Jaberi Ansari meet Assad in Damascus?")
    given, right = answer_date(answer, parse_expected_date("2016-09-19"))
    # The extractive answer says "on Monday"; the cited article is dated Monday, 19 September 2016.
    assert right and given is not None and given.iso() == "2016-09-19"
    assert not answer_date(answer, parse_expected_date("2016-09-20"))[1]
    base = {"answerable": True, "gold_docs": ["004_92eb43aadcb4a738.txt"], "type": "temporal"}
    questions = [
        EvalQuestion(id="right", question=answer.question, expected_date="2016-09-19", **base),
        EvalQuestion(id="wrong", question=answer.question, expected_date="2015-09-19", **base),
        EvalQuestion(id="undated-q", question="Who is Russia's defence minister?", **base),
    ]
    summary = aggregate(run_evaluation(assistant, questions))
    results = {r["id"]: r for r in summary["results"]}
    assert results["right"]["date_correct"] and results["wrong"]["date_correct"] is False
    assert results["undated-q"]["date_correct"] is None and results["wrong"]["answer_date"] == "2016-09-19"
    assert summary["date_accuracy"] == 0.5 and summary["by_type"]["temporal"]["date_accuracy"] == 0.5
    assert summary["ci"]["date_accuracy"]["ci_low"] <= 0.5 <= summary["ci"]["date_accuracy"]["ci_high"]
    assert "date 2016-09-19, expected 2015-09-19" in results["wrong"]["problems"]
    report = {**summary, "dataset": "t", "citation_judge": "trained", "gate": {"passed": True, "failed": []}}
    markdown, html = render_markdown(report), render_html(report)
    assert "date acc." in markdown and "wrong date" in markdown and "date acc." in html
