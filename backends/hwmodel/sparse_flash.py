"""The hardware model of ``accel.indexed_kernel`` (Sparse Flash Attention;
listed in its ``EXTENSION``).

The kernel's tile table is data: which key tiles a lane visits depends on
the original indices (and bucket ids) of its queries and of the keys
(``attn_ir.reference.sparse_flash.tile_classes``).  A functional run evaluates the
test for every lane when the kernel starts (vectorised; on the hardware
each lane's ``accel.tile_scan`` does it, and pays for streaming the keys'
indices) and then executes the lanes like ``accel.kernel``'s: steps are
the surviving key tiles, partial tiles are masked with the predicate on
original indices, full ones are not.  Cycles come from the scoreboard
timeline over those lanes, so the skipped tiles cost only their share of
the scan.  The report's ``counters`` give the tiles found full, partial and
skipped at run time and the pairs that attend.

Without data (``time_module``) the skips are unknown: every key tile is
assumed visited (an upper bound), and the counters say so.
"""

from __future__ import annotations

import math
from collections import Counter
from typing import cast

import numpy as np
from xdsl.dialects.builtin import MemRefType
from xdsl.interpreter import Interpreter, InterpreterFunctions, impl, register_impls

from attn_ir.reference import sparse_flash as SF
from attn_ir.backends.hwmodel import KernelReport, assemble_report, tally
from attn_ir.backends.hwmodel.executor import (
    KernelExecution,
    exp_function,
)
from attn_ir.backends.hwmodel.lanes import Lanes
from attn_ir.backends.hwmodel.extension import HardwareExtension
from attn_ir.backends.hwmodel.program import build_program
from attn_ir.backends.hwmodel.timing import simulate
from attn_ir.dialects.sparse_flash.accel import DmaLoadIndexOp, IndexedKernelOp, TileScanOp


def runtime_lanes(kernel: IndexedKernelOp, classes: np.ndarray) -> Lanes:
    """Lanes (batch, head, query tile), in that order, whose steps are the
    key tiles not skipped: one table with a row per lane."""
    b, h, mq, _, _, _ = kernel.dims
    bq, bk = kernel.blocks
    nqt = classes.shape[2]
    bb, hh, tt = (a.ravel() for a in np.meshgrid(np.arange(b), np.arange(h), np.arange(nqt),
                                                  indexing="ij"))
    flat = classes.reshape(b * h * nqt, -1)
    lane, key_tile = np.nonzero(flat != SF.SKIPPED)
    steps = np.bincount(lane, minlength=len(flat)).astype(np.int64)
    ptr = np.concatenate(([0], np.cumsum(steps)))
    return Lanes(batch=bb, head=hh, q_tile=np.arange(len(flat)), row_start=tt * bq,
                 row_stride=np.ones_like(tt), steps=steps,
                 has_global_rows=np.zeros(len(flat), bool), rows=bq, cols=bk, band=None,
                 key_tile=[key_tile.astype(np.int64)],
                 full=[flat[lane, key_tile] == SF.FULL], ptr=[ptr])


class IndexedKernelExecution(KernelExecution):
    """``KernelExecution`` with the run-time tile table and the predicate
    on original indices."""

    def __init__(self, kernel: IndexedKernelOp, arrays: list[np.ndarray]):
        self.kernel = kernel  # type: ignore[assignment]
        self.target = kernel.target.target
        self.exp = exp_function(self.target)
        self.dims = kernel.dims
        b, h, mq, mk, d, dv = kernel.dims
        self.q, self.k, self.v = arrays[:3]
        self.q_pos, self.k_pos = (np.asarray(a, np.int64) for a in arrays[3:5])
        self.q_bucket, self.k_bucket = ((np.asarray(a, np.int64) for a in arrays[5:7])
                                        if kernel.hashed else (None, None))
        self.classes = SF.tile_classes(self.q_pos, self.k_pos, self.q_bucket, self.k_bucket,
                                       *kernel.blocks)
        self.lanes = runtime_lanes(kernel, self.classes)
        self.pattern = None
        self.mask = None
        self.globals = np.zeros(0, np.int64)
        self.out = np.zeros((b, h, mq, dv), np.result_type(self.q.dtype, np.float32))
        self.instances = Counter()
        args = kernel.body.block.args
        self.index_arrays = {args[n]: a for n, a in enumerate(
            [self.q_pos, self.k_pos, self.q_bucket, self.k_bucket][:len(arrays) - 3], 3)}

    def _attends(self, lanes, rows, cols) -> np.ndarray:
        _, _, mq, mk, _, _ = self.dims
        bb = self.lanes.batch[lanes][:, None]
        hh = self.lanes.head[lanes][:, None]
        r = np.clip(rows, 0, mq - 1)
        c = np.clip(cols, 0, mk - 1)
        qb = kb = None
        if self.q_bucket is not None:
            qb = self.q_bucket[bb, hh, r][:, :, None]
            kb = self.k_bucket[bb, hh, c][:, None, :]
        return SF.attends(self.q_pos[bb, hh, r][:, :, None], self.k_pos[bb, hh, c][:, None, :],
                          qb, kb)

    def counters(self) -> dict[str, int]:
        found = np.bincount(self.classes.ravel(), minlength=3)
        return {"tiles_skipped": int(found[SF.SKIPPED]),
                "tiles_partial": int(found[SF.PARTIAL]),
                "tiles_full": int(found[SF.FULL]),
                "attended_pairs": int(SF.attended_pairs(self.q_pos, self.k_pos, self.q_bucket,
                                                        self.k_bucket).sum())}


def _load_index(execution: IndexedKernelExecution, op: DmaLoadIndexOp, lanes, active, step):
    array = execution.index_arrays[op.source]
    n = array.shape[2]
    dest = execution.buf(op.dest)
    if op.tile.data == "q":
        index = execution._rows(lanes)
    else:
        index = execution._key_indices(lanes, step, dest.shape[1])
    values = array[execution.lanes.batch[lanes, None], execution.lanes.head[lanes, None],
                   np.clip(index, 0, n - 1)]
    dest[active] = np.where(index < n, values, -1)


def _tile_scan(execution: IndexedKernelExecution, op: TileScanOp, lanes, active, step):
    # The lanes' steps were found when the kernel started (see the module
    # docstring); this instruction accounts for the scan.
    pass


def _load_index_cost(instr, op: DmaLoadIndexOp, kernel, target):
    size = math.prod(cast(MemRefType, op.dest.type).get_shape()) * 4
    instr.dram_read_bytes = size
    return (size,), Counter()


def _tile_scan_cost(instr, op: TileScanOp, kernel, target):
    mk = kernel.dims[3]
    tags = len(op.tags) // 2
    size = mk * 4 * tags
    instr.dram_read_bytes = size
    # The lowest and highest index (and bucket) of every key tile, compared
    # with the query tile's.
    return (size,), Counter(max=2 * mk * tags)




def _lane_runs(steps: np.ndarray) -> list[tuple[int, bool, int]]:
    """Consecutive lanes as (steps, False, count) runs."""
    if len(steps) == 0:
        return []
    change = np.flatnonzero(np.diff(steps)) + 1
    starts = np.concatenate(([0], change))
    lengths = np.diff(np.append(starts, len(steps)))
    return [(int(steps[s]), False, int(n)) for s, n in zip(starts, lengths)]


def indexed_kernel_report(kernel: IndexedKernelOp, steps: np.ndarray, attended: int,
                          counters: dict[str, int], record_trace: bool = False,
                          instances: Counter | None = None) -> KernelReport:
    """Time and cost one kernel whose lanes take ``steps`` steps each."""
    program = build_program(kernel)  # type: ignore[arg-type]
    timeline = simulate(program, _lane_runs(steps), record_trace)
    counts = instances if instances is not None else timeline.instances
    _, _, _, _, d, dv = kernel.dims
    return assemble_report(
        kernel, program.target, kernel.schedule.data if kernel.schedule else "generic",
        program, timeline, counts, tally(program.all, counts),
        useful_ops=2 * attended * (d + dv), counters=counters)


def time_indexed_kernel(kernel: IndexedKernelOp, record_trace: bool = False,
                        **assumptions) -> KernelReport:
    """Timing without data: every key tile visited (an upper bound).
    ``assumptions`` of other kernels (``refetch_fraction``) do not apply."""
    b, h, mq, mk, _, _ = kernel.dims
    bq, bk = kernel.blocks
    nqt, nkt = -(-mq // bq), -(-mk // bk)
    steps = np.full(b * h * nqt, nkt, np.int64)
    counters = {"tiles_visited_upper_bound": int(steps.sum())}
    # Causal on original indices: at most every pair of a causal sequence.
    return indexed_kernel_report(kernel, steps, b * h * mq * (mq + 1) // 2, counters,
                                 record_trace)


def hardware_functions(reports: list[KernelReport], record_trace: bool = False):
    @register_impls
    class IndexedKernelFunctions(InterpreterFunctions):
        @impl(IndexedKernelOp)
        def run_indexed_kernel(self, interpreter: Interpreter, op: IndexedKernelOp, args):
            execution = IndexedKernelExecution(op, list(args))
            out = execution.run()
            counters = execution.counters()
            reports.append(indexed_kernel_report(
                op, execution.lanes.steps, counters["attended_pairs"], counters,
                record_trace, execution.instances))
            return (out,)

    return IndexedKernelFunctions()


EXTENSION = HardwareExtension(
    instruction_handlers={DmaLoadIndexOp: _load_index, TileScanOp: _tile_scan},
    instruction_costs={DmaLoadIndexOp: _load_index_cost, TileScanOp: _tile_scan_cost},
    functions=hardware_functions,
    timing={IndexedKernelOp: time_indexed_kernel},
)
