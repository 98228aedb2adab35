"""Cleaning and metadata of the seed articles, through the ingestion steps' public functions."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from index.ingest import prepare_article
from index.read import read_text_file
from tests.conftest import SAMPLE_CORPUS


def article(name: str):  # type: ignore[no-untyped-def]
    return prepare_article(read_text_file((SAMPLE_CORPUS / name).resolve()))


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
        ):
            assert furniture not in text, (path.name, furniture)


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
    assert tehran_talks.outlet == "AFP"


def test_document_id_is_derived_from_content(tmp_path: Path) -> None:
    copy = tmp_path / "elsewhere.txt"
    copy.write_bytes((SAMPLE_CORPUS / "000_08a30185b96717b7.txt").read_bytes())
    assert prepare_article(read_text_file(copy)).doc_id == article("000_08a30185b96717b7.txt").doc_id
