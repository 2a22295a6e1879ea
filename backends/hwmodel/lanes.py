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
    """Query tile of the lane (its index among the head's lanes)."""
    row_start: np.ndarray
    row_stride: np.ndarray
    """The lane's query rows are ``row_start + r * row_stride``, r < rows."""
    steps: np.ndarray
    """Number of steps of each lane."""
    has_global_rows: np.ndarray
    """Whether the lane's rows include global queries (SALO's global PE row)."""
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


def lane_heads(kernel: A.KernelOp) -> list[int]:
    """The first head of each lane's heads: every head, or with
    ``lane_heads = G`` every G-th (a lane then holds G consecutive heads)."""
    per_lane = kernel.lane_heads.value.data if kernel.lane_heads is not None else 1
    return list(range(0, kernel.dims[1], per_lane))


def kernel_lanes(kernel: A.KernelOp, expand: bool = True) -> Lanes:
    """The kernel's lanes; ``expand=False`` skips listing each step's key
    tile (timing needs only the step counts)."""
    b, _, nq, _, _, _ = kernel.dims
    heads = lane_heads(kernel)
    it = kernel.iteration
    if isinstance(it, A.BlocksAttr):
        rows, cols = it.q.data, it.k.data
        tables = [t.arrays for t in it.tables.data] if expand else []
        ptr = [t[0].astype(np.int64) for t in tables]
        counts = [t.runs.tiles_per_query_tile for t in it.tables.data]
        band = None
    else:
        rows, cols = it.rows.data, it.cols.data
        ptr, tables, counts = [], [], []
        band = it
    if band is None:
        nqt = -(-nq // rows)
        bb, hh, tt = (a.ravel() for a in np.meshgrid(
            np.arange(b), np.array(heads), np.arange(nqt), indexing="ij"))
        starts, strides = tt * rows, np.ones_like(tt)
        steps = np.empty(len(bb), np.int64)
        for head in heads:
            sel = hh == head
            steps[sel] = counts[head if len(counts) > 1 else 0][tt[sel]]
    else:
        # A dilated window is mapped by index remapping: the queries of one
        # residue class modulo the dilation form the lane's rows, so their
        # keys form one strided band.
        parts = []
        for head in heads:
            dil = band.head_dilation(head)
            for residue in range(min(dil, nq)):
                count = len(range(residue, nq, dil))
                t = np.arange(-(-count // rows))
                parts.append((np.full_like(t, head), residue + t * rows * dil,
                              np.full_like(t, dil)))
        hh1 = np.concatenate([p[0] for p in parts])
        starts1 = np.concatenate([p[1] for p in parts])
        strides1 = np.concatenate([p[2] for p in parts])
        bb = np.repeat(np.arange(b), len(hh1))
        hh, starts, strides = (np.tile(a, b) for a in (hh1, starts1, strides1))
        tt = np.tile(np.arange(len(hh1)), b)
        steps = np.full(len(bb), band.parts.data, np.int64)
    has_global = np.zeros(len(bb), bool)
    if band is not None and len(band.globals.data):
        lane_rows = starts[:, None] + np.arange(rows)[None, :] * strides[:, None]
        has_global = np.isin(lane_rows, [g.data for g in band.globals.data]).any(axis=1)
    return Lanes(bb, hh, tt, starts, strides, steps, has_global, rows, cols, band,
                 [t[1].astype(np.int64) for t in tables], [t[2] for t in tables], ptr)


def _run_length(values: list[tuple[int, bool]]) -> list[tuple[int, bool, int]]:
    runs: list[tuple[int, bool, int]] = []
    for steps, glob in values:
        if runs and runs[-1][:2] == (steps, glob):
            runs[-1] = (steps, glob, runs[-1][2] + 1)
        else:
            runs.append((steps, glob, 1))
    return runs


def lane_runs(kernel: A.KernelOp) -> list[tuple[int, bool, int]]:
    """The lanes in order as (steps, holds global queries, count) runs, built
    per head and repeated per batch, without one entry per lane (batch 64 x
    1M tokens has millions of lanes)."""
    b, _, nq, _, _, _ = kernel.dims
    heads = lane_heads(kernel)
    it = kernel.iteration
    per_head: list[list[tuple[int, bool, int]]] = []
    if isinstance(it, A.BlocksAttr):
        tables = it.tables.data
        for head in heads:
            table = tables[head] if len(tables) > 1 else tables[0]
            counts = table.runs.tiles_per_query_tile
            change = np.flatnonzero(np.diff(counts)) + 1
            starts = np.concatenate(([0], change))
            lengths = np.diff(np.append(starts, len(counts)))
            per_head.append([(int(counts[s]), False, int(n)) for s, n in zip(starts, lengths)])
    else:
        globals_ = [g.data for g in it.globals.data]
        rows = it.rows.data
        for head in heads:
            dil = it.head_dilation(head)
            flags = []
            for residue in range(min(dil, nq)):
                count = len(range(residue, nq, dil))
                for t in range(-(-count // rows)):
                    first = residue + t * rows * dil
                    lane_rows = range(first, first + rows * dil, dil)
                    flags.append((it.parts.data, any(g in lane_rows for g in globals_)))
            per_head.append(_run_length(flags))
    runs: list[tuple[int, bool, int]] = []
    for _ in range(b):
        for head_runs in per_head:
            for run in head_runs:
                if runs and runs[-1][:2] == run[:2]:
                    runs[-1] = (run[0], run[1], runs[-1][2] + run[2])
                else:
                    runs.append(run)
    return runs
