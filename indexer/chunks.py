"""Chunks: what the keyword and vector indexes hold.

* ``passage``: a section's own text, split at sentence ends when long (about 200–500
  characters, one sentence of overlap), carrying the heading path;
* ``table``: a table as text (caption, header, rows), in row groups small enough to embed,
  each pointing at the whole table for display;
* ``indicator``: one 绩效指标 record as a sentence.

Every chunk's ``embed_text`` and ``index_text`` say where it comes from (unit, year, heading
path), so that “株洲 2023 存在的问题” can land on the right chunk.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .models import Indicator, Report, Section, Table

TARGET_CHARS = 350
MAX_CHARS = 500
MIN_CHARS = 200
OVERLAP_MAX = 120
TABLE_GROUP_CHARS = 400

_SENTENCE_END = re.compile(r"(?<=[。！？；!?;\n])")


@dataclass(frozen=True)
class Chunk:
    kind: str  # "passage" | "table" | "indicator"
    ordinal: int
    text: str  # what a result shows
    index_text: str  # what the keyword index tokenizes
    embed_text: str  # what the embedding model reads
    heading: str
    path: tuple[str, ...]
    page_start: int | None
    page_end: int | None
    section_ordinal: int | None = None
    table_ordinal: int | None = None
    indicator_ordinal: int | None = None
    row_start: int | None = None  # table chunks: rows [row_start, row_end) of the table body
    row_end: int | None = None


def context_line(report: Report, path: tuple[str, ...] | list[str]) -> str:
    """``株洲市房屋维修资金管理中心 2023年 整体支出 | 七、存在的问题及原因分析``."""
    head = " ".join(
        x for x in (report.unit, f"{report.year}年" if report.year else "", report.report_type) if x
    )
    trail = " > ".join(p for p in path if p)
    return f"{head} | {trail}" if trail else head


def split_text(text: str) -> list[str]:
    """Split at sentence ends into pieces of about TARGET_CHARS (never over MAX_CHARS), each
    starting with the previous piece's last sentence when that one is short."""
    text = text.strip()
    if len(text) <= MAX_CHARS:
        return [text] if text else []
    sentences = [s for s in _SENTENCE_END.split(text) if s.strip()]
    pieces: list[str] = []
    for sentence in sentences:
        while len(sentence) > MAX_CHARS:  # one very long sentence: hard split
            pieces.append(sentence[:TARGET_CHARS])
            sentence = sentence[TARGET_CHARS - 40 :]
        pieces.append(sentence)
    chunks: list[str] = []
    current: list[str] = []
    for piece in pieces:
        size = sum(len(p) for p in current)
        if current and size >= MIN_CHARS and size + len(piece) > TARGET_CHARS:
            chunks.append("".join(current).strip())
            last = current[-1]
            current = [last] if len(last) <= OVERLAP_MAX else []
        elif current and size + len(piece) > MAX_CHARS:
            chunks.append("".join(current).strip())
            current = []
        current.append(piece)
    if current:
        tail = "".join(current).strip()
        if chunks and len(tail) < MIN_CHARS // 2 and len(chunks[-1]) + len(tail) <= MAX_CHARS:
            chunks[-1] = chunks[-1] + tail
        elif tail:
            chunks.append(tail)
    return chunks


def table_row_text(row: tuple[str, ...] | list[str]) -> str:
    return " | ".join(c for c in row if c)


def _section_chunks(report: Report, index: int, section: Section, start: int) -> list[Chunk]:
    ctx = context_line(report, section.path)
    out: list[Chunk] = []
    for piece in split_text(section.text):
        out.append(
            Chunk(
                kind="passage",
                ordinal=start + len(out),
                text=piece,
                index_text=f"{ctx}\n{piece}",
                embed_text=f"{ctx}\n{piece}",
                heading=section.heading,
                path=section.path,
                page_start=section.page_start,
                page_end=section.page_end,
                section_ordinal=index,
            )
        )
    return out


def _section_of(report: Report, path: tuple[str, ...]) -> int | None:
    """Index of the section with heading path ``path`` (where a table sits)."""
    return next((i for i, s in enumerate(report.sections) if s.path == path), None)


def _table_chunks(report: Report, index: int, table: Table, start: int) -> list[Chunk]:
    path = (*table.section_path, table.caption) if table.caption else table.section_path
    ctx = context_line(report, path)
    header = table_row_text(table.header)
    groups: list[tuple[int, int]] = []
    begin, size = 0, 0
    for i, row in enumerate(table.rows):
        size += len(table_row_text(row)) + 1
        if size >= TABLE_GROUP_CHARS and i + 1 < len(table.rows):
            groups.append((begin, i + 1))
            begin, size = i + 1, 0
    groups.append((begin, len(table.rows)))
    out: list[Chunk] = []
    for lo, hi in groups:
        body = "\n".join(table_row_text(r) for r in table.rows[lo:hi] if any(r))
        text = "\n".join(x for x in (table.caption, header, body) if x)
        out.append(
            Chunk(
                kind="table",
                ordinal=start + len(out),
                text=text,
                index_text=f"{ctx}\n{text}",
                embed_text=f"{ctx}\n{text}",
                heading=table.caption or table.section,
                path=path,
                page_start=table.page_start,
                page_end=table.page_end,
                table_ordinal=index,
                section_ordinal=_section_of(report, table.section_path),
                row_start=lo,
                row_end=hi,
            )
        )
    return out


def indicator_text(ind: Indicator) -> str:
    parts = [f"绩效指标：{ind.level1} > {ind.level2} > {ind.level3}"]
    parts.append(f"年度指标值：{ind.target or '—'}")
    parts.append(f"实际完成值：{ind.actual or '—'}")
    if ind.weight is not None:
        parts.append(f"分值：{_num(ind.weight)}")
    if ind.score is not None:
        parts.append(f"得分：{_num(ind.score)}")
    if ind.deviation:
        parts.append(f"偏差原因分析及改进措施：{ind.deviation}")
    return "；".join(parts)


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


SUMMARY_HEADING = "自评结果摘要（据附表整理）"
_BUDGET_LABELS = (
    ("initial_budget", "年初预算数", "万元"),
    ("full_year_budget", "全年预算数", "万元"),
    ("executed", "全年执行数", "万元"),
    ("execution_rate", "预算执行率", "%"),
    ("staff_authorized", "编制数", "人"),
    ("staff_actual", "实际在职人数", "人"),
)


def summary_text(report: Report) -> str:
    """One sentence of the report's structured results: 总分, budget execution, staff."""
    parts = []
    if report.total_score is not None:
        parts.append(f"自评总分{_num(report.total_score)}分")
    for key, label, unit in _BUDGET_LABELS:
        value = report.budget.get(key)
        if value is not None:
            text = f"{value:.2f}" if unit == "万元" else _num(value)  # as reports write 万元
            parts.append(f"{label}{text}{unit}")
    if not parts:
        return ""
    year = f"{report.year}年度" if report.year else ""
    return f"{report.unit}{year}{report.report_type}绩效自评结果：{'，'.join(parts)}。"


def build_chunks(report: Report) -> list[Chunk]:
    """All chunks of a report, in document order: passages, tables, indicators, and a summary
    of the structured results (总分, budget, staff) drawn from the attached tables."""
    chunks: list[Chunk] = []
    for i, section in enumerate(report.sections):
        chunks.extend(_section_chunks(report, i, section, len(chunks)))
    for i, table in enumerate(report.tables):
        chunks.extend(_table_chunks(report, i, table, len(chunks)))
    caption = next((t.caption for t in report.tables if "自评表" in t.caption), "绩效自评表")
    indicator_table = next(
        (t for t in report.tables if any("三级指标" in c for r in (t.header, *t.rows) for c in r)),
        None,
    )
    indicator_section = (
        _section_of(report, indicator_table.section_path) if indicator_table else None
    )
    for i, ind in enumerate(report.indicators):
        path = (caption, ind.level1, ind.level2)
        ctx = context_line(report, path)
        text = indicator_text(ind)
        chunks.append(
            Chunk(
                kind="indicator",
                ordinal=len(chunks),
                text=text,
                index_text=f"{ctx}\n{text}",
                embed_text=f"{ctx}\n{text}",
                heading=ind.level3,
                path=path,
                page_start=ind.page,
                page_end=ind.page,
                indicator_ordinal=i,
                section_ordinal=indicator_section,
            )
        )
    summary = summary_text(report)
    if summary:
        summary_path: tuple[str, ...] = (SUMMARY_HEADING,)
        ctx = context_line(report, summary_path)
        chunks.append(
            Chunk(
                kind="passage",
                ordinal=len(chunks),
                text=summary,
                index_text=f"{ctx}\n{summary}",
                embed_text=f"{ctx}\n{summary}",
                heading=SUMMARY_HEADING,
                path=summary_path,
                page_start=next(
                    (t.page_start for t in report.tables if "自评表" in t.caption), None
                ),
                page_end=None,
            )
        )
    return chunks
