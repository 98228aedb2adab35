"""The chat page in a real browser: Playwright driving Debian's Chromium (headless) against
`newsdesk serve` started by the test, on the default settings (no login)."""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fixtures.cli import SAMPLE_CORPUS
from tests.fixtures.ui_server import copy_store, newsdesk_server

CHROMIUM = Path("/usr/bin/chromium")
TEHRAN = "Who met in Tehran and when?"

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="Debian's chromium is not installed (.ci/run installs it)"
)


@pytest.fixture(scope="module")
def page_url(sample_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    store = copy_store(sample_store, tmp_path_factory.mktemp("ui-browser") / "store")
    with newsdesk_server(store) as url:
        yield url


@pytest.fixture
def page(page_url: str):  # type: ignore[no-untyped-def]
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=["--no-sandbox"]
        )
        try:
            tab = browser.new_page(viewport={"width": 1280, "height": 1000})
            tab.set_default_timeout(60_000)
            tab.goto(page_url)
            yield tab
        finally:
            browser.close()


def ask(page, question: str) -> None:  # type: ignore[no-untyped-def]
    box = page.locator("#nd-question textarea")
    box.fill(question)
    box.press("Enter")


def save_screenshot(page, tmp_path: Path, name: str) -> Path:  # type: ignore[no-untyped-def]
    shot = tmp_path / name
    page.screenshot(path=str(shot), full_page=True)
    if os.environ.get("NEWSDESK_SCREENSHOT_DIR"):
        target = Path(os.environ["NEWSDESK_SCREENSHOT_DIR"])
        target.mkdir(parents=True, exist_ok=True)
        shutil.copy(shot, target / name)
    return shot


def test_question_answer_source_cards_and_highlighted_quote(page, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    ask(page, TEHRAN)

    cards = page.locator("#nd-chat details.nd-card")
    cards.first.wait_for()
    expect(page.locator("#nd-chat a.nd-marker").first).to_have_text(re.compile(r"\[\d+\]"))
    texts = cards.all_inner_texts()
    for article in ("000_08a30185b96717b7.txt", "003_482dfbd78e828b66.txt"):
        assert sum(article in text for text in texts) == 1  # one card per article, however often cited
    card_text = " ".join(texts)
    assert "AFP" in card_text
    assert "Untitled article" in card_text  # neither AFP story has a headline

    # A card opens on a click and shows its quote highlighted inside the article's own text.
    first = cards.first
    expect(first.locator("mark").first).to_be_hidden()
    first.locator("summary").click()
    mark = first.locator("mark").first
    expect(mark).to_be_visible()
    quote = mark.inner_text().strip()
    articles = [path.read_text(encoding="utf-8") for path in SAMPLE_CORPUS.glob("*.txt")]
    assert len(quote) > 20 and any(quote in " ".join(text.split()) for text in articles)
    assert len(first.locator("blockquote").first.inner_text()) > len(quote)  # shown with its neighbours

    # The Tehran answer cites the 003 story more than once: its one card holds every quote.
    twice = cards.filter(has_text="003_482dfbd78e828b66.txt")
    expect(twice).to_have_count(1)
    expect(twice.locator("mark").nth(1)).to_be_attached()

    # A marker in the answer opens the card of its article at its quote.
    page.evaluate("document.querySelectorAll('#nd-chat details.nd-card').forEach(card => card.open = false)")
    marker = page.locator("#nd-chat a.nd-marker").last
    href = marker.get_attribute("href") or ""
    assert href.startswith("#nd-source-")
    card = page.locator(f"#nd-chat details.nd-card:has({href})")
    expect(card).to_have_count(1)
    expect(card).not_to_have_attribute("open", "")
    marker.click()
    expect(card).to_have_attribute("open", "")
    expect(page.locator(f".nd-card-quote:has({href}) mark")).to_be_visible()

    # The Markdown to copy: the answer and its numbered sources.
    page.get_by_text("Copy the answer with its citations (Markdown)").click()
    markdown = page.locator("#nd-markdown")
    expect(markdown).to_contain_text("[1]")
    # The editor draws only the lines in view: scroll to the end, where the sources are.
    markdown.evaluate(
        "element => { element.scrollIntoView({block: 'end'});"
        " element.querySelectorAll('.cm-scroller').forEach(s => { s.scrollTop = s.scrollHeight; }); }"
    )
    expect(markdown).to_contain_text("Sources")

    assert save_screenshot(page, tmp_path, "newsdesk-chat.png").stat().st_size > 10_000


def test_abstention_shows_a_notice_and_new_conversation_clears_it(page) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    ask(page, "What did the Turkish foreign minister say in Ankara?")
    expect(page.locator("#nd-chat .nd-abstained")).to_be_visible()
    expect(page.locator("#nd-chat details.nd-card")).to_have_count(0)

    page.get_by_role("button", name="New conversation").click()
    expect(page.locator("#nd-chat .nd-abstained")).to_have_count(0)
