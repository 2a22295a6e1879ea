"""Accelerator targets as data: one record per accelerator.

A ``Target`` gives the array sizes, buffers, clock, DRAM bandwidth,
datapath precision, exp implementation, which unit runs which kind of
instruction, and an energy table.  Passes read it to lower and schedule; the
hardware model reads it to time and cost instructions; nothing branches on a
target's name.

The latency model (``Target.cycles``) is the same for every target and is
derived from the dataflow of a 2-D systolic array with extra global PEs and a
1-D vector array:

* 2-D array ops (``sddmm``, ``spmm``) keep two dims spatial on the
  rows x cols PEs and stream the third: ``passes * streamed`` cycles, with
  ``passes = ceil(a / rows) * ceil(b / (cols + global_cols))`` (SALO's
  global column sits beside the array's columns);  ``sddmm`` streams the head
  dimension (QK is output-stationary), ``spmm`` streams the value dimension
  (P stays in the PEs, V flows through);
* element-wise ops (scale, exp, normalise) take ``ceil(elements / lanes)``
  cycles times the op's per-element latency (exp: the target's
  ``exp_cycles``);
* a row reduction on the 2-D array passes partial results along a chain of
  PEs (``cols`` cycles per pass) or through a pipelined adder tree (one
  cycle of issue per pass, log2(cols) of latency), as the target says; on
  the vector array, ``ceil(elements / lanes)`` cycles;
* DMA moves ``bytes`` at ``dram_bytes_per_cycle``;
* each kernel step costs ``step_overhead`` cycles on the 2-D array (flushing
  its registers), and the array drains ``cols + global_cols - 1`` cycles
  after the last step.

Sources are cited per preset below.  Energy defaults are the 45 nm figures
of Horowitz, "Computing's energy problem", ISSCC 2014 (pJ per operation:
16-bit FP multiply 1.1, add 0.4; 32-bit FP multiply 3.7, add 0.9; 8 KB SRAM
read of 64 bits 10 pJ, i.e. ~1.25 pJ/byte; DRAM ~1.3-2.6 nJ per 64 bits,
i.e. ~160-320 pJ/byte (we use 160)); exp and division are costed as a few
multiply-adds (a piecewise-linear exp is one multiply and one add; an exact
exp ~ 8 multiply-adds; a division ~ 4 multiplies).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from dataclasses import dataclass, field, fields, replace

from attn_ir.targets.area import AreaTable

UNITS = ("DMA", "DMA_OUT", "PE2D", "GLOBAL", "VEC1D", "TOPK", "CODEC", "PE2D_AV",
         "PE2D_SPARSE")
"""Execution units an instruction may run on.  DMA reads DRAM and DMA_OUT
writes it (separate channels, so a lane's store does not hold up the next
lane's loads); GLOBAL is an extra global PE row and column, which work
beside the main array; PE2D_AV is a second multiplier array for P x V;
PE2D_SPARSE is a sparser engine, PE rows beside the denser engine (PE2D);
TOPK is a top-k engine; CODEC decodes compressed operands."""

@dataclass(frozen=True)
class EnergyTable:
    """Energy per event in picojoules (defaults: Horowitz, ISSCC 2014, 45 nm)."""

    mac: float = 1.5
    """16-bit multiply-add (1.1 pJ multiply + 0.4 pJ add)."""
    add: float = 0.4
    mul: float = 1.1
    exp: float = 12.0
    """An exact exp costed as ~8 multiply-adds."""
    exp_pwl: float = 1.5
    """A piecewise-linear exp: one multiply-add after a table lookup."""
    div: float = 4.4
    """A division costed as ~4 multiplies."""
    max: float = 0.4
    """A comparison, costed as an add."""
    buffer_byte: float = 1.25
    """On-chip SRAM access per byte (10 pJ per 64-bit read of an 8 KB SRAM)."""
    dram_byte: float = 160.0
    """DRAM access per byte (1.3 nJ per 64 bits)."""


@dataclass(frozen=True)
class Target:
    """One accelerator.  Sizes in elements, bytes, cycles and Hz."""

    name: str
    pe_rows: int
    pe_cols: int
    vec_lanes: int
    buffer_bytes: int
    clock_hz: float
    dram_bytes_per_s: float
    elem_bits: int = 16
    global_rows: int = 0
    """Extra PE rows for global queries (SALO)."""
    global_cols: int = 0
    """Extra PE columns for global keys (SALO)."""
    exp: str = "exact"
    """``exact``, ``pwl`` (piecewise linear) or ``taylor``."""
    exp_segments: int = 0
    """Segments of a piecewise-linear exp, or terms of a Taylor exp."""
    exp_cycles: int = 1
    exp_macs: int = 0
    """When non-zero, an exp is costed as ``exp_macs`` multiply-adds plus
    ``exp_adds`` adds, one per cycle each, instead of ``exp_cycles``."""
    exp_adds: int = 0
    state_bits: int = 32
    """Bits per element of the running softmax state kept on chip (the
    running max, sum and numerator of resident query tiles)."""
    clear_on_first_write: int = 0
    """1 when buffers are cleared by a valid bit per row: an ``accel.fill``
    costs no cycles (the first write of a lane overwrites)."""
    step_overhead: int = 0
    """Cycles the 2-D array spends between two kernel steps."""
    pe_reduce: str = "chain"
    """How the 2-D array reduces a row: ``chain`` passes partial results
    along the columns (``cols`` cycles, the array busy throughout; SALO);
    ``tree`` reduces through a pipelined adder tree (busy one cycle per
    pass, result after log2(cols) more); ``network`` reduces in the
    array's interconnect, one cycle per pass and no added latency (how the
    FuseMax artifact's Timeloop model counts spatial reductions)."""
    units: tuple[tuple[str, str], ...] = ()
    """(instruction kind, unit) pairs overriding ``DEFAULT_UNITS``."""
    energy: EnergyTable = field(default_factory=EnergyTable)
    schedule: str = ""
    """The ``accel-schedule-*`` pass of this target's dataflow ("" for none)."""
    citation: str = ""
    topk_parallelism: int = 16
    """Elements a top-k engine compares per cycle."""
    pipeline_latency: tuple[tuple[str, int], ...] = ()
    """(instruction kind, cycles) pairs: pipeline fill/drain latency added to
    the kind's latency (not to its occupancy: the unit takes the next
    instruction while the last results drain)."""
    kind_lanes: tuple[tuple[str, int], ...] = ()
    """(instruction kind, elements per cycle) pairs overriding the lanes of
    the unit for element-wise kinds (a wider datapath for one job)."""
    lowering: tuple[str, ...] = ()
    """Passes appended to the default pipeline after convert-attn-to-accel
    (lowerings of a system's dynamic-sparsity ops)."""
    preparation: tuple[str, ...] = ()
    """Passes run first, on attn-level IR (e.g. a polarisation of fixed masks)."""
    area: AreaTable = field(default_factory=AreaTable)
    """Per-component silicon areas (``attn_ir.targets.area``; defaults: the
    FuseMax artifact's Accelergy estimates at 45 nm)."""

    # -- derived -----------------------------------------------------------

    @property
    def dram_bytes_per_cycle(self) -> float:
        return self.dram_bytes_per_s / self.clock_hz

    @property
    def exp_element_cycles(self) -> int:
        """Cycles one lane (or PE) spends on one exp."""
        return self.exp_macs + self.exp_adds if self.exp_macs else self.exp_cycles

    @property
    def state_bytes(self) -> int:
        return max(1, self.state_bits // 8)

    @property
    def elem_bytes(self) -> int:
        return max(1, self.elem_bits // 8)

    @property
    def peak_ops_per_cycle(self) -> int:
        """Multiply and add of every PE of the 2-D array, global PEs included."""
        return 2 * (self.pe_rows * self.pe_cols + self.global_rows * self.pe_cols
                    + self.global_cols * self.pe_rows)

    @property
    def area_mm2(self) -> float:
        """Silicon area in mm² at ``area.node_nm`` (``attn_ir.targets.area``)."""
        from attn_ir.targets.area import area_mm2

        return area_mm2(self)

    @property
    def drain_cycles(self) -> int:
        return self.pe_cols + self.global_cols - 1

    @property
    def exp_error_bound(self) -> float:
        """Relative error bound of the exp unit.  Both approximations reduce
        the range first, exp(x) = 2^n * 2^f with f in [0, 1), and approximate
        2^f: linear interpolation on S segments errs by at most
        h^2 / 8 * max|(2^f)''| = (ln 2 / S)^2 / 4 (h = 1 / S); a Taylor
        polynomial of degree n in f ln 2 by its remainder (ln 2)^(n+1) * 2 /
        (n+1)!."""
        s = max(1, self.exp_segments)
        if self.exp == "exact":
            return 0.0
        if self.exp == "pwl":
            return (math.log(2) / s) ** 2 / 4
        return math.log(2) ** (s + 1) * 2 / math.factorial(s + 1)

    def default_pipeline(self) -> str:
        """attn-level IR → scheduled accel IR for this target (a target with
        overridden parameters is named by its ``#accel.target`` attribute)."""
        option = self.option_text()
        named = [p.replace(f"{{target={self.name}}}", f"{{target={option}}}")
                 for p in (*self.preparation, *self.lowering)]
        passes = [*named[:len(self.preparation)], "attn-decompose", "attn-fuse{passes=1}",
                  f"attn-tile{{q={self.pe_rows} k={self.pe_cols}}}",
                  f"convert-attn-to-accel{{target={option}}}"]
        passes += named[len(self.preparation):]
        if self.schedule:
            passes.append(f"accel-schedule-{self.schedule}")
        passes.append("accel-double-buffer")
        return ",".join(passes)

    def overrides(self) -> dict[str, int | float]:
        """The numeric parameters that differ from the preset of this name
        (what ``#accel.target<"name", key = value>`` would say).  The energy
        and area tables are not parameters of the attribute: no pass reads
        them, and the hardware model's callers apply them to its counts."""
        preset = presets()[self.name]
        changed: dict[str, int | float] = {}
        for f in fields(Target):
            mine, theirs = getattr(self, f.name), getattr(preset, f.name)
            if mine == theirs or f.name in ("energy", "area"):
                continue
            if f.type not in ("int", "float") or isinstance(mine, bool):
                raise ValueError(f"target '{self.name}': '{f.name}' differs from the preset "
                                 "but is not a numeric parameter an #accel.target can carry")
            changed[f.name] = mine
        return changed

    def option_text(self) -> str:
        """This target as a pass's ``target`` option: the preset's name, or
        its quoted ``#accel.target`` attribute with the changed parameters."""
        changed = self.overrides()
        if not changed:
            return self.name
        body = "".join(f", {k} = {v!r}" for k, v in sorted(changed.items()))
        return f'"#accel.target<\\"{self.name}\\"{body}>"'

    def unit_of(self, kind: str) -> str:
        return dict(self.units).get(kind) or default_units()[kind]

    def lanes(self, unit: str) -> int:
        if unit in ("PE2D", "GLOBAL"):
            return (self.pe_rows + self.global_rows) * (self.pe_cols + self.global_cols)
        if unit == "VEC1D":
            return self.vec_lanes
        return 1

    def cycles(self, kind: str, shape: tuple[int, ...]) -> int:
        """Cycles of one instruction of ``kind`` (see the module docstring).
        ``shape``: sddmm (rows, keys, head dim); spmm (rows, keys, value dim);
        element-wise and reductions (rows, cols); DMA (bytes,); topk (rows,
        candidates).  Includes the kind's pipeline latency."""
        return self._issue_cycles(kind, shape) + dict(self.pipeline_latency).get(kind, 0)

    def _issue_cycles(self, kind: str, shape: tuple[int, ...]) -> int:
        models = cycle_models()
        if kind in models:
            return models[kind](self, shape)
        unit = self.unit_of(kind)
        if kind in ("dma_load", "dma_store", "spill_store", "spill_load"):
            return max(1, math.ceil(shape[0] / self.dram_bytes_per_cycle))
        if kind == "sddmm":
            rows, keys, depth = shape
            return _passes(rows, keys, self) * depth
        if kind == "spmm":
            rows, keys, width = shape
            return _passes(rows, keys, self) * width
        if kind == "global_rows":
            # Each global query streams every key past its row of PEs.
            rows, keys, depth = shape
            return math.ceil(rows / max(1, self.global_rows)) * math.ceil(
                keys / self.pe_cols) * depth
        elements = math.prod(shape)
        if kind == "fill" and self.clear_on_first_write:
            return 0
        if kind in ("reduce_max", "reduce_sum") and unit == "PE2D":
            rows, cols = shape
            if self.pe_reduce == "network":
                return _passes(rows, cols, self)
            if self.pe_reduce == "tree":
                return _passes(rows, cols, self) + math.ceil(math.log2(self.pe_cols))
            return _passes(rows, cols, self) * self.pe_cols
        per = self.exp_element_cycles if kind == "exp" else 1
        lanes = dict(self.kind_lanes).get(kind) or self.lanes(unit)
        return max(1, math.ceil(elements / lanes)) * per


    def occupancy(self, kind: str, shape: tuple[int, ...]) -> int:
        """Cycles the unit is busy with one instruction: its latency, except
        for a pipelined tree reduction, which frees the array after issue."""
        if (kind in ("reduce_max", "reduce_sum") and self.unit_of(kind) == "PE2D"
                and self.pe_reduce == "tree"):
            return _passes(shape[0], shape[1], self)
        return self._issue_cycles(kind, shape)


def _passes(a: int, b: int, t: Target) -> int:
    """Passes of an a x b spatial mapping; global columns extend the array's
    columns (they hold global keys beside the window's)."""
    return math.ceil(a / t.pe_rows) * math.ceil(b / (t.pe_cols + t.global_cols))


CORE_UNITS = {
    "dma_load": "DMA", "dma_store": "DMA_OUT",
    "sddmm": "PE2D", "spmm": "PE2D",
    "fill": "VEC1D", "scale": "VEC1D", "reduce_max": "VEC1D", "reduce_sum": "VEC1D",
    "max_update": "VEC1D", "exp": "VEC1D", "accumulate": "VEC1D", "merge": "VEC1D",
    "normalize": "VEC1D", "global_rows": "GLOBAL",
    "running_max": "VEC1D", "rescale": "VEC1D", "add": "VEC1D",
    "spill_store": "DMA", "spill_load": "DMA",
}
"""The unit of each core instruction kind (a target's ``units`` override it)."""


@dataclass(frozen=True)
class TargetExtension:
    """What one system adds to the targets: target records, the default unit
    of each instruction kind it adds, and latency models for kinds the
    common model (``Target.cycles``) does not cover: kind →
    ``fn(target, shape) -> cycles``."""

    targets: tuple[Target, ...] = ()
    units: dict[str, str] = field(default_factory=dict)
    cycle_models: dict[str, Callable[[Target, tuple[int, ...]], int]] = field(
        default_factory=dict)


@functools.cache
def presets() -> dict[str, Target]:
    """Every system's targets by name."""
    from attn_ir.systems import extensions

    return {t.name: t for ext in extensions("targets") for t in ext.targets}


@functools.cache
def default_units() -> dict[str, str]:
    from attn_ir.systems import extensions

    out = dict(CORE_UNITS)
    for ext in extensions("targets"):
        out.update(ext.units)
    return out


@functools.cache
def cycle_models() -> dict[str, Callable]:
    from attn_ir.systems import extensions

    return {kind: fn for ext in extensions("targets") for kind, fn in ext.cycle_models.items()}


def get_target(name: str) -> Target:
    try:
        return presets()[name]
    except KeyError:
        raise KeyError(f"unknown target '{name}'; known: {', '.join(sorted(presets()))}") from None


def with_overrides(target: Target, **overrides) -> Target:
    """A copy of ``target`` with some fields replaced (for design sweeps)."""
    known = {f.name for f in fields(Target)}
    unknown = set(overrides) - known
    if unknown:
        raise KeyError(f"unknown target parameter(s): {', '.join(sorted(unknown))}")
    return replace(target, **overrides)
