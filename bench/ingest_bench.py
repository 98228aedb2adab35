"""Ingestion benchmark: newsdesk ingest vs a plain llama-index pipeline, and the two encoders.

    python bench/ingest_bench.py --bbc 2225 --reuters 5000 --growth 500,1000,2225 \
        --reuters-growth 1000,2500,5000                                             # the full run
    python bench/ingest_bench.py                                                    # quick: 200 / 300
    python bench/ingest_bench.py --bbc 500 --repeat 3 --no-torch-ingest             # the ratio, 3 pairs

Each phase runs in its own subprocess, so its peak RSS (ru_maxrss) is its own. Timings exclude model
loading (reported separately). The corpora are read in place from ../shared/corpora; the BBC subsets are
symlink folders, the Reuters slices folders of the corpus' own files (linked) with the remainder as one
shorter file, all in a temp dir outside the repo. Prints a markdown
table and writes it to bench/results.md.

On a shared virtual machine the same phase's wall time swings by ±10% from run to run (CPU time too: the
host slows the virtual cores). `--repeat N` runs the newsdesk and plain llama-index BBC ingests N times,
alternating, and reports each pair's ratio and the median.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CORPORA = REPO.parent / "shared" / "corpora"


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def cpu_seconds() -> float:
    """CPU time of this process so far: on a shared machine a steadier yardstick than wall time."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


# --- phases (run in a subprocess each) -------------------------------------------------------------
def phase_ingest(paths: list[str], store: str, encoder: str, chroma_url: str | None = None) -> dict:
    from newsdesk.components import Components
    from newsdesk.settings import load_settings

    started = time.perf_counter()
    components = Components(
        load_settings(store={"path": Path(store), "chroma_url": chroma_url}, ingest={"encoder": encoder})
    )
    ingestor = components.ingestor  # loads the encoder (and exports the ONNX file on first use)
    loaded = time.perf_counter()
    before = components.store.count_chunks()
    loaded_rss = peak_rss_mb()
    batches_rss = []
    rebuild = ingestor.on_change
    if rebuild is not None:

        def measured_rebuild(written: set[str]) -> None:  # the peak of the batches, before the BM25 update
            batches_rss.append(peak_rss_mb())
            rebuild(written)

        ingestor.on_change = measured_rebuild
    cpu = cpu_seconds()
    report = ingestor.ingest([Path(p) for p in paths])
    seconds = time.perf_counter() - loaded
    return {
        "loaded_rss_mb": loaded_rss,
        "batches_rss_mb": batches_rss[0] if batches_rss else peak_rss_mb(),
        "load_s": loaded - started,
        "seconds": seconds,
        "cpu_s": cpu_seconds() - cpu,
        "embedded": report.embedded,
        "articles": report.added + report.updated + report.skipped,
        "added": report.added,
        "chunks": report.chunks - before,
        "errors": len(report.errors),
    }


def chunk_texts(folder: str, limit: int) -> list[str]:
    from llama_index.core.schema import MetadataMode
    from newsdesk.index.chunk import ArticleChunker
    from newsdesk.index.embed import load_tokenizer
    from newsdesk.index.ingest import prepare_article
    from newsdesk.index.read import read_documents

    from newsdesk.settings import FieldMapping, Settings

    defaults = Settings()
    chunker = ArticleChunker(load_tokenizer(), defaults.ingest.chunk_tokens, defaults.ingest.chunk_overlap)
    texts: list[str] = []
    for raw in read_documents([Path(folder)], FieldMapping()):
        if hasattr(raw, "reason"):
            continue
        for chunk in chunker.chunk_article(prepare_article(raw)):
            texts.append(chunk.get_content(metadata_mode=MetadataMode.EMBED))
        if len(texts) >= limit:
            break
    return texts[:limit]


def phase_encode(folder: str, encoder: str, limit: int) -> dict:
    texts = chunk_texts(folder, limit)
    started = time.perf_counter()
    if encoder == "torch":
        from newsdesk.index.embed import packaged_model_dir
        from sentence_transformers import SentenceTransformer

        model = SentenceTransformer(str(packaged_model_dir()), device="cpu")
        loaded, cpu = time.perf_counter(), cpu_seconds()
        model.encode(texts, batch_size=64, normalize_embeddings=True)
    else:
        from newsdesk.index.embed import load_embedder

        model = load_embedder(encoder="onnx-int8")
        loaded, cpu = time.perf_counter(), cpu_seconds()
        model.get_text_embedding_batch(texts)
    seconds = time.perf_counter() - loaded
    return {
        "load_s": loaded - started,
        "seconds": seconds,
        "cpu_s": cpu_seconds() - cpu,
        "chunks": len(texts),
    }


def phase_plain(folder: str, store: str) -> dict:
    """SimpleDirectoryReader → SentenceSplitter(256, 32) → VectorStoreIndex over Chroma, fp32 HF embedding."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings
    from llama_index.core import SimpleDirectoryReader, StorageContext, VectorStoreIndex
    from llama_index.core.node_parser import SentenceSplitter
    from llama_index.embeddings.huggingface import HuggingFaceEmbedding
    from llama_index.vector_stores.chroma import ChromaVectorStore
    from newsdesk.index.embed import packaged_model_dir

    started = time.perf_counter()
    embed = HuggingFaceEmbedding(model_name=str(packaged_model_dir()), device="cpu", normalize=True)
    client = chromadb.PersistentClient(path=store, settings=ChromaSettings(anonymized_telemetry=False))
    collection = client.get_or_create_collection("plain", embedding_function=None)
    storage = StorageContext.from_defaults(vector_store=ChromaVectorStore(chroma_collection=collection))
    loaded, cpu = time.perf_counter(), cpu_seconds()
    documents = SimpleDirectoryReader(folder, recursive=True, required_exts=[".txt"]).load_data()
    VectorStoreIndex.from_documents(
        documents,
        storage_context=storage,
        embed_model=embed,
        transformations=[SentenceSplitter(chunk_size=256, chunk_overlap=32)],
    )
    return {
        "load_s": loaded - started,
        "seconds": time.perf_counter() - loaded,
        "cpu_s": cpu_seconds() - cpu,
        "articles": len(documents),
        "chunks": collection.count(),
    }


def phase_export(cache: str) -> dict:
    """A cold ONNX export into an empty cache dir: what a first use pays once."""
    from newsdesk.index.embed import packaged_model_dir
    from newsdesk.index.onnx_encoder import ensure_onnx_model

    _, seconds = ensure_onnx_model(packaged_model_dir(), Path(cache))
    return {"seconds": seconds}


def run_phase(name: str, **kwargs: object) -> dict:
    """Run one phase in a fresh interpreter; its result carries that process's peak RSS."""
    code = subprocess.run(
        [sys.executable, __file__, "--phase", name, "--phase-args", json.dumps(kwargs)],
        capture_output=True,
        text=True,
        cwd=REPO,
    )
    if code.returncode != 0:
        raise SystemExit(f"phase {name} failed:\n{code.stderr[-3000:]}")
    result = json.loads(code.stdout.strip().splitlines()[-1])
    print(f"  {name} {kwargs.get('encoder', '')}: {result}", file=sys.stderr, flush=True)
    return result


# --- orchestration -------------------------------------------------------------------------------------
def bbc_subset(root: Path, count: int) -> Path:
    files = sorted((CORPORA / "bbc").glob("*/*.txt"))[:count] if count < 2225 else None
    if files is None:
        return CORPORA / "bbc"
    folder = root / f"bbc-{count}"
    if folder.is_dir():
        return folder
    for path in files:
        target = folder / path.parent.name / path.name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.symlink_to(path)
    return folder


def reuters_slice(root: Path, count: int) -> Path:
    """A folder of the first `count` Reuters records, as the corpus ships them: its files of 1,000 records
    linked whole, the remainder written as one shorter file. (One JSON file of every record would measure
    the reader holding a 25 MB file, not the pipeline's growth.)"""
    folder = root / f"reuters-{count}"
    if folder.is_dir():
        return folder
    folder.mkdir()
    left = count
    for path in sorted((CORPORA / "reuters").glob("reuters-*.json")):
        if left <= 0:
            break
        records = json.loads(path.read_text(encoding="utf-8"))
        if len(records) <= left:
            (folder / path.name).symlink_to(path)
        else:
            (folder / path.name).write_text(json.dumps(records[:left]), encoding="utf-8")
        left -= len(records)
    return folder


def server_ingest(root: Path, size: int, records: Path) -> dict:
    """Ingest `records` into a real `chroma run` server on loopback: the client's peak RSS is the
    pipeline's own, with Chroma's vector index held by the server (whose peak is added as server_rss_mb)."""
    sys.path.insert(0, str(REPO))  # run as a script, only bench/ is on the path; `bench` is beside it
    from bench.servers import chroma_command, free_port, heartbeat, server_process

    port = free_port()
    data = root / f"chroma-server-{size}"
    command = [chroma_command(), "run", "--path", str(data), "--host", "127.0.0.1", "--port", str(port)]
    environment = {**os.environ, "ANONYMIZED_TELEMETRY": "False"}
    with server_process(
        command, root / f"chroma-server-{size}.log", environment, lambda: heartbeat(port), 60
    ) as server:
        result = run_phase(
            "ingest",
            paths=[str(records)],
            store=str(root / f"s-server-{size}"),
            encoder="onnx-int8",
            chroma_url=f"http://127.0.0.1:{port}",
        )
        status = Path(f"/proc/{server.pid}/status")
        if status.is_file():  # Linux: the server's own peak (VmHWM)
            for line in status.read_text().splitlines():
                if line.startswith("VmHWM:"):
                    result["server_rss_mb"] = int(line.split()[1]) / 1024
    return result


def rate(result: dict, key: str) -> str:
    return f"{result[key] / result['seconds']:.1f}" if result["seconds"] else "–"


def memory_note(result: dict) -> str:
    """Where the peak was reached: after loading, through the batches, with the BM25 rebuild."""
    note = (
        f"RSS after loading {result['loaded_rss_mb']:.0f}, batches {result['batches_rss_mb']:.0f}, "
        f"with the BM25 rebuild {result['rss_mb']:.0f} MB"
    )
    if "server_rss_mb" in result:
        note += f"; Chroma server peak {result['server_rss_mb']:.0f} MB"
    return note


def row(label: str, result: dict, note: str = "") -> str:
    articles = rate(result, "articles") if "articles" in result else "–"
    return (
        f"| {label} | {result.get('articles', '–')} | {result['chunks']} | {result.get('embedded', '–')} | "
        f"{result['seconds']:.1f} | {result.get('cpu_s', 0):.1f} | "
        f"{articles} | {rate(result, 'chunks')} | {result['rss_mb']:.0f} | {note} |"
    )


def median_run(results: list[dict]) -> dict:
    """The run with the median wall time (the upper middle one of an even count)."""
    return sorted(results, key=lambda result: result["seconds"])[len(results) // 2]


def ratio(ours: dict, theirs: dict) -> str:
    """How many times faster `ours` is than `theirs` per article, by wall time and by CPU time."""
    wall = (ours["articles"] / ours["seconds"]) / (theirs["articles"] / theirs["seconds"])
    cpu = (ours["articles"] / ours["cpu_s"]) / (theirs["articles"] / theirs["cpu_s"])
    return f"{wall:.2f}× by wall time, {cpu:.2f}× by CPU time"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--bbc", type=int, default=200, help="BBC stories (all: 2225)")
    parser.add_argument("--reuters", type=int, default=300, help="Reuters records in the slice")
    parser.add_argument("--encode", type=int, default=400, help="chunks for the raw encoder throughput")
    parser.add_argument("--growth", default="", help="comma-separated BBC sizes for the RSS growth runs")
    parser.add_argument(
        "--reuters-growth", default="", help="comma-separated Reuters slice sizes for the RSS growth runs"
    )
    parser.add_argument(
        "--server-growth",
        default="",
        help="comma-separated Reuters slice sizes ingested into a `chroma run` server (client RSS alone)",
    )
    parser.add_argument("--repeat", type=int, default=1, help="alternating newsdesk/plain BBC pairs")
    parser.add_argument(
        "--no-torch-ingest", action="store_true", help="skip the newsdesk ingest with the torch encoder"
    )
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "results.md")
    parser.add_argument("--phase", help=argparse.SUPPRESS)
    parser.add_argument("--phase-args", help=argparse.SUPPRESS)
    args = parser.parse_args()
    # Read by huggingface_hub and transformers when first imported: set before any phase imports them
    # (the phases' subprocesses inherit it).
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

    if args.phase:
        phases = {
            "ingest": phase_ingest,
            "encode": phase_encode,
            "plain": phase_plain,
            "export": phase_export,
        }
        result = phases[args.phase](**json.loads(args.phase_args))
        print(json.dumps({**result, "rss_mb": peak_rss_mb()}))
        return

    command = "python bench/ingest_bench.py " + " ".join(sys.argv[1:])
    with tempfile.TemporaryDirectory(prefix="newsdesk-bench-") as tmp:
        root = Path(tmp)
        bbc = bbc_subset(root, args.bbc)
        reuters = reuters_slice(root, args.reuters)
        export = run_phase("export", cache=str(root / "onnx-cache"))
        # Warm the user cache, so the ingest phases do not pay the export.
        run_phase("encode", folder=str(bbc), encoder="onnx-int8", limit=8)
        pairs = []
        for attempt in range(max(args.repeat, 1)):
            store = root / f"s-onnx-{attempt}"
            ours = run_phase("ingest", paths=[str(bbc)], store=str(store), encoder="onnx-int8")
            if attempt == 0:
                again = run_phase("ingest", paths=[str(bbc)], store=str(store), encoder="onnx-int8")
            theirs = run_phase("plain", folder=str(bbc), store=str(root / f"s-plain-{attempt}"))
            pairs.append((ours, theirs))
        onnx = median_run([ours for ours, _ in pairs])
        plain = median_run([theirs for _, theirs in pairs])
        torch_ingest = None
        if not args.no_torch_ingest:
            torch_ingest = run_phase("ingest", paths=[str(bbc)], store=str(root / "s-torch"), encoder="torch")
        news = run_phase("ingest", paths=[str(reuters)], store=str(root / "s-reuters"), encoder="onnx-int8")
        enc_torch = run_phase("encode", folder=str(bbc), encoder="torch", limit=args.encode)
        enc_onnx = run_phase("encode", folder=str(bbc), encoder="onnx-int8", limit=args.encode)
        growth = []
        for size in [int(s) for s in args.growth.split(",") if s.strip()]:
            folder = bbc_subset(root, size)
            store = str(root / f"s-growth-{size}")
            growth.append((size, run_phase("ingest", paths=[str(folder)], store=store, encoder="onnx-int8")))
        reuters_growth = []
        for size in [int(s) for s in args.reuters_growth.split(",") if s.strip()]:
            records = reuters_slice(root, size)
            store = str(root / f"s-rgrowth-{size}")
            result = run_phase("ingest", paths=[str(records)], store=store, encoder="onnx-int8")
            reuters_growth.append((size, result))
        server_growth = []
        for size in [int(s) for s in args.server_growth.split(",") if s.strip()]:
            server_growth.append((size, server_ingest(root, size, reuters_slice(root, size))))

    encoder_gain = enc_torch["seconds"] / enc_onnx["seconds"]
    encoder_cpu_gain = enc_torch["cpu_s"] / enc_onnx["cpu_s"]
    lines = [
        "# Ingestion benchmark",
        "",
        f"`{command}` — {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, {time.strftime('%Y-%m-%d')}. Seconds exclude model loading; "
        "RSS is each phase's own process peak. CPU s: the phase's user+system CPU seconds (wall time "
        "on a shared machine depends on the other users' load; CPU time much less).",
        "",
        "| run | articles | chunks | embedded | seconds | CPU s | articles/s | chunks/s | peak RSS MB "
        "| note |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
        row(f"newsdesk ingest, BBC {args.bbc}, onnx-int8", onnx, f"load {onnx['load_s']:.1f} s"),
        row("newsdesk re-ingest, unchanged", again, f"{onnx['seconds'] / again['seconds']:.0f}× faster"),
        *(
            [
                row(
                    f"newsdesk ingest, BBC {args.bbc}, torch fp32",
                    torch_ingest,
                    f"load {torch_ingest['load_s']:.1f}",
                )
            ]
            if torch_ingest
            else []
        ),
        row(f"plain llama-index, BBC {args.bbc}", plain, "SentenceSplitter(256, 32), HF fp32, Chroma"),
        row(f"newsdesk ingest, Reuters {args.reuters}", news, "onnx-int8"),
        row("encoder only: sentence-transformers fp32", enc_torch, "same chunk texts, batch 64"),
        row(
            "encoder only: onnx-int8",
            enc_onnx,
            f"runs of 8, one per core; {encoder_gain:.2f}× fp32 by wall, {encoder_cpu_gain:.2f}× by CPU time",
        ),
        *[row(f"growth: BBC {size}", result, memory_note(result)) for size, result in growth],
        *[row(f"growth: Reuters {size}", result, memory_note(result)) for size, result in reuters_growth],
        *[
            row(f"growth, Chroma server: Reuters {size} (client)", result, memory_note(result))
            for size, result in server_growth
        ],
        "",
        f"newsdesk (onnx-int8) vs plain llama-index, BBC articles/s: **{ratio(onnx, plain)}**"
        + (
            f" (medians of {len(pairs)} alternating pairs; each pair: "
            + "; ".join(ratio(ours, theirs) for ours, theirs in pairs)
            + ")"
            if len(pairs) > 1
            else ""
        )
        + (f"; vs newsdesk with torch fp32: {ratio(onnx, torch_ingest)}. " if torch_ingest else ". ")
        + f"ONNX export (first use, cached after): {export['seconds']:.1f} s, "
        f"peak RSS {export['rss_mb']:.0f} MB.",
        "",
    ]
    table = "\n".join(lines)
    print(table)
    args.out.write_text(table, encoding="utf-8")


if __name__ == "__main__":
    main()
