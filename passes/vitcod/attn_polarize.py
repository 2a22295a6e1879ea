"""``attn-polarize{threshold=50}``: split an attention with a fixed mask into
ViTCoD's dense and sparse parts (You et al., HPCA 2023, Sec. IV-A, Fig. 6).

For each head, the key columns kept by more than ``threshold`` queries
(their in-degree) are moved to the front of the key order; the rest keep
their relative order (``attn_ir.patterns.vitcod.polarization``).  The attention
becomes:

* ``attn.permute_keys`` of K and of V (the permutation);
* a dense sub-attention, ``attn.partial_attention {format = "dense"}`` with
  ``#attn.polar_part<..., part = "dense">``: every query against the head's
  dense columns, masked;
* a sparse sub-attention, ``attn.partial_attention {format = "coo"}`` with
  the ``"sparse"`` part: SDDMM and SpMM over the remaining pairs as a COO
  list;
* ``attn.softmax_merge`` of the two (online softmax), which equals the
  unsplit attention.

Any static pattern can be polarised; ViTCoD's are fixed learned masks
(``#attn.mask_file``, ``#attn.synthetic_mask``).  Attentions whose pattern
reads the mask operand (run-time data) are left as they are.  With
``remarks=true`` the pass reports each head's split at the op: the dense
columns (the tokens, first 16) and the number of sparse pairs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp, TensorType
from xdsl.passes import ModulePass
from xdsl.pattern_rewriter import (
    PatternRewriter,
    PatternRewriteWalker,
    RewritePattern,
    op_type_rewrite_pattern,
)

from attn_ir.diagnostics import emit_remark
from attn_ir.dialects.attn import AttentionOp
from attn_ir.dialects.vitcod.attn import PartialAttentionOp, PermuteKeysOp, SoftmaxMergeOp
from attn_ir.patterns.vitcod.polarization import PolarPart, polarize_heads

REMARK_COLUMNS = 16
"""Dense columns listed per head in a remark."""


def _hint(value, base: str | None, suffix: str) -> None:
    value.name_hint = f"{base}_{suffix}" if base else suffix


def split_remark(source, nq: int, nk: int, heads: int, threshold: int) -> str:
    """One line per head: its dense columns and sparse pairs."""
    parts = []
    split = polarize_heads(source, nq, nk, heads, threshold)
    names = [f"head {h}" for h in range(heads)] if source.head_dependent else ["every head"]
    for name, s in zip(names, split):
        listed = ", ".join(str(int(t)) for t in s.dense_tokens[:REMARK_COLUMNS])
        if s.dense > REMARK_COLUMNS:
            listed += ", ..."
        parts.append(f"{name}: {s.dense} dense columns [{listed}], {s.sparse_nnz} "
                     "sparse pairs")
    return f"polarised at in-degree > {threshold}: " + "; ".join(parts)


@dataclass
class PolarizeAttention(RewritePattern):
    threshold: int
    remarks: bool = False

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: AttentionOp, rewriter: PatternRewriter) -> None:
        source = op.pattern.pattern
        if op.mask is not None or source.uses_mask:
            return
        _, heads, nq, _ = cast(TensorType, op.q.type).get_shape()
        if self.remarks:
            nk = cast(TensorType, op.k.type).get_shape()[2]
            emit_remark(op, split_remark(source, nq, nk, heads, self.threshold))
        part = lambda name: PolarPart(source, self.threshold, name)  # noqa: E731
        kp = PermuteKeysOp(op.k, part("all"), nq)
        vp = PermuteKeysOp(op.v, part("all"), nq)
        _hint(kp.output, op.k.name_hint, "polarized")
        _hint(vp.output, op.v.name_hint, "polarized")
        scale = op.scale.value.data if op.scale is not None else None
        dense = PartialAttentionOp(op.q, kp.output, vp.output, part("dense"), "dense", scale)
        sparse = PartialAttentionOp(op.q, kp.output, vp.output, part("sparse"), "coo", scale)
        base = op.output.name_hint
        for res, name in ((dense.output, "dense"), (dense.lse, "dense_lse"),
                          (sparse.output, "sparse"), (sparse.lse, "sparse_lse")):
            _hint(res, base, name)
        merge = SoftmaxMergeOp(dense.output, dense.lse, sparse.output, sparse.lse)
        merge.output.name_hint = base
        _hint(merge.lse, base, "lse")
        rewriter.replace(op, [kp, vp, dense, sparse, merge], [merge.output])


@dataclass(frozen=True)
class AttnPolarizePass(ModulePass):
    name = "attn-polarize"

    threshold: int = 50
    remarks: bool = False

    def __post_init__(self):
        if self.threshold < 0:
            raise ValueError(f"attn-polarize: threshold must be non-negative, got "
                             f"{self.threshold}")

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        PatternRewriteWalker(PolarizeAttention(self.threshold, self.remarks),
                             apply_recursively=False).rewrite_module(op)
