"""The benchmark's scale step grows a real index into a consistent, searchable larger one."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

from indexer.embed import HashEmbedder
from indexer.ingest import index_paths
from indexer.search import Searcher, SearchRequest
from indexer.store import Store
from indexer.tokenize import Tokenizer
from tests.conftest import CORPUS, ROOT


def _bench_scale():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("bench_scale", ROOT / "bench" / "bench_scale.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_scale"] = module
    spec.loader.exec_module(module)
    return module


def test_grown_index_is_consistent_and_searchable(tmp_path: Path) -> None:
    source = tmp_path / "source"
    store = Store(source, create=True)
    index_paths(store, [CORPUS], HashEmbedder(), Tokenizer(), workers=1)
    store.close()
    count = _bench_scale().grow_index(source, tmp_path / "grown", 2_000)
    grown = Store(tmp_path / "grown")
    stats = grown.stats()
    assert stats["chunks"] == count >= 2_000
    assert stats["vectors"] == stats["chunks"]
    assert grown.vector_index().ntotal == stats["chunks"]
    hits = Searcher(grown, HashEmbedder(), Tokenizer()).search(SearchRequest("电梯保险")).hits
    assert hits and "3252" in hits[0].text
