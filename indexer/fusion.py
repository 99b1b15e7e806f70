"""Rank fusion and highlighting: pure functions with references."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence


def reciprocal_rank_fusion(
    rankings: Mapping[str, Sequence[int]],
    weights: Mapping[str, float] | None = None,
    k: int = 60,
) -> list[tuple[int, float]]:
    """Fuse ranked id lists: ``score(d) = Σ_m w_m / (k + rank_m(d))``, ranks from 1.

    Cormack, Clarke & Büttcher, "Reciprocal Rank Fusion outperforms Condorcet and individual
    rank learning methods", SIGIR 2009 (k = 60); per-list weights as in pyserini's
    ``fusion._base``. Ties keep the order of first appearance. Returns (id, score), best first.
    """
    scores: dict[int, float] = {}
    for name, ids in rankings.items():
        weight = 1.0 if weights is None else weights.get(name, 1.0)
        if weight == 0:
            continue
        for rank, doc in enumerate(ids, start=1):
            scores[doc] = scores.get(doc, 0.0) + weight / (k + rank)
    return sorted(scores.items(), key=lambda item: -item[1])


def highlight_spans(text: str, terms: Iterable[str]) -> list[tuple[int, int]]:
    """Non-overlapping ``[start, end)`` spans of ``terms`` in ``text``, longest terms first,
    case-insensitive, merged when adjacent. Single characters are ignored (too noisy)."""
    lowered = text.lower()
    taken = [False] * len(text)
    spans: list[tuple[int, int]] = []
    for term in sorted({t.lower() for t in terms if len(t) >= 2}, key=len, reverse=True):
        start = lowered.find(term)
        while start != -1:
            end = start + len(term)
            if not any(taken[start:end]):
                spans.append((start, end))
                for i in range(start, end):
                    taken[i] = True
            start = lowered.find(term, end)
    spans.sort()
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged
