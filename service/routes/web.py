"""The static web UI: ``/`` (search), ``/reports/{id}`` (viewer), ``/widget.js``, ``/static``."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse

WEB_DIR = Path(__file__).resolve().parent.parent.parent / "web"

router = APIRouter(include_in_schema=False)


def _file(name: str, media_type: str | None = None) -> FileResponse:
    return FileResponse(WEB_DIR / name, media_type=media_type)


@router.get("/")
def index() -> FileResponse:
    return _file("index.html", "text/html; charset=utf-8")


@router.get("/reports/{report_id}")
def viewer(report_id: int) -> FileResponse:
    return _file("report.html", "text/html; charset=utf-8")


@router.get("/widget.js")
def widget() -> FileResponse:
    return _file("widget.js", "application/javascript; charset=utf-8")


@router.get("/static/{name}")
def static(name: str) -> FileResponse:
    path = (WEB_DIR / name).resolve()
    if path.parent != WEB_DIR.resolve() or not path.is_file():
        from ..errors import ApiError

        raise ApiError(404, "not_found", "找不到请求的内容")
    return FileResponse(path)
