"""Tiling of SpAtten's attention, run by ``attn-tile{q=Q k=K}``:
``attn.progressive_attention`` → ``tile.progressive_attention``.

The ``attn.gather``s that compact the operands (by token, and first by
head when heads are pruned) are folded into index lists, so the tiled op
reads the stored planes and fetches only the listed rows, as SpAtten's
fetcher does (Wang et al., HPCA 2021, Sec. IV-A).  An operand that is not
such a gather is read whole (an identity list).  Queries are grouped Q per
lane, except with local value pruning, where each query row fetches its own
values (one row per lane); keys are visited K listed rows at a time.
Gathers left without users are erased.
"""

from __future__ import annotations

from dataclasses import dataclass
from xdsl.dialects.builtin import FloatAttr, IntegerAttr
from xdsl.ir import Operation, SSAValue
from xdsl.pattern_rewriter import PatternRewriter, RewritePattern, op_type_rewrite_pattern
from xdsl.rewriter import InsertPoint

from attn_ir.diagnostics import OpError
from attn_ir.dialects.spatten import attn as D
from attn_ir.dialects.spatten.tile import TiledProgressiveAttentionOp


def _gather_of(value: SSAValue, dim: int, index: SSAValue | None = None
               ) -> D.GatherOp | None:
    op = value.owner
    if (isinstance(op, D.GatherOp) and op.dim.value.data == dim
            and (index is None or op.index == index)):
        return op
    return None


def erase_dead_gathers(ops: list[Operation], rewriter: PatternRewriter) -> None:
    """Erase the given index ops (and those feeding them) once unused."""
    work = list(ops)
    while work:
        op = work.pop()
        if op.parent is None or any(r.uses for r in op.results):
            continue
        if not isinstance(op, (D.GatherOp, D.TokenRangeOp)):
            continue
        feeding = [o.owner for o in op.operands if isinstance(o.owner, Operation)]
        rewriter.erase(op)
        work += feeding


@dataclass
class TileProgressiveAttention(RewritePattern):
    block_q: int
    block_k: int

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: D.ProgressiveAttentionOp, rewriter: PatternRewriter) -> None:
        b, hk, nq, nk, _, _ = op.dims
        planes = (op.k_msb, op.k_lsb, op.v_msb)
        inserted: list[Operation] = []

        def identity(count: int, name: str) -> SSAValue:
            rng = D.TokenRangeOp(b, 0, count)
            rng.output.name_hint = name
            inserted.append(rng)
            return rng.output

        # Token rows: one gather along dim 2 with the same list for every plane.
        token_gathers = [_gather_of(p, 2) for p in planes]
        if all(token_gathers) and len({g.index for g in token_gathers}) == 1:
            k_rows = token_gathers[0].index
            roots = [g.source for g in token_gathers]
        else:
            token_gathers, k_rows, roots = [], None, list(planes)
        q_gather = _gather_of(op.q, 2)
        q_root, q_rows = (q_gather.source, q_gather.index) if q_gather else (op.q, None)
        # Heads: the same list gathered along dim 1 from every operand.
        heads = op.heads
        head_gathers = []
        if heads is not None:
            head_gathers = [_gather_of(v, 1, heads)
                            for v in (q_root, *roots, op.k_scale, op.v_scale)]
            if all(head_gathers):
                q_root = head_gathers[0].source
                roots = [g.source for g in head_gathers[1:4]]
                k_scale, v_scale = head_gathers[4].source, head_gathers[5].source
            else:
                if op.pattern.pattern.head_dependent:
                    raise OpError(op, "attn-tile: heads are pruned but the operands are not "
                                      "gathered by the listed heads; a head-dependent "
                                      "pattern needs them")
                heads, head_gathers = None, []
        if heads is None:
            k_scale, v_scale = op.k_scale, op.v_scale
        if k_rows is None:
            k_rows = identity(nk, "all_keys")
        if q_rows is None:
            q_rows = identity(nq, "all_queries")
        props = {
            "pattern": op.pattern, "msb_bits": op.msb_bits, "lsb_bits": op.lsb_bits,
            "threshold": op.threshold, "context": op.context,
            "block_q": IntegerAttr(1 if op.value_keep is not None else min(self.block_q, nq),
                                   64),
            "block_k": IntegerAttr(max(1, min(self.block_k, nk)), 64),
            "scale": FloatAttr(op.scale_value, 64),
        }
        if op.value_keep is not None:
            props["value_keep"] = op.value_keep
        tiled = TiledProgressiveAttentionOp(
            [q_root, roots[0], roots[1], k_scale, roots[2], v_scale, q_rows, k_rows, op.q_pos,
             op.k_pos], heads, props, [r.type for r in op.results])
        for new, old in zip(tiled.results, op.results):
            new.name_hint = old.name_hint
        for extra in inserted:
            rewriter.insert_op(extra, InsertPoint.before(op))
        rewriter.replace(op, tiled)
        dead = [g for g in (*token_gathers, q_gather, *head_gathers) if g is not None]
        erase_dead_gathers(dead, rewriter)


def tile_patterns(block_q: int, block_k: int) -> list[RewritePattern]:
    """The rewrites ``attn-tile`` applies for SpAtten."""
    return [TileProgressiveAttention(block_q, block_k)]
