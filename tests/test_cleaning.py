"""Cleaning and metadata on real and synthetic articles, through the ingestion steps' public functions."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from newsdesk.index.chunk import article_metadata
from newsdesk.index.clean import clean_article
from newsdesk.index.ingest import prepare_article
from newsdesk.index.models import RawDocument
from newsdesk.index.read import read_file
from newsdesk.index.repeated_lines import RepeatedLines, source_group

from tests.fixtures.cli import SAMPLE_CORPUS, SHARED_CORPORA

BBC = SHARED_CORPORA / "bbc"
REUTERS = SHARED_CORPORA / "reuters" / "reuters-000.json"


def one_article(path: Path) -> RawDocument:
    """The one article of a one-article file, through the public reader."""
    [document] = read_file(path)
    assert isinstance(document, RawDocument), document
    return document


def article(name: str):  # type: ignore[no-untyped-def]
    return prepare_article(one_article((SAMPLE_CORPUS / name).resolve()))


def test_site_furniture_is_not_stored() -> None:
    for path in SAMPLE_CORPUS.glob("*.txt"):
        text = article(path.name).text
        for furniture in (
            "Maintained and developed",
            "All rights reserved",
            "Send your comments",
            "Your comment as a visitor",
            "GMT 11:59",
            "can also be accessed",
            "Roku",
            "Source: AFP",
            "Politics\n",
            "(Photo by",
        ):
            assert furniture not in text, (path.name, furniture)


def test_every_kept_line_is_a_line_of_the_original_file() -> None:
    for path in SAMPLE_CORPUS.glob("*.txt"):
        raw_lines = {line.rstrip() for line in path.read_text(encoding="utf-8").splitlines()}
        kept = article(path.name)
        assert all(line in raw_lines for line in kept.text.splitlines()), path.name
        assert all(caption in path.read_text(encoding="utf-8") for caption in kept.metadata.captions)


def test_story_text_is_kept_verbatim() -> None:
    raw = (SAMPLE_CORPUS / "003_482dfbd78e828b66.txt").read_text(encoding="utf-8")
    text = article("003_482dfbd78e828b66.txt").text
    assert text.startswith("The defence ministers of allies Iran, Russia and Syria")
    assert text.rstrip().endswith('comprehensive fight against terrorism in Syria".')
    assert all(line in raw for line in text.splitlines())


def test_dates_headlines_and_outlets() -> None:
    deputy_fm = article("004_92eb43aadcb4a738.txt").metadata
    assert deputy_fm.published == date(2016, 9, 19)
    assert deputy_fm.title == "Iran to spare no help to Syria in anti-terror fight: Deputy FM"
    tehran_talks = article("003_482dfbd78e828b66.txt").metadata
    assert tehran_talks.published is None  # the only dates are in its related-links list
    assert tehran_talks.outlet == "AFP"  # "Source: AFP"
    assert deputy_fm.outlet == "Press TV"  # the site names itself; "(Photo by SANA)" does not count
    assert article("000_08a30185b96717b7.txt").metadata.outlet == "AFP"  # "..., reports AFP."


def test_photo_captions_are_kept_apart_and_still_date_the_article() -> None:
    deputy_fm = article("004_92eb43aadcb4a738.txt")
    captions = deputy_fm.metadata.captions
    assert len(captions) == 3
    assert captions[0].startswith("Syrian President Bashar al-Assad (R) and Iranian Deputy Foreign Minister")
    assert all(caption not in deputy_fm.text for caption in captions)
    assert "September 19, 2016" not in deputy_fm.text  # the date is written only in captions
    assert deputy_fm.metadata.published == date(2016, 9, 19)
    stored = article_metadata(deputy_fm)
    assert stored["captions"].split("\n") == captions  # Chroma metadata are scalars: one caption a line
    assert (stored["published"], stored["published_int"]) == ("2016-09-19", 20160919)


def test_document_id_is_derived_from_content(tmp_path: Path) -> None:
    copy = tmp_path / "elsewhere.txt"
    copy.write_bytes((SAMPLE_CORPUS / "000_08a30185b96717b7.txt").read_bytes())
    assert prepare_article(one_article(copy)).doc_id == article("000_08a30185b96717b7.txt").doc_id


def _bbc_sample(count: int = 200) -> list[Path]:
    stories = sorted(BBC.glob("*/*.txt"))
    return stories[:: len(stories) // count][:count]


def test_bbc_stories_lose_almost_nothing_and_keep_their_headline() -> None:
    total = removed = 0
    for path in _bbc_sample():
        raw = one_article(path)
        stored = prepare_article(raw)
        raw_lines = [line for line in raw.text.splitlines() if line.strip()]
        total += len(raw_lines)
        removed += len(raw_lines) - len([line for line in stored.text.splitlines() if line.strip()])
        assert stored.metadata.title == raw_lines[0].strip(), path
        assert stored.metadata.published is None, path  # BBC files carry no date
    assert total > 1000 and removed / total < 0.02


def test_reuters_records_give_their_date_and_a_dateline_place(tmp_path: Path) -> None:
    documents = [d for d in read_file(REUTERS) if isinstance(d, RawDocument)][:200]
    assert all(prepare_article(d).metadata.published.year == 1987 for d in documents)  # type: ignore[union-attr]
    records = [
        {
            "id": "1",
            "date": "26-FEB-1987 15:01:01.79",
            "body": "NEW YORK, Feb 26 - Texaco Inc said it\nwould sell.",
        },
        {"id": "2", "body": "DAMASCUS, Sept 19 (Reuters) - Syria said on Monday the truce was over."},
        {"id": "3", "body": "Iran hails talks\nTEHRAN (AFP) - The ministers met in Tehran on Thursday."},
        {"id": "4", "body": "Ministers met in Tehran on Thursday, the agency said."},
    ]
    wire = tmp_path / "wire.json"
    wire.write_text(json.dumps(records), encoding="utf-8")
    found = [prepare_article(d).metadata for d in read_file(wire)]  # type: ignore[arg-type]
    assert [(m.dateline, m.outlet) for m in found] == [
        ("NEW YORK", None),
        ("DAMASCUS", "Reuters"),
        ("TEHRAN", "AFP"),
        (None, None),
    ]
    assert found[0].published == date(1987, 2, 26)  # the record's date field
    assert found[1].published is None  # "Sept 19" has no year


PAGE_WITH_FURNITURE = """Home / World / Middle East

Ministers agree on new talks in Vienna

VIENNA, March 3, 2021 (Reuters) - Ministers agreed to meet again next month, officials said.
The talks, the first since May 4, 2020, ended late.
The ministers were photographed before the talks began.
File photo: Ministers at an earlier round of talks in Vienna, January 5, 2020.
Share on Facebook | Twitter
Related articles
Oil prices climb as talks resume
Sanctions relief on the table
Earlier talks end without a deal
Inflation jumps to a record | 2 hours ago
Central bank holds rates | 14 February 2021
Markets rally on jobs data | 12 February 2021
Follow us on Twitter for breaking news
Copyright 2021 Example Media Ltd
Leave a comment
"""


def test_synthetic_page_loses_its_furniture_and_dates_from_its_story(tmp_path: Path) -> None:
    page = tmp_path / "talks.txt"
    page.write_text(PAGE_WITH_FURNITURE, encoding="utf-8")
    stored = prepare_article(one_article(page))
    assert stored.text.splitlines() == [
        "Ministers agree on new talks in Vienna",
        "",
        "VIENNA, March 3, 2021 (Reuters) - Ministers agreed to meet again next month, officials said.",
        "The talks, the first since May 4, 2020, ended late.",
        "The ministers were photographed before the talks began.",
    ]
    assert stored.metadata.captions == [
        "File photo: Ministers at an earlier round of talks in Vienna, January 5, 2020."
    ]
    meta = stored.metadata
    assert (meta.title, meta.dateline, meta.outlet) == (
        "Ministers agree on new talks in Vienna",
        "VIENNA",
        "Reuters",
    )
    assert meta.published == date(2021, 3, 3)


def test_a_date_only_in_a_related_list_or_footer_is_no_publication_date() -> None:
    story = "Ministers agree on new talks\n\nThe ministers agreed to meet again, officials said.\n"
    related = "Related news\nOil prices climb | 14 February 2021\nRates on hold | 12 February 2021\n"
    stamped = (
        "Oil prices climb 14 February 2021\nRates on hold 12 February 2021\nJobs data due 11 February 2021\n"
    )
    for furniture in (related, stamped, "Updated 2021-02-14 | Copyright 2021 Example Media\n"):
        cleaned = clean_article(story + furniture)
        assert cleaned.text == story.rstrip(), furniture
        assert "2021" not in cleaned.story


def test_wire_credits_name_the_outlet_only_when_they_sign_the_story(tmp_path: Path) -> None:
    def outlet(body: str) -> str | None:
        path = tmp_path / "story.txt"
        path.write_text(f"Talks in Tehran\n\n{body}\n", encoding="utf-8")
        return prepare_article(one_article(path)).metadata.outlet

    assert outlet("The minister said the talks went well, according to Reuters.") == "Reuters"
    assert outlet('"We agreed," the minister told AFP on Monday.') == "AFP"
    assert outlet("The minister said so, state news agency SANA reported.") is None  # a cited agency


def test_hard_wrapped_wire_prose_is_never_cut() -> None:
    wire = (
        "Acme Corp said its board approved a two-for-one stock\n"
        "split and a dividend of 10 cts a share on sales that\n"
        "rose 12 pct, and the company said its new engine, which is\n"
        "powered by natural gas, will ship next year.\n"
        "    Shr 34 cts vs 1.19 dlrs\n"
        "    Net 807,000 vs 2,858,000\n"
        "    Nine mths\n"
        "    Shr 1.01 dlrs vs 2.21 dlrs\n"
        "    Net 2.4 mln vs 5.3 mln\n"
        " Reuter\n\x03"
    )
    assert clean_article(wire).text == wire[: wire.index("\n Reuter")]


def _outlet_batch(folder: Path, footer: str, count: int) -> list[RawDocument]:
    folder.mkdir()
    for number in range(count):
        (folder / f"{number}.txt").write_text(
            f"Story number {number} about the budget\n\nThe minister presented budget {number} on Monday.\n"
            f"{footer}\nIt passed by {number + 10} votes, officials said.\n",
            encoding="utf-8",
        )
    return [one_article(path) for path in sorted(folder.glob("*.txt"))]


def test_lines_an_outlet_repeats_across_articles_are_furniture(tmp_path: Path) -> None:
    footer = "The Daily Bugle, your trusted voice in Gotham City"  # no pattern knows this line
    batch = _outlet_batch(tmp_path / "bugle", footer, 5)
    assert all(footer in prepare_article(d).text for d in batch)  # without counting, it stays

    repeated = RepeatedLines(min_articles=4)
    repeated.add_documents(batch)
    assert repeated.count(source_group(batch[0]), footer.upper() + " ") == 5  # normalised: case, spacing
    for document in batch:
        stored = prepare_article(document, repeated)
        assert footer not in stored.text
        assert "The minister presented budget" in stored.text and "votes, officials said." in stored.text

    # The threshold is a setting; another folder (outlet) does not share the count.
    assert all(footer in prepare_article(d, RepeatedLines(min_articles=6)).text for d in batch)
    other = _outlet_batch(tmp_path / "planet", footer, 1)[0]
    assert footer in prepare_article(other, repeated).text


def test_copies_of_one_article_do_not_make_its_lines_repeated(tmp_path: Path) -> None:
    folder = tmp_path / "copies"
    folder.mkdir()
    text = "Budget passes\n\nThe minister presented the budget on Monday.\n"
    for number in range(5):
        (folder / f"{number}.txt").write_text(text, encoding="utf-8")
    repeated = RepeatedLines(min_articles=3)
    copies = [one_article(path) for path in sorted(folder.glob("*.txt"))]
    repeated.add_documents(copies)
    assert prepare_article(copies[0], repeated).text == text.rstrip()
    with pytest.raises(ValueError):
        RepeatedLines(min_articles=1)


def test_repeated_lines_spare_wire_tables_and_wrapped_prose() -> None:
    documents = [d for d in read_file(REUTERS) if isinstance(d, RawDocument)]
    repeated = RepeatedLines(min_articles=3)
    repeated.add_documents(documents)
    # "Nine mths", "Pay March 31", "In a filing with the Securities and Exchange Commission" repeat
    # across the wire's stories; they are its tables and prose, so nothing more may go.
    for document in documents:
        assert prepare_article(document, repeated).text == prepare_article(document).text, document.source
