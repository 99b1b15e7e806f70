"""Shared fixtures: the real corpus and the real seed reports, never mocks of our components."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
TEST_DATA = ROOT / "tests" / "data"
ZHUZHOU = "zhuzhou-weixiu-zijin-2023"
LUSONG = "lusong-wuye-zhidao-2023"
SEEDS = (ZHUZHOU, LUSONG)


@pytest.fixture(scope="session")
def corpus_dir() -> Path:
    return CORPUS


def corpus_file(name: str, suffix: str) -> Path:
    path = CORPUS / f"{name}.{suffix}"
    if not path.exists():
        pytest.fail(f"missing corpus file {path}; run `make corpus`")
    return path
