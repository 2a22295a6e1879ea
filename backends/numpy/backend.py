"""The NumPy backend of ``attn-run`` and ``attn_ir.compile``: emit, load and
call the module, on several cores.

An emitted function's independent chunks of work run through its
``parallel_map`` keyword.  ``ParallelRunner`` passes a thread pool's ``map``
(NumPy releases the GIL in matmuls and ufuncs) and, while the threads run,
limits the BLAS library to one thread each with threadpoolctl, so the
threads do not oversubscribe the cores.  Without threadpoolctl, or with one
thread, functions run serially and BLAS keeps its own threads.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import nullcontext

import numpy as np
from xdsl.dialects.builtin import ModuleOp

from attn_ir.backends.numpy.emitter import EmitOptions, emit_module, load_module
from attn_ir.backends.registry import (
    Backend,
    BackendError,
    RunReport,
    check_inputs,
    register_backend,
    result_names,
    select_function,
)
from attn_ir.dialects import attn, tile

DEFAULT_PIPELINE = "attn-decompose,attn-fuse{passes=1},attn-tile{q=64 k=64},attn-coalesce"
"""Applied to modules that still have ``attn.attention`` ops."""


class ParallelRunner:
    """Calls emitted functions with a thread pool of ``threads`` workers
    (default: the number of CPUs this process may use)."""

    def __init__(self, threads: int | None = None):
        if threads is None:
            threads = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") \
                else (os.cpu_count() or 1)
        if threads < 1:
            raise ValueError(f"threads must be at least 1, got {threads}")
        self.threads = threads
        self._pool: ThreadPoolExecutor | None = None
        self._controller = None
        self._lock = threading.Lock()
        if threads > 1:
            try:
                from threadpoolctl import ThreadpoolController
            except ImportError:  # pragma: no cover - threadpoolctl is a dependency
                self.threads = 1
            else:
                self._controller = ThreadpoolController()

    @property
    def parallel(self) -> bool:
        return self.threads > 1

    def __call__(self, fn: Callable, *args):
        if not self.parallel:
            return fn(*args)
        with self._lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(self.threads, thread_name_prefix="attn_ir")
        limit = (self._controller.limit(limits=1, user_api="blas")
                 if self._controller is not None else nullcontext())
        with limit:
            return fn(*args, parallel_map=self._pool.map)


def needs_lowering(module: ModuleOp) -> bool:
    from attn_ir.backends.numpy.emitter import untiled_ops

    untiled = (attn.AttentionOp, *untiled_ops())
    return any(isinstance(op, untiled) for op in module.walk())


@register_backend
class NumpyBackend(Backend):
    """Emits the module as NumPy code (``attn_ir.backends.numpy.emitter``),
    loads it and calls the function."""

    name = "numpy"
    description = "emitted NumPy module (vectorised over tiles)"

    def __init__(self, threads: int | None = None, state_dtype: str | None = None,
                 coalesce: bool = True):
        self.runner = ParallelRunner(threads)
        self.options = EmitOptions(state_dtype=state_dtype, coalesce=coalesce)

    def default_pipeline(self, module: ModuleOp) -> str:
        return DEFAULT_PIPELINE if needs_lowering(module) else ""

    def load(self, module: ModuleOp):
        """The emitted module object and its source."""
        source = emit_module(module, self.options)
        return load_module(source), source

    def compile(self, module: ModuleOp, function: str | None = None):
        fn = select_function(module, function)
        loaded, source = self.load(module)
        target = loaded.FUNCTIONS[fn.sym_name.data]
        runner = self.runner

        def call(*arrays):
            return runner(target, *arrays)

        call.source = source  # type: ignore[attr-defined]
        call.threads = runner.threads  # type: ignore[attr-defined]
        return call

    def run(self, module: ModuleOp, inputs: Mapping[str, np.ndarray],
            function: str | None = None) -> tuple[list[np.ndarray], RunReport]:
        fn = select_function(module, function)
        arrays = check_inputs(fn, inputs)
        t0 = time.perf_counter()
        source = emit_module(module, self.options)
        t1 = time.perf_counter()
        loaded = load_module(source)
        t2 = time.perf_counter()
        try:
            result = self.runner(loaded.FUNCTIONS[fn.sym_name.data], *arrays)
        except loaded.InputError as e:
            raise BackendError(f"@{fn.sym_name.data}: {e}") from None
        t3 = time.perf_counter()
        outputs = [] if result is None else list(result) if isinstance(result, tuple) \
            else [result]
        tiles = [op for op in module.walk() if isinstance(op, tile.TiledAttentionOp)]
        report = RunReport(self.name, fn.sym_name.data, {
            "run_s": t3 - t2,
            "emit_s": t1 - t0,
            "load_s": t2 - t1,
            "threads": self.runner.threads,
            "source_lines": source.count("\n"),
            "tiled_attention_ops": len(tiles),
            "outputs": ", ".join(result_names(fn)) or "none",
        })
        return outputs, report
