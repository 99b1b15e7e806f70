"""The ``jixiao`` console script: the library's commands plus ``serve``.

``serve`` lives here because ``indexer`` never imports ``service``.
"""

from __future__ import annotations

from pathlib import Path

import click

from indexer.cli import _friendly_errors, _settings, data_option, main


@main.command("serve")
@data_option
@click.option("--host", default=None, help="Address to bind (default 127.0.0.1).")
@click.option("--port", type=int, default=None, help="Port (default 8000).")
@_friendly_errors
def serve_cmd(data_dir: Path | None, host: str | None, port: int | None) -> None:
    """Serve the search page, the widget and the JSON API (OpenAPI at /docs).

    \b
    Example:
      jixiao serve --data data --port 8000
    """
    import uvicorn

    from indexer.store import Store

    from .app import create_app

    settings = _settings(data_dir=data_dir, host=host, port=port)
    Store(settings.data_dir)  # fail now, with a clear message, when there is no index
    click.echo(
        f"绩效知识库：http://{settings.host}:{settings.port}/ （数据目录 {settings.data_dir}）"
    )
    uvicorn.run(create_app(settings), host=settings.host, port=settings.port, log_level="warning")


if __name__ == "__main__":  # pragma: no cover
    main()
