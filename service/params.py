"""Turning HTTP parameters into search requests."""

from __future__ import annotations

from indexer.filters import parse_kinds, parse_years
from indexer.search import SearchRequest
from indexer.store import ChunkScope


def build_request(
    q: str,
    *,
    top_k: int = 10,
    offset: int = 0,
    mode: str = "hybrid",
    year: str | int | None = None,
    unit: str | None = None,
    region: str | None = None,
    type: str | None = None,
    kind: str | list[str] | None = None,
    keyword_weight: float | None = None,
    semantic_weight: float | None = None,
) -> SearchRequest:
    year_from, year_to = parse_years(year)
    scope = ChunkScope(
        year_from=year_from,
        year_to=year_to,
        unit=unit or None,
        region=region or None,
        report_type=type or None,
        kinds=parse_kinds(kind),
    )
    weights = {
        k: v
        for k, v in (("keyword", keyword_weight), ("semantic", semantic_weight))
        if v is not None
    }
    return SearchRequest(
        query=q, mode=mode, top_k=top_k, offset=offset, scope=scope, weights=weights or None
    )
