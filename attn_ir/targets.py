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

import math
from dataclasses import dataclass, field, fields, replace

from attn_ir.area import AreaTable

UNITS = ("DMA", "DMA_OUT", "PE2D", "GLOBAL", "VEC1D", "TOPK", "CODEC", "PE2D_AV",
         "PE2D_SPARSE")
"""Execution units an instruction may run on.  DMA reads DRAM and DMA_OUT
writes it (separate channels, so a lane's store does not hold up the next
lane's loads); GLOBAL is SALO's extra global PE row and column, which work
beside the main array; PE2D_AV is a second multiplier array for P x V (SpAtten's
two arrays of 512 multipliers, one for Q x K and one for P x V); PE2D_SPARSE
is ViTCoD's sparser engine, the PE rows beside its denser engine (PE2D); CODEC
decodes ViTCoD's compressed Q and K."""

INSTRUCTION_KINDS = (
    "dma_load", "dma_store", "fill", "sddmm", "scale", "reduce_max", "reduce_sum",
    "max_update", "exp", "spmm", "accumulate", "merge", "normalize", "global_rows",
    # SpAtten (attn_ir.dialects.accel_spatten)
    "dma_gather", "dma_store_rows", "dequantize", "position_mask", "requant_check",
    "select_rows", "topk", "select", "column_sum", "importance_add", "head_importance_add",
    # ViTCoD (attn_ir.dialects.accel_polarized)
    "load_tokens", "store_tokens", "load_codec", "load_coo", "qk_decode", "dense_sddmm",
    "coo_sddmm", "row_softmax", "dense_spmm", "coo_spmm", "softmax_merge",
)

CYCLE_MODELS: dict = {}
"""Latency models of instruction kinds that accel extensions add: kind →
``fn(target, shape) -> cycles`` (e.g. ViTCoD's engines, registered by
``attn_ir.dialects.accel_polarized``)."""


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
    step_overhead: int = 0
    """Cycles the 2-D array spends between two kernel steps."""
    pe_reduce: str = "chain"
    """How the 2-D array reduces a row: ``chain`` passes partial results
    along the columns (``cols`` cycles, the array busy throughout; SALO);
    ``tree`` reduces through a pipelined adder tree (busy one cycle per
    pass, result after log2(cols) more; FuseMax's spatial reduction)."""
    units: tuple[tuple[str, str], ...] = ()
    """(instruction kind, unit) pairs overriding ``DEFAULT_UNITS``."""
    energy: EnergyTable = field(default_factory=EnergyTable)
    schedule: str = ""
    """The ``accel-schedule-*`` pass of this target's dataflow ("" for none)."""
    citation: str = ""
    topk_parallelism: int = 16
    """Elements a top-k engine compares per cycle (SpAtten's quick-select)."""
    pipeline_latency: tuple[tuple[str, int], ...] = ()
    """(instruction kind, cycles) pairs: pipeline fill/drain latency added to
    the kind's latency (not to its occupancy: the unit takes the next
    instruction while the last results drain)."""
    kind_lanes: tuple[tuple[str, int], ...] = ()
    """(instruction kind, elements per cycle) pairs overriding the lanes of
    the unit for element-wise kinds (a wider datapath for one job)."""
    lowering: tuple[str, ...] = ()
    """Passes appended to the default pipeline after convert-attn-to-accel
    (lowerings of dynamic-sparsity ops, e.g. SpAtten's)."""
    preparation: tuple[str, ...] = ()
    """Passes run first, on attn-level IR (ViTCoD's attn-polarize)."""
    area: AreaTable = field(default_factory=AreaTable)
    """Per-component silicon areas (``attn_ir.area``; defaults: the FuseMax
    artifact's Accelergy estimates at 45 nm)."""

    # -- derived -----------------------------------------------------------

    @property
    def dram_bytes_per_cycle(self) -> float:
        return self.dram_bytes_per_s / self.clock_hz

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
        """Silicon area in mm² at ``area.node_nm`` (``attn_ir.area``)."""
        from attn_ir.area import area_mm2

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
        preset = PRESETS[self.name]
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
        return dict(self.units).get(kind, DEFAULT_UNITS[kind])

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
        if kind in CYCLE_MODELS:
            return CYCLE_MODELS[kind](self, shape)
        unit = self.unit_of(kind)
        if kind == "topk":
            return shape[0] * quickselect_cycles(shape[1], self.topk_parallelism)
        if kind in ("dma_load", "dma_store", "dma_gather", "dma_store_rows"):
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
        if kind in ("reduce_max", "reduce_sum") and unit == "PE2D":
            rows, cols = shape
            if self.pe_reduce == "tree":
                return _passes(rows, cols, self) + math.ceil(math.log2(self.pe_cols))
            return _passes(rows, cols, self) * self.pe_cols
        per = self.exp_cycles if kind == "exp" else 1
        lanes = dict(self.kind_lanes).get(kind) or self.lanes(unit)
        return max(1, math.ceil(elements / lanes)) * per


    def occupancy(self, kind: str, shape: tuple[int, ...]) -> int:
        """Cycles the unit is busy with one instruction: its latency, except
        for a pipelined tree reduction, which frees the array after issue."""
        if (kind in ("reduce_max", "reduce_sum") and self.unit_of(kind) == "PE2D"
                and self.pe_reduce == "tree"):
            return _passes(shape[0], shape[1], self)
        return self._issue_cycles(kind, shape)


def quickselect_cycles(n: int, parallelism: int) -> int:
    """Cycles of SpAtten's top-k engine on n candidates (Wang et al., HPCA
    2021, Sec. IV-B; the artifact's TopKLatencyModel): each quick-select
    round compares the remaining candidates with a pivot, ``parallelism``
    per cycle, plus 3 cycles, i.e. ceil(n / parallelism) + 3.  The artifact
    draws random pivots; this model takes the expected halving of the
    candidates per round (a median pivot), until one remains."""
    total, size = 0, max(1, n)
    while True:
        total += math.ceil(size / parallelism) + 3
        if size <= 1:
            return total
        size = math.ceil(size / 2)


def _passes(a: int, b: int, t: Target) -> int:
    """Passes of an a x b spatial mapping; global columns extend the array's
    columns (they hold global keys beside the window's)."""
    return math.ceil(a / t.pe_rows) * math.ceil(b / (t.pe_cols + t.global_cols))


DEFAULT_UNITS = {
    "dma_load": "DMA", "dma_store": "DMA_OUT",
    "sddmm": "PE2D", "spmm": "PE2D",
    "fill": "VEC1D", "scale": "VEC1D", "reduce_max": "VEC1D", "reduce_sum": "VEC1D",
    "max_update": "VEC1D", "exp": "VEC1D", "accumulate": "VEC1D", "merge": "VEC1D",
    "normalize": "VEC1D", "global_rows": "GLOBAL",
    "dma_gather": "DMA", "dma_store_rows": "DMA_OUT", "dequantize": "VEC1D",
    "position_mask": "VEC1D", "requant_check": "VEC1D", "select_rows": "VEC1D",
    "topk": "TOPK", "select": "VEC1D", "column_sum": "VEC1D", "importance_add": "VEC1D",
    "head_importance_add": "VEC1D",
    "load_tokens": "DMA", "store_tokens": "DMA_OUT", "load_codec": "DMA", "load_coo": "DMA",
    "qk_decode": "CODEC", "dense_sddmm": "PE2D", "coo_sddmm": "PE2D_SPARSE",
    "row_softmax": "VEC1D", "dense_spmm": "PE2D", "coo_spmm": "PE2D_SPARSE",
    "softmax_merge": "VEC1D",
}

_ON_ARRAY = tuple((k, "PE2D") for k in ("scale", "exp", "reduce_sum", "normalize"))

PRESETS: dict[str, Target] = {
    "salo": Target(
        name="salo", pe_rows=32, pe_cols=32, vec_lanes=32, global_rows=1, global_cols=1,
        buffer_bytes=2 * 1024 * 1024, clock_hz=1e9, dram_bytes_per_s=128e9,
        elem_bits=16, exp="pwl", exp_segments=16, exp_cycles=1, step_overhead=1,
        units=_ON_ARRAY, schedule="salo",
        citation=(
            "Shen et al., SALO, DAC 2022: 32x32 PE array with one global row and "
            "one global column at 1 GHz; per iteration the array spends d cycles on "
            "QK, 1 scaling, 1 exp, cols for the row sum, 1 normalising, d on AV and "
            "1 flushing; piecewise-linear exp in the PEs.  The published model keeps "
            "operands on chip; the 128 GB/s DRAM and 2 MiB buffer are this "
            "project's assumptions."),
    ),
    "fusemax": Target(
        name="fusemax", pe_rows=256, pe_cols=256, vec_lanes=256,
        buffer_bytes=16 * 1024 * 1024, clock_hz=940e6, dram_bytes_per_s=400 * 2**30,
        elem_bits=16, exp="exact", exp_cycles=1, pe_reduce="tree", schedule="fusemax",
        units=(("exp", "PE2D"), ("scale", "PE2D"), ("reduce_max", "PE2D"),
               ("reduce_sum", "PE2D")),
        citation=(
            "Nelson et al., FuseMax, MICRO 2024: 256x256 2-D array and 256-lane 1-D "
            "array, 16 MiB global buffer, 940 MHz, 400 GiB/s DRAM; the 2-D PEs also "
            "compute exp and reduce over m0 spatially; the 1-D array keeps the "
            "running max, sum and rescale."),
    ),
    "flat": Target(
        name="flat", pe_rows=256, pe_cols=256, vec_lanes=256,
        buffer_bytes=32 * 1024 * 1024, clock_hz=940e6, dram_bytes_per_s=400 * 2**30,
        elem_bits=16, exp="exact", exp_cycles=1, units=(("scale", "PE2D"),), schedule="flat",
        citation=(
            "Kao et al., FLAT, ASPLOS 2023, as the FuseMax paper models it: the same "
            "256x256 2-D and 256-lane 1-D arrays, 940 MHz, 400 GiB/s, given a 32 MiB "
            "buffer; softmax on the 1-D array."),
    ),
    "spatten": Target(
        name="spatten", pe_rows=8, pe_cols=64, vec_lanes=8,
        buffer_bytes=2 * 2048 * 512 * 12 // 8, clock_hz=1e9, dram_bytes_per_s=512e9,
        elem_bits=12, exp="exact", exp_cycles=1, topk_parallelism=16,
        units=(("spmm", "PE2D_AV"),), kind_lanes=(("dequantize", 512),),
        pipeline_latency=(("dequantize", 7), ("exp", 21), ("reduce_sum", 23),
                          ("normalize", 29), ("dma_store_rows", 7)),
        lowering=("convert-spatten-to-accel{target=spatten}",),
        area=AreaTable(av_array=True, topk_engine=True),
        citation=(
            "Wang, Zhang, Han, SpAtten, HPCA 2021, and its artifact "
            "(github.com/mit-han-lab/spatten, spatten_hardware): 1 GHz (the RTL "
            "testbench's 1000 ps clock); two arrays of 512 multipliers, one for Q x K "
            "and one for P x V (numMultipliers = 512: 8 keys of d = 64 per cycle, "
            "modelled as 8 x 64 arrays computing weight-stationary); 8 softmax lanes "
            "(numMultipliers / minD), whose dequantiser converts a 512-value fetch line per "
            "cycle; a top-k engine comparing 16 candidates per "
            "cycle, ceil(n/16) + 3 cycles per quick-select round (TopKLatencyModel, "
            "topk_parallelism = 16); 12-bit datapath (widthQuantValue = 12); HBM2 of "
            "16 channels at 2 Gbps per pin, 128 bits each, i.e. 512 GB/s (ramulator "
            "preset HBM2_2Gbps); key and value buffers of 2048 lines of 512 12-bit "
            "values (num_bufline = 2048); pipeline latencies dequantise 7, exp 21, "
            "accumulate 23, divide 29, quantise 7 cycles (the last on the output's "
            "way out)."),
    ),
    "vitcod": Target(
        name="vitcod", pe_rows=64, pe_cols=8, vec_lanes=128,
        buffer_bytes=(3 * 53 + 20 + 108) * 1024, clock_hz=500e6,
        dram_bytes_per_s=76.8 * 2**30, elem_bits=8, exp="exact", exp_cycles=1,
        preparation=("attn-polarize{threshold=50}",),
        lowering=("convert-polarized-to-accel{target=vitcod}",),
        area=AreaTable(codec=True),
        citation=(
            "You et al., ViTCoD, HPCA 2023, and its simulator "
            "(github.com/GATECH-EIC/ViTCoD, Hardware/Simulator): 500 MHz; HBM at "
            "76.8 GB/s (the simulator's 76.8 * 1024^3 bytes/s); 8-bit data; SRAMs of "
            "53 KB each for Q, K and V, 20 KB for indices and 108 KB for outputs "
            "(buffer_bytes is their sum; the per-buffer sizes are not checked one by "
            "one); a PE array of 64 x 8 (PE_width x PE_height) split between the denser "
            "and sparser engines along its 64 rows, in proportion to their work, and "
            "among the heads along its 8 columns; global (dense) columns are those kept "
            "by more than 50 of 197 queries; auto-encoder ratio 2/3.  vec_lanes = 128 "
            "(softmax and the Q/K decoder) is this project's assumption: one token's "
            "compressed Q or K per cycle, as the simulator decodes."),
    ),
}


def get_target(name: str) -> Target:
    try:
        return PRESETS[name]
    except KeyError:
        raise KeyError(f"unknown target '{name}'; known: {', '.join(sorted(PRESETS))}") from None


def with_overrides(target: Target, **overrides) -> Target:
    """A copy of ``target`` with some fields replaced (for design sweeps)."""
    known = {f.name for f in fields(Target)}
    unknown = set(overrides) - known
    if unknown:
        raise KeyError(f"unknown target parameter(s): {', '.join(sorted(unknown))}")
    return replace(target, **overrides)
