"""``attn-decompose``: ``attn.attention`` → the 3-pass Einsum cascade
(FuseMax, MICRO'24, Cascade 1), the pattern carried on the QK step."""

from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects.builtin import FloatAttr, ModuleOp
from xdsl.passes import ModulePass
from xdsl.pattern_rewriter import (
    PatternRewriter,
    PatternRewriteWalker,
    RewritePattern,
    op_type_rewrite_pattern,
)

from attn_ir.dialects.attn import AttentionOp
from attn_ir.passes import cascade_forms


class DecomposeAttention(RewritePattern):
    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: AttentionOp, rewriter: PatternRewriter) -> None:
        inputs = cascade_forms.CascadeInputs(
            op.q, op.k, op.v, op.mask, op.pattern, FloatAttr(op.scale_value, 64))
        ops, out = cascade_forms.build(3, inputs)
        rewriter.replace(op, ops, [out])


@dataclass(frozen=True)
class AttnDecomposePass(ModulePass):
    name = "attn-decompose"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        PatternRewriteWalker(DecomposeAttention(), apply_recursively=False).rewrite_module(op)
