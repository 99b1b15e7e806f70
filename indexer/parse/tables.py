"""Structured records from report tables: indicator rows, 总分, the budget block, staff numbers.

Grids come from any reader with merged cells as empty strings. Rows of one table may be shorter
than its header (a reader dropped merged cells); such rows are aligned to the header from the
right, where the numeric columns are.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from ..models import Grid, Indicator

_NUMBER = re.compile(r"^[-+]?\d+(?:\.\d+)?$")
_LEVEL_WEIGHT = re.compile(r"^(.*?)\s*[（(]\s*(\d+(?:\.\d+)?)\s*分\s*[)）]\s*$")
_EMPTY_VALUES = {"", "/", "／", "//", "—", "——", "-", "--", "无", "\\"}

# Header text → record field; the first matching rule wins, checked in this order.
_INDICATOR_COLUMNS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("level1", ("一级指标",)),
    ("level2", ("二级指标",)),
    ("level3", ("三级指标",)),
    ("actual", ("实际完成值", "完成值", "实际值", "实际完成")),
    ("target", ("年度指标值", "指标值", "目标值", "预期值", "年度目标")),
    ("weight", ("分值", "权重")),
    ("score", ("得分", "评分")),
    ("deviation", ("偏差", "原因", "改进措施", "备注")),
)
_BUDGET_COLUMNS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("initial_budget", ("年初预算数", "年初预算")),
    ("full_year_budget", ("全年预算数", "全年预算", "调整后预算")),
    ("executed", ("全年执行数", "全年执行", "实际执行数", "执行数")),
    ("weight", ("分值",)),
    ("execution_rate", ("执行率",)),
    ("score", ("得分",)),
)
_STAFF_COLUMNS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("authorized", ("编制数", "编制人数")),
    ("actual", ("实际在职人数", "实有人数", "在职人数")),
    ("control_rate", ("控制率",)),
)


def to_number(text: str) -> float | None:
    """``97`` → 97.0, ``99.63%`` → 99.63, ``20分`` → 20.0; anything else (``≥90%``) → None."""
    cleaned = text.strip().replace(",", "").replace("，", "").replace(" ", "")
    cleaned = cleaned.removesuffix("分").removesuffix("%").removesuffix("％")
    if _NUMBER.match(cleaned):
        return float(cleaned)
    return None


def split_level_weight(name: str) -> tuple[str, float | None]:
    """``产出指标 (40分)`` → (``产出指标``, 40.0)."""
    m = _LEVEL_WEIGHT.match(name)
    if m:
        return m.group(1).strip(), float(m.group(2))
    return name, None


def _column_map(
    header: Sequence[str], rules: tuple[tuple[str, tuple[str, ...]], ...]
) -> dict[str, int]:
    found: dict[str, int] = {}
    for index, cell in enumerate(header):
        for field, keys in rules:
            if field not in found and any(k in cell for k in keys):
                found[field] = index
                break
    return found


def _aligned(row: Sequence[str], header_len: int, index: int) -> str:
    """The cell of ``row`` under header column ``index``; short rows align from the right."""
    offset = header_len - len(row) if len(row) < header_len else 0
    j = index - offset
    return row[j].strip() if 0 <= j < len(row) else ""


def _is_indicator_header(row: Sequence[str]) -> bool:
    joined = "".join(row)
    return "三级指标" in joined and ("一级指标" in joined or "二级指标" in joined)


def _is_total_row(row: Sequence[str]) -> bool:
    first = next((c for c in row if c.strip()), "")
    return first.replace(" ", "") in {"总分", "合计", "总计", "得分合计", "总得分"}


def extract_indicators(rows: Grid, row_pages: Sequence[int | None] = ()) -> list[Indicator]:
    """Indicator records of every 绩效指标 block in one table grid (``row_pages``: the page
    of each row, when known)."""
    records: list[Indicator] = []
    header: Sequence[str] | None = None
    cols: dict[str, int] = {}
    level1 = level2 = ""
    level1_weight: float | None = None
    for number, row in enumerate(rows):
        if _is_indicator_header(row):
            header, cols = row, _column_map(row, _INDICATOR_COLUMNS)
            level1 = level2 = ""
            level1_weight = None
            continue
        if header is None:
            continue
        if _is_total_row(row):
            header = None
            continue

        def cell(
            field: str,
            row: Sequence[str] = row,
            width: int = len(header),
            cols: dict[str, int] = cols,
        ) -> str:
            return _aligned(row, width, cols[field]) if field in cols else ""

        if cell("level1"):
            level1, level1_weight = split_level_weight(cell("level1"))
            level2 = ""
        if cell("level2"):
            level2, _ = split_level_weight(cell("level2"))
        level3 = cell("level3")
        target, actual = cell("target"), cell("actual")
        weight, score = to_number(cell("weight")), to_number(cell("score"))
        has_values = any(v not in _EMPTY_VALUES for v in (target, actual)) or score is not None
        if level3 in _EMPTY_VALUES or not has_values:
            continue  # 三级指标 ``/`` or an empty placeholder row: no indicator here
        records.append(
            Indicator(
                level1=level1,
                level2=level2,
                level3=level3,
                target=target,
                actual=actual,
                weight=weight,
                score=score,
                deviation=cell("deviation"),
                level1_weight=level1_weight,
                page=row_pages[number] if number < len(row_pages) else None,
            )
        )
    return records


def extract_total_score(rows: Grid) -> float | None:
    """The 总分 row's score: under the 得分 column when there is one, else its last number."""
    header: Sequence[str] | None = None
    cols: dict[str, int] = {}
    for row in rows:
        if _is_indicator_header(row):
            header, cols = row, _column_map(row, _INDICATOR_COLUMNS)
            continue
        if not _is_total_row(row):
            continue
        if header is not None and "score" in cols:
            value = to_number(_aligned(row, len(header), cols["score"]))
            if value is not None:
                return value
        numbers = [n for n in (to_number(c) for c in row) if n is not None]
        if numbers:
            return numbers[-1] if len(numbers) <= 2 else numbers[1]
    return None


def _header_value_block(
    rows: Grid, trigger: str, rules: tuple[tuple[str, tuple[str, ...]], ...]
) -> dict[str, float | None]:
    """Values in the row under the header row that contains ``trigger``."""
    for i, row in enumerate(rows):
        if any(trigger in c for c in row) and i + 1 < len(rows):
            cols = _column_map(row, rules)
            values = rows[i + 1]
            if len(values) == len(row):
                out = {f: to_number(values[j]) for f, j in cols.items()}
            else:
                out = {f: to_number(_aligned(values, len(row), j)) for f, j in cols.items()}
            if any(v is not None for v in out.values()):
                return out
    return {}


def extract_budget(rows: Grid) -> dict[str, float | None]:
    """年初预算数, 全年预算数, 全年执行数, 分值, 执行率 (percent), 得分 of the 自评表."""
    return _header_value_block(rows, "年初预算数", _BUDGET_COLUMNS)


def extract_staff(rows: Grid) -> dict[str, float | None]:
    """编制数, 实际在职人数, 控制率 (percent) of the 基础数据表."""
    return _header_value_block(rows, "编制数", _STAFF_COLUMNS)


def find_labelled_value(rows: Grid, label_keys: tuple[str, ...]) -> str | None:
    """The first non-empty cell right of a cell containing one of ``label_keys``."""
    for row in rows:
        for j, cell in enumerate(row):
            if any(k in cell for k in label_keys):
                rest = [c.strip() for c in row[j + 1 :] if c.strip()]
                if rest:
                    return rest[0]
    return None
