"""One error body everywhere: ``{"error": {"code", "message", "detail"}}``."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from indexer.errors import JixiaoError

log = logging.getLogger(__name__)

_HTTP_CODES = {
    400: ("bad_request", "请求有误"),
    401: ("unauthorized", "需要有效的访问令牌（Authorization: Bearer …）"),
    403: ("forbidden", "没有权限"),
    404: ("not_found", "找不到请求的内容"),
    405: ("method_not_allowed", "不支持该请求方法"),
    413: ("too_large", "上传的文件太大"),
}


def error_body(code: str, message: str, detail: Any = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "detail": detail or {}}}


class ApiError(JixiaoError):
    """An HTTP-level error raised by a route (status given per instance)."""

    def __init__(self, status: int, code: str, message: str, **detail: Any) -> None:
        super().__init__(message, **detail)
        self.status = status
        self.code = code


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(JixiaoError)
    async def jixiao_error(_: Request, exc: JixiaoError) -> JSONResponse:
        return JSONResponse(error_body(exc.code, exc.message, exc.detail), status_code=exc.status)

    @app.exception_handler(RequestValidationError)
    async def validation_error(_: Request, exc: RequestValidationError) -> JSONResponse:
        problems = [
            {"field": ".".join(str(p) for p in e.get("loc", ())), "problem": e.get("msg", "")}
            for e in exc.errors()
        ]
        return JSONResponse(
            error_body("invalid_request", "请求参数不正确", {"problems": problems}),
            status_code=422,
        )

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        code, message = _HTTP_CODES.get(exc.status_code, ("http_error", str(exc.detail)))
        return JSONResponse(error_body(code, message), status_code=exc.status_code)

    @app.exception_handler(Exception)
    async def unexpected(_: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error")
        return JSONResponse(
            error_body("internal_error", "服务内部错误", {"type": type(exc).__name__}),
            status_code=500,
        )
