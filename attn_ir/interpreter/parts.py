"""Interpreter implementations of ``tile.attention_part`` and
``tile.merge_parts`` (the core's interpreter ``EXTENSION``): the parts of an attention split by
``attn-split-parts``, evaluated tile by tile as ``tile.attention`` is, so
that a wrong table or a wrong "full" flag shows up against the reference."""

from __future__ import annotations

import numpy as np
from xdsl.interpreter import Interpreter, InterpreterFunctions, impl, register_impls

from attn_ir import patterns as P
from attn_ir.dialects.tile_parts import AttentionPartOp, MergePartsOp
from attn_ir.interpreter import _broadcast_mask, scores


def merge_parts(outputs, lses) -> np.ndarray:
    """sum_p exp(lse_p - L) out_p with L = log sum_p exp(lse_p); 0 where
    every lse is -inf.  Float64."""
    lse = np.stack([np.asarray(x, np.float64) for x in lses])
    top = lse.max(axis=0)
    shift = np.where(np.isneginf(top), 0.0, top)
    weights = np.exp(lse - shift)  # exp(-inf) = 0: parts without keys weigh nothing
    total = weights.sum(axis=0)
    out = sum(w[..., None] * np.asarray(o, np.float64) for w, o in zip(weights, outputs))
    empty = total == 0
    return np.where(empty[..., None], 0.0, out / np.where(empty, 1.0, total)[..., None])


def attention_part(q, k, v, mask, pattern: P.Pattern, table, bq: int, bk: int, scale: float,
                   keep_rows: np.ndarray, head: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """(output, lse) of one part, float64: the online softmax of
    ``tiled_attention`` over the part's listed tiles, rows outside
    ``keep_rows`` excluded."""
    b, h, nq, _ = q.shape
    nk, dv = k.shape[2], v.shape[3]
    dtype = np.dtype(np.float64)
    ptr, keys, full = table.arrays
    out = np.zeros((b, h, nq, dv))
    lse = np.full((b, h, nq), -np.inf)
    for t in range(len(ptr) - 1):
        rows = np.arange(t * bq, min(nq, t * bq + bq))
        kept = keep_rows[rows]
        if ptr[t] == ptr[t + 1] or not kept.any():
            continue
        run_max = np.full((b, h, len(rows)), -np.inf)
        run_sum = np.zeros((b, h, len(rows)))
        acc = np.zeros((b, h, len(rows), dv))
        for kt, is_full in zip(keys[ptr[t]:ptr[t + 1]], full[ptr[t]:ptr[t + 1]]):
            cols = np.arange(kt * bk, min(nk, kt * bk + bk))
            s = scores(q, k, pattern, scale, mask, rows, cols, dtype,
                       apply_pattern=not is_full, first_head=head)
            s = np.where(kept[:, None], s, -np.inf)
            new_max = np.maximum(run_max, s.max(axis=-1))
            shift = np.where(np.isneginf(new_max), 0.0, new_max)
            factor = np.exp(run_max - shift)
            p = np.exp(s - shift[..., None])
            run_sum = run_sum * factor + p.sum(axis=-1)
            acc = acc * factor[..., None] + p @ v[:, :, cols].astype(dtype)
            run_max = new_max
        empty = run_sum == 0
        out[:, :, rows] = np.where(empty[..., None], 0.0,
                                   acc / np.where(empty, 1.0, run_sum)[..., None])
        with np.errstate(divide="ignore"):
            lse[:, :, rows] = np.where(empty, -np.inf,
                                       run_max + np.log(np.where(empty, 1.0, run_sum)))
    return out, lse


@register_impls
class PartsFunctions(InterpreterFunctions):
    @impl(AttentionPartOp)
    def run_part(self, interpreter: Interpreter, op: AttentionPartOp, args):
        q, k, v, *mask = args
        b, h, nq, _, _, dv = op.dims
        mask = _broadcast_mask(mask[0] if mask else None, b, h)
        keep = op.row_selection()
        out = np.zeros((b, h, nq, dv))
        lse = np.full((b, h, nq), -np.inf)
        groups = range(h) if len(op.tables.data) > 1 or mask is not None else [None]
        for head in groups:
            heads = slice(None) if head is None else slice(head, head + 1)
            out[:, heads], lse[:, heads] = attention_part(
                q[:, heads], k[:, heads], v[:, heads],
                None if mask is None else mask[:, heads], op.pattern.pattern,
                op.table_for_head(head or 0), op.block_q.value.data, op.block_k.value.data,
                op.scale.value.data, keep, head or 0)
        return out.astype(np.float32), lse.astype(np.float32)

    @impl(MergePartsOp)
    def run_merge(self, interpreter: Interpreter, op: MergePartsOp, args):
        n = len(op.outputs)
        width = op.result.type.element_type.bitwidth
        return (merge_parts(args[:n], args[n:]).astype(
            np.float64 if width == 64 else np.float32),)



