"""The in-memory FAISS index over chunk vectors (inner product on normalised vectors).

Exact (``flat``) for small collections, inverted lists (``ivf``) above a size threshold, chosen
automatically (``auto``) or by setting. Ids are chunk ids. Reading and writing the index file is
the store's job; this module only builds, updates and searches.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

IVF_THRESHOLD = 50_000


@dataclass
class VectorIndex:
    """A FAISS index with its kind and dimension."""

    index: Any
    kind: str
    dim: int

    @property
    def ntotal(self) -> int:
        return int(self.index.ntotal)

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        if len(ids):
            self.index.add_with_ids(
                np.ascontiguousarray(vectors, dtype=np.float32), ids.astype(np.int64)
            )

    def remove(self, ids: np.ndarray) -> None:
        if len(ids):
            import faiss

            self.index.remove_ids(faiss.IDSelectorBatch(ids.astype(np.int64)))

    def search(
        self, query: np.ndarray, k: int, allowed: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """(ids, scores) of the ``k`` nearest vectors to one query (fewer in a small index)."""
        if self.ntotal == 0 or k <= 0 or (allowed is not None and len(allowed) == 0):
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        q = np.ascontiguousarray(query.reshape(1, -1), dtype=np.float32)
        params: Any = None
        if allowed is not None:
            import faiss

            selector = faiss.IDSelectorBatch(allowed.astype(np.int64))
            if self.kind == "ivf":
                params = faiss.SearchParametersIVF()
                params.nprobe = self.index.nprobe
            else:
                params = faiss.SearchParameters()
            params.sel = selector
        scores, ids = self.index.search(q, min(k, self.ntotal), params=params)
        keep = ids[0] >= 0
        return ids[0][keep], scores[0][keep]

    def set_nprobe(self, nprobe: int) -> None:
        if self.kind == "ivf":
            self.index.nprobe = nprobe


def choose_kind(setting: str, count: int) -> str:
    """``auto`` → ``flat`` below IVF_THRESHOLD vectors, ``ivf`` above."""
    if setting in ("flat", "ivf"):
        return setting
    return "ivf" if count >= IVF_THRESHOLD else "flat"


def build_index(kind: str, dim: int, ids: np.ndarray, vectors: np.ndarray) -> VectorIndex:
    """A new index of ``kind`` holding ``vectors`` (an IVF index is trained on them)."""
    import faiss

    if kind == "ivf" and len(ids) >= 1000:
        nlist = max(16, min(4096, int(4 * math.sqrt(len(ids)))))
        quantizer = faiss.IndexFlatIP(dim)
        index = faiss.IndexIVFFlat(quantizer, dim, nlist, faiss.METRIC_INNER_PRODUCT)
        sample = vectors
        if len(vectors) > nlist * 64:
            rng = np.random.default_rng(0)
            sample = vectors[rng.choice(len(vectors), nlist * 64, replace=False)]
        index.train(np.ascontiguousarray(sample, dtype=np.float32))
        index.nprobe = min(32, nlist)
        built = VectorIndex(index=index, kind="ivf", dim=dim)
    else:
        built = VectorIndex(index=faiss.IndexIDMap2(faiss.IndexFlatIP(dim)), kind="flat", dim=dim)
    built.add(ids, vectors)
    return built


def serialize(index: VectorIndex) -> bytes:
    import faiss

    return bytes(faiss.serialize_index(index.index))


def deserialize(data: bytes, kind: str, dim: int) -> VectorIndex:
    import faiss

    raw = faiss.deserialize_index(np.frombuffer(data, dtype=np.uint8))
    return VectorIndex(index=raw, kind=kind, dim=dim)
