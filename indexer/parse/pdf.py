"""PDF reports with a text layer, read with pdfplumber.

Per page: ruled tables (by their lines), text lines outside them assembled into paragraphs by
geometry (a line that reaches the right edge continues on the next), running headers/footers
and page marks dropped. Across pages: a table that continues on the next page is merged, and a
row cut by the page break is re-joined.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import EmptyDocument, EncryptedDocument, ParseError
from ..models import Block, RawDocument
from .outline import ends_paragraph, is_page_mark, starts_new_paragraph
from .tables import to_number
from .textutil import clean_cell, clean_text, join_lines

_MARGIN = 0.09  # fraction of the page height where running headers and footers live
_DIGITS = re.compile(r"\d+")


@dataclass
class _Line:
    text: str
    x0: float
    x1: float
    top: float
    bottom: float


@dataclass
class _TablePart:
    rows: list[list[str]]
    col_x0: list[float]
    top: float
    bottom: float
    page: int
    page_end: int = 0
    row_pages: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.page_end = self.page_end or self.page
        self.row_pages = self.row_pages or [self.page] * len(self.rows)


@dataclass
class _Page:
    number: int
    height: float
    lines: list[_Line] = field(default_factory=list)
    tables: list[_TablePart] = field(default_factory=list)


def read_pdf(path: Path) -> RawDocument:
    """Read a PDF into blocks with page numbers."""
    with path.open("rb") as fh:
        head = fh.read(1024)
        fh.seek(max(path.stat().st_size - 4096, 0))
        tail = fh.read()
    if b"%PDF-" not in head:
        raise ParseError(path, "不是有效的 PDF 文件（缺少 %PDF 文件头）")
    if b"%%EOF" not in tail:
        raise ParseError(path, "PDF 文件不完整（缺少 %%EOF 结束标记，可能下载或复制中断）")
    pages = _read_pages(path)
    if not any(p.lines or p.tables for p in pages):
        raise EmptyDocument(path, "PDF 没有文字层（可能是扫描件，需要 OCR）")
    _drop_running_lines(pages)
    items: list[Block | _TablePart] = []
    for page in pages:
        items.extend(_page_items(page))
    return RawDocument(
        source=str(path), format="pdf", blocks=tuple(_merge_tables(items)), pages=len(pages)
    )


def _read_pages(path: Path) -> list[_Page]:
    import pdfplumber
    from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect

    try:
        pdf = pdfplumber.open(path)
    except Exception as exc:  # pdfminer raises many unrelated types for broken files
        cause = exc.__cause__ or exc.__context__ or exc
        if isinstance(exc, PDFPasswordIncorrect | PDFEncryptionError) or isinstance(
            cause, PDFPasswordIncorrect | PDFEncryptionError
        ):
            raise EncryptedDocument(path, "PDF 已加密，需要密码才能读取") from exc
        raise ParseError(path, f"PDF 文件已损坏或不完整（{type(cause).__name__}）") from exc
    pages: list[_Page] = []
    try:
        with pdf:
            for number, page in enumerate(pdf.pages, start=1):
                pages.append(_read_page(page, number))
    except EncryptedDocument:
        raise
    except Exception as exc:
        if isinstance(exc, PDFPasswordIncorrect | PDFEncryptionError):
            raise EncryptedDocument(path, "PDF 已加密，需要密码才能读取") from exc
        raise ParseError(path, f"PDF 文件已损坏或不完整（{type(exc).__name__}）") from exc
    return pages


def _read_page(page: Any, number: int) -> _Page:
    result = _Page(number=number, height=float(page.height))
    text_page = page
    for table in page.find_tables():
        grid = table.extract()
        rows = [[clean_cell(c or "") for c in row] for row in grid]
        rows = [r for r in rows if any(r)]
        if not rows:
            continue
        col_x0 = sorted({round(cell[0], 1) for cell in table.cells})
        _, top, _, bottom = table.bbox
        result.tables.append(_TablePart(rows, col_x0, float(top), float(bottom), number))
        text_page = text_page.outside_bbox(table.bbox, strict=False)
    for line in text_page.extract_text_lines(layout=False, strip=True, return_chars=False):
        text = clean_text(line["text"])
        if text:
            result.lines.append(
                _Line(
                    text,
                    float(line["x0"]),
                    float(line["x1"]),
                    float(line["top"]),
                    float(line["bottom"]),
                )
            )
    return result


def _drop_running_lines(pages: list[_Page]) -> None:
    """Remove page marks and lines repeated in the top or bottom margin of several pages."""

    def key(line: _Line) -> str:
        return _DIGITS.sub("#", line.text)

    def in_margin(line: _Line, page: _Page) -> bool:
        return line.top < page.height * _MARGIN or line.bottom > page.height * (1 - _MARGIN)

    seen: Counter[str] = Counter()
    for page in pages:
        seen.update({key(line) for line in page.lines if in_margin(line, page)})
    repeated = {k for k, n in seen.items() if n >= 2 and n >= len(pages) // 2}
    for page in pages:
        page.lines = [
            line
            for line in page.lines
            if not (in_margin(line, page) and (key(line) in repeated or is_page_mark(line.text)))
            and not is_page_mark(line.text)
        ]


def _page_items(page: _Page) -> list[Block | _TablePart]:
    """Paragraphs and tables of one page in reading (top-down) order."""
    items: list[tuple[float, Block | _TablePart]] = [(part.top, part) for part in page.tables]
    for top, text in _paragraphs(page.lines):
        items.append((top, Block("para", text=text, page_start=page.number, page_end=page.number)))
    items.sort(key=lambda item: item[0])
    return [item for _, item in items]


def _paragraphs(lines: list[_Line]) -> list[tuple[float, str]]:
    """Join lines into paragraphs: a line that reaches the right edge wraps onto the next one,
    unless the next is indented (a new paragraph) or far below."""
    if not lines:
        return []
    right = max(line.x1 for line in lines)
    left = min(line.x0 for line in lines)
    heights = sorted(line.bottom - line.top for line in lines)
    line_height = heights[len(heights) // 2] or 10.0
    paragraphs: list[tuple[float, list[str]]] = []
    prev: _Line | None = None
    for line in lines:
        # CJK wrapping moves a whole Latin word or number to the next line, leaving a gap.
        slack = 4.0 if line.text[:1].isascii() and line.text[:1].isalnum() else 1.5
        wraps = (
            prev is not None
            and prev.x1 >= right - slack * line_height
            and line.x0 <= left + 0.8 * line_height
            and line.top - prev.bottom < 1.2 * line_height
        )
        if wraps and paragraphs:
            current = join_lines(paragraphs[-1][1])
            # A full line that completes a sentence or a heading, followed by a numbered line,
            # is a paragraph end that happened to reach the margin.
            wraps = not (ends_paragraph(current) and starts_new_paragraph(line.text))
        if wraps and paragraphs:
            paragraphs[-1][1].append(line.text)
        else:
            paragraphs.append((line.top, [line.text]))
        prev = line
    return [(top, join_lines(parts)) for top, parts in paragraphs]


# --- tables across pages -------------------------------------------------------------------


def _merge_tables(items: list[Block | _TablePart]) -> list[Block]:
    """Merge a table that ends a page with the table that starts the next one."""
    out: list[Block | _TablePart] = []
    for item in items:
        prev = out[-1] if out else None
        if (
            isinstance(item, _TablePart)
            and isinstance(prev, _TablePart)
            and item.page == prev.page_end + 1
        ):
            merged = _merge_pair(prev, item)
            if merged is not None:
                out[-1] = merged
                continue
        out.append(item)
    return [
        Block(
            "table",
            rows=tuple(tuple(r) for r in x.rows),
            page_start=x.page,
            page_end=x.page_end,
            row_pages=tuple(x.row_pages),
        )
        if isinstance(x, _TablePart)
        else x
        for x in out
    ]


def _merge_pair(first: _TablePart, second: _TablePart) -> _TablePart | None:
    """One table from two page parts, on the union of both parts' column edges.

    A part whose rows all span some columns shows fewer column edges than the other, so both
    are re-indexed by the left edge of each column; a part whose edges do not line up with the
    other's at all is a different table.
    """
    union = _union_columns(first.col_x0, second.col_x0)
    if union is None:
        return None
    rows_a = [_remap(row, first.col_x0, union) for row in first.rows]
    rows_b = [_remap(row, second.col_x0, union) for row in second.rows]
    pages_b = list(second.row_pages)
    if rows_b and rows_b[0] == rows_a[0]:
        rows_b, pages_b = rows_b[1:], pages_b[1:]  # a header row repeated on the new page
    if rows_b and rows_a and _continues_row(rows_a[-1], rows_b[0]):
        rows_a[-1] = [_join_cells(a, b) for a, b in zip(rows_a[-1], rows_b[0], strict=True)]
        rows_b, pages_b = rows_b[1:], pages_b[1:]
    return _TablePart(
        row_pages=list(first.row_pages) + pages_b,
        rows=rows_a + rows_b,
        col_x0=union,
        top=first.top,
        bottom=second.bottom,
        page=first.page,
        page_end=second.page_end,
    )


_EDGE_TOLERANCE = 4.0


def _union_columns(cols_a: list[float], cols_b: list[float]) -> list[float] | None:
    """Sorted union of two parts' column left edges, or None when the parts do not line up
    (their outer edges differ, or fewer than half of the narrower part's edges are shared)."""
    if not cols_a or not cols_b or abs(cols_a[0] - cols_b[0]) > _EDGE_TOLERANCE:
        return None
    shared = sum(1 for x in cols_b if any(abs(x - y) <= _EDGE_TOLERANCE for y in cols_a))
    if shared < max(2, min(len(cols_a), len(cols_b)) // 2):
        return None
    union = list(cols_a)
    for x in cols_b:
        if all(abs(x - y) > _EDGE_TOLERANCE for y in union):
            union.append(x)
    return sorted(union)


def _remap(row: list[str], cols: list[float], union: list[float]) -> list[str]:
    out = [""] * len(union)
    for j, cell in enumerate(row):
        if j >= len(cols):
            break
        target = min(range(len(union)), key=lambda k: abs(union[k] - cols[j]))
        out[target] = _join_cells(out[target], cell)
    return out


def _continues_row(last: list[str], first: list[str]) -> bool:
    """Whether the first row on the new page is the rest of the row the page break cut.

    Only cells that already had text can continue, and a complete number never continues
    (numbers are short; a number under a number is a new row).
    """
    filled = [j for j, cell in enumerate(first) if cell]
    if not filled or len(filled) > len([c for c in last if c]):
        return False
    for j in filled:
        if not last[j]:
            return False
        if to_number(last[j]) is not None or to_number(first[j]) is not None:
            return False  # numbers are short and never wrap: a number starts a new row
        if first[j] in _PLACEHOLDERS or last[j] in _PLACEHOLDERS:
            return False  # ``/`` fills a whole cell: a row of them is complete
    return True


_PLACEHOLDERS = {"/", "／", "—", "——", "-", "--", "无", "\\"}


def _join_cells(a: str, b: str) -> str:
    return join_lines([a, b]) if a and b else a or b
