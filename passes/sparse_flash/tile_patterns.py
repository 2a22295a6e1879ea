"""Tiling of Sparse Flash Attention, run by ``attn-tile{q=Q k=K}``:
``attn.indexed_attention`` → ``tile.indexed_attention`` over query tiles of
Q rows and key tiles of K, whose tile table is found at run time from the
tiles' ranges of original indices and bucket ids (Pagliardini et al.,
2023, Section 3; ``attn_ir.reference.sparse_flash.tile_classes``).  The
full-length attentions (``attn.qk_drop_attention``, ``attn.hash_attention``)
are compacted first, as ``attn-compact-tokens`` does.  Each tiled op is
annotated with its per-tile on-chip footprint (``footprint_bytes``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

from xdsl.dialects.builtin import IntegerAttr, TensorType
from xdsl.pattern_rewriter import PatternRewriter, RewritePattern, op_type_rewrite_pattern

from attn_ir.dialects.sparse_flash.attn import IndexedAttentionOp
from attn_ir.dialects.sparse_flash.tile import TiledIndexedAttentionOp
from attn_ir.passes.sparse_flash.attn_compact_tokens import compaction_patterns


@dataclass
class TileIndexedAttention(RewritePattern):
    block_q: int
    block_k: int

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: IndexedAttentionOp, rewriter: PatternRewriter) -> None:
        tiled = TiledIndexedAttentionOp(
            op.q, op.k, op.v, op.q_positions, op.k_positions, tuple(op.buckets),
            self.block_q, self.block_k, op.scale_value, cast(TensorType, op.output.type))
        tiled.attributes["footprint_bytes"] = IntegerAttr(tiled.footprint()["total"], 64)
        tiled.output.name_hint = op.output.name_hint
        rewriter.replace(op, tiled)


def tile_patterns(block_q: int, block_k: int) -> list[RewritePattern]:
    """The rewrites ``attn-tile`` applies for Sparse Flash Attention."""
    return [*compaction_patterns(), TileIndexedAttention(block_q, block_k)]
