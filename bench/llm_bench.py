"""LLM engine benchmark: time to first token and tokens/s of the `local` engine over the sample corpus.

    python bench/llm_bench.py                       # local engine, packaged Qwen2.5 0.5B, 20 questions
    python bench/llm_bench.py --engine openai       # any engine the settings can build

Each question goes through the whole pipeline (`Assistant.stream`): retrieval, gate, prompt, generation,
citation check. TTFT is from the call to the first streamed token (retrieval + prompt evaluation);
tokens/s is streamed tokens (llama.cpp streams one token per delta) over the time from the first to the
last token. Questions the gate abstains on never reach the model and are counted apart. Model loading
is timed separately. Writes a markdown table to bench/results.md (section "LLM engine").
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import tempfile
import time
from datetime import date
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

QUESTIONS = [
    "Who met in Tehran and when?",
    "How much does Iran spend a year propping up Assad's regime?",
    "How many Syrian forces did the US-led coalition attack in Dayr al-Zawr kill?",
    "Who is Russia's defence minister?",
    "Where did Jaberi Ansari meet Bashar al-Assad?",
    "When did Jaberi Ansari meet Assad in Damascus?",
    "Which town did the rebels seize in Idlib province?",
    "Which ancient city did Russian forces help recapture?",
    "What did Syria and Iran agree on?",
    "What did Freij say while on his trip to Iran?",
    "Who is Iran's defence minister?",
    "What did Dehghan say about a ceasefire?",
    "What did Assad say about the US-led airstrike?",
    "What did Jaberi Ansari say about relations between Iran and Syria?",
    "Who controls much of Idlib province?",
    "What was Freij told to do about Israel?",
    "What did Walid al-Muallem urge?",
    "What did Shamkhani thank Putin for?",
    "What are the defence ministers determined to do against terrorist groups?",
    "Which news agency quoted Freij?",
]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engine", default="local")
    parser.add_argument("--store", type=Path, help="an existing store (default: the sample corpus, fresh)")
    parser.add_argument("--questions", type=int, default=len(QUESTIONS))
    parser.add_argument("--no-write", action="store_true", help="print only; leave bench/results.md alone")
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")  # huggingface_hub reads it on import: set before any loads

    from newsdesk.rag.models import Answer

    from newsdesk.components import Components
    from newsdesk.settings import load_settings

    store = args.store or Path(tempfile.mkdtemp(prefix="newsdesk-llm-bench-"))
    components = Components(load_settings(store={"path": store}, engine={"mode": args.engine}))
    components.ensure_sample_corpus()
    started = time.perf_counter()
    assistant = components.assistant()
    load_seconds = time.perf_counter() - started

    rows, ttfts, rates, gated = [], [], [], 0
    for question in QUESTIONS[: args.questions]:
        started = time.perf_counter()
        first = last = None
        tokens = 0
        answer = None
        for item in assistant.stream(question):
            if isinstance(item, Answer):
                answer = item
            else:
                now = time.perf_counter()
                first = first or now
                last = now
                tokens += 1
        total = time.perf_counter() - started
        assert answer is not None
        if tokens <= 1:  # the gate abstained: the abstention text came as one piece, no model call
            gated += 1
            rows.append((question, "–", "–", 0, f"{total:.1f}", "gate abstained"))
            continue
        ttft = first - started
        rate = (tokens - 1) / (last - first) if last > first else float("nan")
        ttfts.append(ttft)
        rates.append(rate)
        verdict = "abstained" if answer.abstained else f"answered, {len(answer.citations)} citation(s)"
        rows.append((question, f"{ttft:.2f}", f"{rate:.1f}", tokens, f"{total:.1f}", verdict))
        print(f"{ttft:6.2f}s TTFT {rate:5.1f} tok/s {tokens:4d} tok  {verdict:28s} {question}", flush=True)

    summary = (
        f"engine `{args.engine}`, {len(ttfts)} questions reached the model ({gated} stopped by the gate): "
        f"TTFT p50 **{statistics.median(ttfts):.2f} s**, p95 **{percentile(ttfts, 0.95):.2f} s**; "
        f"generation p50 **{statistics.median(rates):.1f} tokens/s**; model load {load_seconds:.1f} s."
    )
    lines = [
        "# LLM engine",
        "",
        f"`python bench/llm_bench.py --engine {args.engine}` — {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, {date.today().isoformat()}. Whole pipeline per question "
        "(retrieve, gate, prompt, generate, verify).",
        "",
        summary,
        "",
        "| question | TTFT s | tokens/s | tokens | total s | result |",
        "| --- | ---: | ---: | ---: | ---: | --- |",
        *(f"| {' | '.join(str(cell) for cell in row)} |" for row in rows),
        "",
    ]
    print("\n".join(lines))
    if not args.no_write:
        results = REPO / "bench" / "results.md"
        text = results.read_text(encoding="utf-8") if results.is_file() else ""
        keep = text.split("# LLM engine")[0].rstrip()
        results.write_text((keep + "\n\n" if keep else "") + "\n".join(lines), encoding="utf-8")


if __name__ == "__main__":
    main()
