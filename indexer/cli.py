"""The ``jixiao`` command line. Typed errors become one line on stderr and a non-zero exit."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar

import click

from .errors import JixiaoError

F = TypeVar("F", bound=Callable[..., Any])


def _friendly_errors(func: F) -> F:
    """Turn a ``JixiaoError`` into ``错误：…`` on stderr and its exit code; never a traceback."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except JixiaoError as exc:
            click.echo(f"错误：{exc.message}", err=True)
            sys.exit(exc.exit_code)

    return wrapper  # type: ignore[return-value]


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


if __name__ == "__main__":  # pragma: no cover
    main()
