"""The functional hardware model: executes ``accel`` IR on NumPy data and
reports cycles, per-unit utilisation, operations, on-chip and DRAM traffic,
peak buffer bytes and energy, all from running the scheduled program on the
target description.

    outputs, report = run(module, [q, k, v])          # functional
    report = time_module(module)                       # timing only

Attention ops that were not lowered to ``accel`` run on the reference
oracle (through the interpreter) and cost nothing in the report.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from xdsl.dialects.builtin import ModuleOp
from xdsl.interpreter import Interpreter, InterpreterFunctions, impl, register_impls

from attn_ir import targets as T
from attn_ir.dialects import accel as A
from attn_ir.backends.hwmodel.executor import KernelExecution
from attn_ir.backends.hwmodel.extension import extensions, timing_functions
from attn_ir.backends.hwmodel.lanes import lane_runs
from attn_ir.backends.hwmodel.program import build_program
from attn_ir.backends.hwmodel.timing import Timeline, simulate
from attn_ir.dialects.accel import buffer_bytes


@dataclass
class KernelReport:
    """What one kernel costs on its target."""

    target: str
    schedule: str
    cycles: int
    clock_hz: float
    useful_ops: int
    peak_ops_per_cycle: int
    busy: dict[str, int]
    ops: dict[str, int]
    dram_read_bytes: int
    dram_write_bytes: int
    buffer_read_bytes: int
    buffer_write_bytes: int
    buffer_peak_bytes: int
    buffers: dict[str, int]
    """On-chip bytes per buffer (doubled where double-buffered)."""
    energy_pj: dict[str, float]
    instances: dict[str, int]
    trace: list = field(default_factory=list)
    counters: dict[str, int] = field(default_factory=dict)
    """Counts a kernel kind reports beyond the common ones (e.g. keys and
    values fetched, rows refetched with LSBs)."""
    array_busy: dict[str, float] = field(default_factory=dict)
    """Busy cycles per unit weighted by the share of its PEs working (empty:
    the busy cycles)."""
    unit_macs: dict[str, int] = field(default_factory=dict)
    """Multiply-adds executed per unit."""
    unit_lanes: dict[str, int] = field(default_factory=dict)
    """PEs (or lanes) per unit."""
    overflowed: list[tuple[int, int, int]] = field(default_factory=list)
    """(batch, head, query) rows whose exp overflowed (functional runs; also
    counted as ``counters["overflow_rows"]``)."""

    @property
    def weighted_busy(self) -> dict[str, float]:
        return self.array_busy or {u: float(b) for u, b in self.busy.items()}
    area_mm2: float = 0.0
    """The target's silicon area (``attn_ir.targets.area``)."""


@dataclass
class Report:
    """The whole run: kernels in program order, run back to back."""

    kernels: list[KernelReport] = field(default_factory=list)
    max_abs_err: float | None = None

    @property
    def target(self) -> str:
        return ",".join(sorted({k.target for k in self.kernels}))

    @property
    def cycles(self) -> int:
        return sum(k.cycles for k in self.kernels)

    @property
    def seconds(self) -> float:
        return sum(k.cycles / k.clock_hz for k in self.kernels)

    @property
    def utilization(self) -> float:
        """Useful multiply-adds of the attended pairs over the 2-D array's
        peak (SALO's and FuseMax's definition of utilisation)."""
        peak = sum(k.peak_ops_per_cycle * k.cycles for k in self.kernels)
        return sum(k.useful_ops for k in self.kernels) / peak if peak else 0.0

    @property
    def util_2d(self) -> float:
        """The 2-D array's busy fraction, weighted by the share of its PEs
        working (the FuseMax paper's 2-D utilisation: every cycle an Einsum
        occupies the array counts, exp included at its cost in MACs)."""
        cycles = self.cycles
        return (sum(k.weighted_busy.get("PE2D", 0.0) for k in self.kernels) / cycles
                if cycles else 0.0)

    @property
    def area_mm2(self) -> float:
        """The chip's area: kernels run back to back on one target."""
        return max((k.area_mm2 for k in self.kernels), default=0.0)

    def _sum(self, name: str) -> Counter:
        out: Counter = Counter()
        for k in self.kernels:
            out.update(getattr(k, name))
        return out

    def as_dict(self) -> dict[str, Any]:
        busy = self._sum("busy")
        energy = self._sum("energy_pj")
        cycles = self.cycles
        weighted: Counter = Counter()
        macs: Counter = Counter()
        lanes: dict[str, int] = {}
        for k in self.kernels:
            weighted.update(k.weighted_busy)
            macs.update(k.unit_macs)
            lanes.update(k.unit_lanes)

        def unit(u: str, b: int) -> dict[str, Any]:
            out = {"busy_cycles": int(b), "utilization": b / cycles if cycles else 0.0,
                   "busy_fraction": weighted.get(u, 0.0) / cycles if cycles else 0.0}
            if lanes.get(u) and cycles:
                out["mac_utilization"] = macs.get(u, 0) / (lanes[u] * cycles)
            return out

        return {
            "target": self.target,
            "cycles": cycles,
            "seconds": self.seconds,
            "utilization": self.utilization,
            "mac_utilization": self.utilization,
            "util_2d": self.util_2d,
            "units": {u: unit(u, b) for u, b in sorted(busy.items())},
            "area_mm2": self.area_mm2,
            "ops": dict(sorted(self._sum("ops").items())),
            "dram_bytes": sum(k.dram_read_bytes + k.dram_write_bytes for k in self.kernels),
            "dram_read_bytes": sum(k.dram_read_bytes for k in self.kernels),
            "dram_write_bytes": sum(k.dram_write_bytes for k in self.kernels),
            "buffer_read_bytes": sum(k.buffer_read_bytes for k in self.kernels),
            "buffer_write_bytes": sum(k.buffer_write_bytes for k in self.kernels),
            "buffer_peak_bytes": max((k.buffer_peak_bytes for k in self.kernels), default=0),
            "buffers": max((k.buffers for k in self.kernels),
                           key=lambda b: sum(b.values()), default={}),
            "energy_pj": {"total": float(sum(energy.values())),
                          **{c: float(v) for c, v in sorted(energy.items())}},
            "max_abs_err": self.max_abs_err,
            "kernels": len(self.kernels),
            "counters": {k: int(v) for k, v in sorted(self._sum("counters").items())},
        }


def energy_breakdown(target: T.Target, ops: Counter, buf_bytes: int, dram_bytes: int) -> dict[str, float]:
    e = target.energy
    exp_cost = e.exp if target.exp == "exact" else e.exp_pwl
    return {
        "mac": ops["mac"] * e.mac,
        "exp": ops["exp"] * exp_cost,
        "div": ops["div"] * e.div,
        "add": ops["add"] * e.add + ops["max"] * e.max + ops["mul"] * e.mul,
        "buffer": buf_bytes * e.buffer_byte,
        "dram": dram_bytes * e.dram_byte,
    }


@dataclass
class Tally:
    """What a kernel's instructions add up to over their instances."""

    ops: Counter = field(default_factory=Counter)
    unit_macs: Counter = field(default_factory=Counter)
    dram_read_bytes: int = 0
    dram_write_bytes: int = 0
    buffer_read_bytes: int = 0
    buffer_write_bytes: int = 0


def tally(instrs, counts: Counter, dram_instances=None) -> Tally:
    """Operations, MACs per unit and bytes moved by ``instrs`` run
    ``counts[instr.op]`` times each; ``dram_instances(instr, n)`` is how many
    of those instances read DRAM (default: all of them)."""
    out = Tally()
    for instr in instrs:
        n = counts[instr.op]
        for kind, per in instr.ops.items():
            out.ops[kind] += per * n
        out.unit_macs[instr.unit] += instr.ops.get("mac", 0) * n
        paid = n if dram_instances is None else dram_instances(instr, n)
        out.dram_read_bytes += instr.dram_read_bytes * paid
        out.dram_write_bytes += instr.dram_write_bytes * n
        out.buffer_read_bytes += instr.buffer_read_bytes * n
        out.buffer_write_bytes += instr.buffer_write_bytes * n
    return out


def assemble_report(kernel, target: T.Target, schedule: str, program, timeline,
                    counts: Counter, totals: Tally, useful_ops: int,
                    peak_ops_per_cycle: int | None = None, **fields) -> KernelReport:
    """The one ``KernelReport`` builder of every kernel kind: cycles and busy
    time from ``timeline``, counts from ``totals``, buffers from the kernel,
    energy from the target's table; ``fields`` add kind-specific entries."""
    buffers = buffer_bytes(kernel)
    buf = totals.buffer_read_bytes + totals.buffer_write_bytes
    dram = totals.dram_read_bytes + totals.dram_write_bytes
    return KernelReport(
        target=target.name, schedule=schedule, cycles=timeline.cycles,
        clock_hz=target.clock_hz, useful_ops=useful_ops, area_mm2=target.area_mm2,
        peak_ops_per_cycle=(target.peak_ops_per_cycle if peak_ops_per_cycle is None
                            else peak_ops_per_cycle),
        busy=dict(timeline.busy), ops=dict(totals.ops),
        dram_read_bytes=totals.dram_read_bytes, dram_write_bytes=totals.dram_write_bytes,
        buffer_read_bytes=totals.buffer_read_bytes,
        buffer_write_bytes=totals.buffer_write_bytes,
        buffer_peak_bytes=sum(buffers.values()), buffers=buffers,
        energy_pj=energy_breakdown(target, totals.ops, buf, dram),
        instances={i.op.name + f"#{n}": counts[i.op] for n, i in enumerate(program.all)},
        trace=timeline.trace, **fields)


def _first_tile_steps(kernel: A.KernelOp) -> int:
    """Key tiles of the first query tile (per head, averaged over tables)."""
    tables = kernel.iteration.tables.data
    return sum(int(t.runs.tiles_per_query_tile[0]) for t in tables) // len(tables)


def block_tile_loads(kernel: A.KernelOp) -> int:
    """K (or V) tiles a ``query_block`` kernel reads from DRAM: per block of
    P1 query tiles of a head, the key tiles any of its lanes visits."""
    import numpy as np

    b, h = kernel.dims[:2]
    block = kernel.query_block.value.data
    it = kernel.iteration
    tables = it.tables.data
    total = 0
    for table in tables:
        counts = table.runs.tiles_per_query_tile
        nkt = -(-kernel.dims[3] // it.k.data)
        if len(counts) and int(counts.min()) == nkt:
            total += -(-len(counts) // block) * nkt
            continue
        ptr, key_tile, _ = table.arrays
        for first in range(0, len(counts), block):
            last = min(len(counts), first + block)
            total += len(np.unique(key_tile[int(ptr[first]):int(ptr[last])]))
    per_head = total if len(tables) > 1 else total * h
    return b * per_head


def kernel_report(kernel: A.KernelOp, record_trace: bool = False,
                  instances: Counter | None = None) -> KernelReport:
    """Time and cost one kernel.  ``instances`` (from a functional run)
    replaces the simulated instance counts, which must agree with them."""
    program = build_program(kernel)
    runs = lane_runs(kernel)
    timeline: Timeline = simulate(program, runs, record_trace)
    counts = instances if instances is not None else timeline.instances
    target = program.target

    def dram_instances(instr, n: int) -> int:
        if instr.kv_reuse:
            # Only the first query tile of each head loads K and V from DRAM.
            return kernel.dims[0] * kernel.dims[1] * _first_tile_steps(kernel)
        if instr.block_shared > 1:
            return block_tile_loads(kernel)
        return n

    totals = tally(program.all, counts, dram_instances)
    b, h, nq, nk, d, dv = kernel.dims
    pattern = kernel.pattern.pattern
    if pattern.uses_mask:
        nnz = nq * nk * h * b  # the mask is data: count every pair the kernel may use
    else:
        per_head = [pattern.nnz(nq, nk, hh) for hh in range(h if pattern.head_dependent else 1)]
        nnz = b * (sum(per_head) if pattern.head_dependent else per_head[0] * h)
    return assemble_report(
        kernel, target, kernel.schedule.data if kernel.schedule else "generic", program,
        timeline, counts, totals, useful_ops=2 * nnz * (d + dv),
        array_busy=dict(timeline.array_busy), unit_macs=dict(totals.unit_macs),
        unit_lanes={u: target.lanes(u) for u in timeline.busy if target.lanes(u) > 1})


@register_impls
class HardwareModelFunctions(InterpreterFunctions):
    """Runs ``accel.kernel`` functionally and records its report."""

    def __init__(self, record_trace: bool = False):
        super().__init__()
        self.reports: list[KernelReport] = []
        self.record_trace = record_trace

    @impl(A.KernelOp)
    def run_kernel(self, interpreter: Interpreter, op: A.KernelOp, args):
        execution = KernelExecution(op, list(args))
        out = execution.run()
        report = kernel_report(op, self.record_trace, execution.instances)
        if execution.overflowed:
            report.overflowed = sorted(execution.overflowed)
            report.counters["overflow_rows"] = len(execution.overflowed)
        self.reports.append(report)
        return (out,)


def run(module: ModuleOp, inputs: list[np.ndarray], function: str | None = None,
        record_trace: bool = False) -> tuple[tuple[np.ndarray, ...], Report]:
    """Execute the module's function on the hardware model."""
    from attn_ir.interpreter import call_function, first_function, make_interpreter

    name = function or first_function(module).sym_name.data
    hw = HardwareModelFunctions(record_trace)
    extra = [ext.functions(hw.reports, record_trace) for ext in extensions()
             if ext.functions is not None]
    interpreter = make_interpreter(module, hw, *extra)
    outputs = call_function(interpreter, name, inputs)
    return outputs, Report(hw.reports)


def time_module(module: ModuleOp, record_trace: bool = False,
                refetch_fraction: float = 0.0) -> Report:
    """Timing-only: the same schedule and counters, without data.  What
    depends on data is an explicit assumption: ``refetch_fraction``, the
    share of progressive-quantisation lanes that refetch key LSBs (a functional run knows)."""
    timing = timing_functions()
    reports = []
    for op in module.walk():
        if isinstance(op, A.KernelOp):
            reports.append(kernel_report(op, record_trace))
        elif type(op) in timing:
            reports.append(timing[type(op)](op, record_trace,
                                            refetch_fraction=refetch_fraction))
    return Report(reports)
