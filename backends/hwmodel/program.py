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
    block_shared: int = 1
    """Lanes of a ``query_block`` that share this K/V load: it reaches DRAM
    once per block, so each lane's step is charged 1/P1 of its transfer."""
    slice_writes: tuple[SSAValue, ...] = ()
    """Row buffers a ``sliced`` instance writes one step's slice of."""
    slice_updates: tuple[SSAValue, ...] = ()
    """Those of ``slice_writes`` it also reads (its own slice: it waits for
    the slice's last write, and its read holds up no other slice)."""
    spatial: float = 1.0
    """Share of its unit's PEs (or lanes) the instruction keeps working while
    it occupies the unit (a 128-row tile on a 256-row array: 0.5)."""
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
    between: list[list[Instr]] = field(default_factory=list)
    """Instructions between step loop i and i + 1 (``between[i]``), run in
    that order (FLAT's softmax passes between QK and PV)."""

    @property
    def all(self) -> list[Instr]:
        return [*self.prologue,
                *(i for n, s in enumerate(self.steps)
                  for i in (*s, *(self.between[n] if n < len(self.between) else ()))),
                *self.epilogue]


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
    if isinstance(op, A.SpillOp):
        rows, cols = _shape(op.buffer)
        if op.sliced is not None and op.sliced.value.data:
            cols = _block_cols(kernel)
        size = op.rows.value.data * cols * cast(MemRefType, op.buffer.type).element_type.bitwidth // 8
        if op.direction.data == "store":
            instr.dram_write_bytes = size
        else:
            instr.dram_read_bytes = size
        return (size,), Counter()
    shape = _shape(op.operands[0])
    if getattr(op, "sliced", None) is not None and op.sliced.value.data and len(shape) == 2:
        shape = (shape[0], _block_cols(kernel))
    n = math.prod(shape)
    if isinstance(op, A.RunningMaxOp):
        return shape, Counter(max=n)
    if isinstance(op, A.RescaleOp):
        return shape, Counter(mul=n)
    if isinstance(op, A.AddOp):
        return shape, Counter(add=n)
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


def _spatial_share(target: T.Target, kind: str, unit: str, shape: tuple[int, ...]) -> float:
    """The share of the unit's PEs an instruction of ``shape`` keeps busy:
    the spatial dims over the array's tiles of them (2-D ops), the elements
    over whole issue slots (element-wise ops); 1 for other units."""
    if unit not in ("PE2D", "VEC1D") or not shape or kind in T.cycle_models():
        return 1.0
    if unit == "PE2D" and kind in ("sddmm", "spmm", "reduce_max", "reduce_sum") \
            and (kind in ("sddmm", "spmm") or target.pe_reduce != "chain"):
        a, b = shape[0], shape[1]
        cols = target.pe_cols + target.global_cols
        slots = math.ceil(a / target.pe_rows) * math.ceil(b / cols) * target.pe_rows * cols
        return min(1.0, a * b / slots)
    if kind in ("fill", "dma_load", "dma_store"):
        return 1.0
    n = math.prod(shape)
    lanes = dict(target.kind_lanes).get(kind) or target.lanes(unit)
    return min(1.0, n / (math.ceil(n / lanes) * lanes)) if n else 1.0


def _block_cols(kernel: A.KernelOp) -> int:
    """Columns of one step's slice of a row buffer (the key tile width)."""
    it = kernel.iteration
    return it.k.data if isinstance(it, A.BlocksAttr) else it.cols.data


def build_program(kernel: A.KernelOp) -> Program:
    """Instructions in program order: the prologue, each step loop followed
    by what runs before the next one (``between``), and the epilogue."""
    target = kernel.target.target
    prologue, steps = [], []
    after: list[list[Instr]] = []
    kv_resident = kernel.flag("kv_resident")
    for op in kernel.body.block.ops:
        if isinstance(op, memref.AllocOp):
            continue
        if isinstance(op, A.StepOp):
            steps.append([_instr(i, kernel, target, f"step{len(steps)}", kv_resident)
                          for i in op.body.block.ops if not isinstance(i, memref.AllocOp)])
            after.append([])
        elif steps:
            phase = f"after_step{len(steps) - 1}"
            after[-1].append(_instr(op, kernel, target, phase, False))
        else:
            prologue.append(_instr(op, kernel, target, "prologue", False))
    epilogue = after.pop() if after else []
    for instr in epilogue:
        instr.phase = "epilogue"
    copies = {buf: 2 for buf in kernel.double_buffered()}
    return Program(kernel, target, prologue, steps, epilogue, copies, after)


def _instr(op: A.InstructionOp, kernel: A.KernelOp, target: T.Target, phase: str,
           kv_resident: bool) -> Instr:
    reads, writes, updates = (tuple(v for v in op.operands_in(names)
                                    if isinstance(v.owner, memref.AllocOp))
                              for names in (op.READS, op.WRITES, op.UPDATES))
    slice_writes: tuple[SSAValue, ...] = ()
    if (op.SLICED_OPERAND is not None and getattr(op, "sliced", None) is not None
            and op.sliced.value.data):
        row_buffer = getattr(op, op.SLICED_OPERAND)
        if row_buffer in writes or row_buffer in updates:
            slice_writes = (row_buffer,)
            writes = tuple(v for v in writes if v is not row_buffer)
            updates = tuple(v for v in updates if v is not row_buffer)
    instr = Instr(op, phase, op.unit.data, 0, 0, reads, writes, updates)
    instr.slice_writes = slice_writes
    instr.slice_updates = tuple(v for v in slice_writes if v in op.operands_in(op.UPDATES))
    shape, ops = _costs(instr, op, kernel, target)
    block_attr = getattr(kernel, "query_block", None)
    block = block_attr.value.data if block_attr is not None else 1
    if (block > 1 and isinstance(op, A.DmaLoadOp) and op.tile.data in ("k", "v")
            and phase.startswith("step")):
        # The block's lanes share one stream of K/V tiles: each lane's step
        # moves 1/P1 of the tile over the DRAM channel.
        instr.block_shared = block
        shape = (math.ceil(shape[0] / block),)
    elif (kv_resident and isinstance(op, A.DmaLoadOp) and op.tile.data in ("k", "v")
          and isinstance(kernel.iteration, A.BlocksAttr)):
        # Only a head's first query tile reads K and V from DRAM: timed as
        # its share per lane, like a query block of the whole head.
        tiles = -(-kernel.dims[2] // kernel.iteration.q.data)
        shape = (math.ceil(shape[0] / tiles),)
    instr.latency = target.cycles(op.latency_kind, shape)
    instr.occupancy = target.occupancy(op.latency_kind, shape)
    instr.spatial = _spatial_share(target, op.latency_kind, instr.unit, shape)
    instr.ops = ops
    instr.buffer_read_bytes = sum(_bytes(v) for v in (*reads, *updates))
    instr.buffer_write_bytes = sum(_bytes(v) for v in (*writes, *updates, *slice_writes))
    instr.global_lanes_only = isinstance(op, A.GlobalRowsOp)
    instr.kv_reuse = (kv_resident and isinstance(op, A.DmaLoadOp)
                      and op.tile.data in ("k", "v"))
    return instr
