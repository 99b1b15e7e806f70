"""Human-readable text renderings for the CLI (Chinese labels, plain text, no colour codes)."""

from __future__ import annotations

from typing import Any

from .models import Report


def _pages(start: int | None, end: int | None) -> str:
    if start is None:
        return ""
    return f"  第{start}页" if end in (None, start) else f"  第{start}–{end}页"


def _fmt(value: float | None) -> str:
    if value is None:
        return "—"
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def outline_text(report: Report) -> str:
    """An outline of a parsed report: metadata, sections, tables and indicator records."""
    lines = [report.title or "（无标题）", ""]
    lines.append(
        f"单位：{report.unit or '—'}　地区：{report.region or '—'}　年度：{report.year or '—'}"
        f"　类型：{report.report_type}　填报日期：{report.fill_date or '—'}"
        f"　页数：{report.pages if report.pages is not None else '—'}"
    )
    budget = report.budget
    lines.append(
        f"总分：{_fmt(report.total_score)}　年初预算数：{_fmt(budget.get('initial_budget'))}"
        f"　全年预算数：{_fmt(budget.get('full_year_budget'))}"
        f"　全年执行数：{_fmt(budget.get('executed'))}"
        f"　执行率：{_fmt(budget.get('execution_rate'))}%"
    )
    lines += ["", f"章节（{len(report.sections)}）"]
    for section in report.sections:
        indent = "  " * max(section.level - 1, 0)
        lines.append(f"{indent}{section.heading}{_pages(section.page_start, section.page_end)}")
    lines += ["", f"表格（{len(report.tables)}）"]
    for table in report.tables:
        lines.append(
            f"  {table.caption or '（无标题表格）'}　{len(table.rows) + 1}行"
            f"{_pages(table.page_start, table.page_end)}　位于：{table.section or '—'}"
        )
    lines += ["", f"绩效指标（{len(report.indicators)}）"]
    for ind in report.indicators:
        lines.append(
            f"  {ind.level1} / {ind.level2} / {ind.level3}：指标值 {ind.target or '—'}，"
            f"完成值 {ind.actual or '—'}，分值 {_fmt(ind.weight)}，得分 {_fmt(ind.score)}"
            + (f"，偏差：{ind.deviation}" if ind.deviation else "")
        )
    return "\n".join(lines)


def _marked(text: str, spans: list[tuple[int, int]]) -> str:
    out, pos = [], 0
    for start, end in spans:
        out += [text[pos:start], "【", text[start:end], "】"]
        pos = end
    out.append(text[pos:])
    return "".join(out)


def results_text(result: Any, request: Any) -> str:
    """A numbered list: unit · year · section path · page, then the text with 【matches】."""
    if not result.hits:
        return "没有找到结果。"
    lines = [
        f"共 {result.total} 条结果，显示第 {request.offset + 1}–"
        f"{request.offset + len(result.hits)} 条（{result.took_ms:.0f} ms）"
    ]
    kinds = {"passage": "段落", "table": "表格", "indicator": "指标"}
    for i, hit in enumerate(result.hits, start=request.offset + 1):
        r = hit.report
        page = f" · 第{hit.page}页" if hit.page else ""
        lines.append("")
        lines.append(
            f"{i}. [{kinds.get(hit.kind, hit.kind)}] {r.unit} · {r.year or '—'} · "
            f"{' > '.join(hit.path) or hit.heading}{page}"
        )
        text = _marked(hit.text, hit.highlights).replace("\n", " ")
        lines.append(f"   {text[:300]}{'…' if len(text) > 300 else ''}")
        if hit.table:
            for row_index in hit.table["match_rows"][:5]:
                row = hit.table["rows"][row_index]
                lines.append("   ▸ " + " | ".join(c for c in row if c))
    return "\n".join(lines)


def answer_text(answer: Any) -> str:
    if answer.answer is None:
        lines = ["没有找到可靠的答案。"]
    else:
        lines = [f"答：{answer.answer}（置信度 {answer.confidence:.2f}）"]
    for i, hit in enumerate(answer.citations, start=1):
        page = f" 第{hit.page}页" if hit.page else ""
        lines.append(
            f"  [{i}] {hit.report.unit} {hit.report.year or ''} · "
            f"{' > '.join(hit.path) or hit.heading}{page}"
        )
    return "\n".join(lines)
