"""Building attn_ir IR from Python, for a framework that uses attn_ir as its
compiler backend.

    from attn_ir.builder import attention
    module = attention((1, 12, 4096, 64), (1, 12, 4096, 64), pattern="#attn.causal")

gives a module with one function

    func.func @attention(%q, %k, %v) -> tensor<1x12x4096x64xf32> {
      %out = attn.attention %q, %k, %v pattern #attn.causal : ...
      func.return %out : ...
    }

ready for ``attn_ir.compile`` or ``print_module``.
"""

from __future__ import annotations

from collections.abc import Sequence

from xdsl.dialects import func
from xdsl.dialects.builtin import (
    BFloat16Type,
    Float16Type,
    Float32Type,
    Float64Type,
    ModuleOp,
    TensorType,
    i1,
)
from xdsl.ir import Block, Region
from xdsl.utils.exceptions import VerifyException

from attn_ir import patterns as P
from attn_ir.dialects.attn import AttentionOp
from attn_ir.dialects.attn import parse_pattern

ELEMENT_TYPES = {"f16": Float16Type, "bf16": BFloat16Type, "f32": Float32Type,
                 "f64": Float64Type}


def _shape(value: Sequence[int], what: str) -> list[int]:
    shape = [int(d) for d in value]
    if len(shape) != 4 or any(d <= 0 for d in shape):
        raise ValueError(f"{what} must be 4 positive sizes [B, H, N, D], got {tuple(value)}")
    return shape


def attention(q_shape: Sequence[int], k_shape: Sequence[int],
              v_shape: Sequence[int] | None = None, pattern: P.Pattern | str = "#attn.dense",
              dtype: str = "f32", scale: float | None = None,
              mask_shape: Sequence[int] | None = None, name: str = "attention") -> ModuleOp:
    """A module with one function ``@name(%q, %k, %v[, %mask])`` returning
    ``attn.attention`` of its arguments under ``pattern`` (a pattern object
    or its IR text).  ``v_shape`` defaults to ``k_shape``; a pattern that
    uses ``#attn.mask`` gets an i1 mask argument of ``mask_shape`` (default
    [1, 1, Nq, Nk]).  Raises ValueError for shapes or patterns that do not
    fit."""
    if dtype not in ELEMENT_TYPES:
        raise ValueError(f"dtype must be one of {', '.join(ELEMENT_TYPES)}, got '{dtype}'")
    if isinstance(pattern, str):
        pattern = parse_pattern(pattern)
    element = ELEMENT_TYPES[dtype]()
    q = _shape(q_shape, "q_shape")
    k = _shape(k_shape, "k_shape")
    v = _shape(v_shape if v_shape is not None else k_shape, "v_shape")
    types = [TensorType(element, s) for s in (q, k, v)]
    names = ["q", "k", "v"]
    if pattern.uses_mask:
        m = _shape(mask_shape if mask_shape is not None else (1, 1, q[2], k[2]), "mask_shape")
        types.append(TensorType(i1, m))
        names.append("mask")
    elif mask_shape is not None:
        raise ValueError("mask_shape is given but the pattern does not use #attn.mask")
    block = Block(arg_types=types)
    for arg, arg_name in zip(block.args, names):
        arg.name_hint = arg_name
    args = block.args
    op = AttentionOp(args[0], args[1], args[2], pattern,
                     args[3] if pattern.uses_mask else None,
                     None if scale is None else float(scale))
    op.output.name_hint = "out"
    block.add_ops([op, func.ReturnOp(op.output)])
    module = ModuleOp([func.FuncOp(name, (types, [op.output.type]), Region(block))])
    try:
        module.verify()
    except VerifyException as e:
        raise ValueError(str(e)) from None
    return module
