"""Retrieval and answer latency on a Reuters store: p50/p95 over ~60 varied questions.

    python bench/latency_bench.py --store /tmp/reuters-full        # an existing store (read only)
    python bench/latency_bench.py --reuters 2000                   # builds a store from N Reuters stories

Times `PassageRetriever.retrieve` (dense + BM25 + fusion; a fifth of the questions with a date or
outlet filter) and the full `Assistant.ask` with the extractive engine, after one warm-up question
(model and BM25 index loading are reported apart). Prints a markdown table and writes it into the
"Retrieval latency" section of bench/results.md. Target: retrieval p50 under 100 ms.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from results_file import write_section  # beside this script: run as one, bench/ is on the path

REPO = Path(__file__).resolve().parents[1]
CORPORA = REPO.parent / "shared" / "corpora"
SECTION = "# Retrieval latency"

QUESTIONS = [
    "What did Bahia cocoa farmers expect from the temporao crop?",
    "Why did oil prices fall?",
    "What did OPEC decide about production quotas?",
    "How much did the Federal Reserve add to the banking system?",
    "What happened to the dollar against the yen?",
    "Which company agreed to acquire another in a takeover bid?",
    "What did the Bundesbank say about interest rates?",
    "How did wheat exports to the Soviet Union develop?",
    "What was Brazil's position on its foreign debt moratorium?",
    "What did Japan say about semiconductor trade with the United States?",
    "Who was appointed chairman?",
    "What were the quarterly earnings of IBM?",
    "What did the USDA report about corn stocks?",
    "How did the coffee quota talks end?",
    "What did analysts say about gold prices?",
    "Why did the stock market crash in October?",
    "What did Texaco do about the Pennzoil judgment?",
    "What did Chrysler say about American Motors?",
    "How much sugar did India buy?",
    "What happened to British unemployment?",
    "What did the Bank of England do in the money market?",
    "What was said about the Louvre accord?",
    "How did copper prices move?",
    "What did the Philippines say about coconut oil?",
    "What did Ecuador do after the earthquake damaged its pipeline?",
    "What was the trade deficit in January?",
    "Did Saudi Arabia cut its oil output?",
    "What did the EC Commission propose for farm prices?",
    "Which bank raised its prime rate?",
    "What happened to US housing starts?",
    "How much did GenCorp get offered?",
    "What did Kuwait say about OPEC prices?",
    "What was the outlook for the soybean crop?",
    "How did the Australian dollar trade?",
    "What did the G-7 finance ministers agree?",
    "What did Volcker say about the dollar?",
    "How did rubber prices change?",
    "What did Argentina say about grain exports?",
    "What was the result of the tin council talks?",
    "What did the Canadian government announce about the budget?",
    "How much cocoa did the buffer stock manager buy?",
    "What did South Korea say about its trade surplus?",
    "Why did Taiwan's foreign exchange reserves rise?",
    "What did the Iranian attacks in the Gulf mean for shipping?",
    "What did USAir want to buy?",
    "How did the French franc fare in the EMS?",
    "What happened with the merger of Allegheny International?",
    "What did the Soviet Union buy from US grain exporters?",
    "What was the net loss of the company?",
    "What did Mexico say about its oil exports?",
    "How did cattle prices respond?",
    "What did West German industrial production do?",
    "What was the price of natural gas?",
    "Why were ships delayed at the port?",
    "What did the Treasury say about the budget deficit?",
    "Who bought the stake in the company?",
    "What did Nigeria announce about its oil price?",
    "How much did the money supply grow?",
    "What did the Fed do on Thursday?",
    "When did the strike at the mine end?",
]
FILTERS = [
    {"date_from": date(1987, 3, 1), "date_to": date(1987, 3, 31)},
    {"date_from": date(1987, 10, 1)},
    {"outlets": ["reuters"]},
]


def build_store(articles: int, directory: Path) -> Path:
    """A store of the first `articles` Reuters stories, from a JSON slice outside the repo."""
    from newsdesk.components import Components
    from newsdesk.settings import load_settings

    stories: list[dict] = []
    for path in sorted((CORPORA / "reuters").glob("reuters-*.json")):
        stories += json.loads(path.read_text(encoding="utf-8"))
        if len(stories) >= articles:
            break
    (directory / "reuters.json").write_text(json.dumps(stories[:articles]), encoding="utf-8")
    store = directory / "store"
    Components(load_settings(store={"path": store})).ingestor.ingest([directory / "reuters.json"])
    return store


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def run(store: Path) -> dict:
    from newsdesk.rag.models import Filters

    from newsdesk.components import Components
    from newsdesk.settings import load_settings

    started = time.perf_counter()
    components = Components(load_settings(store={"path": store}))
    assistant = components.assistant()
    assistant.ask(QUESTIONS[0])  # warm-up: loads the encoder and the BM25 index
    load_s = time.perf_counter() - started
    retrieval, filtered, answers = [], [], []
    for position, question in enumerate(QUESTIONS):
        filters = Filters(**FILTERS[position % len(FILTERS)]) if position % 5 == 4 else None
        began = time.perf_counter()
        assistant.retriever.retrieve(question, filters=filters)
        (filtered if filters else retrieval).append(time.perf_counter() - began)
        began = time.perf_counter()
        assistant.ask(question, filters=filters)
        answers.append(time.perf_counter() - began)
    ms = lambda values, share: round(1000 * percentile(values, share), 1)  # noqa: E731
    return {
        "store": str(store),
        "chunks": components.store.count_chunks(),
        "articles": components.store.count_articles(),
        "questions": len(QUESTIONS),
        "load_s": round(load_s, 1),
        "retrieve_p50_ms": ms(retrieval + filtered, 0.5),
        "retrieve_p95_ms": ms(retrieval + filtered, 0.95),
        "unfiltered_p50_ms": ms(retrieval, 0.5),
        "unfiltered_p95_ms": ms(retrieval, 0.95),
        "filtered_p50_ms": ms(filtered, 0.5),
        "filtered_p95_ms": ms(filtered, 0.95),
        "filtered_n": len(filtered),
        "ask_p50_ms": ms(answers, 0.5),
        "ask_p95_ms": ms(answers, 0.95),
        "mean_retrieve_ms": round(1000 * statistics.fmean(retrieval + filtered), 1),
    }


def table(result: dict, command: str) -> str:
    return "\n".join(
        [
            SECTION,
            "",
            f"`{command}` — {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()},"
            f" {date.today()}. {result['articles']} articles / {result['chunks']} chunks, onnx-int8 encoder,"
            f" {result['questions']} questions ({result['filtered_n']} with a date or outlet filter), after a"
            f" warm-up question (loading: {result['load_s']} s).",
            "",
            "| measure | p50 ms | p95 ms |",
            "| --- | ---: | ---: |",
            f"| retrieval, all questions | {result['retrieve_p50_ms']} | {result['retrieve_p95_ms']} |",
            f"| retrieval, unfiltered | {result['unfiltered_p50_ms']} | {result['unfiltered_p95_ms']} |",
            f"| retrieval, filtered | {result['filtered_p50_ms']} | {result['filtered_p95_ms']} |",
            f"| full ask, extractive engine | {result['ask_p50_ms']} | {result['ask_p95_ms']} |",
            "",
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--store", type=Path, help="An existing store (only read).")
    parser.add_argument("--reuters", type=int, default=2000, help="Stories to ingest when no --store.")
    parser.add_argument("--no-write", action="store_true", help="Do not update bench/results.md.")
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")  # huggingface_hub reads it on import: set before any loads
    command = "python bench/latency_bench.py " + " ".join(sys.argv[1:])
    with tempfile.TemporaryDirectory(prefix="newsdesk-latency-") as scratch:
        store = args.store or build_store(args.reuters, Path(scratch))
        result = run(store)
    print(json.dumps(result))
    markdown = table(result, command.strip())
    print(markdown)
    if not args.no_write:
        write_section(SECTION, markdown)


if __name__ == "__main__":
    main()
