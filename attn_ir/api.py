"""The embedding API: IR (text or a module) → a Python callable.

    import attn_ir
    from attn_ir.builder import attention

    module = attention((1, 12, 4096, 64), (1, 12, 4096, 64),
                       pattern="#attn.union<[#attn.window<left = 256, right = 256>, "
                               "#attn.global<[0]>]>")
    longformer = attn_ir.compile(module)          # numpy backend, default pipeline
    out = longformer(q, k, v)                     # [1, 12, 4096, 64]

The pipeline defaults to the backend's (for the numpy backend:
``attn-decompose,attn-fuse{passes=1},attn-tile{q=64 k=64},attn-coalesce`` on attn-level
IR).  Compiled functions are cached per module text, pipeline, backend,
function and options, so compiling the same IR twice emits it once.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable

from xdsl.dialects.builtin import ModuleOp

from attn_ir.pipeline import PipelineError, parse_pipeline, print_module, process

CACHE_SIZE = 64
"""Compiled functions kept (least recently used dropped first)."""

_cache: OrderedDict[tuple, CompiledFunction] = OrderedDict()
_cache_lock = threading.Lock()


class CompileError(ValueError):
    """The IR does not parse or verify, the pipeline fails, or the backend
    cannot handle the result (one line, naming the place when known)."""


class CompiledFunction:
    """A function of compiled IR: call it with the arguments as arrays, in
    order; it returns the result (a tuple for several)."""

    def __init__(self, call: Callable, function: str, arguments: list[str],
                 backend: str, pipeline: str, module: ModuleOp):
        self._call = call
        self.function = function
        """The IR symbol name."""
        self.arguments = arguments
        """Argument names, in order."""
        self.backend = backend
        self.pipeline = pipeline
        self.module = module
        """The lowered module."""
        self.source: str | None = getattr(call, "source", None)
        """The emitted Python source (numpy backend)."""
        self.threads: int | None = getattr(call, "threads", None)
        """Worker threads a call uses (numpy backend)."""

    def __call__(self, *arrays):
        return self._call(*arrays)

    def __repr__(self) -> str:
        return (f"<compiled @{self.function}({', '.join(self.arguments)}) on "
                f"{self.backend}, pipeline '{self.pipeline}'>")


def _first_error(diagnostics) -> str:
    for d in diagnostics:
        if d.severity == "error":
            where = f"{d.file}:{d.line}:{d.col}: " if d.line is not None else ""
            return where + d.message
    return "invalid IR"


def compile(ir: str | ModuleOp, pipeline: str | None = None, backend: str = "numpy",
            function: str | None = None, **options) -> CompiledFunction:
    """Lower ``ir`` with ``pipeline`` (default: the backend's) and return a
    callable for ``function`` (default: the first ``func.func``).
    ``options`` go to the backend (numpy: ``threads``, ``state_dtype``)."""
    from attn_ir.backends.registry import BackendError, argument_names, get_backend, \
        select_function

    text = ir if isinstance(ir, str) else print_module(ir)
    key = (text, pipeline, backend, function, tuple(sorted(options.items())))
    with _cache_lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
    try:
        target = get_backend(backend, **options)
    except BackendError as e:
        raise CompileError(str(e)) from None
    parsed = process(text, "<ir>")
    if not parsed.ok:
        raise CompileError(_first_error(parsed.diagnostics))
    spec = target.default_pipeline(parsed.module) if pipeline is None else pipeline
    module = parsed.module
    if spec:
        try:
            lowered = process(text, "<ir>", parse_pipeline(spec))
        except PipelineError as e:
            raise CompileError(str(e)) from None
        if not lowered.ok:
            raise CompileError(_first_error(lowered.diagnostics))
        module = lowered.module
    try:
        fn = select_function(module, function)
        call = target.compile(module, fn.sym_name.data)
    except BackendError as e:
        raise CompileError(str(e)) from None
    compiled = CompiledFunction(call, fn.sym_name.data, argument_names(fn), backend, spec,
                                module)
    with _cache_lock:
        _cache[key] = compiled
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
    return compiled
