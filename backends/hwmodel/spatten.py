"""The hardware model of SpAtten's kernels (``accel.progressive_kernel``,
``accel.token_kernel``; Wang, Zhang, Han, HPCA 2021): functional execution
on NumPy data, the scoreboard timeline, and the report.

Functional execution runs the lane program for a chunk of lanes at once
(every buffer has a leading lane axis), as the generic executor does;
``accel.refetch`` runs only in the lanes with a requantised row.
Probabilities, column sums and importance are evaluated in float64 so the
pruning and requantisation decisions are exactly those of the oracle
(``attn_ir.reference.spatten``); the datapath's width enters through the bytes the
instructions move and the energy they cost.

Timing walks each lane's program on the scoreboard of
``attn_ir.backends.hwmodel.timing`` (steps and runs of equal lanes
extrapolated once periodic); a lane runs its refetch region only when one
of its rows was requantised, which a timing-only run cannot know: it
assumes none.  DRAM bytes count the rows actually listed (a partial last
key tile moves only its rows); index lists, importance, column sums and
scales are on-chip state and cost buffer traffic only.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from typing import cast

import numpy as np
from xdsl.dialects import memref
from xdsl.dialects.builtin import IntegerType, MemRefType, TensorType
from xdsl.interpreter import Interpreter, InterpreterFunctions, impl, register_impls
from xdsl.ir import Operation, SSAValue

from attn_ir import patterns as P
from attn_ir.reference import spatten as S
from attn_ir import targets as T
from attn_ir.backends.hwmodel import KernelReport, assemble_report, tally
from attn_ir.backends.hwmodel.executor import LaneExecution
from attn_ir.backends.hwmodel.extension import HardwareExtension
from attn_ir.backends.hwmodel.program import Instr, _instr
from attn_ir.backends.hwmodel.timing import Timeline, _Scoreboard
from attn_ir.dialects import accel as A
from attn_ir.dialects.spatten import accel as AS

LANE_CHUNK_ELEMENTS = 1 << 22
"""Buffer elements held at once across a chunk of lanes (bounds memory)."""


def _shape(value: SSAValue) -> tuple[int, ...]:
    return tuple(cast(MemRefType, value.type).get_shape())


def _bits(value: SSAValue) -> int:
    element = cast(MemRefType, value.type).element_type
    return getattr(element, "bitwidth", 32)


def _is_state(op: Operation) -> bool:
    return isinstance(op, (AS.DmaGatherOp, AS.DmaStoreRowsOp)) and op.tile.data in AS.STATE_TILES


def _in_step(op: Operation) -> bool:
    return isinstance(op.parent_op(), A.StepOp)


def _block_k(op: Operation) -> int | None:
    kernel = op.parent_op()
    while kernel is not None and not isinstance(kernel, AS.ProgressiveKernelOp):
        kernel = kernel.parent_op()
    return None if kernel is None else kernel.block_k.value.data


def _row_elements(op: AS.DmaGatherOp | AS.DmaStoreRowsOp) -> int:
    """Elements of one row a data transfer moves."""
    if isinstance(op, AS.DmaGatherOp):
        return _shape(op.dest)[-1]
    return _shape(op.source)[-1]


def _rows_per_instance(op: AS.DmaGatherOp | AS.DmaStoreRowsOp) -> int:
    if isinstance(op, AS.DmaGatherOp):
        if _in_step(op):
            return _block_k(op) or _shape(op.dest)[0]
        return _shape(op.dest)[0]
    return _shape(op.source)[0]


# -- instruction costs (latency shape, operations) for the scoreboard ---------------


def _transfer_cost(instr: Instr, op, kernel, target: T.Target):
    if _is_state(op):
        return (0,), Counter()
    bits = op.bits.value.data if op.bits is not None else _bits(op.dest)
    size = math.ceil(_rows_per_instance(op) * _row_elements(op) * bits / 8)
    if isinstance(op, AS.DmaGatherOp):
        instr.dram_read_bytes = size
    else:
        instr.dram_write_bytes = size
    return (size,), Counter()


def _elementwise(name: str, of: str, per: int = 1):
    def cost(instr: Instr, op, kernel, target: T.Target):
        shape = _shape(getattr(op, of))
        return shape, Counter({name: per * math.prod(shape)}) if name else Counter()
    return cost


def _dequantize_cost(instr: Instr, op: AS.DequantizeOp, kernel, target: T.Target):
    shape = _shape(op.dest)
    n = math.prod(shape)
    return shape, Counter(add=n, mul=n)


def _topk_cost(instr: Instr, op: AS.TopKInstrOp, kernel, target: T.Target):
    rows, n = _shape(op.scores)
    if op.count is not None:
        n = op.count.value.data
    # Every quick-select round compares its remaining candidates with the pivot.
    compares, size = 0, n
    while size > 1:
        compares += size
        size = math.ceil(size / 2)
    return (rows, n), Counter(max=rows * (compares + 1))


_COSTS = {
    AS.DmaGatherOp: _transfer_cost,
    AS.DmaStoreRowsOp: _transfer_cost,
    AS.DequantizeOp: _dequantize_cost,
    AS.PositionMaskOp: _elementwise("max", "mask"),
    AS.RequantCheckOp: _elementwise("max", "probs"),
    AS.SelectRowsOp: _elementwise("", "source"),
    AS.TopKInstrOp: _topk_cost,
    AS.SelectOp: _elementwise("", "dest"),
    AS.ColumnSumOp: _elementwise("add", "probs"),
    AS.ImportanceAddOp: _elementwise("add", "colsum"),
    AS.HeadImportanceAddOp: _elementwise("add", "outputs"),
}


# -- lanes ------------------------------------------------------------------------


@dataclass(frozen=True)
class KernelLanes:
    """Lanes of a kernel: batch, listed head (position), original head and
    query tile of each; ``steps`` key tiles per lane."""

    batch: np.ndarray
    head: np.ndarray
    q_tile: np.ndarray
    steps: int

    def __len__(self) -> int:
        return len(self.batch)


def kernel_lanes(kernel: AS.RegionKernel) -> KernelLanes:
    if isinstance(kernel, AS.TokenKernelOp):
        b = kernel.dims[0]
        zeros = np.zeros(b, np.int64)
        return KernelLanes(np.arange(b), zeros, zeros, 0)
    b, hk, nq, nk, _, _ = kernel.dims
    bq, bk = kernel.block_q.value.data, kernel.block_k.value.data
    bb, hh, tt = (a.ravel() for a in np.meshgrid(np.arange(b), np.arange(hk),
                                                  np.arange(math.ceil(nq / bq)), indexing="ij"))
    return KernelLanes(bb, hh, tt, math.ceil(nk / bk))


# -- functional execution -----------------------------------------------------------


class SpAttenExecution(LaneExecution):
    """Runs one SpAtten kernel on its DRAM arrays; ``outputs`` after ``run``.
    ``instances`` counts instruction instances (summed over lanes),
    ``refetch_lanes`` the lanes that ran their refetch region and
    ``requant_rows`` the rows flagged.  The accel instructions (sddmm's
    store, exp, reduce, normalize, spmm, ...) are ``LaneExecution``'s; this
    class adds SpAtten's own and runs them in float64 buffers."""

    def __init__(self, kernel: AS.RegionKernel, arrays: list[np.ndarray]):
        super().__init__(kernel.target.target)
        self.kernel = kernel
        self.lanes = kernel_lanes(kernel)
        self.dram: dict[SSAValue, np.ndarray] = {}
        args = kernel.body.block.args
        for arg, array in zip(args, arrays):
            self.dram[arg] = np.asarray(array)
        self.outputs = []
        for arg, result in zip(args[len(arrays):], kernel.results):
            t = cast(TensorType, result.type)
            dtype = (np.bool_ if t.element_type == IntegerType(1) else
                     np.int64 if isinstance(t.element_type, IntegerType) else
                     np.float64 if t.element_type.bitwidth == 64 else np.float32)
            self.dram[arg] = np.zeros(t.get_shape(), dtype)
            self.outputs.append(self.dram[arg])
        self.progressive = isinstance(kernel, AS.ProgressiveKernelOp)
        if self.progressive:
            self.pattern = kernel.pattern.pattern
            self.context = kernel.context.value.data
            self.block_k = self.step_width = kernel.block_k.value.data
            self.block_q = kernel.block_q.value.data
            b, hk = kernel.dims[:2]
            self.heads = (np.asarray(arrays[10], np.int64) if kernel.has_heads
                          else np.broadcast_to(np.arange(hk), (b, hk)))
        self.instances: Counter = Counter()
        self.refetch_lanes = 0
        self.requant_rows = 0

    def run(self) -> list[np.ndarray]:
        per_lane = sum(math.prod(_shape(b)) for b in self.kernel.buffers())
        chunk = max(1, LANE_CHUNK_ELEMENTS // max(1, per_lane))
        for start in range(0, len(self.lanes), chunk):
            self.chunk = np.arange(start, min(len(self.lanes), start + chunk))
            self.buffers: dict[SSAValue, np.ndarray] = {}
            self._walk(self.kernel.body.block, np.arange(len(self.chunk)), None)
        return self.outputs

    # -- the program ------------------------------------------------------------

    def _walk(self, block, active: np.ndarray, step: int | None) -> None:
        for op in block.ops:
            if isinstance(op, memref.AllocOp):
                t = cast(MemRefType, op.memref.type)
                dtype = (np.bool_ if t.element_type == IntegerType(1) else
                         np.int64 if isinstance(t.element_type, IntegerType) else np.float64)
                self.buffers[op.memref] = np.zeros((len(self.chunk), *t.get_shape()), dtype)
            elif isinstance(op, A.StepOp):
                for s in range(self.lanes.steps):
                    self._walk(op.body.block, active, s)
            elif isinstance(op, AS.RefetchOp):
                flags = self.buffers[op.flags][active]
                chosen = active[flags.any(axis=1)]
                self.refetch_lanes += len(chosen)
                self._walk(op.body.block, chosen, step)
            else:
                if len(active):
                    getattr(self, "_" + op.name.split(".")[1])(op, self.chunk[active], active, step)
                self.instances[op] += len(active)

    def _lane(self, active: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(batch, listed head, original head) of the active lanes."""
        lanes = self.chunk[active]
        b, hk = self.lanes.batch[lanes], self.lanes.head[lanes]
        head = self.heads[b, hk] if self.progressive else hk
        return b, hk, head

    # -- instructions -------------------------------------------------------------

    def _dma_gather(self, op: AS.DmaGatherOp, lanes, active, step):
        src = self.dram[op.source]
        dest = self.buf(op.dest)
        b, _, head = self._lane(active)
        tile = op.tile.data
        if tile in ("list", "batch"):
            dest[active] = src[b].reshape(len(active), *dest.shape[1:])
        elif tile == "lane_list":
            width = dest.shape[1]
            rows = self.lanes.q_tile[self.chunk[active]][:, None] * width + np.arange(width)
            ok = rows < src.shape[1]
            dest[active] = np.where(ok, src[b[:, None], np.minimum(rows, src.shape[1] - 1)], -1)
        elif tile == "scale":
            dest[active, 0] = src[b, head]
        else:
            index = self.buf(op.index)[active]
            if step is not None:
                width = self.block_k
                index = _pad(index, (step + 1) * width)[:, step * width:(step + 1) * width]
            ok = index >= 0
            rows = src[b[:, None], head[:, None], np.clip(index, 0, src.shape[2] - 1)]
            rows = np.where(ok[..., None], rows, 0)
            if op.sliced is not None and op.sliced.value.data:
                dest[active, step * self.block_k:(step + 1) * self.block_k] = rows
            else:
                dest[active, :rows.shape[1]] = rows

    def _dequantize(self, op: AS.DequantizeOp, lanes, active, step):
        lsb_bits = op.lsb_bits.value.data
        msb = self.buf(op.msb)[active]
        dest = self.buf(op.dest)
        if op.sliced is not None and op.sliced.value.data:
            msb = msb[:, self.step_slice(step, dest.shape[1])]
        code = msb.astype(np.int64) << lsb_bits
        if op.lsb is not None:
            code = code + self.buf(op.lsb)[active]
        elif lsb_bits > 0:
            code = code + (1 << (lsb_bits - 1))
        dest[active] = code * self.buf(op.scale)[active][:, :1, None]

    def _position_mask(self, op: AS.PositionMaskOp, lanes, active, step):
        q_pos = self.buf(op.q_pos)[active]
        mask = self.buf(op.mask)
        k_pos = _pad(self.buf(op.k_pos)[active], ((step or 0) + 1) * self.block_k)
        k_pos = k_pos[:, self.step_slice(step, mask.shape[2])]
        _, _, head = self._lane(active)
        ok = (q_pos >= 0)[:, :, None] & (k_pos >= 0)[:, None, :]
        rows = np.maximum(q_pos, 0)[:, :, None]
        cols = np.maximum(k_pos, 0)[:, None, :]
        groups = np.unique(head) if self.pattern.head_dependent else [None]
        out = np.zeros(ok.shape, bool)
        for h in groups:
            sel = slice(None) if h is None else head == h
            dom = P.Domain(self.context, self.context, 0 if h is None else int(h))
            out[sel] = np.broadcast_to(self.pattern.attends(rows[sel], cols[sel], dom),
                                       out[sel].shape)
        mask[active] = out & ok

    def _sddmm(self, op: A.SddmmOp, lanes, active, step):
        s = self.buf(op.q)[active] @ self.buf(op.k)[active].transpose(0, 2, 1)
        if op.mask is not None:
            s = np.where(self.buf(op.mask)[active], s, -np.inf)
        self.store_scores(op, active, step, s)

    def _requant_check(self, op: AS.RequantCheckOp, lanes, active, step):
        p = self.buf(op.probs)[active]
        flags = (p.sum(axis=-1) > 0) & (p.max(axis=-1, initial=0.0) < op.threshold.value.data)
        self.buf(op.flags)[active] = flags
        self.requant_rows += int(flags.sum())

    def _select_rows(self, op: AS.SelectRowsOp, lanes, active, step):
        dest = self.buf(op.dest)
        flags = self.buf(op.flags)[active][..., None]
        dest[active] = np.where(flags, self.buf(op.source)[active], dest[active])

    def _topk(self, op: AS.TopKInstrOp, lanes, active, step):
        scores = self.buf(op.scores)[active]
        if op.count is not None:
            scores = scores[..., :op.count.value.data]
        k = op.k.value.data
        rows = scores.reshape(-1, scores.shape[-1])
        self.buf(op.dest)[active] = S.topk_positions(rows, k).reshape(*scores.shape[:-1], k)

    def _select(self, op: AS.SelectOp, lanes, active, step):
        src = self.buf(op.source)[active]
        pos = self.buf(op.positions)[active]
        dest = self.buf(op.dest)
        if src.ndim == 2:  # [lanes, N] source, [lanes, rows, k] positions: the first row
            dest[active] = np.take_along_axis(src, pos[:, 0], axis=1)
        else:
            dest[active] = np.take_along_axis(src, pos, axis=2)

    def _column_sum(self, op: AS.ColumnSumOp, lanes, active, step):
        self.buf(op.acc)[active] += self.buf(op.probs)[active].sum(axis=1)

    def _importance_add(self, op: AS.ImportanceAddOp, lanes, active, step):
        importance = self.buf(op.importance)
        per_key = self.buf(op.colsum)[active].sum(axis=1)
        positions = self.buf(op.positions)[active]
        for n, lane in enumerate(active):
            np.add.at(importance[lane], positions[n], per_key[n])

    def _head_importance_add(self, op: AS.HeadImportanceAddOp, lanes, active, step):
        importance = self.buf(op.importance)
        magnitude = np.abs(self.buf(op.outputs)[active].astype(np.float64)).sum(axis=(2, 3))
        heads = self.buf(op.heads)[active]
        for n, lane in enumerate(active):
            np.add.at(importance[lane], heads[n], magnitude[n])

    def _dma_store_rows(self, op: AS.DmaStoreRowsOp, lanes, active, step):
        dest = self.dram[op.dest]
        src = self.buf(op.source)[active]
        b, hk, _ = self._lane(active)
        tile = op.tile.data
        if tile == "list":
            dest[b] = src.reshape(len(active), -1)[:, :dest.shape[1]]
        elif tile == "colsum":  # the query tiles of a head add up (np.add.at: repeated indices)
            np.add.at(dest, (b, hk), src[:, :dest.shape[2]])
        else:
            width = src.shape[1]
            rows = self.lanes.q_tile[self.chunk[active]][:, None] * width + np.arange(width)
            ln, r = np.nonzero(rows < dest.shape[2])
            dest[b[ln], hk[ln], rows[ln, r]] = src[ln, r]


def _pad(index: np.ndarray, width: int) -> np.ndarray:
    """index [n, m] padded with -1 to at least ``width`` columns."""
    if index.shape[1] >= width:
        return index
    return np.concatenate([index, np.full((len(index), width - index.shape[1]), -1,
                                          index.dtype)], axis=1)


# -- timing -----------------------------------------------------------------------


@dataclass
class _Program:
    """What the scoreboard needs: every instruction, buffer copies, the target."""

    kernel: AS.RegionKernel
    target: T.Target
    items: list
    all: list[Instr] = field(default_factory=list)
    copies: dict = field(default_factory=dict)


def build_program(kernel: AS.RegionKernel) -> _Program:
    target = kernel.target.target
    program = _Program(kernel, target, [], copies={b: 2 for b in kernel.double_buffered()})

    def items(block, phase: str) -> list:
        out = []
        for op in block.ops:
            if isinstance(op, memref.AllocOp):
                continue
            if isinstance(op, A.StepOp):
                out.append(("step", items(op.body.block, "step")))
            elif isinstance(op, AS.RefetchOp):
                out.append(("refetch", items(op.body.block, phase)))
            else:
                instr = _instr(op, kernel, target, phase, False)
                program.all.append(instr)
                out.append(instr)
        return out

    program.items = items(kernel.body.block, "lane")
    return program


def _run_items(board: _Scoreboard, items: list, steps: int, refetch: bool,
               counts: Counter) -> None:
    for item in items:
        if isinstance(item, Instr):
            board.issue(item)
            counts[item.op] += 1
        elif item[0] == "refetch":
            if refetch:
                _run_items(board, item[1], steps, refetch, counts)
        else:
            body, previous, s = item[1], None, 0
            while s < steps:
                before = board.now()
                board.step_boundary()
                _run_items(board, body, steps, refetch, counts)
                s += 1
                state = board.relative_state()
                if state == previous and s < steps:
                    repeat = steps - s
                    board.shift((board.now() - before) * repeat)
                    board.steps_run += repeat
                    for instr in body:
                        counts[instr.op] += repeat
                    s = steps
                previous = state


def simulate(program: _Program, lane_refetch: list[bool], steps: int,
             record_trace: bool) -> Timeline:
    """Time the lanes in order (``lane_refetch``: whether each runs its
    refetch region), extrapolating runs of equal lanes once periodic."""
    board = _Scoreboard(program, record_trace)
    counts: Counter = Counter()
    runs: list[list] = []
    for flag in lane_refetch:
        if runs and runs[-1][0] == flag:
            runs[-1][1] += 1
        else:
            runs.append([flag, 1])
    for flag, count in runs:
        previous, done = None, 0
        while done < count:
            start = board.now()
            per_lane: Counter = Counter()
            _run_items(board, program.items, steps, flag, per_lane)
            counts.update(per_lane)
            done += 1
            state = board.relative_state()
            if state == previous and done < count:
                repeat = count - done
                board.shift((board.now() - start) * repeat)
                for op, n in per_lane.items():
                    counts[op] += n * repeat
                done = count
            previous = state
    timeline = board.timeline
    timeline.cycles = board.now()
    timeline.instances = counts
    for instr in program.all:
        timeline.busy[instr.unit] += instr.occupancy * counts[instr.op]
    return timeline


# -- the report ------------------------------------------------------------------


def _transfer_rows(op: Operation, kernel: AS.RegionKernel, lanes: KernelLanes,
                   refetch_lanes: int) -> int:
    """Rows a data transfer moves over the whole kernel (listed rows only)."""
    b, hk, nq, nk, _, _ = kernel.dims
    tile = op.tile.data
    if tile == "q" or tile == "o":
        return b * hk * nq
    if tile == "k_msb":
        return len(lanes) * nk
    if tile == "k_lsb":
        return refetch_lanes * nk
    if tile == "v_msb":
        per_lane = nk if _in_step(op) else _shape(op.dest)[0]
        return len(lanes) * per_lane
    raise AssertionError(tile)


def kernel_report(kernel: AS.RegionKernel, record_trace: bool = False,
                  execution: SpAttenExecution | None = None,
                  refetch_fraction: float = 0.0) -> KernelReport:
    """Time and cost one SpAtten kernel; ``execution`` (a functional run)
    gives the lanes that refetched and the instance counts, which the
    timeline must reproduce.  Without it (timing-only), a ``refetch_fraction``
    of the lanes, evenly spread, is assumed to refetch."""
    target = kernel.target.target
    program = build_program(kernel)
    lanes = kernel_lanes(kernel)
    refetched = np.zeros(len(lanes), bool)
    if execution is not None and execution.refetch_lanes:
        refetched = _refetched_lanes(kernel, execution)
    elif execution is None and isinstance(kernel, AS.ProgressiveKernelOp):
        chosen = round(refetch_fraction * len(lanes))
        refetched[(np.arange(chosen) * len(lanes)) // max(chosen, 1)] = True
    timeline = simulate(program, list(refetched), lanes.steps, record_trace)
    counts = timeline.instances
    if execution is not None:
        assert all(counts[i.op] == execution.instances[i.op] for i in program.all), \
            "the timeline's instance counts differ from the functional run's"
    # DRAM bytes follow the rows each transfer really moves (the lanes that
    # refetched, the tokens kept), not the instances' nominal sizes.
    totals = tally(program.all, counts)
    totals.dram_read_bytes = totals.dram_write_bytes = 0
    counters: Counter = Counter()
    refetch_lanes = int(refetched.sum())
    for instr in program.all:
        op = instr.op
        if isinstance(op, (AS.DmaGatherOp, AS.DmaStoreRowsOp)) and not _is_state(op):
            rows = _transfer_rows(op, kernel, lanes, refetch_lanes)
            bits = op.bits.value.data if op.bits is not None else _bits(op.dest)
            size = math.ceil(rows * _row_elements(op) * bits / 8)
            if isinstance(op, AS.DmaGatherOp):
                totals.dram_read_bytes += size
                counters[{"q": "queries_fetched", "k_msb": "keys_fetched",
                          "k_lsb": "key_lsbs_fetched", "v_msb": "values_fetched"}[
                              op.tile.data]] += rows
                counters[f"{op.tile.data}_dram_bytes"] += size
            else:
                totals.dram_write_bytes += size
    useful = 0
    if isinstance(kernel, AS.ProgressiveKernelOp):
        b, hk, nq, nk, d, dv = kernel.dims
        kept = S.value_keep_count(nk, None if kernel.value_keep is None
                                  else kernel.value_keep.value.data)
        useful = 2 * b * hk * nq * (nk * d + kept * dv)
        counters["lanes"] += len(lanes)
        counters["refetch_lanes"] += refetch_lanes
        counters["requant_rows"] += execution.requant_rows if execution is not None else 0
    else:
        counters["topk_selections"] += sum(counts[i.op] for i in program.all
                                           if isinstance(i.op, AS.TopKInstrOp))
    arrays = 2 if target.unit_of("spmm") != target.unit_of("sddmm") else 1
    return assemble_report(kernel, target, "spatten", program, timeline, counts, totals,
                           useful_ops=useful,
                           peak_ops_per_cycle=target.peak_ops_per_cycle * arrays,
                           counters=dict(counters))


def _refetched_lanes(kernel: AS.RegionKernel, execution: SpAttenExecution) -> np.ndarray:
    """Which lanes ran their refetch region: those with a flagged row."""
    lanes = kernel_lanes(kernel)
    flags = execution.outputs[2]  # [B, Hk, Nq]
    bq = kernel.block_q.value.data
    out = np.zeros(len(lanes), bool)
    for n in range(len(lanes)):
        t = lanes.q_tile[n]
        out[n] = flags[lanes.batch[n], lanes.head[n], t * bq:(t + 1) * bq].any()
    return out


def timing_report(kernel: AS.RegionKernel, record_trace: bool = False,
                  refetch_fraction: float = 0.0) -> KernelReport:
    return kernel_report(kernel, record_trace, refetch_fraction=refetch_fraction)




def hardware_functions(reports: list, record_trace: bool = False) -> InterpreterFunctions:
    """Runs SpAtten's kernels functionally, appending their reports."""
    functions = SpAttenHardwareFunctions()
    functions.reports = reports
    functions.record_trace = record_trace
    return functions


def run_kernel(kernel: AS.RegionKernel, args, record_trace: bool = False
               ) -> tuple[list[np.ndarray], KernelReport]:
    execution = SpAttenExecution(kernel, [np.asarray(a) for a in args])
    outputs = execution.run()
    return outputs, kernel_report(kernel, record_trace, execution)


@register_impls
class SpAttenHardwareFunctions(InterpreterFunctions):
    reports: list
    record_trace: bool = False

    @impl(AS.ProgressiveKernelOp)
    def run_progressive(self, interpreter: Interpreter, op: AS.ProgressiveKernelOp, args):
        outputs, report = run_kernel(op, args, self.record_trace)
        self.reports.append(report)
        return tuple(outputs)

    @impl(AS.TokenKernelOp)
    def run_token(self, interpreter: Interpreter, op: AS.TokenKernelOp, args):
        outputs, report = run_kernel(op, args, self.record_trace)
        self.reports.append(report)
        return tuple(outputs)


EXTENSION = HardwareExtension(
    instruction_costs=_COSTS,
    functions=hardware_functions,
    timing={AS.ProgressiveKernelOp: timing_report, AS.TokenKernelOp: timing_report},
)
