"""The torch backend of ``attn-run`` and ``attn_ir.compile``.

``compile`` lowers the function once (``TorchProgram``: block masks, mask
functions and constants built then) and returns a callable; FlexAttention
is compiled by ``torch.compile`` at the first call and cached by it.
Arrays may be NumPy arrays (moved to the device; NumPy results come back,
bf16 as float32) or torch tensors (used on the device in the IR's element
type; torch results come back, differentiable where the ops are).
"""

from __future__ import annotations

import time
from collections.abc import Mapping

import numpy as np
from xdsl.dialects.builtin import ModuleOp

from attn_ir.backends.registry import (
    Backend,
    BackendError,
    RunReport,
    check_inputs,
    register_backend,
    result_names,
    select_function,
)

DEFAULT_PIPELINE = ("attn-decompose,attn-fuse{{passes=1}},attn-tile{{q={tile} k={tile}}},"
                    "attn-split-parts")
"""Applied to modules that still have ops above the tiled level."""

DEFAULT_TILE = 128
"""FlexAttention's block size."""

BLOCK_TILE = 64
"""Tiles for patterns made of 64-token blocks (BigBird): every tile is then
full and FlexAttention evaluates no mask_mod at all; measured on an H200,
bigbird-roberta-base at 4096 tokens ran in 0.18 ms with 64-tiles against
0.91 ms with 128-tiles (docs/gpu.md)."""


def tile_size(module: ModuleOp) -> int:
    """BLOCK_TILE when every ``attn.attention`` pattern is built of
    block-local and random blocks of BLOCK_TILE tokens and global tokens in
    whole such blocks, else DEFAULT_TILE."""
    from attn_ir import patterns as P
    from attn_ir.dialects import attn

    found = False
    for op in module.walk():
        if not isinstance(op, attn.AttentionOp):
            continue
        for p in op.pattern.pattern.walk():
            if isinstance(p, (P.BlockLocal, P.RandomBlocks)):
                if p.block != BLOCK_TILE:
                    return DEFAULT_TILE
                found = True
            elif isinstance(p, P.Global):
                runs = {(g // BLOCK_TILE) for g in p.indices}
                if len(p.indices) != len(runs) * BLOCK_TILE:
                    return DEFAULT_TILE
            elif not isinstance(p, P.Union):
                return DEFAULT_TILE
    return BLOCK_TILE if found else DEFAULT_TILE


def _torch():
    try:
        import torch
    except ImportError:  # pragma: no cover - depends on the installation
        raise BackendError("the torch backend needs PyTorch: pip install 'attn_ir[torch]'"
                           ) from None
    return torch


@register_backend
class TorchBackend(Backend):
    """Runs tiled IR with PyTorch: FlexAttention over the tile tables."""

    name = "torch"
    description = "PyTorch: FlexAttention over tile tables (CUDA or CPU)"

    def __init__(self, device: str = "cuda", compile: bool | None = None,
                 cuda_graph: bool | None = None):
        torch = _torch()
        try:
            self.device = torch.device(device)
        except (RuntimeError, TypeError) as e:
            raise BackendError(f"torch backend: bad device '{device}': {e}") from None
        if self.device.type == "cuda" and not torch.cuda.is_available():
            raise BackendError("torch backend: device 'cuda' asked for, but no CUDA GPU is "
                               "available (use --device cpu)")
        if self.device.type not in ("cuda", "cpu"):
            raise BackendError(f"torch backend: device must be cuda or cpu, got '{device}'")
        self.compile_flex = (self.device.type == "cuda") if compile is None else bool(compile)
        """torch.compile FlexAttention (default on CUDA; on CPU its eager
        path runs, fine at test sizes)."""
        self.cuda_graph = (self.device.type == "cuda") if cuda_graph is None else bool(cuda_graph)
        """Replay calls without autograd as CUDA graphs (one per input
        shape): the program's Python and launch overhead goes, which is
        most of a call at 4K tokens."""
        self._programs: dict[tuple[int, str], object] = {}

    def default_pipeline(self, module: ModuleOp) -> str:
        from attn_ir.backends.numpy.backend import needs_lowering

        if not needs_lowering(module):
            return ""
        return DEFAULT_PIPELINE.format(tile=tile_size(module))

    def program(self, module: ModuleOp, function: str | None = None):
        from attn_ir.backends.torch.program import TorchProgram

        fn = select_function(module, function)
        key = (id(module), fn.sym_name.data)
        if key not in self._programs:
            self._programs[key] = TorchProgram(fn, self.device, self.compile_flex)
        return self._programs[key]

    def compile(self, module: ModuleOp, function: str | None = None):
        torch = _torch()
        program = self.program(module, function)
        device = self.device
        graphs = GraphedProgram(program, device) if self.cuda_graph else None

        def call(*arrays):
            if len(arrays) != len(program.arguments):
                raise TypeError(f"@{program.name} takes {len(program.arguments)} arrays, "
                                f"got {len(arrays)}")
            as_numpy = not any(isinstance(a, torch.Tensor) for a in arrays)
            tensors = [
                (a if isinstance(a, torch.Tensor) else torch.from_numpy(np.asarray(a)))
                .to(device=device, dtype=dtype)
                for a, dtype in zip(arrays, program.argument_dtypes)]
            results = graphs(tensors) if graphs is not None else program(*tensors)
            if as_numpy:
                results = tuple(_to_numpy(r) for r in results)
            return results[0] if len(results) == 1 else results

        call.program = program  # type: ignore[attr-defined]
        return call

    def run(self, module: ModuleOp, inputs: Mapping[str, np.ndarray],
            function: str | None = None) -> tuple[list[np.ndarray], RunReport]:
        torch = _torch()
        fn = select_function(module, function)
        arrays = check_inputs(fn, inputs)
        t0 = time.perf_counter()
        call = self.compile(module, fn.sym_name.data)
        t1 = time.perf_counter()
        from attn_ir.diagnostics import InputError
        try:
            result = call(*arrays)
        except InputError as e:
            raise BackendError(f"@{fn.sym_name.data}: {e}") from None
        if self.device.type == "cuda":
            torch.cuda.synchronize(self.device)
        t2 = time.perf_counter()
        outputs = list(result) if isinstance(result, tuple) else [result]
        report = RunReport(self.name, fn.sym_name.data, {
            "run_s": t2 - t1,
            "lower_s": t1 - t0,
            "device": str(self.device),
            "torch": torch.__version__,
            "compiled_flex": self.compile_flex,
            **call.program.figures,  # type: ignore[attr-defined]
            "outputs": ", ".join(result_names(fn)) or "none",
        })
        return outputs, report


class GraphedProgram:
    """Calls of a program captured as CUDA graphs, one per input signature,
    replayed on static input buffers; outputs are copied out (a later call
    does not overwrite them).  Calls that need autograd run the program
    directly, and so does everything after a capture fails (some ops cannot
    be captured: the program stays correct, only slower)."""

    def __init__(self, program, device):
        self.program = program
        self.device = device
        self.graphs: dict[tuple, tuple] = {}
        self.failed = False

    def __call__(self, tensors):
        import torch

        program = self.program
        if self.failed or (torch.is_grad_enabled() and any(t.requires_grad for t in tensors)):
            return program(*tensors)
        key = tuple((tuple(t.shape), t.dtype) for t in tensors)
        if key not in self.graphs:
            try:
                self.graphs[key] = self._capture(tensors)
            except Exception:  # noqa: BLE001 - capture is an optimisation
                self.failed = True
                torch.cuda.synchronize(self.device)
                return program(*tensors)
        graph, inputs, outputs = self.graphs[key]
        for buffer, t in zip(inputs, tensors):
            buffer.copy_(t)
        graph.replay()
        return tuple(o.clone() for o in outputs)

    def _capture(self, tensors):
        import torch

        inputs = [t.detach().clone() for t in tensors]
        side = torch.cuda.Stream(self.device)
        side.wait_stream(torch.cuda.current_stream(self.device))
        with torch.cuda.stream(side), torch.no_grad():
            for _ in range(2):  # compile and allocate before the capture
                self.program(*inputs)
        torch.cuda.current_stream(self.device).wait_stream(side)
        graph = torch.cuda.CUDAGraph()
        with torch.no_grad(), torch.cuda.graph(graph):
            outputs = self.program(*inputs)
        return graph, inputs, outputs


def _to_numpy(t) -> np.ndarray:
    import torch

    t = t.detach()
    if t.dtype == torch.bfloat16:  # NumPy has no bf16
        t = t.float()
    return t.cpu().numpy()
