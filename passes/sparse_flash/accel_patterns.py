"""Lowering of Sparse Flash Attention, run by ``convert-attn-to-accel{target=NAME}``:
``tile.indexed_attention`` → ``accel.indexed_kernel`` on the target.

One lane per (batch, head, query tile), as for ``tile.attention``, running
FuseMax's 1-pass cascade per key tile (QK on the 2-D array, masked on
partial tiles; the running max, rescale, exp, row sum, PV and running
numerator and sum; the epilogue divides and stores).  What differs is how a
lane finds its key tiles (Pagliardini et al., 2023, Section 3): its
prologue loads the original indices (and bucket ids) of its queries and
streams every key's past them (``accel.tile_scan``), keeping the key tiles
that are not skipped; each step also loads its key tile's indices (and
buckets) for the mask of partial tiles.  As in the paper's kernels (and
FuseMax's schedule), K/V loads are double-buffered and the steps pipelined
across the 2-D and 1-D arrays.  Buffers that do not fit the target are an
error at the tiled op.
"""

from __future__ import annotations

from typing import cast

from xdsl.dialects.builtin import BoolAttr, TensorType, i32
from xdsl.pattern_rewriter import PatternRewriter, RewritePattern, op_type_rewrite_pattern

from attn_ir import targets as T
from attn_ir.dialects import accel as A
from attn_ir.dialects.sparse_flash.accel import (
    DRAM_NAMES,
    DmaLoadIndexOp,
    IndexedKernelOp,
    TileScanOp,
)
from attn_ir.dialects.sparse_flash.tile import TiledIndexedAttentionOp
from attn_ir.passes.accel_kernel_builder import KernelBody, OnlineSoftmax, check_buffers


def indexed_kernel_body(target: T.Target, types: list[TensorType], bq: int, bk: int,
                        scale: float) -> KernelBody:
    """The lane program for tiles of bq x bk.  ``types``: the DRAM tensors
    q, k, v, the query and key indices, [their buckets], and the result."""
    hashed = len(types) == 8
    d, dv = types[0].get_shape()[3], types[2].get_shape()[3]
    elem = types[0].element_type
    body = KernelBody(target, types, [*DRAM_NAMES[:7 if hashed else 5], "o"])
    dram = body.dram
    qb = body.buffer("q_tile", [bq, d], elem)
    kb = body.buffer("k_tile", [bk, d], elem)
    vb = body.buffer("v_tile", [bk, dv], elem)
    q_pos = body.buffer("q_pos_tile", [bq], i32)
    k_pos = body.buffer("k_pos_tile", [bk], i32)
    q_bucket = body.buffer("q_bucket_tile", [bq], i32) if hashed else None
    k_bucket = body.buffer("k_bucket_tile", [bk], i32) if hashed else None
    softmax = OnlineSoftmax(body, bq, bk, dv)
    body.emit(A.DmaLoadOp, [dram["q"], qb], tile="q")
    body.emit(DmaLoadIndexOp, [dram["q_pos"], q_pos], tile="q")
    tags = [dram["k_pos"], q_pos]
    if hashed:
        body.emit(DmaLoadIndexOp, [dram["q_bucket"], q_bucket], tile="q")
        tags += [dram["k_bucket"], q_bucket]
    body.emit(TileScanOp, [tags])
    softmax.start()
    with body.step():
        body.emit(A.DmaLoadOp, [dram["k"], kb], tile="k")
        body.emit(A.DmaLoadOp, [dram["v"], vb], tile="v")
        body.emit(DmaLoadIndexOp, [dram["k_pos"], k_pos], tile="k")
        if hashed:
            body.emit(DmaLoadIndexOp, [dram["k_bucket"], k_bucket], tile="k")
        softmax.update(qb, kb, vb, scale)
    body.emit(A.DmaStoreOp, [softmax.finish(), dram["o"]])
    return body


class LowerTiledIndexedAttention(RewritePattern):
    def __init__(self, target: A.TargetAttr):
        self.target = target

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: TiledIndexedAttentionOp, rewriter: PatternRewriter) -> None:
        types = [cast(TensorType, v.type) for v in (*op.operands, op.output)]
        bq, bk = op.blocks
        body = indexed_kernel_body(self.target.target, types, bq, bk, op.scale.value.data)
        kernel = IndexedKernelOp(list(op.operands), self.target, bq, bk, op.scale.value.data,
                                 cast(TensorType, op.output.type), body.region(),
                                 schedule="sparse-flash")
        for flag in ("double_buffer", "pipeline"):
            kernel.properties[flag] = BoolAttr.from_bool(True)
        check_buffers(kernel, op)  # type: ignore[arg-type]
        kernel.output.name_hint = op.output.name_hint
        rewriter.replace(op, kernel)


def conversion_patterns(target: A.TargetAttr) -> list[RewritePattern]:
    return [LowerTiledIndexedAttention(target)]
