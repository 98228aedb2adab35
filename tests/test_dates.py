"""One date parser: every entry point (flags, the UI's boxes, `--questions` filters, dates stated in a
question) reads the same forms as the same periods, and names the flag or box of a bad one."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from newsdesk.index.dates import DateFormError, Precision, parse_date, parse_period
from newsdesk.rag.filters import FilterError, filters_from_flags
from newsdesk.rag.models import Filters
from newsdesk.rag.stated_filters import stated_filters
from newsdesk.ui.chat import BadRequest, parse_filters

from tests.fixtures.cli import run_cli

# Every accepted form: (written, first day, last day, precision).
FORMS = [
    ("2016", date(2016, 1, 1), date(2016, 12, 31), Precision.YEAR),
    ("1987", date(1987, 1, 1), date(1987, 12, 31), Precision.YEAR),
    ("2016-09", date(2016, 9, 1), date(2016, 9, 30), Precision.MONTH),
    ("2016-2", date(2016, 2, 1), date(2016, 2, 29), Precision.MONTH),
    ("2016-09-19", date(2016, 9, 19), date(2016, 9, 19), Precision.DAY),
    ("2016-9-1", date(2016, 9, 1), date(2016, 9, 1), Precision.DAY),
    ("September 2016", date(2016, 9, 1), date(2016, 9, 30), Precision.MONTH),
    ("Sept. 2016", date(2016, 9, 1), date(2016, 9, 30), Precision.MONTH),
    ("sep 2016", date(2016, 9, 1), date(2016, 9, 30), Precision.MONTH),
    ("February 1987", date(1987, 2, 1), date(1987, 2, 28), Precision.MONTH),
    ("19 September 2016", date(2016, 9, 19), date(2016, 9, 19), Precision.DAY),
    ("19 Sept. 2016", date(2016, 9, 19), date(2016, 9, 19), Precision.DAY),
    ("September 19, 2016", date(2016, 9, 19), date(2016, 9, 19), Precision.DAY),
    ("Sept. 19 2016", date(2016, 9, 19), date(2016, 9, 19), Precision.DAY),
    ("26-FEB-1987", date(1987, 2, 26), date(1987, 2, 26), Precision.DAY),
    ("26-feb-1987", date(1987, 2, 26), date(1987, 2, 26), Precision.DAY),
    ("26-FEB-1987 15:01:01.79", date(1987, 2, 26), date(1987, 2, 26), Precision.DAY),
]
# Forms no entry point accepts, and why: (written, what the one-line error says).
BAD = [
    ("20x", "expected YYYY, YYYY-MM or YYYY-MM-DD"),
    ("yesterday", "expected YYYY"),  # relative to today: an answer would change from day to day
    ("03/04/2016", "expected YYYY"),  # 3 April or March 4
    ("Sept 19", "expected YYYY"),  # no year (dateparser alone reads it as September 2019)
    ("September", "expected YYYY"),
    ("2016-09-19T10:00", "expected YYYY"),
    ("20165", "expected YYYY"),
    ("2016-02-30", "no such date in the calendar"),
    ("2016-13", "no such date in the calendar"),  # dateparser alone reads 13 November of this year
    ("31-APR-1987", "no such date in the calendar"),
    ("2016 15:00", "a time of day follows a day only"),
]


@pytest.mark.parametrize(("written", "first", "last", "precision"), FORMS)
def test_every_accepted_form_reads_as_its_period(written: str, first: date, last: date, precision) -> None:  # type: ignore[no-untyped-def]
    period = parse_period(f"  {written} ")
    assert (period.first, period.last, period.precision) == (first, last, precision)


@pytest.mark.parametrize(("written", "message"), BAD)
def test_bad_forms_say_what_is_wrong(written: str, message: str) -> None:
    with pytest.raises(DateFormError, match=message):
        parse_period(written)


@pytest.mark.parametrize(("written", "first", "last", "precision"), FORMS)
def test_flags_take_every_form_as_the_first_or_last_day(
    written: str, first: date, last: date, precision
) -> None:  # type: ignore[no-untyped-def]
    filters = filters_from_flags(written, written)
    assert (filters.date_from, filters.date_to) == (first, last)


@pytest.mark.parametrize(("written", "message"), BAD)
def test_flags_name_the_flag_of_a_bad_date(written: str, message: str) -> None:
    with pytest.raises(FilterError, match=f"^--since {written!r}: .*{message}"):
        filters_from_flags(written)
    with pytest.raises(FilterError, match=f"^--until {written!r}: .*{message}"):
        filters_from_flags(None, written)


@pytest.mark.parametrize(("written", "first", "last", "precision"), FORMS)
def test_ui_boxes_take_every_form(written: str, first: date, last: date, precision) -> None:  # type: ignore[no-untyped-def]
    filters = parse_filters(written, written, "")
    assert filters is not None and (filters.date_from, filters.date_to) == (first, last)


@pytest.mark.parametrize(("written", "message"), BAD)
def test_ui_boxes_name_the_box_of_a_bad_date(written: str, message: str) -> None:
    with pytest.raises(BadRequest, match=f"^invalid filter: date_from {written!r}: .*{message}"):
        parse_filters(written, "", "")
    with pytest.raises(BadRequest, match=f"^invalid filter: date_to {written!r}: .*{message}"):
        parse_filters("", written, "")


@pytest.mark.parametrize(("written", "first", "last", "precision"), FORMS)
def test_questions_file_filters_take_every_form(written: str, first: date, last: date, precision) -> None:  # type: ignore[no-untyped-def]
    # The model a `--questions` line's "filters" and the API are read into.
    filters = Filters.model_validate_json(json.dumps({"date_from": written, "date_to": written}))
    assert (filters.date_from, filters.date_to) == (first, last)
    assert Filters.model_validate({"date_from": first}).date_from == first  # a day stays that day


def test_questions_file_with_a_bad_date_exits_2_naming_the_line_and_field(tmp_path: Path) -> None:
    questions = tmp_path / "questions.jsonl"
    lines = [
        {"id": "good", "question": "Who met?", "filters": {"date_from": "Sept. 2016", "date_to": "2016"}},
        {"id": "bad", "question": "Who met?", "filters": {"date_to": "2016-02-30"}},
    ]
    questions.write_text("\n".join(json.dumps(line) for line in lines) + "\n", encoding="utf-8")
    result = run_cli("ask", "--store", str(tmp_path / "store"), "--questions", str(questions), check=False)
    assert result.returncode == 2
    (line,) = [line for line in result.stderr.splitlines() if line.strip()]
    assert f"{questions}:2: filters.date_to" in line and "'2016-02-30': no such date in the calendar" in line


@pytest.mark.parametrize(("written", "first", "last", "precision"), FORMS)
def test_a_question_states_every_form(written: str, first: date, last: date, precision) -> None:  # type: ignore[no-untyped-def]
    stated = stated_filters(f"Who met in Tehran in {written}?", [])
    assert (stated.filters.date_from, stated.filters.date_to) == (first, last)
    assert stated.query == "Who met in Tehran?"
    since = stated_filters(f"What did OPEC decide since {written}?", []).filters
    assert (since.date_from, since.date_to) == (first, None)
    between = stated_filters(f"What was agreed between {written} and 2020?", []).filters
    assert (between.date_from, between.date_to) == (first, date(2020, 12, 31))


@pytest.mark.parametrize(("written", "message"), BAD)
def test_a_bad_date_in_a_question_is_no_filter(written: str, message: str) -> None:
    stated = stated_filters(f"Who met in Tehran in {written}?", [])
    assert (stated.filters.date_from, stated.filters.date_to) == (None, None)


def test_a_bare_number_is_a_stated_year_only_from_1800_to_2099() -> None:
    assert stated_filters("What happened in 1600?", []).filters.is_empty()
    assert stated_filters("What happened in 1800?", []).filters.date_from == date(1800, 1, 1)
    assert filters_from_flags("1600").date_from == date(1600, 1, 1)  # a flag's value is a date for sure


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("VIENNA, March 3, 2021 (Reuters) - OPEC said", date(2021, 3, 3)),
        ("Published: 19 September 2016 | Updated 20 September 2016", date(2016, 9, 19)),
        ("26-FEB-1987 15:01:01.79", date(1987, 2, 26)),
        ("posted 2016-09-19T10:00 2016-09-20", date(2016, 9, 20)),  # a timestamp runs on: not a date
        ("In September 2016, on 31 September 2016 and on Sept. 19, 2016", date(2016, 9, 19)),
        ("Saturday, 26 February\n\n1987 figures", None),  # a date is written on one line
        ("it may 5, 2016 or march 3, 2021", None),  # a printed month name is capitalised
        ("in 2016 and 2017", None),  # a year is no publication day
    ],
)
def test_the_first_well_formed_day_printed_in_a_text(text: str, day: date | None) -> None:
    assert parse_date(text) == day


def test_a_weekday_printed_with_its_date_is_no_relative_day() -> None:
    # Real Reuters dateline style: the weekday names a calendar date that follows it, full or abbreviated, so
    # only the bare "on Thursday" of the second sentence is a relative day to resolve.
    from newsdesk.rag.models import Citation
    from newsdesk.rag.relative_days import dated_phrases

    quote = (
        "The ministry said on Monday, Sept. 14, that talks would resume. "
        "Officials met on Tuesday, March 3 and again on Thursday."
    )
    citation = Citation(
        marker=1, doc_id="d", source="s", published=date(1987, 3, 6), quote=quote, start=0, end=len(quote)
    )
    assert [phrase.phrase for phrase in dated_phrases(citation)] == ["on Thursday"]
