"""The ``jixiao`` console script: the library's commands plus ``serve``.

``serve`` lives here because ``indexer`` never imports ``service``.
"""

from __future__ import annotations

from pathlib import Path

import click
from fastapi import FastAPI

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
    app = create_app(settings)
    click.echo("正在加载模型和索引…", err=True)
    warm_up(app)
    click.echo(
        f"绩效知识库：http://{settings.host}:{settings.port}/ （数据目录 {settings.data_dir}）"
    )
    uvicorn.run(app, host=settings.host, port=settings.port, log_level="warning")


def warm_up(app: FastAPI) -> None:
    """Load the model and the vector index before the first user waits for them."""
    state = app.state.jixiao
    state.searcher.embedder.embed_queries(["预热"])
    state.store.vector_index(state.settings.vector_index)


if __name__ == "__main__":  # pragma: no cover
    main()
