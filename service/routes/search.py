"""``GET|POST /api/search``."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query

from ..deps import AppState, get_state
from ..params import build_request
from ..schemas import SearchBody, SearchResponse

router = APIRouter(tags=["search"])


@router.get("/api/search", response_model=SearchResponse, summary="检索段落、表格和指标")
def search_get(
    q: str = Query(..., description="查询"),
    top_k: int = Query(10, ge=1, le=100),
    offset: int = Query(0, ge=0),
    mode: str = Query("hybrid", description="hybrid | keyword | semantic"),
    year: str | None = Query(None, description="2023 或 2021-2023"),
    unit: str | None = None,
    region: str | None = None,
    type: str | None = Query(None, description="整体支出 | 项目支出 | 其他"),
    kind: list[str] | None = Query(None, description="passage | table | indicator"),
    keyword_weight: float | None = Query(None, ge=0),
    semantic_weight: float | None = Query(None, ge=0),
    state: AppState = Depends(get_state),
) -> dict[str, Any]:
    """Hybrid search with filters, facets, highlights and citations."""
    request = build_request(
        q,
        top_k=top_k,
        offset=offset,
        mode=mode,
        year=year,
        unit=unit,
        region=region,
        type=type,
        kind=kind,
        keyword_weight=keyword_weight,
        semantic_weight=semantic_weight,
    )
    return state.searcher.search(request).to_dict(request)


@router.post("/api/search", response_model=SearchResponse, summary="检索（JSON 请求体）")
def search_post(body: SearchBody, state: AppState = Depends(get_state)) -> dict[str, Any]:
    request = build_request(
        body.q,
        top_k=body.top_k,
        offset=body.offset,
        mode=body.mode,
        year=body.year,
        unit=body.unit,
        region=body.region,
        type=body.type,
        kind=body.kind,
        keyword_weight=body.keyword_weight,
        semantic_weight=body.semantic_weight,
    )
    return state.searcher.search(request).to_dict(request)
