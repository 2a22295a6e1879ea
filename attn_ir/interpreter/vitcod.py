"""Semantics of the polarisation and auto-encoder ops (``attn_ir.dialects.
polarization``, ``attn_ir.dialects.vitcod.qk_autoencoder``) for the interpreter and
the reference oracle: the reference definitions of
``attn_ir.reference.vitcod`` (float64 inside) and ``attn_ir.reference.vitcod_autoencoder``,
results in the result's dtype."""

from __future__ import annotations

from typing import cast

import numpy as np
from xdsl.dialects.builtin import TensorType
from xdsl.interpreter import Interpreter, InterpreterFunctions, impl, register_impls

from attn_ir.reference import vitcod as R
from attn_ir.dialects.vitcod.attn import PartialAttentionOp, PermuteKeysOp, SoftmaxMergeOp
from attn_ir.dialects.vitcod.qk_autoencoder import QKDecodeOp, QKEncodeOp
from attn_ir.interpreter import InterpreterExtension


def _dtype(t) -> np.dtype:
    width = cast(TensorType, t).element_type.bitwidth
    return np.dtype(np.float64 if width == 64 else np.float32)


@register_impls
class PolarizationFunctions(InterpreterFunctions):
    @impl(PermuteKeysOp)
    def run_permute_keys(self, interpreter: Interpreter, op: PermuteKeysOp, args):
        return (R.permute_keys(np.asarray(args[0]), op.pattern.pattern,
                               op.queries.value.data),)

    @impl(PartialAttentionOp)
    def run_partial_attention(self, interpreter: Interpreter, op: PartialAttentionOp, args):
        out, lse = R.partial_attention(*args, op.pattern.pattern, op.scale_value)
        dtype = _dtype(op.output.type)
        return out.astype(dtype), lse.astype(dtype)

    @impl(SoftmaxMergeOp)
    def run_softmax_merge(self, interpreter: Interpreter, op: SoftmaxMergeOp, args):
        out, lse = R.softmax_merge(*args)
        dtype = _dtype(op.output.type)
        return out.astype(dtype), lse.astype(dtype)


@register_impls
class AutoEncoderFunctions(InterpreterFunctions):
    @impl(QKEncodeOp)
    def run_encode(self, interpreter: Interpreter, op: QKEncodeOp, args):
        return (op.autoencoder.codec.encode(np.asarray(args[0]), _dtype(op.output.type)),)

    @impl(QKDecodeOp)
    def run_decode(self, interpreter: Interpreter, op: QKDecodeOp, args):
        return (op.autoencoder.codec.decode(np.asarray(args[0]), _dtype(op.output.type)),)


EXTENSION = InterpreterExtension(functions=(PolarizationFunctions, AutoEncoderFunctions,))
