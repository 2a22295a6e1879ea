"""The interpreter's semantics of a ``tile.attention`` that carries
``#tile.coalesced`` plans: each query block visits its key pieces in
order with the online softmax; a partial piece applies the pattern's
predicate, a full one does not (its pairs are stated to attend).  Keys in
no piece are not attended.  The result equals the tile-table execution
whenever the plan is right, so running both checks a plan."""

from __future__ import annotations

import numpy as np

from attn_ir import patterns as P
from attn_ir import reference


def coalesced_attention(q, k, v, pattern: P.Pattern, plan, scale: float,
                        dtype: np.dtype, head: int) -> np.ndarray:
    """q, k, v [B, H, N, D] whose heads share ``plan`` (a ``CoalescedAttr``);
    ``head`` is the first of them."""
    from attn_ir.interpreter import _divide, _exp_shifted, scores

    b, h, nq, _ = q.shape
    dv = v.shape[3]
    rows, ptr, start, end, full = plan.arrays
    out = np.zeros((b, h, nq, dv), dtype)
    for j in range(len(rows) - 1):
        block = np.arange(rows[j], rows[j + 1])
        run_max = np.full((b, h, len(block)), -np.inf, dtype)
        run_sum = np.zeros((b, h, len(block)), dtype)
        acc = np.zeros((b, h, len(block), dv), dtype)
        for p in range(ptr[j], ptr[j + 1]):
            cols = np.arange(start[p], end[p])
            s = scores(q, k, pattern, scale, None, block, cols, dtype,
                       apply_pattern=not full[p], first_head=head)
            new_max = np.maximum(run_max, s.max(axis=-1))
            factor = _exp_shifted(run_max, new_max)
            e = _exp_shifted(s, new_max[..., None])
            run_sum = run_sum * factor + e.sum(axis=-1)
            acc = acc * factor[..., None] + reference.weighted_values(
                e, v[:, :, cols].astype(dtype))
            run_max = new_max
        out[:, :, block] = _divide(acc, run_sum[..., None])
    return out
