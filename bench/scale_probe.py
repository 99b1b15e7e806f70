"""Open a data directory as the service would and time hybrid queries; print JSON.

Run in its own process so that its resident set size is the service's, not the benchmark's:
``python bench/scale_probe.py DATA_DIR MODEL_DIR QUERIES.json``.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def rss_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def main() -> int:
    from indexer.embed import SentenceTransformerEmbedder
    from indexer.search import Searcher, SearchRequest
    from indexer.store import Store
    from indexer.tokenize import Tokenizer

    data, model, queries_file = Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])
    queries = json.loads(queries_file.read_text(encoding="utf-8"))
    started = time.perf_counter()
    store = Store(data)
    searcher = Searcher(store, SentenceTransformerEmbedder(model), Tokenizer(store.vocabulary()))
    store.vector_index()
    searcher.search(SearchRequest("预热", mode="hybrid"))
    load_s = time.perf_counter() - started
    times: list[float] = []
    for _ in range(2):
        for q in queries:
            t0 = time.perf_counter()
            searcher.search(SearchRequest(q, mode="hybrid", top_k=10))
            times.append((time.perf_counter() - t0) * 1000)
    times.sort()
    print(
        json.dumps(
            {
                "load_s": round(load_s, 2),
                "hybrid_p50_ms": round(times[len(times) // 2], 2),
                "hybrid_p95_ms": round(times[min(len(times) - 1, int(len(times) * 0.95))], 2),
                "rss_mb": round(rss_mb(), 1),
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
