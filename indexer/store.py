"""The data directory: the only code that runs SQL or writes index files.

Layout (``FORMAT_VERSION`` 1)::

    DATA/manifest.json     format version, embedding model name and dimension, creation time
    DATA/jixiao.sqlite3    SQLite (WAL): reports, sections, tables, indicators, chunks, the
                           FTS5 keyword index (chunk_fts), vectors (float32 blobs), files
                           (path → content hash, status), vector_log, meta
    DATA/vectors.faiss     FAISS index over the stored vectors: ``JXVI`` + u32 header length
                           + JSON header (kind, dim, applied log sequence) + faiss bytes
    DATA/files/            the original report files, named by content hash

A report's rows, keyword entries and vectors are written in one SQLite transaction, so they
become visible together or not at all. The FAISS file is derived: it records the last
``vector_log`` entry it contains, and whoever opens it replays newer entries from SQLite (or
rebuilds it from the stored vectors), so a crash between the commit and the file write loses
nothing. Readers use their own connections and are never blocked by a writer (WAL).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import struct
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from . import vectors as vec
from .chunks import Chunk
from .errors import IndexFormatError, IndexNotFound, ModelMismatch
from .models import Report

FORMAT_VERSION = 1
DB_NAME = "jixiao.sqlite3"
FAISS_NAME = "vectors.faiss"
MANIFEST_NAME = "manifest.json"
_FAISS_MAGIC = b"JXVI"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS reports (
    id INTEGER PRIMARY KEY,
    sha256 TEXT NOT NULL,
    source TEXT NOT NULL,
    format TEXT NOT NULL,
    title TEXT, unit TEXT, region TEXT, year INTEGER, report_type TEXT, fill_date TEXT,
    total_score REAL, pages INTEGER,
    budget TEXT NOT NULL DEFAULT '{}',
    dedupe_key TEXT NOT NULL,
    stored_file TEXT,
    indexed_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS reports_dedupe ON reports (dedupe_key);
CREATE INDEX IF NOT EXISTS reports_sha ON reports (sha256);
CREATE TABLE IF NOT EXISTS sections (
    id INTEGER PRIMARY KEY,
    report_id INTEGER NOT NULL REFERENCES reports (id),
    ordinal INTEGER NOT NULL, heading TEXT, level INTEGER, path TEXT, text TEXT,
    page_start INTEGER, page_end INTEGER
);
CREATE INDEX IF NOT EXISTS sections_report ON sections (report_id);
CREATE TABLE IF NOT EXISTS report_tables (
    id INTEGER PRIMARY KEY,
    report_id INTEGER NOT NULL REFERENCES reports (id),
    ordinal INTEGER NOT NULL, caption TEXT, section TEXT, section_path TEXT,
    page_start INTEGER, page_end INTEGER, header TEXT, rows TEXT
);
CREATE INDEX IF NOT EXISTS tables_report ON report_tables (report_id);
CREATE TABLE IF NOT EXISTS indicators (
    id INTEGER PRIMARY KEY,
    report_id INTEGER NOT NULL REFERENCES reports (id),
    ordinal INTEGER NOT NULL, level1 TEXT, level2 TEXT, level3 TEXT, target TEXT, actual TEXT,
    weight REAL, score REAL, deviation TEXT, level1_weight REAL, page INTEGER
);
CREATE INDEX IF NOT EXISTS indicators_report ON indicators (report_id);
CREATE TABLE IF NOT EXISTS chunks (
    id INTEGER PRIMARY KEY,
    report_id INTEGER NOT NULL REFERENCES reports (id),
    kind TEXT NOT NULL, ordinal INTEGER NOT NULL, text TEXT NOT NULL, embed_text TEXT NOT NULL,
    heading TEXT, path TEXT, page_start INTEGER, page_end INTEGER,
    section_id INTEGER, table_id INTEGER, indicator_id INTEGER, row_start INTEGER, row_end INTEGER
);
CREATE INDEX IF NOT EXISTS chunks_report ON chunks (report_id);
CREATE VIRTUAL TABLE IF NOT EXISTS chunk_fts USING fts5 (
    terms, tokenize = "unicode61 remove_diacritics 0 tokenchars '.%'"
);
CREATE VIRTUAL TABLE IF NOT EXISTS chunk_vocab USING fts5vocab (chunk_fts, 'row');
CREATE TABLE IF NOT EXISTS vectors (chunk_id INTEGER PRIMARY KEY, vector BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS vector_log (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, op TEXT NOT NULL, chunk_id INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS vocab (word TEXT PRIMARY KEY);
CREATE TABLE IF NOT EXISTS files (
    path TEXT PRIMARY KEY,
    sha256 TEXT NOT NULL,
    size INTEGER NOT NULL,
    status TEXT NOT NULL,
    report_id INTEGER,
    reason TEXT,
    updated_at TEXT NOT NULL
);
"""


@dataclass(frozen=True)
class ChunkScope:
    """Filters on chunks and their reports; each given field must match."""

    year_from: int | None = None
    year_to: int | None = None
    unit: str | None = None
    region: str | None = None
    report_type: str | None = None
    kinds: tuple[str, ...] = ()
    report_ids: tuple[int, ...] = ()

    def is_empty(self) -> bool:
        return self == ChunkScope()

    def sql(self) -> tuple[str, list[Any]]:
        """A WHERE clause over ``chunks c JOIN reports r`` and its parameters."""
        where: list[str] = ["1"]
        params: list[Any] = []
        if self.year_from is not None:
            where.append("r.year >= ?")
            params.append(self.year_from)
        if self.year_to is not None:
            where.append("r.year <= ?")
            params.append(self.year_to)
        if self.unit:
            where.append("r.unit LIKE ?")
            params.append(f"%{self.unit}%")
        if self.region:
            where.append("r.region LIKE ?")
            params.append(f"%{self.region}%")
        if self.report_type:
            where.append("r.report_type = ?")
            params.append(self.report_type)
        if self.kinds:
            where.append(f"c.kind IN ({','.join('?' * len(self.kinds))})")
            params.extend(self.kinds)
        if self.report_ids:
            where.append(f"r.id IN ({','.join('?' * len(self.report_ids))})")
            params.extend(self.report_ids)
        return " AND ".join(where), params


@dataclass(frozen=True)
class FileRecord:
    path: str
    sha256: str
    size: int
    status: str  # indexed | duplicate | failed
    report_id: int | None
    reason: str | None


@dataclass(frozen=True)
class ReportRow:
    id: int
    sha256: str
    source: str
    format: str
    title: str
    unit: str
    region: str
    year: int | None
    report_type: str
    fill_date: str | None
    total_score: float | None
    pages: int | None
    budget: dict[str, Any]
    dedupe_key: str
    stored_file: str | None
    indexed_at: str

    def ref(self) -> dict[str, Any]:
        """How a search result names its report (the ``report`` key of the result contract)."""
        return {
            "id": self.id,
            "title": self.title,
            "unit": self.unit,
            "region": self.region,
            "year": self.year,
            "type": self.report_type,
            "source": self.source,
        }


@dataclass(frozen=True)
class ChunkRow:
    id: int
    report_id: int
    kind: str
    ordinal: int
    text: str
    heading: str
    path: tuple[str, ...]
    page_start: int | None
    page_end: int | None
    section_id: int | None
    table_id: int | None
    indicator_id: int | None
    row_start: int | None
    row_end: int | None


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def dedupe_key(report: Report) -> str:
    """The same report in several formats shares unit, year, type and title.

    A partial extract without that metadata is only a duplicate of the same text.
    """
    squash = "".join(report.title.split())
    if report.unit and report.year and squash:
        return f"{report.unit}|{report.year}|{report.report_type}|{squash}"
    digest = hashlib.sha256()
    for section in report.sections:
        digest.update("".join(section.text.split()).encode())
    for table in report.tables:
        digest.update("".join("".join(r) for r in table.rows).encode())
    return f"content:{digest.hexdigest()}"


def report_vocabulary(report: Report) -> list[str]:
    """Names worth keeping whole in the tokenizer: the unit, indicator names."""
    words = {report.unit, report.region}
    for ind in report.indicators:
        words.update((ind.level1, ind.level2, ind.level3))
    return sorted(w for w in words if w and 2 <= len(w) <= 20 and " " not in w)


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S")


class Store:
    """Opens a data directory. Thread-safe for reads; writes take the SQLite write lock."""

    def __init__(self, data_dir: Path | str, *, create: bool = False) -> None:
        self.data_dir = Path(data_dir)
        self.db_path = self.data_dir / DB_NAME
        if not self.db_path.exists():
            if not create:
                raise IndexNotFound(
                    f"数据目录 {self.data_dir} 中还没有索引，请先运行 jixiao index",
                    data_dir=str(self.data_dir),
                )
            self.data_dir.mkdir(parents=True, exist_ok=True)
            (self.data_dir / "files").mkdir(exist_ok=True)
        self._local = threading.local()
        self._vector_lock = threading.Lock()
        self._vindex: vec.VectorIndex | None = None
        self._vindex_seq = 0
        self._vindex_generation = -1
        self._conn().executescript(_SCHEMA)  # idempotent; executescript commits on its own
        with self._write() as conn:
            conn.execute(
                "INSERT OR IGNORE INTO meta VALUES ('format_version', ?)", (str(FORMAT_VERSION),)
            )
            conn.execute("INSERT OR IGNORE INTO meta VALUES ('generation', '0')")
        version = int(self._meta("format_version") or FORMAT_VERSION)
        if version != FORMAT_VERSION:
            raise IndexFormatError(
                f"数据目录 {self.data_dir} 的格式版本是 {version}，本程序需要 {FORMAT_VERSION}；"
                "请删除后重新索引",
                found=version,
                expected=FORMAT_VERSION,
            )

    # --- connections -------------------------------------------------------------------

    def _conn(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.db_path, timeout=60, isolation_level=None)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA foreign_keys=ON")
            conn.row_factory = sqlite3.Row
            self._local.conn = conn
        return conn

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        conn = self._conn()
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    @contextmanager
    def snapshot(self) -> Iterator[sqlite3.Connection]:
        """A read transaction: every query inside sees the same committed state."""
        conn = self._conn()
        conn.execute("BEGIN")
        try:
            yield conn
        finally:
            conn.execute("COMMIT")

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None

    def _meta(self, key: str) -> str | None:
        row = self._conn().execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    # --- manifest and model ------------------------------------------------------------

    def manifest(self) -> dict[str, Any]:
        path = self.data_dir / MANIFEST_NAME
        if path.exists():
            return dict(json.loads(path.read_text(encoding="utf-8")))
        return {}

    def check_model(self, name: str, dim: int) -> None:
        """Record the embedding model on first use; refuse a different one later."""
        manifest = self.manifest()
        model = manifest.get("embedding_model")
        if model is None:
            manifest.update(
                format_version=FORMAT_VERSION,
                created_at=manifest.get("created_at", _now()),
                embedding_model={"name": name, "dim": dim},
            )
            self._write_json_atomic(self.data_dir / MANIFEST_NAME, manifest)
            return
        if model.get("name") != name or int(model.get("dim", 0)) != dim:
            raise ModelMismatch(
                f"数据目录 {self.data_dir} 是用模型 {model.get('name')}（{model.get('dim')} 维）"
                f"建立的，当前模型是 {name}（{dim} 维）；请换用原模型，或删除数据目录后重新索引",
                indexed_with=model,
                configured={"name": name, "dim": dim},
            )

    @staticmethod
    def _write_json_atomic(path: Path, obj: Any) -> None:
        tmp = path.with_name(path.name + f".tmp{os.getpid()}")
        tmp.write_text(json.dumps(obj, ensure_ascii=False, indent=2), encoding="utf-8")
        os.replace(tmp, path)

    # --- files -------------------------------------------------------------------------

    def file_record(self, path: str) -> FileRecord | None:
        row = self._conn().execute("SELECT * FROM files WHERE path = ?", (path,)).fetchone()
        if row is None:
            return None
        return FileRecord(
            row["path"], row["sha256"], row["size"], row["status"], row["report_id"], row["reason"]
        )

    def record_file(
        self, path: str, sha: str, size: int, status: str, report_id: int | None, reason: str | None
    ) -> None:
        with self._write() as conn:
            self._upsert_file(conn, path, sha, size, status, report_id, reason)

    @staticmethod
    def _upsert_file(
        conn: sqlite3.Connection,
        path: str,
        sha: str,
        size: int,
        status: str,
        report_id: int | None,
        reason: str | None,
    ) -> None:
        conn.execute(
            "INSERT INTO files VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (path) DO UPDATE SET "
            "sha256 = excluded.sha256, size = excluded.size, status = excluded.status, "
            "report_id = excluded.report_id, reason = excluded.reason, "
            "updated_at = excluded.updated_at",
            (path, sha, size, status, report_id, reason, _now()),
        )

    def forget_file(self, path: str) -> None:
        with self._write() as conn:
            conn.execute("DELETE FROM files WHERE path = ?", (path,))

    def store_original(self, path: Path, sha: str) -> str:
        """Copy the original file into ``files/`` (by content hash) and return its name."""
        name = f"{sha}{path.suffix.lower()}"
        target = self.data_dir / "files" / name
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            tmp = target.with_name(name + f".tmp{os.getpid()}")
            shutil.copyfile(path, tmp)
            os.replace(tmp, target)
        return name

    def original_path(self, stored_file: str) -> Path:
        return self.data_dir / "files" / stored_file

    # --- reports -----------------------------------------------------------------------

    def report_by_dedupe_key(self, key: str) -> ReportRow | None:
        row = (
            self._conn()
            .execute("SELECT * FROM reports WHERE dedupe_key = ? ORDER BY id LIMIT 1", (key,))
            .fetchone()
        )
        return None if row is None else _report_row(row)

    def report_by_sha(self, sha: str) -> ReportRow | None:
        row = (
            self._conn()
            .execute("SELECT * FROM reports WHERE sha256 = ? ORDER BY id LIMIT 1", (sha,))
            .fetchone()
        )
        return None if row is None else _report_row(row)

    def report(self, report_id: int) -> ReportRow | None:
        row = self._conn().execute("SELECT * FROM reports WHERE id = ?", (report_id,)).fetchone()
        return None if row is None else _report_row(row)

    def reports(self) -> list[ReportRow]:
        rows = self._conn().execute("SELECT * FROM reports ORDER BY year DESC, unit, id")
        return [_report_row(r) for r in rows]

    def add_report(
        self,
        report: Report,
        chunks: Sequence[Chunk],
        vectors: np.ndarray,
        *,
        sha: str,
        file_path: str,
        size: int,
        stored_file: str | None,
        replace_ids: Iterable[int] = (),
        chunk_terms: Sequence[Sequence[str]],
    ) -> int:
        """Insert a parsed report with its chunks, keyword terms and vectors in one transaction,
        removing the reports in ``replace_ids`` (a changed file, a lesser format) in the same
        transaction. Returns the new report id."""
        if len(chunks) != len(vectors) or len(chunks) != len(chunk_terms):
            raise ValueError("chunks, vectors and terms must align")
        with self._write() as conn:
            for old in replace_ids:
                self._delete_report(conn, old)
            cur = conn.execute(
                "INSERT INTO reports (sha256, source, format, title, unit, region, year, "
                "report_type, fill_date, total_score, pages, budget, dedupe_key, stored_file, "
                "indexed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    sha,
                    file_path,
                    report.format,
                    report.title,
                    report.unit,
                    report.region,
                    report.year,
                    report.report_type,
                    report.fill_date,
                    report.total_score,
                    report.pages,
                    json.dumps(report.budget, ensure_ascii=False),
                    dedupe_key(report),
                    stored_file,
                    _now(),
                ),
            )
            report_id = int(cur.lastrowid or 0)
            section_ids = [
                self._insert(
                    conn,
                    "INSERT INTO sections (report_id, ordinal, heading, level, path, text, "
                    "page_start, page_end) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        report_id,
                        i,
                        s.heading,
                        s.level,
                        _j(s.path),
                        s.text,
                        s.page_start,
                        s.page_end,
                    ),
                )
                for i, s in enumerate(report.sections)
            ]
            table_ids = [
                self._insert(
                    conn,
                    "INSERT INTO report_tables (report_id, ordinal, caption, section, "
                    "section_path, "
                    "page_start, page_end, header, rows) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        report_id,
                        i,
                        t.caption,
                        t.section,
                        _j(t.section_path),
                        t.page_start,
                        t.page_end,
                        _j(t.header),
                        _j(t.rows),
                    ),
                )
                for i, t in enumerate(report.tables)
            ]
            indicator_ids = [
                self._insert(
                    conn,
                    "INSERT INTO indicators (report_id, ordinal, level1, level2, level3, target, "
                    "actual, weight, score, deviation, level1_weight, page) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        report_id,
                        i,
                        ind.level1,
                        ind.level2,
                        ind.level3,
                        ind.target,
                        ind.actual,
                        ind.weight,
                        ind.score,
                        ind.deviation,
                        ind.level1_weight,
                        ind.page,
                    ),
                )
                for i, ind in enumerate(report.indicators)
            ]
            for chunk, vector, terms in zip(chunks, vectors, chunk_terms, strict=True):
                chunk_id = self._insert(
                    conn,
                    "INSERT INTO chunks (report_id, kind, ordinal, text, embed_text, heading, "
                    "path, "
                    "page_start, page_end, section_id, table_id, indicator_id, row_start, row_end) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        report_id,
                        chunk.kind,
                        chunk.ordinal,
                        chunk.text,
                        chunk.embed_text,
                        chunk.heading,
                        _j(chunk.path),
                        chunk.page_start,
                        chunk.page_end,
                        _pick(section_ids, chunk.section_ordinal),
                        _pick(table_ids, chunk.table_ordinal),
                        _pick(indicator_ids, chunk.indicator_ordinal),
                        chunk.row_start,
                        chunk.row_end,
                    ),
                )
                conn.execute(
                    "INSERT INTO chunk_fts (rowid, terms) VALUES (?, ?)",
                    (chunk_id, " ".join(_fts_safe(t) for t in terms)),
                )
                conn.execute(
                    "INSERT INTO vectors VALUES (?, ?)",
                    (chunk_id, np.asarray(vector, dtype=np.float32).tobytes()),
                )
                conn.execute("INSERT INTO vector_log (op, chunk_id) VALUES ('add', ?)", (chunk_id,))
            conn.executemany(
                "INSERT OR IGNORE INTO vocab VALUES (?)", [(w,) for w in report_vocabulary(report)]
            )
            self._upsert_file(conn, file_path, sha, size, "indexed", report_id, None)
            self._bump_generation(conn)
        return report_id

    @staticmethod
    def _insert(conn: sqlite3.Connection, sql: str, params: tuple[Any, ...]) -> int:
        return int(conn.execute(sql, params).lastrowid or 0)

    @staticmethod
    def _bump_generation(conn: sqlite3.Connection) -> None:
        conn.execute(
            "UPDATE meta SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT) "
            "WHERE key = 'generation'"
        )

    def _delete_report(self, conn: sqlite3.Connection, report_id: int) -> None:
        ids = [
            r[0] for r in conn.execute("SELECT id FROM chunks WHERE report_id = ?", (report_id,))
        ]
        for chunk_id in ids:
            conn.execute("DELETE FROM chunk_fts WHERE rowid = ?", (chunk_id,))
            conn.execute("INSERT INTO vector_log (op, chunk_id) VALUES ('del', ?)", (chunk_id,))
        conn.execute(
            "DELETE FROM vectors WHERE chunk_id IN (SELECT id FROM chunks WHERE report_id = ?)",
            (report_id,),
        )
        for table in ("chunks", "indicators", "report_tables", "sections"):
            conn.execute(f"DELETE FROM {table} WHERE report_id = ?", (report_id,))
        conn.execute(
            "UPDATE files SET status = 'removed', report_id = NULL WHERE report_id = ?",
            (report_id,),
        )
        conn.execute("DELETE FROM reports WHERE id = ?", (report_id,))

    def remove_report(self, report_id: int) -> bool:
        """Delete a report with its chunks, keyword entries and vectors. False if unknown."""
        with self._write() as conn:
            exists = conn.execute("SELECT 1 FROM reports WHERE id = ?", (report_id,)).fetchone()
            if not exists:
                return False
            stored = conn.execute(
                "SELECT stored_file FROM reports WHERE id = ?", (report_id,)
            ).fetchone()[0]
            self._delete_report(conn, report_id)
            conn.execute("DELETE FROM files WHERE report_id IS NULL AND status = 'removed'")
            self._bump_generation(conn)
        if stored:
            still_used = (
                self._conn()
                .execute("SELECT 1 FROM reports WHERE stored_file = ?", (stored,))
                .fetchone()
            )
            if not still_used:
                self.original_path(stored).unlink(missing_ok=True)
        return True

    # --- reads -------------------------------------------------------------------------

    def stats(self) -> dict[str, int]:
        """Counts, read in one snapshot (``vectors == chunks`` always holds)."""
        with self.snapshot() as conn:

            def count(sql: str) -> int:
                return int(conn.execute(sql).fetchone()[0])

            return {
                "reports": count("SELECT COUNT(*) FROM reports"),
                "sections": count("SELECT COUNT(*) FROM sections"),
                "chunks": count("SELECT COUNT(*) FROM chunks"),
                "tables": count("SELECT COUNT(*) FROM report_tables"),
                "indicators": count("SELECT COUNT(*) FROM indicators"),
                "vectors": count("SELECT COUNT(*) FROM vectors"),
                "files": count("SELECT COUNT(*) FROM files"),
                "generation": count(
                    "SELECT CAST(value AS INTEGER) FROM meta WHERE key='generation'"
                ),
            }

    def vocabulary(self) -> list[str]:
        """Words learned from indexed reports (unit and indicator names), for the tokenizer."""
        return [r[0] for r in self._conn().execute("SELECT word FROM vocab ORDER BY word")]

    def generation(self) -> int:
        return int(self._meta("generation") or 0)

    def chunks(self, ids: Sequence[int]) -> dict[int, ChunkRow]:
        if not ids:
            return {}
        marks = ",".join("?" * len(ids))
        rows = self._conn().execute(f"SELECT * FROM chunks WHERE id IN ({marks})", list(ids))
        return {int(r["id"]): _chunk_row(r) for r in rows}

    def keyword_search(
        self, terms: Sequence[str], limit: int, scope: ChunkScope | None = None
    ) -> list[tuple[int, float]]:
        """(chunk id, BM25 score — higher is better) for chunks matching any of ``terms``,
        within ``scope`` when given."""
        wanted = [t for t in dict.fromkeys(_fts_safe(t) for t in terms) if t]
        wanted = self._selective_terms(wanted)
        query = " OR ".join(f'"{t}"' for t in wanted)
        if not query:
            return []
        sql = "SELECT rowid, bm25(chunk_fts) AS s FROM chunk_fts WHERE chunk_fts MATCH ?"
        params: list[Any] = [query]
        if scope is not None:
            where, scope_params = scope.sql()
            sql += (
                " AND rowid IN (SELECT c.id FROM chunks c JOIN reports r ON r.id = c.report_id"
                f" WHERE {where})"
            )
            params += scope_params
        rows = self._conn().execute(sql + " ORDER BY s LIMIT ?", [*params, limit])
        return [(int(r[0]), -float(r[1])) for r in rows]

    # A term in more than this share of all chunks ranks little and costs a BM25 score for
    # each of them; it is left out when the query has rarer terms (a query-side max_df).
    MAX_DF_SHARE = 0.2
    MIN_CHUNKS_FOR_DF = 2000

    def _selective_terms(self, terms: list[str]) -> list[str]:
        if len(terms) < 2:
            return terms
        total = self._chunk_count()
        if total < self.MIN_CHUNKS_FOR_DF:
            return terms
        marks = ",".join("?" * len(terms))
        lowered = [t.lower() for t in terms]  # the FTS5 tokenizer folds case
        df: dict[str, int] = {
            str(row[0]): int(row[1])
            for row in self._conn().execute(
                f"SELECT term, doc FROM chunk_vocab WHERE term IN ({marks})", lowered
            )
        }
        limit = total * self.MAX_DF_SHARE
        rare = [t for t, low in zip(terms, lowered, strict=True) if df.get(low, 0) <= limit]
        return rare or terms

    def _chunk_count(self) -> int:
        generation = self.generation()
        cached = getattr(self._local, "chunk_count", None)
        if cached is None or cached[0] != generation:
            count = int(self._conn().execute("SELECT COUNT(*) FROM chunks").fetchone()[0])
            self._local.chunk_count = (generation, count)
            return count
        return int(cached[1])

    def scoped_chunk_ids(self, scope: ChunkScope) -> np.ndarray:
        """Ids of the chunks inside ``scope`` (for restricting the vector search)."""
        where, params = scope.sql()
        rows = self._conn().execute(
            f"SELECT c.id FROM chunks c JOIN reports r ON r.id = c.report_id WHERE {where}", params
        )
        return np.array([r[0] for r in rows], dtype=np.int64)

    def reports_by_ids(self, ids: Iterable[int]) -> dict[int, ReportRow]:
        wanted = list(set(ids))
        if not wanted:
            return {}
        marks = ",".join("?" * len(wanted))
        rows = self._conn().execute(f"SELECT * FROM reports WHERE id IN ({marks})", wanted)
        return {int(r["id"]): _report_row(r) for r in rows}

    def table(self, table_id: int) -> dict[str, Any] | None:
        row = (
            self._conn().execute("SELECT * FROM report_tables WHERE id = ?", (table_id,)).fetchone()
        )
        if row is None:
            return None
        return {
            "id": int(row["id"]),
            "report_id": int(row["report_id"]),
            "caption": row["caption"] or "",
            "section": row["section"] or "",
            "section_path": json.loads(row["section_path"] or "[]"),
            "page_start": row["page_start"],
            "page_end": row["page_end"],
            "header": json.loads(row["header"] or "[]"),
            "rows": json.loads(row["rows"] or "[]"),
        }

    def report_detail(self, report_id: int) -> dict[str, Any] | None:
        """Sections, tables and indicator records of one report, for display."""
        report = self.report(report_id)
        if report is None:
            return None
        conn = self._conn()
        sections = [
            {
                "id": int(r["id"]),
                "heading": r["heading"],
                "level": r["level"],
                "path": json.loads(r["path"] or "[]"),
                "text": r["text"],
                "page_start": r["page_start"],
                "page_end": r["page_end"],
            }
            for r in conn.execute(
                "SELECT * FROM sections WHERE report_id = ? ORDER BY ordinal", (report_id,)
            )
        ]
        table_ids = [
            int(r[0])
            for r in conn.execute(
                "SELECT id FROM report_tables WHERE report_id = ? ORDER BY ordinal", (report_id,)
            )
        ]
        indicators = [
            {k: r[k] for k in r.keys() if k not in ("report_id", "ordinal")}  # noqa: SIM118
            for r in conn.execute(
                "SELECT * FROM indicators WHERE report_id = ? ORDER BY ordinal", (report_id,)
            )
        ]
        return {
            "report": report,
            "sections": sections,
            "tables": [t for t in (self.table(i) for i in table_ids) if t],
            "indicators": indicators,
        }

    def indicators_of(self, report_ids: Iterable[int]) -> list[dict[str, Any]]:
        wanted = list(set(report_ids))
        if not wanted:
            return []
        marks = ",".join("?" * len(wanted))
        rows = self._conn().execute(
            f"SELECT * FROM indicators WHERE report_id IN ({marks}) ORDER BY report_id, ordinal",
            wanted,
        )
        return [dict(r) for r in rows]

    def facet_counts(self, report_ids: Iterable[int] | None = None) -> dict[str, dict[str, int]]:
        """Report counts by year, unit, region and type (all reports, or those given)."""
        rows = (
            self.reports() if report_ids is None else list(self.reports_by_ids(report_ids).values())
        )
        facets: dict[str, dict[str, int]] = {"year": {}, "unit": {}, "region": {}, "type": {}}
        for r in rows:
            for name, value in (
                ("year", str(r.year) if r.year else ""),
                ("unit", r.unit),
                ("region", r.region),
                ("type", r.report_type),
            ):
                if value:
                    facets[name][value] = facets[name].get(value, 0) + 1
        return facets

    # --- vectors -----------------------------------------------------------------------

    def vector_index(self, kind_setting: str = "auto") -> vec.VectorIndex:
        """The FAISS index, brought up to date with the committed vectors.

        Loads ``vectors.faiss`` once, then replays ``vector_log`` entries newer than the file
        (or rebuilds from the stored vectors when the file is missing, stale or damaged).
        """
        with self._vector_lock:
            generation = self.generation()  # one indexed lookup: nothing changed, nothing to do
            if self._vindex is not None and self._vindex_generation == generation:
                return self._vindex
            if self._vindex is None:
                self._vindex, self._vindex_seq = self._load_faiss()
            self._vindex, self._vindex_seq = self._catch_up(
                self._vindex, self._vindex_seq, kind_setting
            )
            self._vindex_generation = generation
            return self._vindex

    def save_vector_index(self) -> None:
        """Write the FAISS file (temp file + rename) and trim the replayed log."""
        with self._vector_lock:
            if self._vindex is None:
                return
            header = json.dumps(
                {
                    "format_version": FORMAT_VERSION,
                    "kind": self._vindex.kind,
                    "dim": self._vindex.dim,
                    "applied_seq": self._vindex_seq,
                    "count": self._vindex.ntotal,
                }
            ).encode()
            path = self.data_dir / FAISS_NAME
            tmp = path.with_name(FAISS_NAME + f".tmp{os.getpid()}")
            with tmp.open("wb") as fh:
                fh.write(_FAISS_MAGIC + struct.pack("<I", len(header)) + header)
                fh.write(vec.serialize(self._vindex))
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, path)
            with self._write() as conn:
                conn.execute("DELETE FROM vector_log WHERE seq <= ?", (self._vindex_seq,))
                conn.execute(
                    "INSERT INTO meta VALUES ('log_floor', ?) ON CONFLICT (key) DO UPDATE "
                    "SET value = excluded.value",
                    (str(self._vindex_seq),),
                )

    def _load_faiss(self) -> tuple[vec.VectorIndex | None, int]:
        path = self.data_dir / FAISS_NAME
        if not path.exists():
            return None, 0
        try:
            data = path.read_bytes()
            if data[:4] != _FAISS_MAGIC:
                return None, 0
            (size,) = struct.unpack("<I", data[4:8])
            header = json.loads(data[8 : 8 + size])
            index = vec.deserialize(data[8 + size :], header["kind"], int(header["dim"]))
            return index, int(header["applied_seq"])
        except Exception:  # a damaged derived file is rebuilt from the stored vectors
            return None, 0

    def _catch_up(
        self, index: vec.VectorIndex | None, seq: int, kind_setting: str
    ) -> tuple[vec.VectorIndex, int]:
        with self.snapshot() as conn:
            floor = int(
                (conn.execute("SELECT value FROM meta WHERE key='log_floor'").fetchone() or [0])[0]
            )
            last = conn.execute("SELECT MAX(seq) FROM vector_log").fetchone()[0]
            last_seq = int(last) if last is not None else max(seq, floor)
            count = int(conn.execute("SELECT COUNT(*) FROM vectors").fetchone()[0])
            wanted_kind = vec.choose_kind(kind_setting, count)
            if index is None or seq < floor or index.kind != wanted_kind:
                return self._rebuild(conn, wanted_kind), last_seq
            if last_seq <= seq:
                return index, seq
            log = conn.execute(
                "SELECT op, chunk_id FROM vector_log WHERE seq > ? ORDER BY seq", (seq,)
            ).fetchall()
            removed = np.array([r[1] for r in log if r[0] == "del"], dtype=np.int64)
            index.remove(removed)
            added = [r[1] for r in log if r[0] == "add"]
            ids, vectors = self._load_vectors(conn, added)
            index.remove(ids)  # replaying an add twice must not duplicate it
            index.add(ids, vectors)
            return index, last_seq

    def _rebuild(self, conn: sqlite3.Connection, kind: str) -> vec.VectorIndex:
        """A new index from the stored vectors, read in batches (a million vectors must not
        be held twice in memory): train on a random sample, then add batch by batch."""
        count = int(conn.execute("SELECT COUNT(*) FROM vectors").fetchone()[0])
        dim = int(self.manifest().get("embedding_model", {}).get("dim", 0))
        sample_rows = conn.execute(
            "SELECT vector FROM vectors ORDER BY random() LIMIT ?", (min(count, 262_144),)
        ).fetchall()
        if sample_rows:
            sample = np.stack([np.frombuffer(r[0], dtype=np.float32) for r in sample_rows])
            dim = sample.shape[1]
        else:
            sample = np.zeros((0, dim or 384), dtype=np.float32)
        index = vec.empty_index(kind, dim or 384, count, sample)
        del sample, sample_rows
        last = -1
        while True:
            rows = conn.execute(
                "SELECT chunk_id, vector FROM vectors WHERE chunk_id > ? "
                "ORDER BY chunk_id LIMIT 50000",
                (last,),
            ).fetchall()
            if not rows:
                break
            ids = np.array([r[0] for r in rows], dtype=np.int64)
            index.add(ids, np.stack([np.frombuffer(r[1], dtype=np.float32) for r in rows]))
            last = int(ids[-1])
        return index

    @staticmethod
    def _load_vectors(conn: sqlite3.Connection, only: list[int]) -> tuple[np.ndarray, np.ndarray]:
        rows = []
        for start in range(0, len(only), 500):
            part = only[start : start + 500]
            marks = ",".join("?" * len(part))
            rows += conn.execute(
                f"SELECT chunk_id, vector FROM vectors WHERE chunk_id IN ({marks})", part
            ).fetchall()
        if not rows:
            return np.zeros(0, dtype=np.int64), np.zeros((0, 0), dtype=np.float32)
        ids = np.array([r[0] for r in rows], dtype=np.int64)
        vectors = np.stack([np.frombuffer(r[1], dtype=np.float32) for r in rows])
        return ids, vectors


def _j(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def _pick(ids: list[int], ordinal: int | None) -> int | None:
    return ids[ordinal] if ordinal is not None and 0 <= ordinal < len(ids) else None


def _fts_safe(term: str) -> str:
    """Terms are already tokens; drop the characters FTS5 query syntax would trip over."""
    return term.replace('"', "").replace("\x00", "").strip()


def _report_row(row: sqlite3.Row) -> ReportRow:
    return ReportRow(
        id=int(row["id"]),
        sha256=row["sha256"],
        source=row["source"],
        format=row["format"],
        title=row["title"] or "",
        unit=row["unit"] or "",
        region=row["region"] or "",
        year=row["year"],
        report_type=row["report_type"] or "",
        fill_date=row["fill_date"],
        total_score=row["total_score"],
        pages=row["pages"],
        budget=json.loads(row["budget"] or "{}"),
        dedupe_key=row["dedupe_key"],
        stored_file=row["stored_file"],
        indexed_at=row["indexed_at"],
    )


def _chunk_row(row: sqlite3.Row) -> ChunkRow:
    return ChunkRow(
        id=int(row["id"]),
        report_id=int(row["report_id"]),
        kind=row["kind"],
        ordinal=int(row["ordinal"]),
        text=row["text"],
        heading=row["heading"] or "",
        path=tuple(json.loads(row["path"] or "[]")),
        page_start=row["page_start"],
        page_end=row["page_end"],
        section_id=row["section_id"],
        table_id=row["table_id"],
        indicator_id=row["indicator_id"],
        row_start=row["row_start"],
        row_end=row["row_end"],
    )
