"""Measure the keyword-index choice: SQLite FTS5 bm25() over our jieba tokens vs bm25s.

Same tokens, same chunks (the corpus plus re-labelled copies as distractors); reports index
time, median query time and recall@5 / MRR@10 on the keyword and table dev queries.
Reproduce: ``.venv/bin/pip install bm25s && .venv/bin/python bench/keyword_index_choice.py``.
"""

from __future__ import annotations

import csv
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from indexer.embed import HashEmbedder  # noqa: E402
from indexer.ingest import index_paths  # noqa: E402
from indexer.store import Store  # noqa: E402
from indexer.tokenize import Tokenizer  # noqa: E402
from tests.conftest import write_variants  # noqa: E402

QUERIES = ROOT.parent / "shared" / "eval" / "dev-queries.tsv"


def squash(text: str) -> str:
    return "".join(text.split())


def main() -> None:
    import bm25s

    tmp = Path(tempfile.mkdtemp())
    write_variants(tmp / "variants", 60)
    store = Store(tmp / "data", create=True)
    tokenizer = Tokenizer()
    index_paths(store, [ROOT / "corpus", tmp / "variants"], HashEmbedder(), tokenizer, workers=1)
    conn = store._conn()
    rows = conn.execute(
        "SELECT c.id, c.text, f.terms FROM chunks c JOIN chunk_fts f ON f.rowid = c.id"
    ).fetchall()
    ids = [r[0] for r in rows]
    texts = {r[0]: r[1] for r in rows}
    corpus_tokens = [r[2].split() for r in rows]

    started = time.perf_counter()
    vocab: dict[str, int] = {}
    encoded = [[vocab.setdefault(t, len(vocab)) for t in doc] for doc in corpus_tokens]
    retriever = bm25s.BM25()
    retriever.index(bm25s.tokenization.Tokenized(ids=encoded, vocab=vocab), show_progress=False)
    bm25s_build = time.perf_counter() - started

    queries = [
        r
        for r in csv.DictReader(QUERIES.open(encoding="utf-8"), delimiter="\t")
        if r["kind"] in ("keyword", "table")
    ]
    results = {}
    for name in ("fts5", "bm25s"):
        hits5 = rr = 0.0
        times = []
        for q in queries:
            terms = tokenizer.terms(q["query"])
            t0 = time.perf_counter()
            if name == "fts5":
                ranked = [cid for cid, _ in store.keyword_search(terms, 10)]
            else:
                qids = [[vocab[t] for t in terms if t in vocab]]
                if not qids[0]:
                    ranked = []
                else:
                    docs, _ = retriever.retrieve(
                        bm25s.tokenization.Tokenized(ids=qids, vocab=vocab),
                        k=10,
                        show_progress=False,
                    )
                    ranked = [ids[int(i)] for i in docs[0]]
            times.append((time.perf_counter() - t0) * 1000)
            wanted = [squash(x) for x in q["relevant_if_contains"].split("|")]
            ranks = [
                i for i, cid in enumerate(ranked, 1) if any(w in squash(texts[cid]) for w in wanted)
            ]
            hits5 += bool(ranks and ranks[0] <= 5)
            if not (ranks and ranks[0] <= 5):
                print(f"  {name} miss: {q['query']} -> {[texts[c][:30] for c in ranked[:3]]}")
            rr += 1 / ranks[0] if ranks else 0
        results[name] = (hits5 / len(queries), rr / len(queries), statistics.median(times))
    print(f"chunks={len(rows)} queries={len(queries)} bm25s_build_s={bm25s_build:.3f}")
    for name, (recall, mrr, p50) in results.items():
        print(f"{name:6s} recall@5={recall:.3f} mrr@10={mrr:.3f} p50_ms={p50:.2f}")


if __name__ == "__main__":
    main()
