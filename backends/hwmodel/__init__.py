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
from attn_ir.backends.hwmodel.lanes import lane_runs
from attn_ir.backends.hwmodel.program import build_program
from attn_ir.backends.hwmodel.timing import Timeline, simulate
from attn_ir.passes.accel_kernel_builder import buffer_bytes


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
    """Counts a kernel kind reports beyond the common ones (e.g. SpAtten's
    keys and values fetched, rows refetched with LSBs)."""
    area_mm2: float = 0.0
    """The target's silicon area (``attn_ir.area``)."""


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
        return {
            "target": self.target,
            "cycles": cycles,
            "seconds": self.seconds,
            "utilization": self.utilization,
            "area_mm2": self.area_mm2,
            "units": {u: {"busy_cycles": int(b), "utilization": b / cycles if cycles else 0.0}
                      for u, b in sorted(busy.items())},
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


def _energy(target: T.Target, ops: Counter, buf_bytes: int, dram_bytes: int) -> dict[str, float]:
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


def _first_tile_steps(kernel: A.KernelOp) -> int:
    """Key tiles of the first query tile (per head, averaged over tables)."""
    tables = kernel.iteration.tables.data
    return sum(int(t.runs.tiles_per_query_tile[0]) for t in tables) // len(tables)


def kernel_report(kernel: A.KernelOp, record_trace: bool = False,
                  instances: Counter | None = None) -> KernelReport:
    """Time and cost one kernel.  ``instances`` (from a functional run)
    replaces the simulated instance counts, which must agree with them."""
    program = build_program(kernel)
    runs = lane_runs(kernel)
    timeline: Timeline = simulate(program, runs, record_trace)
    counts = instances if instances is not None else timeline.instances
    target = program.target
    ops: Counter = Counter()
    dram_read = dram_write = buf_read = buf_write = 0
    for instr in program.all:
        n = counts[instr.op]
        for kind, per in instr.ops.items():
            ops[kind] += per * n
        paid = n
        if instr.kv_reuse:
            # Only the first query tile of each head loads K and V from DRAM.
            paid = kernel.dims[0] * kernel.dims[1] * _first_tile_steps(kernel)
        dram_read += instr.dram_read_bytes * paid
        dram_write += instr.dram_write_bytes * n
        buf_read += instr.buffer_read_bytes * n
        buf_write += instr.buffer_write_bytes * n
    buffers = buffer_bytes(kernel)
    b, h, nq, nk, d, dv = kernel.dims
    pattern = kernel.pattern.pattern
    if pattern.uses_mask:
        nnz = nq * nk * h * b  # the mask is data: count every pair the kernel may use
    else:
        per_head = [pattern.nnz(nq, nk, hh) for hh in range(h if pattern.head_dependent else 1)]
        nnz = b * (sum(per_head) if pattern.head_dependent else per_head[0] * h)
    useful = 2 * nnz * (d + dv)
    return KernelReport(
        target=target.name, schedule=kernel.schedule.data if kernel.schedule else "generic",
        cycles=timeline.cycles, clock_hz=target.clock_hz, useful_ops=useful,
        area_mm2=target.area_mm2,
        peak_ops_per_cycle=target.peak_ops_per_cycle, busy=dict(timeline.busy),
        ops=dict(ops), dram_read_bytes=dram_read, dram_write_bytes=dram_write,
        buffer_read_bytes=buf_read, buffer_write_bytes=buf_write,
        buffer_peak_bytes=sum(buffers.values()), buffers=buffers,
        energy_pj=_energy(target, ops, buf_read + buf_write, dram_read + dram_write),
        instances={i.op.name + f"#{n}": counts[i.op] for n, i in enumerate(program.all)},
        trace=timeline.trace,
    )


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
        self.reports.append(kernel_report(op, self.record_trace, execution.instances))
        return (out,)


HARDWARE_EXTENSIONS: list[str] = [
    "attn_ir.backends.hwmodel.spatten",
    "attn_ir.backends.hwmodel.polarized",
    "attn_ir.backends.hwmodel.indexed",
]
"""Modules modelling the kernels of ``accel`` extensions.  Each exports
``hardware_functions(reports, record_trace)``, an ``InterpreterFunctions``
that runs its kernels and appends their ``KernelReport``s to ``reports``,
and ``TIMING``, kernel op class → ``fn(kernel, record_trace) -> KernelReport``
for timing-only runs."""


def _extensions() -> list:
    import importlib

    return [importlib.import_module(name) for name in HARDWARE_EXTENSIONS]


def run(module: ModuleOp, inputs: list[np.ndarray], function: str | None = None,
        record_trace: bool = False) -> tuple[tuple[np.ndarray, ...], Report]:
    """Execute the module's function on the hardware model."""
    from attn_ir.interpreter import call_function, first_function, make_interpreter

    name = function or first_function(module).sym_name.data
    hw = HardwareModelFunctions(record_trace)
    extra = [ext.hardware_functions(hw.reports, record_trace) for ext in _extensions()]
    interpreter = make_interpreter(module, hw, *extra)
    outputs = call_function(interpreter, name, inputs)
    return outputs, Report(hw.reports)


def time_module(module: ModuleOp, record_trace: bool = False,
                refetch_fraction: float = 0.0) -> Report:
    """Timing-only: the same schedule and counters, without data.  What
    depends on data is an explicit assumption: ``refetch_fraction``, the
    share of SpAtten lanes that refetch key LSBs (a functional run knows)."""
    timing = {cls: fn for ext in _extensions() for cls, fn in ext.TIMING.items()}
    reports = []
    for op in module.walk():
        if isinstance(op, A.KernelOp):
            reports.append(kernel_report(op, record_trace))
        elif type(op) in timing:
            reports.append(timing[type(op)](op, record_trace,
                                            refetch_fraction=refetch_fraction))
    return Report(reports)
