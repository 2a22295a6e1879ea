from dataclasses import dataclass

from xdsl.passes import ModulePass
from xdsl.pattern_rewriter import (
    PatternRewriter,
    PatternRewriteWalker,
    RewritePattern,
    op_type_rewrite_pattern,
)

from attn_ir.dialects.accel import TargetAttr
from attn_ir.passes import PassExtension
from toy_system.dialects import ToyScaleKernelOp, ToyScaleOp


class LowerToyScale(RewritePattern):
    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: ToyScaleOp, rewriter: PatternRewriter) -> None:
        kernel = ToyScaleKernelOp.create(
            operands=[op.input], result_types=[op.output.type],
            properties={"factor": op.factor, "target": TargetAttr("toy")})
        rewriter.replace_op(op, kernel)


@dataclass(frozen=True)
class ConvertToyToAccelPass(ModulePass):
    name = "convert-toy-to-accel"

    def apply(self, ctx, op) -> None:
        PatternRewriteWalker(LowerToyScale()).rewrite_module(op)


EXTENSION = PassExtension(passes={"convert-toy-to-accel": lambda: ConvertToyToAccelPass})
