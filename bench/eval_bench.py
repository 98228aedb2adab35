"""Speed of `newsdesk eval`: a set of questions on a store, one engine, models loaded once; issue 16's target:
300 questions on the full BBC store with the extractive engine in under 5 minutes on 2 cores.

    newsdesk eval generate --corpus ../shared/corpora/bbc --n 300 --out /tmp/bbc300.jsonl  # not committed
    python bench/eval_bench.py --store /path/to/bbc-store --dataset /tmp/bbc300.jsonl [--profile 25]

Runs what `newsdesk eval` runs (newsdesk.eval.run.evaluate with the pipeline's citation check, every
judge's yardstick check and the gold-article breakdowns) in-process, after one warm-up question that loads the
encoder, the BM25 index and the judges (reported apart as loading). Reports the wall and CPU seconds of the
evaluation, the part spent in `Assistant.ask` (the answers) and the rest (citation metrics, judges, bootstrap,
breakdowns), and the machine's load average (on a shared machine the wall time depends on the others' load).
`--profile N` adds cProfile's N slowest functions by cumulative time. The store is only queried.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import platform
import pstats
import sys
import time
from datetime import date
from pathlib import Path

from results_file import write_section  # beside this script: run as one, bench/ is on the path

SECTION = "# Evaluation speed"


def run(store: Path, dataset: Path, engine: str, profile: int) -> dict:
    from newsdesk.eval.dataset import load_dataset
    from newsdesk.eval.run import evaluate

    from newsdesk.components import Components
    from newsdesk.settings import load_settings

    questions = load_dataset(dataset)
    started = time.perf_counter()
    components = Components(load_settings(store={"path": store}, engine={"mode": engine}))
    assistant = components.assistant()
    yardsticks = components.citation_checks()
    assistant.ask(questions[0].question)  # warm-up: the encoder, the BM25 index, the judge
    for check in yardsticks.values():  # every judge loads its model before the clock starts
        check.judge.name  # noqa: B018
    load_s = time.perf_counter() - started
    load_average = os.getloadavg()[0]
    profiler = cProfile.Profile() if profile else None
    cpu, wall = time.process_time(), time.perf_counter()
    if profiler:
        profiler.enable()
    summary = evaluate(
        [assistant],
        questions,
        str(dataset),
        components.settings.gate,
        citation_check=components.checker,
        store=components.store,
        yardsticks=yardsticks,
    )
    if profiler:
        profiler.disable()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    asking = sum(result["seconds"] for result in summary["results"])
    result = {
        "store": str(store),
        "articles": components.store.count_articles(),
        "chunks": components.store.count_chunks(),
        "questions": len(questions),
        "engine": summary["engine"],
        "citation_judges": summary["citation_judges"],
        "load_s": round(load_s, 1),
        "eval_s": round(wall, 1),
        "eval_cpu_s": round(cpu, 1),
        "ask_s": round(asking, 1),
        "other_s": round(wall - asking, 1),
        "ask_p50_s": summary["latency_p50_s"],
        "load_average_1min": round(load_average, 1),
        "load_average_end": round(os.getloadavg()[0], 1),
        "correctness": summary["correctness"],
    }
    if profiler:
        text = io.StringIO()
        pstats.Stats(profiler, stream=text).sort_stats("cumulative").print_stats(profile)
        result["profile"] = text.getvalue()
    return result


def table(result: dict, command: str) -> str:
    return "\n".join(
        [
            SECTION,
            "",
            f"`{command}` — {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()},"
            f" {date.today()}, load average {result['load_average_1min']} at the start and"
            f" {result['load_average_end']} at the end (a shared machine). {result['articles']} articles /"
            f" {result['chunks']} chunks, engine {result['engine']}, citation judges"
            f" {', '.join(result['citation_judges'].values())}; models loaded once ({result['load_s']} s).",
            "",
            "| questions | evaluation s | CPU s | in `ask` s | metrics etc. s | ask p50 s |",
            "| ---: | ---: | ---: | ---: | ---: | ---: |",
            f"| {result['questions']} | {result['eval_s']} | {result['eval_cpu_s']} | {result['ask_s']} |"
            f" {result['other_s']} | {result['ask_p50_s']} |",
            "",
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--store", type=Path, required=True, help="An existing store (only read).")
    parser.add_argument("--dataset", type=Path, required=True, help="The questions (JSONL).")
    parser.add_argument("--engine", default="extractive")
    parser.add_argument("--profile", type=int, default=0, help="Print cProfile's N slowest functions.")
    parser.add_argument("--no-write", action="store_true", help="Do not update bench/results.md.")
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")  # huggingface_hub reads it on import: set before any loads
    command = "python bench/eval_bench.py " + " ".join(sys.argv[1:])
    result = run(args.store, args.dataset, args.engine, args.profile)
    profile = result.pop("profile", "")
    print(json.dumps(result))
    markdown = table(result, command.strip())
    print(markdown)
    if profile:
        print(profile)
    if not args.no_write:
        write_section(SECTION, markdown)


if __name__ == "__main__":
    main()
