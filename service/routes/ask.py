"""``GET|POST /api/ask``."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query

from ..deps import AppState, get_state
from ..schemas import AskBody, AskResponse

router = APIRouter(tags=["ask"])


@router.get("/api/ask", response_model=AskResponse, summary="问答（从报告中抽取答案并注明出处）")
def ask_get(q: str = Query(..., description="问题"), state: AppState = Depends(get_state)) -> Any:
    return state.qa.ask(q).to_dict()


@router.post("/api/ask", response_model=AskResponse, summary="问答（JSON 请求体）")
def ask_post(body: AskBody, state: AppState = Depends(get_state)) -> Any:
    return state.qa.ask(body.q).to_dict()
