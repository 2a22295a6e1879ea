"""An explicit per-tile table as a pattern (``#attn.tiles<...>``).

Where no closed form is known (a mask imported from a FlexAttention
``mask_mod``, a DeepSpeed block layout), the pattern lists its tiles: for
query tiles of ``block[0]`` rows and key tiles of ``block[1]`` columns, each
non-empty tile is full (every pair attends) or partial, and a partial tile
carries its ``block[0] x block[1]`` bitmap.  The table is stored like
``#tile.table``, as runs of consecutive key tiles:

```mlir
#attn.tiles<block = [4, 4], shape = [8, 8], ptr = [0, 1, 3], start = [0, 0, 1],
            count = [1, 1, 1], bitmap = [0, -1, 0], bitmaps = "8cef">
```

* ``shape = [Nq, Nk]``: the sequence lengths the table is for (a table
  describes one shape; ``validate`` rejects any other).
* ``ptr``: the runs of query tile ``t`` are ``ptr[t]:ptr[t + 1]``.  With
  per-head tables, head ``h``'s query tile ``t`` is row ``h * T + t`` (``T``
  query tiles), so ``ptr`` has ``H * T + 1`` entries; one table (``T + 1``)
  is shared by every head.
* run ``r`` covers key tiles ``start[r] .. start[r] + count[r] - 1``; all of
  them are full (``bitmap[r] = -1``) or all share the partial bitmap number
  ``bitmap[r]``.  Tiles in no run are skipped.
* ``bitmaps``: the partial bitmaps, in hex: bitmap ``m`` is the row-major
  ``block[0] x block[1]`` bits (bit set: the pair attends), most significant
  bit first, padded to whole bytes, at byte ``m * ceil(block[0] * block[1]
  / 8)``.  Bits of an edge tile beyond ``Nq`` or ``Nk`` are ignored.

In the example, query tile 0 has one partial tile (key tile 0, bitmap 0:
rows ``1000 1100 1110 1111`` = bytes ``8c ef``, a causal triangle), query
tile 1 a full tile (key tile 0) and a partial one (key tile 1, bitmap 0):
``#attn.causal`` on 8 tokens.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from attn_ir.patterns.base import Pattern, PatternError, tile_extent

EMPTY = -2
"""Kind of a skipped tile in ``Tiles.kinds``."""
FULL = -1
"""Kind of a full tile (and the ``bitmap`` value of a full run)."""


@dataclass(frozen=True)
class Tiles(Pattern):
    """An explicit tile table (``#attn.tiles<...>``); see the module doc."""

    block: tuple[int, ...]
    shape: tuple[int, ...]
    ptr: tuple[int, ...]
    start: tuple[int, ...]
    count: tuple[int, ...]
    bitmap: tuple[int, ...]
    bitmaps: str = ""
    mnemonic = "tiles"

    # -- building ---------------------------------------------------------------

    @classmethod
    def from_kinds(cls, kinds: np.ndarray, bits: np.ndarray, block: tuple[int, int],
                   shape: tuple[int, int]) -> Tiles:
        """The table of ``kinds`` ([H or 1, query tiles, key tiles]: EMPTY,
        FULL or a bitmap number) with ``bits`` ([bitmaps, bq, bk] bool).
        Bitmaps are renumbered in the order the table first uses them (unused
        ones dropped), so one mask gives one table however it was built."""
        kinds = np.array(kinds, np.int64)
        if kinds.ndim == 2:
            kinds = kinds[None]
        used = kinds[kinds >= 0]
        numbers, first_use = np.unique(used, return_index=True)
        by_first_use = numbers[np.argsort(first_use)]
        renumber = np.zeros(len(bits) + 1, np.int64)
        renumber[by_first_use] = np.arange(len(by_first_use))
        kinds[kinds >= 0] = renumber[used]
        bits = np.asarray(bits, bool).reshape(-1, block[0], block[1])[by_first_use]
        heads, nqt, nkt = kinds.shape
        rows = kinds.reshape(heads * nqt, nkt)
        # A run starts where the kind changes along a row (skipped tiles end runs).
        change = np.ones(rows.shape, bool)
        change[:, 1:] = rows[:, 1:] != rows[:, :-1]
        starts = change & (rows != EMPTY)
        r, c = np.nonzero(starts)
        # The run's end: the next change point after its start in the same row.
        change_pos = np.where(change, np.arange(nkt)[None, :], nkt)
        next_change = np.minimum.accumulate(change_pos[:, ::-1], axis=1)[:, ::-1]
        nxt = np.full(rows.shape, nkt, np.int64)
        nxt[:, :-1] = next_change[:, 1:]
        count = nxt[r, c] - c
        ptr = np.searchsorted(r, np.arange(heads * nqt + 1))
        bits = np.asarray(bits, bool).reshape(-1, block[0] * block[1])
        packed = np.packbits(bits, axis=1)
        return cls(tuple(int(x) for x in block), tuple(int(x) for x in shape),
                   tuple(ptr.tolist()), tuple(c.tolist()), tuple(count.tolist()),
                   tuple(rows[r, c].tolist()), packed.tobytes().hex())

    @classmethod
    def from_mask(cls, mask: np.ndarray, block: tuple[int, int]) -> Tiles:
        """The table of a boolean mask ([Nq, Nk], or [H, Nq, Nk] per head),
        with identical partial bitmaps stored once."""
        mask = np.asarray(mask, bool)
        if mask.ndim == 2:
            mask = mask[None]
        heads, nq, nk = mask.shape
        bq, bk = block
        nqt, nkt = -(-nq // bq), -(-nk // bk)
        padded = np.zeros((heads, nqt * bq, nkt * bk), bool)
        padded[:, :nq, :nk] = mask
        tiles = padded.reshape(heads, nqt, bq, nkt, bk).transpose(0, 1, 3, 2, 4)
        sums = tiles.sum(axis=(3, 4))
        area = np.outer(tile_extent(np.arange(nqt), bq, nq), tile_extent(np.arange(nkt), bk, nk))
        kinds = np.where(sums == 0, EMPTY, np.where(sums == area, FULL, 0))
        partial = kinds == 0
        flat = np.packbits(tiles[partial].reshape(-1, bq * bk), axis=1)
        unique, index = np.unique(flat, axis=0, return_inverse=True) if len(flat) else (
            flat, np.zeros(0, np.int64))
        kinds[partial] = index.reshape(-1)
        bits = np.unpackbits(unique, axis=1, count=bq * bk).reshape(-1, bq, bk)
        return cls.from_kinds(kinds, bits.astype(bool), (bq, bk), (nq, nk))

    # -- the table as arrays ---------------------------------------------------

    @property
    def num_table_heads(self) -> int:
        """1 for a table shared by every head, else the number of heads."""
        nqt = -(-self.shape[0] // self.block[0]) if self.block[0] > 0 else 0
        return (len(self.ptr) - 1) // nqt if nqt else 1

    @property
    def head_dependent(self) -> bool:
        return self.num_table_heads > 1

    @cached_property
    def bits(self) -> np.ndarray:
        """The partial bitmaps, [bitmaps, bq, bk] bool."""
        bq, bk = self.block
        per = -(-bq * bk // 8)
        raw = np.frombuffer(bytes.fromhex(self.bitmaps), np.uint8).reshape(-1, per)
        return np.unpackbits(raw, axis=1, count=bq * bk).reshape(-1, bq, bk).astype(bool)

    @cached_property
    def kinds(self) -> np.ndarray:
        """[table heads, query tiles, key tiles]: EMPTY, FULL or the bitmap number."""
        bq, bk = self.block
        nqt, nkt = -(-self.shape[0] // bq), -(-self.shape[1] // bk)
        heads = self.num_table_heads
        out = np.full((heads * nqt, nkt), EMPTY, np.int64)
        ptr, start = np.asarray(self.ptr, np.int64), np.asarray(self.start, np.int64)
        count, bitmap = np.asarray(self.count, np.int64), np.asarray(self.bitmap, np.int64)
        run_row = np.repeat(np.arange(heads * nqt), np.diff(ptr))
        total = int(count.sum())
        run = np.repeat(np.arange(len(count)), count)
        first = np.cumsum(count) - count
        out[run_row[run], start[run] + np.arange(total) - first[run]] = bitmap[run]
        return out.reshape(heads, nqt, nkt)

    def _head_kinds(self, head: int) -> np.ndarray:
        return self.kinds[head if self.num_table_heads > 1 else 0]

    # -- the Pattern interface -------------------------------------------------

    def attends(self, i, j, dom):
        bq, bk = self.block
        nq, nk = self.shape
        i, j = np.asarray(i), np.asarray(j)
        inside = (i >= 0) & (i < nq) & (j >= 0) & (j < nk)
        ii, jj = np.clip(i, 0, nq - 1), np.clip(j, 0, nk - 1)
        kind = self._head_kinds(dom.head)[ii // bq, jj // bk]
        bits = self.bits
        if len(bits):
            partial = (kind >= 0) & bits[np.maximum(kind, 0), ii % bq, jj % bk]
        else:
            partial = np.zeros(np.shape(kind), bool)
        return inside & ((kind == FULL) | partial)

    def candidate_tiles(self, dom, bq, bk):
        kinds = self._head_kinds(dom.head)
        if (bq, bk) == tuple(self.block):
            return tuple(a.astype(np.int64) for a in np.nonzero(kinds != EMPTY))
        # Mark, in the requested tiling, every tile that overlaps a listed one
        # (a 2-D difference array over rectangles, then prefix sums).
        own_q, own_k = np.nonzero(kinds != EMPTY)
        nqt, nkt = -(-dom.nq // bq), -(-dom.nk // bk)
        q_lo = own_q * self.block[0] // bq
        q_hi = (np.minimum((own_q + 1) * self.block[0], dom.nq) - 1) // bq
        k_lo = own_k * self.block[1] // bk
        k_hi = (np.minimum((own_k + 1) * self.block[1], dom.nk) - 1) // bk
        diff = np.zeros((nqt + 1, nkt + 1), np.int64)
        np.add.at(diff, (q_lo, k_lo), 1)
        np.add.at(diff, (q_hi + 1, k_lo), -1)
        np.add.at(diff, (q_lo, k_hi + 1), -1)
        np.add.at(diff, (q_hi + 1, k_hi + 1), 1)
        hit = diff.cumsum(axis=0).cumsum(axis=1)[:nqt, :nkt] > 0
        return tuple(a.astype(np.int64) for a in np.nonzero(hit))

    def tile_counts(self, qt, kt, dom, bq, bk):
        if (bq, bk) != tuple(self.block) or len(qt) == 0:
            return self.tile_counts_elementwise(qt, kt, dom, bq, bk)
        kind = self._head_kinds(dom.head)[qt, kt]
        eq, ek = tile_extent(qt, bq, dom.nq), tile_extent(kt, bk, dom.nk)
        out = np.where(kind == FULL, eq * ek, 0)
        partial = kind >= 0
        if partial.any():
            bits = self.bits
            interior = partial & (eq == bq) & (ek == bk)
            out[interior] = bits.sum(axis=(1, 2))[kind[interior]]
            for t in np.nonzero(partial & ~interior)[0]:
                out[t] = bits[kind[t], : eq[t], : ek[t]].sum()
        return out

    def nnz(self, nq, nk, head=0, mask=None):
        table = self.tile_table(nq, nk, self.block[0], self.block[1], head)
        return int(table.count.sum())

    def validate(self, nq, nk, heads):
        name = f"#attn.{self.mnemonic}"
        if len(self.block) != 2 or len(self.shape) != 2:
            raise PatternError(f"{name}: block and shape need 2 entries each (queries, keys)")
        bq, bk = self.block
        if bq <= 0 or bk <= 0:
            raise PatternError(f"{name}: block sizes must be positive, got {bq}x{bk}")
        if tuple(self.shape) != (nq, nk):
            raise PatternError(
                f"{name}: the table is for {self.shape[0]}x{self.shape[1]} tokens, "
                f"the attention is {nq}x{nk}")
        nqt, nkt = -(-nq // bq), -(-nk // bk)
        rows = len(self.ptr) - 1
        if rows <= 0 or rows % nqt or rows // nqt not in (1, heads):
            raise PatternError(
                f"{name}: ptr has {len(self.ptr)} entries; expected {nqt + 1} (one table) "
                f"or {heads * nqt + 1} (one per head: {heads} heads x {nqt} query tiles)")
        runs = len(self.start)
        if len(self.count) != runs or len(self.bitmap) != runs:
            raise PatternError(f"{name}: start, count and bitmap need one entry per run")
        ptr = np.asarray(self.ptr)
        if ptr[0] != 0 or ptr[-1] != runs or (np.diff(ptr) < 0).any():
            raise PatternError(f"{name}: ptr must rise from 0 to the number of runs ({runs})")
        start, count = np.asarray(self.start, np.int64), np.asarray(self.count, np.int64)
        # start > nkt - count, not start + count > nkt: the sum may overflow int64.
        if runs and ((count <= 0).any() or (start < 0).any() or (start > nkt - count).any()):
            raise PatternError(f"{name}: every run must cover 1 or more of the {nkt} key tiles")
        row_of_run = np.repeat(np.arange(rows), np.diff(ptr))
        same_row = row_of_run[1:] == row_of_run[:-1]
        if (same_row & (start[1:] < start[:-1] + count[:-1])).any():
            raise PatternError(f"{name}: the runs of a query tile must be sorted and disjoint")
        per = -(-bq * bk // 8)
        if len(self.bitmaps) % (2 * per):
            raise PatternError(
                f"{name}: bitmaps must hold {per} bytes ({2 * per} hex digits) per bitmap, "
                f"got {len(self.bitmaps)} digits")
        try:
            bytes.fromhex(self.bitmaps)
        except ValueError:
            raise PatternError(f"{name}: bitmaps must be hexadecimal digits") from None
        num_bitmaps = len(self.bitmaps) // (2 * per)
        bad = [b for b in self.bitmap if b < FULL or b >= num_bitmaps]
        if bad:
            raise PatternError(
                f"{name}: bitmap {bad[0]} is neither -1 (full) nor one of the "
                f"{num_bitmaps} bitmaps")
