"""A finance-bureau analyst drops the text extracts of two real reports in; we read them right."""

from __future__ import annotations

from pathlib import Path

import pytest

from indexer.errors import EncodingError
from indexer.parse import parse_file
from indexer.parse.text import decode
from tests.conftest import LUSONG, TEST_DATA, ZHUZHOU, corpus_file

ZHUZHOU_TOP = [
    "一、部门基本情况",
    "二、一般公共预算支出情况",
    "三、政府性基金预算支出情况",
    "四、国有资本经营预算支出情况",
    "五、社会保险基金预算支出情况",
    "六、资金使用及绩效情况（包含单位管理的公共专项）",
    "七、存在的问题及原因分析",
    "八、下一步改进措施",
    "九、部门整体支出绩效自评结果拟应用和公开情况",
]


def _indicator(report, level3):  # type: ignore[no-untyped-def]
    return next(i for i in report.indicators if i.level3 == level3)


def test_zhuzhou_text_metadata_and_outline() -> None:
    report = parse_file(corpus_file(ZHUZHOU, "txt"))
    assert report.unit == "株洲市房屋维修资金管理中心"
    assert report.region == "株洲市"
    assert report.year == 2023
    assert report.report_type == "整体支出"
    assert report.fill_date == "2024-04-20"
    assert report.total_score == 97
    assert report.title == "2023年度株洲市房屋维修资金管理中心整体支出绩效自评报告"
    numbered_top = [s.heading for s in report.sections if s.level == 1 and "附件" not in s.heading]
    assert numbered_top == ZHUZHOU_TOP
    sub = next(s for s in report.sections if s.heading == "（二）机构设置")
    assert sub.level == 2 and sub.path == ("一、部门基本情况", "（二）机构设置")
    assert "共有编制人数16人" in sub.text


def test_zhuzhou_indicators_carry_merged_cells_down() -> None:
    report = parse_file(corpus_file(ZHUZHOU, "txt"))
    assert len(report.indicators) == 10  # rows whose 三级指标 is "/" carry none
    lift = _indicator(report, "推进电梯保险改革")
    assert (lift.target, lift.actual, lift.weight, lift.score) == ("≥4000台", "≥4000台", 10, 9)
    assert (lift.level1, lift.level2, lift.level1_weight) == ("产出指标", "数量指标", 40)
    cost = _indicator(report, "全年单位共用运转经费")
    assert (cost.target, cost.weight, cost.score) == ("≤80.83万元", 20, 20)
    assert (cost.level1, cost.level2) == ("成本指标", "经济成本指标")
    assert report.budget["initial_budget"] == 351.86
    assert report.budget["executed"] == 338.54
    assert report.budget["execution_rate"] == 100
    assert report.budget["staff_authorized"] == 16


def test_lusong_cell_per_line_layout() -> None:
    report = parse_file(corpus_file(LUSONG, "txt"))
    assert report.unit == "株洲市芦淞区物业服务指导中心"
    assert report.region == "株洲市芦淞区"
    assert (report.year, report.report_type, report.total_score) == (2023, "整体支出", 83)
    assert len(report.indicators) == 5
    lift = _indicator(report, "加装电梯")
    assert (lift.target, lift.actual, lift.weight, lift.score) == ("50台", "16台", 20, 12)
    assert lift.deviation == "资金紧张，未能如期支付"
    training = _indicator(report, "业务培训")
    assert training.level1 == "效益指标" and training.level2 == "社会效益指标"
    assert report.budget["execution_rate"] == 99.63
    assert report.budget["staff_actual"] == 7


def test_wrapped_cell_text_is_joined_without_spaces() -> None:
    report = parse_file(corpus_file(LUSONG, "txt"))
    cells = {cell for table in report.tables for row in table.rows for cell in row}
    cells |= {cell for table in report.tables for cell in table.header}
    assert "楼堂馆所控制情况（2023年完工项目）" in cells
    assert "年度预算申请（万元）" in cells
    assert "满意度指标（10分）" in cells
    assert "经济效益指标" in cells  # 经济效 / 益指标 on two lines


def test_paragraph_broken_across_lines_is_joined() -> None:
    report = parse_file(corpus_file(ZHUZHOU, "txt"))
    text = "\n".join(s.text for s in report.sections)
    assert "紧紧围绕局党委提出的工作思路" in text
    assert "部门整体支出绩效自评报告公开" in text
    assert "—7—" not in text and "— 7 —" not in text


def test_tables_carry_caption_and_section() -> None:
    report = parse_file(corpus_file(LUSONG, "txt"))
    captions = [(t.caption, t.section) for t in report.tables]
    assert captions == [
        ("2023年度部门（单位）整体支出绩效评价基础数据表", "附件2"),
        ("2023年度部门（单位）整体支出绩效自评表", "附件3"),
    ]


@pytest.mark.parametrize("name", [ZHUZHOU, LUSONG])
def test_gbk_text_reads_like_utf8(name: str) -> None:
    gbk = TEST_DATA / f"{name}-gbk.txt"
    with pytest.raises(UnicodeDecodeError):
        gbk.read_bytes().decode("utf-8")
    utf8 = parse_file(corpus_file(name, "txt")).to_dict()
    other = parse_file(gbk).to_dict()
    for key in ("source", "format"):
        utf8.pop(key)
        other.pop(key)
    assert other == utf8


def test_binary_bytes_are_not_mojibake(tmp_path: Path) -> None:
    with pytest.raises(EncodingError):
        decode(bytes(range(256)) * 20, tmp_path / "x.txt")


def test_partial_extracts_without_title_or_headings(tmp_path: Path) -> None:
    only_text = tmp_path / "excerpt.txt"
    only_text.write_text("存在的问题：资金拨付进度慢，项目前期论证不足。\n", encoding="utf-8")
    report = parse_file(only_text)
    assert report.title == "" and report.year is None
    assert report.sections[0].text.startswith("存在的问题")
    one_section = tmp_path / "section.txt"
    one_section.write_text("七、存在的问题及原因分析\n1、预算编制不够细化。\n", encoding="utf-8")
    report = parse_file(one_section)
    assert [s.heading for s in report.sections] == ["七、存在的问题及原因分析"]


@pytest.mark.parametrize(
    ("unit", "region"),
    [
        ("株洲市芦淞区物业服务指导中心", "株洲市芦淞区"),
        ("长沙市望城区人力资源和社会保障局", "长沙市望城区"),
        ("秭归县市场监督管理局", "秭归县"),
        ("赣州市赣县区民政局", "赣州市赣县区"),
        ("韶山市民政局", "韶山市"),
        ("株洲市社区服务中心", "株洲市"),
        ("湖南省人民医院", "湖南省"),
    ],
)
def test_region_from_unit_name(unit: str, region: str) -> None:
    from indexer.parse.structure import region_of

    assert region_of(unit) == region
