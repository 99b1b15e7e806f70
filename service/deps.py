"""The application state shared by the routes: one store, searcher and QA per app."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from functools import cached_property

from fastapi import Request

from indexer.config import Settings
from indexer.embed import Embedder
from indexer.qa import QA
from indexer.runtime import open_components
from indexer.search import Searcher
from indexer.store import Store
from indexer.tokenize import Tokenizer


@dataclass
class AppState:
    """Opened lazily: the first request builds the model and loads the indexes."""

    settings: Settings
    write_lock: threading.Lock = field(default_factory=threading.Lock)
    _init_lock: threading.Lock = field(default_factory=threading.Lock)

    @cached_property
    def store(self) -> Store:
        return Store(self.settings.data_dir)

    @cached_property
    def components(self) -> tuple[Embedder, Tokenizer]:
        with self._init_lock:
            return open_components(self.settings, self.store)

    @cached_property
    def searcher(self) -> Searcher:
        embedder, tokenizer = self.components
        return Searcher(
            self.store,
            embedder,
            tokenizer,
            weights=self.settings.weights(),
            vector_index=self.settings.vector_index,
        )

    @cached_property
    def qa(self) -> QA:
        return QA(self.searcher, self.settings.llm_url, self.settings.llm_model)


def get_state(request: Request) -> AppState:
    state: AppState = request.app.state.jixiao
    return state
