"""Grow a real index to a target chunk count for the scale benchmark.

Chunks beyond the real corpus are copies of real chunks (text and keyword terms) under cloned
reports with numbered unit names, and their vectors are the real embedding plus Gaussian noise
(sigma 0.02, renormalised): this machine cannot embed a million chunks, and near-duplicate
vectors are the hard case for an approximate index anyway. Benchmark tooling writes the SQLite
file directly, in bulk; the product only ever writes through ``indexer.store.Store``.
"""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import numpy as np

NOISE = 0.02
_REPORT_COLUMNS = (
    "sha256, source, format, title, unit, region, year, report_type, fill_date, total_score, "
    "pages, budget, dedupe_key, stored_file, indexed_at"
)
_CHUNK_COLUMNS = (
    "kind, ordinal, text, embed_text, heading, path, page_start, page_end, section_id, "
    "table_id, indicator_id, row_start, row_end"
)


def grow_index(source: Path, target: Path, size: int, seed: int = 0) -> int:
    """Copy the data directory ``source`` to ``target`` and clone reports until it holds at
    least ``size`` chunks. Returns the chunk count. The FAISS file is dropped (it is rebuilt
    from the stored vectors on first use)."""
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(source, target, ignore=shutil.ignore_patterns("files"))
    (target / "vectors.faiss").unlink(missing_ok=True)
    rng = np.random.default_rng(seed)
    conn = sqlite3.connect(target / "jixiao.sqlite3", isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=OFF")
    reports = conn.execute(f"SELECT id, {_REPORT_COLUMNS} FROM reports").fetchall()
    by_report: dict[int, list[tuple[object, ...]]] = {}
    for row in conn.execute(
        f"SELECT c.report_id, {_CHUNK_COLUMNS}, f.terms, v.vector FROM chunks c "
        "JOIN chunk_fts f ON f.rowid = c.id JOIN vectors v ON v.chunk_id = c.id ORDER BY c.id"
    ):
        by_report.setdefault(int(row[0]), []).append(row[1:])
    count = int(conn.execute("SELECT COUNT(*) FROM chunks").fetchone()[0])
    clone = 0
    while count < size:
        conn.execute("BEGIN")
        for report in reports:
            if count >= size:
                break
            chunks = by_report.get(int(report[0]), [])
            values = list(report[1:])
            values[1] = f"scale/{clone}/{values[1]}"  # source
            values[4] = f"规模测试{clone:05d}{values[4]}"  # unit
            values[12] = f"scale{clone}|{values[12]}"  # dedupe key
            cur = conn.execute(
                f"INSERT INTO reports ({_REPORT_COLUMNS}) VALUES ({','.join('?' * 15)})", values
            )
            report_id = cur.lastrowid
            for chunk in chunks:
                *fields, terms, blob = chunk
                cur = conn.execute(
                    f"INSERT INTO chunks (report_id, {_CHUNK_COLUMNS}) "
                    f"VALUES (?, {','.join('?' * 13)})",
                    [report_id, *fields],
                )
                chunk_id = cur.lastrowid
                conn.execute(
                    "INSERT INTO chunk_fts (rowid, terms) VALUES (?, ?)", (chunk_id, terms)
                )
                vector = np.frombuffer(blob, dtype=np.float32)  # type: ignore[arg-type]
                noisy = vector + rng.normal(0, NOISE, vector.shape).astype(np.float32)
                noisy /= np.linalg.norm(noisy)
                conn.execute("INSERT INTO vectors VALUES (?, ?)", (chunk_id, noisy.tobytes()))
                count += 1
        conn.execute("COMMIT")
        clone += 1
    conn.execute(
        "UPDATE meta SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT) WHERE key='generation'"
    )
    conn.execute("DELETE FROM vector_log")
    conn.close()
    return count
