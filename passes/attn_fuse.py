"""``attn-fuse{passes=N m0=M}``: rewrites an attention cascade into its
N-pass form (FuseMax, MICRO'24): 2 defers the division past AV, 1 splits
the key rank into chunks of M0 and keeps running max, sum and numerator
(online softmax), so on-chip state does not grow with the sequence."""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp
from xdsl.ir import Operation
from xdsl.passes import ModulePass
from xdsl.pattern_rewriter import PatternRewriter, PatternRewriteWalker, RewritePattern
from xdsl.rewriter import InsertPoint

from attn_ir.passes import cascade_forms


@dataclass
class FuseCascade(RewritePattern):
    passes: int
    m0: int

    def match_and_rewrite(self, op: Operation, rewriter: PatternRewriter) -> None:
        found = cascade_forms.recognise(op)
        if found is None or found.form == self.passes:
            return
        ops, out = cascade_forms.build(self.passes, found.inputs, self.m0)
        rewriter.insert(ops, InsertPoint.before(op))
        rewriter.replace_all_uses_with(op.results[0], out)
        cascade_forms.erase_dead_cascade(op, rewriter)


@dataclass(frozen=True)
class AttnFusePass(ModulePass):
    name = "attn-fuse"

    passes: int = 1
    m0: int = 64

    def __post_init__(self):
        if self.passes not in (1, 2, 3):
            raise ValueError(f"attn-fuse: passes must be 1, 2 or 3, got {self.passes}")
        if self.m0 <= 0:
            raise ValueError(f"attn-fuse: m0 must be positive, got {self.m0}")

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        PatternRewriteWalker(FuseCascade(self.passes, self.m0),
                             apply_recursively=False).rewrite_module(op)
