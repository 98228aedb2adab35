"""The read step on every input format, on real data: Reuters JSON, HTML, JSONL, CSV, zip, encodings."""

from __future__ import annotations

import json
import zipfile
from collections.abc import Iterable
from datetime import date
from pathlib import Path

from newsdesk.index.ingest import prepare_article
from newsdesk.index.models import RawDocument
from newsdesk.index.read import UnreadableSource, read_documents, read_file

from newsdesk.settings import FieldMapping
from tests.fixtures.cli import SAMPLE_CORPUS, SHARED_CORPORA, run_cli

REUTERS = SHARED_CORPORA / "reuters" / "reuters-000.json"
STORY = (SAMPLE_CORPUS / "004_92eb43aadcb4a738.txt").read_text(encoding="utf-8")


def split(
    results: Iterable[RawDocument | UnreadableSource],
) -> tuple[list[RawDocument], list[UnreadableSource]]:
    documents, problems = [], []
    for result in results:
        (problems if isinstance(result, UnreadableSource) else documents).append(result)
    return documents, problems


def test_every_reuters_record_is_an_article_or_a_named_error() -> None:
    records = json.loads(REUTERS.read_text(encoding="utf-8"))
    stream = read_file(REUTERS)
    assert iter(stream) is stream  # a generator: records come one at a time
    documents, problems = split(stream)
    assert len(documents) + len(problems) == len(records) == 1000
    empty = [r["id"] for r in records if not (r.get("body") or "").strip()]
    assert [p.source for p in problems] == [f"{REUTERS}#{record_id}" for record_id in empty]
    assert problems[0].reason == f"record {empty[0]}: empty body"
    assert all(p.reason.endswith("empty body") for p in problems)

    first = prepare_article(documents[0])
    assert first.source == f"{REUTERS}#1"
    assert first.metadata.title == "BAHIA COCOA REVIEW"
    assert first.metadata.published == date(1987, 2, 26)  # from "26-FEB-1987 15:01:01.79"
    assert (first.metadata.topics, first.metadata.places) == (["cocoa"], ["el-salvador", "usa", "uruguay"])
    assert first.metadata.outlet is None  # Reuters only when the mapping says so
    assert first.text.startswith("Showers continued throughout the week in\nthe Bahia cocoa zone")
    assert "\x03" not in first.text and not first.text.endswith("Reuter")  # the wire's sign-off is furniture
    assert sum(prepare_article(d).metadata.published is not None for d in documents[:100]) == 100
    earnings = prepare_article(next(d for d in documents if d.source.endswith("#14")))
    assert earnings.text.startswith("Shr one dlr vs 73 cts\n    Net 12.6 mln")  # a table story is kept whole

    reuters = FieldMapping(default_outlet="Reuters")
    assert prepare_article(next(iter(read_file(REUTERS, reuters)))).metadata.outlet == "Reuters"  # type: ignore[arg-type]


def test_html_page_gives_its_story_and_metadata_but_no_script(tmp_path: Path) -> None:
    page = tmp_path / "tehran.html"
    page.write_text(
        """<!doctype html><html><head><title>Ministers meet in Tehran | Daily Planet</title>
<meta property="og:site_name" content="Daily Planet">
<meta property="article:published_time" content="2016-09-19T10:00:00Z">
<script>var tracker = "SECRET_TRACKER_CODE"; function track() { return 1; }</script></head>
<body><nav><a href="/">Home</a> <a href="/world">World news</a> <a href="/sport">Sport</a></nav>
<article><h1>Ministers meet in Tehran</h1>
<p>The foreign ministers of Iran and Russia met in Tehran on Monday to discuss the war in Syria.</p>
<script>document.write("INLINE_SCRIPT_TEXT");</script>
<p>The talks lasted four hours and ended without a joint statement, a spokesman for the ministry said.</p>
<p>Both sides said they would meet again next month in Moscow to continue the negotiations.</p></article>
<footer>Copyright 2016 Daily Planet. All rights reserved. <a href="/privacy">Privacy</a></footer>
</body></html>""",
        encoding="utf-8",
    )
    [document] = read_file(page)
    article = prepare_article(document)
    for leaked in ("SECRET_TRACKER_CODE", "track()", "INLINE_SCRIPT_TEXT", "Privacy", "Sport", "Copyright"):
        assert leaked not in article.text
    assert "met in Tehran on Monday to discuss the war in Syria" in article.text
    assert "meet again next month in Moscow" in article.text
    assert article.metadata.title == "Ministers meet in Tehran"
    assert article.metadata.published == date(2016, 9, 19)
    assert article.metadata.outlet == "Daily Planet"


def test_jsonl_malformed_line_is_reported_and_the_file_goes_on(tmp_path: Path) -> None:
    feed = tmp_path / "feed.jsonl"
    lines = [
        json.dumps({"id": "a1", "title": "First", "body": "The first story is short.", "date": "2020-05-01"}),
        '{"id": "a2", "title": "Broken", "body": "no closing brace"',
        "",
        json.dumps({"id": "a3", "body": "   "}),
        json.dumps({"id": "a4", "body": "The fourth story is also short.", "places": ["uk"]}),
    ]
    feed.write_text("\n".join(lines) + "\n", encoding="utf-8")
    documents, problems = split(read_file(feed))
    assert [d.source for d in documents] == [f"{feed}#a1", f"{feed}#a4"]
    assert [(p.source, p.reason.split(":")[0]) for p in problems] == [
        (f"{feed}#2", "line 2"),
        (f"{feed}#a3", "record a3"),
    ]
    assert "not valid JSON" in problems[0].reason
    assert prepare_article(documents[0]).metadata.published == date(2020, 5, 1)


def test_csv_rows_are_articles_with_a_custom_field_mapping(tmp_path: Path) -> None:
    table = tmp_path / "desk.csv"
    table.write_text(
        "headline,text,when,section,link\n"
        '"Rain in Bahia","Showers continued in the cocoa zone.\nThe drought is over.",1987-02-26,'
        "cocoa;weather,https://example.org/bahia\n"
        '"Too many","Fields here.",2020-01-01,x,y,extra\n'
        '"No body","",2020-01-02,x,\n',
        encoding="utf-8",
    )
    mapping = FieldMapping(title="headline", body="text", date="when", topics="section", url="link")
    documents, problems = split(read_file(table, mapping))
    assert len(documents) == 1
    article = prepare_article(documents[0])
    assert article.source == f"{table}#1"
    assert article.text == "Showers continued in the cocoa zone.\nThe drought is over."
    assert (article.metadata.title, article.metadata.published) == ("Rain in Bahia", date(1987, 2, 26))
    assert (article.metadata.topics, article.metadata.url) == (
        ["cocoa", "weather"],
        "https://example.org/bahia",
    )
    assert [(p.source, p.reason) for p in problems] == [
        (f"{table}#2", "record 2 (line 4): 6 fields, header has 5"),
        (f"{table}#3", "record 3: empty body"),
    ]


def test_zip_members_are_read_in_memory_and_named_inside_the_archive(tmp_path: Path) -> None:
    archive = tmp_path / "desk.zip"
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as bundle:
        bundle.writestr("2016/deputy-fm.txt", STORY)
        bundle.writestr("wire.json", json.dumps([{"id": 7, "title": "Wire", "body": "A wire story."}]))
        bundle.writestr("__MACOSX/._wire.json", b"\x00\x05\x16\x07")
        bundle.writestr("photo.png", b"\x89PNG")
    documents, problems = split(read_file(archive))
    assert problems == []
    assert [d.source for d in documents] == [f"{archive}!/2016/deputy-fm.txt", f"{archive}!/wire.json#7"]
    assert documents[0].text == STORY
    assert sorted(p.name for p in tmp_path.iterdir()) == ["desk.zip"]  # nothing was extracted

    truncated = tmp_path / "truncated.zip"
    truncated.write_bytes(archive.read_bytes()[:200])
    [problem] = read_file(truncated)
    assert isinstance(problem, UnreadableSource)
    assert "not a readable zip archive" in problem.reason


def test_truncated_json_keeps_the_records_before_the_break(tmp_path: Path) -> None:
    broken = tmp_path / "cut.json"
    broken.write_text(REUTERS.read_text(encoding="utf-8")[:5000], encoding="utf-8")
    documents, problems = split(read_file(broken))
    assert len(documents) >= 2
    [problem] = problems
    assert problem.source == str(broken)
    assert problem.reason.startswith(f"truncated or malformed JSON after record {len(documents)}:")


def test_legacy_encodings_are_decoded(tmp_path: Path) -> None:
    latin1 = tmp_path / "latin1.txt"
    latin1.write_bytes("Café au lait in São Paulo.".encode("latin-1"))
    [document] = read_file(latin1)
    assert document.text == "Café au lait in São Paulo."
    french = tmp_path / "paris.md"
    text = "Le café de la république a fermé ses portes après trente années, disent les habitués.\n"
    french.write_bytes(text.encode("cp1252"))
    [document] = read_file(french)
    assert document.text == text


def test_files_over_the_limit_and_binary_files_get_one_clear_reason(tmp_path: Path) -> None:
    huge = tmp_path / "huge.txt"
    with huge.open("wb") as handle:
        handle.truncate(51 * 1024 * 1024)  # sparse: instant, and never read
    [problem] = read_file(huge)
    assert isinstance(problem, UnreadableSource)
    assert problem.reason == "file is 51 MB; the limit is 50 MB"

    noise = tmp_path / "noise.json"
    noise.write_bytes(bytes(range(1, 256)) * 40)
    [problem] = read_file(noise)
    assert isinstance(problem, UnreadableSource)
    assert "binary or undecodable" in problem.reason


def test_glob_patterns_are_expanded(tmp_path: Path) -> None:
    for name in ("a.txt", "b.txt", "c.md"):
        (tmp_path / name).write_text(STORY, encoding="utf-8")
    documents, problems = split(read_documents([tmp_path / "*.txt", tmp_path / "*.nothing"]))
    assert [Path(d.source).name for d in documents] == ["a.txt", "b.txt"]
    assert [p.reason for p in problems] == ["no files match the pattern"]


def test_cli_stores_every_good_file_of_a_mixed_folder_and_names_every_bad_one(tmp_path: Path) -> None:
    folder = tmp_path / "archive"
    folder.mkdir()
    (folder / "story.txt").write_text(STORY, encoding="utf-8")
    (folder / "page.html").write_text(
        "<html><head><title>Rain returns to Bahia</title></head><body><article><h1>Rain returns to Bahia</h1>"
        "<p>Showers continued throughout the week in the Bahia cocoa zone, alleviating the drought.</p>"
        "<p>Arrivals for the week were 155,221 bags of 60 kilos, the commission said on Thursday.</p>"
        "</article><script>alert('x')</script></body></html>",
        encoding="utf-8",
    )
    (folder / "wire.jsonl").write_text(
        json.dumps({"id": "w1", "title": "Oil", "body": "Oil prices rose sharply on Monday, traders said."})
        + "\n{broken\n",
        encoding="utf-8",
    )
    (folder / "empty.txt").write_text("", encoding="utf-8")
    (folder / "binary.md").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00")
    (folder / "cut.zip").write_bytes(b"PK\x03\x04 truncated")
    result = run_cli("ingest", "--store", str(tmp_path / "store"), "--json", str(folder))
    report = json.loads(result.stdout)
    assert {"documents", "chunks", "added", "updated", "skipped", "errors"} <= set(report)
    assert (report["added"], report["documents"]) == (3, 3)
    reasons = {e["source"].removeprefix(str(folder) + "/"): e["reason"] for e in report["errors"]}
    assert set(reasons) == {"empty.txt", "binary.md", "cut.zip", "wire.jsonl#2"}
    assert "empty" in reasons["empty.txt"]
    assert "binary" in reasons["binary.md"]
    assert "zip" in reasons["cut.zip"]
    assert "line 2" in reasons["wire.jsonl#2"]


def test_field_mapping_is_a_config_file_table(tmp_path: Path) -> None:
    from newsdesk.settings import load_settings

    config = tmp_path / "newsdesk.toml"
    config.write_text('[fields]\ndefault_outlet = "Reuters"\nbody = "text"\n', encoding="utf-8")
    fields = load_settings(config).fields
    assert (fields.default_outlet, fields.body, fields.title) == ("Reuters", "text", "title")
