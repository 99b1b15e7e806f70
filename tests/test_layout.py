"""The project's shape: `indexer` is the library and never imports `service`."""

from __future__ import annotations

import ast

from tests.conftest import ROOT


def test_indexer_never_imports_service() -> None:
    offenders = []
    for path in (ROOT / "indexer").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            if any(n == "service" or n.startswith("service.") for n in names):
                offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []


def test_importing_indexer_loads_no_models() -> None:
    import subprocess
    import sys

    code = (
        "import sys, indexer, indexer.cli, indexer.parse, indexer.config; "
        "heavy = [m for m in ('torch', 'jieba', 'faiss', 'sentence_transformers', 'pdfplumber') "
        "if m in sys.modules]; print(heavy)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert out.stdout.strip() == "[]", out.stderr
