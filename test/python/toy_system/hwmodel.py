import math

import numpy as np
from xdsl.interpreter import InterpreterFunctions, impl, register_impls

from attn_ir.backends.hwmodel import KernelReport
from attn_ir.backends.hwmodel.extension import HardwareExtension
from toy_system.dialects import ToyScaleKernelOp


def toy_report(kernel: ToyScaleKernelOp, record_trace: bool = False, **_) -> KernelReport:
    """One multiply per element, ``vec_lanes`` per cycle."""
    target = kernel.target.target
    n = math.prod(kernel.input.type.get_shape())
    cycles = math.ceil(n / target.vec_lanes)
    return KernelReport(
        target=target.name, schedule="toy", cycles=cycles, clock_hz=target.clock_hz,
        useful_ops=n, peak_ops_per_cycle=target.vec_lanes, busy={"VEC1D": cycles},
        ops={"mul": n}, dram_read_bytes=4 * n, dram_write_bytes=4 * n, buffer_read_bytes=0,
        buffer_write_bytes=0, buffer_peak_bytes=0, buffers={},
        energy_pj={"mul": n * target.energy.mul}, instances={kernel.name: 1})


def toy_functions(reports: list, record_trace: bool = False) -> InterpreterFunctions:
    @register_impls
    class ToyHardware(InterpreterFunctions):
        @impl(ToyScaleKernelOp)
        def run(self, interpreter, op: ToyScaleKernelOp, args):
            reports.append(toy_report(op, record_trace))
            return (np.asarray(args[0]) * op.factor.value.data,)

    return ToyHardware()


EXTENSION = HardwareExtension(functions=toy_functions, timing={ToyScaleKernelOp: toy_report})
