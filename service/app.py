"""``create_app(settings)``: the FastAPI application (API, OpenAPI at /docs, the web UI)."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from indexer import __version__
from indexer.config import Settings, load_settings

from .deps import AppState
from .errors import install_error_handlers
from .routes import ask, health, reports, search

WEB_DIR = Path(__file__).resolve().parent.parent / "web"


def create_app(settings: Settings | None = None) -> FastAPI:
    """A new app over ``settings.data_dir``; nothing is loaded until the first request."""
    settings = settings or load_settings()
    app = FastAPI(
        title="jixiao-kb 绩效知识库",
        version=__version__,
        description="检索与问答：部门整体支出 / 项目支出绩效自评报告。所有错误返回 "
        '`{"error": {"code", "message", "detail"}}`。',
    )
    app.state.jixiao = AppState(settings)
    install_error_handlers(app)
    origins = settings.cors_origin_list()
    if origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=origins,
            allow_methods=["GET", "POST"],
            allow_headers=["Content-Type"],
        )
    for module in (health, search, ask, reports):
        app.include_router(module.router)
    _mount_web(app)
    return app


def _mount_web(app: FastAPI) -> None:
    """The search page, report viewer and widget are static files in ``web/``."""
    if not WEB_DIR.is_dir():
        return
    from .routes import web

    app.include_router(web.router)
