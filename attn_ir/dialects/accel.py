"""The ``accel`` dialect: accelerator instructions.

A kernel runs attention for one ``tile.attention`` on a target.  Its work is
split into *lanes* (one per batch, head and query tile) and each lane walks
its *steps* (the key tiles of its tile-table row, or the parts of a
sliding-window band).  The body says what one lane does: the instructions
before ``accel.step`` (the prologue) run once per lane, those inside each
``accel.step`` once per step, those after it (the epilogue) once per lane.
On-chip buffers are ``memref.alloc``s inside the kernel; DRAM tensors are
the block arguments.

```mlir
%o = accel.kernel %q, %k, %v target #accel.target<"fusemax"> iteration #accel.blocks<...>
       pattern #attn.causal {scale = 0.125 : f64} : (...) -> tensor<1x12x1024x64xf16> {
^bb0(%qd: memref<...>, %kd: memref<...>, %vd: memref<...>, %od: memref<...>):
  %qb = memref.alloc() : memref<256x64xf16>
  ...
  accel.dma_load %qd, %qb {tile = "q", unit = "DMA"} : memref<...>, memref<256x64xf16>
  accel.step {
    accel.dma_load %kd, %kb {tile = "k", unit = "DMA"} : ...
    accel.sddmm %qb, %kb, %sb {unit = "PE2D"} : ...
    ...
  }
  accel.normalize %acc, %l {unit = "VEC1D"} : ...
  accel.dma_store %acc, %od {tile = "o", unit = "DMA"} : ...
}
```

Iterations: ``#accel.blocks<q = 64, k = 64, tables = [#tile.table<...>]>``
(block-sparse: the steps of a lane are its tile-table row; partial tiles
apply the pattern) or ``#accel.band<rows = 32, cols = 32, parts = 16,
left = 256, right = 255, dilation = [1], globals = [0]>`` (SALO: part p of
query tile t covers, for row i, keys ``i + (p * cols + c - left) *
dilation``; global keys and global queries run on the extra global PEs).

Every instruction names the unit that executes it (``unit``), so the
hardware model can build a per-unit timeline.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import fields
from typing import ClassVar, cast

from xdsl.dialects.builtin import (
    ArrayAttr,
    BoolAttr,
    FloatAttr,
    IntAttr,
    IntegerAttr,
    MemRefType,
    StringAttr,
    TensorType,
)
from xdsl.ir import Attribute, Block, Dialect, ParametrizedAttribute, Region, SSAValue
from xdsl.irdl import (
    IRDLOperation,
    ParsePropInAttrDict,
    irdl_attr_definition,
    irdl_op_definition,
    operand_def,
    opt_operand_def,
    opt_prop_def,
    prop_def,
    region_def,
    result_def,
    traits_def,
    var_operand_def,
)
from xdsl.parser import AttrParser
from xdsl.printer import Printer
from xdsl.traits import NoTerminator
from xdsl.utils.exceptions import VerifyException

from attn_ir import patterns as P
from attn_ir import targets as T
from attn_ir.dialects.attn import PatternAttr, verify_scale
from attn_ir.dialects.tile import TileTableAttr


@irdl_attr_definition
class TargetAttr(ParametrizedAttribute):
    """``#accel.target<"salo">`` names a preset of ``attn_ir.targets``;
    ``#accel.target<"salo", pe_rows = 64, clock_hz = 2.0e9>`` overrides some
    of its parameters (integers or floats)."""

    name = "accel.target"
    preset: StringAttr
    overrides: ArrayAttr[ArrayAttr]

    def __init__(self, preset: str, overrides: dict[str, int | float] | None = None):
        items = [ArrayAttr([StringAttr(k), _number_attr(v)])
                 for k, v in sorted((overrides or {}).items())]
        super().__init__(StringAttr(preset), ArrayAttr(items))

    @property
    def override_dict(self) -> dict[str, int | float]:
        out = {}
        for pair in self.overrides.data:
            key, value = pair.data
            out[cast(StringAttr, key).data] = (
                value.data if isinstance(value, IntAttr) else cast(FloatAttr, value).value.data)
        return out

    @property
    def target(self) -> T.Target:
        return T.with_overrides(T.get_target(self.preset.data), **self.override_dict)

    def verify(self) -> None:
        if self.preset.data not in T.presets():
            raise VerifyException(
                f"#accel.target: unknown target '{self.preset.data}'; known: "
                + ", ".join(sorted(T.presets())))
        try:
            self.target
        except (KeyError, TypeError) as e:
            raise VerifyException(f"#accel.target: {e.args[0]}") from None
        # The passes and the latency model divide by sizes and rates: only
        # numbers of the parameter's kind, positive where they size or clock.
        kinds = {f.name: str(f.type) for f in fields(T.Target)}
        for key, value in self.override_dict.items():
            if kinds[key] not in ("int", "float"):
                raise VerifyException(f"#accel.target: '{key}' is not a numeric parameter")
            if kinds[key] == "int" and not isinstance(value, int):
                raise VerifyException(f"#accel.target: '{key}' must be an integer, got {value}")
            if value < 0 or (value == 0 and key in _POSITIVE_PARAMETERS):
                raise VerifyException(
                    f"#accel.target: '{key}' must be "
                    f"{'positive' if key in _POSITIVE_PARAMETERS else 'non-negative'}, "
                    f"got {value}")

    def print_parameters(self, printer: Printer) -> None:
        with printer.in_angle_brackets():
            printer.print_string_literal(self.preset.data)
            for key, value in self.override_dict.items():
                printer.print_string(f", {key} = {_number_text(value)}")

    @classmethod
    def parse_parameters(cls, parser: AttrParser) -> Sequence[Attribute]:
        overrides: dict[str, int | float] = {}
        with parser.in_angle_brackets():
            preset = parser.parse_str_literal(" (a target name)")
            while parser.parse_optional_punctuation(",") is not None:
                key = parser.parse_identifier(" (a target parameter)")
                parser.parse_punctuation("=")
                value = parser.parse_number(context_msg=f" for target parameter '{key}'")
                overrides[key] = value
        return [StringAttr(preset), ArrayAttr(
            [ArrayAttr([StringAttr(k), _number_attr(v)]) for k, v in sorted(overrides.items())])]


def target_from_option(text: str, pass_name: str) -> TargetAttr:
    """A pass's ``target`` option: a preset name (``target=salo``) or a whole
    ``#accel.target`` attribute with overrides, quoted as MLIR quotes
    attribute-valued options (``target="#accel.target<\\"salo\\", pe_rows = 64>"``),
    so design sweeps can lower for a target that is not a preset.  Raises
    ValueError naming the pass."""
    import re

    if text in T.presets():
        return TargetAttr(text)
    found = re.fullmatch(r'\s*#accel\.target<\s*"([^"]*)"((?:\s*,\s*\w+\s*=\s*[-+0-9.eE]+)*)\s*>\s*',
                         text)
    if found is None:
        raise ValueError(f"{pass_name}: unknown target '{text}'; known: "
                         f"{', '.join(sorted(T.presets()))}, or an #accel.target<...> attribute")
    overrides: dict[str, int | float] = {}
    for key, value in re.findall(r"(\w+)\s*=\s*([-+0-9.eE]+)", found.group(2)):
        try:
            overrides[key] = int(value) if re.fullmatch(r"[-+]?[0-9]+", value) else float(value)
        except ValueError:
            raise ValueError(f"{pass_name}: target parameter '{key}': '{value}' is not a "
                             "number") from None
    if found.group(1) not in T.presets():
        raise ValueError(f"{pass_name}: unknown target '{found.group(1)}'; known: "
                         f"{', '.join(sorted(T.presets()))}")
    try:
        attr = TargetAttr(found.group(1), overrides)  # the constructor verifies
    except VerifyException as e:
        raise ValueError(f"{pass_name}: {e}") from None
    return attr


_POSITIVE_PARAMETERS = frozenset((
    "pe_rows", "pe_cols", "vec_lanes", "buffer_bytes", "clock_hz", "dram_bytes_per_s",
    "elem_bits", "exp_cycles"))
"""Target parameters that must be positive (the others must not be negative)."""


def _number_attr(value: int | float) -> Attribute:
    return IntAttr(value) if isinstance(value, int) else FloatAttr(float(value), 64)


def _number_text(value: int | float) -> str:
    """A number as the parser reads it back: a float literal needs a '.'
    (Python writes 1e16 as ``1e+16``; the lexer wants ``1.0e+16``)."""
    text = repr(value)
    if isinstance(value, float) and "e" in text and "." not in text:
        mantissa, exponent = text.split("e")
        text = f"{mantissa}.0e{exponent}"
    return text


@irdl_attr_definition
class BlocksAttr(ParametrizedAttribute):
    """Block-sparse iterations: lanes are (batch, head, query tile of ``q``
    rows), steps the key tiles of ``k`` columns listed in the lane's row of
    the head's tile table."""

    name = "accel.blocks"
    q: IntAttr
    k: IntAttr
    tables: ArrayAttr[TileTableAttr]

    def print_parameters(self, printer: Printer) -> None:
        with printer.in_angle_brackets():
            printer.print_string(f"q = {self.q.data}, k = {self.k.data}, tables = ")
            printer.print_attribute(self.tables)

    @classmethod
    def parse_parameters(cls, parser: AttrParser) -> Sequence[Attribute]:
        with parser.in_angle_brackets():
            parser.parse_keyword("q")
            parser.parse_punctuation("=")
            q = parser.parse_integer()
            parser.parse_punctuation(",")
            parser.parse_keyword("k")
            parser.parse_punctuation("=")
            k = parser.parse_integer()
            parser.parse_punctuation(",")
            parser.parse_keyword("tables")
            parser.parse_punctuation("=")
            tables = parser.parse_attribute()
        if not isinstance(tables, ArrayAttr):
            parser.raise_error("#accel.blocks: 'tables' must be a list of #tile.table")
        return [IntAttr(q), IntAttr(k), tables]


_BAND_FIELDS = ("rows", "cols", "parts", "left", "right")


@irdl_attr_definition
class BandAttr(ParametrizedAttribute):
    """Sliding-window band iterations (SALO's data scheduler): lanes are
    (batch, head, query tile of ``rows``), steps the ``parts`` diagonal
    parts of ``cols`` keys each; ``globals`` run on the global PEs."""

    name = "accel.band"
    rows: IntAttr
    cols: IntAttr
    parts: IntAttr
    left: IntAttr
    right: IntAttr
    dilation: ArrayAttr[IntAttr]
    globals: ArrayAttr[IntAttr]

    def print_parameters(self, printer: Printer) -> None:
        with printer.in_angle_brackets():
            for name in _BAND_FIELDS:
                printer.print_string(f"{name} = {getattr(self, name).data}, ")
            # Plain integer lists, as parse_parameters reads them (an
            # ArrayAttr of IntAttr would print as [#builtin.int<1>]).
            for n, name in enumerate(("dilation", "globals")):
                values = ", ".join(str(x.data) for x in getattr(self, name).data)
                printer.print_string(f"{', ' if n else ''}{name} = [{values}]")

    @classmethod
    def parse_parameters(cls, parser: AttrParser) -> Sequence[Attribute]:
        values: list[Attribute] = []
        with parser.in_angle_brackets():
            for name in _BAND_FIELDS:
                parser.parse_keyword(name)
                parser.parse_punctuation("=")
                values.append(IntAttr(parser.parse_integer()))
                parser.parse_punctuation(",")
            for n, name in enumerate(("dilation", "globals")):
                if n:
                    parser.parse_punctuation(",")
                parser.parse_keyword(name)
                parser.parse_punctuation("=")
                values.append(ArrayAttr([IntAttr(x) for x in parser.parse_comma_separated_list(
                    parser.Delimiter.SQUARE, parser.parse_integer)]))
        return values

    def head_dilation(self, head: int) -> int:
        d = self.dilation.data
        return (d[head] if len(d) > 1 else d[0]).data


# -- the kernel ----------------------------------------------------------------


class KernelInterface(IRDLOperation):
    """What every kernel op (``accel.kernel`` and the kernels systems add)
    offers the passes and the hardware model: its flags, its on-chip
    buffers (``memref.alloc``s in its body) and which of them have two
    copies.  Subclasses name the instructions that load from DRAM
    (``dma_loads``)."""

    def dma_loads(self) -> tuple[type, ...]:
        return ()

    def flag(self, name: str) -> bool:
        """Whether the optional boolean property ``name`` is set."""
        attr = getattr(self, name, None)
        return attr is not None and attr.value.data != 0

    def buffers(self) -> list[SSAValue]:
        from xdsl.dialects.memref import AllocOp

        return [op.memref for op in self.walk() if isinstance(op, AllocOp)]

    def double_buffered(self) -> set[SSAValue]:
        """Buffers with two copies.  ``double_buffer``: every DMA target (the
        next step's or lane's load overlaps this one's compute); ``pipeline``:
        every other buffer (consecutive steps and lanes overlap across units)."""
        loads = self.dma_loads()
        dma = {op.dest for op in self.walk() if isinstance(op, loads)}
        out = set(dma) if self.flag("double_buffer") else set()
        if self.flag("pipeline"):
            out |= set(self.buffers()) - dma
        return out


def lane_state_buffers(kernel: KernelInterface) -> list[SSAValue]:
    """Buffers a lane sets up before its steps and carries through them (its
    Q tile and running state): what a ``query_block`` keeps per query tile."""
    from xdsl.dialects.memref import AllocOp

    written = set()
    for op in kernel.body.block.ops:
        if isinstance(op, StepOp):
            break
        if isinstance(op, InstructionOp):
            written.update(op.operands_in(op.WRITES + op.UPDATES))
    used = {v for step in kernel.body.block.ops if isinstance(step, StepOp)
            for op in step.body.block.ops if isinstance(op, InstructionOp)
            for v in op.operands}
    return [b for b in kernel.buffers()
            if b in written and b in used and isinstance(b.owner, AllocOp)]


def _single_bytes(buf: SSAValue) -> int:
    """One copy of a buffer, sub-byte elements packed: ceil(elements * bits / 8)."""
    t = cast(MemRefType, buf.type)
    return -(-math.prod(t.get_shape()) * t.element_type.bitwidth // 8)


def buffer_bytes(kernel: KernelInterface) -> dict[str, int]:
    """On-chip bytes of each buffer of a kernel, doubled where the schedule
    double-buffers it; with ``kv_resident``, also one head's K and V; with
    ``query_block = P1``, the Q tiles and running state of P1 query tiles
    (one copy each: a tile's state is touched by its own steps only); a
    spilled buffer keeps one row on chip to stage the rows that live in DRAM."""
    doubled = kernel.double_buffered()
    query_block = getattr(kernel, "query_block", None)
    resident = lane_state_buffers(kernel) if query_block is not None else []
    spilled: dict[SSAValue, int] = {}
    for op in kernel.walk():
        if isinstance(op, SpillOp):
            spilled[op.buffer] = max(spilled.get(op.buffer, 0), op.rows.value.data)
    sizes = {}
    for buf in kernel.buffers():
        if buf in resident:
            continue
        size = _single_bytes(buf) * (2 if buf in doubled else 1)
        if buf in spilled:
            rows = cast(MemRefType, buf.type).get_shape()[0]
            size = size * (rows - spilled[buf] + 1) // rows
        sizes[buf.name_hint or f"buffer{len(sizes)}"] = size
    if resident:
        sizes["query_block"] = query_block.value.data * sum(_single_bytes(b) for b in resident)
    if kernel.flag("kv_resident"):
        sizes["kv_resident"] = kv_bytes(kernel)
    return sizes


def kv_bytes(kernel: KernelInterface) -> int:
    """Bytes of one head's K and V, in their DRAM element types."""
    _, _, _, nk, d, dv = kernel.dims
    k_elem = cast(TensorType, kernel.inputs[1].type).element_type.bitwidth // 8
    v_elem = cast(TensorType, kernel.inputs[2].type).element_type.bitwidth // 8
    return nk * (d * k_elem + dv * v_elem)


@irdl_op_definition
class KernelOp(KernelInterface):
    """Attention of q, k, v (and a mask) on ``target``, as the instructions
    of one lane (see the module docstring).  ``double_buffer`` lets the DMA
    of the next step overlap the current step's compute; ``pipeline``
    double-buffers the other buffers, so the vector array works on step s
    while the 2-D array starts step s + 1 (FuseMax, SALO's merge).  ``kv_resident``
    keeps a head's K and V on chip, so lanes after the first reuse them.
    ``query_block = P1``: P1 consecutive query tiles of a head are one block
    whose Q and running state stay on chip while K and V stream past once
    per block (FuseMax's P1 loop; the hardware interleaves the block's lanes
    per key tile, lanes being independent).
    ``overlap_lanes``: a unit may run an instruction in the idle interval
    before its latest one when the operands are ready (the next row block's
    first QK ahead of this block's last PV: FLAT's pipelined row blocks).
    ``lane_heads = G``: a lane holds G consecutive heads of its batch element
    (and query tile), its buffers one slice per head (a polarised kernel runs a layer's
    heads together on column groups of its array).  The heads and queries
    are the result's (an input may be compressed: encoded Q and K)."""

    name = "accel.kernel"
    inputs = var_operand_def(TensorType)
    target = prop_def(TargetAttr)
    iteration = prop_def(BlocksAttr | BandAttr)
    pattern = prop_def(PatternAttr)
    scale = prop_def(FloatAttr)
    schedule = opt_prop_def(StringAttr)
    double_buffer = opt_prop_def(BoolAttr)
    pipeline = opt_prop_def(BoolAttr)
    kv_resident = opt_prop_def(BoolAttr)
    lane_heads = opt_prop_def(IntegerAttr)
    query_block = opt_prop_def(IntegerAttr)
    overlap_lanes = opt_prop_def(BoolAttr)
    output = result_def(TensorType)
    body = region_def("single_block")
    traits = traits_def(NoTerminator())
    irdl_options = (ParsePropInAttrDict(),)
    assembly_format = (
        "$inputs `target` qualified($target) `iteration` $iteration `pattern` $pattern "
        "attr-dict `:` functional-type($inputs, $output) $body"
    )

    def __init__(self, inputs: Sequence[SSAValue], target: TargetAttr,
                 iteration: BlocksAttr | BandAttr, pattern: PatternAttr, scale: FloatAttr,
                 result_type: TensorType, body: Region, schedule: str = "generic"):
        super().__init__(
            operands=[inputs], result_types=[result_type], regions=[body],
            properties={"target": target, "iteration": iteration, "pattern": pattern,
                        "scale": scale, "schedule": StringAttr(schedule)})

    @property
    def dims(self) -> tuple[int, int, int, int, int, int]:
        b, h, nq, _ = cast(TensorType, self.output.type).get_shape()
        d = cast(TensorType, self.inputs[0].type).get_shape()[3]
        _, _, nk, dv = cast(TensorType, self.inputs[2].type).get_shape()
        return b, h, nq, nk, d, dv

    @property
    def has_mask(self) -> bool:
        return len(self.inputs) == 4

    def verify_(self) -> None:
        if len(self.inputs) not in (3, 4):
            raise VerifyException(f"'{self.name}' takes q, k, v and an optional mask")
        for what, value in zip(("q", "k", "v", "mask"), self.inputs):
            if len(cast(TensorType, value.type).get_shape()) != 4:
                raise VerifyException(
                    f"'{self.name}' {what} must be a rank-4 tensor, got {value.type}")
        args = self.body.block.args
        if len(args) != len(self.inputs) + 1:
            raise VerifyException(
                f"'{self.name}' body needs one DRAM argument per input and one for "
                f"the result ({len(self.inputs) + 1}), got {len(args)}")
        for arg, value in zip(args, [*self.inputs, self.output]):
            t = cast(TensorType, value.type)
            if not isinstance(arg.type, MemRefType) or tuple(arg.type.get_shape()) != tuple(t.get_shape()):
                raise VerifyException(
                    f"'{self.name}' DRAM argument {arg.name_hint or arg.index} must be a "
                    f"memref of shape {'x'.join(map(str, t.get_shape()))}")
        steps = [op for op in self.body.block.ops if isinstance(op, StepOp)]
        if not steps:
            raise VerifyException(f"'{self.name}' body needs at least one accel.step")
        for inner in self.body.walk():
            if not (inner.name.startswith("accel.") or inner.name == "memref.alloc"):
                raise VerifyException(
                    f"'{self.name}' body may hold accel instructions and memref.alloc "
                    f"only, got '{inner.name}'")
        _, h, nq, nk, _, _ = self.dims
        if self.query_block is not None and self.query_block.value.data <= 0:
            raise VerifyException(f"'{self.name}' query_block must be positive, got "
                                  f"{self.query_block.value.data}")
        if self.lane_heads is not None and (
                self.lane_heads.value.data <= 0 or h % self.lane_heads.value.data):
            raise VerifyException(f"'{self.name}' lane_heads must divide the {h} heads, got "
                                  f"{self.lane_heads.value.data}")
        verify_scale(self, self.scale.value.data,
                     cast(TensorType, self.inputs[0].type).element_type)
        try:
            self.pattern.pattern.validate(nq, nk, h)
        except P.PatternError as e:
            raise VerifyException(f"'{self.name}' {e}") from None
        it = self.iteration
        if isinstance(it, BlocksAttr):
            if it.q.data <= 0 or it.k.data <= 0:
                raise VerifyException(
                    f"'{self.name}' tile sizes must be positive, got {it.q.data}x{it.k.data}")
            if len(it.tables.data) not in (1, h):
                raise VerifyException(f"'{self.name}' needs one tile table or one per head "
                                      f"({h}), got {len(it.tables.data)}")
            nqt = -(-nq // it.q.data)
            for t in it.tables.data:
                if t.num_query_tiles != nqt:
                    raise VerifyException(
                        f"'{self.name}' tile table has {t.num_query_tiles} query tiles, "
                        f"expected {nqt} ({nq} queries in tiles of {it.q.data})")
        elif len(it.dilation.data) not in (1, h):
            raise VerifyException(f"'{self.name}' band dilation needs one entry or one per "
                                  f"head ({h}), got {len(it.dilation.data)}")

    def dma_loads(self) -> tuple[type, ...]:
        return (DmaLoadOp,)


@irdl_op_definition
class StepOp(IRDLOperation):
    """The instructions run once per step of the lane (per key tile or band part)."""

    name = "accel.step"
    body = region_def("single_block")
    traits = traits_def(NoTerminator())
    assembly_format = "attr-dict-with-keyword $body"

    def __init__(self, ops: Sequence[IRDLOperation] = ()):
        super().__init__(regions=[Region(Block(ops))])


# -- instructions --------------------------------------------------------------


class InstructionOp(IRDLOperation):
    """An instruction.  ``KIND`` keys the target's latency model and unit
    map; ``unit`` says which unit executes this one.  Every operand is a
    buffer: subclasses declare them ``operand_def(MemRefType)``."""

    KIND: ClassVar[str]
    READS: ClassVar[tuple[str, ...]] = ()
    """Operands read."""
    WRITES: ClassVar[tuple[str, ...]] = ()
    """Operands written afresh (a new version of the buffer)."""
    UPDATES: ClassVar[tuple[str, ...]] = ()
    """Operands read and written in place."""
    unit = prop_def(StringAttr)
    irdl_options = (ParsePropInAttrDict(),)
    SLICED_OPERAND: ClassVar[str | None] = None
    """The row-buffer operand that a ``sliced`` instance touches one step's
    slice of (timing lets consecutive steps' slices overlap)."""

    def operands_in(self, names: tuple[str, ...]) -> list[SSAValue]:
        return [v for n in names if (v := getattr(self, n)) is not None]

    @property
    def latency_kind(self) -> str:
        """The key of the target's latency model and unit map."""
        return self.KIND

    def buffer_shapes(self) -> list[tuple[int, ...]]:
        return [tuple(cast(MemRefType, o.type).get_shape()) for o in self.operands]

    def verify_(self) -> None:
        unit = self.unit.data
        if unit not in T.UNITS:
            raise VerifyException(
                f"'{self.name}' unit '{unit}' is not one of {', '.join(T.UNITS)}")
        # Operands are memrefs by their declarations (operand_def(MemRefType)):
        # xDSL rejects any other type before this runs.
        self.verify_shapes()

    def verify_shapes(self) -> None:
        pass


def _shape_error(op: IRDLOperation, message: str) -> VerifyException:
    return VerifyException(f"'{op.name}' {message}")


@irdl_op_definition
class DmaLoadOp(InstructionOp):
    """Copy this lane's (``tile = "q"``, ``"mask"``) or this step's (``"k"``,
    ``"v"``) tile from DRAM into a buffer; ``bits`` is the width of each
    element moved (for reduced-precision transfers)."""

    name = "accel.dma_load"
    KIND: ClassVar[str] = "dma_load"
    WRITES: ClassVar[tuple[str, ...]] = ('dest',)
    source = operand_def(MemRefType)
    dest = operand_def(MemRefType)
    tile = prop_def(StringAttr)
    bits = opt_prop_def(IntegerAttr)
    assembly_format = "$source `,` $dest attr-dict `:` type($source) `,` type($dest)"

    def verify_shapes(self) -> None:
        if self.tile.data not in ("q", "k", "v", "mask"):
            raise _shape_error(self, f"tile must be q, k, v or mask, got '{self.tile.data}'")


@irdl_op_definition
class DmaStoreOp(InstructionOp):
    """Copy a buffer holding this lane's output rows to DRAM (except rows of
    global queries, which ``accel.global_rows`` writes)."""

    name = "accel.dma_store"
    KIND: ClassVar[str] = "dma_store"
    READS: ClassVar[tuple[str, ...]] = ('source',)
    source = operand_def(MemRefType)
    dest = operand_def(MemRefType)
    assembly_format = "$source `,` $dest attr-dict `:` type($source) `,` type($dest)"


@irdl_op_definition
class FillOp(InstructionOp):
    """Set every element of a buffer to ``value``."""

    name = "accel.fill"
    KIND: ClassVar[str] = "fill"
    WRITES: ClassVar[tuple[str, ...]] = ('dest',)
    dest = operand_def(MemRefType)
    value = prop_def(FloatAttr)
    assembly_format = "$dest attr-dict `:` type($dest)"


@irdl_op_definition
class SddmmOp(InstructionOp):
    """S = Q K^T on the 2-D array, masked: keys out of range are -inf always,
    and on partial tiles (or band parts) so are pairs the pattern excludes.
    With ``sliced``, S is the slice of a row buffer at column ``step * k``.
    ``dataflow``: ``os`` (default; rows x keys spatial, the head dimension
    streamed) or ``ws`` (keys x head dimension spatial, rows streamed)."""

    name = "accel.sddmm"
    KIND: ClassVar[str] = "sddmm"
    READS: ClassVar[tuple[str, ...]] = ('q', 'k', 'mask')
    WRITES: ClassVar[tuple[str, ...]] = ('scores',)
    q = operand_def(MemRefType)
    k = operand_def(MemRefType)
    scores = operand_def(MemRefType)
    mask = opt_operand_def(MemRefType)
    sliced = opt_prop_def(BoolAttr)
    dataflow = opt_prop_def(StringAttr)
    SLICED_OPERAND: ClassVar[str] = "scores"
    assembly_format = ("$q `,` $k `,` $scores (`mask` $mask^)? attr-dict `:` type($q) `,` "
                       "type($k) `,` type($scores) (`,` type($mask)^)?")

    def verify_shapes(self) -> None:
        shapes = self.buffer_shapes()[:3]
        if any(len(s) != 2 for s in shapes):
            raise _shape_error(self, "q, k and scores buffers must be 2-D, got "
                               + ", ".join("x".join(map(str, s)) for s in shapes))
        (rq, d), (rk, dk), (rs, _) = shapes
        if d != dk:
            raise _shape_error(self, f"q and k buffers disagree on the head dimension ({d} vs {dk})")
        if rs != rq:
            raise _shape_error(self, f"scores buffer has {rs} rows, q has {rq}")


@irdl_op_definition
class ScaleOp(InstructionOp):
    """S = factor * S."""

    name = "accel.scale"
    KIND: ClassVar[str] = "scale"
    UPDATES: ClassVar[tuple[str, ...]] = ('data',)
    data = operand_def(MemRefType)
    factor = prop_def(FloatAttr)
    assembly_format = "$data attr-dict `:` type($data)"


@irdl_op_definition
class ReduceOp(InstructionOp):
    """Row reduction (``kind`` = ``max`` or ``sum``) of S into a [rows] buffer.
    With ``sliced``, S is the step's slice of a row buffer (columns ``step *
    k`` on) and the reduction accumulates into the destination (FLAT's max
    pass streaming behind QK)."""

    name = "accel.reduce"
    KIND: ClassVar[str] = "reduce"
    READS: ClassVar[tuple[str, ...]] = ('source',)
    WRITES: ClassVar[tuple[str, ...]] = ('dest',)
    source = operand_def(MemRefType)
    dest = operand_def(MemRefType)
    kind = prop_def(StringAttr)
    sliced = opt_prop_def(BoolAttr)
    assembly_format = "$source `,` $dest attr-dict `:` type($source) `,` type($dest)"
    SLICED_OPERAND: ClassVar[str] = "source"

    @property
    def latency_kind(self) -> str:
        return f"reduce_{self.kind.data}"

    def verify_shapes(self) -> None:
        if self.kind.data not in ("max", "sum"):
            raise _shape_error(self, f"kind must be max or sum, got '{self.kind.data}'")
        src, dst = self.buffer_shapes()
        if len(src) != 2:
            raise _shape_error(self, "source must be a 2-D buffer (rows x columns), got "
                               + "x".join(map(str, src)))
        if dst != src[:1]:
            raise _shape_error(self, f"destination must have shape {src[0]} (one element "
                                     f"per source row), got {'x'.join(map(str, dst))}")


@irdl_op_definition
class MaxUpdateOp(InstructionOp):
    """Running max: m' = max(m, m_tile); factor = exp(m - m') (0 while m is -inf)."""

    name = "accel.max_update"
    KIND: ClassVar[str] = "max_update"
    READS: ClassVar[tuple[str, ...]] = ('tile_max',)
    WRITES: ClassVar[tuple[str, ...]] = ('factor',)
    UPDATES: ClassVar[tuple[str, ...]] = ('running',)
    running = operand_def(MemRefType)
    tile_max = operand_def(MemRefType)
    factor = operand_def(MemRefType)
    assembly_format = ("$running `,` $tile_max `,` $factor attr-dict `:` type($running) `,` "
                       "type($tile_max) `,` type($factor)")


@irdl_op_definition
class ExpOp(InstructionOp):
    """S = exp(S - shift) row-wise (S = exp(S) without a shift), with the
    target's exp implementation; exp(-inf) = 0.  With ``factor`` (> 0), S =
    exp(factor * (S - shift)): the softmax scale folded into the exp's range
    reduction (max(c x) = c max(x) for c > 0).  ``shift`` has one element per
    row, or S's shape (an element-wise difference: FuseMax's PRM)."""

    name = "accel.exp"
    KIND: ClassVar[str] = "exp"
    READS: ClassVar[tuple[str, ...]] = ('shift',)
    UPDATES: ClassVar[tuple[str, ...]] = ('data',)
    data = operand_def(MemRefType)
    shift = opt_operand_def(MemRefType)
    factor = opt_prop_def(FloatAttr)
    assembly_format = "$data (`shift` $shift^)? attr-dict `:` type($data) (`,` type($shift)^)?"


@irdl_op_definition
class SpmmOp(InstructionOp):
    """O = P V on the 2-D array (P holds zeros where pairs were masked).  With
    ``sliced``, P is the step's slice of a row buffer and O accumulates.
    ``dataflow``: ``os`` (default; P stationary, V's columns streamed) or
    ``ws`` (keys x value dimension spatial, rows streamed)."""

    name = "accel.spmm"
    KIND: ClassVar[str] = "spmm"
    READS: ClassVar[tuple[str, ...]] = ('p', 'v')
    WRITES: ClassVar[tuple[str, ...]] = ('out',)
    p = operand_def(MemRefType)
    v = operand_def(MemRefType)
    out = operand_def(MemRefType)
    sliced = opt_prop_def(BoolAttr)
    dataflow = opt_prop_def(StringAttr)
    SLICED_OPERAND: ClassVar[str] = "p"
    assembly_format = "$p `,` $v `,` $out attr-dict `:` type($p) `,` type($v) `,` type($out)"


@irdl_op_definition
class AccumulateOp(InstructionOp):
    """Running numerator and sum: acc = acc * factor + O_tile; l = l * factor
    + l_tile (FuseMax's 1-pass cascade)."""

    name = "accel.accumulate"
    KIND: ClassVar[str] = "accumulate"
    READS: ClassVar[tuple[str, ...]] = ('factor', 'tile_out', 'tile_sum')
    UPDATES: ClassVar[tuple[str, ...]] = ('acc', 'total')
    acc = operand_def(MemRefType)
    total = operand_def(MemRefType)
    factor = operand_def(MemRefType)
    tile_out = operand_def(MemRefType)
    tile_sum = operand_def(MemRefType)
    assembly_format = ("$acc `,` $total `,` $factor `,` $tile_out `,` $tile_sum attr-dict `:` "
                       "type($acc) `,` type($total) `,` type($factor) `,` type($tile_out) `,` "
                       "type($tile_sum)")


@irdl_op_definition
class MergeOp(InstructionOp):
    """Weighted merge of a normalised partial result (SALO): acc = (l * acc +
    l_tile * O_tile) / (l + l_tile); l = l + l_tile."""

    name = "accel.merge"
    KIND: ClassVar[str] = "merge"
    READS: ClassVar[tuple[str, ...]] = ('tile_out', 'tile_sum')
    UPDATES: ClassVar[tuple[str, ...]] = ('acc', 'total')
    acc = operand_def(MemRefType)
    total = operand_def(MemRefType)
    tile_out = operand_def(MemRefType)
    tile_sum = operand_def(MemRefType)
    assembly_format = ("$acc `,` $total `,` $tile_out `,` $tile_sum attr-dict `:` type($acc) "
                       "`,` type($total) `,` type($tile_out) `,` type($tile_sum)")


@irdl_op_definition
class NormalizeOp(InstructionOp):
    """X = X / l row-wise (0 where l is 0).  With ``sliced``, only the step's
    slice of a row buffer (FLAT's divide pass streaming ahead of PV)."""

    name = "accel.normalize"
    KIND: ClassVar[str] = "normalize"
    READS: ClassVar[tuple[str, ...]] = ('total',)
    UPDATES: ClassVar[tuple[str, ...]] = ('data',)
    data = operand_def(MemRefType)
    total = operand_def(MemRefType)
    sliced = opt_prop_def(BoolAttr)
    SLICED_OPERAND: ClassVar[str] = "data"
    assembly_format = "$data `,` $total attr-dict `:` type($data) `,` type($total)"


@irdl_op_definition
class GlobalRowsOp(InstructionOp):
    """The global queries among this lane's rows attend every key, on the
    global PE row (SALO), which reads the keys and values streaming past it
    and writes those output rows to DRAM itself (``dma_store`` leaves them
    alone).  All operands are DRAM, so it runs beside the main array."""

    name = "accel.global_rows"
    KIND: ClassVar[str] = "global_rows"
    READS: ClassVar[tuple[str, ...]] = ('q', 'k', 'v')
    WRITES: ClassVar[tuple[str, ...]] = ('out',)
    q = operand_def(MemRefType)
    k = operand_def(MemRefType)
    v = operand_def(MemRefType)
    out = operand_def(MemRefType)
    assembly_format = ("$q `,` $k `,` $v `,` $out attr-dict `:` type($q) `,` type($k) `,` "
                       "type($v) `,` type($out)")


@irdl_op_definition
class RunningMaxOp(InstructionOp):
    """FuseMax's RM Einsum: previous = m; m = max(m, m_tile)."""

    name = "accel.running_max"
    KIND: ClassVar[str] = "running_max"
    READS: ClassVar[tuple[str, ...]] = ('tile_max',)
    WRITES: ClassVar[tuple[str, ...]] = ('previous',)
    UPDATES: ClassVar[tuple[str, ...]] = ('running',)
    running = operand_def(MemRefType)
    tile_max = operand_def(MemRefType)
    previous = operand_def(MemRefType)
    unit = prop_def(StringAttr)
    irdl_options = (ParsePropInAttrDict(),)
    assembly_format = ("$running `,` $tile_max `,` $previous attr-dict `:` type($running) `,` "
                       "type($tile_max) `,` type($previous)")

    def verify_shapes(self) -> None:
        shapes = self.buffer_shapes()
        if len(set(shapes)) != 1 or len(shapes[0]) != 1:
            raise _shape_error(self, "running, tile_max and previous must be [rows] buffers "
                               "of one shape, got " + ", ".join("x".join(map(str, s))
                                                             for s in shapes))


@irdl_op_definition
class RescaleOp(InstructionOp):
    """X = X * f row-wise (FuseMax's SPD and SPNV Einsums)."""

    name = "accel.rescale"
    KIND: ClassVar[str] = "rescale"
    READS: ClassVar[tuple[str, ...]] = ('factor',)
    WRITES: ClassVar[tuple[str, ...]] = ()
    UPDATES: ClassVar[tuple[str, ...]] = ('data',)
    data = operand_def(MemRefType)
    factor = operand_def(MemRefType)
    unit = prop_def(StringAttr)
    irdl_options = (ParsePropInAttrDict(),)
    assembly_format = "$data `,` $factor attr-dict `:` type($data) `,` type($factor)"

    def verify_shapes(self) -> None:
        data, factor = self.buffer_shapes()
        if factor != data[:1]:
            raise _shape_error(self, f"factor must have shape {data[0]} (one element per "
                                     f"row), got {'x'.join(map(str, factor))}")


@irdl_op_definition
class AddOp(InstructionOp):
    """X = X + Y element-wise (FuseMax's RD and RNV Einsums)."""

    name = "accel.add"
    KIND: ClassVar[str] = "add"
    READS: ClassVar[tuple[str, ...]] = ('addend',)
    WRITES: ClassVar[tuple[str, ...]] = ()
    UPDATES: ClassVar[tuple[str, ...]] = ('acc',)
    acc = operand_def(MemRefType)
    addend = operand_def(MemRefType)
    unit = prop_def(StringAttr)
    irdl_options = (ParsePropInAttrDict(),)
    assembly_format = "$acc `,` $addend attr-dict `:` type($acc) `,` type($addend)"

    def verify_shapes(self) -> None:
        acc, addend = self.buffer_shapes()
        if acc != addend:
            raise _shape_error(self, f"acc and addend disagree on shape "
                                     f"({'x'.join(map(str, acc))} vs {'x'.join(map(str, addend))})")


@irdl_op_definition
class SpillOp(InstructionOp):
    """Move ``rows`` rows of a row buffer that does not fit on chip to DRAM
    (``direction = "store"``) or back (``"load"``); with ``sliced``, the
    step's slice of those rows only.  The values stay where the model keeps
    them (functionally a no-op); the transfer costs DRAM bytes and DMA time.
    It streams beside the passes over the resident rows, so it orders
    against nothing but its DMA channel (FLAT's spilled score rows)."""

    name = "accel.spill"
    KIND: ClassVar[str] = "spill"
    buffer = operand_def(MemRefType)
    rows = prop_def(IntegerAttr)
    direction = prop_def(StringAttr)
    sliced = opt_prop_def(BoolAttr)
    unit = prop_def(StringAttr)
    irdl_options = (ParsePropInAttrDict(),)
    assembly_format = "$buffer attr-dict `:` type($buffer)"

    @property
    def latency_kind(self) -> str:
        return f"spill_{self.direction.data}"

    def verify_shapes(self) -> None:
        if self.direction.data not in ("store", "load"):
            raise _shape_error(self, f"direction must be store or load, got "
                                     f"'{self.direction.data}'")
        (shape,) = self.buffer_shapes()
        rows = self.rows.value.data
        if len(shape) != 2 or not 0 < rows <= shape[0]:
            raise _shape_error(self, f"rows must lie in 1..{shape[0]} (the buffer's rows), "
                                     f"got {rows}")


INSTRUCTIONS = (DmaLoadOp, DmaStoreOp, FillOp, SddmmOp, ScaleOp, ReduceOp, MaxUpdateOp,
                ExpOp, SpmmOp, AccumulateOp, MergeOp, NormalizeOp, GlobalRowsOp,
                RunningMaxOp, RescaleOp, AddOp, SpillOp)

Accel = Dialect(
    "accel",
    [KernelOp, StepOp, *INSTRUCTIONS],
    [TargetAttr, BlocksAttr, BandAttr],
)
