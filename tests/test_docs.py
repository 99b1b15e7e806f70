"""Docs that cannot drift: every command, setting and API route appears in the README."""

from __future__ import annotations

import click

from indexer.config import setting_help
from service.cli import main
from tests.conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


def _commands(group: click.Group, prefix: str = "jixiao") -> list[str]:
    names = []
    for name, command in group.commands.items():
        full = f"{prefix} {name}"
        if isinstance(command, click.Group):
            names += _commands(command, full)
        else:
            names.append(full)
    return names


def test_every_cli_command_is_documented() -> None:
    missing = [c for c in _commands(main) if f"`{c}" not in README]
    assert missing == []


def test_every_setting_is_documented() -> None:
    missing = [name for name in setting_help() if f"`{name}`" not in README]
    assert missing == []


def test_quickstart_shows_the_two_commands() -> None:
    assert "make serve" in README and "make test" in README


def test_every_api_route_is_documented() -> None:
    from indexer.config import Settings
    from service.app import create_app

    app = create_app(Settings(data_dir="/nonexistent"))
    routes = {
        (method, route.path)  # type: ignore[attr-defined]
        for route in app.routes
        if getattr(route, "path", "").startswith("/api/")
        for method in getattr(route, "methods", ())
    }
    missing = [f"{m} {p}" for m, p in sorted(routes) if f"{m} {p}" not in README]
    assert missing == []
