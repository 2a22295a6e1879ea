"""Executes attn_ir IR at every level on NumPy arrays, with xDSL's
interpreter framework: ``attn.attention`` (by the reference oracle, its
definition), the cascade Einsums, and the tiled block-sparse level.

This is the evaluator tests use to show each pass preserves meaning; it is
not a fast path.  The cascade level holds whole [Nq, Nk] score tensors by
its nature, so it is limited to small shapes (``CASCADE_SCORE_LIMIT``); the
tiled level never holds more than one query tile's scores.

    outputs = run_function(module, "f", q, k, v)
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any, cast

import numpy as np
from xdsl.dialects import func
from xdsl.dialects.builtin import Float16Type, Float32Type, Float64Type, ModuleOp, TensorType
from xdsl.interpreter import Interpreter, InterpreterFunctions, impl, register_impls
from xdsl.interpreters.func import FuncFunctions
from xdsl.utils.exceptions import InterpretationError

from attn_ir import patterns as P
from attn_ir import reference
from attn_ir.diagnostics import InputError
from attn_ir.dialects import attn, cascade, tile

CASCADE_SCORE_LIMIT = 1 << 26
"""Largest B*H*Nq*Nk a cascade-level score tensor may have here."""


DECLARED_DTYPES = {Float16Type: np.float16, Float32Type: np.float32, Float64Type: np.float64}
"""NumPy dtypes of the element types results are returned in (bf16 has none:
its results stay f32)."""


def _dtype(value_type) -> np.dtype:
    """The dtype an op computes a tensor of ``value_type`` in: f16 and bf16
    tensors are computed in f32 (``run_function`` rounds the results to the
    declared element type)."""
    width = cast(TensorType, value_type).element_type.bitwidth
    return np.dtype({16: np.float32, 32: np.float32, 64: np.float64}[width])


def _broadcast_mask(mask: np.ndarray | None, b: int, h: int) -> np.ndarray | None:
    if mask is None:
        return None
    return np.broadcast_to(np.asarray(mask, bool), (b, h, *mask.shape[2:]))


def _exp_shifted(x: np.ndarray, shift: np.ndarray) -> np.ndarray:
    """exp(x - shift) with exp(-inf - anything) = 0 (no NaN for empty rows)."""
    with np.errstate(invalid="ignore"):
        return np.where(np.isneginf(x), 0.0, np.exp(x - shift)).astype(x.dtype)


def _divide(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    empty = den == 0
    return np.where(empty, 0.0, num / np.where(empty, 1.0, den)).astype(num.dtype)


def scores(q: np.ndarray, k: np.ndarray, pattern: P.Pattern, scale: float,
           mask: np.ndarray | None, rows: np.ndarray, cols: np.ndarray,
           dtype: np.dtype, apply_pattern: bool = True, first_head: int = 0) -> np.ndarray:
    """scale * q[..., rows, :] k[..., cols, :]^T, -inf where the pattern (or
    the columns' range) excludes a pair.  q, k: [B, H, N, D] holding heads
    ``first_head``, ``first_head + 1``, ...."""
    b, h, nq, _ = q.shape
    nk = k.shape[2]
    s = np.einsum("bhid,bhjd->bhij", q[:, :, rows].astype(dtype),
                  k[:, :, np.minimum(cols, nk - 1)].astype(dtype)) * dtype.type(scale)
    allowed = np.broadcast_to(cols < nk, s.shape).copy()
    if apply_pattern:
        for hh in range(h):
            for bb in range(b):
                dom = P.Domain(nq, nk, first_head + hh,
                               None if mask is None else mask[bb, hh])
                allowed[bb, hh] &= pattern.attends(rows[:, None], np.minimum(cols, nk - 1)[None, :], dom)
                if not pattern.head_dependent and mask is None:
                    allowed[:, hh] = allowed[bb, hh]
                    break
    return np.where(allowed, s, -np.inf).astype(dtype)


@register_impls
class AttnFunctions(InterpreterFunctions):
    @impl(attn.AttentionOp)
    def run_attention(self, interpreter: Interpreter, op: attn.AttentionOp, args):
        q, k, v, *mask = args
        out = reference.attention(q, k, v, op.pattern.pattern, mask[0] if mask else None,
                                  op.scale_value, dtype=_dtype(op.output.type))
        return (out,)


@register_impls
class CascadeFunctions(InterpreterFunctions):
    @impl(cascade.QKOp)
    def run_qk(self, interpreter: Interpreter, op: cascade.QKOp, args):
        q, k, *mask = args
        b, h, nq, _ = q.shape
        nk = k.shape[2]
        shape = cast(TensorType, op.scores.type).get_shape()
        cols = np.arange(nk if op.split is None else shape[3] * shape[4])
        if b * h * nq * len(cols) > CASCADE_SCORE_LIMIT:
            raise P.PatternError(
                f"cascade.qk: {b}x{h}x{nq}x{len(cols)} scores are too large to "
                "interpret at the cascade level; tile first")
        s = scores(q, k, op.pattern.pattern, op.scale.value.data,
                   _broadcast_mask(mask[0] if mask else None, b, h), np.arange(nq), cols,
                   _dtype(op.scores.type))
        return (s.reshape(shape),)

    @impl(cascade.MaxOp)
    def run_max(self, interpreter, op, args):
        return (args[0].max(axis=-1, initial=-np.inf),)

    @impl(cascade.SumOp)
    def run_sum(self, interpreter, op, args):
        return (args[0].sum(axis=-1),)

    @impl(cascade.SubExpOp)
    def run_sub_exp(self, interpreter, op, args):
        x, m = args
        return (_exp_shifted(x, m[..., None]),)

    @impl(cascade.NormalizeOp)
    def run_normalize(self, interpreter, op, args):
        return (_divide(args[0], args[1][..., None]),)

    @impl(cascade.DivRowsOp)
    def run_div_rows(self, interpreter, op, args):
        return (_divide(args[0], args[1][..., None]),)

    @impl(cascade.AVOp)
    def run_av(self, interpreter, op, args):
        p, v = args
        v = v.astype(p.dtype)
        if p.ndim == 4:
            return (reference.weighted_values(p, v),)
        m1, m0 = p.shape[3], p.shape[4]
        padded = np.zeros((*v.shape[:2], m1 * m0, v.shape[3]), p.dtype)
        padded[:, :, : v.shape[2]] = v
        chunks = padded.reshape(*v.shape[:2], m1, m0, v.shape[3])
        # [B,H,Nq,M1,M0] x [B,H,M1,M0,Dv] -> [B,H,Nq,M1,Dv], chunk by chunk.
        return (reference.weighted_values(p.transpose(0, 1, 3, 2, 4), chunks)
                .transpose(0, 1, 3, 2, 4),)

    @impl(cascade.RunningMaxOp)
    def run_running_max(self, interpreter, op, args):
        return (np.maximum.accumulate(args[0], axis=-1),)

    @impl(cascade.RescaleOp)
    def run_rescale(self, interpreter, op, args):
        rm = args[0]
        prev = np.concatenate([np.full_like(rm[..., :1], -np.inf), rm[..., :-1]], axis=-1)
        return (_exp_shifted(prev, rm),)

    @impl(cascade.RunningSumOp)
    def run_running_sum(self, interpreter, op, args):
        local, factor = args
        acc = np.zeros(local.shape[:-1], local.dtype)
        for c in range(local.shape[-1]):
            acc = acc * factor[..., c] + local[..., c]
        return (acc,)

    @impl(cascade.RunningAVOp)
    def run_running_av(self, interpreter, op, args):
        local, factor = args
        acc = np.zeros((*local.shape[:3], local.shape[4]), local.dtype)
        for c in range(local.shape[3]):
            acc = acc * factor[..., c, None] + local[:, :, :, c]
        return (acc,)


@register_impls
class TileFunctions(InterpreterFunctions):
    @impl(tile.TiledAttentionOp)
    def run_tiled(self, interpreter, op: tile.TiledAttentionOp, args):
        q, k, v, *mask = args
        b, h, nq, nk, _, dv = op.dims
        dtype = _dtype(op.output.type)
        mask = _broadcast_mask(mask[0] if mask else None, b, h)
        out = np.zeros((b, h, nq, dv), dtype)
        groups = range(h) if len(op.tables.data) > 1 or mask is not None else [None]
        for head in groups:
            heads = slice(None) if head is None else slice(head, head + 1)
            out[:, heads] = tiled_attention(
                q[:, heads], k[:, heads], v[:, heads], op.pattern.pattern,
                op.table_for_head(head or 0), op.block_q.value.data, op.block_k.value.data,
                op.scale.value.data, None if mask is None else mask[:, heads], dtype,
                head or 0)
        return (out,)


def tiled_attention(q, k, v, pattern: P.Pattern, table: tile.TileTableAttr, bq: int,
                    bk: int, scale: float, mask, dtype: np.dtype, head: int) -> np.ndarray:
    """Online softmax over the listed key tiles of each query tile.  Heads in
    q, k, v share the table; ``head`` is the first of them (for patterns
    whose heads differ, one head is passed at a time)."""
    b, h, nq, _ = q.shape
    nk, dv = k.shape[2], v.shape[3]
    ptr, keys, full = table.arrays
    out = np.zeros((b, h, nq, dv), dtype)
    for t in range(len(ptr) - 1):
        rows = np.arange(t * bq, min(nq, t * bq + bq))
        run_max = np.full((b, h, len(rows)), -np.inf, dtype)
        run_sum = np.zeros((b, h, len(rows)), dtype)
        acc = np.zeros((b, h, len(rows), dv), dtype)
        for kt, is_full in zip(keys[ptr[t] : ptr[t + 1]], full[ptr[t] : ptr[t + 1]]):
            cols = np.arange(kt * bk, min(nk, kt * bk + bk))
            s = scores(q, k, pattern, scale, mask, rows, cols, dtype,
                       apply_pattern=not is_full, first_head=head)
            new_max = np.maximum(run_max, s.max(axis=-1))
            factor = _exp_shifted(run_max, new_max)
            p = _exp_shifted(s, new_max[..., None])
            run_sum = run_sum * factor + p.sum(axis=-1)
            acc = acc * factor[..., None] + reference.weighted_values(
                p, v[:, :, cols].astype(dtype))
            run_max = new_max
        out[:, :, rows] = _divide(acc, run_sum[..., None])
    return out


INTERPRETER_EXTENSIONS: list[str] = [
    "attn_ir.interpreter_spatten",
    "attn_ir.interpreter_sparse_flash",
    "attn_ir.interpreter_polarized",
    "attn_ir.interpreter_parts",
]
"""Modules defining the semantics of extension ops (``attn_ir.dialects``'
``ATTN_EXTENSIONS``): each exports ``INTERPRETER_FUNCTIONS``, a list of
``InterpreterFunctions`` classes.  They are definitions, so the reference
oracle (``attn_ir.oracle``) uses them too."""


def extension_functions() -> list[InterpreterFunctions]:
    import importlib

    return [cls() for name in INTERPRETER_EXTENSIONS
            for cls in importlib.import_module(name).INTERPRETER_FUNCTIONS]


def make_interpreter(module: ModuleOp, *extra: InterpreterFunctions) -> Interpreter:
    """An interpreter for every level, plus ``extra`` implementations (a
    backend's, e.g. the hardware model's for ``accel.kernel``)."""
    interpreter = Interpreter(module)
    for functions in (FuncFunctions(), AttnFunctions(), CascadeFunctions(), TileFunctions(),
                      *extension_functions(), *extra):
        interpreter.register_implementations(functions)
    return interpreter


def call_function(interpreter: Interpreter, name: str, args: Sequence[Any]) -> tuple:
    """``interpreter.call_op``, with an op that no registered implementation
    runs reported as the user's error (``InputError``), not a crash."""
    try:
        return tuple(interpreter.call_op(name, tuple(args)))
    except InterpretationError as e:
        found = re.match(r"Could not find interpretation function for op (\S+)", str(e))
        if found is None:
            raise
        raise InputError(f"'{found.group(1)}' cannot be run here: no engine implements it; "
                         "lower it first or remove it") from None


def run_function(module: ModuleOp, name: str, *args: Any) -> tuple[np.ndarray, ...]:
    """Run ``func.func @name`` of ``module`` on NumPy arrays; floating-point
    results come back in their declared element type."""
    results = call_function(make_interpreter(module), name, args)
    fn = next(op for op in module.ops if isinstance(op, func.FuncOp) and op.sym_name.data == name)
    return tuple(_as_declared(r, t) for r, t in zip(results, fn.function_type.outputs))


def _as_declared(value: Any, value_type) -> Any:
    if not isinstance(value, np.ndarray) or not isinstance(value_type, TensorType):
        return value
    dtype = DECLARED_DTYPES.get(type(value_type.element_type))
    return value if dtype is None else value.astype(dtype, copy=False)


def first_function(module: ModuleOp) -> func.FuncOp:
    for op in module.ops:
        if isinstance(op, func.FuncOp):
            return op
    raise ValueError("the module has no func.func")
