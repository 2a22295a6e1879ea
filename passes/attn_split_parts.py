"""``attn-split-parts{ratio=4 min_keys=0}``: split a ``tile.attention``
whose query tiles do uneven work into parts with even work, merged by
log-sum-exp.

The cost rule reads the tile table.  A query tile's work is the number of
key tiles it visits; a kernel that gives each query tile to one thread block
(FlashAttention, FlexAttention) finishes when its slowest block does.  A
query tile that visits at least ``ratio`` times the median number of key
tiles is a straggler.  Its heavy rows, those whose keys span at least
``ratio`` times the median query tile's keys, are the pattern's global
query rows (Longformer's token 0, BigBird's first and last blocks); they
become a part of their own (``only_rows``), a few dense rows that a
matrix-product kernel computes split over the keys, as flash-decoding
does.  The rest (``except_rows``) keeps every other pair: the band, the
global key columns and the random blocks, which add the same number of
key tiles to every query tile (one column of tiles per global key block,
``count`` tiles per BigBird row), so that part's work is even and the rule
leaves them in it.  A straggler tile whose rows are all heavy (BigBird's
global blocks in tiles of their size) moves to the rows part whole.
A straggler must also visit at least ``min_keys`` keys more than the median
query tile: below that, a second kernel and the merge cost more than the
straggler's extra tiles (a backend that runs every query tile in one wave
of thread blocks, as FlexAttention does at a few thousand tokens, waits for
the straggler only that long).  Without a straggler the op is left as it
is.  Ops with per-head tables or a mask operand are left as they are (the
heavy rows would differ by head or depend on data).

The parts' tables come from the op's table: the rows part keeps the
straggler tiles' key tiles that a heavy row attends (full only when the
tile's every row is heavy); the other part keeps, in the straggler tiles,
the key tiles that some remaining row attends (partial: the heavy rows are
masked out), and every other tile as it was.  Rows are evaluated with the
pattern's predicate over the listed key tiles only: block_q x Nk pairs per
straggler tile, never Nq x Nk.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp
from xdsl.passes import ModulePass
from xdsl.pattern_rewriter import (
    PatternRewriter,
    PatternRewriteWalker,
    RewritePattern,
    op_type_rewrite_pattern,
)

from attn_ir import patterns as P
from attn_ir.dialects.tile import TiledAttentionOp, TileTableAttr
from attn_ir.dialects.tile_parts import AttentionPartOp, MergePartsOp

KEY_CHUNK = 1 << 14
"""Keys evaluated at once when counting a straggler tile's rows."""


@dataclass(frozen=True)
class Split:
    """The decision for one op: the heavy query rows and the two tables."""

    rows: np.ndarray
    rows_table: P.TileRuns
    rest_table: P.TileRuns


def _table(nq: int, nk: int, bq: int, bk: int,
           tiles: dict[int, list[tuple[int, bool]]]) -> P.TileRuns:
    """Runs of the (key tile, full) lists of each query tile."""
    q, k, f = [], [], []
    for t in sorted(tiles):
        for kt, full in tiles[t]:
            q.append(t)
            k.append(kt)
            f.append(full)
    return P.TileTable(nq, nk, bq, bk, np.asarray(q, np.int64), np.asarray(k, np.int64),
                       np.asarray(f, bool), np.zeros(len(q), np.int64)).runs()


def split_rows(pattern: P.Pattern, table: TileTableAttr, nq: int, nk: int, bq: int,
               bk: int, ratio: float, min_keys: int = 0) -> Split | None:
    """The cost rule (see the module docstring); None: leave the op alone."""
    ptr, keys, full = table.arrays
    work = np.diff(ptr)
    nqt = len(work)
    if nqt < 2:
        return None
    median = float(np.median(work))
    stragglers = np.flatnonzero((work >= ratio * max(median, 1.0))
                                & ((work - median) * bk >= min_keys))
    if len(stragglers) == 0:
        return None
    dom = P.Domain(nq, nk, 0, None)
    heavy_rows: list[np.ndarray] = []
    row_tiles: dict[int, list[tuple[int, bool]]] = {}
    rest_tiles: dict[int, list[tuple[int, bool]]] = {}
    for t in range(nqt):
        lo, hi = ptr[t], ptr[t + 1]
        rest_tiles[t] = [(int(kt), bool(f)) for kt, f in zip(keys[lo:hi], full[lo:hi])]
    for t in stragglers:
        lo, hi = ptr[t], ptr[t + 1]
        rows = np.arange(t * bq, min(nq, t * bq + bq))
        tile_keys = keys[lo:hi]
        # hits[r, n]: does row r attend a key of listed tile n; counts: its keys.
        hits = np.zeros((len(rows), len(tile_keys)), bool)
        counts = np.zeros(len(rows), np.int64)
        cols = (tile_keys[:, None] * bk + np.arange(bk)[None, :]).ravel()
        cols = cols[cols < nk]
        owner = np.searchsorted(tile_keys * bk, cols, side="right") - 1
        for c0 in range(0, len(cols), KEY_CHUNK):
            c = cols[c0:c0 + KEY_CHUNK]
            a = np.broadcast_to(pattern.attends(rows[:, None], c[None, :], dom),
                                (len(rows), len(c)))
            counts += a.sum(axis=1)
            _or_columns(hits, owner[c0:c0 + KEY_CHUNK], a)
        heavy = counts >= ratio * max(median, 1.0) * bk
        if not heavy.any():
            return None
        heavy_rows.append(rows[heavy])
        every_row_heavy = bool(heavy.all()) and len(rows) == bq
        row_tiles[int(t)] = [(int(kt), bool(f) and every_row_heavy)
                             for n, (kt, f) in enumerate(zip(tile_keys, full[lo:hi]))
                             if hits[heavy, n].any()]
        rest_tiles[int(t)] = [(int(kt), False) for n, kt in enumerate(tile_keys)
                              if hits[~heavy, n].any()]
    return Split(np.concatenate(heavy_rows), _table(nq, nk, bq, bk, row_tiles),
                 _table(nq, nk, bq, bk, rest_tiles))


def _or_columns(hits: np.ndarray, owner: np.ndarray, a: np.ndarray) -> None:
    """hits[:, owner[c]] |= a[:, c] for every column c (owners ascend)."""
    bounds = np.flatnonzero(np.diff(owner)) + 1
    starts = np.concatenate(([0], bounds))
    any_hit = np.logical_or.reduceat(a, starts, axis=1) if a.shape[1] else a
    hits[:, owner[starts]] |= any_hit


@dataclass
class SplitStragglerRows(RewritePattern):
    ratio: float
    min_keys: int = 0

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: TiledAttentionOp, rewriter: PatternRewriter) -> None:
        pattern = op.pattern.pattern
        if len(op.tables.data) != 1 or op.mask is not None or pattern.uses_mask:
            return
        _, _, nq, nk, _, _ = op.dims
        bq, bk = op.block_q.value.data, op.block_k.value.data
        split = split_rows(pattern, op.tables.data[0], nq, nk, bq, bk, self.ratio,
                           self.min_keys)
        if split is None:
            return
        rest = AttentionPartOp(op.q, op.k, op.v, op.pattern,
                               [TileTableAttr.from_runs(split.rest_table)], bq, bk, op.scale,
                               except_rows=split.rows.tolist())
        rows = AttentionPartOp(op.q, op.k, op.v, op.pattern,
                               [TileTableAttr.from_runs(split.rows_table)], bq, bk, op.scale,
                               only_rows=split.rows.tolist())
        merged = MergePartsOp([rows.output, rest.output], [rows.lse, rest.lse],
                              op.output.type)
        stem = op.output.name_hint or "o"
        for value, suffix in ((rest.output, "rest"), (rest.lse, "rest_lse"),
                              (rows.output, "rows"), (rows.lse, "rows_lse")):
            value.name_hint = f"{stem}_{suffix}"
        if "footprint_bytes" in op.attributes:
            for part in (rest, rows):
                part.attributes["footprint_bytes"] = op.attributes["footprint_bytes"]
        # The rows part first: a backend may start its few rows on a side
        # stream while the rest runs.
        rewriter.replace(op, [rows, rest, merged], [merged.result])


@dataclass(frozen=True)
class AttnSplitPartsPass(ModulePass):
    name = "attn-split-parts"

    ratio: int = 4
    min_keys: int = 0

    def __post_init__(self):
        if not self.ratio > 1:
            raise ValueError(f"attn-split-parts: ratio must be greater than 1, got {self.ratio}")
        if self.min_keys < 0:
            raise ValueError(f"attn-split-parts: min_keys must be non-negative, "
                             f"got {self.min_keys}")

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        PatternRewriteWalker(SplitStragglerRows(float(self.ratio), int(self.min_keys)),
                             apply_recursively=False).rewrite_module(op)
