"""``jixiao eval``: recall@k, MRR@10 and QA accuracy per retrieval mode, in-process.

The matching rule is the one of ``shared/eval/score.py``: a result is relevant when its text
(plus its table rows), whitespace removed, contains any ``|``-separated alternative of
``relevant_if_contains`` (whitespace removed); a QA answer is right when it contains ``answer``.
"""

from __future__ import annotations

import csv
import json
import statistics
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import InputError
from .qa import QA
from .search import MODES, Searcher, SearchRequest

REQUIRED_COLUMNS = ("id", "kind", "query", "relevant_if_contains")


def squash(text: str) -> str:
    return "".join((text or "").split())


def result_text(result: dict[str, Any]) -> str:
    parts = [result.get("text") or ""]
    table = result.get("table")
    if isinstance(table, dict):
        parts += ["".join(str(c) for c in row) for row in table.get("rows") or []]
    return squash("".join(parts))


@dataclass
class ModeScore:
    mode: str
    queries: int = 0
    hits_at_k: int = 0
    reciprocal_ranks: float = 0.0
    latencies_ms: list[float] = field(default_factory=list)
    misses: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self, k: int) -> dict[str, Any]:
        n = max(self.queries, 1)
        return {
            "mode": self.mode,
            "queries": self.queries,
            f"recall@{k}": round(self.hits_at_k / n, 4),
            "mrr@10": round(self.reciprocal_ranks / n, 4),
            "p50_ms": round(statistics.median(self.latencies_ms), 2) if self.latencies_ms else 0,
            "misses": self.misses,
        }


def load_queries(path: Path) -> list[dict[str, str]]:
    try:
        with path.open(encoding="utf-8") as fh:
            rows = list(csv.DictReader(fh, delimiter="\t"))
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(path, f"无法读取查询文件（{exc}）") from exc
    if not rows or any(c not in rows[0] for c in REQUIRED_COLUMNS):
        raise InputError(path, f"查询文件需要这些列：{', '.join(REQUIRED_COLUMNS)}")
    return rows


def evaluate(
    searcher: Searcher,
    qa: QA,
    rows: list[dict[str, str]],
    k: int = 5,
    modes: tuple[str, ...] = MODES,
) -> dict[str, Any]:
    """Scores per mode and QA accuracy (QA always uses the hybrid pipeline)."""
    scores = {mode: ModeScore(mode) for mode in modes}
    for row in rows:
        needles = [squash(x) for x in row["relevant_if_contains"].split("|") if x.strip()]
        for mode in modes:
            started = time.perf_counter()
            result = searcher.search(SearchRequest(row["query"], mode=mode, top_k=10))
            score = scores[mode]
            score.latencies_ms.append((time.perf_counter() - started) * 1000)
            texts = [result_text(h.to_dict()) for h in result.hits]
            rank = next((i + 1 for i, t in enumerate(texts) if any(n in t for n in needles)), None)
            score.queries += 1
            score.hits_at_k += 1 if rank and rank <= k else 0
            score.reciprocal_ranks += 1.0 / rank if rank else 0.0
            if not rank or rank > k:
                score.misses.append({"id": row["id"], "query": row["query"], "rank": rank})
    qa_rows = [r for r in rows if r["kind"] == "qa" and r.get("answer")]
    qa_results = []
    for row in qa_rows:
        answer = qa.ask(row["query"])
        ok = squash(row["answer"]) in squash(answer.answer or "")
        qa_results.append(
            {"id": row["id"], "query": row["query"], "answer": answer.answer, "ok": ok}
        )
    return {
        "k": k,
        "modes": {mode: s.to_dict(k) for mode, s in scores.items()},
        "qa": {
            "correct": sum(r["ok"] for r in qa_results),
            "total": len(qa_results),
            "results": qa_results,
        },
    }


def format_report(report: dict[str, Any]) -> str:
    k = report["k"]
    lines = [f"{'mode':<10}{'queries':>8}{f'recall@{k}':>11}{'mrr@10':>9}{'p50 ms':>9}"]
    for mode, s in report["modes"].items():
        lines.append(
            f"{mode:<10}{s['queries']:>8}{s[f'recall@{k}']:>11.3f}{s['mrr@10']:>9.3f}"
            f"{s['p50_ms']:>9.1f}"
        )
    qa = report["qa"]
    lines.append(f"qa {qa['correct']}/{qa['total']}")
    for mode, s in report["modes"].items():
        for miss in s["misses"]:
            lines.append(f"  {mode} miss {miss['id']} rank={miss['rank']}: {miss['query']}")
    for r in qa["results"]:
        if not r["ok"]:
            lines.append(f"  qa wrong {r['id']}: {r['query']} → {r['answer']!r}")
    return "\n".join(lines)


def to_json(report: dict[str, Any]) -> str:
    return json.dumps(report, ensure_ascii=False, indent=2)
