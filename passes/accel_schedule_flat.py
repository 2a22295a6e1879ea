"""``accel-schedule-flat``: the FLAT baseline (Kao et al., ASPLOS 2023) as
the FuseMax paper's artifact models it (github.com/FPSG-UIUC/
micro24-fusemax-artifact, src/accel/flat.py and stable_softmax.py), on the
same hardware, so both run the same workload.

FLAT fuses at row granularity: for a block of R = rows-of-the-array query
rows, QK runs output-stationary on the whole 2-D array into an on-chip row
buffer of 2-byte scores (R x Nk), then the 1-D array makes four passes over
the rows (max, exp, sum, divide) and PV runs over every value tile.  Q, K and
V bypass the buffer: each 256 x 256 tile of scores streams its Q and K tiles
from DRAM, each PV tile its V tile.  The passes overlap the 2-D array at
tile granularity: the max pass follows QK slice by slice, the divide pass
runs ahead of PV slice by slice, and the next row block's QK writes the
slices this block's PV has finished with, so the run takes about
max(memory, 2-D, 1-D) time.

Score rows that do not fit the buffer spill (``accel.spill``): QK writes
their slices to DRAM, the exp and sum passes read them back a row at a time
and write them once, and PV reads them again: four transfers per spilled
byte.
"""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects.builtin import Float16Type, ModuleOp
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


def flat_body(kernel: A.KernelOp, rows: int, bk: int, width: int, spilled: int,
              ragged: bool) -> KernelBody:
    """``width``: key tiles of the widest row (the row buffer's columns / bk);
    ``spilled``: score rows kept in DRAM; ``ragged``: some lanes visit fewer
    than ``width`` key tiles (their unused columns must read as -inf)."""
    types = dram_types(kernel)
    _, _, _, _, d, dv = kernel.dims
    elem = types[0].element_type
    scale = kernel.scale.value.data
    body = KernelBody(kernel.target.target, types)
    dram = body.dram
    qb = body.buffer("q_tile", [rows, d], elem)
    kb = body.buffer("k_tile", [bk, d], elem)
    vb = body.buffer("v_tile", [bk, dv], elem)
    sb = body.buffer("score_rows", [rows, width * bk], Float16Type())
    row_max = body.buffer("row_max", [rows])
    row_sum = body.buffer("row_sum", [rows])
    acc = body.buffer("output", [rows, dv])
    exp_props = {"factor": float(scale)} if scale > 0 else {}
    if ragged:
        body.emit(A.FillOp, [sb], value=float("-inf"))
    body.emit(A.FillOp, [row_max], value=float("-inf"))
    body.emit(A.FillOp, [acc], value=0.0)
    with body.step():
        body.emit(A.DmaLoadOp, [dram["q"], qb], tile="q")
        body.emit(A.DmaLoadOp, [dram["k"], kb], tile="k")
        body.emit(A.SddmmOp, [qb, kb, sb, None], sliced=True)
        if scale <= 0:
            body.emit(A.ScaleOp, [sb], factor=scale)
        body.emit(A.ReduceOp, [sb, row_max], kind="max", sliced=True)
        if spilled:
            body.emit(A.SpillOp, [sb], rows=spilled, direction="store", sliced=True)
    if spilled:
        body.emit(A.SpillOp, [sb], rows=spilled, direction="load")
    body.emit(A.ExpOp, [sb, row_max], **exp_props)
    body.emit(A.ReduceOp, [sb, row_sum], kind="sum")
    if spilled:
        body.emit(A.SpillOp, [sb], rows=spilled, direction="store")
    with body.step():
        if spilled:
            body.emit(A.SpillOp, [sb], rows=spilled, direction="load", sliced=True)
        body.emit(A.NormalizeOp, [sb, row_sum], sliced=True)
        body.emit(A.DmaLoadOp, [dram["v"], vb], tile="v")
        body.emit(A.SpmmOp, [sb, vb, acc], sliced=True)
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
        bk, rows = target.pe_cols, target.pe_rows
        iteration = block_iteration(kernel, rows, bk)
        counts = [t.runs.tiles_per_query_tile for t in iteration.tables.data]
        width = max(1, max(int(c.max(initial=0)) for c in counts))
        ragged = any(int(c.min(initial=width)) < width for c in counts)
        # Size the spill: rows of scores that do not fit beside the other
        # buffers stay in DRAM (one row's worth is kept to stage them).
        trial = rebuilt_kernel(kernel, flat_body(kernel, rows, bk, width, 0, ragged),
                               iteration, "flat", double_buffer=True)
        sizes = buffer_bytes(trial)
        row_bytes = sizes.pop("score_rows") // rows
        fit = (target.buffer_bytes - sum(sizes.values())) // row_bytes
        spilled = 0 if fit >= rows else rows - max(0, fit - 1)
        if spilled >= rows:
            raise OpError(kernel, f"buffers do not fit target '{target.name}': the FLAT "
                                  f"schedule needs two rows of scores ({2 * row_bytes} bytes) "
                                  f"beside its other buffers ({sum(sizes.values())} bytes), "
                                  f"{target.buffer_bytes} bytes are available")
        new = rebuilt_kernel(kernel, flat_body(kernel, rows, bk, width, spilled, ragged),
                             iteration, "flat", double_buffer=True, overlap_lanes=True)
        check_buffers(new, kernel)
        rewriter.replace(kernel, new)


@dataclass(frozen=True)
class AccelScheduleFlatPass(ModulePass):
    name = "accel-schedule-flat"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        PatternRewriteWalker(ScheduleFlat(), apply_recursively=False).rewrite_module(op)
