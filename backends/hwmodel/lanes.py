"""The iteration space of an ``accel.kernel``: lanes and their steps.

A lane is one (batch, head, query tile); its steps are the key tiles of its
tile-table row (``#accel.blocks``) or the parts of its window band
(``#accel.band``).  Everything here is index arithmetic on NumPy arrays; no
N x N array is formed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from attn_ir.dialects import accel as A


@dataclass(frozen=True)
class Lanes:
    batch: np.ndarray
    head: np.ndarray
    q_tile: np.ndarray
    steps: np.ndarray
    """Number of steps of each lane."""
    rows: int
    """Query rows per lane (tile height)."""
    cols: int
    """Keys per step (tile width or band part width)."""
    band: A.BandAttr | None
    key_tile: list[np.ndarray]
    """Per head (or one for all): key tile of each tile-table entry."""
    full: list[np.ndarray]
    ptr: list[np.ndarray]

    def __len__(self) -> int:
        return len(self.batch)

    @property
    def total_steps(self) -> int:
        return int(self.steps.sum())

    def table_index(self, lanes: np.ndarray, step: int) -> tuple[np.ndarray, np.ndarray]:
        """(key tile, full flag) of ``step`` of each lane (block iterations)."""
        heads = self.head[lanes] if len(self.ptr) > 1 else np.zeros(len(lanes), np.int64)
        kt = np.empty(len(lanes), np.int64)
        full = np.empty(len(lanes), bool)
        for h in np.unique(heads):
            sel = heads == h
            at = self.ptr[h][self.q_tile[lanes[sel]]] + step
            kt[sel] = self.key_tile[h][at]
            full[sel] = self.full[h][at]
        return kt, full


def kernel_lanes(kernel: A.KernelOp) -> Lanes:
    b, h, nq, _, _, _ = kernel.dims
    it = kernel.iteration
    if isinstance(it, A.BlocksAttr):
        rows, cols = it.q.data, it.k.data
        tables = [t.arrays for t in it.tables.data]
        ptr = [t[0].astype(np.int64) for t in tables]
        counts = [np.diff(p) for p in ptr]
        band = None
    else:
        rows, cols = it.rows.data, it.cols.data
        ptr, tables = [], []
        counts = [np.full(-(-nq // rows), it.parts.data)]
        band = it
    nqt = -(-nq // rows)
    bb, hh, tt = np.meshgrid(np.arange(b), np.arange(h), np.arange(nqt), indexing="ij")
    bb, hh, tt = bb.ravel(), hh.ravel(), tt.ravel()
    steps = np.empty(len(bb), np.int64)
    for head in range(h):
        sel = hh == head
        steps[sel] = counts[head if len(counts) > 1 else 0][tt[sel]]
    return Lanes(bb, hh, tt, steps, rows, cols, band,
                 [t[1].astype(np.int64) for t in tables], [t[2] for t in tables], ptr)
