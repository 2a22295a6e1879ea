"""``attn-compact-tokens``: Sparse Flash Attention's two attentions → the
compacted form its kernels run on (Pagliardini et al., 2023, Section 3).

* ``attn.qk_drop_attention %q, %k, %v keep %qk, %kk`` becomes the kept
  queries, keys and values gathered with their original indices
  (``attn.gather_tokens``), ``attn.indexed_attention`` over them with the
  keep arrays as positions, and the result scattered back to every query
  (dropped queries get 0: ``attn.scatter_tokens``).
* ``attn.hash_attention %q, %k, %v {buckets, seed}`` becomes the bucket ids
  of queries and keys (``attn.hash_buckets``, one seed for both), a stable
  sort of each by bucket (``attn.sort_by_bucket``: the order is the original
  indices), q, k and v gathered in that order, ``attn.indexed_attention``
  with the orders as positions and the sorted buckets, and the scatter back.

``attn-tile`` applies the same rewrites before tiling.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp, TensorType
from xdsl.passes import ModulePass
from xdsl.pattern_rewriter import (
    GreedyRewritePatternApplier,
    PatternRewriter,
    PatternRewriteWalker,
    RewritePattern,
    op_type_rewrite_pattern,
)

from attn_ir.dialects.sparse_flash import attn as D


def _named(op, name: str):
    for result in op.results:
        result.name_hint = name if len(op.results) == 1 else None
    return op


def _scale(op) -> float | None:
    """The op's explicit scale, or None for the default 1/sqrt(D) (which
    the compacted attention shares: D does not change)."""
    return None if op.scale is None else op.scale.value.data


class CompactQKDrop(RewritePattern):
    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: D.QKDropAttentionOp, rewriter: PatternRewriter) -> None:
        nq = cast(TensorType, op.q.type).get_shape()[2]
        qc = _named(D.GatherTokensOp(op.q, op.q_keep), "q_kept")
        kc = _named(D.GatherTokensOp(op.k, op.k_keep), "k_kept")
        vc = _named(D.GatherTokensOp(op.v, op.k_keep), "v_kept")
        att = _named(D.IndexedAttentionOp(qc.output, kc.output, vc.output, op.q_keep,
                                          op.k_keep, None, _scale(op)), "o_kept")
        out = D.ScatterTokensOp(att.output, op.q_keep, nq)
        out.output.name_hint = op.output.name_hint
        rewriter.replace(op, [qc, kc, vc, att, out], [out.output])


class CompactHash(RewritePattern):
    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: D.HashAttentionOp, rewriter: PatternRewriter) -> None:
        buckets, seed = op.buckets.value.data, op.seed.value.data
        nq = cast(TensorType, op.q.type).get_shape()[2]
        qh = _named(D.HashBucketsOp(op.q, buckets, seed), "q_bucket")
        kh = _named(D.HashBucketsOp(op.k, buckets, seed), "k_bucket")
        qs = D.SortByBucketOp(qh.output)
        ks = D.SortByBucketOp(kh.output)
        qs.order.name_hint, qs.sorted.name_hint = "q_order", "q_sorted_bucket"
        ks.order.name_hint, ks.sorted.name_hint = "k_order", "k_sorted_bucket"
        qg = _named(D.GatherTokensOp(op.q, qs.order), "q_sorted")
        kg = _named(D.GatherTokensOp(op.k, ks.order), "k_sorted")
        vg = _named(D.GatherTokensOp(op.v, ks.order), "v_sorted")
        att = _named(D.IndexedAttentionOp(qg.output, kg.output, vg.output, qs.order, ks.order,
                                          (qs.sorted, ks.sorted), _scale(op)), "o_sorted")
        out = D.ScatterTokensOp(att.output, qs.order, nq)
        out.output.name_hint = op.output.name_hint
        rewriter.replace(op, [qh, kh, qs, ks, qg, kg, vg, att, out], [out.output])


def compaction_patterns() -> list[RewritePattern]:
    return [CompactQKDrop(), CompactHash()]


@dataclass(frozen=True)
class AttnCompactTokensPass(ModulePass):
    name = "attn-compact-tokens"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        PatternRewriteWalker(GreedyRewritePatternApplier(compaction_patterns()),
                             apply_recursively=False).rewrite_module(op)
