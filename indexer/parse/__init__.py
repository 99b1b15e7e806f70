"""Report parsing: one reader per format into blocks, one structure builder into a ``Report``."""

from __future__ import annotations

from pathlib import Path

from ..errors import EmptyDocument, InputError, UnsupportedFormat
from ..models import RawDocument, Report
from .structure import build_report

SUPPORTED_SUFFIXES = (".pdf", ".docx", ".txt")


def read_document(path: Path) -> RawDocument:
    """Read ``path`` with the reader for its format (by extension, checked against content)."""
    path = Path(path)
    if not path.exists():
        raise InputError(path, "文件不存在")
    if path.is_dir():
        raise InputError(path, "是目录，不是文件")
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise UnsupportedFormat(
            path, f"不支持的文件类型 “{suffix or '无扩展名'}”（支持 PDF、DOCX、TXT）"
        )
    if path.stat().st_size == 0:
        raise EmptyDocument(path, "文件为空")
    if suffix == ".pdf":
        from .pdf import read_pdf

        return read_pdf(path)
    if suffix == ".docx":
        from .docx import read_docx

        return read_docx(path)
    from .text import read_text

    return read_text(path)


def parse_file(path: Path) -> Report:
    """Parse one report file. Raises an ``InputError`` subclass naming the file on bad input."""
    raw = read_document(Path(path))
    report = build_report(raw)
    if not report.sections and not report.tables:
        raise EmptyDocument(path, "没有可识别的正文或表格")
    return report


__all__ = ["SUPPORTED_SUFFIXES", "build_report", "parse_file", "read_document"]
