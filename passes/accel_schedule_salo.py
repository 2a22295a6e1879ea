"""``accel-schedule-salo``: SALO's data scheduler (Shen et al., DAC 2022).

The sliding window is mapped onto the diagonals of the rows x cols PE array:
a query tile of ``rows`` queries moves horizontally while keys and values
move diagonally, so in part p PE (r, c) computes query i = q0 + r against
key i + (p * cols + c - left) * dilation.  A window of w keys needs
ceil(w / cols) parts; the parts are merged by weighted sums of their
normalised results (each part's exp-sum weighs its output).  Global keys
run on the extra PE column (with part 0), global queries on the extra PE
row; dilated windows are the same mapping with strided keys.  SALO's PEs
compute exp without subtracting a running max (the published dataflow has
no max stage), so scores must stay within the exp unit's range.

Applies to kernels whose pattern is a sliding window, optionally united with
global tokens; anything else fails with a diagnostic.
"""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects.builtin import ArrayAttr, IntAttr, ModuleOp
from xdsl.passes import ModulePass
from xdsl.pattern_rewriter import (
    PatternRewriter,
    PatternRewriteWalker,
    RewritePattern,
    op_type_rewrite_pattern,
)

from attn_ir import patterns as P
from attn_ir.diagnostics import OpError
from attn_ir.dialects import accel as A
from attn_ir.passes.accel_kernel_builder import (
    KernelBody,
    check_buffers,
    dram_types,
    rebuilt_kernel,
)


def window_and_globals(pattern: P.Pattern) -> tuple[P.Window, tuple[int, ...]] | None:
    """(window, global tokens) when the pattern is a window ∪ global tokens."""
    if isinstance(pattern, P.Window):
        return pattern, ()
    if isinstance(pattern, P.Union):
        windows = [p for p in pattern.patterns if isinstance(p, P.Window)]
        globals_ = [p for p in pattern.patterns if isinstance(p, P.Global)]
        if len(windows) == 1 and len(windows) + len(globals_) == len(pattern.patterns):
            return windows[0], tuple(sorted({g for p in globals_ for g in p.indices}))
    return None


class ScheduleSalo(RewritePattern):
    @op_type_rewrite_pattern
    def match_and_rewrite(self, kernel: A.KernelOp, rewriter: PatternRewriter) -> None:
        if kernel.schedule is not None and kernel.schedule.data == "salo":
            return
        found = window_and_globals(kernel.pattern.pattern)
        if found is None or kernel.has_mask:
            raise OpError(kernel, "SALO schedules a sliding window with global tokens; "
                                  f"the pattern is {kernel.pattern.pattern}")
        window, globals_ = found
        target = kernel.target.target
        rows, cols = target.pe_rows, target.pe_cols
        if len(globals_) > max(target.global_rows, target.global_cols):
            raise OpError(kernel, f"{len(globals_)} global tokens need more than the "
                                  f"target's {target.global_rows} global PE row(s)")
        parts = -(-(window.left + window.right + 1) // cols)
        iteration = A.BandAttr(
            IntAttr(rows), IntAttr(cols), IntAttr(parts), IntAttr(window.left),
            IntAttr(window.right), ArrayAttr([IntAttr(d) for d in window.dilation]),
            ArrayAttr([IntAttr(g) for g in globals_]))
        body = band_body(kernel, rows, cols, len(globals_))
        # SALO overlaps merging part p with computing part p + 1: the
        # intermediate buffers are pipelined.
        new = rebuilt_kernel(kernel, body, iteration, "salo", pipeline=True,
                             double_buffer=kernel.flag("double_buffer"))
        check_buffers(new, kernel)
        rewriter.replace(kernel, new)


def band_body(kernel: A.KernelOp, rows: int, cols: int, num_globals: int) -> KernelBody:
    types = dram_types(kernel)
    _, _, _, _, d, dv = kernel.dims
    elem = types[0].element_type
    body = KernelBody(kernel.target.target, types)
    dram = body.dram
    band_keys = rows + cols - 1 + num_globals
    qb = body.buffer("q_tile", [rows, d], elem)
    kb = body.buffer("k_band", [band_keys, d], elem)
    vb = body.buffer("v_band", [band_keys, dv], elem)
    sb = body.buffer("scores", [rows, cols + num_globals])
    part_sum = body.buffer("part_sum", [rows])
    total = body.buffer("total", [rows])
    part_out = body.buffer("part_out", [rows, dv])
    acc = body.buffer("output", [rows, dv])
    body.emit(A.DmaLoadOp, [dram["q"], qb], tile="q")
    body.emit(A.FillOp, [total], value=0.0)
    body.emit(A.FillOp, [acc], value=0.0)
    with body.step():
        body.emit(A.DmaLoadOp, [dram["k"], kb], tile="k")
        body.emit(A.DmaLoadOp, [dram["v"], vb], tile="v")
        body.emit(A.SddmmOp, [qb, kb, sb, None])
        body.emit(A.ScaleOp, [sb], factor=kernel.scale.value.data)
        body.emit(A.ExpOp, [sb, None])
        body.emit(A.ReduceOp, [sb, part_sum], kind="sum")
        body.emit(A.NormalizeOp, [sb, part_sum])
        body.emit(A.SpmmOp, [sb, vb, part_out])
        body.emit(A.MergeOp, [acc, total, part_out, part_sum])
    body.emit(A.DmaStoreOp, [acc, dram["o"]])
    if num_globals:
        body.emit(A.GlobalRowsOp, [dram["q"], dram["k"], dram["v"], dram["o"]])
    return body


@dataclass(frozen=True)
class AccelScheduleSaloPass(ModulePass):
    name = "accel-schedule-salo"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        PatternRewriteWalker(ScheduleSalo(), apply_recursively=False).rewrite_module(op)
