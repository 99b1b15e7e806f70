"""An analyst indexes a folder of reports, re-runs it, changes a file, removes one."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from indexer.embed import HashEmbedder
from indexer.ingest import index_paths
from indexer.search import Searcher, SearchRequest
from indexer.store import ChunkScope, Store
from indexer.tokenize import Tokenizer
from tests.conftest import CORPUS, ROOT, ZHUZHOU


def jixiao(*args: str, env: dict[str, str], check: bool = True) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(
        [sys.executable, "-m", "indexer.cli", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=600,
    )
    if check and proc.returncode not in (0,):
        raise AssertionError(proc.stderr)
    return proc


@pytest.fixture()
def env(tmp_path: Path) -> dict[str, str]:
    return {
        **os.environ,
        "JIXIAO_EMBEDDER": "hash",
        "JIXIAO_CACHE_DIR": str(tmp_path / "cache"),
        "JIXIAO_DATA_DIR": str(tmp_path / "data"),
    }


def stats(env: dict[str, str]) -> dict[str, int]:
    return json.loads(jixiao("stats", "--json", env=env).stdout)  # type: ignore[no-any-return]


def test_indexing_the_corpus_twice_gives_identical_stats(env: dict[str, str]) -> None:
    first = jixiao("index", "corpus/", "--json", env=env)
    summary = json.loads(first.stdout)
    assert len(summary["indexed"]) == 2  # TXT + DOCX + PDF of two reports
    assert len(summary["duplicates"]) == 4
    assert all(s.endswith(".pdf") for s in summary["indexed"]), "PDF is preferred"
    before = stats(env)
    assert before["reports"] == 2 and before["vectors"] == before["chunks"] > 0
    assert before["tables"] == 4 and before["indicators"] == 15
    again = json.loads(jixiao("index", "corpus/", "--json", env=env).stdout)
    assert len(again["unchanged"]) == 6 and not again["indexed"]
    assert stats(env) == before


def test_text_first_then_pdf_replaces_it(tmp_path: Path) -> None:
    store = Store(tmp_path / "data", create=True)
    emb, tok = HashEmbedder(), Tokenizer()
    index_paths(store, [CORPUS / f"{ZHUZHOU}.txt"], emb, tok, workers=1)
    index_paths(store, [CORPUS / f"{ZHUZHOU}.pdf"], emb, tok, workers=1)
    reports = store.reports()
    assert len(reports) == 1 and reports[0].format == "pdf" and reports[0].pages
    txt = store.file_record(str(CORPUS / f"{ZHUZHOU}.txt"))
    assert txt is not None and txt.status == "duplicate" and txt.report_id == reports[0].id
    assert store.stats()["vectors"] == store.stats()["chunks"]


def test_failed_files_are_reported_and_exit_3(env: dict[str, str], tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(CORPUS / f"{ZHUZHOU}.txt", folder)
    (folder / "broken.pdf").write_bytes(b"%PDF-1.4 garbage")
    (folder / "empty.docx").write_bytes(b"")
    proc = jixiao("index", str(folder), env=env, check=False)
    assert proc.returncode == 3, proc.stderr
    assert "broken.pdf" in proc.stderr and "empty.docx" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert stats(env)["reports"] == 1


def test_usage_errors_exit_2(env: dict[str, str]) -> None:
    assert jixiao("index", env=env, check=False).returncode == 2
    assert jixiao("stats", "--data", "/nonexistent/dir", env=env, check=False).returncode == 2


def test_changed_file_replaces_its_report(tmp_path: Path) -> None:
    path = tmp_path / "report.txt"
    text = (CORPUS / f"{ZHUZHOU}.txt").read_text(encoding="utf-8")
    path.write_text(text, encoding="utf-8")
    store = Store(tmp_path / "data", create=True)
    emb, tok = HashEmbedder(), Tokenizer()
    index_paths(store, [path], emb, tok, workers=1)
    path.write_text(text.replace("应急协调会 26 次", "应急协调会 31 次"), encoding="utf-8")
    summary = index_paths(store, [path], emb, tok, workers=1)
    assert summary.indexed == [str(path)]
    assert store.stats()["reports"] == 1
    searcher = Searcher(store, emb, tok)
    hits = searcher.search(SearchRequest("应急协调会", mode="keyword")).hits
    assert "应急协调会31次" in hits[0].text


def test_remove_by_file_and_by_id(env: dict[str, str]) -> None:
    jixiao("index", "corpus/", env=env)
    jixiao("remove", f"corpus/{ZHUZHOU}.pdf", env=env)
    assert stats(env)["reports"] == 1
    assert jixiao("remove", "999", env=env, check=False).returncode == 1
    store = Store(Path(env["JIXIAO_DATA_DIR"]))
    remaining = store.reports()[0].id
    jixiao("remove", str(remaining), env=env)
    after = stats(env)
    assert after["reports"] == after["chunks"] == after["vectors"] == 0


@pytest.fixture(scope="module")
def keyword_store(tmp_path_factory: pytest.TempPathFactory) -> Store:
    store = Store(tmp_path_factory.mktemp("kw") / "data", create=True)
    index_paths(store, [CORPUS], HashEmbedder(), Tokenizer(), workers=1)
    return store


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("3252", "电梯累计3252台"),
        ("三公经费", "三公经费"),
        ("业委会", "业委会组建"),
        ("1085万元", "共支付维修保险费1085万元"),
        ("97.43%", None),
    ],
)
def test_keyword_search_finds_numbers_and_domain_terms(
    keyword_store: Store, query: str, expected: str | None
) -> None:
    searcher = Searcher(keyword_store, HashEmbedder(), Tokenizer(keyword_store.vocabulary()))
    hits = searcher.search(SearchRequest(query, mode="keyword", top_k=5)).hits
    if expected is None:
        assert hits == []
        return
    assert hits, query
    assert expected in hits[0].text or any(
        expected in "".join(map(str, r)) for r in (hits[0].table or {}).get("rows", [])
    )


def test_three_gong_table_hit_returns_the_whole_table(keyword_store: Store) -> None:
    searcher = Searcher(keyword_store, HashEmbedder(), Tokenizer())
    result = searcher.search(
        SearchRequest("三公经费", mode="keyword", scope=ChunkScope(kinds=("table",)))
    )
    table = result.hits[0].table
    assert table is not None and "基础数据表" in table["caption"]
    assert any("三公经费" in row[0] for row in (table["rows"][i] for i in table["match_rows"]))
    assert len(table["rows"]) >= 20


@pytest.mark.slow
def test_semantic_search_with_the_real_model(tmp_path: Path, real_embedder: Any) -> None:
    store = Store(tmp_path / "data", create=True)
    index_paths(store, [CORPUS], real_embedder, Tokenizer(), workers=1)
    searcher = Searcher(store, real_embedder, Tokenizer(store.vocabulary()))
    hits = searcher.search(SearchRequest("给电梯买保险花了多少钱", mode="semantic", top_k=3)).hits
    assert any("共支付维修保险费1085万元" in h.text for h in hits), [h.text[:40] for h in hits]
    assert store.stats()["vectors"] == store.stats()["chunks"]


def test_data_directory_layout(keyword_store: Store) -> None:
    data = keyword_store.data_dir
    manifest = json.loads((data / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["format_version"] == 1
    assert manifest["embedding_model"] == {"name": "hash-64", "dim": 64}
    assert (data / "vectors.faiss").read_bytes()[:4] == b"JXVI"
    assert len(list((data / "files").iterdir())) == 2
    with sqlite3.connect(data / "jixiao.sqlite3") as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_a_different_model_is_refused(keyword_store: Store) -> None:
    from indexer.store import ModelMismatch

    with pytest.raises(ModelMismatch):
        keyword_store.check_model("another-model", 384)


def test_partial_extracts_are_not_duplicates_of_each_other(tmp_path: Path) -> None:
    a, b = tmp_path / "a.txt", tmp_path / "b.txt"
    a.write_text("七、存在的问题及原因分析\n1、预算编制不够细化。\n", encoding="utf-8")
    b.write_text("存在的问题：资金拨付进度慢，项目前期论证不足。\n", encoding="utf-8")
    store = Store(tmp_path / "data", create=True)
    summary = index_paths(store, [a, b], HashEmbedder(), Tokenizer(), workers=1)
    assert sorted(summary.indexed) == [str(a), str(b)] and not summary.duplicates
