"""``GET /api/health``."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends

from indexer import __version__

from ..deps import AppState, get_state

router = APIRouter(tags=["health"])


@router.get("/api/health", summary="服务状态")
def health(state: AppState = Depends(get_state)) -> dict[str, Any]:
    """Whether the service runs and what the index holds."""
    stats = state.store.stats()
    return {
        "status": "ok",
        "version": __version__,
        "data_dir": str(state.settings.data_dir),
        "stats": stats,
        "model": state.store.manifest().get("embedding_model"),
        "writes_enabled": bool(state.settings.api_token),
    }
