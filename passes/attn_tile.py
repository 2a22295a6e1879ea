"""``attn-tile{q=64 k=64}``: the 1-pass cascade → ``tile.attention``, tiled
over query tiles of q rows and key tiles of k columns, with the tile table
of the pattern library (full, partial and skipped tiles).  The key tile
takes the place of the cascade's M0.  Cascades in another form are left
as they are (fuse them first).  Each tiled op is annotated with its per-tile
on-chip footprint in bytes (``footprint_bytes``), which does not depend on
the sequence length."""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

from xdsl.context import Context
from xdsl.dialects.builtin import IntegerAttr, ModuleOp, TensorType
from xdsl.ir import Operation
from xdsl.passes import ModulePass
from xdsl.pattern_rewriter import PatternRewriter, PatternRewriteWalker, RewritePattern
from xdsl.rewriter import InsertPoint

from attn_ir.dialects.tile import TiledAttentionOp, tile_tables
from attn_ir.passes import cascade_forms


@dataclass
class TileCascade(RewritePattern):
    block_q: int
    block_k: int

    def match_and_rewrite(self, op: Operation, rewriter: PatternRewriter) -> None:
        found = cascade_forms.recognise(op)
        if found is None or found.form != 1:
            return
        inputs = found.inputs
        b, h, nq, _ = cast(TensorType, inputs.q.type).get_shape()
        tables = tile_tables(inputs.pattern.pattern, nq, inputs.num_keys, h,
                             self.block_q, self.block_k)
        tiled = TiledAttentionOp(
            inputs.q, inputs.k, inputs.v, inputs.pattern,
            tables, self.block_q, self.block_k,
            inputs.scale, op.results[0].type, inputs.mask)
        tiled.attributes["footprint_bytes"] = IntegerAttr(tiled.footprint()["total"], 64)
        rewriter.insert(tiled, InsertPoint.before(op))
        rewriter.replace_all_uses_with(op.results[0], tiled.output)
        cascade_forms.erase_dead_cascade(op, rewriter)


@dataclass(frozen=True)
class AttnTilePass(ModulePass):
    name = "attn-tile"

    q: int = 64
    k: int = 64

    def __post_init__(self):
        if self.q <= 0 or self.k <= 0:
            raise ValueError(f"attn-tile: tile sizes must be positive, got q={self.q}, k={self.k}")

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        PatternRewriteWalker(TileCascade(self.q, self.k),
                             apply_recursively=False).rewrite_module(op)
        from xdsl.pattern_rewriter import GreedyRewritePatternApplier

        from attn_ir.passes import extensions

        # Every system's tilings of its own ops, after the cascades.
        patterns = [p for ext in extensions() if ext.tile_patterns is not None
                    for p in ext.tile_patterns(self.q, self.k)]
        if patterns:
            PatternRewriteWalker(GreedyRewritePatternApplier(patterns)).rewrite_module(op)
