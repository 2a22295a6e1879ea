"""The static sparsity pattern families.

Indices are token positions: query ``i`` in [0, Nq), key ``j`` in [0, Nk).
Each class documents its predicate; ``row_counts`` is the same predicate
counted in closed form over a key range, and ``candidate_tiles`` a superset
of the tiles it touches.  Property tests check all three against
``dense_mask`` on small shapes.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import reduce

import numpy as np

from attn_ir.patterns.base import (
    Domain,
    Pattern,
    PatternError,
    TileRuns,
    pairs_from_ranges,
    pairs_intersection,
    pairs_union,
    tile_extent,
)
from attn_ir.patterns.tiles import Tiles


def _tiles(n: int, size: int) -> np.ndarray:
    return np.arange(-(-n // size), dtype=np.int64)


def _span(lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Length of the inclusive integer range [lo, hi] (0 when empty)."""
    return np.maximum(hi - lo + 1, 0)


def _count_congruent(lo, hi, r, m):
    """How many j in [lo, hi] have j = r (mod m)."""
    first = lo + np.mod(r - lo, m)
    return np.where(hi >= first, (hi - first) // m + 1, 0)


def _all_pairs(dom: Domain, bq: int, bk: int):
    qt = _tiles(dom.nq, bq)
    nkt = -(-dom.nk // bk)
    return pairs_from_ranges(qt, np.zeros_like(qt), np.full_like(qt, nkt - 1), nkt)


def _lower_pairs(dom: Domain, bq: int, bk: int, offset: int):
    """Tiles holding some pair with j <= i + offset."""
    qt = _tiles(dom.nq, bq)
    last_row = np.minimum((qt + 1) * bq, dom.nq) - 1
    hi = np.floor_divide(last_row + offset, bk)
    return pairs_from_ranges(qt, np.zeros_like(qt), hi, -(-dom.nk // bk))


def _validate_non_negative(owner: str, **values: int) -> None:
    for key, value in values.items():
        if value < 0:
            raise PatternError(f"#attn.{owner}: {key} must be non-negative, got {value}")


def _validate_positive(owner: str, **values: int) -> None:
    for key, value in values.items():
        if value <= 0:
            raise PatternError(f"#attn.{owner}: {key} must be positive, got {value}")


@dataclass(frozen=True)
class Dense(Pattern):
    """Every query attends every key (``#attn.dense``)."""

    mnemonic = "dense"
    closed_form = True

    def attends(self, i, j, dom):
        return np.ones(np.broadcast_shapes(np.shape(i), np.shape(j)), bool)

    def row_counts(self, i, j0, j1, dom):
        return np.broadcast_to(np.maximum(j1 - j0, 0), np.broadcast_shapes(
            np.shape(i), np.shape(j0), np.shape(j1)))

    def candidate_tiles(self, dom, bq, bk):
        return _all_pairs(dom, bq, bk)

    def tile_counts(self, qt, kt, dom, bq, bk):
        return tile_extent(qt, bq, dom.nq) * tile_extent(kt, bk, dom.nk)

    def tile_runs(self, nq, nk, bq, bk, head=0):
        # One full run per query tile, without listing every tile.
        nqt, nkt = -(-nq // bq), -(-nk // bk)
        return TileRuns(nq, nk, bq, bk, np.arange(nqt + 1), np.zeros(nqt, np.int64),
                        np.full(nqt, nkt, np.int64), np.ones(nqt, bool))


@dataclass(frozen=True)
class Causal(Pattern):
    """Query i attends key j when ``j <= i + offset`` (``#attn.causal``,
    ``#attn.causal<offset = 1>``).  A negative offset excludes the diagonal."""

    offset: int = 0
    mnemonic = "causal"
    closed_form = True

    def attends(self, i, j, dom):
        return j <= i + self.offset

    def row_counts(self, i, j0, j1, dom):
        return _span(j0, np.minimum(j1 - 1, i + self.offset))

    def candidate_tiles(self, dom, bq, bk):
        return _lower_pairs(dom, bq, bk, self.offset)


@dataclass(frozen=True)
class Window(Pattern):
    """Sliding window (``#attn.window<left = 256, right = 256, dilation = 1>``).

    Query i attends key ``j = i + t * dilation`` for ``-left <= t <= right``:
    ``left`` keys before, ``right`` keys after, and itself.  ``dilation`` is
    one value for all heads or one per head (Longformer and SALO give heads
    different dilations).
    """

    left: int
    right: int
    dilation: tuple[int, ...] = (1,)
    mnemonic = "window"
    closed_form = True
    SCALAR_OR_LIST = ("dilation",)

    def head_dilation(self, head: int) -> int:
        return self.dilation[head] if len(self.dilation) > 1 else self.dilation[0]

    @property
    def head_dependent(self) -> bool:
        return len(set(self.dilation)) > 1

    def attends(self, i, j, dom):
        dil = self.head_dilation(dom.head)
        d = j - i
        return (d % dil == 0) & (d >= -self.left * dil) & (d <= self.right * dil)

    def row_counts(self, i, j0, j1, dom):
        dil = self.head_dilation(dom.head)
        lo = np.maximum(j0, i - self.left * dil)
        hi = np.minimum(j1 - 1, i + self.right * dil)
        return _count_congruent(lo, hi, i, dil)

    def candidate_tiles(self, dom, bq, bk):
        dil = self.head_dilation(dom.head)
        qt = _tiles(dom.nq, bq)
        first = qt * bq
        last = np.minimum(first + bq, dom.nq) - 1
        lo = np.floor_divide(first - self.left * dil, bk)
        hi = np.floor_divide(last + self.right * dil, bk)
        return pairs_from_ranges(qt, lo, hi, -(-dom.nk // bk))

    def validate(self, nq, nk, heads):
        _validate_non_negative(self.mnemonic, left=self.left, right=self.right)
        if not self.dilation:
            raise PatternError("#attn.window: dilation needs at least one value")
        for d in self.dilation:
            _validate_positive(self.mnemonic, dilation=d)
        if len(self.dilation) > 1 and len(self.dilation) != heads:
            raise PatternError(
                f"#attn.window: per-head dilation has {len(self.dilation)} "
                f"entries but the attention has {heads} heads"
            )


@dataclass(frozen=True)
class Window2D(Pattern):
    """Local window over a 2-D token grid (``#attn.window2d<grid = [56, 56],
    window = [15, 15], offset = 1>``), as in Vision Longformer (ViL).

    Tokens ``offset .. offset + rows*cols - 1`` form a row-major grid; two grid
    tokens attend when their rows differ by at most ``window[0] // 2`` and
    their columns by at most ``window[1] // 2``; the neighbourhood is clipped
    at the grid's edges.  Tokens outside the grid (e.g. a leading global
    token) are not attended by this pattern.
    """

    grid: tuple[int, int]
    window: tuple[int, int]
    offset: int = 0
    mnemonic = "window2d"
    closed_form = True

    def _cell(self, t):
        local = t - self.offset
        inside = (local >= 0) & (local < self.grid[0] * self.grid[1])
        return inside, local // self.grid[1], local % self.grid[1]

    def attends(self, i, j, dom):
        in_i, ri, ci = self._cell(i)
        in_j, rj, cj = self._cell(j)
        return (in_i & in_j & (np.abs(ri - rj) <= self.window[0] // 2)
                & (np.abs(ci - cj) <= self.window[1] // 2))

    def row_counts(self, i, j0, j1, dom):
        rows, cols = self.grid
        rr, rc = self.window[0] // 2, self.window[1] // 2
        inside, r, c = self._cell(i)
        total = np.zeros(np.broadcast_shapes(np.shape(i), np.shape(j0), np.shape(j1)),
                         np.int64)
        for dr in range(-rr, rr + 1):
            row = r + dr
            ok = inside & (row >= 0) & (row < rows)
            base = self.offset + row * cols
            lo = np.maximum(base + np.maximum(c - rc, 0), j0)
            hi = np.minimum(base + np.minimum(c + rc, cols - 1), j1 - 1)
            total += np.where(ok, _span(lo, hi), 0)
        return total

    def candidate_tiles(self, dom, bq, bk):
        rows, cols = self.grid
        qt = _tiles(dom.nq, bq)
        first = np.maximum(qt * bq, self.offset) - self.offset
        last = np.minimum(np.minimum(qt * bq + bq, dom.nq) - self.offset,
                          rows * cols) - 1
        row_lo = np.maximum(first // cols - self.window[0] // 2, 0)
        row_hi = np.minimum(last // cols + self.window[0] // 2, rows - 1)
        lo = np.where(last >= first, (self.offset + row_lo * cols) // bk, 1)
        hi = np.where(last >= first, (self.offset + (row_hi + 1) * cols - 1) // bk, 0)
        return pairs_from_ranges(qt, lo, hi, -(-dom.nk // bk))

    def validate(self, nq, nk, heads):
        for key, value in (("grid", self.grid), ("window", self.window)):
            if len(value) != 2:
                raise PatternError(
                    f"#attn.window2d: {key} must have 2 entries (rows, columns), "
                    f"got {len(value)}"
                )
        _validate_positive(self.mnemonic, grid_rows=self.grid[0],
                           grid_cols=self.grid[1])
        _validate_non_negative(self.mnemonic, offset=self.offset)
        for w in self.window:
            if w <= 0 or w % 2 == 0:
                raise PatternError(
                    f"#attn.window2d: window sizes must be positive and odd, got {w}"
                )
        needed = self.offset + self.grid[0] * self.grid[1]
        if needed > min(nq, nk):
            raise PatternError(
                f"#attn.window2d: a {self.grid[0]}x{self.grid[1]} grid at offset "
                f"{self.offset} needs {needed} tokens, the sequence has {min(nq, nk)}"
            )


@dataclass(frozen=True)
class Global(Pattern):
    """Global tokens (``#attn.global<[0, 17]>``): the listed positions attend
    every key and are attended by every query."""

    indices: tuple[int, ...]
    mnemonic = "global"
    closed_form = True
    POSITIONAL = True

    @property
    def _sorted(self) -> np.ndarray:
        return np.unique(np.asarray(self.indices, np.int64))

    def attends(self, i, j, dom):
        g = self._sorted
        return np.isin(i, g) | np.isin(j, g)

    def row_counts(self, i, j0, j1, dom):
        g = self._sorted
        in_range = np.searchsorted(g, j1) - np.searchsorted(g, j0)
        return np.where(np.isin(i, g), np.maximum(j1 - j0, 0), np.maximum(in_range, 0))

    def candidate_tiles(self, dom, bq, bk):
        g = self._sorted
        nkt = -(-dom.nk // bk)
        qt_all = _tiles(dom.nq, bq)
        rows_q = np.unique(g[g < dom.nq] // bq)
        cols_k = np.unique(g[g < dom.nk] // bk)
        by_row = pairs_from_ranges(rows_q, np.zeros_like(rows_q),
                                   np.full_like(rows_q, nkt - 1), nkt)
        by_col = (np.repeat(qt_all, len(cols_k)), np.tile(cols_k, len(qt_all)))
        return pairs_union([by_row, by_col], nkt)

    def validate(self, nq, nk, heads):
        seen = set()
        bound = min(nq, nk)
        for g in self.indices:
            if g < 0 or g >= bound:
                raise PatternError(
                    f"#attn.global: token {g} is out of range for sequence length {bound}"
                )
            if g in seen:
                raise PatternError(f"#attn.global: token {g} is listed twice")
            seen.add(g)


@dataclass(frozen=True)
class BlockLocal(Pattern):
    """Block-local attention (``#attn.block_local<block = 64, left = 1,
    right = 1>``): query block ``b = i // block`` attends key blocks
    ``b - left .. b + right`` (BigBird's sliding window of 3 blocks is
    ``left = 1, right = 1``).  The last block may be short."""

    block: int
    left: int = 0
    right: int = 0
    mnemonic = "block_local"
    closed_form = True

    def attends(self, i, j, dom):
        d = j // self.block - i // self.block
        return (d >= -self.left) & (d <= self.right)

    def row_counts(self, i, j0, j1, dom):
        b = i // self.block
        lo = np.maximum(j0, (b - self.left) * self.block)
        hi = np.minimum(j1, (b + self.right + 1) * self.block) - 1
        return _span(lo, hi)

    def candidate_tiles(self, dom, bq, bk):
        qt = _tiles(dom.nq, bq)
        first = (qt * bq) // self.block
        last = (np.minimum(qt * bq + bq, dom.nq) - 1) // self.block
        lo = ((first - self.left) * self.block) // bk
        hi = ((last + self.right + 1) * self.block - 1) // bk
        return pairs_from_ranges(qt, lo, hi, -(-dom.nk // bk))

    def validate(self, nq, nk, heads):
        _validate_positive(self.mnemonic, block=self.block)
        _validate_non_negative(self.mnemonic, left=self.left, right=self.right)


@dataclass(frozen=True)
class RandomBlocks(Pattern):
    """Random key blocks per query block, as in BigBird
    (``#attn.random_blocks<block = 64, count = 3, seed = 0>``).

    Generator (documented so other tools can reproduce it): for query block
    ``b`` the chosen key blocks are
    ``numpy.random.default_rng([seed, b]).choice(K, size=min(count, K),
    replace=False)`` with ``K = ceil(Nk / block)``.  All heads share them.
    """

    block: int
    count: int
    seed: int = 0
    mnemonic = "random_blocks"
    closed_form = True

    def chosen(self, nq: int, nk: int) -> np.ndarray:
        """[query blocks, min(count, K)] table of chosen key blocks."""
        num_q, num_k = -(-nq // self.block), -(-nk // self.block)
        size = min(self.count, num_k)
        return np.array(
            [np.sort(np.random.default_rng([self.seed, b]).choice(num_k, size, replace=False))
             for b in range(num_q)],
            dtype=np.int64,
        ).reshape(num_q, size)

    def attends(self, i, j, dom):
        table = self.chosen(dom.nq, dom.nk)
        i, j = np.broadcast_arrays(i, j)
        picked = table[np.clip(i // self.block, 0, len(table) - 1)]
        return (picked == (j // self.block)[..., None]).any(axis=-1)

    def row_counts(self, i, j0, j1, dom):
        table = self.chosen(dom.nq, dom.nk)
        i, j0, j1 = np.broadcast_arrays(i, j0, j1)
        picked = table[np.clip(i // self.block, 0, len(table) - 1)]
        lo = np.maximum(picked * self.block, j0[..., None])
        hi = np.minimum(picked * self.block + self.block, j1[..., None]) - 1
        return _span(lo, hi).sum(axis=-1)

    def candidate_tiles(self, dom, bq, bk):
        table = self.chosen(dom.nq, dom.nk)
        nkt = -(-dom.nk // bk)
        parts = []
        for b in range(len(table)):
            q_lo, q_hi = (b * self.block) // bq, (min(b * self.block + self.block, dom.nq) - 1) // bq
            for kb in table[b]:
                k_lo = (kb * self.block) // bk
                k_hi = (min(kb * self.block + self.block, dom.nk) - 1) // bk
                qs = np.arange(q_lo, q_hi + 1)
                parts.append(pairs_from_ranges(qs, np.full_like(qs, k_lo),
                                               np.full_like(qs, k_hi), nkt))
        if not parts:
            return np.zeros(0, np.int64), np.zeros(0, np.int64)
        return pairs_union(parts, nkt)

    def validate(self, nq, nk, heads):
        _validate_positive(self.mnemonic, block=self.block)
        # numpy's generator takes non-negative seeds only.
        _validate_non_negative(self.mnemonic, count=self.count, seed=self.seed)


@dataclass(frozen=True)
class Strided(Pattern):
    """Sparse Transformer strided attention (``#attn.strided<stride = 128>``),
    Child et al. 2019: causal, and query i attends key j when ``i - j <
    stride`` (the local head) or ``(i - j) % stride == 0`` (the strided head)."""

    stride: int
    mnemonic = "strided"
    closed_form = True

    def attends(self, i, j, dom):
        d = i - j
        return (d >= 0) & ((d < self.stride) | (d % self.stride == 0))

    def row_counts(self, i, j0, j1, dom):
        local = _span(np.maximum(j0, i - self.stride + 1), np.minimum(j1 - 1, i))
        strided = _count_congruent(j0, np.minimum(j1 - 1, i - self.stride), i, self.stride)
        return local + strided

    def candidate_tiles(self, dom, bq, bk):
        return _lower_pairs(dom, bq, bk, 0)

    def validate(self, nq, nk, heads):
        _validate_positive(self.mnemonic, stride=self.stride)


@dataclass(frozen=True)
class Fixed(Pattern):
    """Sparse Transformer fixed attention (``#attn.fixed<stride = 128,
    summary = 32>``), Child et al. 2019: causal, and query i attends key j
    when both lie in the same block of ``stride`` tokens, or j is one of the
    last ``summary`` positions of its block."""

    stride: int
    summary: int
    mnemonic = "fixed"
    closed_form = True

    def attends(self, i, j, dom):
        same_block = j // self.stride == i // self.stride
        summary = j % self.stride >= self.stride - self.summary
        return (j <= i) & (same_block | summary)

    def _summaries_below(self, x):
        """How many j in [0, x) are summary positions."""
        x = np.maximum(x, 0)
        return (x // self.stride) * self.summary + np.maximum(
            x % self.stride - (self.stride - self.summary), 0)

    def row_counts(self, i, j0, j1, dom):
        hi = np.minimum(j1 - 1, i)
        block_start = (i // self.stride) * self.stride
        own = _span(np.maximum(j0, block_start), hi)
        before_hi = np.minimum(hi, block_start - 1)
        before = np.where(before_hi >= j0,
                          self._summaries_below(before_hi + 1) - self._summaries_below(j0), 0)
        return own + before

    def candidate_tiles(self, dom, bq, bk):
        return _lower_pairs(dom, bq, bk, 0)

    def validate(self, nq, nk, heads):
        _validate_positive(self.mnemonic, stride=self.stride, summary=self.summary)
        if self.summary > self.stride:
            raise PatternError(
                f"#attn.fixed: summary ({self.summary}) must not exceed stride ({self.stride})"
            )


@dataclass(frozen=True)
class MaskOperand(Pattern):
    """The pattern given by the op's boolean mask operand (``#attn.mask``).
    Statically every tile may be partial; with the mask's data, tiles are
    counted exactly."""

    mnemonic = "mask"

    @property
    def uses_mask(self) -> bool:
        return True

    def attends(self, i, j, dom):
        if dom.mask is None:
            raise PatternError("#attn.mask: the mask operand's data is needed")
        return dom.mask[i, j]

    def candidate_tiles(self, dom, bq, bk):
        return _all_pairs(dom, bq, bk)


@dataclass(frozen=True)
class _Combination(Pattern):
    patterns: tuple[Pattern, ...]
    POSITIONAL = True

    def children(self):
        return self.patterns

    @property
    def head_dependent(self) -> bool:
        return any(p.head_dependent for p in self.patterns)

    @property
    def uses_mask(self) -> bool:
        return any(p.uses_mask for p in self.patterns)

    def validate(self, nq, nk, heads):
        if not self.patterns:
            raise PatternError(f"#attn.{self.mnemonic}: needs at least one pattern")
        for p in self.patterns:
            p.validate(nq, nk, heads)


@dataclass(frozen=True)
class Union(_Combination):
    """Pairs attended by any of the patterns (``#attn.union<[...]>``)."""

    mnemonic = "union"

    def attends(self, i, j, dom):
        return reduce(np.logical_or, (p.attends(i, j, dom) for p in self.patterns))

    def candidate_tiles(self, dom, bq, bk):
        return pairs_union([p.candidate_tiles(dom, bq, bk) for p in self.patterns],
                           -(-dom.nk // bk))

    def tile_counts(self, qt, kt, dom, bq, bk):
        area = tile_extent(qt, bq, dom.nq) * tile_extent(kt, bk, dom.nk)
        parts = np.stack([p.tile_counts(qt, kt, dom, bq, bk) for p in self.patterns])
        nonzero = (parts != 0).sum(axis=0)
        # One non-empty part: the union's count is that part's (even UNKNOWN).
        out = np.where(nonzero == 1, parts.sum(axis=0), 0)
        out = np.where((parts == area).any(axis=0), area, out)
        mixed = (nonzero > 1) & ~(parts == area).any(axis=0)
        if mixed.any():
            out[mixed] = self.tile_counts_elementwise(qt[mixed], kt[mixed], dom, bq, bk)
        return out


@dataclass(frozen=True)
class Intersection(_Combination):
    """Pairs attended by all of the patterns (``#attn.intersect<[...]>``)."""

    mnemonic = "intersect"

    def attends(self, i, j, dom):
        return reduce(np.logical_and, (p.attends(i, j, dom) for p in self.patterns))

    def candidate_tiles(self, dom, bq, bk):
        return pairs_intersection([p.candidate_tiles(dom, bq, bk) for p in self.patterns],
                                  -(-dom.nk // bk))

    def tile_counts(self, qt, kt, dom, bq, bk):
        area = tile_extent(qt, bq, dom.nq) * tile_extent(kt, bk, dom.nk)
        parts = np.stack([p.tile_counts(qt, kt, dom, bq, bk) for p in self.patterns])
        not_full = (parts != area).sum(axis=0)
        out = np.where(not_full == 0, area, 0)
        single = not_full == 1
        # All parts full but one: the intersection's count is that one's.
        out = np.where(single, np.where(parts != area, parts, 0).sum(axis=0), out)
        out = np.where((parts == 0).any(axis=0), 0, out)
        mixed = (not_full > 1) & ~(parts == 0).any(axis=0)
        if mixed.any():
            out[mixed] = self.tile_counts_elementwise(qt[mixed], kt[mixed], dom, bq, bk)
        return out


ALL_FAMILIES: tuple[type[Pattern], ...] = (
    Dense, Causal, Window, Window2D, Global, BlockLocal, RandomBlocks,
    Strided, Fixed, MaskOperand, Tiles, Union, Intersection,
)
