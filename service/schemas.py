"""Pydantic models at the HTTP edge only (requests, responses, OpenAPI)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class SearchBody(BaseModel):
    q: str = Field(..., description="查询，如 电梯保险 或 预算编制不细")
    top_k: int = Field(10, ge=1, le=100)
    offset: int = Field(0, ge=0)
    mode: str = Field("hybrid", description="hybrid（综合）| keyword（关键词）| semantic（语义）")
    year: str | int | None = Field(None, description="2023 或范围 2021-2023")
    unit: str | None = None
    region: str | None = None
    type: str | None = Field(None, description="整体支出 | 项目支出 | 其他")
    kind: str | list[str] | None = Field(None, description="passage | table | indicator")
    keyword_weight: float | None = Field(None, ge=0)
    semantic_weight: float | None = Field(None, ge=0)


class AskBody(BaseModel):
    q: str = Field(..., description="问题，如 株洲市房屋维修资金管理中心的自评总分是多少？")


class ReportRef(BaseModel):
    id: int
    title: str
    unit: str
    region: str
    year: int | None
    type: str
    source: str


class SectionRef(BaseModel):
    heading: str
    path: list[str]
    id: int | None = None


class TablePayload(BaseModel):
    model_config = ConfigDict(extra="allow")
    caption: str
    header: list[str]
    rows: list[list[str]]
    match_rows: list[int]


class Result(BaseModel):
    text: str
    score: float
    kind: str
    report: ReportRef
    section: SectionRef
    page: int | None
    highlights: list[list[int]]
    table: TablePayload | None
    chunk_id: int
    indicator_id: int | None = None


class SearchResponse(BaseModel):
    query: str
    mode: str
    total: int
    offset: int
    top_k: int
    results: list[Result]
    facets: dict[str, dict[str, int]]
    took_ms: float
    query_terms: list[str]
    boosts: dict[str, Any]


class AskResponse(BaseModel):
    answer: str | None
    confidence: float
    citations: list[Result]
    source: str
    extractive_answer: str | None
    generated: bool
    detail: dict[str, Any]


class ErrorDetail(BaseModel):
    code: str
    message: str
    detail: dict[str, Any] | list[Any] | None


class ErrorBody(BaseModel):
    error: ErrorDetail
