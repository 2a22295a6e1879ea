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
from collections import OrderedDict
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
                    "attn-split-parts{{min_keys={min_keys}}}")
"""Applied to modules that still have ops above the tiled level."""

SPLIT_MIN_KEYS = 8192
"""Fewest extra keys of a straggler query tile for ``attn-split-parts``.
Measured on an H200 (bf16, 12 heads, D = 64, 64-tiles, docs/gpu.md):
longformer at 4096 tokens, whose global query tile visits 3,456 keys more
than the median one, ran in 0.101 ms unsplit against 0.132 ms split (and
bigbird at 4096, 3,584 more: 0.098 against 0.168 ms); at 16384 (15,744
more) 0.349 ms unsplit against 0.253 ms split.  8192 lies between; it was
not measured there."""

DEFAULT_TILE = 128
"""FlexAttention's block size."""

BLOCK_TILE = 64
"""Tiles for narrow bands and patterns made of 64-token blocks.  Measured
on an H200 (bf16, 12 heads, D = 64, docs/gpu.md): bigbird-roberta-base at
4096 tokens ran in 0.18 ms with 64-tiles against 0.91 ms with 128-tiles
(every tile full, no mask_mod at all), and longformer's band |i - j| <= 256
in 0.100 / 0.369 ms at 16384 / 65536 tokens against 0.121 / 0.450 ms (a
band's two edge tiles per query tile are partial: smaller tiles compute
fewer masked-out pairs)."""

NARROW_BAND = 1024
"""Widest window span (``(left + right) x dilation``) that gets
BLOCK_TILE: wider bands are mostly full tiles, where the larger tile is
the faster kernel."""


def tile_size(module: ModuleOp) -> int:
    """BLOCK_TILE when every ``attn.attention`` pattern is a union of
    windows no wider than NARROW_BAND, block-local and random blocks of
    BLOCK_TILE tokens and global tokens (in whole such blocks where there
    is no window), else DEFAULT_TILE."""
    from attn_ir import patterns as P
    from attn_ir.dialects import attn

    found = False
    for op in module.walk():
        if not isinstance(op, attn.AttentionOp):
            continue
        leaves = [p for p in op.pattern.pattern.walk() if not isinstance(p, P.Union)]
        banded = any(isinstance(p, P.Window) for p in leaves)
        for p in leaves:
            if isinstance(p, (P.BlockLocal, P.RandomBlocks)):
                if p.block != BLOCK_TILE:
                    return DEFAULT_TILE
            elif isinstance(p, P.Window):
                if (p.left + p.right) * max(p.dilation) > NARROW_BAND:
                    return DEFAULT_TILE
            elif isinstance(p, P.Global):
                runs = {(g // BLOCK_TILE) for g in p.indices}
                if not banded and len(p.indices) != len(runs) * BLOCK_TILE:
                    return DEFAULT_TILE
            else:
                return DEFAULT_TILE
        found = found or banded or any(
            isinstance(p, (P.BlockLocal, P.RandomBlocks)) for p in leaves)
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
        return DEFAULT_PIPELINE.format(tile=tile_size(module), min_keys=SPLIT_MIN_KEYS)

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


ZERO_COPY_GRAPHS = 4
"""Graphs captured on callers' own tensors that are kept (the least
recently used goes first); each holds a pool of the program's
intermediates (about 0.3 GB at 65536 tokens, 12 heads)."""

SEEN_ADDRESSES = 4 * ZERO_COPY_GRAPHS
"""Input addresses remembered from a single call (a second call with one
of them captures a graph on it)."""


class GraphedProgram:
    """Calls of a program captured as CUDA graphs and replayed.

    The first call with a new input signature (shapes, dtypes) captures a
    graph on static buffers, into which every later call copies its inputs.
    Inputs that come a second time at the same device addresses (same data
    pointers, shapes, strides and dtypes: a model loop whose caching
    allocator hands out the same blocks every step, or a benchmark) get a
    graph captured on those tensors themselves, replayed with no copy (at
    65536 tokens the copies of q, k, v are about 0.15 ms, a sixth of the
    call).  A graph replays only for inputs at exactly the addresses it was
    captured on, so it always reads the caller's current data; it holds no
    reference to them.  Outputs are copied out (a later replay does not
    overwrite them).  Calls that need autograd run the program directly,
    and so does everything after a capture fails (some ops cannot be
    captured: the program stays correct, only slower)."""

    def __init__(self, program, device):
        self.program = program
        self.device = device
        self.graphs: dict[tuple, tuple] = {}
        """Input signature -> (static buffers, graph, outputs)."""
        self.zero_copy: OrderedDict[tuple, tuple] = OrderedDict()
        """Input addresses -> (graph, outputs), at most ZERO_COPY_GRAPHS."""
        self.seen: OrderedDict[tuple, None] = OrderedDict()
        """Input addresses seen once (a second call captures on them)."""
        self.failed = False

    def __call__(self, tensors):
        import torch

        program = self.program
        if self.failed or (torch.is_grad_enabled() and any(t.requires_grad for t in tensors)):
            return program(*tensors)
        try:
            graph, outputs = self._graph(tensors)
        except Exception:  # noqa: BLE001 - capture is an optimisation
            self.failed = True
            torch.cuda.synchronize(self.device)
            return program(*tensors)
        graph.replay()
        return tuple(o.clone() for o in outputs)

    def _graph(self, tensors):
        """The graph for these inputs, captured if needed (inputs copied in
        where it reads static buffers)."""
        addresses = tuple((t.data_ptr(), tuple(t.shape), t.stride(), t.dtype) for t in tensors)
        if addresses in self.zero_copy:
            self.zero_copy.move_to_end(addresses)
            return self.zero_copy[addresses]
        if addresses in self.seen:
            del self.seen[addresses]
            self.zero_copy[addresses] = self._capture(tensors)
            if len(self.zero_copy) > ZERO_COPY_GRAPHS:
                self.zero_copy.popitem(last=False)
            return self.zero_copy[addresses]
        self.seen[addresses] = None
        if len(self.seen) > SEEN_ADDRESSES:
            self.seen.popitem(last=False)
        signature = tuple((tuple(t.shape), t.dtype) for t in tensors)
        if signature not in self.graphs:
            buffers = [t.detach().clone() for t in tensors]
            self.graphs[signature] = (buffers, *self._capture(buffers))
        buffers, graph, outputs = self.graphs[signature]
        for buffer, t in zip(buffers, tensors):
            buffer.copy_(t)
        return graph, outputs

    def _capture(self, inputs):
        import torch

        side = torch.cuda.Stream(self.device)
        side.wait_stream(torch.cuda.current_stream(self.device))
        with torch.cuda.stream(side), torch.no_grad():
            for _ in range(2):  # compile and allocate before the capture
                self.program(*inputs)
        torch.cuda.current_stream(self.device).wait_stream(side)
        graph = torch.cuda.CUDAGraph()
        with torch.no_grad(), torch.cuda.graph(graph):
            outputs = self.program(*inputs)
        return graph, outputs


def _to_numpy(t) -> np.ndarray:
    import torch

    t = t.detach()
    if t.dtype == torch.bfloat16:  # NumPy has no bf16
        t = t.float()
    return t.cpu().numpy()
