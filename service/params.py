"""Turning HTTP parameters into search requests."""

from __future__ import annotations

import re

from indexer.search import BadRequest, SearchRequest
from indexer.store import ChunkScope

_YEAR_RANGE = re.compile(r"^\s*(\d{4})\s*(?:-|–|~|\.\.|至)\s*(\d{4})\s*$")


def parse_years(value: str | int | None) -> tuple[int | None, int | None]:
    """``2023`` → (2023, 2023); ``2021-2023`` → (2021, 2023); empty → (None, None)."""
    if value is None or str(value).strip() == "":
        return None, None
    text = str(value).strip()
    if text.isdigit() and len(text) == 4:
        return int(text), int(text)
    m = _YEAR_RANGE.match(text)
    if m:
        low, high = sorted((int(m.group(1)), int(m.group(2))))
        return low, high
    raise BadRequest(f"年度格式不正确：{text}（例如 2023 或 2021-2023）", field="year")


def parse_kinds(value: str | list[str] | None) -> tuple[str, ...]:
    if value is None:
        return ()
    items = value if isinstance(value, list) else [value]
    kinds = [k.strip() for item in items for k in item.split(",") if k.strip()]
    return tuple(dict.fromkeys(kinds))


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
