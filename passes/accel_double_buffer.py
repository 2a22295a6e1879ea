"""``accel-double-buffer``: give every buffer a DMA fills inside a step two
copies, so the load of step s + 1 overlaps the compute of step s (the
scoreboard then waits only for step s - 1's reads).  Fails when the doubled
buffers no longer fit the target."""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects.builtin import BoolAttr, ModuleOp
from xdsl.passes import ModulePass

from attn_ir.dialects import accel as A
from attn_ir.passes.accel_kernel_builder import check_buffers


@dataclass(frozen=True)
class AccelDoubleBufferPass(ModulePass):
    name = "accel-double-buffer"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        for kernel in [k for k in op.walk() if isinstance(k, A.KernelOp)]:
            kernel.properties["double_buffer"] = BoolAttr.from_bool(True)
            check_buffers(kernel, kernel)
