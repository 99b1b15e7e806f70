"""``jixiao index``: files and folders in, reports out — parse in parallel, store one by one.

Each file is hashed first: an unchanged file is skipped, a changed file replaces its old
report. The same report in several formats (same unit, year, type and title) is indexed once,
preferring PDF (it has page numbers), then DOCX, then text; the others are recorded as
duplicates. Every report is committed in its own transaction, so an interrupted run leaves a
consistent index and the next run completes it.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .chunks import Chunk, build_chunks
from .embed import Embedder
from .errors import InputError, UnsupportedFormat
from .models import Report
from .parse import SUPPORTED_SUFFIXES, parse_file
from .store import Store, dedupe_key, report_vocabulary, sha256_file
from .tokenize import Tokenizer

log = logging.getLogger(__name__)

FORMAT_PRIORITY = {".pdf": 0, ".docx": 1, ".txt": 2}


@dataclass
class IngestSummary:
    indexed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    duplicates: list[tuple[str, str]] = field(default_factory=list)  # (file, kept report source)
    failed: list[tuple[str, str]] = field(default_factory=list)  # (file, reason)
    chunks: int = 0
    seconds: float = 0.0

    def to_dict(self) -> dict[str, object]:
        return {
            "indexed": self.indexed,
            "unchanged": self.unchanged,
            "duplicates": [{"file": f, "duplicate_of": d} for f, d in self.duplicates],
            "failed": [{"file": f, "reason": r} for f, r in self.failed],
            "chunks": self.chunks,
            "seconds": round(self.seconds, 2),
        }


@dataclass(frozen=True)
class _Parsed:
    path: str
    sha: str
    size: int
    report: Report | None
    error: str | None


def discover(paths: Iterable[Path]) -> tuple[list[Path], list[tuple[str, str]]]:
    """Report files under ``paths`` (folders recursively), PDF first; and refused paths.

    Unsupported files named explicitly are refused with a reason; inside folders they are
    skipped silently (a folder of reports also holds manifests and notes).
    """
    found: list[Path] = []
    refused: list[tuple[str, str]] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            for child in sorted(path.rglob("*")):
                hidden = any(part.startswith(".") for part in child.relative_to(path).parts)
                if child.is_file() and child.suffix.lower() in SUPPORTED_SUFFIXES and not hidden:
                    found.append(child)
        elif not path.exists():
            refused.append((str(path), "文件不存在"))
        elif path.suffix.lower() not in SUPPORTED_SUFFIXES:
            err = UnsupportedFormat(path, f"不支持的文件类型 “{path.suffix or '无扩展名'}”")
            refused.append((str(path), err.reason))
        else:
            found.append(path)
    unique = sorted({p.resolve(): p for p in found}.values(), key=_order)
    return unique, refused


def _order(path: Path) -> tuple[int, str]:
    return FORMAT_PRIORITY.get(path.suffix.lower(), 9), str(path)


def _parse_one(job: tuple[str, str, int]) -> _Parsed:
    path, sha, size = job
    try:
        return _Parsed(path, sha, size, parse_file(Path(path)), None)
    except InputError as exc:
        return _Parsed(path, sha, size, None, exc.reason)
    except Exception as exc:  # a parser bug must not stop the batch; report it by name
        log.exception("unexpected error parsing %s", path)
        return _Parsed(path, sha, size, None, f"解析失败（{type(exc).__name__}: {exc}）")


def _parsed_stream(jobs: list[tuple[str, str, int]], workers: int) -> Iterator[_Parsed]:
    """Parse results in job order; a process pool when there is more than one job and core."""
    if workers <= 1 or len(jobs) <= 1:
        yield from map(_parse_one, jobs)
        return
    with ProcessPoolExecutor(max_workers=workers) as pool:
        yield from pool.map(_parse_one, jobs, chunksize=1)


def index_paths(
    store: Store,
    paths: Iterable[Path],
    embedder: Embedder,
    tokenizer: Tokenizer,
    *,
    workers: int = 0,
    progress: Callable[[str, int, int], None] | None = None,
) -> IngestSummary:
    """Index report files into ``store``. ``progress(event, files_done, chunks_done)``."""
    started = time.perf_counter()
    summary = IngestSummary()
    files, refused = discover(paths)
    summary.failed.extend(refused)
    store.check_model(embedder.name, embedder.dim)
    if progress:
        progress("total", len(files), 0)

    jobs: list[tuple[str, str, int]] = []
    for path in files:
        key = str(path)
        try:
            sha, size = sha256_file(path), path.stat().st_size
        except OSError as exc:
            summary.failed.append((key, f"无法读取（{exc.strerror}）"))
            continue
        record = store.file_record(key)
        if record and record.sha256 == sha and record.status in ("indexed", "duplicate"):
            summary.unchanged.append(key)
            if progress:
                progress("unchanged", 1, 0)
            continue
        jobs.append((key, sha, size))

    workers = workers or (os.cpu_count() or 1)
    batch = _Batch(store, embedder, summary)
    for parsed in _parsed_stream(jobs, workers):
        batch.take(parsed, tokenizer)
        if batch.pending_chunks >= EMBED_BATCH_CHUNKS:
            chunks = batch.flush()
            if progress:
                progress("chunks", 0, chunks)
        if progress:
            progress("file", 1, 0)
    chunks = batch.flush()
    if progress:
        progress("chunks", 0, chunks)

    store.vector_index()
    store.save_vector_index()
    summary.seconds = time.perf_counter() - started
    return summary


# Chunks of several reports are embedded together: one call sorts them by length and fills
# whole batches, which is most of the embedding speed on a CPU. Each report is still committed
# in its own transaction.
EMBED_BATCH_CHUNKS = 256


@dataclass
class _Pending:
    parsed: _Parsed
    chunks: list[Chunk]
    terms: list[list[str]]
    replace: list[int]


class _Batch:
    """Reports parsed and chunked, waiting to be embedded and committed."""

    def __init__(self, store: Store, embedder: Embedder, summary: IngestSummary) -> None:
        self.store = store
        self.embedder = embedder
        self.summary = summary
        self.pending: list[_Pending] = []
        self.twins: list[tuple[_Parsed, str]] = []  # duplicates of a pending report (its path)
        self.by_sha: dict[str, str] = {}
        self.by_key: dict[str, str] = {}

    @property
    def pending_chunks(self) -> int:
        return sum(len(p.chunks) for p in self.pending)

    def take(self, parsed: _Parsed, tokenizer: Tokenizer) -> None:
        """Record a failure or a duplicate now; queue a new report for the next flush."""
        store, summary = self.store, self.summary
        if parsed.report is None:
            summary.failed.append((parsed.path, parsed.error or "解析失败"))
            store.record_file(parsed.path, parsed.sha, parsed.size, "failed", None, parsed.error)
            return
        report = parsed.report
        key = dedupe_key(report)
        pending_twin = self.by_sha.get(parsed.sha) or self.by_key.get(key)
        if pending_twin is not None:  # files come PDF first: the pending one is as good
            self.twins.append((parsed, pending_twin))
            return
        previous = store.file_record(parsed.path)
        replace: list[int] = []
        if previous and previous.report_id is not None and previous.status == "indexed":
            replace.append(previous.report_id)  # the file changed: its old report goes
        same_content = store.report_by_sha(parsed.sha)
        if same_content is not None and same_content.id not in replace:
            _duplicate(store, parsed, same_content.id, same_content.source, summary)
            return
        twin = store.report_by_dedupe_key(key)
        if twin is not None and twin.id not in replace:
            if _rank(parsed.path) >= _rank(twin.source):
                _duplicate(store, parsed, twin.id, twin.source, summary)
                return
            replace.append(twin.id)  # the better format wins; the old file becomes a duplicate
        tokenizer.add_words(report_vocabulary(report))
        chunks = build_chunks(report)
        terms = [tokenizer.terms(c.index_text) for c in chunks]
        self.pending.append(_Pending(parsed, chunks, terms, replace))
        self.by_sha[parsed.sha] = parsed.path
        self.by_key[key] = parsed.path

    def flush(self) -> int:
        """Embed every pending chunk in one call, then commit report by report."""
        if not self.pending and not self.twins:
            return 0
        texts = [c.embed_text for p in self.pending for c in p.chunks]
        vectors = (
            self.embedder.embed_passages(texts)
            if texts
            else np.zeros((0, self.embedder.dim), dtype=np.float32)
        )
        offset = 0
        committed = 0
        for item in self.pending:
            count = len(item.chunks)
            self._commit(item, vectors[offset : offset + count])
            offset += count
            committed += count
        for parsed, kept in self.twins:
            record = self.store.file_record(kept)
            report_id = record.report_id if record else None
            if report_id is not None:
                _duplicate(self.store, parsed, report_id, kept, self.summary)
        self.pending, self.twins = [], []
        self.by_sha, self.by_key = {}, {}
        self.summary.chunks += committed
        return committed

    def _commit(self, item: _Pending, vectors: np.ndarray) -> None:
        store, parsed = self.store, item.parsed
        assert parsed.report is not None  # only parsed reports are queued
        stored = store.store_original(Path(parsed.path), parsed.sha)
        replaced_sources = [r.source for r in (store.report(i) for i in item.replace) if r]
        report_id = store.add_report(
            parsed.report,
            item.chunks,
            vectors,
            sha=parsed.sha,
            file_path=parsed.path,
            size=parsed.size,
            stored_file=stored,
            replace_ids=item.replace,
            chunk_terms=item.terms,
        )
        for source in replaced_sources:
            if source != parsed.path:
                old = store.file_record(source)
                if old is not None:
                    store.record_file(source, old.sha256, old.size, "duplicate", report_id, None)
                    self.summary.duplicates.append((source, parsed.path))
        self.summary.indexed.append(parsed.path)


def _duplicate(
    store: Store, parsed: _Parsed, report_id: int, kept: str, summary: IngestSummary
) -> None:
    store.record_file(parsed.path, parsed.sha, parsed.size, "duplicate", report_id, None)
    summary.duplicates.append((parsed.path, kept))


def _rank(path: str) -> int:
    return FORMAT_PRIORITY.get(Path(path).suffix.lower(), 9)
