"""The same report as text, Word and two differently produced PDFs reads the same."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from indexer.models import Report
from indexer.parse import parse_file
from tests.conftest import LUSONG, SEEDS, TEST_DATA, ZHUZHOU, corpus_file


def _squash(text: str) -> str:
    return "".join(text.split())


def summary(report: Report) -> dict[str, Any]:
    """What must agree across formats (page numbers and paragraph breaks may differ)."""
    return {
        "title": report.title,
        "unit": report.unit,
        "region": report.region,
        "year": report.year,
        "report_type": report.report_type,
        "fill_date": report.fill_date,
        "total_score": report.total_score,
        "budget": report.budget,
        "sections": [(s.heading, s.level, s.path, _squash(s.text)) for s in report.sections],
        "tables": [
            (t.caption, t.section, [[c for c in row if c] for row in (t.header, *t.rows)])
            for t in report.tables
        ],
        "indicators": [{**i.to_dict(), "page": None} for i in report.indicators],
    }


def forms(name: str) -> dict[str, Path]:
    return {
        "docx": corpus_file(name, "docx"),
        "pdf (LibreOffice)": corpus_file(name, "pdf"),
        "pdf (reportlab)": TEST_DATA / f"{name}-reportlab.pdf",
    }


@pytest.fixture(scope="module")
def parsed() -> dict[tuple[str, str], Report]:
    out = {}
    for name in SEEDS:
        out[(name, "txt")] = parse_file(corpus_file(name, "txt"))
        for form, path in forms(name).items():
            out[(name, form)] = parse_file(path)
    return out


@pytest.mark.parametrize("name", SEEDS)
@pytest.mark.parametrize("form", ["docx", "pdf (LibreOffice)", "pdf (reportlab)"])
def test_every_form_reads_like_the_text(
    parsed: dict[tuple[str, str], Report], name: str, form: str
) -> None:
    expected = summary(parsed[(name, "txt")])
    got = summary(parsed[(name, form)])
    for key in expected:
        assert got[key] == expected[key], f"{form}: {key} differs"


def test_acceptance_records_in_every_form(parsed: dict[tuple[str, str], Report]) -> None:
    for (name, form), report in parsed.items():
        assert report.year == 2023 and report.report_type == "整体支出", (name, form)
        if name == ZHUZHOU:
            assert report.total_score == 97, form
            assert len(report.indicators) == 10, form
            top = [s.heading for s in report.sections if s.level == 1][:9]
            assert [h[0] for h in top] == list("一二三四五六七八九"), form
        if name == LUSONG:
            assert report.total_score == 83, form
            assert len(report.indicators) == 5, form


@pytest.mark.parametrize("name", SEEDS)
def test_pdfs_carry_page_numbers(parsed: dict[tuple[str, str], Report], name: str) -> None:
    for form in ("pdf (LibreOffice)", "pdf (reportlab)"):
        report = parsed[(name, form)]
        assert report.pages and report.pages >= 5
        assert all(s.page_start is not None for s in report.sections if s.level)
        assert all(t.page_start is not None for t in report.tables)
        pages = [s.page_start or 0 for s in report.sections if s.level]
        assert pages == sorted(pages), "sections come in page order"
        assert all(i.page is not None for i in report.indicators)


@pytest.mark.parametrize("name", SEEDS)
def test_table_split_across_pages_is_one_table(
    parsed: dict[tuple[str, str], Report], name: str
) -> None:
    """In the reportlab PDFs the 自评表 breaks across a page inside a row."""
    report = parsed[(name, "pdf (reportlab)")]
    table = next(t for t in report.tables if "自评表" in t.caption)
    assert table.page_end is not None and table.page_start is not None
    assert table.page_end > table.page_start
    text_rows = parsed[(name, "txt")].tables[-1].rows
    assert len(table.rows) == len(text_rows), "no row fragment left behind by the page break"


@pytest.mark.parametrize("name", SEEDS)
def test_running_headers_and_page_marks_are_dropped(
    parsed: dict[tuple[str, str], Report], name: str
) -> None:
    for form in ("pdf (LibreOffice)", "pdf (reportlab)"):
        report = parsed[(name, form)]
        text = "\n".join(s.text for s in report.sections)
        assert "—" not in "".join(line.strip() for line in text.splitlines() if len(line) < 12)
        assert report.title not in text
