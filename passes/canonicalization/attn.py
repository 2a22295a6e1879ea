"""Canonicalization patterns of the ``attn`` dialect (run by ``canonicalize``)."""

from xdsl.pattern_rewriter import (
    PatternRewriter,
    RewritePattern,
    op_type_rewrite_pattern,
)

from attn_ir.dialects.attn import AttentionOp, PatternAttr
from attn_ir.patterns import simplify


class SimplifyAttentionPattern(RewritePattern):
    """Rewrites an ``attn.attention``'s pattern to its canonical form
    (``attn_ir.patterns.simplify``): nested unions and intersections
    flattened, duplicates dropped, dense absorbed, windows that cover the
    sequence made dense, a causal mask implied by a window dropped."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: AttentionOp, rewriter: PatternRewriter) -> None:
        _, _, nq, nk, _, _ = op.dims
        current = op.pattern.pattern
        simpler = simplify(current, nq, nk)
        if simpler == current:
            return
        # A mask that the simpler pattern no longer reads (e.g. a union with
        # dense) is dropped: the verifier rejects an unused mask operand.
        mask = op.mask if simpler.uses_mask else None
        new_op = AttentionOp(op.q, op.k, op.v, PatternAttr.from_pattern(simpler), mask,
                             op.scale, op.output.type)
        new_op.attributes.update(op.attributes)
        rewriter.replace(op, new_op)
