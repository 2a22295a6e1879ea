"""The interface every sparsity pattern answers, and the tile table.

A pattern says which (query, key) pairs attend.  Every family answers three
questions without building an Nq x Nk matrix:

* ``attends(i, j, dom)``: a vectorised predicate over broadcastable index
  arrays;
* ``nnz(nq, nk, head)``: the exact number of attended pairs;
* ``tile_table(nq, nk, bq, bk, head)``: for query tiles of ``bq`` rows and key
  tiles of ``bk`` columns, the key tiles each query tile touches, each marked
  full (every pair attends: no mask work) or partial (mask work needed).
  Tiles that are not listed are skipped.

Counting is per row (closed forms over a row's key range) where a family has
them, and per tile (evaluating the predicate on one tile at a time) where it
does not; the cost grows with the number of candidate tiles, never with
Nq x Nk for a sparse pattern.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, fields
from typing import ClassVar

import numpy as np

UNKNOWN = -1
"""Tile count of a tile whose content depends on run-time data (a mask operand)."""

_ROW_CHUNK = 1 << 20
"""Elements evaluated at once when counting; bounds temporary memory."""

DENSE_MASK_LIMIT = 1 << 26
"""Largest Nq x Nk that ``dense_mask`` materialises (it is for tests only)."""


class PatternError(ValueError):
    """A pattern is malformed or does not fit the shape it is applied to."""


@dataclass(frozen=True)
class Domain:
    """Where a pattern is evaluated: the sequence lengths, the head, and the
    mask operand's [Nq, Nk] slice for that head when the pattern uses one."""

    nq: int
    nk: int
    head: int = 0
    mask: np.ndarray | None = None


@dataclass(frozen=True)
class TileTable:
    """Non-empty (query tile, key tile) pairs, sorted by query then key tile.

    ``count[t]`` is the number of attended pairs in tile ``t`` (or ``UNKNOWN``
    when it depends on a mask operand); ``full[t]`` is true when every pair of
    the tile attends.  Pairs not listed are skipped: none of their pairs attend.
    """

    nq: int
    nk: int
    bq: int
    bk: int
    q_tile: np.ndarray
    k_tile: np.ndarray
    full: np.ndarray
    count: np.ndarray

    @property
    def num_q_tiles(self) -> int:
        return -(-self.nq // self.bq)

    @property
    def num_k_tiles(self) -> int:
        return -(-self.nk // self.bk)

    @property
    def num_full(self) -> int:
        return int(self.full.sum())

    @property
    def num_partial(self) -> int:
        return int(len(self.full) - self.full.sum())

    @property
    def num_skipped(self) -> int:
        return self.num_q_tiles * self.num_k_tiles - len(self.full)

    @property
    def row_ptr(self) -> np.ndarray:
        """CSR offsets: the tiles of query tile ``t`` are ``row_ptr[t]:row_ptr[t+1]``."""
        return np.searchsorted(self.q_tile, np.arange(self.num_q_tiles + 1))

    def key_tiles(self, q_tile: int) -> tuple[np.ndarray, np.ndarray]:
        """Key tiles touched by one query tile and whether each is full."""
        ptr = self.row_ptr
        sl = slice(ptr[q_tile], ptr[q_tile + 1])
        return self.k_tile[sl], self.full[sl]

    @property
    def nnz(self) -> int | None:
        if (self.count == UNKNOWN).any():
            return None
        return int(self.count.sum())

    def runs(self) -> TileRuns:
        """The table as runs of consecutive key tiles with the same flag."""
        n = len(self.k_tile)
        if n == 0:
            return TileRuns(self.nq, self.nk, self.bq, self.bk,
                            np.zeros(self.num_q_tiles + 1, np.int64), *(np.zeros(0, np.int64),) * 2,
                            np.zeros(0, bool))
        new_run = np.ones(n, bool)
        new_run[1:] = ((self.q_tile[1:] != self.q_tile[:-1])
                       | (self.k_tile[1:] != self.k_tile[:-1] + 1)
                       | (self.full[1:] != self.full[:-1]))
        first = np.nonzero(new_run)[0]
        count = np.diff(np.append(first, n))
        q_of_run = self.q_tile[first]
        ptr = np.searchsorted(q_of_run, np.arange(self.num_q_tiles + 1))
        return TileRuns(self.nq, self.nk, self.bq, self.bk, ptr, self.k_tile[first], count,
                        self.full[first])


@dataclass(frozen=True)
class TileRuns:
    """A tile table as runs: the runs of query tile t are ``ptr[t]:ptr[t+1]``;
    run r covers key tiles ``start[r] .. start[r] + count[r] - 1``, all full
    or all partial (``full[r]``).  Dense rows are one run, so the size grows
    with the number of runs, not of tiles."""

    nq: int
    nk: int
    bq: int
    bk: int
    ptr: np.ndarray
    start: np.ndarray
    count: np.ndarray
    full: np.ndarray

    @property
    def tiles_per_query_tile(self) -> np.ndarray:
        per_run_row = np.repeat(np.arange(len(self.ptr) - 1), np.diff(self.ptr))
        return np.bincount(per_run_row, weights=self.count, minlength=len(self.ptr) - 1
                           ).astype(np.int64)

    def expand(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(tile ptr per query tile, key tile, full) for every tile."""
        total = int(self.count.sum())
        run_of_tile = np.repeat(np.arange(len(self.count)), self.count)
        first_tile = np.concatenate(([0], np.cumsum(self.count)[:-1])) if len(self.count) else (
            np.zeros(0, np.int64))
        key = self.start[run_of_tile] + (np.arange(total) - first_tile[run_of_tile])
        ptr = np.concatenate(([0], np.cumsum(self.tiles_per_query_tile)))
        return ptr, key, self.full[run_of_tile]


def tile_extent(tile: np.ndarray, size: int, n: int) -> np.ndarray:
    """Number of valid indices in each tile (edge tiles may be short)."""
    return np.minimum((tile + 1) * size, n) - tile * size


def pairs_from_ranges(
    q_tiles: np.ndarray, lo: np.ndarray, hi: np.ndarray, num_k_tiles: int
) -> tuple[np.ndarray, np.ndarray]:
    """Expand per-query-tile inclusive key-tile ranges [lo, hi] into pairs."""
    lo = np.clip(lo, 0, num_k_tiles)
    hi = np.clip(hi, -1, num_k_tiles - 1)
    n = np.maximum(hi - lo + 1, 0)
    qt = np.repeat(q_tiles, n)
    starts = np.repeat(lo - np.concatenate(([0], np.cumsum(n)[:-1])), n)
    kt = starts + np.arange(int(n.sum()))
    return qt.astype(np.int64), kt.astype(np.int64)


def _pair_keys(qt: np.ndarray, kt: np.ndarray, num_k_tiles: int) -> np.ndarray:
    return qt * num_k_tiles + kt


def pairs_union(
    parts: list[tuple[np.ndarray, np.ndarray]], num_k_tiles: int
) -> tuple[np.ndarray, np.ndarray]:
    keys = np.unique(np.concatenate([_pair_keys(q, k, num_k_tiles) for q, k in parts]))
    return keys // num_k_tiles, keys % num_k_tiles


def pairs_intersection(
    parts: list[tuple[np.ndarray, np.ndarray]], num_k_tiles: int
) -> tuple[np.ndarray, np.ndarray]:
    keys = np.unique(_pair_keys(*parts[0], num_k_tiles))
    for q, k in parts[1:]:
        keys = np.intersect1d(keys, _pair_keys(q, k, num_k_tiles), assume_unique=False)
    return keys // num_k_tiles, keys % num_k_tiles


class Pattern(ABC):
    """A sparsity pattern family.  Subclasses are frozen dataclasses whose
    fields are the pattern's parameters (the same names as in the IR text)."""

    mnemonic: ClassVar[str]
    """The attribute name in IR text, e.g. ``window`` for ``#attn.window``."""

    closed_form: ClassVar[bool] = False
    """Whether ``row_counts`` counts a row's keys in closed form."""

    POSITIONAL: ClassVar[bool] = False
    """In IR text, the single parameter without its key: ``#attn.global<[0, 1]>``."""
    SCALAR_OR_LIST: ClassVar[tuple[str, ...]] = ()
    """List parameters written as a bare integer when they hold one value."""

    # -- what each family defines -------------------------------------------

    @abstractmethod
    def attends(self, i: np.ndarray, j: np.ndarray, dom: Domain) -> np.ndarray:
        """Boolean array (broadcast of i and j): does query i attend key j."""

    @abstractmethod
    def candidate_tiles(
        self, dom: Domain, bq: int, bk: int
    ) -> tuple[np.ndarray, np.ndarray]:
        """A superset of the non-empty tile pairs (query tile, key tile)."""

    def row_counts(
        self, i: np.ndarray, j0: np.ndarray, j1: np.ndarray, dom: Domain
    ) -> np.ndarray:
        """Number of attended keys of row i in [j0, j1), in closed form.
        Only families with ``closed_form`` define it; others are counted by
        evaluating the predicate tile by tile."""
        raise NotImplementedError

    def validate(self, nq: int, nk: int, heads: int) -> None:
        """Raise PatternError when the pattern does not fit the shape."""

    @property
    def head_dependent(self) -> bool:
        """Whether heads see different patterns (e.g. per-head dilation)."""
        return False

    @property
    def uses_mask(self) -> bool:
        """Whether the pattern reads the mask operand."""
        return False

    def children(self) -> tuple[Pattern, ...]:
        return ()

    # -- derived, shared by all families -------------------------------------

    def tile_counts(
        self, qt: np.ndarray, kt: np.ndarray, dom: Domain, bq: int, bk: int
    ) -> np.ndarray:
        """Attended pairs in each listed tile (UNKNOWN where data-dependent)."""
        if len(qt) == 0:
            return np.zeros(0, np.int64)
        if not self.closed_form:
            return self.tile_counts_elementwise(qt, kt, dom, bq, bk)
        out = np.empty(len(qt), np.int64)
        offs = np.arange(bq)
        step = max(1, _ROW_CHUNK // bq)
        for s in range(0, len(qt), step):
            rows = qt[s : s + step, None] * bq + offs[None, :]
            valid = rows < dom.nq
            j0 = (kt[s : s + step] * bk)[:, None]
            j1 = np.minimum(j0 + bk, dom.nk)
            counts = self.row_counts(np.where(valid, rows, 0), j0, j1, dom)
            out[s : s + step] = np.where(valid, counts, 0).sum(axis=1)
        return out

    def tile_counts_elementwise(
        self, qt: np.ndarray, kt: np.ndarray, dom: Domain, bq: int, bk: int
    ) -> np.ndarray:
        """Count tiles by evaluating the predicate on each tile's pairs."""
        if self.uses_mask and dom.mask is None:
            return np.full(len(qt), UNKNOWN, np.int64)
        out = np.empty(len(qt), np.int64)
        qo, ko = np.arange(bq), np.arange(bk)
        step = max(1, _ROW_CHUNK // (bq * bk))
        for s in range(0, len(qt), step):
            rows = qt[s : s + step, None, None] * bq + qo[None, :, None]
            cols = kt[s : s + step, None, None] * bk + ko[None, None, :]
            valid = (rows < dom.nq) & (cols < dom.nk)
            hit = self.attends(np.minimum(rows, dom.nq - 1),
                               np.minimum(cols, dom.nk - 1), dom)
            out[s : s + step] = (hit & valid).sum(axis=(1, 2))
        return out

    def tile_table(
        self, nq: int, nk: int, bq: int, bk: int, head: int = 0,
        mask: np.ndarray | None = None,
    ) -> TileTable:
        if bq <= 0 or bk <= 0:
            raise PatternError(f"tile sizes must be positive, got {bq}x{bk}")
        dom = Domain(nq, nk, head, mask)
        qt, kt = self.candidate_tiles(dom, bq, bk)
        counts = self.tile_counts(qt, kt, dom, bq, bk)
        area = tile_extent(qt, bq, nq) * tile_extent(kt, bk, nk)
        keep = counts != 0
        return TileTable(
            nq, nk, bq, bk, qt[keep], kt[keep],
            counts[keep] == area[keep], counts[keep],
        )

    def tile_runs(self, nq: int, nk: int, bq: int, bk: int, head: int = 0) -> TileRuns:
        """The tile table as runs (see ``TileRuns``)."""
        return self.tile_table(nq, nk, bq, bk, head).runs()

    def nnz(self, nq: int, nk: int, head: int = 0,
            mask: np.ndarray | None = None) -> int:
        """Exact number of attended (query, key) pairs for one head."""
        dom = Domain(nq, nk, head, mask)
        if self.closed_form:
            total = 0
            for s in range(0, nq, _ROW_CHUNK):
                rows = np.arange(s, min(nq, s + _ROW_CHUNK))
                total += int(self.row_counts(rows, np.zeros_like(rows),
                                             np.full_like(rows, nk), dom).sum())
            return total
        count = self.tile_table(nq, nk, 128, 128, head, mask).nnz
        if count is None:
            raise PatternError(
                f"#attn.{self.mnemonic}: the number of attended pairs depends "
                "on the mask operand"
            )
        return count

    def dense_mask(self, nq: int, nk: int, head: int = 0,
                   mask: np.ndarray | None = None) -> np.ndarray:
        """The full boolean [nq, nk] matrix.  For small sizes and tests only."""
        if nq * nk > DENSE_MASK_LIMIT:
            raise PatternError(
                f"dense_mask of {nq}x{nk} is too large; use tile_table or nnz"
            )
        dom = Domain(nq, nk, head, mask)
        return np.broadcast_to(
            self.attends(np.arange(nq)[:, None], np.arange(nk)[None, :], dom),
            (nq, nk),
        ).copy()

    def walk(self):
        yield self
        for c in self.children():
            yield from c.walk()

    def __str__(self) -> str:
        from attn_ir.patterns.text import print_pattern

        return print_pattern(self)

    def replace(self, **changes) -> Pattern:
        values = {f.name: getattr(self, f.name) for f in fields(self)}  # type: ignore[arg-type]
        values.update(changes)
        return type(self)(**values)
