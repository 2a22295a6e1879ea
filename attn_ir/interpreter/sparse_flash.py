"""Interpreter implementations of the Sparse Flash Attention ops, at the
``attn`` and ``tile`` levels (listed in its ``EXTENSION``).

The ``attn`` ops are their definitions in ``attn_ir.reference.sparse_flash``.
``tile.indexed_attention`` is evaluated as tiled: per query tile, the key
tiles that the run-time test keeps (``tile_classes``) are visited in order
with an online softmax, partial tiles masked and full ones not, so that a
wrong skip or a wrong "full" shows up against the reference.
"""

from __future__ import annotations

from typing import cast

import numpy as np
from xdsl.dialects.builtin import TensorType
from xdsl.interpreter import Interpreter, InterpreterFunctions, impl, register_impls

from attn_ir.reference import sparse_flash as SF
from attn_ir.dialects.sparse_flash import attn as D
from attn_ir.dialects.sparse_flash.tile import TiledIndexedAttentionOp
from attn_ir.interpreter import InterpreterExtension


def _float_dtype(value) -> np.dtype:
    width = cast(TensorType, value.type).element_type.bitwidth
    return np.dtype(np.float64 if width == 64 else np.float32)


def _buckets(args):
    return (args[5], args[6]) if len(args) == 7 else (None, None)


@register_impls
class SparseFlashFunctions(InterpreterFunctions):
    @impl(D.KeepRandomOp)
    def run_keep_random(self, interpreter: Interpreter, op: D.KeepRandomOp, args):
        b, h, m = cast(TensorType, op.keep.type).get_shape()
        return (SF.keep_random(b, h, op.length.value.data, m, op.seed.value.data),)

    @impl(D.HashBucketsOp)
    def run_hash_buckets(self, interpreter: Interpreter, op: D.HashBucketsOp, args):
        return (SF.hash_buckets(args[0], op.buckets.value.data, op.seed.value.data),)

    @impl(D.SortByBucketOp)
    def run_sort_by_bucket(self, interpreter: Interpreter, op: D.SortByBucketOp, args):
        return SF.sort_by_bucket(args[0])

    @impl(D.GatherTokensOp)
    def run_gather_tokens(self, interpreter: Interpreter, op: D.GatherTokensOp, args):
        return (SF.gather_tokens(args[0], args[1]),)

    @impl(D.ScatterTokensOp)
    def run_scatter_tokens(self, interpreter: Interpreter, op: D.ScatterTokensOp, args):
        n = cast(TensorType, op.output.type).get_shape()[2]
        return (SF.scatter_tokens(args[0], args[1], n),)

    @impl(D.IndexedAttentionOp)
    def run_indexed_attention(self, interpreter: Interpreter, op: D.IndexedAttentionOp, args):
        qb, kb = _buckets(args)
        return (SF.indexed_attention(*args[:5], qb, kb, op.scale_value,
                                     dtype=_float_dtype(op.output)),)

    @impl(D.QKDropAttentionOp)
    def run_qk_drop_attention(self, interpreter: Interpreter, op: D.QKDropAttentionOp, args):
        return (SF.qk_drop_attention(*args, scale=op.scale_value,
                                     dtype=_float_dtype(op.output)),)

    @impl(D.HashAttentionOp)
    def run_hash_attention(self, interpreter: Interpreter, op: D.HashAttentionOp, args):
        return (SF.hash_attention(*args, op.buckets.value.data, op.seed.value.data,
                                  op.scale_value, dtype=_float_dtype(op.output)),)

    @impl(TiledIndexedAttentionOp)
    def run_tiled_indexed(self, interpreter: Interpreter, op: TiledIndexedAttentionOp, args):
        qb, kb = _buckets(args)
        bq, bk = op.blocks
        out = tiled_indexed_attention(*args[:5], qb, kb, bq, bk, op.scale.value.data)
        return (out.astype(_float_dtype(op.output)),)


def tiled_indexed_attention(q, k, v, q_pos, k_pos, q_bucket, k_bucket, bq: int, bk: int,
                            scale: float) -> np.ndarray:
    """The tiled evaluation of ``tile.indexed_attention`` in float64 (see
    the module docstring).  Returns [B, H, Mq, Dv]."""
    b, h, mq, _ = q.shape
    mk, dv = k.shape[2], v.shape[3]
    classes = SF.tile_classes(q_pos, k_pos, q_bucket, k_bucket, bq, bk)
    out = np.zeros((b, h, mq, dv), np.float64)
    for bb in range(b):
        for hh in range(h):
            qs, ks, vs = (x[bb, hh].astype(np.float64) for x in (q, k, v))
            for t in range(classes.shape[2]):
                rows = slice(t * bq, min(mq, t * bq + bq))
                run_max = np.full(rows.stop - rows.start, -np.inf)
                run_sum = np.zeros(rows.stop - rows.start)
                acc = np.zeros((rows.stop - rows.start, dv))
                for kt in np.flatnonzero(classes[bb, hh, t] != SF.SKIPPED):
                    cols = slice(kt * bk, min(mk, kt * bk + bk))
                    s = (qs[rows] @ ks[cols].T) * scale
                    if classes[bb, hh, t, kt] == SF.PARTIAL:
                        ok = SF.attends(
                            q_pos[bb, hh, rows, None], k_pos[bb, hh, cols][None, :],
                            None if q_bucket is None else q_bucket[bb, hh, rows, None],
                            None if k_bucket is None else k_bucket[bb, hh, cols][None, :])
                        s = np.where(ok, s, -np.inf)
                    new_max = np.maximum(run_max, s.max(axis=1))
                    shift = np.where(np.isneginf(new_max), 0.0, new_max)
                    with np.errstate(invalid="ignore"):
                        factor = np.where(np.isneginf(run_max), 0.0, np.exp(run_max - shift))
                    p = np.exp(s - shift[:, None])
                    run_sum = run_sum * factor + p.sum(axis=1)
                    acc = acc * factor[:, None] + p @ vs[cols]
                    run_max = new_max
                empty = run_sum == 0
                out[bb, hh, rows] = np.where(empty[:, None], 0.0,
                                             acc / np.where(empty, 1.0, run_sum)[:, None])
    return out


EXTENSION = InterpreterExtension(functions=(SparseFlashFunctions,))
