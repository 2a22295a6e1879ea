"""The static view of a kernel that timing and counting need: for every
instruction, its unit, its latency from the target's latency model, the
buffers it reads, writes afresh or updates in place, and what one instance
costs (operations by kind, buffer bytes, DRAM bytes)."""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from typing import cast

from xdsl.dialects import memref
from xdsl.dialects.builtin import MemRefType
from xdsl.ir import SSAValue

from attn_ir import targets as T
from attn_ir.dialects import accel as A
from attn_ir.backends.hwmodel.extension import instruction_costs

def _shape(value: SSAValue) -> tuple[int, ...]:
    return tuple(cast(MemRefType, value.type).get_shape())


def _bytes(value: SSAValue) -> int:
    t = cast(MemRefType, value.type)
    return math.prod(t.get_shape()) * t.element_type.bitwidth // 8


@dataclass
class Instr:
    op: A.InstructionOp
    phase: str
    """``prologue``, ``step<N>`` or ``epilogue``."""
    unit: str
    latency: int
    occupancy: int
    reads: tuple[SSAValue, ...]
    writes: tuple[SSAValue, ...]
    updates: tuple[SSAValue, ...]
    ops: Counter = field(default_factory=Counter)
    buffer_read_bytes: int = 0
    buffer_write_bytes: int = 0
    dram_read_bytes: int = 0
    dram_write_bytes: int = 0
    kv_reuse: bool = False
    """A K/V load that only the first lane of a head pays (``kv_resident``)."""
    global_lanes_only: bool = False
    """Runs only in lanes whose rows include global queries."""


@dataclass
class Program:
    kernel: A.KernelOp
    target: T.Target
    prologue: list[Instr]
    steps: list[list[Instr]]
    epilogue: list[Instr]
    copies: dict[SSAValue, int]

    @property
    def all(self) -> list[Instr]:
        return [*self.prologue, *(i for s in self.steps for i in s), *self.epilogue]


def _weight_stationary(op: A.SddmmOp | A.SpmmOp) -> bool:
    """Keys and the depth (or width) spatial, rows streamed: the latency
    model's first two dims are the spatial ones, the third is streamed."""
    return op.dataflow is not None and op.dataflow.data == "ws"




def _costs(instr: Instr, op: A.InstructionOp, kernel: A.KernelOp, target: T.Target) -> tuple:
    """(latency shape, operation counts) of one instance."""
    cost = instruction_costs().get(type(op))
    if cost is not None:
        return cost(instr, op, kernel, target)
    b, h, nq, nk, d, dv = kernel.dims
    if isinstance(op, A.DmaLoadOp):
        bits = op.bits.value.data if op.bits is not None else (
            cast(MemRefType, op.source.type).element_type.bitwidth)
        size = math.prod(_shape(op.dest)) * bits // 8
        instr.dram_read_bytes = size
        return (size,), Counter()
    if isinstance(op, A.DmaStoreOp):
        rows = _shape(op.source)[0]
        size = rows * dv * cast(MemRefType, op.dest.type).element_type.bitwidth // 8
        instr.dram_write_bytes = size
        return (size,), Counter()
    if isinstance(op, A.SddmmOp):
        rows, dq = _shape(op.q)
        keys = _shape(op.scores)[1]
        if op.sliced is not None and op.sliced.value.data:
            keys = _shape(op.k)[0]
        shape = (keys, dq, rows) if _weight_stationary(op) else (rows, keys, dq)
        return shape, Counter(mac=rows * keys * dq)
    if isinstance(op, A.SpmmOp):
        rows, keys = _shape(op.p)
        width = _shape(op.v)[1]
        if op.sliced is not None and op.sliced.value.data:
            keys = _shape(op.v)[0]
        shape = (keys, width, rows) if _weight_stationary(op) else (rows, keys, width)
        return shape, Counter(mac=rows * keys * width)
    if isinstance(op, A.GlobalRowsOp):
        rows = len(kernel.iteration.globals.data)
        return (rows, nk, d + dv), Counter(mac=rows * nk * (d + dv), exp=rows * nk)
    shape = _shape(op.operands[0])
    n = math.prod(shape)
    if isinstance(op, A.FillOp):
        return shape, Counter()
    if isinstance(op, A.ScaleOp):
        return shape, Counter(mul=n)
    if isinstance(op, A.ReduceOp):
        return shape, Counter({"max" if op.kind.data == "max" else "add": n})
    if isinstance(op, A.MaxUpdateOp):
        return shape, Counter(max=n, exp=n)
    if isinstance(op, A.ExpOp):
        return shape, Counter(exp=n, add=n if op.shift is not None else 0)
    if isinstance(op, A.AccumulateOp):
        rows = shape[0]
        return shape, Counter(mac=n + rows)
    if isinstance(op, A.MergeOp):
        rows = shape[0]
        return shape, Counter(mac=2 * n, div=n, add=rows)
    if isinstance(op, A.NormalizeOp):
        return shape, Counter(div=n)
    raise NotImplementedError(op.name)


def build_program(kernel: A.KernelOp) -> Program:
    target = kernel.target.target
    prologue, steps, epilogue = [], [], []
    seen_step = False
    kv_resident = kernel.flag("kv_resident")
    for op in kernel.body.block.ops:
        if isinstance(op, memref.AllocOp):
            continue
        if isinstance(op, A.StepOp):
            seen_step = True
            steps.append([_instr(i, kernel, target, f"step{len(steps)}", kv_resident)
                          for i in op.body.block.ops if not isinstance(i, memref.AllocOp)])
        else:
            (epilogue if seen_step else prologue).append(
                _instr(op, kernel, target, "epilogue" if seen_step else "prologue", False))
    copies = {buf: 2 for buf in kernel.double_buffered()}
    return Program(kernel, target, prologue, steps, epilogue, copies)


def _instr(op: A.InstructionOp, kernel: A.KernelOp, target: T.Target, phase: str,
           kv_resident: bool) -> Instr:
    reads, writes, updates = (tuple(v for v in op.operands_in(names)
                                    if isinstance(v.owner, memref.AllocOp))
                              for names in (op.READS, op.WRITES, op.UPDATES))
    instr = Instr(op, phase, op.unit.data, 0, 0, reads, writes, updates)
    shape, ops = _costs(instr, op, kernel, target)
    instr.latency = target.cycles(op.latency_kind, shape)
    instr.occupancy = target.occupancy(op.latency_kind, shape)
    instr.ops = ops
    instr.buffer_read_bytes = sum(_bytes(v) for v in (*reads, *updates))
    instr.buffer_write_bytes = sum(_bytes(v) for v in (*writes, *updates))
    instr.global_lanes_only = isinstance(op, A.GlobalRowsOp)
    instr.kv_reuse = (kv_resident and isinstance(op, A.DmaLoadOp)
                      and op.tile.data in ("k", "v"))
    return instr
