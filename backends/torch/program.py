"""A ``func.func`` of tiled IR lowered once to a sequence of PyTorch steps.

``TorchProgram`` walks the function's block once, at compile time, and
turns each op into a step: a Python closure over what the op's attributes
fix (block masks built from tile tables, mask_mods, a system's compile-time
data such as rotations and keep lists), called at run time on the operands' tensors.
Nothing is re-derived per call but what depends on data (the run-time tile
classes of indexed attention).

Values live on one device (``cpu`` or ``cuda``) in the IR's element type
(bf16 tensors as torch.bfloat16); index arrays as int64.  A rows part runs
on a side CUDA stream, so that its few dense rows overlap the band's
FlexAttention kernel.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import cast

import numpy as np
import torch
from xdsl.dialects import func
from xdsl.dialects.builtin import (
    BFloat16Type,
    Float16Type,
    Float32Type,
    Float64Type,
    IntegerType,
    TensorType,
)
from xdsl.ir import Operation, SSAValue

from attn_ir import patterns as P
from attn_ir.backends.registry import BackendError
from attn_ir.backends.torch import block_masks, kernels
from attn_ir.interop.flex import part_mask_mod
from attn_ir.dialects import tile
from attn_ir.dialects.tile_parts import AttentionPartOp, MergePartsOp

TORCH_DTYPES = {BFloat16Type: torch.bfloat16, Float16Type: torch.float16,
                Float32Type: torch.float32, Float64Type: torch.float64}


def torch_dtype(t) -> torch.dtype:
    element = cast(TensorType, t).element_type
    if type(element) in TORCH_DTYPES:
        return TORCH_DTYPES[type(element)]
    if element == IntegerType(1):
        return torch.bool
    if isinstance(element, IntegerType):
        return torch.int64
    raise BackendError(f"the torch backend does not support element type {element}")


Step = Callable[..., tuple]


@dataclass(frozen=True)
class TorchExtension:
    """What one system adds to the torch backend
    (``attn_ir.backends.torch.<system>``)."""

    lowerings: dict[type, Callable] = field(default_factory=dict)
    """Op class → ``lower(program, op) -> step``."""
    flex_ops: tuple[type, ...] = ()
    """Ops that run as one FlexAttention call (counted in the report)."""


def extension_lowerings() -> dict[type, Callable]:
    from attn_ir.systems import extensions

    return {cls: fn for ext in extensions("torch") for cls, fn in ext.lowerings.items()}


def extension_flex_ops() -> tuple[type, ...]:
    from attn_ir.systems import extensions

    return tuple(cls for ext in extensions("torch") for cls in ext.flex_ops)


class TorchProgram:
    """One function, lowered: ``program(*tensors)`` returns its results."""

    def __init__(self, fn: func.FuncOp, device: torch.device, compile: bool):
        self.device = device
        self.compile = compile
        self.name = fn.sym_name.data
        self.arguments = list(fn.body.block.args)
        self.argument_dtypes = [torch_dtype(a.type) for a in self.arguments]
        self.result_dtypes = [torch_dtype(t) for t in fn.function_type.outputs.data]
        self.side_stream = (torch.cuda.Stream(device) if device.type == "cuda" else None)
        lowerings: dict[type, Callable[[TorchProgram, Operation], Step]] = {
            tile.TiledAttentionOp: _lower_tiled, AttentionPartOp: _lower_part,
            MergePartsOp: _lower_merge, **extension_lowerings()}
        self.steps: list[tuple[Step, list[SSAValue], list[SSAValue]]] = []
        self.returned: list[SSAValue] = []
        self.uses = {}
        for op in fn.body.block.ops:
            for operand in op.operands:
                self.uses[operand] = self.uses.get(operand, 0) + 1
        for op in fn.body.block.ops:
            if isinstance(op, func.ReturnOp):
                self.returned = list(op.arguments)
                continue
            lower = lowerings.get(type(op))
            if lower is None:
                raise BackendError(f"the torch backend cannot run op '{op.name}'; lower it "
                                   "to the tiled level first (attn-tile)")
            self.steps.append((lower(self, op), list(op.operands), list(op.results)))
        flex_ops = (tile.TiledAttentionOp, AttentionPartOp, *extension_flex_ops())
        self.figures = {
            "flex_attention_ops": sum(isinstance(op, flex_ops) and not (
                isinstance(op, AttentionPartOp) and op.only_rows is not None)
                for op in fn.body.block.ops),
            "rows_parts": sum(isinstance(op, AttentionPartOp) and op.only_rows is not None
                              for op in fn.body.block.ops),
        }

    def single_use(self, value: SSAValue) -> bool:
        return self.uses.get(value, 0) == 1 and value not in self.returned

    def __call__(self, *tensors: torch.Tensor) -> tuple:
        env: dict[SSAValue, object] = dict(zip(self.arguments, tensors))
        for step, operands, results in self.steps:
            values = step(*(env[v] for v in operands))
            env.update(zip(results, values))
        out = []
        for value, dtype in zip(self.returned, self.result_dtypes):
            x = env[value]
            if isinstance(x, kernels.RowsResult):
                raise BackendError("a rows part's result must be merged before it is returned")
            out.append(cast(torch.Tensor, x).to(dtype))
        return tuple(out)


def _scale(op) -> float:
    return float(op.scale.value.data)


def _attention_step(program: TorchProgram, op, pattern: P.Pattern, mask_mod_rows: dict,
                    with_lse: bool) -> Step:
    """FlexAttention over the op's tile tables (the BlockMask built now)."""
    b, h, nq, nk, _, _ = op.dims
    bq, bk = op.block_q.value.data, op.block_k.value.data
    scale = _scale(op)
    device = program.device
    uses_mask = op.mask is not None
    built: dict[str, object] = {}

    def block_mask(mask_data):
        mm = part_mask_mod(pattern, nq, nk, device, mask_data, **mask_mod_rows)
        return block_masks.from_tables(op.tables.data, b, h, nq, nk, bq, bk, mm, device)

    if not uses_mask:
        built["mask"] = block_mask(None)

    def step(q, k, v, *mask):
        if uses_mask:
            data = mask[0].to(device=device, dtype=torch.bool)
            bm = block_mask(data.expand(data.shape[0], data.shape[1], nq, nk))
        else:
            bm = built["mask"]
        out, lse = kernels.flex(q, k, v, bm, scale, program.compile)
        return (out, lse) if with_lse else (out,)

    return step


def _lower_tiled(program: TorchProgram, op: tile.TiledAttentionOp) -> Step:
    return _attention_step(program, op, op.pattern.pattern, {}, with_lse=False)


def _lower_part(program: TorchProgram, op: AttentionPartOp) -> Step:
    pattern = op.pattern.pattern
    if op.only_rows is None:
        rows = {} if op.except_rows is None else {"except_rows": op.rows_excluded.tolist()}
        return _attention_step(program, op, pattern, rows, with_lse=True)
    return _lower_rows_part(program, op)


def _lower_rows_part(program: TorchProgram, op: AttentionPartOp) -> Step:
    """A few rows against the keys of their tiles, as dense rows."""
    b, h, nq, nk, _, _ = op.dims
    bk = op.block_k.value.data
    device = program.device
    rows_np = op.rows_only
    rows = torch.as_tensor(rows_np, dtype=torch.int64, device=device)
    pattern = op.pattern.pattern
    # The keys the rows' tiles list; every key when they list every tile.
    ptr, keys, _ = (np.asarray(a) for a in op.table_for_head(0).arrays)
    bq = op.block_q.value.data
    listed = np.unique(np.concatenate(
        [keys[ptr[t]:ptr[t + 1]] for t in np.unique(rows_np // bq)] or [np.zeros(0, int)]))
    cols_np = (listed[:, None] * bk + np.arange(bk)[None, :]).ravel()
    cols_np = cols_np[cols_np < nk]
    every_key = len(cols_np) == nk
    cols = torch.as_tensor(cols_np, dtype=torch.int64, device=device)
    mm = None
    allowed = None
    if op.mask is None and not pattern.head_dependent:
        # Static: evaluate the predicate on R x (listed keys) once, here.
        hit = np.broadcast_to(pattern.attends(rows_np[:, None], cols_np[None, :],
                                              P.Domain(nq, nk, 0, None)),
                              (len(rows_np), len(cols_np)))
        if not hit.all():
            allowed = torch.as_tensor(np.ascontiguousarray(hit), device=device)
    else:
        mm = part_mask_mod(pattern, nq, nk, device, None)
    scale = _scale(op)
    side = program.side_stream
    fused = device.type == "cuda" and every_key and allowed is None and mm is None

    def compute(q, k, v, mask):
        q_rows = q.index_select(2, rows)
        if fused and q.dtype in (torch.float16, torch.bfloat16):
            out, lse = kernels.split_k_rows(q_rows, k, v, scale)
            return out, lse
        ks = k if every_key else k.index_select(2, cols)
        vs = v if every_key else v.index_select(2, cols)
        a = allowed
        if mm is not None:
            data = None if mask is None else mask.to(device=device, dtype=torch.bool)
            fn = part_mask_mod(pattern, nq, nk, device, data) if data is not None else mm
            bb = torch.arange(b, device=device)[:, None, None, None]
            hh = torch.arange(h, device=device)[None, :, None, None]
            a = fn(bb, hh, rows[None, None, :, None], cols[None, None, None, :])
        return kernels.masked_rows(q_rows, ks, vs, a, scale)

    def step(q, k, v, *mask):
        m = mask[0] if mask else None
        if side is None:
            out, lse = compute(q, k, v, m)
            return kernels.RowsResult(rows, out, lse), None
        current = torch.cuda.current_stream(device)
        side.wait_stream(current)
        with torch.cuda.stream(side):
            out, lse = compute(q, k, v, m)
        return kernels.RowsResult(rows, out, lse, side), None

    return step


def _lower_merge(program: TorchProgram, op: MergePartsOp) -> Step:
    n = len(op.outputs)
    out_dtype = torch_dtype(op.result.type)
    in_place = all(program.single_use(v) for v in op.outputs)

    def step(*values):
        outputs, lses = values[:n], values[n:]
        full = [(o, s) for o, s in zip(outputs, lses) if not isinstance(o, kernels.RowsResult)]
        rows = [o for o in outputs if isinstance(o, kernels.RowsResult)]
        if len(full) == 1:
            base, base_lse = full[0]
        elif full:
            base, base_lse = kernels.merge_full([o for o, _ in full], [s for _, s in full])
        else:
            first = rows[0]
            b, h, _, dv = first.output.shape
            nq = cast(TensorType, op.result.type).get_shape()[2]
            base = torch.zeros(b, h, nq, dv, device=first.output.device)
            base_lse = torch.full((b, h, nq), float("-inf"), device=first.output.device)
        current = torch.cuda.current_stream(program.device) if program.side_stream else None
        grad = torch.is_grad_enabled() and base.requires_grad
        for r in rows:
            if r.stream is not None:
                current.wait_stream(r.stream)
                if not torch.cuda.is_current_stream_capturing():
                    for t in (r.output, r.lse, r.rows):
                        t.record_stream(current)
            base = kernels.merge_into(base, base_lse, r, in_place and not grad and len(full) == 1)
        return (base.to(out_dtype),)

    return step
