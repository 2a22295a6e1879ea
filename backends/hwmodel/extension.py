"""The hardware model's extension interface: what a system adds to the
model with ``attn_ir.backends.hwmodel.<system>``'s ``EXTENSION``.

The core model runs ``accel.kernel`` and the core instructions; a system
adds the semantics and costs of its own instructions inside such kernels,
and, for kernel ops of its own, the interpreter functions that run them
functionally and the functions that time them without data.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class HardwareExtension:
    instruction_handlers: dict[type, Callable] = field(default_factory=dict)
    """Functional semantics of instructions: op class →
    ``fn(execution, op, lanes, active, step)``."""
    instruction_costs: dict[type, Callable] = field(default_factory=dict)
    """Cost of one instance: op class → ``fn(instr, op, kernel, target) ->
    (latency shape, Counter of operations)`` (it may also set the instr's
    ``dram_read_bytes`` / ``dram_write_bytes``)."""
    functions: Callable | None = None
    """``fn(reports, record_trace) -> InterpreterFunctions`` running the
    system's kernel ops and appending their ``KernelReport``s to ``reports``."""
    timing: dict[type, Callable] = field(default_factory=dict)
    """Kernel op class → ``fn(kernel, record_trace, refetch_fraction=...) ->
    KernelReport`` for timing-only runs."""


def extensions() -> list[HardwareExtension]:
    from attn_ir.systems import extensions

    return extensions("hwmodel")


@functools.cache
def instruction_handlers() -> dict[type, Callable]:
    return {cls: fn for ext in extensions() for cls, fn in ext.instruction_handlers.items()}


@functools.cache
def instruction_costs() -> dict[type, Callable]:
    return {cls: fn for ext in extensions() for cls, fn in ext.instruction_costs.items()}


@functools.cache
def timing_functions() -> dict[type, Callable]:
    return {cls: fn for ext in extensions() for cls, fn in ext.timing.items()}
