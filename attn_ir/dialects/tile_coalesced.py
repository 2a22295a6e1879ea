"""``#tile.coalesced``: a tile table's runs of full tiles coalesced into
contiguous key ranges per query block (the execution plan of a
``tile.attention`` for a GEMM-based engine).

A tile table lists, per query tile of ``block_q`` rows, the key tiles it
touches.  Most attended pairs lie in runs of full tiles (the band of a
window, everything left of the diagonal for causal): one block of query
rows against a contiguous key range is one large matrix product that needs
no mask work.  ``#tile.coalesced`` states that plan, per table:

```mlir
#tile.coalesced<rows = array<i32: 0, 1, 4, 8>, ptr = array<i32: 0, 1, 3, 4>,
                start = array<i32: 0, 0, 3, 0>, end = array<i32: 8, 3, 6, 7>,
                full = array<i8: 1, 1, 0, 0>>
```

* ``rows``: query block ``j`` is rows ``rows[j] .. rows[j + 1] - 1``; the
  blocks cover ``0 .. Nq`` in order.  A block is a whole number of query
  tiles, or part of one: a global token's row is a block of its own.
* ``ptr``: the pieces of block ``j`` are ``ptr[j] .. ptr[j + 1] - 1``.
* piece ``p``: keys ``start[p] .. end[p] - 1`` (element indices: a piece may
  start or end inside a key tile); ``full[p] = 1``: every row of the block
  attends every key of the piece (no mask work), 0: the pattern's predicate
  decides.  Pieces of a block ascend and do not overlap; keys in no piece
  are not attended by any row of the block.

The op carries it as ``coalesced = [...]``, one per tile table (an
ordinary attribute: passes that do not know it, such as the hardware-model
lowering, ignore it).  ``attn-coalesce`` computes it (``attn_ir.passes.coalesce_plans``:
the query block size comes from a cost rule on the table), the NumPy
backend and the interpreter execute it.  It grows with the number of
blocks and pieces, never with Nq x Nk.
"""

from __future__ import annotations

import numpy as np
from xdsl.dialects.builtin import ArrayAttr, DenseArrayBase, i8, i32
from xdsl.irdl import irdl_attr_definition
from xdsl.utils.exceptions import VerifyException

from attn_ir.dialects.tile import DenseArraysAttr

ATTRIBUTE = "coalesced"
"""Name of the attribute of ``tile.attention`` that holds the plans."""

_FIELDS = (("rows", i32), ("ptr", i32), ("start", i32), ("end", i32), ("full", i8))


def _array(attr: DenseArrayBase, elt) -> np.ndarray:
    return np.frombuffer(attr.data.data, np.int32 if elt == i32 else np.int8).astype(np.int64)


@irdl_attr_definition
class CoalescedAttr(DenseArraysAttr):
    """Query blocks and their key pieces (see the module doc)."""

    name = "tile.coalesced"
    FIELDS = _FIELDS
    rows: DenseArrayBase
    ptr: DenseArrayBase
    start: DenseArrayBase
    end: DenseArrayBase
    full: DenseArrayBase

    @staticmethod
    def from_arrays(rows, ptr, start, end, full) -> CoalescedAttr:
        return CoalescedAttr(*(DenseArrayBase.from_list(elt, [int(x) for x in values])
                               for (_, elt), values in zip(_FIELDS,
                                                           (rows, ptr, start, end, full))))

    @property
    def arrays(self) -> tuple[np.ndarray, ...]:
        """(rows, ptr, start, end, full) as int64 arrays (full as bool)."""
        out = [_array(getattr(self, name), elt) for name, elt in _FIELDS]
        out[4] = out[4].astype(bool)
        return tuple(out)

    def verify(self) -> None:
        self.verify_element_types()
        rows, ptr, start, end, _ = self.arrays
        if len(rows) < 1 or rows[0] != 0 or (np.diff(rows) <= 0).any():
            raise VerifyException("#tile.coalesced: 'rows' must rise strictly from 0")
        if len(ptr) != len(rows) or ptr[0] != 0 or ptr[-1] != len(start) \
                or (np.diff(ptr) < 0).any():
            raise VerifyException("#tile.coalesced: 'ptr' needs one entry per entry of "
                                  "'rows' and must rise from 0 to the number of pieces")
        if not len(start) == len(end) == len(self.full):
            raise VerifyException(
                "#tile.coalesced: 'start', 'end' and 'full' must have the same length")
        if (start < 0).any() or (end <= start).any():
            raise VerifyException("#tile.coalesced: every piece needs 0 <= start < end")
        later = np.ones(len(start), bool)
        later[ptr[:-1][ptr[:-1] < len(start)]] = False
        if (start[1:] < end[:-1])[later[1:]].any():
            raise VerifyException("#tile.coalesced: the pieces of each block must be "
                                  "ascending and must not overlap")


def verify_on(op) -> None:
    """Check an op's ``coalesced`` plans against its shape and tile tables:
    one plan per table, blocks covering the queries, and every piece within
    the key tiles its block's query tiles list (the plan reads nothing the
    table skips)."""
    plans = op.attributes.get(ATTRIBUTE)
    if plans is None:
        return
    name = op.name
    if not isinstance(plans, ArrayAttr) or not all(isinstance(p, CoalescedAttr)
                                                   for p in plans.data):
        raise VerifyException(f"'{name}' attribute '{ATTRIBUTE}' must be an array of "
                              "#tile.coalesced")
    if op.pattern.pattern.uses_mask:
        raise VerifyException(f"'{name}' #tile.coalesced needs a pattern known at compile "
                              "time; this one reads the mask operand")
    tables = op.tables.data
    if len(plans.data) != len(tables):
        raise VerifyException(f"'{name}' needs one #tile.coalesced per tile table "
                              f"({len(tables)}), got {len(plans.data)}")
    _, _, nq, nk, _, _ = op.dims
    bq, bk = op.block_q.value.data, op.block_k.value.data
    for plan, table in zip(plans.data, tables):
        rows, ptr, start, end, _ = plan.arrays
        if rows[-1] != nq:
            raise VerifyException(f"'{name}' #tile.coalesced: 'rows' must end at the "
                                  f"number of queries ({nq}), got {rows[-1]}")
        if len(end) and end.max() > nk:
            raise VerifyException(f"'{name}' #tile.coalesced: a piece ends past the "
                                  f"{nk} keys")
        runs = table.runs
        nkt = -(-nk // bk)
        for j in range(len(rows) - 1):
            if ptr[j] == ptr[j + 1]:
                continue
            listed = np.zeros(nkt + 1, np.int64)
            for t in range(rows[j] // bq, (rows[j + 1] - 1) // bq + 1):
                for r in range(runs.ptr[t], runs.ptr[t + 1]):
                    listed[runs.start[r]] += 1
                    listed[runs.start[r] + runs.count[r]] -= 1
            covered = np.cumsum(listed)[:nkt] > 0
            for p in range(ptr[j], ptr[j + 1]):
                if not covered[start[p] // bk:(end[p] - 1) // bk + 1].all():
                    raise VerifyException(
                        f"'{name}' #tile.coalesced: piece {start[p]}..{end[p] - 1} of rows "
                        f"{rows[j]}..{rows[j + 1] - 1} reads key tiles the tile table "
                        "skips")


OPS: list = []
ATTRIBUTES = [CoalescedAttr]
