"""``attn-coalesce{rows=0 max_rows=512}``: annotate each ``tile.attention``
with its ``#tile.coalesced`` plans (``coalesced = [...]``, one per tile
table): query blocks against contiguous key pieces, full pieces needing no
mask work, a global token's row a block of its own (``attn_ir.passes.coalesce_plans``).
``rows=0`` lets the cost rule choose the query block size (a multiple of
``block_q`` up to ``max_rows``); another value forces it (rounded down to a
multiple of ``block_q``, at least one tile).  Ops whose pattern reads the
mask operand are left as they are, and so are ops that already have plans.
Engines that do not use the plans (the hardware-model lowering) ignore
them."""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects.builtin import ArrayAttr, ModuleOp
from xdsl.passes import ModulePass

from attn_ir.passes.coalesce_plans import MAX_ROWS, coalesce_op
from attn_ir.dialects.tile import TiledAttentionOp
from attn_ir.dialects.tile_coalesced import ATTRIBUTE


@dataclass(frozen=True)
class AttnCoalescePass(ModulePass):
    name = "attn-coalesce"

    rows: int = 0
    max_rows: int = MAX_ROWS

    def __post_init__(self):
        if self.rows < 0 or self.max_rows <= 0:
            raise ValueError(f"attn-coalesce: rows must be 0 (cost rule) or positive and "
                             f"max_rows positive, got rows={self.rows}, "
                             f"max_rows={self.max_rows}")

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        for tiled in op.walk():
            if not isinstance(tiled, TiledAttentionOp) or ATTRIBUTE in tiled.attributes:
                continue
            bq = tiled.block_q.value.data
            rows = None if self.rows == 0 else max(bq, self.rows // bq * bq)
            plans = coalesce_op(tiled, rows, max(bq, self.max_rows))
            if plans is not None:
                tiled.attributes[ATTRIBUTE] = ArrayAttr(plans)
