"""``accel-schedule-fusemax``: FuseMax's schedule and binding (Nelson et
al., MICRO 2024; the artifact github.com/FPSG-UIUC/micro24-fusemax-artifact,
src/accel/proposal.py).

The 1-pass cascade runs on query tiles of P0 = rows and key tiles of M0 =
cols of the 2-D array (256 x 256), split into the cascade's Einsums and
bound as FuseMax binds them:

* 2-D array: QK (``sddmm``), LM (tile row max), SLN (exp of the scores less
  the running max), SLD (tile row sum), SLNV (``spmm``);
* 1-D array: RM (running max), PRM (the rescale factor exp(RM - RM')), SPD
  and SPNV (rescaling the running sum and numerator), RD and RNV (adding
  the tile's sum and numerator), and once per query tile AV (the division).

The kernel is pipelined: the working buffers have two copies, so the 1-D
array adds step s's numerator (RNV) while the 2-D array computes step
s + 1's QK, which is the artifact's waterfall max(QK + LM, RD + RNV) + RM +
max(SLN + SLD, PRM + SPD) + max(SLNV, SPNV).  The softmax scale is folded
into the exps (``factor``) when positive.

Query-block residency (the artifact's P1 loop): P1 query tiles of a head
form a block whose Q tiles and running state (RM, RD, RNV, in the target's
``state_bits``) stay in the buffer while K and V stream past once per block
(``query_block = P1``).  P1 is the largest divisor of the head's query tiles
whose block fits the buffer beside the working buffers, so DRAM traffic is
the minimum while one head's queries fit and grows by one K/V stream per
extra block beyond.
"""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects.builtin import (
    Float16Type,
    Float32Type,
    Float64Type,
    IntegerAttr,
    ModuleOp,
    TensorType,
)
from xdsl.passes import ModulePass
from xdsl.pattern_rewriter import (
    PatternRewriter,
    PatternRewriteWalker,
    RewritePattern,
    op_type_rewrite_pattern,
)

from attn_ir import targets as T
from attn_ir.dialects import accel as A
from attn_ir.dialects.accel import buffer_bytes
from attn_ir.passes.accel_kernel_builder import (
    KernelBody,
    block_iteration,
    check_buffers,
    dram_types,
    rebuilt_kernel,
)

def _state_type(target: T.Target):
    """The element type of the running state (the target's ``state_bits``)."""
    return {16: Float16Type(), 64: Float64Type()}.get(target.state_bits, Float32Type())


def fusemax_body(target: T.Target, types: list[TensorType], bq: int, bk: int,
                 scale: float) -> KernelBody:
    """The cascade's Einsums on one query tile, per key tile."""
    d, dv = types[0].get_shape()[3], types[2].get_shape()[3]
    elem = types[0].element_type
    state = _state_type(target)
    body = KernelBody(target, types)
    dram = body.dram
    q = body.buffer("q_tile", [bq, d], elem)
    k = body.buffer("k_tile", [bk, d], elem)
    v = body.buffer("v_tile", [bk, dv], elem)
    mask = body.buffer("mask_tile", [bq, bk], elem) if "mask" in dram else None
    running_max = body.buffer("running_max", [bq], state)
    running_sum = body.buffer("running_sum", [bq], state)
    numerator = body.buffer("numerator", [bq, dv], state)
    scores = body.buffer("scores", [bq, bk])
    tile_max = body.buffer("tile_max", [bq])
    previous = body.buffer("rescale", [bq])
    tile_sum = body.buffer("tile_sum", [bq])
    tile_out = body.buffer("tile_out", [bq, dv])
    folded = scale > 0
    exp_props = {"factor": float(scale)} if folded else {}
    body.emit(A.DmaLoadOp, [dram["q"], q], tile="q")
    body.emit(A.FillOp, [running_max], value=float("-inf"))
    body.emit(A.FillOp, [running_sum], value=0.0)
    body.emit(A.FillOp, [numerator], value=0.0)
    with body.step():
        body.emit(A.DmaLoadOp, [dram["k"], k], tile="k")
        body.emit(A.DmaLoadOp, [dram["v"], v], tile="v")
        if mask is not None:
            body.emit(A.DmaLoadOp, [dram["mask"], mask], tile="mask")
        body.emit(A.SddmmOp, [q, k, scores, mask])                          # QK
        if not folded:
            body.emit(A.ScaleOp, [scores], factor=scale)
        body.emit(A.ReduceOp, [scores, tile_max], kind="max")                # LM
        body.emit(A.RunningMaxOp, [running_max, tile_max, previous])         # RM
        body.emit(A.ExpOp, [scores, running_max], **exp_props)               # SLN
        body.emit(A.ExpOp, [previous, running_max], unit="VEC1D", **exp_props)  # PRM
        body.emit(A.ReduceOp, [scores, tile_sum], kind="sum")                # SLD
        body.emit(A.RescaleOp, [running_sum, previous])                      # SPD
        body.emit(A.AddOp, [running_sum, tile_sum])                          # RD
        body.emit(A.SpmmOp, [scores, v, tile_out])                           # SLNV
        body.emit(A.RescaleOp, [numerator, previous])                        # SPNV
        body.emit(A.AddOp, [numerator, tile_out])                            # RNV
    body.emit(A.NormalizeOp, [numerator, running_sum])                       # AV
    body.emit(A.DmaStoreOp, [numerator, dram["o"]])
    return body


def query_block_size(kernel: A.KernelOp, query_tiles: int) -> int:
    """The largest divisor of ``query_tiles`` whose block (Q tiles and
    running state) fits the target's buffer beside the working buffers."""
    target = kernel.target.target
    kernel.properties["query_block"] = IntegerAttr(1, 64)
    sizes = buffer_bytes(kernel)
    per_tile = sizes.pop("query_block", 0)
    room = target.buffer_bytes - sum(sizes.values())
    fits = room // per_tile if per_tile else query_tiles
    return max([p for p in range(1, query_tiles + 1)
                if query_tiles % p == 0 and p <= fits] or [1])


class ScheduleFuseMax(RewritePattern):
    @op_type_rewrite_pattern
    def match_and_rewrite(self, kernel: A.KernelOp, rewriter: PatternRewriter) -> None:
        if kernel.schedule is not None and kernel.schedule.data == "fusemax":
            return
        target = kernel.target.target
        bq, bk = target.pe_rows, target.pe_cols
        body = fusemax_body(target, dram_types(kernel), bq, bk, kernel.scale.value.data)
        new = rebuilt_kernel(kernel, body, block_iteration(kernel, bq, bk), "fusemax",
                             pipeline=True, double_buffer=True)
        nq = kernel.dims[2]
        block = query_block_size(new, -(-nq // bq))
        new.properties["query_block"] = IntegerAttr(block, 64)
        check_buffers(new, kernel)
        rewriter.replace(kernel, new)


@dataclass(frozen=True)
class AccelScheduleFuseMaxPass(ModulePass):
    name = "accel-schedule-fusemax"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        PatternRewriteWalker(ScheduleFuseMax(), apply_recursively=False).rewrite_module(op)
