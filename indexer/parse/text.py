"""Plain-text reports (UTF-8, GBK/GB18030) with either tab layout of the seed extracts.

Two table layouts occur in text extracts of these reports:

* positional rows: one table row per line, cells separated by tabs, empty cells standing for
  merged neighbours (``经费控制情况（万元）\\t2022 年决算数\\t\\t2023 年预算数``);
* cell lines: every cell starts a line with one leading tab, a cell's wrapped text continues on
  untabbed lines, and rows are separated by blank lines (which can also occur inside a cell).
"""

from __future__ import annotations

import re
from pathlib import Path

from ..errors import EmptyDocument, EncodingError
from ..models import Block, RawDocument
from .textutil import clean_cell, clean_text, is_blank

_BULLET = re.compile(r"^\s*[-•·●▪]\s+")
_CAPTION_LIKE = re.compile(r"(表|附件\s*\d*)\s*$|^附件")


def decode(data: bytes, path: Path | str) -> str:
    """Decode report bytes: UTF-8 (with or without BOM), UTF-16 with BOM, else GB18030.

    GB18030 is a superset of GBK and GB2312 and decodes almost any byte string, so UTF-8 is
    tried first and kept when only a few bytes are bad (a file cut inside its last character);
    a GB18030 reading must look like text. Anything else is refused rather than shown as
    mojibake.
    """
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError:
            text = ""
        if text and _looks_like_text(text):
            return text
        raise EncodingError(path, "UTF-16 文本已损坏")
    text = data.decode("utf-8", errors="replace")
    if text.count("\ufffd") <= max(1, len(text) // 1000) and _looks_like_text(text):
        return text.replace("\ufffd", "")
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError:
        text = ""
    if text and _looks_like_text(text) and _mostly_common_chars(text):
        return text
    raise EncodingError(path, "不是可识别的文本编码（支持 UTF-8、GBK/GB18030）")


def _mostly_common_chars(text: str) -> bool:
    """Real Chinese text is ASCII, common ideographs and CJK punctuation, not rare planes."""
    sample = text[:20000]
    ranges = ((0, 0x24F), (0x2000, 0x22FF), (0x3000, 0x303F), (0x4E00, 0x9FFF), (0xFF00, 0xFFEF))
    common = sum(1 for ch in sample if any(lo <= ord(ch) <= hi for lo, hi in ranges))
    return common / max(len(sample), 1) > 0.97


def _looks_like_text(text: str) -> bool:
    if "\x00" in text:
        return False
    sample = text[:20000]
    if not sample:
        return True
    bad = sum(
        1 for ch in sample if (ord(ch) < 32 and ch not in "\t\r\n\f") or 0xE000 <= ord(ch) <= 0xF8FF
    )
    return bad / len(sample) < 0.01


def read_text(path: Path) -> RawDocument:
    """Read a text report into blocks (paragraph lines and table grids)."""
    data = path.read_bytes()
    if not data.strip():
        raise EmptyDocument(path, "文件为空")
    text = decode(data, path)
    blocks = text_to_blocks(text)
    if not any(b.text or b.rows for b in blocks):
        raise EmptyDocument(path, "文件中没有文字")
    return RawDocument(source=str(path), format="txt", blocks=tuple(blocks), pages=None)


def text_to_blocks(text: str) -> list[Block]:
    lines = text.replace("\r\n", "\n").replace("\r", "\n").replace("\f", "\n").split("\n")
    blocks: list[Block] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        if _is_positional_row(line):
            j = i
            while j < len(lines) and _is_positional_row(lines[j]):
                j += 1
            blocks.append(_table_block(_positional_grid(lines[i:j])))
            i = j
        elif _is_cell_line(line):
            j = _cell_table_end(lines, i)
            blocks.append(_table_block(_cell_line_grid(lines[i:j])))
            i = j
        else:
            para = _BULLET.sub("", line)
            if not is_blank(para):
                blocks.append(Block("para", text=clean_text(para)))
            i += 1
    return [b for b in blocks if b.kind == "para" or b.rows]


def _table_block(grid: list[list[str]]) -> Block:
    rows = tuple(tuple(clean_cell(c) for c in row) for row in grid)
    rows = tuple(r for r in rows if any(r))
    return Block("table", rows=rows)


# --- positional rows -----------------------------------------------------------------------


def _is_positional_row(line: str) -> bool:
    """A tab inside the line (not only the leading one) marks a positional table row."""
    return "\t" in line.lstrip("\t") or line.count("\t") >= 2


def _positional_grid(lines: list[str]) -> list[list[str]]:
    return [line.split("\t") for line in lines]


# --- cell lines -----------------------------------------------------------------------------


def _is_cell_line(line: str) -> bool:
    return line.startswith("\t") and line.count("\t") == 1


def _cell_table_end(lines: list[str], start: int) -> int:
    """Index just past the cell-line table starting at ``start``.

    An untabbed line belongs to the table (a wrapped cell) when it sits at most one blank line
    after a cell and the table resumes within one blank line after it; captions, notes and
    ``附件`` lines never do.
    """
    i = start
    last_table_line = start
    while i < len(lines):
        line = lines[i]
        if _is_cell_line(line):
            last_table_line = i
            i += 1
            continue
        if is_blank(line):  # a truly empty line; a tab-only line is an empty cell
            i += 1
            continue
        gap_before = i - last_table_line - 1
        nxt = i + 1
        while nxt < len(lines) and not _is_cell_line(lines[nxt]) and is_blank(lines[nxt]):
            nxt += 1
        gap_after = nxt - i - 1
        resumes = nxt < len(lines) and _is_cell_line(lines[nxt])
        if (
            gap_before <= 1
            and ((resumes and gap_after <= 1) or gap_before == 0)
            and not _CAPTION_LIKE.search(line.strip())
            and len(line.strip()) <= 40
        ):
            last_table_line = i
            i += 1
            continue
        break
    return last_table_line + 1


def _cell_line_grid(lines: list[str]) -> list[list[str]]:
    """Cells from tabbed lines (plus their continuations), rows from blank-line segments,
    segments re-joined where one row was broken by a blank line inside a cell."""
    segments: list[list[list[str]]] = []  # segment -> cells -> lines
    current: list[list[str]] = []
    pending_blank = False
    for line in lines:
        if not _is_cell_line(line) and is_blank(line):
            pending_blank = True
            continue
        if _is_cell_line(line):
            if pending_blank and current:
                segments.append(current)
                current = []
            current.append([line[1:]])
        elif current:
            current[-1].append(line)
        pending_blank = False
    if current:
        segments.append(current)
    rows = [["\n".join(cell) for cell in seg] for seg in segments]
    return _merge_broken_rows(rows)


def _merge_broken_rows(rows: list[list[str]]) -> list[list[str]]:
    """Join two adjacent short segments whose cell counts add up to a neighbour's width.

    A blank line inside a cell (``产出指标`` ⏎⏎ ``(40分)``) or after a vertically written header
    (``绩/效/指/标``) splits one row in two; the full rows around it tell the true width.
    """
    merged = [list(r) for r in rows]
    i = 0
    while i + 1 < len(merged):
        a, b = len(merged[i]), len(merged[i + 1])
        neighbours = []
        if i > 0:
            neighbours.append(len(merged[i - 1]))
        if i + 2 < len(merged):
            neighbours.append(len(merged[i + 2]))
        if any(a + b == w and a < w and b < w for w in neighbours):
            merged[i] = merged[i] + merged[i + 1]
            del merged[i + 1]
            continue
        i += 1
    return merged
