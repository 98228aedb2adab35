"""`newsdesk serve` driven through its named API with gradio_client, against a server the test starts
(with a login, so the refusal of an unauthenticated client is tested on the same server), and the
page's HTML pieces (source cards, highlighted quotes, notices) through ui.cards."""

from __future__ import annotations

import json
import re
import shutil
import zipfile
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path

import pytest
from newsdesk.rag.models import Answer, AnswerSentence, Citation
from newsdesk.ui.archive import UploadInbox
from newsdesk.ui.cards import answer_message_html, notice_html

from tests.fixtures.cli import SAMPLE_CORPUS, SHARED_CORPORA, TEHRAN_ARTICLES, run_cli
from tests.fixtures.ui_server import copy_store, newsdesk_server

TEHRAN = "Who met in Tehran and when?"
UNANSWERABLE = "What did the Turkish foreign minister say in Ankara?"
LOGIN = ("editor", "correct-horse")


@pytest.fixture(scope="module")
def server(sample_store: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path]:
    """One logged-in server for the module, over a private copy of the sample store (ingest writes)."""
    store = copy_store(sample_store, tmp_path_factory.mktemp("ui-api") / "store")
    with newsdesk_server(store, login=LOGIN) as url:
        yield url, store


def client(url: str):  # type: ignore[no-untyped-def]
    from gradio_client import Client

    return Client(url, auth=LOGIN, verbose=False, download_files=False)


def cited_files(answer: dict) -> set[str]:
    return {Path(citation["source"]).name for citation in answer["citations"]}


def test_ask_endpoint_cites_both_tehran_articles(server: tuple[str, Path]) -> None:
    answer = client(server[0]).predict(TEHRAN, api_name="/ask")
    assert answer["abstained"] is False
    assert answer["question"] == TEHRAN
    assert cited_files(answer) >= TEHRAN_ARTICLES
    assert all(f"[{citation['marker']}]" in answer["answer"] for citation in answer["citations"])


def test_ask_endpoint_abstains_when_the_archive_does_not_say(server: tuple[str, Path]) -> None:
    answer = client(server[0]).predict(UNANSWERABLE, api_name="/ask")
    assert answer["abstained"] is True
    assert answer["citations"] == []
    assert answer["answer"].startswith("The archive does not say")


def test_ask_endpoint_date_filter_that_excludes_everything_abstains(server: tuple[str, Path]) -> None:
    answer = client(server[0]).predict(
        TEHRAN, "", 0, "2030-01-01", "2030-12-31", "", api_name="/ask"
    )  # the sample articles are from 2016
    assert answer["filters"]["date_from"] == "2030-01-01"
    assert answer["abstained"] is True


def test_ask_endpoint_names_a_malformed_date(server: tuple[str, Path]) -> None:
    from gradio_client.exceptions import AppError

    with pytest.raises(AppError, match="date_from"):
        client(server[0]).predict(TEHRAN, "", 0, "19 September", "", "", api_name="/ask")


def test_ingest_endpoint_reports_the_good_and_the_bad_files(server: tuple[str, Path], tmp_path: Path) -> None:
    from gradio_client import handle_file

    url, store = server
    article = SHARED_CORPORA / "bbc" / "tech" / "001.txt"  # "Ink helps drive democracy in Asia"
    not_allowed = tmp_path / "payload.exe"
    not_allowed.write_bytes(b"MZ\x90\x00")
    malformed = tmp_path / "records.json"
    malformed.write_text('{"title": "cut off', encoding="utf-8")
    files = [handle_file(str(path)) for path in (article, not_allowed, malformed)]

    report = client(url).predict(files, api_name="/ingest")

    assert report["added"] == 1
    problems = {Path(error["source"]).name: error["reason"] for error in report["errors"]}
    assert set(problems) == {"payload.exe", "records.json"}
    assert "not accepted" in problems["payload.exe"]
    assert "JSON" in problems["records.json"]
    # Ingested from a copy inside the data directory, and answerable at once.
    assert list((store / "uploads").glob("*/001.txt"))
    answer = client(url).predict("Which country uses invisible ink in its elections?", api_name="/ask")
    assert answer["abstained"] is False
    assert any(str(store / "uploads") in citation["source"] for citation in answer["citations"])


def test_an_oversized_upload_refuses_that_file_alone_and_leaves_nothing_behind(
    server: tuple[str, Path], tmp_path: Path
) -> None:
    from gradio_client import handle_file

    url, store = server
    article = SHARED_CORPORA / "bbc" / "tech" / "010.txt"
    oversized = tmp_path / "archive-dump.txt"
    with oversized.open("w", encoding="utf-8") as handle:  # just over the default 50 MB upload limit
        line = "A line of an archive dump that is far too large to upload in one piece.\n"
        handle.write(line * (51 * 1024 * 1024 // len(line) + 1))
    binary = tmp_path / "scan.txt"
    binary.write_bytes(b"\x00\x01binary scan")
    report = client(url).predict(
        [handle_file(str(p)) for p in (article, oversized, binary)], api_name="/ingest"
    )

    assert report["added"] == 1
    problems = {error["source"]: error["reason"] for error in report["errors"]}
    assert problems["archive-dump.txt"] == "larger than the 50 MB upload limit"
    assert problems["scan.txt"].startswith("binary file, not text")
    assert not any(str(store) in error["source"] + error["reason"] for error in report["errors"])
    # Nothing refused is kept: not the web server's temporary copies, not a copy in the inbox.
    kept = [path.name for path in store.rglob("*") if path.is_file()]
    assert "archive-dump.txt" not in kept and "scan.txt" not in kept

    refused_only = client(url).predict([handle_file(str(binary))], api_name="/ingest")
    status = json.loads(run_cli("status", "--store", str(store), "--json").stdout)
    assert (refused_only["documents"], refused_only["chunks"]) == (status["documents"], status["chunks"])
    assert refused_only["documents"] > 0


def test_five_concurrent_clients_all_get_correct_answers(server: tuple[str, Path]) -> None:
    questions = [TEHRAN, UNANSWERABLE, TEHRAN, UNANSWERABLE, TEHRAN]

    def ask(question: str) -> dict:
        return client(server[0]).predict(question, api_name="/ask")

    with ThreadPoolExecutor(max_workers=5) as pool:
        answers = list(pool.map(ask, questions))

    for question, answer in zip(questions, answers, strict=True):
        assert answer["question"] == question
        if question == TEHRAN:
            assert answer["abstained"] is False and cited_files(answer) >= TEHRAN_ARTICLES
        else:
            assert answer["abstained"] is True


def test_the_api_holds_top_k_to_the_bounds_the_cli_does(server: tuple[str, Path]) -> None:
    from gradio_client.exceptions import AppError

    for top_k in (-1, 101, 5000):
        with pytest.raises(AppError, match="top_k"):
            client(server[0]).predict(TEHRAN, "", top_k, "", "", "", api_name="/ask")
    assert client(server[0]).predict(TEHRAN, "", 100, "", "", "", api_name="/ask")["abstained"] is False


def test_no_route_answers_without_the_login(server: tuple[str, Path]) -> None:
    import httpx

    url = server[0].rstrip("/")
    assert httpx.get(f"{url}/openapi.json").status_code == 401
    for route in ("/gradio_api/cancel", "/gradio_api/reset", "/gradio_api/upload"):
        assert httpx.post(f"{url}{route}", json={}).status_code == 401, route
    assert httpx.get(f"{url}/").status_code == 200  # the login page itself


def test_failed_logins_are_rate_limited(tmp_path: Path, sample_store: Path) -> None:
    import httpx

    store = copy_store(sample_store, tmp_path / "store")
    with newsdesk_server(store, login=("desk", "right-password")) as url:
        codes = [
            httpx.post(f"{url}login", data={"username": "desk", "password": f"guess-{n}"}).status_code
            for n in range(6)
        ]
        assert codes == [400] * 6
        # Locked out for a while: even the right password is refused now.
        right = httpx.post(f"{url}login", data={"username": "desk", "password": "right-password"})
        assert right.status_code == 400


def test_serving_beyond_this_machine_needs_a_login_and_no_password_goes_on_the_command_line(
    sample_store: Path,
) -> None:
    refused = run_cli("serve", "--store", str(sample_store), "--host", "0.0.0.0", check=False)
    assert refused.returncode == 2 and "without a login" in refused.stderr
    in_ps = run_cli("serve", "--store", str(sample_store), "--auth", "desk:secret", check=False)
    assert in_ps.returncode == 2 and "visible to every user" in in_ps.stderr


def test_a_client_without_the_login_is_refused(server: tuple[str, Path]) -> None:
    from gradio_client import Client
    from gradio_client.exceptions import AuthenticationError

    with pytest.raises(AuthenticationError, match="credentials were not provided"):
        Client(server[0], verbose=False).predict(TEHRAN, api_name="/ask")
    with pytest.raises(ValueError, match="Could not login"):
        Client(server[0], auth=(LOGIN[0], "wrong"), verbose=False).predict(TEHRAN, api_name="/ask")


def test_a_malformed_login_setting_is_refused_with_its_name() -> None:
    from pydantic import ValidationError

    from newsdesk.settings import load_settings

    with pytest.raises(ValidationError, match=r'auth\n.*expected "user:pass"'):
        load_settings(serve={"auth": "editor-without-password"})
    assert load_settings(serve={"auth": "editor:pa:ss"}).serve.login() == ("editor", "pa:ss")


def _citation(article: Path, quote: str, marker: int = 1) -> tuple[Citation, str]:
    text = article.read_text(encoding="utf-8")
    start = text.index(quote)
    citation = Citation(
        marker=marker,
        doc_id=article.stem,
        source=str(article),
        title="Iran, Russia & Syria <meet>",
        outlet="AFP",
        published=date(2016, 6, 9),
        quote=quote,
        start=start,
        end=start + len(quote),
    )
    return citation, text


def test_source_card_highlights_the_quote_inside_its_article_text_escaped() -> None:
    article = SAMPLE_CORPUS / "003_482dfbd78e828b66.txt"
    quote = "The defence ministers of allies Iran, Russia and Syria on Thursday held talks in Tehran"
    citation, text = _citation(article, quote)
    hostile = text.replace(quote, quote + ' <img src=x onerror="alert(1)">')
    answer = Answer(
        question=TEHRAN,
        answer=f"{quote} [1] <script>alert(2)</script>",
        abstained=False,
        engine="extractive",
        citations=[citation],
    )

    page = answer_message_html(answer, {article.stem: hostile}.get, turn=0)

    assert f"<mark>{quote}</mark>" in page
    assert 'href="#nd-source-0-1"' in page and 'id="nd-source-0-1"' in page
    assert "Iran, Russia &amp; Syria &lt;meet&gt;" in page
    assert "AFP · 2016-06-09 · 003_482dfbd78e828b66.txt" in page
    assert "<img" not in page and "<script" not in page
    assert "&lt;img src=x" in page and "&lt;script&gt;" in page


def test_source_card_uses_the_citation_context_when_retrieval_gave_one() -> None:
    article = SAMPLE_CORPUS / "000_08a30185b96717b7.txt"
    text = article.read_text(encoding="utf-8")
    quote = next(line for line in text.splitlines() if "Tehran" in line).strip()
    citation, _ = _citation(article, quote)
    context = "Before it. " + quote + " After it."
    citation = citation.model_copy(update={"context": context, "context_start": citation.start - 11})
    answer = Answer(question=TEHRAN, answer="x [1]", abstained=False, engine="e", citations=[citation])

    page = answer_message_html(answer, lambda doc_id: None, turn=3)

    assert "Before it. <mark>" in page and "</mark> After it." in page


def test_notices_say_when_the_answer_abstained_or_lost_sentences() -> None:
    abstained = Answer(question="q", answer="The archive does not say.", abstained=True, engine="e")
    trimmed = Answer(
        question="q",
        answer="a [1]",
        abstained=False,
        engine="e",
        sentences=[AnswerSentence(text="a", markers=[1]), AnswerSentence(text="b", supported=False)],
    )
    complete = Answer(question="q", answer="a", abstained=False, engine="e")

    assert "nd-abstained" in notice_html(abstained)
    assert "1 sentence(s) removed" in notice_html(trimmed)
    assert "2 sentence(s) removed" in notice_html(trimmed.model_copy(update={"removed_sentences": 2}))
    assert notice_html(complete) == ""


def test_upload_inbox_keeps_allowed_files_under_the_limit_inside_its_directory(tmp_path: Path) -> None:
    inbox = UploadInbox(tmp_path / "uploads", max_mb=1)
    article = SHARED_CORPORA / "bbc" / "business" / "001.txt"
    archive = tmp_path / "stories.zip"
    with zipfile.ZipFile(archive, "w") as bundle:
        bundle.write(article, "business/001.txt")
    big = tmp_path / "huge.txt"
    big.write_bytes(article.read_bytes() * (2 * 1024 * 1024 // article.stat().st_size + 1))
    sneaky = tmp_path / "..%2F..%2Fetc%2Fpasswd.md"
    sneaky.write_text("Not a path.", encoding="utf-8")

    accepted, refused = inbox.accept([article, archive, big, sneaky])

    assert [path.name for path in accepted][:2] == ["001.txt", "stories.zip"]
    assert accepted[2].name.endswith("passwd.md") and "/" not in accepted[2].name
    assert all(path.is_relative_to(tmp_path / "uploads") for path in accepted)
    assert [(error.source, "1 MB" in error.reason) for error in refused] == [("huge.txt", True)]
    assert inbox.accept([article])[0] == accepted[:1]  # the same file again: the same stored copy
    assert article.is_file() and big.is_file()  # files outside the server's temp directory are never deleted

    received = tmp_path / "gradio-tmp"
    received.mkdir()
    taking = UploadInbox(tmp_path / "uploads", max_mb=1, received=received)
    uploads = [received / "001.txt", received / "huge.txt"]
    shutil.copy(article, uploads[0])
    shutil.copy(big, uploads[1])
    accepted, refused = taking.accept(uploads)
    assert [path.name for path in accepted] == ["001.txt"] and [e.source for e in refused] == ["huge.txt"]
    assert not any(path.exists() for path in uploads)  # the server's temporary copies, refused or not


def test_the_api_offers_ask_ingest_and_evaluate_only(server: tuple[str, Path]) -> None:
    endpoints = client(server[0]).view_api(print_info=False, return_format="dict")["named_endpoints"]
    assert set(endpoints) == {"/ask", "/ingest", "/evaluate"}
    parameters = [parameter["parameter_name"] for parameter in endpoints["/ask"]["parameters"]]
    assert parameters == ["question", "engine", "top_k", "date_from", "date_to", "outlet"]


def test_evaluation_tab_reports_the_grounding_evaluation(server: tuple[str, Path]) -> None:
    report = client(server[0]).predict("extractive", api_name="/evaluate")
    # The same report as `newsdesk eval --report`: the gate's verdict and the figures table.
    assert report.startswith("# Grounding evaluation: ")
    assert re.search(r"Engines: extractive · \d+ questions", report)
    assert re.search(r"\*\*Gate: (passed|FAILED)\*\*", report)
    assert re.search(r"\| correct \|", report)
