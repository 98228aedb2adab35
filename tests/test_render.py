"""How an answer is shown (rag.render's Markdown, ui.cards' HTML): the direct answer first, then the answer
text, then what the archive does not say; one source per cited article with each of its quotes; an article
without a headline named by its outlet, date and file. On real answers over the sample corpus and a real
Reuters record, and on constructed Answers for the fields the engine may leave empty."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest
from newsdesk.rag.models import Answer, AnswerPart, Citation
from newsdesk.rag.render import render_markdown, source_line
from newsdesk.ui.cards import answer_message_html

from tests.fixtures.cli import SAMPLE_CORPUS, SHARED_CORPORA, run_cli

TEHRAN = "Who met in Tehran and when?"


@pytest.fixture(scope="module")
def tehran(components) -> Answer:  # type: ignore[no-untyped-def]
    return components.assistant().ask(TEHRAN)


def _cited_twice(answer: Answer) -> str:
    """The doc_id of an article the answer cites with two different quotes."""
    counts = Counter(citation.doc_id for citation in answer.citations)
    twice = [doc_id for doc_id, count in counts.items() if count >= 2]
    assert twice, f"the Tehran answer should cite one article twice: {answer.citations}"
    return twice[0]


def test_two_citations_of_one_article_are_one_source_with_both_quotes_markdown(tehran: Answer) -> None:
    doc_id = _cited_twice(tehran)
    cited = [citation for citation in tehran.citations if citation.doc_id == doc_id]
    markdown = render_markdown(tehran)
    sources = markdown.split("**Sources**", 1)[1]

    line = source_line(cited[0])
    assert sources.count(line) == 1
    assert sources.count(Path(cited[0].source).name) == 1
    # The article's heading names all its markers; each quote follows with its own.
    assert f"{' '.join(f'[{c.marker}]' for c in cited)} {line}" in sources
    for citation in cited:
        assert f"> [{citation.marker}] " in sources and f"**“{citation.quote}”**" in sources
    # One heading per article.
    headings = [row for row in sources.splitlines() if re.match(r"\[\d+\]", row)]
    assert len(headings) == len({citation.doc_id for citation in tehran.citations})


def test_two_citations_of_one_article_are_one_card_with_both_quotes_html(tehran: Answer) -> None:
    doc_id = _cited_twice(tehran)
    cited = [citation for citation in tehran.citations if citation.doc_id == doc_id]
    page = answer_message_html(tehran, None, turn=2)

    cards = re.findall(r'<details class="nd-card".*?</details>', page)
    assert len(cards) == len({citation.doc_id for citation in tehran.citations})
    [card] = [card for card in cards if Path(cited[0].source).name in card]
    assert card.count("<mark>") == len(cited)
    assert card.count('class="nd-card-title"') == 1
    for citation in cited:
        assert f'id="nd-source-2-{citation.marker}"' in card
    # Every marker of the answer text links to an anchor on the page.
    links = re.findall(r'href="#(nd-source-2-\d+)"', page)
    assert links and all(f'id="{anchor}"' in page for anchor in links)


def test_an_article_without_a_headline_is_named_by_outlet_date_and_file(tehran: Answer) -> None:
    # 003 opens with its lead sentence: no headline, so no title (not its first sentence cut short).
    cited = next(c for c in tehran.citations if c.source.endswith("003_482dfbd78e828b66.txt"))
    assert cited.title is None
    first_sentence = (SAMPLE_CORPUS / "003_482dfbd78e828b66.txt").read_text(encoding="utf-8").split(" on ")[0]

    assert "Untitled article — AFP · 003_482dfbd78e828b66.txt" in render_markdown(tehran)
    page = answer_message_html(tehran, None, turn=0)
    titles = re.findall(r'<span class="nd-card-title">(.*?)</span>', page)
    assert "Untitled article" in titles and first_sentence not in "".join(titles)
    assert "AFP · 003_482dfbd78e828b66.txt" in page


def test_an_untitled_reuters_record_gets_outlet_date_and_record(tmp_path: Path) -> None:
    records = json.loads((SHARED_CORPORA / "reuters" / "reuters-000.json").read_text(encoding="utf-8"))[:3]
    untitled = {key: value for key, value in records[0].items() if key != "title"}  # BAHIA COCOA REVIEW
    archive = tmp_path / "wire.json"
    archive.write_text(json.dumps([untitled, *records[1:]]), encoding="utf-8")
    store = tmp_path / "store"
    env = {"NEWSDESK_FIELDS__DEFAULT_OUTLET": "Reuters"}
    run_cli("ingest", "--store", str(store), "--json", str(archive), env=env)
    result = run_cli(
        "ask",
        "--store",
        str(store),
        "--json",
        "How many bags of cocoa arrived in the week ended February 22?",
    )
    answer = Answer.model_validate_json(result.stdout)

    cited = next(c for c in answer.citations if c.source.endswith(f"wire.json#{untitled['id']}"))
    assert cited.title is None
    expected = f"Untitled article — Reuters, 1987-02-26 · wire.json#{untitled['id']}"
    assert expected in render_markdown(answer)
    page = answer_message_html(answer, None, turn=0)
    assert "Untitled article</span>" in page and f"Reuters · 1987-02-26 · wire.json#{untitled['id']}" in page


def _citation(marker: int, quote: str, doc_id: str = "003") -> Citation:
    text = (SAMPLE_CORPUS / "003_482dfbd78e828b66.txt").read_text(encoding="utf-8")
    start = text.index(quote)
    return Citation(
        marker=marker,
        doc_id=doc_id,
        source=str(SAMPLE_CORPUS / "003_482dfbd78e828b66.txt"),
        outlet="AFP",
        quote=quote,
        start=start,
        end=start + len(quote),
    )


MET = "The defence ministers of allies Iran, Russia and Syria on Thursday held talks in Tehran"
PARTS = [
    AnswerPart(
        question="Who met in Tehran?",
        answer_type="person",
        covered=True,
        answer="The defence ministers",
        markers=[1],
    ),
    AnswerPart(question="Why did they meet in secret?", answer_type="reason", covered=False),
]


def composed(**update: object) -> Answer:
    answer = Answer(
        question="Who met in Tehran, and why in secret?",
        answer=f"{MET}. [1] [2]",
        abstained=False,
        engine="extractive",
        citations=[_citation(1, MET), _citation(2, "held talks in Tehran")],
        direct_answer="The defence ministers of allies Iran, Russia and Syria [1]; on Thursday [1]",
        parts=PARTS,
    )
    return answer.model_copy(update=update)


def test_markdown_shows_the_direct_answer_first_then_the_text_then_what_is_missing() -> None:
    markdown = render_markdown(composed())

    direct = markdown.index("**The defence ministers of allies Iran, Russia and Syria [1]; on Thursday [1]**")
    text = markdown.index(f"{MET}. [1] [2]")
    missing = markdown.index("_Not in the archive: Why did they meet in secret?_")
    sources = markdown.index("**Sources**")
    assert direct == 0 and direct < text < missing < sources
    assert "Who met in Tehran?" not in markdown  # a covered part is not listed


def test_html_shows_the_direct_answer_first_with_linked_markers_and_what_is_missing() -> None:
    page = answer_message_html(composed(), None, turn=1)

    direct = re.search(r'<div class="nd-direct">(.*?)</div>', page)
    assert direct and page.index(direct.group(0)) == 0
    assert direct.group(1).count('<a class="nd-marker" href="#nd-source-1-1">[1]</a>') == 2
    assert page.index(
        '<div class="nd-missing">Not in the archive: Why did they meet in secret?</div>'
    ) > page.index("nd-marker", direct.end())
    # Two quotes of one article: one card, both anchors in it.
    assert page.count('<details class="nd-card"') == 1
    assert 'id="nd-source-1-1"' in page and 'id="nd-source-1-2"' in page


def test_nothing_extra_is_shown_when_there_is_nothing_to_add() -> None:
    plain = composed(direct_answer=None, parts=[])
    assert render_markdown(plain).startswith(f"{MET}. [1] [2]\n\n**Sources**")
    assert "nd-direct" not in answer_message_html(plain, None, 0)
    assert "nd-missing" not in answer_message_html(plain, None, 0)
    # A direct answer that is the whole answer text is not shown twice.
    same = composed(direct_answer=f"{MET}. [1] [2]", parts=PARTS[:1])
    assert render_markdown(same).count(MET) == 2  # the text and its quote in the sources
    # An abstention says the archive does not answer; it lists no parts.
    abstained = composed(abstained=True, answer="The archive does not say.", citations=[], direct_answer=None)
    assert "Not in the archive" not in render_markdown(abstained)
    assert "nd-missing" not in answer_message_html(abstained, None, 0)


def test_one_quote_cited_by_two_markers_is_shown_once_with_both() -> None:
    answer = composed(citations=[_citation(1, MET), _citation(2, MET)], direct_answer=None, parts=[])
    markdown = render_markdown(answer)
    assert markdown.count(f"“{MET}”") == 1 and f"[1] [2] {source_line(answer.citations[0])}" in markdown
    page = answer_message_html(answer, None, 0)
    assert page.count("<mark>") == 1 and 'id="nd-source-0-1"' in page and 'id="nd-source-0-2"' in page


def test_chat_shows_the_direct_answer_first_and_what_is_missing_after(components, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    # The real assistant's answer, given the direct answer and parts an engine may not fill yet.
    from newsdesk.rag.models import Filters
    from rich.console import Console

    from newsdesk.chat import ChatSession

    assistant = components.assistant()
    stream = assistant.stream
    short = "The defence ministers of allies Iran, Russia and Syria [1]; on Thursday [1]"

    def composed_stream(*args, **kwargs):  # type: ignore[no-untyped-def]
        for item in stream(*args, **kwargs):
            yield (
                item.model_copy(update={"direct_answer": short, "parts": PARTS})
                if isinstance(item, Answer)
                else item
            )

    monkeypatch.setattr(assistant, "stream", composed_stream)
    console = Console(record=True, width=300)
    ChatSession(assistant, Filters(), console).handle(TEHRAN)
    shown = console.export_text()

    places = [
        shown.find(text)
        for text in (short, "held talks in Tehran on pressing", "Not in the archive: Why did", "Sources")
    ]
    assert -1 not in places and places == sorted(places), shown
    assert shown.count(short) == 1
