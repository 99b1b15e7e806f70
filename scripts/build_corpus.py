"""Build the test corpus from the two text seeds of real reports.

For each seed ``<name>.txt`` (default folder ``shared/seeds``) this writes

* ``corpus/<name>.txt``: the seed, verbatim;
* ``corpus/<name>.docx``: python-docx, tables as ruled Word tables with merged cells;
* ``corpus/<name>.pdf``: the DOCX converted by LibreOffice headless (A4 portrait);
* ``tests/data/<name>-reportlab.pdf``: an independent reportlab rendering (other page size,
  other font, running header and page-mark footer) whose 自评表 is cut inside a row by a page
  break;
* ``tests/data/<name>-gbk.txt``: the seed encoded in GB18030;

plus ``corpus/manifest.tsv`` and ``tests/data/README.md``. The seeds' page-number lines
(``— 7 —``, left over from the published PDFs) are not rendered as body text. Every output
is checked (DOCX grids read back against the seed grids, Chinese text layers, ruled tables,
the cut row) and the script stops with an error when a check fails. Run it as
``.venv/bin/python scripts/build_corpus.py``.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import re
import shutil
import subprocess
import tempfile
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import pdfplumber
from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Emu, Mm, Pt
from docx.table import Table as DocxTable
from docx.table import _Cell
from docx.text.paragraph import Paragraph as DocxParagraph
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY, TA_LEFT
from reportlab.lib.pagesizes import A5, B5, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    PageBreak,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from indexer.models import Block, Grid
from indexer.parse.text import read_text

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "corpus"
TEST_DATA = ROOT / "tests" / "data"


@dataclass(frozen=True)
class Seed:
    """One seed report and how the generated files describe it."""

    name: str
    unit: str
    pagesize: tuple[float, float]
    pagesize_label: str


SEEDS: tuple[Seed, ...] = (
    Seed("zhuzhou-weixiu-zijin-2023", "株洲市房屋维修资金管理中心", landscape(B5), "B5 landscape"),
    Seed("lusong-wuye-zhidao-2023", "株洲市芦淞区物业服务指导中心", A5, "A5 portrait"),
)

# Word names the CJK font; LibreOffice substitutes an installed one (AR PL UMing / WenQuanYi).
DOCX_CJK_FONT = "SimSun"
DOCX_TITLE_FONT = "SimHei"
DOCX_LATIN_FONT = "Times New Roman"
DOCX_PAGE_MM = (210, 297)  # A4 portrait
DOCX_MARGIN_MM = (25, 20)  # top/bottom, left/right
# Fixed timestamps keep the DOCX byte-identical between runs.
FIXED_TIME = dt.datetime(2024, 4, 20, 9, 0, 0, tzinfo=dt.UTC)
ZIP_TIME = (2024, 4, 20, 9, 0, 0)

# LibreOffice falls back to WenQuanYi Zen Hei for SimSun/SimHei, so reportlab uses the other
# installed CJK face: AR PL UMing CN (a Ming/Song style), subfont 0 of the collection.
RL_FONT = "ARPLUMingCN"
RL_FONT_FILE = Path("/usr/share/fonts/truetype/arphic/uming.ttc")
RL_CELL_LEADING = 11.0
RL_CELL_PAD_TOP = 2.5
RL_CELL_PAD_BOTTOM = 3.5

_HEADING1 = re.compile(r"^[一二三四五六七八九十]+、")
_HEADING2 = re.compile(r"^（[一二三四五六七八九十]+）")
_ATTACHMENT = re.compile(r"^附件\s*\d+$")
_PAGE_MARK = re.compile(r"^[—–-]+\s*\d+\s*[—–-]+$")
_DATE = re.compile(r"^\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日$")
_NOTE = re.compile(r"^(说明|填表人)")
_WS = re.compile(r"\s+")

Role = Literal[
    "title", "cover", "heading1", "heading2", "caption", "attachment", "note", "pagemark", "body"
]
VMerge = Literal["restart", "continue"] | None


# --- paragraph roles ------------------------------------------------------------------------


@dataclass(frozen=True)
class ParaPlan:
    """A paragraph block with the role that decides its formatting."""

    text: str
    role: Role
    page_break_before: bool


def plan_paragraphs(blocks: Sequence[Block]) -> dict[int, ParaPlan]:
    """Roles for every paragraph block, keyed by block index.

    Front matter (before the first ``一、`` heading) is the title page; a repeat of the first
    title line starts the body on a new page (Zhuzhou has a cover). Up to two short lines right
    above a table are its caption, and an ``附件N`` line above them opens the attachment.
    """
    captions, attachments = _caption_indices(blocks)
    first_heading = next(
        (i for i, b in enumerate(blocks) if b.kind == "para" and _HEADING1.match(b.text)),
        len(blocks),
    )
    first_text = blocks[0].text if blocks and blocks[0].kind == "para" else ""
    plans: dict[int, ParaPlan] = {}
    for i, block in enumerate(blocks):
        if block.kind != "para":
            continue
        text = block.text
        repeat_title = 0 < i < first_heading and text == first_text
        role = _para_role(text, i < first_heading, i in captions, i in attachments)
        plans[i] = ParaPlan(text, role, page_break_before=repeat_title)
    return plans


def _caption_indices(blocks: Sequence[Block]) -> tuple[set[int], set[int]]:
    """Indices of caption lines and of ``附件N`` lines that head a table."""
    captions: set[int] = set()
    attachments: set[int] = set()
    for t, block in enumerate(blocks):
        if block.kind != "table":
            continue
        i = t - 1
        while i >= 0 and t - i <= 2 and _is_caption_line(blocks[i]):
            captions.add(i)
            i -= 1
        if i >= 0 and blocks[i].kind == "para" and _ATTACHMENT.match(blocks[i].text):
            attachments.add(i)
    return captions, attachments


def _is_caption_line(block: Block) -> bool:
    """Short, unpunctuated lines directly above a table; notes and 附件 lines are not."""
    text = block.text
    return (
        block.kind == "para"
        and len(text) <= 40
        and not text.endswith(("。", "；", "："))
        and not _ATTACHMENT.match(text)
        and not _NOTE.match(text)
    )


def _para_role(text: str, front: bool, caption: bool, attachment: bool) -> Role:
    """Formatting role of one paragraph line."""
    if front:
        return "cover" if "：" in text or _DATE.match(text) else "title"
    if caption:
        return "caption"
    if attachment:
        return "attachment"
    if _PAGE_MARK.match(text):
        return "pagemark"
    if _NOTE.match(text):
        return "note"
    if _HEADING1.match(text) and len(text) <= 40:
        return "heading1"
    if _HEADING2.match(text) and len(text) <= 30:
        return "heading2"
    return "body"


def caption_group_starts(blocks: Sequence[Block], plans: dict[int, ParaPlan]) -> dict[int, int]:
    """For each table block, the index of the first line of its caption group."""
    starts: dict[int, int] = {}
    for t, block in enumerate(blocks):
        if block.kind != "table":
            continue
        i = t
        while i - 1 in plans and plans[i - 1].role in ("caption", "attachment"):
            i -= 1
            if plans[i].role == "attachment":
                break
        starts[t] = i
    return starts


# --- table plans ----------------------------------------------------------------------------


@dataclass(frozen=True)
class CellPlan:
    """One Word/reportlab cell: grid position, horizontal span, vertical merge state."""

    row: int
    start: int
    span: int
    text: str
    vmerge: VMerge = None


@dataclass(frozen=True)
class TablePlan:
    """A seed grid laid out as cells on a ``width``-column grid."""

    width: int
    rows: tuple[tuple[CellPlan, ...], ...]
    source: Grid

    def weights(self) -> list[float]:
        """Relative column widths from the lengths of short single-column cells.

        Long texts are left out: they wrap, and counting them would starve the other columns.
        """
        chars = [3] * self.width
        for row in self.rows:
            for cell in row:
                if cell.span == 1 and 0 < len(cell.text) <= 30:
                    chars[cell.start] = max(chars[cell.start], min(len(cell.text), 8))
        return [c + 1.5 for c in chars]


def plan_table(grid: Grid) -> TablePlan:
    """Lay a seed grid out on real cells, with merges where the grid implies them."""
    width = max(len(r) for r in grid)
    header, block_end, level_cols = _indicator_block(grid, width)
    layouts: list[list[tuple[int, int]]] = []
    for r, row in enumerate(grid):
        prev = layouts[-1] if layouts else None
        nxt = grid[r + 1] if r + 1 < len(grid) else None
        in_block = header is not None and header <= r < block_end
        layouts.append(_row_layout(row, width, prev, nxt, in_block))
    rows: list[list[CellPlan]] = []
    for r, (row, layout) in enumerate(zip(grid, layouts, strict=True)):
        cells = []
        for start, span in layout:
            text = row[start] if start < len(row) else ""
            if len(row) == width:
                assert not any(row[start + 1 : start + span]), "a span covers text"
            cells.append(CellPlan(r, start, span, text))
        rows.append(cells)
    vertical_cols = {r: [0] for r in range(len(grid))}
    if header is not None:
        for r in range(header + 2, block_end):
            vertical_cols[r] = [0, *level_cols]
    _apply_vertical_merges(rows, vertical_cols)
    return TablePlan(width, tuple(tuple(r) for r in rows), grid)


def _indicator_block(grid: Grid, width: int) -> tuple[int | None, int, list[int]]:
    """The 绩效指标 header row, the end of the rows below it (blank first column), and the
    columns of the 一级指标 and 二级指标 values."""
    for h, row in enumerate(grid):
        if "一级指标" in row and "二级指标" in row:
            end = h + 1
            while end < len(grid) and len(grid[end]) == width and not grid[end][0]:
                end += 1
            return h, end, [row.index("一级指标"), row.index("二级指标")]
    return None, len(grid), []


def _row_layout(
    row: tuple[str, ...],
    width: int,
    prev: list[tuple[int, int]] | None,
    nxt: tuple[str, ...] | None,
    in_indicator_block: bool,
) -> list[tuple[int, int]]:
    """(start, span) of the cells of one row.

    A short row keeps its cells in place and lets the last one span the rest. In a full row a
    label absorbs the empty cells after it (``编制数`` + ``""``); a row with at most one value
    (``.....``, ``公用经费``) keeps the layout of the row above, so value columns stay aligned.
    A first-column label above a blank first cell stays one column wide so it can merge down.
    """
    if len(row) < width:
        return [(i, 1) for i in range(len(row) - 1)] + [(len(row) - 1, width - len(row) + 1)]
    if in_indicator_block:
        return [(i, 1) for i in range(width)]
    filled = [i for i, c in enumerate(row) if c]
    if len(filled) <= 1 and prev is not None and set(filled) <= {s for s, _ in prev}:
        return list(prev)
    starts = {0, *filled}
    if row[0] and nxt is not None and not nxt[0] and width > 1:
        starts.add(1)
    ordered = sorted(starts)
    ends = [*ordered[1:], width]
    return [(s, e - s) for s, e in zip(ordered, ends, strict=True)]


def _apply_vertical_merges(rows: list[list[CellPlan]], columns: dict[int, list[int]]) -> None:
    """Merge a blank cell into the same-shaped cell above it, in the given columns."""
    for r in range(1, len(rows)):
        for c in columns[r]:
            below = _cell_at(rows[r], c)
            above = _cell_at(rows[r - 1], c)
            if below is None or above is None or below.text or below.span != above.span:
                continue
            if not above.text and above.vmerge != "continue":
                continue
            if above.vmerge is None:
                _replace(rows[r - 1], above, "restart")
            _replace(rows[r], below, "continue")


def _cell_at(row: list[CellPlan], start: int) -> CellPlan | None:
    """The cell of ``row`` that starts at grid column ``start``, if any."""
    return next((c for c in row if c.start == start), None)


def _replace(row: list[CellPlan], cell: CellPlan, vmerge: VMerge) -> None:
    """Swap ``cell`` in ``row`` for a copy with the given vertical merge state."""
    row[row.index(cell)] = CellPlan(cell.row, cell.start, cell.span, cell.text, vmerge)


# --- DOCX -----------------------------------------------------------------------------------


_DOCX_SIZES: dict[Role, float] = {
    "title": 18,
    "cover": 14,
    "heading1": 14,
    "heading2": 12,
    "caption": 14,
    "attachment": 12,
    "note": 10.5,
    "pagemark": 12,
    "body": 12,
}


def build_docx(blocks: Sequence[Block], title: str) -> bytes:
    """The report as a Word document: A4, SimSun, ruled tables with merged cells."""
    doc = Document()
    _setup_docx(doc, title)
    plans = plan_paragraphs(blocks)
    group_starts = set(caption_group_starts(blocks, plans).values())
    text_width = Mm(DOCX_PAGE_MM[0] - 2 * DOCX_MARGIN_MM[1])
    for i, block in enumerate(blocks):
        if block.kind == "table":
            _add_docx_table(doc, plan_table(block.rows), text_width)
            if i == len(blocks) - 1:
                doc.add_paragraph()  # a document cannot end with a table
            continue
        plan = plans[i]
        if plan.role == "pagemark":
            continue  # the source PDF's page number, not part of the text
        para = doc.add_paragraph()
        if plan.page_break_before or (i in group_starts and i > 0):
            para.paragraph_format.page_break_before = True
        _format_docx_paragraph(para, plan)
    return _normalise_zip(_docx_bytes(doc))


def _setup_docx(doc: Any, title: str) -> None:
    """A4 portrait margins, default CJK font and zh-CN language, fixed core properties."""
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(DOCX_PAGE_MM[0]), Mm(DOCX_PAGE_MM[1])
    section.top_margin = section.bottom_margin = Mm(DOCX_MARGIN_MM[0])
    section.left_margin = section.right_margin = Mm(DOCX_MARGIN_MM[1])
    normal = doc.styles["Normal"]
    normal.font.size = Pt(12)
    _set_fonts(normal.element.get_or_add_rPr(), DOCX_CJK_FONT)
    lang = OxmlElement("w:lang")
    lang.set(qn("w:val"), "en-US")
    lang.set(qn("w:eastAsia"), "zh-CN")
    normal.element.get_or_add_rPr().append(lang)
    normal.paragraph_format.space_after = Pt(0)
    props = doc.core_properties
    props.title = title
    props.author = "jixiao-kb scripts/build_corpus.py"
    props.last_modified_by = props.author
    props.comments = "Generated from a text extract of the published report."
    props.created = props.modified = props.last_printed = FIXED_TIME
    props.revision = 1


def _set_fonts(rpr: Any, east_asia: str) -> None:
    """Latin and East Asian font names on a run or style (w:rFonts)."""
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    fonts.set(qn("w:ascii"), DOCX_LATIN_FONT)
    fonts.set(qn("w:hAnsi"), DOCX_LATIN_FONT)
    fonts.set(qn("w:eastAsia"), east_asia)


def _format_docx_paragraph(para: DocxParagraph, plan: ParaPlan) -> None:
    """Alignment, indent, size and weight for one paragraph role."""
    fmt = para.paragraph_format
    role = plan.role
    if role in ("title", "cover", "caption", "pagemark"):
        para.alignment = WD_ALIGN_PARAGRAPH.CENTER
    else:
        para.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    if role == "body":
        fmt.first_line_indent = Pt(24)
    fmt.line_spacing = 1.35
    if role in ("title", "heading1", "caption"):
        fmt.space_before = Pt(6)
        fmt.space_after = Pt(6)
    if role == "cover":
        fmt.space_before = Pt(18)
    run = para.add_run(plan.text)
    run.font.size = Pt(_DOCX_SIZES[role])
    run.bold = role in ("title", "heading1", "heading2", "caption")
    heading_font = role in ("title", "heading1", "caption")
    _set_fonts(run._r.get_or_add_rPr(), DOCX_TITLE_FONT if heading_font else DOCX_CJK_FONT)


def _add_docx_table(doc: Any, plan: TablePlan, text_width: int) -> None:
    """A Table Grid table with gridSpan/vMerge cells following ``plan``."""
    table: DocxTable = doc.add_table(rows=len(plan.rows), cols=plan.width)
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    weights = plan.weights()
    widths = [int(text_width * w / sum(weights)) for w in weights]
    for col, w in zip(table.columns, widths, strict=True):
        col.width = Emu(w)
    for tr, cells in zip(table._tbl.tr_lst, plan.rows, strict=True):
        tcs = list(tr.tc_lst)
        for cell in cells:
            tc = tcs[cell.start]
            for covered in tcs[cell.start + 1 : cell.start + cell.span]:
                tr.remove(covered)
            if cell.span > 1:
                tc.grid_span = cell.span
            if cell.vmerge is not None:
                tc.vMerge = cell.vmerge
            tc.width = Emu(sum(widths[cell.start : cell.start + cell.span]))
            _fill_docx_cell(_Cell(tc, table), cell.text)


def _fill_docx_cell(cell: _Cell, text: str) -> None:
    """Cell text in 9 pt SimSun; short labels centred, long text justified."""
    cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
    para = cell.paragraphs[0]
    para.alignment = WD_ALIGN_PARAGRAPH.CENTER if len(text) <= 16 else WD_ALIGN_PARAGRAPH.JUSTIFY
    if not text:
        return
    run = para.add_run(text)
    run.font.size = Pt(9)
    _set_fonts(run._r.get_or_add_rPr(), DOCX_CJK_FONT)


def _docx_bytes(doc: Any) -> bytes:
    """The saved package, in memory."""
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def _normalise_zip(data: bytes) -> bytes:
    """Rewrite the package with fixed member timestamps so reruns give identical bytes."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as zin, zipfile.ZipFile(out, "w") as zout:
        for info in zin.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=ZIP_TIME)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o644 << 16
            zout.writestr(fixed, zin.read(info.filename))
    return out.getvalue()


def read_docx_grids(path: Path) -> list[list[list[str]]]:
    """Table grids of a DOCX with a merged cell's text in its first grid position only."""
    doc = Document(str(path))
    grids = []
    for table in doc.tables:
        grid = []
        for tr in table._tbl.tr_lst:
            row: list[str] = []
            for tc in tr.tc_lst:
                text = "" if tc.vMerge == "continue" else _Cell(tc, table).text
                row.extend([text] + [""] * (tc.grid_span - 1))
            grid.append(row)
        grids.append(grid)
    return grids


def check_docx(path: Path, blocks: Sequence[Block]) -> None:
    """Every DOCX row, read back, has the non-empty cells of its seed row, in order."""
    tables = [b.rows for b in blocks if b.kind == "table"]
    grids = read_docx_grids(path)
    if len(grids) != len(tables):
        raise SystemExit(f"{path}: {len(grids)} tables, expected {len(tables)}")
    for t, (grid, rows) in enumerate(zip(grids, tables, strict=True)):
        width = max(len(r) for r in rows)
        if len(grid) != len(rows):
            raise SystemExit(f"{path}: table {t} has {len(grid)} rows, expected {len(rows)}")
        for r, (got, want) in enumerate(zip(grid, rows, strict=True)):
            if len(got) != width or [c for c in got if c] != [c for c in want if c]:
                raise SystemExit(f"{path}: table {t} row {r} reads back as {got}, seed {want}")


# --- LibreOffice ----------------------------------------------------------------------------


def convert_with_libreoffice(docx: Path, pdf: Path) -> None:
    """DOCX → PDF with a throwaway LibreOffice profile (no clash with a running instance)."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        raise SystemExit("LibreOffice (soffice) is not installed")
    with tempfile.TemporaryDirectory(prefix="build-corpus-lo-") as tmp:
        profile = Path(tmp, "profile").as_uri()
        outdir = Path(tmp, "out")
        subprocess.run(
            [
                soffice,
                f"-env:UserInstallation={profile}",
                "--headless",
                "--norestore",
                "--convert-to",
                "pdf",
                "--outdir",
                str(outdir),
                str(docx),
            ],
            check=True,
            capture_output=True,
            timeout=300,
        )
        shutil.copyfile(outdir / f"{docx.stem}.pdf", pdf)


# --- reportlab ------------------------------------------------------------------------------


class _Probe(Flowable):
    """Zero-size flowable recording the page and the frame height left where it lands."""

    def __init__(self) -> None:
        super().__init__()
        self._offered = 0.0
        self.avail: float | None = None
        self.page: int | None = None

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        self._offered = availHeight
        return 0.0, 0.0

    def draw(self) -> None:
        self.avail = self._offered
        self.page = self.canv.getPageNumber()


@dataclass(frozen=True)
class RlStyles:
    """Paragraph styles of the reportlab rendering, by role."""

    roles: dict[Role, ParagraphStyle]
    cell: ParagraphStyle
    cell_centre: ParagraphStyle


def _rl_styles() -> RlStyles:
    """One Ming-style font at several sizes (no bold face); CJK wrapping everywhere."""
    base = ParagraphStyle("base", fontName=RL_FONT, fontSize=10.5, leading=16, wordWrap="CJK")

    def style(name: str, **kw: Any) -> ParagraphStyle:
        return ParagraphStyle(name, parent=base, **kw)

    roles: dict[Role, ParagraphStyle] = {
        "title": style("title", fontSize=16, leading=24, alignment=TA_CENTER, spaceAfter=6),
        "cover": style("cover", fontSize=13, leading=20, alignment=TA_CENTER, spaceBefore=14),
        "heading1": style("h1", fontSize=12.5, leading=20, spaceBefore=6, spaceAfter=2),
        "heading2": style("h2", fontSize=11.5, leading=18),
        "caption": style("caption", fontSize=12.5, leading=19, alignment=TA_CENTER),
        "attachment": style("attachment", fontSize=11, leading=18, spaceBefore=10),
        "note": style("note", fontSize=9, leading=13),
        "pagemark": style("pagemark", alignment=TA_CENTER),
        "body": style("body", firstLineIndent=21, alignment=TA_JUSTIFY),
    }
    cell = style("cell", fontSize=8.5, leading=RL_CELL_LEADING, alignment=TA_LEFT)
    cell_centre = ParagraphStyle("cell_centre", parent=cell, alignment=TA_CENTER)
    return RlStyles(roles, cell, cell_centre)


class _SpanAwareTable(Table):
    """A reportlab Table whose in-row split respects horizontal spans.

    ``Table._splitRows`` measures and splits each cell of the cut row at its own column width,
    so a cell spanning several columns gets re-wrapped far too narrow (and drawn over its
    neighbours). Cells carry their true width in ``span_width`` (CellStyle.copy keeps public
    attributes), and the measuring and splitting hooks use it.
    """

    def _listCellGeom(
        self, V: Any, w: float, s: Any, W: Any = None, H: Any = None, aH: float = 72000
    ) -> Any:
        return super()._listCellGeom(V, getattr(s, "span_width", w), s, W=W, H=H, aH=aH)

    def _splitCell(
        self, value: Any, style: Any, oldHeight: float, newHeight: float, width: float
    ) -> Any:
        # Paragraph._findSplit wants the text width, i.e. without the cell padding.
        full = getattr(style, "span_width", width)
        inner = full - style.leftPadding - style.rightPadding
        return super()._splitCell(value, style, oldHeight, newHeight, inner)


def _rl_table(plan: TablePlan, width: float, styles: RlStyles, split_in_row: bool) -> Table:
    """A GRID-ruled reportlab table; horizontal spans only (blank cells below labels)."""
    data: list[list[Any]] = [[""] * plan.width for _ in plan.rows]
    commands: list[tuple[Any, ...]] = [
        ("GRID", (0, 0), (-1, -1), 0.6, colors.black),
        # Close both halves of a row cut by a page break, as word processors do.
        ("LINEBELOW", (0, "inrowsplitstart"), (-1, "inrowsplitstart"), 0.6, colors.black),
        ("LINEABOVE", (0, "inrowsplitend"), (-1, "inrowsplitend"), 0.6, colors.black),
        # Not MIDDLE: reportlab sizes the second half of a cut row without the extra padding
        # it gives a vertically centred cell, whose text then spills over the ruling.
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
        ("TOPPADDING", (0, 0), (-1, -1), RL_CELL_PAD_TOP),
        ("BOTTOMPADDING", (0, 0), (-1, -1), RL_CELL_PAD_BOTTOM),
    ]
    for r, cells in enumerate(plan.rows):
        for cell in cells:
            if cell.text:
                style = styles.cell_centre if len(cell.text) <= 16 else styles.cell
                data[r][cell.start] = [Paragraph(_escape(cell.text), style)]
            if cell.span > 1:
                commands.append(("SPAN", (cell.start, r), (cell.start + cell.span - 1, r)))
    weights = plan.weights()
    col_widths = [width * w / sum(weights) for w in weights]
    table = _SpanAwareTable(
        data,
        colWidths=col_widths,
        style=TableStyle(commands),
        repeatRows=0,
        splitByRow=0 if split_in_row else 1,
        splitInRow=1 if split_in_row else 0,
        hAlign="CENTER",
    )
    for r, cells in enumerate(plan.rows):
        for cell in cells:
            span_width = sum(col_widths[cell.start : cell.start + cell.span])
            table._cellStyles[r][cell.start].span_width = span_width
    return table


def _escape(text: str) -> str:
    """Cell and paragraph text as reportlab paragraph markup."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


@dataclass(frozen=True)
class RlLayout:
    """Where to force the cut: extra space (or a page break) before the 自评表's caption."""

    spacer: float = 0.0
    page_break: bool = False


def _is_self_eval(rows: Grid) -> bool:
    """The 自评表 is the table with the 一级指标/二级指标 header."""
    return any("一级指标" in row for row in rows)


def _rl_story(
    blocks: Sequence[Block], styles: RlStyles, layout: RlLayout, frame_width: float
) -> tuple[list[Flowable], _Probe, Table]:
    """Flowables of the report; a probe sits right before the 自评表."""
    plans = plan_paragraphs(blocks)
    group_starts = caption_group_starts(blocks, plans)
    target = max(i for i, b in enumerate(blocks) if b.kind == "table" and _is_self_eval(b.rows))
    probe = _Probe()
    story: list[Flowable] = []
    table: Table | None = None
    for i, block in enumerate(blocks):
        if i == group_starts[target]:
            if layout.page_break:
                story.append(PageBreak())
            if layout.spacer > 0:
                story.append(Spacer(frame_width, layout.spacer))
        if block.kind == "table":
            is_target = i == target
            rl_table = _rl_table(plan_table(block.rows), frame_width, styles, is_target)
            if is_target:
                story.append(probe)
                table = rl_table
            story.append(rl_table)
            story.append(Spacer(frame_width, 6))
            continue
        plan = plans[i]
        if plan.role == "pagemark":
            continue  # the source PDF's page number; this rendering draws its own
        if plan.page_break_before:
            story.append(PageBreak())
        story.append(Paragraph(_escape(plan.text), styles.roles[plan.role]))
    assert table is not None
    return story, probe, table


def _rl_page_decorator(title: str, pagesize: tuple[float, float]) -> Callable[..., None]:
    """Running title at the top and a ``— n —`` page mark at the bottom of every page."""

    def decorate(canvas: Canvas, doc: BaseDocTemplate) -> None:
        width, height = pagesize
        canvas.saveState()
        canvas.setFont(RL_FONT, 8)
        canvas.setFillColor(colors.HexColor("#444444"))
        canvas.drawCentredString(width / 2, height - 12 * mm, title)
        canvas.setFont(RL_FONT, 10)
        canvas.setFillColor(colors.black)
        canvas.drawCentredString(width / 2, 10 * mm, f"— {doc.page} —")
        canvas.restoreState()

    return decorate


def _rl_render(
    blocks: Sequence[Block], seed: Seed, title: str, layout: RlLayout
) -> tuple[bytes, _Probe, Table, float]:
    """One reportlab pass: PDF bytes, the probe, the 自评表 and the frame width."""
    width, height = seed.pagesize
    margin_x, margin_top, margin_bottom = 18 * mm, 20 * mm, 20 * mm
    frame = Frame(
        margin_x,
        margin_bottom,
        width - 2 * margin_x,
        height - margin_top - margin_bottom,
        leftPadding=0,
        rightPadding=0,
        topPadding=0,
        bottomPadding=0,
        id="body",
    )
    buf = io.BytesIO()
    doc = BaseDocTemplate(
        buf,
        pagesize=seed.pagesize,
        title=title,
        author=seed.unit,
        creator="jixiao-kb scripts/build_corpus.py (reportlab)",
        invariant=1,
        initialFontName=RL_FONT,
        pageTemplates=[
            PageTemplate("page", [frame], onPage=_rl_page_decorator(title, seed.pagesize))
        ],
    )
    styles = _rl_styles()
    story, probe, table = _rl_story(blocks, styles, layout, frame.width)
    doc.build(story)
    return buf.getvalue(), probe, table, frame.width


def _choose_cut(table: Table, avail: float, frame_width: float) -> float | None:
    """Space to add so the page ends mid-way through a tall row; ``None`` if none fits.

    Rows of four lines or more qualify, cut after half their lines (at least two: a
    Paragraph refuses to leave a single orphan line behind) plus half a line of slack. The
    last row that can be reached with the space left takes the cut, so the gap is smallest.
    """
    table.wrap(frame_width, avail)
    pad = RL_CELL_PAD_TOP + RL_CELL_PAD_BOTTOM
    best: float | None = None
    used = 0.0
    for h in table._rowHeights:
        lines = round((h - pad) / RL_CELL_LEADING)
        above = max(2, lines // 2)
        needed = used + RL_CELL_PAD_TOP + (above + 0.5) * RL_CELL_LEADING
        if lines >= 4 and needed <= avail:
            best = avail - needed
        used += h
    return best


def build_reportlab_pdf(blocks: Sequence[Block], seed: Seed, title: str) -> bytes:
    """Render with reportlab, placing the 自评表 so that a tall row straddles a page break."""
    _, probe, table, frame_width = _rl_render(blocks, seed, title, RlLayout())
    assert probe.avail is not None
    spacer = _choose_cut(table, probe.avail, frame_width)
    layout = RlLayout(spacer=spacer or 0.0)
    if spacer is None:
        # Too little room left on this page: start the 自评表 on a fresh one, then push it down.
        _, probe, table, _ = _rl_render(blocks, seed, title, RlLayout(page_break=True))
        assert probe.avail is not None
        spacer = _choose_cut(table, probe.avail, frame_width)
        if spacer is None:
            raise SystemExit(f"{seed.name}: no row of the 自评表 is tall enough to cut")
        layout = RlLayout(spacer=spacer, page_break=True)
    pdf, _, _, _ = _rl_render(blocks, seed, title, layout)
    return pdf


# --- PDF checks -----------------------------------------------------------------------------


@dataclass(frozen=True)
class PdfInfo:
    """What the checks learned about one PDF."""

    pages: int
    tables_per_page: list[int]
    cut_rows: list[tuple[int, int, str]]  # (page before the break, seed row index, row text)


def _norm(text: str | None) -> str:
    """Cell text without the line breaks and spaces that PDF extraction adds."""
    return _WS.sub("", text or "")


def inspect_pdf(path: Path, blocks: Sequence[Block]) -> PdfInfo:
    """Check the text layer and ruled tables; find 自评表 rows cut by a page break.

    A row is cut when the last table row on one page and the first on the next, read left to
    right and joined cell by cell, give the non-empty cells of a seed row, with at least one
    cell's text divided between the two pages.
    """
    seed_rows = [r for b in blocks if b.kind == "table" and _is_self_eval(b.rows) for r in b.rows]
    with pdfplumber.open(path) as pdf:
        text = "".join(_norm(p.extract_text()) for p in pdf.pages)
        tables = [[t.extract() for t in p.find_tables()] for p in pdf.pages]
        pages = len(pdf.pages)
    title = next(b.text for b in blocks if b.kind == "para")
    if _norm(title) not in text or "绩效指标" not in text:
        raise SystemExit(f"{path}: no Chinese text layer with the title")
    if sum(len(t) for t in tables) < sum(b.kind == "table" for b in blocks):
        raise SystemExit(f"{path}: pdfplumber finds too few ruled tables")
    cuts: list[tuple[int, int, str]] = []
    for p in range(pages - 1):
        if not (tables[p] and tables[p][-1] and tables[p + 1] and tables[p + 1][0]):
            continue
        tail = [_norm(c) for c in tables[p][-1][-1] if _norm(c)]
        head = [_norm(c) for c in tables[p + 1][0][0] if _norm(c)]
        for k, row in enumerate(seed_rows):
            if _cut_cells([_norm(c) for c in row if c], tail, head) > 0:
                cuts.append((p + 1, k, " | ".join(c for c in row if c)))
    return PdfInfo(pages, [len(t) for t in tables], cuts)


def _cut_cells(cells: list[str], tail: list[str], head: list[str]) -> int:
    """How many of ``cells`` are divided between ``tail`` and ``head``; 0 if they don't join.

    Each seed cell is a tail cell, a head cell, or a tail cell followed by a head cell (the
    cut one); both parts must be used up exactly, in order.
    """
    i = j = cut = 0
    for cell in cells:
        rest = cell
        took_tail = i < len(tail) and rest.startswith(tail[i])
        if took_tail:
            rest = rest[len(tail[i]) :]
            i += 1
        if rest:
            if j >= len(head) or head[j] != rest:
                return 0
            j += 1
            cut += took_tail
    return cut if i == len(tail) and j == len(head) else 0


# --- outputs --------------------------------------------------------------------------------


def report_title(blocks: Sequence[Block]) -> str:
    """The title lines at the top (one or two), joined."""
    plans = plan_paragraphs(blocks)
    lines = []
    for i in range(len(blocks)):
        if i not in plans or plans[i].role != "title" or plans[i].text in lines:
            break
        lines.append(plans[i].text)
    return "".join(lines)


def write_gbk(seed_text: str, path: Path) -> None:
    """The seed in GB18030, checked to round-trip and to be invalid as UTF-8."""
    data = seed_text.encode("gb18030")
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        raise SystemExit(f"{path}: GB18030 bytes also decode as UTF-8")
    if data.decode("gb18030") != seed_text:
        raise SystemExit(f"{path}: GB18030 does not round-trip")
    path.write_bytes(data)


def write_manifest(rows: list[dict[str, str]], path: Path) -> None:
    """Update ``manifest.tsv``: our rows replace theirs by file name, others are kept."""
    fields = ["file", "format", "source", "produced_by", "date"]
    existing: list[dict[str, str]] = []
    if path.exists():
        with path.open(encoding="utf-8", newline="") as fh:
            existing = list(csv.DictReader(fh, delimiter="\t"))
    ours = {r["file"]: r for r in rows}
    merged = [ours.pop(r["file"], r) for r in existing if r.get("file")]
    merged.extend(ours.values())
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fields, delimiter="\t", lineterminator="\n")
        writer.writeheader()
        writer.writerows({k: r.get(k, "") for k in fields} for r in merged)


@dataclass(frozen=True)
class SeedResult:
    """What one seed produced: manifest rows and what the PDF checks found."""

    seed: Seed
    manifest: list[dict[str, str]]
    libreoffice: PdfInfo
    reportlab: PdfInfo


def write_test_data_readme(results: Sequence[SeedResult], path: Path) -> None:
    """A short description of every file in ``tests/data``, with the rows that are cut."""
    lines = [
        "# tests/data",
        "",
        "Generated from the text seeds in `shared/seeds/` by `scripts/build_corpus.py`",
        "(`.venv/bin/python scripts/build_corpus.py` regenerates them; do not edit by hand).",
        "Row numbers count from 0 in the seed's table grid (`indexer.parse.text.read_text`).",
        "",
    ]
    for result in results:
        seed = result.seed
        lines += [
            f"- `{seed.name}-reportlab.pdf`: the {seed.unit} report drawn directly",
            f"  with reportlab: {seed.pagesize_label}, AR PL UMing CN embedded, the title as a",
            "  running header and `— n —` page marks at the foot of every page. A page break",
            f"  cuts a row of the 自评表 in two: {_describe_cuts(result.reportlab)}.",
            f"- `{seed.name}-gbk.txt`: the seed text encoded in GB18030 (not valid UTF-8).",
        ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _describe_cuts(info: PdfInfo) -> str:
    """``row 9 (继续推进…) p6→p7`` for each 自评表 row cut by a page break."""
    if not info.cut_rows:
        return "no 自评表 row cut"
    return ", ".join(
        f"自评表 row {k} ({text[:12]}…) on pages {p}→{p + 1}" for p, k, text in info.cut_rows
    )


def build_seed(seed: Seed, seeds_dir: Path, today: str) -> SeedResult:
    """All outputs of one seed, checked."""
    src = seeds_dir / f"{seed.name}.txt"
    blocks = read_text(src).blocks
    title = report_title(blocks)
    txt, docx, pdf = (CORPUS / f"{seed.name}{ext}" for ext in (".txt", ".docx", ".pdf"))
    shutil.copyfile(src, txt)
    docx.write_bytes(build_docx(blocks, title))
    check_docx(docx, blocks)
    convert_with_libreoffice(docx, pdf)
    lo_info = inspect_pdf(pdf, blocks)
    rl_pdf = TEST_DATA / f"{seed.name}-reportlab.pdf"
    rl_pdf.write_bytes(build_reportlab_pdf(blocks, seed, title))
    rl_info = inspect_pdf(rl_pdf, blocks)
    if not rl_info.cut_rows:
        raise SystemExit(f"{rl_pdf}: no 自评表 row is cut by a page break")
    write_gbk(src.read_text(encoding="utf-8"), TEST_DATA / f"{seed.name}-gbk.txt")
    source = f"{seed.unit} 2023 整体支出绩效自评报告 (shared/seeds/{src.name})"
    rows = [
        {"file": txt.name, "format": "txt", "produced_by": "verbatim seed"},
        {
            "file": docx.name,
            "format": "docx",
            "produced_by": "scripts/build_corpus.py (python-docx)",
        },
        {"file": pdf.name, "format": "pdf", "produced_by": "LibreOffice headless from the DOCX"},
    ]
    for row in rows:
        row.update(source=source, date=today)
    return SeedResult(seed, rows, lo_info, rl_info)


def main(argv: Sequence[str] | None = None) -> None:
    """Build every output, then print one summary line per seed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default_seeds = ROOT / "shared" / "seeds"
    if not default_seeds.is_dir():
        default_seeds = ROOT.parent / "shared" / "seeds"
    parser.add_argument("--seeds", type=Path, default=default_seeds, help="seed folder")
    args = parser.parse_args(argv)
    CORPUS.mkdir(exist_ok=True)
    TEST_DATA.mkdir(parents=True, exist_ok=True)
    pdfmetrics.registerFont(TTFont(RL_FONT, str(RL_FONT_FILE), subfontIndex=0))
    today = dt.date.today().isoformat()
    results = [build_seed(seed, args.seeds, today) for seed in SEEDS]
    write_manifest([row for r in results for row in r.manifest], CORPUS / "manifest.tsv")
    write_test_data_readme(results, TEST_DATA / "README.md")
    for r in results:
        print(
            f"{r.seed.name}: LibreOffice PDF {r.libreoffice.pages} pp, "
            f"{_describe_cuts(r.libreoffice)}; reportlab PDF {r.reportlab.pages} pp "
            f"({r.seed.pagesize_label}), {_describe_cuts(r.reportlab)}"
        )


if __name__ == "__main__":
    main()
