"""``accel-schedule-fusemax``: FuseMax's schedule (Nelson et al., MICRO 2024).

The 1-pass cascade runs on query tiles of P0 = rows and key tiles of M0 =
cols of the 2-D array (256 x 256): QK and PV on the 2-D array, exp in the
2-D PEs, the row max, running max, rescale and running sums on the 1-D
array.  The kernel is pipelined across M1 tiles: every buffer a step
writes has two copies, so the 1-D array finishes step s while the 2-D array
starts step s + 1, and K/V loads are double-buffered.  On-chip buffers hold
tiles only, so they do not grow with the sequence length; when one head's
K and V also fit beside them, they stay on chip (``kv_resident``) and DRAM
sees Q, K, V and O once.
"""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects.builtin import BoolAttr, ModuleOp
from xdsl.passes import ModulePass
from xdsl.pattern_rewriter import (
    PatternRewriter,
    PatternRewriteWalker,
    RewritePattern,
    op_type_rewrite_pattern,
)

from attn_ir.dialects import accel as A
from attn_ir.dialects.accel import buffer_bytes, kv_bytes
from attn_ir.passes.accel_kernel_builder import (
    block_iteration,
    check_buffers,
    dram_types,
    rebuilt_kernel,
)
from attn_ir.passes.convert_attn_to_accel import block_kernel_body


class ScheduleFuseMax(RewritePattern):
    @op_type_rewrite_pattern
    def match_and_rewrite(self, kernel: A.KernelOp, rewriter: PatternRewriter) -> None:
        if kernel.schedule is not None and kernel.schedule.data == "fusemax":
            return
        target = kernel.target.target
        bq, bk = target.pe_rows, target.pe_cols
        body = block_kernel_body(target, dram_types(kernel), bq, bk, kernel.scale.value.data)
        new = rebuilt_kernel(kernel, body, block_iteration(kernel, bq, bk), "fusemax",
                             pipeline=True, double_buffer=True)
        check_buffers(new, kernel)
        if sum(buffer_bytes(new).values()) + kv_bytes(new) <= target.buffer_bytes:
            new.properties["kv_resident"] = BoolAttr.from_bool(True)
        rewriter.replace(kernel, new)


@dataclass(frozen=True)
class AccelScheduleFuseMaxPass(ModulePass):
    name = "accel-schedule-fusemax"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        PatternRewriteWalker(ScheduleFuseMax(), apply_recursively=False).rewrite_module(op)
