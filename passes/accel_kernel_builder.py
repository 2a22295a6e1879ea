"""Building ``accel.kernel`` bodies: buffers, instructions with the unit the
target assigns, and steps.  Shared by the lowering and the schedule passes
so each writes only the instruction sequence of its dataflow."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import cast

from xdsl.dialects import memref
from xdsl.dialects.builtin import (
    BoolAttr,
    FloatAttr,
    IntegerAttr,
    MemRefType,
    StringAttr,
    TensorType,
    f32,
)
from xdsl.ir import Attribute, Block, Operation, Region, SSAValue

from attn_ir import targets as T
from attn_ir.diagnostics import OpError
from attn_ir.dialects import accel as A
from attn_ir.dialects.accel import buffer_bytes


class KernelBody:
    """Accumulates the body of a kernel: ``buffer`` allocates, ``emit``
    appends an instruction, ``with body.step():`` opens an ``accel.step``."""

    def __init__(self, target: T.Target, dram_types: Sequence[TensorType],
                 names: Sequence[str] | None = None):
        """``names`` of the DRAM arguments default to q, k, v, [mask], o."""
        self.target = target
        self.block = Block(arg_types=[MemRefType(t.element_type, t.get_shape())
                                      for t in dram_types])
        if names is None:
            names = ("q", "k", "v", "mask", "o") if len(dram_types) == 5 else ("q", "k", "v", "o")
        self.dram: dict[str, SSAValue] = dict(zip(names, self.block.args))
        for name, arg in self.dram.items():
            arg.name_hint = f"{name}_dram"
        self._current = self.block

    def buffer(self, name: str, shape: Sequence[int], element: Attribute = f32) -> SSAValue:
        alloc = memref.AllocOp([], [], MemRefType(element, list(shape)))
        alloc.memref.name_hint = name
        self._current.add_op(alloc)
        return alloc.memref

    def emit(self, cls: type[A.InstructionOp], operands: Sequence[SSAValue | None],
             **props: bool | int | float | str) -> A.InstructionOp:
        """Append an instruction; its unit is the one the target gives its kind
        unless ``unit=`` names one (a schedule binding an Einsum elsewhere)."""
        properties: dict[str, Attribute] = {}
        unit = props.pop("unit", None)
        for key, value in props.items():
            if isinstance(value, bool):
                properties[key] = BoolAttr.from_bool(value)
            elif isinstance(value, int):
                properties[key] = IntegerAttr(value, 64)
            elif isinstance(value, float):
                properties[key] = FloatAttr(value, 64)
            else:
                properties[key] = StringAttr(value)
        op = cls.build(operands=[o if o is not None else [] for o in operands],
                       properties=properties)
        op.properties["unit"] = StringAttr(
            unit if isinstance(unit, str) else self.target.unit_of(op.latency_kind))
        self._current.add_op(op)
        return op

    @contextmanager
    def inside(self, op: Operation) -> Iterator[None]:
        """Append ``op`` and emit into its (single-block) region."""
        self._current.add_op(op)
        outer, self._current = self._current, op.regions[0].block
        try:
            yield
        finally:
            self._current = outer

    def step(self):
        return self.inside(A.StepOp())

    def region(self) -> Region:
        return Region(self.block)


def check_buffers(kernel: A.KernelOp, anchor: Operation) -> None:
    """Fail at ``anchor`` when the kernel's buffers do not fit the target."""
    target = kernel.target.target
    sizes = buffer_bytes(kernel)
    total = sum(sizes.values())
    if total > target.buffer_bytes:
        name, largest = max(sizes.items(), key=lambda kv: kv[1])
        raise OpError(
            anchor,
            f"buffers do not fit target '{target.name}': buffer '{name}' needs "
            f"{largest} bytes, all buffers need {total} bytes, {target.buffer_bytes} "
            "bytes are available")


class OnlineSoftmax:
    """The buffers and instructions of FuseMax's 1-pass cascade on one query
    tile of ``rows`` rows: allocate with ``__init__``, ``start`` in the
    prologue, ``update`` in each step (QK of the step's key tile, its row
    max, the running max and rescale, exp, row sum, PV and the running
    numerator and sum), ``finish`` in the epilogue (the division)."""

    def __init__(self, body: KernelBody, rows: int, keys: int, dv: int):
        self.body = body
        self.scores = body.buffer("scores", [rows, keys])
        self.tile_max = body.buffer("tile_max", [rows])
        self.running_max = body.buffer("running_max", [rows])
        self.rescale = body.buffer("rescale", [rows])
        self.tile_sum = body.buffer("tile_sum", [rows])
        self.running_sum = body.buffer("running_sum", [rows])
        self.tile_out = body.buffer("tile_out", [rows, dv])
        self.numerator = body.buffer("numerator", [rows, dv])

    def start(self) -> None:
        self.body.emit(A.FillOp, [self.running_max], value=float("-inf"))
        self.body.emit(A.FillOp, [self.running_sum], value=0.0)
        self.body.emit(A.FillOp, [self.numerator], value=0.0)

    def update(self, q: SSAValue, k: SSAValue, v: SSAValue, scale: float,
               mask: SSAValue | None = None) -> None:
        body, s = self.body, self.scores
        body.emit(A.SddmmOp, [q, k, s, mask])
        body.emit(A.ScaleOp, [s], factor=scale)
        body.emit(A.ReduceOp, [s, self.tile_max], kind="max")
        body.emit(A.MaxUpdateOp, [self.running_max, self.tile_max, self.rescale])
        body.emit(A.ExpOp, [s, self.running_max])
        body.emit(A.ReduceOp, [s, self.tile_sum], kind="sum")
        body.emit(A.SpmmOp, [s, v, self.tile_out])
        body.emit(A.AccumulateOp, [self.numerator, self.running_sum, self.rescale,
                                   self.tile_out, self.tile_sum])

    def finish(self) -> SSAValue:
        self.body.emit(A.NormalizeOp, [self.numerator, self.running_sum])
        return self.numerator


def dram_types(kernel: A.KernelOp) -> list[TensorType]:
    """The tensor types of the kernel's DRAM operands and result."""
    return [cast(TensorType, v.type) for v in (*kernel.inputs, kernel.output)]


def block_iteration(kernel: A.KernelOp, bq: int, bk: int) -> A.BlocksAttr:
    """Block iterations of the kernel's pattern for tiles of bq x bk."""
    from xdsl.dialects.builtin import ArrayAttr, IntAttr

    from attn_ir.dialects.tile import tile_tables

    _, h, nq, nk, _, _ = kernel.dims
    tables = tile_tables(kernel.pattern.pattern, nq, nk, h, bq, bk)
    return A.BlocksAttr(IntAttr(bq), IntAttr(bk),
                        ArrayAttr(tables))


def rebuilt_kernel(kernel: A.KernelOp, body: KernelBody,
                   iteration: A.BlocksAttr | A.BandAttr, schedule: str,
                   **flags: bool) -> A.KernelOp:
    """A kernel like ``kernel`` with a new body, iterations and schedule."""
    new = A.KernelOp(list(kernel.inputs), kernel.target, iteration, kernel.pattern,
                     kernel.scale, cast(TensorType, kernel.output.type), body.region(),
                     schedule)
    for name, value in flags.items():
        new.properties[name] = BoolAttr.from_bool(value)
    return new
