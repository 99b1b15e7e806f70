"""Indexing killed with SIGKILL at any moment leaves a usable index that the next run
completes to exactly the state of a clean run; searches keep working while indexing runs."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from indexer.embed import HashEmbedder
from indexer.search import Searcher, SearchRequest
from indexer.store import IndexNotFound, Store
from indexer.tokenize import Tokenizer
from tests.conftest import ROOT, write_variants

VARIANTS = 40


def _env(tmp: Path, data: Path) -> dict[str, str]:
    return {
        **os.environ,
        "JIXIAO_EMBEDDER": "hash",
        "JIXIAO_CACHE_DIR": str(tmp / "cache"),
        "JIXIAO_DATA_DIR": str(data),
        "JIXIAO_WORKERS": "1",
    }


def _start_index(folder: Path, env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "indexer.cli", "index", str(folder), "--quiet"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def _state(data: Path) -> dict[str, object]:
    store = Store(data)
    counts = store.stats()
    counts.pop("generation")
    index = store.vector_index()
    with sqlite3.connect(data / "jixiao.sqlite3") as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        per_report = sorted(
            conn.execute(
                "SELECT r.unit, COUNT(c.id) FROM reports r JOIN chunks c ON c.report_id = r.id "
                "GROUP BY r.id"
            ).fetchall()
        )
    return {"counts": counts, "faiss": index.ntotal, "per_report": per_report}


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("reports")
    write_variants(folder, VARIANTS)
    return folder


@pytest.fixture(scope="module")
def clean_state(reports: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    tmp = tmp_path_factory.mktemp("clean")
    started = time.perf_counter()
    proc = _start_index(reports, _env(tmp, tmp / "data"))
    assert proc.wait(timeout=600) == 0, proc.stderr.read() if proc.stderr else ""
    state = _state(tmp / "data")
    state["seconds"] = time.perf_counter() - started
    assert state["counts"]["reports"] == VARIANTS  # type: ignore[index]
    return state


@pytest.mark.parametrize("fraction", [0.25, 0.5, 0.7, 0.9])
def test_kill_9_then_resume_equals_a_clean_run(
    reports: Path, clean_state: dict[str, object], tmp_path: Path, fraction: float
) -> None:
    """Killed at a fraction of a clean run's duration: during start-up, mid-way, near the end."""
    data = tmp_path / "data"
    env = _env(tmp_path, data)
    proc = _start_index(reports, env)
    time.sleep(float(clean_state["seconds"]) * fraction)  # type: ignore[arg-type]
    killed = proc.poll() is None
    if killed:
        os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=60)
    assert killed or fraction >= 0.9, "the run finished before the kill: make the batch bigger"
    if (data / "jixiao.sqlite3").exists():
        partial = Store(data).stats()  # the killed index opens and is consistent
        assert partial["vectors"] == partial["chunks"]
    resumed = _start_index(reports, env)
    assert resumed.wait(timeout=600) == 0
    expected = {k: v for k, v in clean_state.items() if k != "seconds"}
    assert _state(data) == expected


def test_searches_keep_working_while_indexing_runs(reports: Path, tmp_path: Path) -> None:
    data = tmp_path / "data"
    proc = _start_index(reports, _env(tmp_path, data))
    tokenizer, embedder = Tokenizer(), HashEmbedder()
    searches, seen_reports = 0, set()
    deadline = time.time() + 300
    try:
        while proc.poll() is None and time.time() < deadline:
            try:
                store = Store(data)
            except IndexNotFound:
                time.sleep(0.05)
                continue
            counts = store.stats()
            assert counts["vectors"] == counts["chunks"]
            result = Searcher(store, embedder, tokenizer).search(
                SearchRequest("电梯保险", mode="hybrid", top_k=5)
            )
            assert result.total >= 0
            searches += 1
            seen_reports.add(counts["reports"])
            store.close()
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.wait(timeout=60) == 0
    assert searches >= 3, "searches ran while the indexer was writing"
    assert len(seen_reports) >= 2, "readers saw the index grow"
