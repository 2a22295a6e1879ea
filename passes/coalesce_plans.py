"""Coalescing a tile table into query blocks against contiguous key ranges
(``#tile.coalesced``, see ``attn_ir.dialects.tile_coalesced``).

``plan_table`` turns one tile table into blocks of query rows, each with
its pieces of consecutive keys: full pieces (every row of the block attends
every key: one matrix product, no mask) and partial ones (the predicate
decides).  Two choices are made here:

* The query block size: a whole number ``m`` of query tiles, chosen by
  ``block_cost`` over ``m = 1, 2, 4, ...`` up to ``MAX_ROWS`` rows.  Larger
  blocks make larger matrix products (the K and V slices a product packs
  are reused by more rows) but touch more keys per row and turn more tiles
  partial at the band's edges; the cost counts both (``block_cost``).
* Rows that attend far more keys than the rest of their block (a global
  token's row in a block of window rows) are split into blocks of their own,
  so the other rows do not compute the long row's scores; a global token's
  column becomes a one-key full piece.

Both read the tile table and evaluate the predicate on partial tiles only,
for the rows of one block at a time: the work grows with the table, never
with Nq x Nk.
"""

from __future__ import annotations

import numpy as np

from attn_ir import patterns as P

MAX_ROWS = 512
"""Largest query block (rows); the scores of one block and one key step are
at most MAX_ROWS x STEP_KEYS per head."""

PACK_ROWS = 8
"""GEMM cost model: a block of R rows against W keys costs R x W x (1 +
PACK_ROWS / R) score units: the products pack each K and V slice once per
block (memory traffic proportional to W x D, shared by the R rows).  On
this project's machine (OpenBLAS 0.3.31, SkylakeX kernel) a 64 x 64 x 576
float32 product runs at 99 % and a 128 x 64 x 640 one at 95 % of the
single-thread rate of a 1024-cubed one (measured in one process), so the
per-block term is small: 8 rows' worth."""

ELEMENTWISE = 0.3
"""Element-wise work per computed score (exp, row sum) relative to one
score's two matmul multiply-adds over D = 64: an exponential costs about a
third of 4 x 64 flops at a core's sgemm rate."""

MASK = 0.3
"""Mask work per score of a partial piece (a predicate-selected copy of
-inf), in the same units."""

CALL = 4096
"""Fixed cost of one block (Python and call overhead of its steps), in
score units."""

OUTLIER = 2.0
"""A row is split from its block when it attends more than OUTLIER times
the block's median row count plus one key tile."""

MIN_FULL = 8
"""Shorter stretches of fully attended keys between partial ones stay
inside a partial piece (a strided pattern would otherwise make a piece per
key: the plan would grow with N x N / stride)."""


def block_cost(runs: P.TileRuns, nq: int, nk: int, bq: int, bk: int, m: int) -> float:
    """Estimated cost of the plan with blocks of ``m`` query tiles, from the
    tile table alone: per block, the union of its tiles' key tiles (scores
    computed), those not full for every member (mask work), the GEMM
    efficiency of its row count.  Query tiles that list more than 4x the
    median number of tiles (a global token's) are left out: their rows
    become blocks of their own whatever m is."""
    tile_ptr, keys, full = runs.expand()
    counts = np.diff(tile_ptr)
    nqt = len(counts)
    nkt = -(-nk // bk)
    live = counts[counts > 0]
    median = float(np.median(live)) if len(live) else 0.0
    keep_tile = counts <= 4 * median + 1
    query = np.repeat(np.arange(nqt), counts)
    sel = keep_tile[query]
    query, keys, full = query[sel], keys[sel], full[sel]
    block = query // m
    pair = block * nkt + keys
    uniq, inverse = np.unique(pair, return_inverse=True)
    n_full = np.bincount(inverse, weights=full, minlength=len(uniq))
    members = np.bincount(np.arange(nqt) // m, weights=keep_tile, minlength=-(-nqt // m))
    b_of = uniq // nkt
    all_full = n_full >= members[b_of]
    rows = np.minimum((np.arange(len(members)) + 1) * m * bq, nq) - np.arange(len(members)) * m * bq
    r = rows[b_of].astype(np.float64)
    scores = r * bk
    cost = scores * (1 + PACK_ROWS / r + ELEMENTWISE) + MASK * scores * ~all_full
    return float(cost.sum() + CALL * len(np.unique(b_of)))


def choose_rows(runs: P.TileRuns, nq: int, nk: int, bq: int, bk: int,
                max_rows: int = MAX_ROWS) -> int:
    """The query block size (a multiple of ``bq``) of least ``block_cost``."""
    best, best_m = None, 1
    m = 1
    while m == 1 or (m * bq <= max_rows and (m // 2) * bq < nq):
        cost = block_cost(runs, nq, nk, bq, bk, m)
        if best is None or cost < best * (1 - 1e-9):
            best, best_m = cost, m
        m *= 2
    return best_m * bq


def _segments(flags: np.ndarray) -> list[tuple[int, int]]:
    """(start, end) of each run of equal values."""
    if len(flags) == 0:
        return []
    edges = np.flatnonzero(np.diff(flags.astype(np.int8))) + 1
    bounds = np.concatenate(([0], edges, [len(flags)]))
    return list(zip(bounds[:-1].tolist(), bounds[1:].tolist()))


def _pieces(cols: np.ndarray, attended: np.ndarray, bk: int) -> list[tuple[int, int, bool]]:
    """Pieces (start key, end key, full) of a block whose rows attend
    ``attended`` [R, len(cols)] of the listed keys ``cols`` (ascending)."""
    every = attended.all(axis=0)
    some = attended.any(axis=0)
    idx = np.flatnonzero(some)
    if len(idx) == 0:
        return []
    k = cols[idx]
    # A stretch ends where unlisted keys lie between two attended ones, or
    # a key tile's worth of unattended listed keys.
    cut = np.flatnonzero((np.diff(k) != np.diff(idx)) | (np.diff(k) > bk)) + 1
    out = []
    for a, b in zip(np.concatenate(([0], cut)).tolist(), np.concatenate((cut, [len(idx)])).tolist()):
        lo, hi = idx[a], idx[b - 1] + 1  # positions in cols, contiguous keys
        flags = every[lo:hi]
        full_runs = [(s, e) for s, e in _segments(flags)
                     if flags[s] and (e - s >= MIN_FULL or e - s == hi - lo)]
        pos = lo
        for s, e in full_runs:
            if lo + s > pos:
                out.append((int(cols[pos]), int(cols[lo + s - 1]) + 1, False))
            out.append((int(cols[lo + s]), int(cols[lo + e - 1]) + 1, True))
            pos = lo + e
        if pos < hi:
            out.append((int(cols[pos]), int(cols[hi - 1]) + 1, False))
    return out


def plan_table(pattern: P.Pattern, runs: P.TileRuns, nq: int, nk: int, bq: int, bk: int,
               head: int = 0, rows: int | None = None, max_rows: int = MAX_ROWS):
    """(rows, ptr, start, end, full) of the coalesced plan of one tile table
    (see ``attn_ir.dialects.tile_coalesced``); ``rows``: the query block size
    (a multiple of ``bq``), or None for ``choose_rows``'s."""
    if rows is None:
        rows = choose_rows(runs, nq, nk, bq, bk, max_rows)
    m = max(1, rows // bq)
    tile_ptr, keys, full = runs.expand()
    nqt = len(tile_ptr) - 1
    dom = P.Domain(nq, nk, head, None)
    bounds, ptr, start, end, flags = [0], [0], [], [], []

    def emit_block(r1, pieces):
        bounds.append(r1)
        for a, z, f in pieces:
            start.append(a)
            end.append(z)
            flags.append(f)
        ptr.append(len(start))

    for t0 in range(0, nqt, m):
        t1 = min(nqt, t0 + m)
        r0, r1 = t0 * bq, min(nq, t1 * bq)
        members = t1 - t0
        sel = slice(tile_ptr[t0], tile_ptr[t1])
        if tile_ptr[t0] == tile_ptr[t1]:
            emit_block(r1, [])
            continue
        uniq, inverse = np.unique(keys[sel], return_inverse=True)
        n_full = np.bincount(inverse, weights=full[sel], minlength=len(uniq))
        all_full = n_full >= members
        cols = (uniq[:, None] * bk + np.arange(bk)).ravel()
        col_tile_full = np.repeat(all_full, bk)
        inside = cols < nk
        cols, col_tile_full = cols[inside], col_tile_full[inside]
        rr = np.arange(r0, r1)
        attended = np.ones((len(rr), len(cols)), bool)
        partial = np.flatnonzero(~col_tile_full)
        if len(partial):
            attended[:, partial] = np.broadcast_to(
                pattern.attends(rr[:, None], cols[partial][None, :], dom),
                (len(rr), len(partial)))
        per_row = attended.sum(axis=1)
        median = float(np.median(per_row))
        outlier = per_row > OUTLIER * median + bk
        for s, e in _segments(outlier):
            emit_block(r0 + e, _pieces(cols, attended[s:e], bk))
    return (np.asarray(bounds, np.int64), np.asarray(ptr, np.int64),
            np.asarray(start, np.int64), np.asarray(end, np.int64), np.asarray(flags, bool))


def coalesce_op(op, rows: int | None = None, max_rows: int = MAX_ROWS) -> list | None:
    """The ``#tile.coalesced`` plans of a ``tile.attention`` (one per table),
    or None when its pattern reads the mask operand (the pairs are known
    only at run time), or when ``rows`` is None and the cost rule's best
    block is one query tile for every table: the tile table is then the
    plan (its engines already read each query tile's run of full tiles as
    one contiguous key range), and coalescing would merge nothing."""
    from attn_ir.dialects.tile_coalesced import CoalescedAttr

    pattern = op.pattern.pattern
    if pattern.uses_mask:
        return None
    _, _, nq, nk, _, _ = op.dims
    bq, bk = op.block_q.value.data, op.block_k.value.data
    tables = op.tables.data
    sizes = [rows if rows is not None else choose_rows(t.runs, nq, nk, bq, bk, max_rows)
             for t in tables]
    if rows is None and all(size <= bq for size in sizes):
        return None
    return [CoalescedAttr.from_arrays(*plan_table(pattern, table.runs, nq, nk, bq, bk, n,
                                                  size, max_rows))
            for n, (table, size) in enumerate(zip(tables, sizes))]
