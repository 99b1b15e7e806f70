"""Embedding options measured side by side: sentence-transformers on torch (fp32, threads,
batch sizes) against ONNX Runtime, with fidelity (cosine to torch fp32) for each.

Needs the optional packages ``optimum[onnxruntime]`` (not a project dependency):
``.venv/bin/python bench/embed_backends.py DATA_DIR`` reads chunk texts from an index.
"""

from __future__ import annotations

import json
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> int:
    import torch
    from sentence_transformers import SentenceTransformer

    from indexer.config import Settings
    from indexer.embed import ensure_default_model

    data = Path(sys.argv[1])
    texts = [
        "passage: " + r[0]
        for r in sqlite3.connect(data / "jixiao.sqlite3").execute(
            "SELECT embed_text FROM chunks ORDER BY id LIMIT 256"
        )
    ]
    model_dir = ensure_default_model(Settings().resolved_cache_dir())
    results: dict[str, object] = {"texts": len(texts)}

    def run(model: SentenceTransformer, batch: int) -> tuple[float, np.ndarray]:
        model.encode(texts[:8], batch_size=8, normalize_embeddings=True)
        t0 = time.perf_counter()
        vecs = model.encode(texts, batch_size=batch, normalize_embeddings=True)
        return len(texts) / (time.perf_counter() - t0), np.asarray(vecs)

    torch_model = SentenceTransformer(str(model_dir), device="cpu")
    reference = None
    for threads in (1, 2):
        torch.set_num_threads(threads)
        for batch in (8, 32, 64):
            speed, vecs = run(torch_model, batch)
            if reference is None:
                reference = vecs
            results[f"torch_fp32_threads{threads}_batch{batch}"] = round(speed, 2)
    torch.set_num_threads(2)
    assert reference is not None
    try:
        onnx_dir = Path(tempfile.mkdtemp()) / "onnx"
        onnx_model = SentenceTransformer(
            str(model_dir), device="cpu", backend="onnx", model_kwargs={"export": True}
        )
        onnx_model.save(str(onnx_dir))
        for batch in (8, 32, 64):
            speed, vecs = run(onnx_model, batch)
            cos = float(np.min(np.sum(vecs * reference, axis=1)))
            results[f"onnx_fp32_batch{batch}"] = round(speed, 2)
            results[f"onnx_fp32_min_cosine_batch{batch}"] = round(cos, 6)
    except Exception as exc:  # optional backend missing or failing: say so in the results
        results["onnx_error"] = f"{type(exc).__name__}: {exc}"[:300]
    print(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
