"""``accel-schedule-flat``: the FLAT baseline (Kao et al., ASPLOS 2023) as
the FuseMax paper models it, on the same hardware, so both run the same
workload.

FLAT fuses at row granularity: for a block of R query rows it computes the
scores against every key tile into an on-chip row buffer (R x Nk), takes the
row max, exp and row sum on the 1-D array over the whole row, then runs PV
over every value tile.  The 2-D array maps the head dimension E across its
columns and keys across its rows, streaming queries (``dataflow = "ws"``),
so only E of its columns work.  R is the largest power of two up to the
array's rows whose row buffer fits the target, so the buffer and the K/V
re-reads grow with the sequence length.
"""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp
from xdsl.passes import ModulePass
from xdsl.pattern_rewriter import (
    PatternRewriter,
    PatternRewriteWalker,
    RewritePattern,
    op_type_rewrite_pattern,
)

from attn_ir.diagnostics import OpError
from attn_ir.dialects import accel as A
from attn_ir.dialects.accel import buffer_bytes
from attn_ir.passes.accel_kernel_builder import (
    KernelBody,
    block_iteration,
    check_buffers,
    dram_types,
    rebuilt_kernel,
)


def flat_body(kernel: A.KernelOp, rows: int, bk: int, width: int) -> KernelBody:
    """``width``: key tiles of the widest row (the row buffer's columns / bk)."""
    types = dram_types(kernel)
    _, _, _, _, d, dv = kernel.dims
    elem = types[0].element_type
    body = KernelBody(kernel.target.target, types)
    dram = body.dram
    qb = body.buffer("q_rows", [rows, d], elem)
    kb = body.buffer("k_tile", [bk, d], elem)
    vb = body.buffer("v_tile", [bk, dv], elem)
    sb = body.buffer("score_rows", [rows, width * bk])
    row_max = body.buffer("row_max", [rows])
    row_sum = body.buffer("row_sum", [rows])
    acc = body.buffer("output", [rows, dv])
    body.emit(A.DmaLoadOp, [dram["q"], qb], tile="q")
    body.emit(A.FillOp, [sb], value=float("-inf"))
    body.emit(A.FillOp, [acc], value=0.0)
    with body.step():
        body.emit(A.DmaLoadOp, [dram["k"], kb], tile="k")
        body.emit(A.SddmmOp, [qb, kb, sb, None], sliced=True, dataflow="ws")
    body.emit(A.ScaleOp, [sb], factor=kernel.scale.value.data)
    body.emit(A.ReduceOp, [sb, row_max], kind="max")
    body.emit(A.ExpOp, [sb, row_max])
    body.emit(A.ReduceOp, [sb, row_sum], kind="sum")
    with body.step():
        body.emit(A.DmaLoadOp, [dram["v"], vb], tile="v")
        body.emit(A.SpmmOp, [sb, vb, acc], sliced=True, dataflow="ws")
    body.emit(A.NormalizeOp, [acc, row_sum])
    body.emit(A.DmaStoreOp, [acc, dram["o"]])
    return body


class ScheduleFlat(RewritePattern):
    @op_type_rewrite_pattern
    def match_and_rewrite(self, kernel: A.KernelOp, rewriter: PatternRewriter) -> None:
        if kernel.schedule is not None and kernel.schedule.data == "flat":
            return
        if kernel.has_mask:
            raise OpError(kernel, "the FLAT schedule does not take a mask operand")
        target = kernel.target.target
        bk = target.pe_cols
        rows = target.pe_rows
        while True:
            iteration = block_iteration(kernel, rows, bk)
            width = max(int(t.runs.tiles_per_query_tile.max(initial=0))
                        for t in iteration.tables.data)
            new = rebuilt_kernel(kernel, flat_body(kernel, rows, bk, max(1, width)),
                                 iteration, "flat", double_buffer=True)
            if sum(buffer_bytes(new).values()) <= target.buffer_bytes or rows == 1:
                break
            rows //= 2
        check_buffers(new, kernel)
        rewriter.replace(kernel, new)


@dataclass(frozen=True)
class AccelScheduleFlatPass(ModulePass):
    name = "accel-schedule-flat"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        PatternRewriteWalker(ScheduleFlat(), apply_recursively=False).rewrite_module(op)
