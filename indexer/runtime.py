"""Wiring: the embedder and tokenizer a data directory is used with, built from settings."""

from __future__ import annotations

import json
from pathlib import Path

from .config import Settings
from .embed import Embedder, make_embedder
from .search import Searcher
from .store import Store
from .tokenize import Tokenizer


def corpus_words(store: Store) -> list[str]:
    """Unit names and indicator names already in the index extend the tokenizer dictionary."""
    return store.vocabulary()


def open_components(settings: Settings, store: Store) -> tuple[Embedder, Tokenizer]:
    cache = settings.resolved_cache_dir()
    embedder = make_embedder(settings.embedder, settings.model_dir, cache)
    tokenizer = Tokenizer(extra_words=corpus_words(store), cache_dir=cache / "jieba")
    return embedder, tokenizer


def model_info(path: Path) -> dict[str, object]:
    marker = path / "jixiao-build.json"
    return json.loads(marker.read_text(encoding="utf-8")) if marker.exists() else {}


def open_searcher(settings: Settings) -> Searcher:
    """A searcher over an existing data directory (raises ``IndexNotFound`` if there is none)."""
    store = Store(settings.data_dir)
    embedder, tokenizer = open_components(settings, store)
    return Searcher(
        store,
        embedder,
        tokenizer,
        weights=settings.weights(),
        vector_index=settings.vector_index,
    )
