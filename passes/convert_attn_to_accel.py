"""``convert-attn-to-accel{target=NAME}``: ``tile.attention`` → an
``accel.kernel`` for the target, with buffer allocation.

The generic lowering runs FuseMax's 1-pass cascade per key tile (Nelson et
al., MICRO'24): QK on the 2-D array (masked on partial tiles), the tile's
row max, the running max and rescale factor, exp, the tile's row sum, PV on
the 2-D array, and the running numerator and sum; the epilogue divides and
stores.  Units come from the target.  A kernel whose buffers do not fit the
target fails with a diagnostic naming the buffer and the bytes needed and
available.  Schedule passes (``accel-schedule-*``) refine this kernel.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

from xdsl.context import Context
from xdsl.dialects.builtin import IntAttr, ModuleOp, TensorType
from xdsl.passes import ModulePass
from xdsl.pattern_rewriter import (
    PatternRewriter,
    PatternRewriteWalker,
    RewritePattern,
    op_type_rewrite_pattern,
)

from attn_ir import targets as T
from attn_ir.dialects import accel as A
from attn_ir.dialects.tile import TiledAttentionOp
from attn_ir.passes.accel_kernel_builder import KernelBody, OnlineSoftmax, check_buffers


def block_kernel_body(target: T.Target, types: list[TensorType], bq: int, bk: int,
                      scale: float) -> KernelBody:
    """The generic 1-pass block-sparse body for tiles of bq x bk.  ``types``:
    the DRAM tensors q, k, v, [mask], o."""
    d, dv = types[0].get_shape()[3], types[2].get_shape()[3]
    elem = types[0].element_type
    body = KernelBody(target, types)
    dram = body.dram
    qb = body.buffer("q_tile", [bq, d], elem)
    kb = body.buffer("k_tile", [bk, d], elem)
    vb = body.buffer("v_tile", [bk, dv], elem)
    mb = body.buffer("mask_tile", [bq, bk], elem) if "mask" in dram else None
    softmax = OnlineSoftmax(body, bq, bk, dv)
    body.emit(A.DmaLoadOp, [dram["q"], qb], tile="q")
    softmax.start()
    with body.step():
        body.emit(A.DmaLoadOp, [dram["k"], kb], tile="k")
        body.emit(A.DmaLoadOp, [dram["v"], vb], tile="v")
        if mb is not None:
            body.emit(A.DmaLoadOp, [dram["mask"], mb], tile="mask")
        softmax.update(qb, kb, vb, scale, mb)
    body.emit(A.DmaStoreOp, [softmax.finish(), dram["o"]])
    return body


class LowerTiledAttention(RewritePattern):
    def __init__(self, target: A.TargetAttr):
        self.target = target

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: TiledAttentionOp, rewriter: PatternRewriter) -> None:
        types = [cast(TensorType, v.type) for v in (*op.operands, op.output)]
        bq, bk = op.block_q.value.data, op.block_k.value.data
        body = block_kernel_body(self.target.target, types, bq, bk, op.scale.value.data)
        iteration = A.BlocksAttr(IntAttr(op.block_q.value.data), IntAttr(op.block_k.value.data),
                                 op.tables)
        kernel = A.KernelOp(list(op.operands), self.target, iteration, op.pattern, op.scale,
                            cast(TensorType, op.output.type), body.region())
        check_buffers(kernel, op)
        rewriter.replace(op, kernel)


@dataclass(frozen=True)
class ConvertAttnToAccelPass(ModulePass):
    name = "convert-attn-to-accel"

    target: str = "fusemax"

    def __post_init__(self):
        A.target_from_option(self.target, "convert-attn-to-accel")

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        from xdsl.pattern_rewriter import GreedyRewritePatternApplier

        from attn_ir.passes import extensions

        target = A.target_from_option(self.target, "convert-attn-to-accel")
        patterns = [LowerTiledAttention(target)] + [
            p for ext in extensions() if ext.accel_patterns is not None
            for p in ext.accel_patterns(target)]
        PatternRewriteWalker(GreedyRewritePatternApplier(patterns),
                             apply_recursively=False).rewrite_module(op)
