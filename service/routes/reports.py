"""``/api/reports``: list with facets, one report's outline, the original file, upload, delete."""

from __future__ import annotations

import re
import secrets
import shutil
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, File, Header, UploadFile
from fastapi.responses import FileResponse

from indexer.ingest import index_paths
from indexer.parse import SUPPORTED_SUFFIXES
from indexer.store import ReportRow

from ..deps import AppState, get_state
from ..errors import ApiError

router = APIRouter(tags=["reports"])

MAX_UPLOAD_BYTES = 100 * 1024 * 1024
_UNSAFE = re.compile(r"[^\w.\-（）()\u4e00-\u9fff]+")
_MEDIA = {
    ".pdf": "application/pdf",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".txt": "text/plain; charset=utf-8",
}


def report_summary(r: ReportRow) -> dict[str, Any]:
    return {
        **r.ref(),
        "format": r.format,
        "pages": r.pages,
        "total_score": r.total_score,
        "fill_date": r.fill_date,
        "budget": r.budget,
        "indexed_at": r.indexed_at,
        "file_url": f"/api/reports/{r.id}/file",
    }


@router.get("/api/reports", summary="报告列表与分面统计")
def list_reports(state: AppState = Depends(get_state)) -> dict[str, Any]:
    reports = state.store.reports()
    return {
        "total": len(reports),
        "reports": [report_summary(r) for r in reports],
        "facets": state.store.facet_counts(),
    }


@router.get("/api/reports/{report_id}", summary="一份报告：目录、章节、表格、绩效指标")
def get_report(report_id: int, state: AppState = Depends(get_state)) -> dict[str, Any]:
    detail = state.store.report_detail(report_id)
    if detail is None:
        raise ApiError(404, "report_not_found", f"报告 {report_id} 不存在", report_id=report_id)
    return {**detail, "report": report_summary(detail["report"])}


@router.get("/api/reports/{report_id}/file", summary="报告原文件")
def get_report_file(report_id: int, state: AppState = Depends(get_state)) -> FileResponse:
    report = state.store.report(report_id)
    if report is None:
        raise ApiError(404, "report_not_found", f"报告 {report_id} 不存在", report_id=report_id)
    path = state.store.original_path(report.stored_file) if report.stored_file else None
    if path is None or not path.exists():
        raise ApiError(404, "file_not_found", "原文件不在数据目录中", report_id=report_id)
    suffix = path.suffix.lower()
    return FileResponse(
        path,
        media_type=_MEDIA.get(suffix, "application/octet-stream"),
        filename=Path(report.source).name,
        content_disposition_type="inline",
    )


def require_writer(
    state: AppState = Depends(get_state), authorization: str | None = Header(None)
) -> None:
    """Writes need ``Authorization: Bearer <api_token>``; with no token configured they are off."""
    token = state.settings.api_token
    if not token:
        raise ApiError(
            403, "writes_disabled", "此服务为只读：未配置 JIXIAO_API_TOKEN，不能上传或删除"
        )
    scheme, _, given = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not secrets.compare_digest(given.strip(), token):
        raise ApiError(401, "unauthorized", "需要有效的访问令牌（Authorization: Bearer …）")


@router.post(
    "/api/reports",
    status_code=201,
    summary="上传并索引一份报告（需要令牌）",
    dependencies=[Depends(require_writer)],
)
def upload_report(
    file: UploadFile = File(..., description="PDF、DOCX 或 TXT"),
    state: AppState = Depends(get_state),
) -> dict[str, Any]:
    name = _safe_name(file.filename or "report")
    if Path(name).suffix.lower() not in SUPPORTED_SUFFIXES:
        raise ApiError(
            415, "unsupported_format", f"不支持的文件类型：{name}（支持 PDF、DOCX、TXT）", file=name
        )
    uploads = Path(state.settings.data_dir) / "uploads"
    uploads.mkdir(parents=True, exist_ok=True)
    target = uploads / name
    tmp = uploads / f".{name}.part"
    with tmp.open("wb") as out:
        copied = 0
        while chunk := file.file.read(1 << 20):
            copied += len(chunk)
            if copied > MAX_UPLOAD_BYTES:
                out.close()
                tmp.unlink(missing_ok=True)
                raise ApiError(413, "too_large", "上传的文件太大（上限 100 MB）", file=name)
            out.write(chunk)
    shutil.move(tmp, target)
    embedder, tokenizer = state.components
    with state.write_lock:
        summary = index_paths(state.store, [target], embedder, tokenizer, workers=1)
    if summary.failed:
        _, reason = summary.failed[0]
        raise ApiError(422, "bad_input", f"{name}: {reason}", file=name, reason=reason)
    record = state.store.file_record(str(target))
    report = state.store.report(record.report_id) if record and record.report_id else None
    status = "indexed" if summary.indexed else "duplicate" if summary.duplicates else "unchanged"
    return {
        "status": status,
        "report": report_summary(report) if report else None,
        "summary": summary.to_dict(),
    }


@router.delete(
    "/api/reports/{report_id}",
    summary="删除一份报告（需要令牌）",
    dependencies=[Depends(require_writer)],
)
def delete_report(report_id: int, state: AppState = Depends(get_state)) -> dict[str, Any]:
    with state.write_lock:
        removed = state.store.remove_report(report_id)
        if removed:
            state.store.vector_index(state.settings.vector_index)
            state.store.save_vector_index()
    if not removed:
        raise ApiError(404, "report_not_found", f"报告 {report_id} 不存在", report_id=report_id)
    return {"deleted": report_id}


def _safe_name(name: str) -> str:
    base = Path(name).name
    cleaned = _UNSAFE.sub("_", base).strip("._") or "report"
    return cleaned[:150]
