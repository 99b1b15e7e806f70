"""Word (.docx) reports with python-docx: paragraphs and tables in document order.

Merged cells become the text-layout convention every reader shares: the text sits in the first
grid position, positions covered by a horizontal span or a vertical merge are empty strings.
Page numbers are known only when the file records rendered page breaks (Word and LibreOffice
save them); otherwise they are None.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ..errors import EmptyDocument, EncryptedDocument, ParseError, UnsupportedFormat
from ..models import Block, RawDocument
from .textutil import clean_cell, clean_text, is_blank

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTED_STREAM = "EncryptedPackage".encode("utf-16-le")


def read_docx(path: Path) -> RawDocument:
    """Read a DOCX into blocks."""
    _check_container(path)
    import docx

    try:
        document = docx.Document(str(path))
    except Exception as exc:  # python-docx raises KeyError, ValueError, lxml errors…
        raise ParseError(path, f"DOCX 文件已损坏或不完整（{type(exc).__name__}）") from exc
    walker = _Walker()
    blocks = list(walker.walk(document.element.body))
    if not any(b.text or b.rows for b in blocks):
        raise EmptyDocument(path, "文档中没有文字")
    pages = walker.page if walker.saw_page_break else None
    if pages is None:
        blocks = [Block(b.kind, b.text, b.rows) for b in blocks]
    return RawDocument(source=str(path), format="docx", blocks=tuple(blocks), pages=pages)


def _check_container(path: Path) -> None:
    """Tell encrypted and legacy Word files from corrupt ones before python-docx sees them."""
    with path.open("rb") as fh:
        head = fh.read(8)
        if head == _OLE_MAGIC:
            data = fh.read(4 << 20)
            if _ENCRYPTED_STREAM in data:
                raise EncryptedDocument(path, "DOCX 已加密，需要密码才能读取")
            raise UnsupportedFormat(path, "这是旧版 Word（.doc）文件，请另存为 DOCX 后再导入")
    if not zipfile.is_zipfile(path):
        raise ParseError(path, "不是有效的 DOCX 文件（不是 ZIP 容器）")
    try:
        with zipfile.ZipFile(path) as zf:
            if "word/document.xml" not in zf.namelist():
                raise ParseError(path, "不是有效的 DOCX 文件（缺少 word/document.xml）")
            bad = zf.testzip()
            if bad is not None:
                raise ParseError(path, f"DOCX 文件已损坏（{bad} 校验失败）")
    except zipfile.BadZipFile as exc:
        raise ParseError(path, "DOCX 文件已损坏或不完整") from exc


class _Walker:
    """Walks the body XML in order, tracking rendered page breaks."""

    def __init__(self) -> None:
        self.page = 1
        self.saw_page_break = False

    def walk(self, body: Any) -> Iterator[Block]:
        for child in body.iterchildren():
            tag = child.tag
            if tag == f"{_W}p":
                start = self.page
                text = self._paragraph_text(child)
                if not is_blank(text):
                    yield Block("para", text=clean_text(text), page_start=start, page_end=self.page)
            elif tag == f"{_W}tbl":
                start = self.page
                rows = self._table_rows(child)
                if rows:
                    yield Block("table", rows=rows, page_start=start, page_end=self.page)
            elif tag == f"{_W}sdt":
                content = child.find(f"{_W}sdtContent")
                if content is not None:
                    yield from self.walk(content)

    def _paragraph_text(self, p: Any) -> str:
        parts: list[str] = []
        for node in p.iter():
            tag = node.tag
            if tag == f"{_W}t":
                parts.append(node.text or "")
            elif tag == f"{_W}tab":
                parts.append("\t")
            elif tag in (f"{_W}br", f"{_W}cr"):
                if node.get(f"{_W}type") == "page":
                    self._page_break()
                else:
                    parts.append("\n")
            elif tag == f"{_W}lastRenderedPageBreak":
                self._page_break()
        return "".join(parts)

    def _page_break(self) -> None:
        self.page += 1
        self.saw_page_break = True

    def _table_rows(self, tbl: Any) -> tuple[tuple[str, ...], ...]:
        rows: list[tuple[str, ...]] = []
        for tr in tbl.iterchildren(f"{_W}tr"):
            cells: list[str] = []
            for tc in tr.iterchildren(f"{_W}tc"):
                span, continued = _cell_layout(tc)
                text = "" if continued else self._cell_text(tc)
                cells.append(text)
                cells.extend([""] * (span - 1))
            if any(cells):
                rows.append(tuple(cells))
        return tuple(rows)

    def _cell_text(self, tc: Any) -> str:
        paragraphs = [self._paragraph_text(p) for p in tc.iter(f"{_W}p")]
        return clean_cell("\n".join(paragraphs))


def _cell_layout(tc: Any) -> tuple[int, bool]:
    """(grid columns spanned, whether this cell continues a vertical merge from above)."""
    props = tc.find(f"{_W}tcPr")
    if props is None:
        return 1, False
    span_el = props.find(f"{_W}gridSpan")
    span = int(span_el.get(f"{_W}val", "1")) if span_el is not None else 1
    merge_el = props.find(f"{_W}vMerge")
    continued = merge_el is not None and merge_el.get(f"{_W}val", "continue") == "continue"
    return max(span, 1), continued
