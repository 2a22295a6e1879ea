"""Building Sparse Flash Attention IR from Python (as ``attn_ir.builder``
does for ``attn.attention``).

    from attn_ir.builder.sparse_flash import hash_attention, qk_drop_attention
    module = hash_attention((1, 12, 8192, 64), buckets=8, seed=0)
    module = qk_drop_attention((1, 12, 8192, 64), keep_q=4096, keep_k=4096)

``hash_attention`` gives ``func.func @hash_attention(%q, %k, %v)``.
``qk_drop_attention`` gives ``@qk_drop_attention(%q, %k, %v)`` whose kept
queries and keys come from ``attn.keep_random`` (seeds ``seed`` and
``seed + 1``), or, with ``keep_operands=True``, ``(%q, %k, %v, %q_keep,
%k_keep)`` with the keep arrays as arguments.
"""

from __future__ import annotations

from collections.abc import Sequence

from xdsl.dialects import func
from xdsl.dialects.builtin import ModuleOp, TensorType, i32
from xdsl.ir import Block, Region
from xdsl.utils.exceptions import VerifyException

from attn_ir.builder import ELEMENT_TYPES
from attn_ir.dialects.sparse_flash import attn as D


def _function(name: str, types: list, names: list[str], build) -> ModuleOp:
    block = Block(arg_types=types)
    for arg, arg_name in zip(block.args, names):
        arg.name_hint = arg_name
    ops, out = build(block.args)
    out.name_hint = "out"
    block.add_ops([*ops, func.ReturnOp(out)])
    module = ModuleOp([func.FuncOp(name, (types, [out.type]), Region(block))])
    try:
        module.verify()
    except VerifyException as e:
        raise ValueError(str(e)) from None
    return module


def _types(shape: Sequence[int], dtype: str) -> list[TensorType]:
    if dtype not in ELEMENT_TYPES:
        raise ValueError(f"dtype must be one of {', '.join(ELEMENT_TYPES)}, got '{dtype}'")
    shape = [int(d) for d in shape]
    if len(shape) != 4 or any(d <= 0 for d in shape):
        raise ValueError(f"shape must be 4 positive sizes [B, H, N, D], got {tuple(shape)}")
    return [TensorType(ELEMENT_TYPES[dtype](), shape)] * 3


def hash_attention(shape: Sequence[int], buckets: int = 8, seed: int = 0,
                   dtype: str = "f32", scale: float | None = None,
                   name: str = "hash_attention") -> ModuleOp:
    """``attn.hash_attention`` of q, k, v of ``shape`` [B, H, N, D]."""
    types = _types(shape, dtype)

    def build(args):
        op = D.HashAttentionOp(args[0], args[1], args[2], buckets, seed, scale)
        return [op], op.output

    return _function(name, types, ["q", "k", "v"], build)


def qk_drop_attention(shape: Sequence[int], keep_q: int, keep_k: int, seed: int = 0,
                      dtype: str = "f32", scale: float | None = None,
                      keep_operands: bool = False,
                      name: str = "qk_drop_attention") -> ModuleOp:
    """``attn.qk_drop_attention`` of q, k, v of ``shape`` keeping ``keep_q``
    queries and ``keep_k`` keys per head."""
    types = _types(shape, dtype)
    b, h, n, _ = types[0].get_shape()
    keep_types = [TensorType(i32, [b, h, keep_q]), TensorType(i32, [b, h, keep_k])]
    names = ["q", "k", "v"]
    if keep_operands:
        types = [*types, *keep_types]
        names += ["q_keep", "k_keep"]

    def build(args):
        ops = []
        if keep_operands:
            q_keep, k_keep = args[3], args[4]
        else:
            qs = D.KeepRandomOp(keep_types[0], n, seed)
            ks = D.KeepRandomOp(keep_types[1], n, seed + 1)
            qs.keep.name_hint, ks.keep.name_hint = "q_keep", "k_keep"
            ops += [qs, ks]
            q_keep, k_keep = qs.keep, ks.keep
        op = D.QKDropAttentionOp(args[0], args[1], args[2], q_keep, k_keep, scale)
        return [*ops, op], op.output

    return _function(name, types, names, build)
