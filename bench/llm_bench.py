"""LLM engine benchmark: answer quality and speed of the `local` engine's packaged models (and the
extractive engine, for reference) over an evaluation set and its store.

    nice -n 10 python bench/llm_bench.py --store STORE --dataset SET.jsonl --out DIR \
        extractive local:qwen2.5-coder-0.5b local:qwen2.5-coder-1.5b
    python bench/llm_bench.py --out DIR --summarise      # DIR/*.json → DIR/results.md

Each configuration is `ENGINE` or `local:MODEL` (MODEL: a packaged model's name or a GGUF path); its
model is loaded once, then every question goes through the whole pipeline (`Assistant.stream`, with
the question's history): follow-up rewriting, retrieval, gate, prompt, generation, citation check.
Correctness and abstention accuracy are the evaluation's own (newsdesk.eval.score). TTFT is from the
call to the first streamed token (for a follow-up it includes the model's rewrite); tokens/s is
streamed tokens (llama.cpp streams one token per delta) over the time from the first to the last
token. Questions the gate abstains on never reach the model and count in neither. Each
configuration's results go to DIR/<name>.json as soon as it ends, so configurations can run in
separate processes (one model in memory at a time) and be summarised together.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import time
from datetime import date
from pathlib import Path

SECTION = "## LLM engine: packaged models on an evaluation set"


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def label_of(config: str) -> str:
    return config.replace(":", "-").replace("/", "_")


def run(config: str, store: Path, dataset: Path, limit: int | None, out: Path) -> dict:
    from newsdesk.eval.dataset import load_dataset
    from newsdesk.eval.score import figures, score_answer
    from newsdesk.rag.models import Answer

    from newsdesk.components import Components
    from newsdesk.settings import load_settings

    mode, _, model = config.partition(":")
    engine = {"mode": mode, **({"local_model": model} if model else {})}
    components = Components(load_settings(store={"path": store}, engine=engine))
    started = time.perf_counter()
    assistant = components.assistant()
    load_seconds = time.perf_counter() - started
    questions = load_dataset(dataset)[:limit]

    rows, results = [], []
    for item in questions:
        started = time.perf_counter()
        first = last = None
        tokens = 0
        answer = None
        for piece in assistant.stream(item.question, history=item.history):
            if isinstance(piece, Answer):
                answer = piece
            else:
                now = time.perf_counter()
                first = first or now
                last = now
                tokens += 1
        seconds = time.perf_counter() - started
        assert answer is not None
        result = score_answer(item, answer, seconds)
        results.append(result)
        reached = assistant.engine.streams_tokens and tokens > 1  # else the gate answered, no model call
        ttft = first - started if reached and first else None
        rate = (tokens - 1) / (last - first) if reached and last and first and last > first else None
        rows.append(
            {
                "id": item.id,
                "type": item.type,
                "answerable": item.answerable,
                "correct": result.correct,
                "abstained": answer.abstained,
                "ttft": ttft,
                "tokens_per_s": rate,
                "tokens": tokens,
                "seconds": seconds,
                "answer": answer.answer,
            }
        )
        shown = f"{ttft:6.2f}s TTFT {rate or 0:5.1f} tok/s" if ttft is not None else f"{seconds:6.2f}s total"
        print(f"{config} {item.id} {shown} correct={result.correct} abstained={answer.abstained}", flush=True)

    summary = {
        "config": config,
        "store": str(store),
        "dataset": str(dataset),
        "date": date.today().isoformat(),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "load_seconds": round(load_seconds, 2),
        "figures": figures(results),
        "rows": rows,
    }
    out.mkdir(parents=True, exist_ok=True)
    (out / f"{label_of(config)}.json").write_text(json.dumps(summary, indent=1), encoding="utf-8")
    return summary


def _cell(value: float | None, digits: int = 2) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def markdown(summaries: list[dict], command: str) -> str:
    first = summaries[0]
    lines = [
        SECTION,
        "",
        f"`{command}` — {first['machine']}, {first['date']}; set `{Path(first['dataset']).name}` "
        f"({first['figures']['questions']} questions), store `{first['store']}`. Whole pipeline per question "
        "(rewrite follow-ups, retrieve, gate, prompt, generate, verify); models loaded once.",
        "",
        "| engine / model | correct | answerable correct | abstention accuracy | reached model | TTFT p50 s "
        "| TTFT p95 s | tokens/s p50 | tokens/s pooled | seconds p50 | load s |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for summary in summaries:
        f = summary["figures"]
        ttfts = [r["ttft"] for r in summary["rows"] if r["ttft"] is not None]
        rates = [r["tokens_per_s"] for r in summary["rows"] if r["tokens_per_s"] is not None]
        seconds = [r["seconds"] for r in summary["rows"]]
        # Pooled: all generated tokens over all generation time; a 3-token reply's rate says little alone.
        timed = [
            (r["tokens"] - 1, (r["tokens"] - 1) / r["tokens_per_s"])
            for r in summary["rows"]
            if r["tokens_per_s"]
        ]
        pooled = sum(t for t, _ in timed) / sum(d for _, d in timed) if timed else None
        lines.append(
            f"| {summary['config']} | {f['correctness']:.2f} | {f['answerable_correctness']:.2f} "
            f"| {f['abstention_accuracy']:.2f} | {len(ttfts)}/{f['questions']} "
            f"| {_cell(statistics.median(ttfts) if ttfts else None)} "
            f"| {_cell(percentile(ttfts, 0.95) if ttfts else None)} "
            f"| {_cell(statistics.median(rates) if rates else None, 1)} | {_cell(pooled, 1)} "
            f"| {statistics.median(seconds):.2f} "
            f"| {summary['load_seconds']:.1f} |"
        )
    lines += ["", "Per question (correct ✓, abstained A, TTFT s):", ""]
    lines.append("| id | type | " + " | ".join(s["config"] for s in summaries) + " |")
    lines.append("| --- | --- |" + " --- |" * len(summaries))
    for n, row in enumerate(first["rows"]):
        cells = []
        for summary in summaries:
            r = summary["rows"][n]
            mark = ("✓" if r["correct"] else "✗") + (" A" if r["abstained"] else "")
            cells.append(mark + (f" {r['ttft']:.1f}" if r["ttft"] is not None else ""))
        lines.append(f"| {row['id']} | {row['type']} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("configs", nargs="*", help="`extractive`, `local`, `local:MODEL`, `openai`, ...")
    parser.add_argument("--store", type=Path)
    parser.add_argument("--dataset", type=Path)
    parser.add_argument("--questions", type=int, help="only the first N questions")
    parser.add_argument("--out", type=Path, required=True, help="directory of the per-configuration JSON")
    parser.add_argument("--summarise", action="store_true", help="write DIR/*.json as markdown")
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")  # huggingface_hub reads it on import: set before any loads

    for config in args.configs:
        if args.store is None or args.dataset is None:
            parser.error("--store and --dataset are needed to run a configuration")
        run(config, args.store, args.dataset, args.questions, args.out)
    if args.summarise:
        summaries = [json.loads(p.read_text(encoding="utf-8")) for p in sorted(args.out.glob("*.json"))]
        text = markdown(
            summaries, "python bench/llm_bench.py --store STORE --dataset SET --out DIR CONFIG..."
        )
        print(text)
        (args.out / "results.md").write_text(text, encoding="utf-8")  # pasted into bench/results.md by hand


if __name__ == "__main__":
    main()
