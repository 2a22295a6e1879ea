"""Polarisation of a fixed mask into a dense and a sparse part (ViTCoD, You
et al., HPCA 2023, Sec. IV-A, Fig. 6; ``reorder.py`` of its simulator).

For each head, the keys whose column is kept by more than ``threshold``
queries (their in-degree) are the *dense* ("global") columns; they move to
the front of the key order and are computed densely, every query against
every dense key (the denser engine).  The remaining keys form the *sparse*
part, kept as a COO list of (query, key) pairs (the sparser engine: SDDMM
then SpMM).  ViTCoD uses ``threshold = 50`` of 197 tokens.

``polarize`` computes a head's split from any static pattern: its key order
(dense columns first, each part in ascending token order, so the order is
defined by the pattern and the threshold alone), the number of dense
columns and the sparse part's pairs.  In-degrees are counted over chunks of
query rows, so no Nq x Nk matrix is formed (a fixed mask is given data and
is read directly).

``PolarPart`` (``#attn.polar_part<source = P, threshold = 50, part =
"dense">``) is one part as a pattern over the *reordered* keys: key position
``c`` stands for token ``order[c]``; ``part`` is ``"dense"`` (positions
below the head's dense count), ``"sparse"`` (the rest) or ``"all"``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from attn_ir.patterns.base import Domain, Pattern, PatternError, pairs_from_ranges

ROW_CHUNK = 512
"""Query rows evaluated at once when counting in-degrees of a general pattern."""

PARTS = ("dense", "sparse", "all")


@dataclass(frozen=True)
class HeadPolarization:
    """One head's split.  Positions are indices into the reordered keys."""

    order: np.ndarray
    """[Nk]: position c holds token ``order[c]``; dense columns first."""
    dense: int
    """Number of dense columns (positions ``0 .. dense - 1``)."""
    degrees: np.ndarray
    """[Nk] in-degree of each token (queries that keep it)."""
    coo_rows: np.ndarray
    """Queries of the sparse part's pairs, ascending (then by position)."""
    coo_cols: np.ndarray
    """Key positions (>= ``dense``) of the sparse part's pairs."""
    dense_mask: np.ndarray
    """[Nq, dense]: which (query, dense column) pairs the pattern keeps."""

    @property
    def dense_tokens(self) -> np.ndarray:
        return self.order[: self.dense]

    @property
    def position(self) -> np.ndarray:
        """Inverse of ``order``: the position of each token."""
        out = np.empty_like(self.order)
        out[self.order] = np.arange(len(self.order))
        return out

    @property
    def sparse_nnz(self) -> int:
        return len(self.coo_rows)

    @property
    def dense_nnz(self) -> int:
        return int(self.dense_mask.sum())


def _rows_of(source: Pattern, dom: Domain, r0: int, r1: int) -> np.ndarray:
    rows = np.arange(r0, r1)
    return np.broadcast_to(source.attends(rows[:, None], np.arange(dom.nk)[None, :], dom),
                           (r1 - r0, dom.nk))


def _source_key(source: Pattern):
    """What identifies the source's data (a mask file's version as well)."""
    version = getattr(source, "data_version", None)
    return source, (version() if callable(version) else None)


def polarize(source: Pattern, nq: int, nk: int, head: int, threshold: int) -> HeadPolarization:
    """The split of ``source`` (any static pattern) for one head."""
    return _polarize(*_source_key(source), nq, nk, head, threshold)


@lru_cache(maxsize=256)
def _polarize(source: Pattern, _version, nq: int, nk: int, head: int,
              threshold: int) -> HeadPolarization:
    if source.uses_mask:
        raise PatternError(
            "polarisation needs a fixed mask known at compile time (#attn.mask_file, "
            "#attn.synthetic_mask or another static pattern), not the mask operand")
    dom = Domain(nq, nk, head)
    head_masks = getattr(source, "head_masks", None)
    fixed = None
    if head_masks is not None:
        masks = head_masks(nq, nk)
        fixed = masks[head if len(masks) > 1 else 0]
    if fixed is not None:
        degrees = fixed.sum(axis=0).astype(np.int64)
    else:
        degrees = np.zeros(nk, np.int64)
        for r0 in range(0, nq, ROW_CHUNK):
            degrees += _rows_of(source, dom, r0, min(nq, r0 + ROW_CHUNK)).sum(axis=0)
    is_dense = degrees > threshold
    order = np.concatenate([np.flatnonzero(is_dense), np.flatnonzero(~is_dense)])
    dense = int(is_dense.sum())
    sparse_tokens = order[dense:]
    if fixed is not None:
        dense_mask = fixed[:, order[:dense]]
        rows, idx = np.nonzero(fixed[:, sparse_tokens])
    else:
        dense_mask = np.zeros((nq, dense), bool)
        parts_r, parts_c = [], []
        for r0 in range(0, nq, ROW_CHUNK):
            r1 = min(nq, r0 + ROW_CHUNK)
            block = _rows_of(source, dom, r0, r1)
            dense_mask[r0:r1] = block[:, order[:dense]]
            r, c = np.nonzero(block[:, sparse_tokens])
            parts_r.append(r + r0)
            parts_c.append(c)
        rows = np.concatenate(parts_r) if parts_r else np.zeros(0, np.int64)
        idx = np.concatenate(parts_c) if parts_c else np.zeros(0, np.int64)
    out = HeadPolarization(order.astype(np.int64), dense, degrees,
                           rows.astype(np.int64), (idx + dense).astype(np.int64),
                           np.ascontiguousarray(dense_mask))
    for array in (out.order, out.degrees, out.coo_rows, out.coo_cols, out.dense_mask):
        array.setflags(write=False)
    return out


def polarize_heads(source: Pattern, nq: int, nk: int, heads: int,
                   threshold: int) -> list[HeadPolarization]:
    """The split of every head (one computation when heads share the pattern)."""
    if not source.head_dependent:
        one = polarize(source, nq, nk, 0, threshold)
        return [one] * heads
    return [polarize(source, nq, nk, h, threshold) for h in range(heads)]


@dataclass(frozen=True)
class PolarPart(Pattern):
    """``#attn.polar_part<source = P, threshold = t, part = "dense">``: one part
    of ``P``'s polarisation, over the reordered keys (see the module doc)."""

    source: Pattern
    threshold: int
    part: str
    mnemonic = "polar_part"

    def split(self, dom: Domain) -> HeadPolarization:
        return polarize(self.source, dom.nq, dom.nk, dom.head, self.threshold)

    def attends(self, i, c, dom):
        pol = self.split(dom)
        i, c = np.asarray(i), np.asarray(c)
        inside = (c >= 0) & (c < dom.nk)
        cc = np.clip(c, 0, dom.nk - 1)
        if self.part == "dense":
            inside = inside & (c < pol.dense)
        elif self.part == "sparse":
            inside = inside & (c >= pol.dense)
        return inside & self.source.attends(i, pol.order[cc], dom)

    def _tile_sums(self, dom: Domain, bq: int, bk: int) -> np.ndarray:
        pol = self.split(dom)
        nqt, nkt = -(-dom.nq // bq), -(-dom.nk // bk)
        sums = np.zeros((nqt, nkt), np.int64)
        if self.part in ("dense", "all") and pol.dense:
            rows, cols = np.nonzero(pol.dense_mask)
            np.add.at(sums, (rows // bq, cols // bk), 1)
        if self.part in ("sparse", "all"):
            np.add.at(sums, (pol.coo_rows // bq, pol.coo_cols // bk), 1)
        return sums

    def candidate_tiles(self, dom, bq, bk):
        if self.part == "dense":
            # Every query meets the dense columns (a superset is enough).
            pol = self.split(dom)
            qt = np.arange(-(-dom.nq // bq), dtype=np.int64)
            hi = np.full_like(qt, (pol.dense - 1) // bk if pol.dense else -1)
            return pairs_from_ranges(qt, np.zeros_like(qt), hi, -(-dom.nk // bk))
        return tuple(a.astype(np.int64) for a in np.nonzero(self._tile_sums(dom, bq, bk)))

    def tile_counts(self, qt, kt, dom, bq, bk):
        if len(qt) == 0:
            return np.zeros(0, np.int64)
        return self._tile_sums(dom, bq, bk)[qt, kt]

    def nnz(self, nq, nk, head=0, mask=None):
        pol = polarize(self.source, nq, nk, head, self.threshold)
        return {"dense": pol.dense_nnz, "sparse": pol.sparse_nnz,
                "all": pol.dense_nnz + pol.sparse_nnz}[self.part]

    @property
    def head_dependent(self) -> bool:
        return self.source.head_dependent

    def children(self):
        return (self.source,)

    def validate(self, nq, nk, heads):
        name = f"#attn.{self.mnemonic}"
        if self.part not in PARTS:
            raise PatternError(f"{name}: part must be one of {', '.join(PARTS)}, got "
                               f"'{self.part}'")
        if self.threshold < 0:
            raise PatternError(f"{name}: threshold must be non-negative, got {self.threshold}")
        if self.source.uses_mask:
            raise PatternError(f"{name}: the source must be a fixed pattern, not #attn.mask")
        self.source.validate(nq, nk, heads)
