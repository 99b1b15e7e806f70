"""The synthetic report generator (bench/synth.py): parseable in every format, deterministic,
and its planted queries point at exactly one report."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from indexer.parse import parse_file

ROOT = Path(__file__).resolve().parent.parent
FORMATS = ("txt", "docx", "pdf")


def _load_synth() -> ModuleType:
    """bench/ is not a package: load the script as a module (registered for dataclasses)."""
    name = "jixiao_bench_synth"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, ROOT / "bench" / "synth.py")
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


def _squash(text: str) -> str:
    return "".join(text.split())


@pytest.fixture(scope="module")
def synth() -> ModuleType:
    return _load_synth()


@pytest.fixture(scope="module")
def reports(synth: ModuleType) -> list[Any]:
    return list(synth.generate(6, seed=1))


@pytest.fixture(scope="module")
def written(
    synth: ModuleType, reports: list[Any], tmp_path_factory: pytest.TempPathFactory
) -> Path:
    out = tmp_path_factory.mktemp("synth")
    synth.write_reports(reports, out, formats=FORMATS)
    return out


def test_reports_are_marked_and_varied(synth: ModuleType, reports: list[Any]) -> None:
    for report in reports:
        assert report.stem.startswith("synth-")
        lines = synth.render_text(report).splitlines()
        assert lines[0] == report.title
        assert lines[1:3].count(synth.SYNTH_MARK) == 1  # right after the title
        assert 6 <= report.indicator_count <= 14
    assert {r.report_type for r in reports} == {"整体支出", "项目支出"}
    assert len({r.unit for r in reports}) > 1


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_parses_to_the_truth(reports: list[Any], written: Path, fmt: str) -> None:
    for report in reports:
        path = written / f"{report.stem}.{fmt}"
        parsed = parse_file(path)
        got = (
            parsed.unit,
            parsed.year,
            parsed.report_type,
            parsed.total_score,
            len(parsed.indicators),
        )
        want = (
            report.unit,
            report.year,
            report.report_type,
            report.total_score,
            report.indicator_count,
        )
        assert got == want, path.name


def test_total_is_the_sum_of_the_scores(reports: list[Any], written: Path) -> None:
    """总分 = the indicators' 得分 plus the budget block's 得分."""
    for report in reports:
        parsed = parse_file(written / f"{report.stem}.txt")
        scores = sum(i.score or 0 for i in parsed.indicators)
        budget_score = parsed.budget["score"]
        assert budget_score is not None
        assert round(scores + budget_score, 1) == parsed.total_score == report.total_score


def test_same_seed_same_bytes(synth: ModuleType, tmp_path: Path) -> None:
    first = synth.write_reports(synth.generate(6, seed=1), tmp_path / "a")
    second = synth.write_reports(synth.generate(6, seed=1), tmp_path / "b")
    assert [p.read_bytes() for p in first] == [p.read_bytes() for p in second]
    other = synth.generate(6, seed=2)
    assert [synth.render_text(r) for r in other] != [p.read_text("utf-8") for p in first]


def test_a_larger_run_starts_with_the_smaller_one(synth: ModuleType) -> None:
    small = synth.generate(3, seed=1)
    large = synth.generate(8, seed=1)
    assert [synth.render_text(r) for r in small] == [synth.render_text(r) for r in large[:3]]


def test_planted_queries_point_at_one_report(synth: ModuleType, reports: list[Any]) -> None:
    rows = synth.planted_queries(reports)
    assert len(rows) == sum(len(r.planted) for r in reports)  # none dropped in a small run
    assert {r["kind"] for r in rows} == {"keyword", "semantic", "table", "qa"}
    assert len({r["id"] for r in rows}) == len(rows)
    texts = {r.stem: _squash(synth.render_text(r)) for r in reports}
    for row in rows:
        needle = row["relevant_if_contains"]
        assert needle and needle == _squash(needle) and "|" not in needle
        owners = [stem for stem, text in texts.items() if needle in text]
        assert len(owners) == 1, (row["id"], needle, owners)
        assert row["id"].startswith(owners[0])
        if row["kind"] == "qa":
            assert row["answer"] and _squash(row["answer"]) in texts[owners[0]], row["id"]
        else:
            assert row["answer"] == ""


def test_queries_tsv_has_the_dev_columns(
    synth: ModuleType, reports: list[Any], tmp_path: Path
) -> None:
    path = tmp_path / "planted-queries.tsv"
    synth.write_queries(synth.planted_queries(reports), path)
    header = path.read_text("utf-8").splitlines()[0]
    assert header.split("\t") == ["id", "kind", "query", "relevant_if_contains", "answer"]
