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


SQ8_THRESHOLD = 200_000


def empty_index(kind: str, dim: int, count: int, sample: np.ndarray) -> VectorIndex:
    """A new, empty index of ``kind`` sized for ``count`` vectors; an IVF index is trained
    on ``sample``. Above SQ8_THRESHOLD vectors the lists hold 8-bit scalar-quantised
    vectors (a quarter of the memory; recall measured in the benchmark)."""
    import faiss

    if kind == "ivf" and len(sample) >= 1000:
        nlist = max(16, min(4096, int(4 * math.sqrt(count))))
        quantizer = faiss.IndexFlatIP(dim)
        if count >= SQ8_THRESHOLD:
            index: Any = faiss.IndexIVFScalarQuantizer(
                quantizer, dim, nlist, faiss.ScalarQuantizer.QT_8bit, faiss.METRIC_INNER_PRODUCT
            )
        else:
            index = faiss.IndexIVFFlat(quantizer, dim, nlist, faiss.METRIC_INNER_PRODUCT)
        index.train(np.ascontiguousarray(sample[: nlist * 64], dtype=np.float32))
        index.nprobe = min(32, nlist)
        return VectorIndex(index=index, kind="ivf", dim=dim)
    return VectorIndex(index=faiss.IndexIDMap2(faiss.IndexFlatIP(dim)), kind="flat", dim=dim)


def build_index(kind: str, dim: int, ids: np.ndarray, vectors: np.ndarray) -> VectorIndex:
    """A new index of ``kind`` holding ``vectors`` (an IVF index is trained on them)."""
    rng = np.random.default_rng(0)
    order = rng.permutation(len(vectors)) if len(vectors) else np.zeros(0, dtype=np.int64)
    built = empty_index(kind, dim, len(ids), vectors[order] if len(vectors) else vectors)
    built.add(ids, vectors)
    return built


def serialize(index: VectorIndex) -> bytes:
    import faiss

    return bytes(faiss.serialize_index(index.index))


def deserialize(data: bytes, kind: str, dim: int) -> VectorIndex:
    import faiss

    raw = faiss.deserialize_index(np.frombuffer(data, dtype=np.uint8))
    return VectorIndex(index=raw, kind=kind, dim=dim)
