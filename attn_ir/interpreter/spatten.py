"""Executing SpAtten's ``attn`` and ``tile`` ops: their definitions, from
``attn_ir.reference.spatten`` (plain NumPy).  Registered through
its ``EXTENSION``, so the interpreter and the
reference oracle (``attn_ir.reference.oracle``) both use them."""

from __future__ import annotations

from typing import cast

import numpy as np
from xdsl.dialects.builtin import TensorType
from xdsl.interpreter import Interpreter, InterpreterFunctions, impl, register_impls

from attn_ir.reference import spatten as S
from attn_ir.dialects.spatten import attn as D
from attn_ir.dialects.spatten.tile import TiledProgressiveAttentionOp
from attn_ir.interpreter import InterpreterExtension
from attn_ir.dialects.utils import float_prop


def _shape(value) -> tuple[int, ...]:
    return tuple(cast(TensorType, value.type).get_shape())


def _out_dtype(value) -> np.dtype:
    element = cast(TensorType, value.type).element_type
    return np.dtype(np.float64 if getattr(element, "bitwidth", 32) == 64 else np.float32)


def progressive(op, q, k_msb, k_lsb, k_scale, v_msb, v_scale, q_pos, k_pos, heads):
    """The op's results from compacted operands."""
    o, colsum, requant = S.progressive_attention(
        q, k_msb, k_lsb, k_scale, v_msb, v_scale, q_pos, k_pos, op.pattern.pattern,
        scale=op.scale_value if hasattr(op, "scale_value") else op.scale.value.data,
        lsb_bits=op.lsb_bits.value.data, threshold=op.threshold.value.data,
        value_keep=float_prop(op.value_keep), context=op.context.value.data, heads=heads)
    return o.astype(_out_dtype(op.output)), colsum, requant


@register_impls
class SpAttenFunctions(InterpreterFunctions):
    @impl(D.QuantizeOp)
    def run_quantize(self, interpreter: Interpreter, op: D.QuantizeOp, args):
        msb, lsb, scale = S.quantize(args[0], op.msb_bits.value.data, op.lsb_bits.value.data)
        return msb, lsb, scale.astype(_out_dtype(op.scale))

    @impl(D.TokenRangeOp)
    def run_token_range(self, interpreter, op: D.TokenRangeOp, args):
        b, k = _shape(op.output)
        start = op.start.value.data
        return (np.broadcast_to(np.arange(start, start + k, dtype=np.int64), (b, k)).copy(),)

    @impl(D.TopKOp)
    def run_topk(self, interpreter, op: D.TopKOp, args):
        return (S.topk_positions(args[0], op.count),)

    @impl(D.GatherOp)
    def run_gather(self, interpreter, op: D.GatherOp, args):
        return (S.gather(args[0], args[1], op.dim.value.data),)

    @impl(D.ScatterOp)
    def run_scatter(self, interpreter, op: D.ScatterOp, args):
        src, index, *into = args
        dim = op.dim.value.data
        return (S.scatter(src, index, dim, into[0] if into else None, _shape(op.output)[dim]),)

    @impl(D.ProgressiveAttentionOp)
    def run_progressive(self, interpreter, op: D.ProgressiveAttentionOp, args):
        *operands, heads = args if op.heads is not None else (*args, None)
        return progressive(op, *operands, heads)

    @impl(D.TokenImportanceOp)
    def run_token_importance(self, interpreter, op: D.TokenImportanceOp, args):
        colsum, k_pos, *into = args
        return (S.token_importance(colsum, k_pos, _shape(op.output)[1],
                                   into[0] if into else None),)

    @impl(D.HeadImportanceOp)
    def run_head_importance(self, interpreter, op: D.HeadImportanceOp, args):
        o, heads, *into = args
        return (S.head_importance(o, heads, _shape(op.output)[1], into[0] if into else None),)

    @impl(TiledProgressiveAttentionOp)
    def run_tiled_progressive(self, interpreter, op: TiledProgressiveAttentionOp, args):
        q, k_msb, k_lsb, k_scale, v_msb, v_scale, q_rows, k_rows, q_pos, k_pos, *heads = args
        head_list = heads[0] if heads else None
        if head_list is not None:
            q, k_msb, k_lsb, v_msb = (S.gather(x, head_list, 1) for x in (q, k_msb, k_lsb, v_msb))
            k_scale, v_scale = (S.gather(x, head_list, 1) for x in (k_scale, v_scale))
        q = S.gather(q, q_rows, 2)
        k_msb, k_lsb, v_msb = (S.gather(x, k_rows, 2) for x in (k_msb, k_lsb, v_msb))
        return progressive(op, q, k_msb, k_lsb, k_scale, v_msb, v_scale, q_pos, k_pos,
                           head_list)


EXTENSION = InterpreterExtension(functions=(SpAttenFunctions,))
