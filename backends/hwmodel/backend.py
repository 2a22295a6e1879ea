"""The hardware model as an ``attn-run`` / ``attn_ir.compile`` backend."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from xdsl.dialects.builtin import ModuleOp

from attn_ir import targets as T
from attn_ir.backends.hwmodel import Report, run, time_module
from attn_ir.backends.registry import (
    Backend,
    BackendError,
    RunReport,
    argument_names,
    select_function,
)
from attn_ir.dialects import accel as A


class HardwareModelBackend(Backend):
    """Runs accel IR on the functional, cycle-counting hardware model.
    attn-level input is lowered with the target's default pipeline."""

    name = "hwmodel"
    description = "functional, cycle-counting model of an accelerator target"

    def __init__(self, target: str = "salo", timing_only: bool = False,
                 record_trace: bool = False, refetch_fraction: float = 0.0):
        if target not in T.presets():
            raise BackendError(f"unknown target '{target}'; known: "
                               + ", ".join(sorted(T.presets())))
        if not 0.0 <= refetch_fraction <= 1.0:
            raise BackendError(f"refetch_fraction must lie in [0, 1], got {refetch_fraction}")
        self.refetch_fraction = float(refetch_fraction)
        """Timing-only: the share of progressive-quantisation lanes assumed to refetch key
        LSBs (a functional run measures it)."""
        self.target = T.get_target(target)
        self.timing_only = timing_only
        self.record_trace = record_trace
        self.last_report: Report | None = None

    def default_pipeline(self, module: ModuleOp) -> str:
        if any(isinstance(op, A.KernelOp) for op in module.walk()):
            return ""
        return self.target.default_pipeline()

    def run(self, module: ModuleOp, inputs: Mapping[str, np.ndarray],
            function: str | None = None) -> tuple[list[np.ndarray], RunReport]:
        fn = select_function(module, function)
        if self.timing_only:
            report = time_module(module, self.record_trace, self.refetch_fraction)
            outputs: list[np.ndarray] = []
        else:
            arrays = [inputs[n] for n in argument_names(fn)]
            results, report = run(module, arrays, fn.sym_name.data, self.record_trace)
            outputs = list(results)
        if not report.kernels:
            raise BackendError("the module has no accel.kernel to model; lower it with "
                               "the target's pipeline (see --print-pipeline)")
        self.last_report = report
        d = report.as_dict()
        figures = {
            "target": d["target"], "cycles": d["cycles"], "seconds": d["seconds"],
            "utilization": d["utilization"], "mac_utilization": d["mac_utilization"],
            "util_2d": d["util_2d"], "dram_bytes": d["dram_bytes"],
            "buffer_peak_bytes": d["buffer_peak_bytes"],
            "energy_pj": d["energy_pj"]["total"], "area_mm2": d["area_mm2"],
        }
        figures.update(d["counters"])
        if self.timing_only and "refetch_lanes" in d["counters"]:
            figures["assumed_refetch_fraction"] = self.refetch_fraction
        return outputs, RunReport(self.name, fn.sym_name.data, figures)
