"""The support judge's cost: milliseconds per pair, batched, on this machine's cores (issue 14: ≤ 3 ms).

`python bench/judge_bench.py [--model DIR] [--pairs 500]` builds, from real BBC articles (sorted by path,
the first sentences of each in turn), `--pairs` (question, sentence) pairs for `answers` (the question
is the article's headline as a question, the sentences are the article's own) and as many (claim,
quote-with-neighbours) pairs for `supports` (a sentence, and it with the sentences before and after). Each
task's pairs are judged in one call, as the gate and the citation check ask, with the score cache off;
the median of `--repeats` runs is reported. Prints one Markdown row per task for bench/results.md.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from datetime import UTC, datetime
from pathlib import Path

from newsdesk.index.onnx_encoder import cpu_threads
from newsdesk.index.sentences import split_sentences
from newsdesk.rag.judge_onnx import OnnxJudge
from tokenizers import Tokenizer

BBC = Path(__file__).resolve().parents[2] / "shared" / "corpora" / "bbc"


def corpus_pairs(bbc: Path, count: int) -> dict[str, list[tuple[str, str]]]:
    """`count` answers pairs and `count` supports pairs from BBC articles, in path order."""
    pairs: dict[str, list[tuple[str, str]]] = {"answers": [], "supports": []}
    for path in sorted(bbc.glob("*/*.txt")):
        title, _, body = path.read_text(encoding="latin-1").partition("\n")
        sentences = [body[start:end] for start, end in split_sentences(body)]
        question = f"What happened: {title.strip()}?"
        for index, sentence in enumerate(sentences[:6]):
            pairs["answers"].append((question, sentence))
            pairs["supports"].append((sentence, " ".join(sentences[max(0, index - 1) : index + 2])))
        if len(pairs["answers"]) >= count:
            return {task: found[:count] for task, found in pairs.items()}
    raise SystemExit(f"{bbc}: fewer than {count} sentences")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=None, help="judge model dir [default: packaged]")
    parser.add_argument("--bbc", type=Path, default=BBC)
    parser.add_argument("--pairs", type=int, default=500)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    judge = OnnxJudge(args.model, cache_size=0)  # no cache: every run pays for every pair
    pairs = corpus_pairs(args.bbc, args.pairs)
    judge.scores("answers", pairs["answers"][:16])  # warm-up: the session's first run allocates
    tokenizer = Tokenizer.from_file(str(judge.model_dir / "tokenizer.json"))
    tokenizer.no_padding()
    # Load before the runs: the bench shares the machine with whatever else runs (the column says so).
    load = os.getloadavg()[0]
    print("| judge | task | pairs | mean tokens | ms/pair | runs (s) | threads | load avg | date |")
    print("| --- | --- | ---: | ---: | ---: | --- | ---: | ---: | --- |")
    for task, task_pairs in pairs.items():
        runs = []
        for _ in range(args.repeats):
            started = time.perf_counter()
            judge.scores(task, task_pairs)  # type: ignore[arg-type]
            runs.append(time.perf_counter() - started)
        per_pair = statistics.median(runs) / len(task_pairs) * 1000
        tokenizer.enable_truncation(judge.max_length[task], strategy="longest_first")
        tokens = statistics.mean(len(encoding.ids) for encoding in tokenizer.encode_batch(task_pairs))
        shown = ", ".join(f"{run:.2f}" for run in runs)
        print(
            f"| {judge.name} | {task} | {len(task_pairs)} | {tokens:.0f} | {per_pair:.2f} | {shown} "
            f"| {cpu_threads()} | {load:.1f} | {datetime.now(UTC):%Y-%m-%d} |"
        )


if __name__ == "__main__":
    main()
