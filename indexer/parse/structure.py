"""From reader blocks to a ``Report``: title, metadata, section tree, captioned tables, records.

Every format reader ends here, so the three forms of one report agree by construction once
their blocks agree.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from ..models import Block, Indicator, RawDocument, Report, Section, Table
from . import outline
from .tables import (
    extract_budget,
    extract_indicators,
    extract_staff,
    extract_total_score,
    find_labelled_value,
)

_YEAR_IN_TITLE = re.compile(r"(20\d{2})\s*年")
_ANY_YEAR = re.compile(r"(20\d{2})\s*年")
_TITLE_AFFIX = re.compile(
    r"^(?:20\d{2}\s*年度?)|(?:(?:部门|单位)?(?:整体支出|项目支出|项目)?(?:绩效)?(?:自评|评价)?(?:报告|表))$"
)
_UNIT_LABEL = re.compile(
    r"^(?:(?:部门（单位）|部门\(单位\)|单位|部门|项目单位|预算单位)名称|实施单位|项目实施单位)"
    r"\s*[:：]\s*(.+)$"
)
_COVER_FIELD = re.compile(r"^(?:填报|填表|报送|联系|负责人|主管部门|编制|日期)[^：:]{0,6}[:：]")
_FILL_DATE_LABEL = re.compile(r"填报日期\s*[:：]\s*([0-9年月日.．\-/ ]{6,})")
_CAPTION_MAX = 80
# Province, then prefecture, then county; a 市 followed by 场/政/民… is a word (市场监督管理局),
# not a city; 县区 is tried before 县 so that 赣县区 stays whole.
_NOT_SUFFIX = ""  # the character classes already keep 县市场 apart
_REGION = re.compile(
    r"^(?P<province>[\u4e00-\u9fff]{2,7}?(?:省|自治区))?"
    rf"(?P<city>[^省市县区\s]{{2,7}}?(?:自治州|地区|盟|市{_NOT_SUFFIX}))?"
    rf"(?P<county>[^省市县区\s]{{1,6}}?(?:县区|自治县|区|县|旗|市{_NOT_SUFFIX}))?"
)
_NOT_COUNTY = {"社区", "小区", "园区", "景区", "街区", "片区", "辖区", "市区", "城区", "矿区"}
UNIT_TABLE_LABELS = (
    "单位）名称",
    "单位)名称",
    "预算单位名称",
    "部门名称",
    "单位名称",
    "实施单位",
    "项目单位",
)


def build_report(raw: RawDocument) -> Report:
    """Structure a read document. Pure: the same blocks always give the same report."""
    repaired = repair_paragraphs(list(raw.blocks))
    blocks = repaired
    title, body_start = _find_title(blocks)
    blocks = [b for i, b in enumerate(blocks) if i >= body_start or b.kind == "table"]
    blocks = [b for b in blocks if not (b.kind == "para" and b.text == title)]
    sections, tables = _outline(blocks, title)
    grids = [(t.header, *t.rows) for t in tables]
    all_text = "\n".join([title] + [b.text for b in repaired if b.kind == "para"])

    unit = _find_unit(tuple(repaired), grids, title)
    indicators: list[Indicator] = []
    for table in tables:
        pages = table.row_pages or (table.page_start,) * (len(table.rows) + 1)
        indicators.extend(extract_indicators((table.header, *table.rows), pages))
    total = next((s for s in (extract_total_score(g) for g in grids) if s is not None), None)
    budget = next((b for b in (extract_budget(g) for g in grids) if b), {})
    staff = next((s for s in (extract_staff(g) for g in grids) if s), {})
    if staff:
        budget = {**budget, **{f"staff_{k}": v for k, v in staff.items()}}
    return Report(
        source=raw.source,
        format=raw.format,
        title=title,
        unit=unit,
        region=region_of(unit),
        year=_find_year(title, all_text),
        report_type=report_type_of(title + "\n" + "\n".join(t.caption for t in tables)),
        fill_date=_find_fill_date(tuple(repaired)),
        total_score=total,
        budget=budget,
        pages=raw.pages,
        sections=tuple(sections),
        tables=tuple(tables),
        indicators=tuple(indicators),
    )


# --- paragraphs ----------------------------------------------------------------------------


def repair_paragraphs(blocks: list[Block]) -> list[Block]:
    """Drop page marks; join paragraphs that a line or page end broke in two."""
    out: list[Block] = []
    for block in blocks:
        if block.kind == "para" and outline.is_page_mark(block.text):
            continue
        prev = out[-1] if out else None
        if (
            block.kind == "para"
            and prev is not None
            and prev.kind == "para"
            and outline.should_join(prev.text, block.text)
        ):
            out[-1] = Block(
                "para",
                text=prev.text + block.text,
                page_start=prev.page_start,
                page_end=block.page_end if block.page_end is not None else prev.page_end,
            )
            continue
        out.append(block)
    return out


def _find_title(blocks: list[Block]) -> tuple[str, int]:
    """The title and the index where the body starts (after the cover's title, unit, date)."""
    first_heading = next(
        (i for i, b in enumerate(blocks) if b.kind == "para" and outline.match_heading(b.text)),
        len(blocks),
    )
    front = [b.text for b in blocks[:first_heading] if b.kind == "para"]
    title = next((t for t in front if "报告" in t and len(t) <= 80), None)
    if title is None:
        # Without a 报告 line, only a short line that is no sentence reads as a title; a
        # partial extract that starts with body text has none.
        title = next(
            (
                t
                for t in front[:3]
                if not outline.is_label_line(t) and len(t) <= 40 and "。" not in t
            ),
            "",
        )
    # Front matter other than the title, the cover's form fields and dates is preamble text.
    return title, _body_start(blocks, first_heading, title)


def _body_start(blocks: list[Block], first_heading: int, title: str) -> int:
    for i, block in enumerate(blocks[:first_heading]):
        text = block.text
        if block.kind != "para" or text == title:
            continue
        if _UNIT_LABEL.match(text) or _COVER_FIELD.search(text) or outline.is_date_line(text):
            continue  # the cover's form fields
        return i
    return first_heading


# --- outline -------------------------------------------------------------------------------


@dataclass
class _OpenSection:
    heading: str
    level: int
    rank: int
    path: tuple[str, ...]
    paras: list[str] = field(default_factory=list)
    pages: list[int] = field(default_factory=list)


def _outline(blocks: list[Block], title: str) -> tuple[list[Section], list[Table]]:
    preamble = _OpenSection(heading=title or "（正文）", level=0, rank=-1, path=())
    opened: list[_OpenSection] = [preamble]
    stack: list[_OpenSection] = []
    tables: list[Table] = []
    for i, block in enumerate(blocks):
        if block.kind == "table":
            current = stack[-1] if stack else preamble
            caption = _caption_before(blocks, i, current)
            tables.append(
                Table(
                    caption=caption,
                    section=current.heading if stack else "",
                    section_path=current.path,
                    page_start=block.page_start,
                    page_end=block.page_end,
                    header=block.rows[0] if block.rows else (),
                    rows=block.rows[1:],
                    row_pages=block.row_pages,
                )
            )
            _note_pages(current, block)
            continue
        heading = outline.match_heading(block.text)
        if heading is not None and not _is_list_item(blocks, i, heading):
            while stack and stack[-1].rank >= heading.rank:
                stack.pop()
            parent_path = stack[-1].path if stack else ()
            section = _OpenSection(
                heading=block.text,
                level=len(stack) + 1,
                rank=heading.rank,
                path=(*parent_path, block.text),
            )
            _note_pages(section, block)
            stack.append(section)
            opened.append(section)
            continue
        current = stack[-1] if stack else preamble
        current.paras.append(block.text)
        _note_pages(current, block)
    sections = [
        Section(
            heading=s.heading,
            level=s.level,
            path=s.path if s.level else (s.heading,),
            text="\n".join(s.paras),
            page_start=min(s.pages) if s.pages else None,
            page_end=max(s.pages) if s.pages else None,
        )
        for s in opened
        if s.level > 0 or s.paras
    ]
    return sections, tables


def _is_list_item(blocks: list[Block], i: int, heading: outline.HeadingMatch) -> bool:
    """A low-rank candidate followed directly by its next sibling is a list line, not a heading."""
    if heading.rank < 3:
        return False
    nxt = next((b for b in blocks[i + 1 :] if b.kind == "para"), None)
    if nxt is None:
        return False
    return (
        outline.heading_rank(nxt.text) == heading.rank and outline.match_heading(nxt.text) is None
    )


def _caption_before(blocks: list[Block], i: int, section: _OpenSection) -> str:
    """The caption is the short paragraph right above a table (consumed from the section text)."""
    if i > 0 and blocks[i - 1].kind == "para":
        text = blocks[i - 1].text
        if len(text) <= _CAPTION_MAX and ("表" in text or not text.endswith("。")):
            if section.paras and section.paras[-1] == text:
                section.paras.pop()
            return text
    return ""


def _note_pages(section: _OpenSection, block: Block) -> None:
    for page in (block.page_start, block.page_end):
        if page is not None:
            section.pages.append(page)


# --- metadata ------------------------------------------------------------------------------


def _find_unit(
    blocks: tuple[Block, ...], grids: list[tuple[tuple[str, ...], ...]], title: str
) -> str:
    for block in blocks:
        if block.kind == "para":
            m = _UNIT_LABEL.match(block.text)
            if m:
                return m.group(1).strip()
    for grid in grids:
        value = find_labelled_value(grid, UNIT_TABLE_LABELS)
        if value:
            return value
    return unit_from_title(title)


def unit_from_title(title: str) -> str:
    """``2023年度株洲市房屋维修资金管理中心整体支出绩效自评报告`` → the unit name."""
    name = title
    for _ in range(2):
        name = _TITLE_AFFIX.sub("", name).strip()
    return name


def region_of(unit: str) -> str:
    """The region that opens a unit name: ``株洲市芦淞区物业…`` → ``株洲市芦淞区``,
    ``秭归县市场监督管理局`` → ``秭归县``; a generic word (``社区``) is no county."""
    m = _REGION.match(unit)
    if not m:
        return ""
    county = m.group("county") or ""
    if county in _NOT_COUNTY:
        county = ""
    return "".join(part for part in (m.group("province"), m.group("city"), county) if part)


def report_type_of(text: str) -> str:
    if "整体支出" in text or "部门整体" in text:
        return "整体支出"
    if "项目支出" in text or "项目绩效" in text:
        return "项目支出"
    return "其他"


def _find_year(title: str, text: str) -> int | None:
    m = _YEAR_IN_TITLE.search(title)
    if m:
        return int(m.group(1))
    years = Counter(int(y) for y in _ANY_YEAR.findall(text))
    return years.most_common(1)[0][0] if years else None


def _find_fill_date(blocks: tuple[Block, ...]) -> str | None:
    for block in blocks:
        if block.kind != "para":
            continue
        m = _FILL_DATE_LABEL.search(block.text)
        if m:
            found = outline.find_date(m.group(1))
            if found:
                return found
    for block in blocks[:12]:
        if block.kind == "para" and outline.is_date_line(block.text):
            return outline.find_date(block.text)
    return None
