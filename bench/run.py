"""The benchmark: speed, memory and quality side by side, every figure next to its baseline.

``make bench-quick`` (≤ 10 minutes on 2 cores) and ``make bench`` (full, up to a million chunks)
write ``bench/results/latest.json``, a timestamped copy, and print a short table.

* ``corpus``  — reports, chunks, characters indexed.
* ``ingest``  — end-to-end ``chunks_per_s`` (parse → store, embedding included) against
  ``raw_embed_chunks_per_s`` (the same model on the same chunk texts, nothing else, same run);
  parse pages/s; keyword-index chunks/s.
* ``query``   — p50/p95 in-process per mode against ``raw_parts_p50_ms`` (query embedding +
  raw FAISS search + raw FTS5 search, timed alone), and the same over HTTP on loopback.
* ``scale``   — query latency, service RSS, build time and size on disk at growing chunk counts
  (vectors beyond what this machine can embed are real embeddings plus small noise).
* ``quality`` — recall@5 and MRR@10 per mode on the dev queries with synthetic distractors mixed
  in, and on the planted-fact queries.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import socket
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import numpy as np  # noqa: E402
import synth  # noqa: E402

from indexer.config import Settings  # noqa: E402
from indexer.embed import SentenceTransformerEmbedder, ensure_default_model  # noqa: E402
from indexer.evaluate import evaluate, load_queries  # noqa: E402
from indexer.ingest import index_paths  # noqa: E402
from indexer.parse import parse_file  # noqa: E402
from indexer.qa import QA  # noqa: E402
from indexer.search import MODES, Searcher, SearchRequest  # noqa: E402
from indexer.store import Store  # noqa: E402
from indexer.tokenize import Tokenizer  # noqa: E402

DEV_QUERIES = ROOT.parent / "shared" / "eval" / "dev-queries.tsv"
RESULTS = ROOT / "bench" / "results"

PROFILES: dict[str, dict[str, Any]] = {
    "quick": {"synth_txt": 24, "synth_pdf": 4, "planted_sample": 60, "scale": [10_000]},
    "full": {
        "synth_txt": 150,
        "synth_pdf": 20,
        "planted_sample": 300,
        "scale": [10_000, 100_000, 1_000_000],
    },
}


def percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def rss_mb() -> float:
    """Current resident set size of this process in MB (from /proc)."""
    with open("/proc/self/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def dir_size_mb(path: Path) -> float:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 1e6


# --- corpus and ingest ----------------------------------------------------------------------


def build_corpus(work: Path, profile: dict[str, Any]) -> tuple[list[Path], list[dict[str, str]]]:
    """corpus/ plus synthetic distractors (TXT and some PDF); planted queries for them."""
    reports = synth.generate(profile["synth_txt"] + profile["synth_pdf"], seed=2026)
    txt = synth.write_reports(reports[: profile["synth_txt"]], work / "synth", ("txt",))
    pdf = synth.write_reports(reports[profile["synth_txt"] :], work / "synth", ("pdf",))
    planted = synth.planted_queries(reports)
    return [ROOT / "corpus", *txt, *pdf], planted


def bench_ingest(
    paths: list[Path], data: Path, embedder: SentenceTransformerEmbedder
) -> dict[str, Any]:
    store = Store(data, create=True)
    tokenizer = Tokenizer()
    started = time.perf_counter()
    summary = index_paths(store, paths, embedder, tokenizer)
    seconds = time.perf_counter() - started
    texts = [r[0] for r in store._conn().execute("SELECT embed_text FROM chunks ORDER BY id")]
    index_texts = [
        r[0] for r in store._conn().execute("SELECT terms FROM chunk_fts ORDER BY rowid")
    ]
    t0 = time.perf_counter()
    embedder.embed_passages(texts)
    raw_embed = time.perf_counter() - t0

    pdfs = sorted((ROOT / "corpus").glob("*.pdf")) + sorted(
        p for p in paths if isinstance(p, Path) and p.suffix == ".pdf"
    )
    t0 = time.perf_counter()
    pages = sum(parse_file(p).pages or 0 for p in pdfs)
    parse_seconds = time.perf_counter() - t0

    t0 = time.perf_counter()
    chunk_texts = [r[0] for r in store._conn().execute("SELECT text FROM chunks")]
    tokens = [" ".join(tokenizer.terms(t)) for t in chunk_texts]
    import sqlite3

    with sqlite3.connect(":memory:") as conn:
        conn.execute("CREATE VIRTUAL TABLE f USING fts5(terms)")
        conn.executemany("INSERT INTO f VALUES (?)", [(t,) for t in tokens])
    keyword_seconds = time.perf_counter() - t0
    stats = store.stats()
    chars = sum(len(t) for t in chunk_texts)
    store.close()
    return {
        "corpus": {
            "reports": stats["reports"],
            "chunks": stats["chunks"],
            "characters": chars,
            "files": len(summary.indexed) + len(summary.duplicates) + len(summary.failed),
        },
        "ingest": {
            "seconds": round(seconds, 2),
            "chunks_per_s": round(stats["chunks"] / seconds, 2),
            "raw_embed_chunks_per_s": round(len(texts) / raw_embed, 2),
            "ratio_to_raw_embed": round((stats["chunks"] / seconds) / (len(texts) / raw_embed), 3),
            "parse_pages_per_s": round(pages / parse_seconds, 2) if parse_seconds else 0,
            "keyword_index_chunks_per_s": round(len(index_texts) / keyword_seconds, 1),
            "failed": len(summary.failed),
        },
    }


# --- queries --------------------------------------------------------------------------------


def bench_queries(searcher: Searcher, queries: list[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for mode in MODES:
        times = []
        for q in queries:
            t0 = time.perf_counter()
            searcher.search(SearchRequest(q, mode=mode, top_k=10))
            times.append((time.perf_counter() - t0) * 1000)
        out[mode] = {
            "p50_ms": round(percentile(times, 50), 2),
            "p95_ms": round(percentile(times, 95), 2),
        }
    index = searcher.store.vector_index()
    parts = []
    for q in queries:
        t0 = time.perf_counter()
        vec = searcher.embedder.embed_queries([q])[0]
        index.search(vec, 200)
        searcher.store.keyword_search(searcher.tokenizer.terms(q), 200)
        parts.append((time.perf_counter() - t0) * 1000)
    out["raw_parts_p50_ms"] = round(percentile(parts, 50), 2)
    out["hybrid_ratio_to_raw_parts"] = round(out["hybrid"]["p50_ms"] / out["raw_parts_p50_ms"], 3)
    return out


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def bench_http(settings: Settings, queries: list[str]) -> dict[str, Any]:
    import uvicorn

    from service.app import create_app

    app = create_app(settings)
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    base = f"http://127.0.0.1:{port}"
    urllib.request.urlopen(f"{base}/api/search?q=warmup", timeout=60).read()
    out: dict[str, Any] = {}
    for mode in MODES:
        times = []
        for q in queries:
            url = f"{base}/api/search?q={urllib.parse.quote(q)}&mode={mode}&top_k=10"
            t0 = time.perf_counter()
            urllib.request.urlopen(url, timeout=60).read()
            times.append((time.perf_counter() - t0) * 1000)
        out[mode] = {
            "p50_ms": round(percentile(times, 50), 2),
            "p95_ms": round(percentile(times, 95), 2),
        }
    server.should_exit = True
    thread.join(timeout=10)
    return out


# --- scale ----------------------------------------------------------------------------------


def bench_scale(
    source: Path, sizes: list[int], work: Path, queries: list[str], model_dir: Path
) -> dict[str, Any]:
    """Grow an index to each size, build its vector index, then time hybrid queries and take
    the resident memory in a separate process, as the service would run."""
    import subprocess

    from bench_scale import NOISE, grow_index

    results: dict[str, Any] = {
        "note": "chunks beyond the real corpus are copies of real chunks (text and keyword "
        f"terms) under cloned reports; their vectors are real embeddings plus Gaussian noise "
        f"(sigma {NOISE}, renormalised). rss_mb is a separate process that opened the index "
        "and ran the queries, like the service.",
    }
    query_file = work / "scale-queries.json"
    query_file.write_text(json.dumps(queries, ensure_ascii=False), encoding="utf-8")
    for size in sizes:
        data = work / f"scale-{size}"
        t0 = time.perf_counter()
        grow_index(source, data, size)
        grow_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        store = Store(data)
        kind = store.vector_index().kind
        store.save_vector_index()
        chunks = store.stats()["chunks"]
        store.close()
        index_s = time.perf_counter() - t0
        probe = subprocess.run(
            [
                sys.executable,
                str(ROOT / "bench" / "scale_probe.py"),
                str(data),
                str(model_dir),
                str(query_file),
            ],
            capture_output=True,
            text=True,
            check=True,
        )
        measured = json.loads(probe.stdout.strip().splitlines()[-1])
        results[str(size)] = {
            "chunks": chunks,
            "vector_index": kind,
            "grow_s": round(grow_s, 1),
            "vector_index_build_s": round(index_s, 1),
            "disk_mb": round(dir_size_mb(data), 1),
            **measured,
        }
        shutil.rmtree(data, ignore_errors=True)
    return results


# --- quality --------------------------------------------------------------------------------


def bench_quality(searcher: Searcher, planted: list[dict[str, str]], sample: int) -> dict[str, Any]:
    qa = QA(searcher)
    dev = evaluate(searcher, qa, load_queries(DEV_QUERIES), k=5)
    rng = np.random.default_rng(0)
    picked = [
        planted[i]
        for i in sorted(rng.choice(len(planted), min(sample, len(planted)), replace=False))
    ]
    planted_scores = evaluate(searcher, qa, picked, k=5)

    def squeeze(report: dict[str, Any]) -> dict[str, Any]:
        return {
            "modes": {
                m: {k: v for k, v in s.items() if k != "misses"} for m, s in report["modes"].items()
            },
            "qa": f"{report['qa']['correct']}/{report['qa']['total']}",
            "hybrid_misses": report["modes"]["hybrid"]["misses"][:20],
        }

    return {"dev_with_distractors": squeeze(dev), "planted": squeeze(planted_scores)}


# --- main -----------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", choices=sorted(PROFILES), default="quick")
    parser.add_argument("--keep", action="store_true", help="keep the work directory")
    args = parser.parse_args(argv)
    profile = PROFILES[args.profile]
    work = Path(tempfile.mkdtemp(prefix="jixiao-bench-"))
    settings = Settings(data_dir=str(work / "data"))
    model_dir = ensure_default_model(settings.resolved_cache_dir())
    embedder = SentenceTransformerEmbedder(model_dir)
    embedder.embed_queries(["预热"])
    started = time.perf_counter()
    result: dict[str, Any] = {
        "profile": args.profile,
        "started_at": time.strftime("%Y-%m-%dT%H:%M:%S"),
        "machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0]},
        "model": embedder.name,
    }
    paths, planted = build_corpus(work, profile)
    result.update(bench_ingest(paths, work / "data", embedder))
    store = Store(work / "data")
    searcher = Searcher(store, embedder, Tokenizer(store.vocabulary()))
    dev_queries = [r["query"] for r in load_queries(DEV_QUERIES)]
    queries = dev_queries + [r["query"] for r in planted[:30]]
    result["query"] = bench_queries(searcher, queries)
    result["query"]["http"] = bench_http(
        Settings(data_dir=str(work / "data"), model_dir=str(model_dir)), queries
    )
    result["quality"] = bench_quality(searcher, planted, profile["planted_sample"])
    result["scale"] = bench_scale(work / "data", profile["scale"], work, queries[:20], model_dir)
    result["seconds"] = round(time.perf_counter() - started, 1)
    write_results(result)
    print(summary_table(result))
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    return 0


def write_results(result: dict[str, Any]) -> None:
    RESULTS.mkdir(parents=True, exist_ok=True)
    text = json.dumps(result, ensure_ascii=False, indent=2)
    (RESULTS / "latest.json").write_text(text, encoding="utf-8")
    stamp = time.strftime("%Y%m%d-%H%M%S")
    (RESULTS / f"{stamp}-{result['profile']}.json").write_text(text, encoding="utf-8")


def summary_table(r: dict[str, Any]) -> str:
    i, q = r["ingest"], r["query"]
    lines = [
        f"corpus: {r['corpus']['reports']} reports, {r['corpus']['chunks']} chunks, "
        f"{r['corpus']['characters']} characters",
        f"ingest: {i['chunks_per_s']} chunks/s end to end vs {i['raw_embed_chunks_per_s']} raw "
        f"embedding (ratio {i['ratio_to_raw_embed']}, target ≥ 0.7); parse "
        f"{i['parse_pages_per_s']} pages/s; keyword index "
        f"{i['keyword_index_chunks_per_s']} chunks/s",
        f"query (in-process): raw parts p50 {q['raw_parts_p50_ms']} ms; hybrid/raw "
        f"{q['hybrid_ratio_to_raw_parts']} (target ≤ 1.5)",
    ]
    for mode in MODES:
        lines.append(
            f"  {mode:<9} p50 {q[mode]['p50_ms']:>7} ms  p95 {q[mode]['p95_ms']:>7} ms   "
            f"HTTP p50 {q['http'][mode]['p50_ms']:>7} ms  p95 {q['http'][mode]['p95_ms']:>7} ms"
        )
    for name, block in r["quality"].items():
        modes = block["modes"]
        lines.append(
            f"quality {name}: "
            + "  ".join(
                f"{m} R@5 {s['recall@5']:.3f} MRR {s['mrr@10']:.3f}" for m, s in modes.items()
            )
            + f"  qa {block['qa']}"
        )
    for size, s in r["scale"].items():
        if size == "note":
            continue
        lines.append(
            f"scale {int(size):>9,} chunks: hybrid p50 {s['hybrid_p50_ms']} ms p95 "
            f"{s['hybrid_p95_ms']} ms, RSS {s['rss_mb']} MB, vector index build "
            f"{s['vector_index_build_s']} s, disk {s['disk_mb']} MB ({s['vector_index']})"
        )
    lines.append(f"total {r['seconds']} s")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
