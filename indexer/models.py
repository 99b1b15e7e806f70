"""Plain records shared by the parsers, the store and the search.

Frozen dataclasses, no behaviour beyond conversion to the JSON contract: the readers for each
format produce ``Block`` lists, ``parse.structure`` turns them into a ``Report``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

BlockKind = Literal["para", "table"]
Grid = tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class Block:
    """One unit of a document in reading order, before any structure is recognised.

    A ``para`` is a line or paragraph of text; a ``table`` is a grid of cell texts where cells
    covered by a merged neighbour are empty strings (the layout the text seeds use).
    """

    kind: BlockKind
    text: str = ""
    rows: Grid = ()
    page_start: int | None = None
    page_end: int | None = None
    row_pages: tuple[int | None, ...] = ()  # tables: the page each row starts on, when known


@dataclass(frozen=True)
class RawDocument:
    """What a format reader hands to the structure builder."""

    source: str
    format: Literal["pdf", "docx", "txt"]
    blocks: tuple[Block, ...]
    pages: int | None = None


@dataclass(frozen=True)
class Section:
    heading: str
    level: int
    path: tuple[str, ...]
    text: str
    page_start: int | None = None
    page_end: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "heading": self.heading,
            "level": self.level,
            "path": list(self.path),
            "text": self.text,
            "page_start": self.page_start,
            "page_end": self.page_end,
        }


@dataclass(frozen=True)
class Table:
    caption: str
    section: str
    page_start: int | None
    page_end: int | None
    header: tuple[str, ...]
    rows: Grid
    section_path: tuple[str, ...] = ()
    row_pages: tuple[int | None, ...] = ()  # page of header + each row, when known

    def to_dict(self) -> dict[str, Any]:
        return {
            "caption": self.caption,
            "section": self.section,
            "section_path": list(self.section_path),
            "page_start": self.page_start,
            "page_end": self.page_end,
            "header": list(self.header),
            "rows": [list(r) for r in self.rows],
            "row_pages": list(self.row_pages),
        }


@dataclass(frozen=True)
class Indicator:
    """One row of a 绩效指标 table, merged-cell values carried down."""

    level1: str
    level2: str
    level3: str
    target: str
    actual: str
    weight: float | None
    score: float | None
    deviation: str
    level1_weight: float | None = None
    page: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "level1": self.level1,
            "level2": self.level2,
            "level3": self.level3,
            "target": self.target,
            "actual": self.actual,
            "weight": _num(self.weight),
            "score": _num(self.score),
            "deviation": self.deviation,
            "level1_weight": _num(self.level1_weight),
            "page": self.page,
        }


@dataclass(frozen=True)
class Report:
    source: str
    format: str
    title: str
    unit: str
    region: str
    year: int | None
    report_type: str
    fill_date: str | None
    total_score: float | None
    budget: dict[str, float | None] = field(default_factory=dict)
    pages: int | None = None
    sections: tuple[Section, ...] = ()
    tables: tuple[Table, ...] = ()
    indicators: tuple[Indicator, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """The ``jixiao parse --json`` contract (more keys allowed, none renamed)."""
        return {
            "title": self.title,
            "unit": self.unit,
            "region": self.region,
            "year": self.year,
            "report_type": self.report_type,
            "fill_date": self.fill_date,
            "total_score": _num(self.total_score),
            "budget": {k: _num(v) for k, v in self.budget.items()},
            "pages": self.pages,
            "source": self.source,
            "format": self.format,
            "sections": [s.to_dict() for s in self.sections],
            "tables": [t.to_dict() for t in self.tables],
            "indicators": [i.to_dict() for i in self.indicators],
        }


def _num(value: float | None) -> float | int | None:
    """Integral floats print as ints (97, not 97.0), as they appear in the reports."""
    if value is None:
        return None
    return int(value) if float(value).is_integer() else value
