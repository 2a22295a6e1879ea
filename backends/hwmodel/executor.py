"""Functional execution of an ``accel.kernel`` on NumPy arrays.

Lanes are independent, so the executor runs the lane program for a chunk of
lanes at once: every buffer holds one copy per lane (a leading lane axis),
and each instruction is one NumPy operation over the chunk's active lanes.
Steps run in lock-step; a lane with fewer steps sits out the later ones.
The executor also counts what it executed (instances per instruction), so
the timing-only mode can be checked against it.
"""

from __future__ import annotations

import sys
from collections import Counter
from typing import cast

import numpy as np
from xdsl.dialects import memref
from xdsl.dialects.builtin import MemRefType
from xdsl.ir import Operation, SSAValue

from attn_ir import patterns as P
from attn_ir import targets as T
from attn_ir.reference import weighted_values
from attn_ir.dialects import accel as A
from attn_ir.backends.hwmodel.extension import instruction_handlers
from attn_ir.backends.hwmodel.lanes import Lanes, kernel_lanes


LANE_CHUNK_ELEMENTS = 1 << 24
"""Buffer elements held at once across a chunk of lanes (bounds memory)."""


def exp_function(target: T.Target):
    """The target's exp: exact, or piecewise-linear / Taylor after range
    reduction (exp(x) = 2^n * 2^f, f in [0, 1), as exp units do)."""
    if target.exp == "exact":
        return np.exp
    segments = max(1, target.exp_segments)

    def approx(x: np.ndarray) -> np.ndarray:
        with np.errstate(invalid="ignore", over="ignore"):
            y = x * np.log2(np.e)
            n = np.floor(y)
            f = y - n
            if target.exp == "pwl":
                pos = f * segments
                seg = np.minimum(np.floor(pos), segments - 1)
                lo = np.exp2(seg / segments)
                hi = np.exp2((seg + 1) / segments)
                frac = lo + (hi - lo) * (pos - seg)
            else:
                t = f * np.log(2.0)
                frac = np.zeros_like(t)
                term = np.ones_like(t)
                for k in range(segments + 1):
                    frac = frac + term
                    term = term * t / (k + 1)
            out = np.ldexp(frac, np.where(np.isfinite(n), n, 0).astype(np.int64))
        return np.where(np.isneginf(x), 0.0, np.where(np.isposinf(x), np.inf, out)).astype(x.dtype)

    return approx


def _shape(value: SSAValue) -> tuple[int, ...]:
    return tuple(cast(MemRefType, value.type).get_shape())


def _np_dtype(value: SSAValue) -> np.dtype:
    bits = cast(MemRefType, value.type).element_type.bitwidth
    return np.dtype(np.float64 if bits == 64 else np.float32)


class LaneExecution:
    """The instruction semantics that every kernel's executor shares, on
    lane-chunked buffers (``buffers[value]`` is [lanes of the chunk, *shape]):
    fill, scale, reduce, exp, normalize, sddmm's store, spmm.  A handler
    takes ``(op, lanes, active, step)``: the chunk's lanes, the positions of
    the active ones in the chunk, and the step (None outside ``accel.step``).
    Subclasses give ``step_width`` (key columns per step) and the
    kernel-specific instructions: ``KernelExecution`` runs ``accel.kernel``
    and its extensions; a system whose kernel ops carry their own program
    (region kernels) subclasses this for its executor."""

    step_width: int
    buffers: dict[SSAValue, np.ndarray]

    def __init__(self, target: T.Target):
        self.target = target
        self.exp = exp_function(target)

    def buf(self, value: SSAValue) -> np.ndarray:
        return self.buffers[value]

    def step_slice(self, step: int | None, width: int) -> slice:
        """Columns ``width`` wide that step ``step`` writes in a buffer
        spanning all steps."""
        start = (step or 0) * self.step_width
        return slice(start, start + width)

    def _fill(self, op: A.FillOp, lanes, active, step):
        self.buf(op.dest)[active] = op.value.value.data

    def _scale(self, op: A.ScaleOp, lanes, active, step):
        self.buf(op.data)[active] *= op.factor.value.data

    def store_scores(self, op: A.SddmmOp, active, step, scores: np.ndarray) -> None:
        """``accel.sddmm``'s result (masked scores) into its buffer: the
        step's columns when sliced, else the whole buffer."""
        out = self.buf(op.scores)
        if op.sliced is not None and op.sliced.value.data:
            out[active, :, self.step_slice(step, scores.shape[2])] = scores
        else:
            out[active] = scores

    def _reduce(self, op: A.ReduceOp, lanes, active, step):
        src = self.buf(op.source)[active]
        dest = self.buf(op.dest)
        if op.sliced is not None and op.sliced.value.data:
            part = src[:, :, self.step_slice(step, self.step_width)]
            if op.kind.data == "max":
                dest[active] = np.maximum(dest[active], part.max(axis=-1, initial=-np.inf))
            else:
                dest[active] += part.sum(axis=-1)
        elif op.kind.data == "max":
            dest[active] = src.max(axis=-1, initial=-np.inf)
        else:
            dest[active] = src.sum(axis=-1)

    def _exp(self, op: A.ExpOp, lanes, active, step):
        data = self.buf(op.data)
        x = data[active]
        if op.shift is not None:
            shift = self.buf(op.shift)[active]
            shift = np.where(np.isneginf(shift), 0.0, shift)
            with np.errstate(invalid="ignore"):
                x = np.where(np.isneginf(x), -np.inf,
                             x - (shift if shift.ndim == x.ndim else shift[..., None]))
        if op.factor is not None:
            x = x * op.factor.value.data
        y = self.exp(x)
        over = np.isposinf(y) & np.isfinite(x)
        if over.any():
            self.exp_overflowed(lanes, over)
        data[active] = y

    def exp_overflowed(self, lanes: np.ndarray, over: np.ndarray) -> None:
        """Called with the [lanes, ...] elements whose exp overflowed."""

    def _normalize(self, op: A.NormalizeOp, lanes, active, step):
        data = self.buf(op.data)
        total = self.buf(op.total)[active]
        # "!= 0", not "> 0": a NaN sum (from NaN inputs) must reach the output.
        denom = np.where(total != 0, total, 1.0)[..., None]
        cols = (self.step_slice(step, self.step_width)
                if op.sliced is not None and op.sliced.value.data else slice(None))
        data[active, ..., cols] = np.where((total != 0)[..., None],
                                           data[active, ..., cols] / denom, 0.0)

    def _spmm(self, op: A.SpmmOp, lanes, active, step):
        p, v = self.buf(op.p)[active], self.buf(op.v)[active]
        out = self.buf(op.out)
        if op.sliced is not None and op.sliced.value.data:
            out[active] += weighted_values(p[:, :, self.step_slice(step, v.shape[1])], v)
        else:
            out[active] = weighted_values(p, v)


class KernelExecution(LaneExecution):
    """Runs one kernel.  ``run`` returns the output array; ``instances``
    counts how many times each instruction ran (summed over lanes)."""

    def __init__(self, kernel: A.KernelOp, arrays: list[np.ndarray]):
        super().__init__(kernel.target.target)
        self.kernel = kernel
        self.lanes: Lanes = kernel_lanes(kernel)
        self.step_width = self.lanes.cols
        self.pattern = kernel.pattern.pattern
        b, h, nq, nk, d, dv = kernel.dims
        self.dims = kernel.dims
        self.q, self.k, self.v = arrays[:3]
        self.mask = (np.broadcast_to(np.asarray(arrays[3], bool), (b, h, nq, nk))
                     if kernel.has_mask else None)
        self.out = np.zeros((b, h, nq, dv), np.result_type(self.q.dtype, np.float32))
        self.instances: Counter[Operation] = Counter()
        self.overflowed: set[tuple[int, int, int]] = set()
        """(batch, head, query) rows whose exp overflowed to +inf."""
        self.globals = (np.array([g.data for g in self.lanes.band.globals.data], np.int64)
                        if self.lanes.band is not None else np.zeros(0, np.int64))

    # -- driver ------------------------------------------------------------

    def run(self) -> np.ndarray:
        per_lane = sum(int(np.prod(_shape(b))) for b in self.kernel.buffers())
        chunk = max(1, LANE_CHUNK_ELEMENTS // max(1, per_lane))
        total = len(self.lanes)
        # A progress bar on stderr for long runs, when it is a terminal.
        progress = sys.stderr.isatty() and total > chunk
        for start in range(0, total, chunk):
            self._run_chunk(np.arange(start, min(total, start + chunk)))
            if progress:
                done = min(total, start + chunk)
                bar = "#" * (30 * done // total)
                sys.stderr.write(f"\rhwmodel [{bar:30s}] {done}/{total} lanes")
                sys.stderr.flush()
        if progress:
            sys.stderr.write("\r" + " " * 60 + "\r")
        return self.out.astype(self.q.dtype)

    def _run_chunk(self, lanes: np.ndarray) -> None:
        self.buffers: dict[SSAValue, np.ndarray] = {}
        for op in self.kernel.body.block.ops:
            if isinstance(op, memref.AllocOp):
                self.buffers[op.memref] = np.zeros((len(lanes), *_shape(op.memref)),
                                                   _np_dtype(op.memref))
            elif isinstance(op, A.StepOp):
                steps = self.lanes.steps[lanes]
                for s in range(int(steps.max(initial=0))):
                    active = np.nonzero(steps > s)[0]
                    for inner in op.body.block.ops:
                        self._execute(inner, lanes, active, s)
            else:
                self._execute(op, lanes, np.arange(len(lanes)), None)

    def _execute(self, op: Operation, lanes: np.ndarray, active: np.ndarray,
                 step: int | None) -> None:
        if isinstance(op, memref.AllocOp):
            self.buffers[op.memref] = np.zeros((len(lanes), *_shape(op.memref)),
                                               _np_dtype(op.memref))
            return
        if isinstance(op, A.GlobalRowsOp):
            active = active[self.lanes.has_global_rows[lanes[active]]]
        extension = instruction_handlers().get(type(op))
        if extension is not None:
            extension(self, op, lanes[active], active, step)
        else:
            getattr(self, "_" + op.name.split(".")[1])(op, lanes[active], active, step)
        self.instances[op] += len(active)

    # -- index helpers -----------------------------------------------------------

    def _rows(self, lanes: np.ndarray) -> np.ndarray:
        """[n, rows] query indices of each lane (may run past Nq)."""
        return (self.lanes.row_start[lanes, None]
                + np.arange(self.lanes.rows) * self.lanes.row_stride[lanes, None])

    def _key_indices(self, lanes: np.ndarray, step: int, count: int) -> np.ndarray:
        """[n, count] key indices that step ``step`` loads (may be out of range)."""
        band = self.lanes.band
        if band is None:
            kt, _ = self.lanes.table_index(lanes, step)
            return kt[:, None] * self.lanes.cols + np.arange(count)
        nglob = len(self.globals)
        span = count - nglob
        dil = np.array([band.head_dilation(h) for h in self.lanes.head[lanes]])[:, None]
        base = self.lanes.row_start[lanes, None] + (
            step * self.lanes.cols - band.left.data) * dil
        keys = base + np.arange(span) * dil
        return np.concatenate([keys, np.broadcast_to(self.globals, (len(lanes), nglob))], axis=1)

    def _gather(self, array: np.ndarray, lanes: np.ndarray, index: np.ndarray) -> np.ndarray:
        """array[b, h, index] per lane, zero where index is out of range."""
        n = array.shape[2]
        ok = (index >= 0) & (index < n)
        out = array[self.lanes.batch[lanes, None], self.lanes.head[lanes, None],
                    np.clip(index, 0, n - 1)].astype(np.float64 if array.dtype == np.float64
                                                     else np.float32)
        out[~ok] = 0
        return out

    # -- instructions ----------------------------------------------------------

    def _dma_load(self, op: A.DmaLoadOp, lanes, active, step):
        dest = self.buf(op.dest)
        shape = _shape(op.dest)
        tile = op.tile.data
        if tile == "q":
            dest[active] = self._gather(self.q, lanes, self._rows(lanes))
        elif tile in ("k", "v"):
            index = self._key_indices(lanes, step, shape[0])
            dest[active] = self._gather(self.k if tile == "k" else self.v, lanes, index)
        else:
            rows = np.clip(self._rows(lanes), 0, self.dims[2] - 1)
            cols = np.clip(self._key_indices(lanes, step, shape[1]), 0, self.dims[3] - 1)
            dest[active] = self.mask[self.lanes.batch[lanes, None, None],
                                     self.lanes.head[lanes, None, None],
                                     rows[:, :, None], cols[:, None, :]]

    def _dma_store(self, op: A.DmaStoreOp, lanes, active, step):
        rows = self._rows(lanes)
        ok = (rows < self.dims[2]) & ~np.isin(rows, self.globals)
        src = self.buf(op.source)[active]
        ln, r = np.nonzero(ok)
        self.out[self.lanes.batch[lanes[ln]], self.lanes.head[lanes[ln]], rows[ln, r]] = src[ln, r]

    def _allowed(self, lanes, step, s_shape) -> np.ndarray:
        """[n, rows, cols] pairs that attend (and are in range) for this step."""
        _, _, nq, nk, _, _ = self.dims
        rows = self._rows(lanes)
        band = self.lanes.band
        if band is not None:
            nglob = len(self.globals)
            span = s_shape[1] - nglob
            c = np.arange(span)
            offset = step * self.lanes.cols + c - band.left.data
            dil = np.array([band.head_dilation(h) for h in self.lanes.head[lanes]])
            keys = rows[:, :, None] + offset[None, None, :] * dil[:, None, None]
            ok = ((offset >= -band.left.data) & (offset <= band.right.data))[None, None, :]
            ok = ok & (keys >= 0) & (keys < nk) & ~np.isin(keys, self.globals)
            if nglob:
                glob = np.broadcast_to(self.globals < nk, (len(lanes), rows.shape[1], nglob))
                glob = glob & (step == 0)
                ok = np.concatenate([ok, glob], axis=2)
            row_ok = (rows < nq) & ~np.isin(rows, self.globals)
            return ok & row_ok[:, :, None]
        kt, full = self.lanes.table_index(lanes, step)
        cols = kt[:, None] * self.lanes.cols + np.arange(s_shape[1])
        ok = (rows[:, :, None] < nq) & (cols[:, None, :] < nk)
        partial = np.nonzero(~full)[0]
        if len(partial):
            ok[partial] &= self._attends(lanes[partial], rows[partial], cols[partial])
        return ok

    def _attends(self, lanes, rows, cols) -> np.ndarray:
        _, h, nq, nk, _, _ = self.dims
        r = np.clip(rows, 0, nq - 1)[:, :, None]
        c = np.clip(cols, 0, nk - 1)[:, None, :]
        out = np.zeros((len(lanes), rows.shape[1], cols.shape[1]), bool)
        keys = (self.lanes.head[lanes] if self.pattern.head_dependent or self.mask is not None
                else np.zeros(len(lanes), np.int64))
        if self.mask is not None:
            keys = keys * self.dims[0] + self.lanes.batch[lanes]
        for key in np.unique(keys):
            sel = keys == key
            head = int(self.lanes.head[lanes[sel]][0])
            mask = (None if self.mask is None
                    else self.mask[int(self.lanes.batch[lanes[sel]][0]), head])
            out[sel] = self.pattern.attends(r[sel], c[sel], P.Domain(nq, nk, head, mask))
        return out

    def _sddmm(self, op: A.SddmmOp, lanes, active, step):
        q, k = self.buf(op.q)[active], self.buf(op.k)[active]
        if self.lanes.band is not None:
            rows, cols = q.shape[1], self.lanes.cols
            # Row r meets band keys r .. r + cols - 1: one batched matmul
            # against the whole band, then the diagonals.
            full = q @ k[:, : rows + cols - 1].transpose(0, 2, 1)
            r_idx, c_idx = np.indices((rows, cols))
            s = full[:, r_idx, r_idx + c_idx]
            if len(self.globals):
                s = np.concatenate([s, q @ k[:, rows + cols - 1:].transpose(0, 2, 1)], axis=2)
        else:
            s = q @ k.transpose(0, 2, 1)
        allowed = self._allowed(lanes, step, s.shape[1:])
        self.store_scores(op, active, step, np.where(allowed, s, -np.inf))

    def _max_update(self, op: A.MaxUpdateOp, lanes, active, step):
        running = self.buf(op.running)
        old = running[active]
        new = np.maximum(old, self.buf(op.tile_max)[active])
        with np.errstate(invalid="ignore"):
            self.buf(op.factor)[active] = np.where(np.isneginf(old), 0.0, self.exp(old - new))
        running[active] = new

    def exp_overflowed(self, lanes: np.ndarray, over: np.ndarray) -> None:
        # A datapath without a running max (SALO) overflows its exp on
        # large logits: record which query rows, for the report.
        rows = self._rows(lanes)
        ln, r = np.nonzero(over.reshape(over.shape[0], over.shape[1], -1).any(axis=2))
        for lane_pos, row_pos in zip(ln, r):
            lane = lanes[lane_pos]
            self.overflowed.add((int(self.lanes.batch[lane]), int(self.lanes.head[lane]),
                                 int(rows[lane_pos, row_pos])))

    def _spmm(self, op: A.SpmmOp, lanes, active, step):
        if self.lanes.band is None or (op.sliced is not None and op.sliced.value.data):
            super()._spmm(op, lanes, active, step)
            return
        p, v = self.buf(op.p)[active], self.buf(op.v)[active]
        # Row r meets band values r .. r + cols - 1: scatter its
        # probabilities onto the band's diagonals, one batched matmul.
        rows, cols = p.shape[1], self.lanes.cols
        r_idx, c_idx = np.indices((rows, cols))
        banded = np.zeros((len(p), rows, rows + cols - 1), p.dtype)
        banded[:, r_idx, r_idx + c_idx] = p[:, :, :cols]
        o = weighted_values(banded, v[:, : rows + cols - 1])
        if len(self.globals):
            o = o + weighted_values(p[:, :, cols:], v[:, rows + cols - 1:])
        self.buf(op.out)[active] = o

    def _accumulate(self, op: A.AccumulateOp, lanes, active, step):
        f = self.buf(op.factor)[active]
        acc, total = self.buf(op.acc), self.buf(op.total)
        acc[active] = acc[active] * f[..., None] + self.buf(op.tile_out)[active]
        total[active] = total[active] * f + self.buf(op.tile_sum)[active]

    def _merge(self, op: A.MergeOp, lanes, active, step):
        acc, total = self.buf(op.acc), self.buf(op.total)
        l_old, l_tile = total[active], self.buf(op.tile_sum)[active]
        l_new = l_old + l_tile
        # "!= 0", not "> 0": a NaN sum (from NaN inputs) must reach the output.
        safe = np.where(l_new != 0, l_new, 1.0)[..., None]
        acc[active] = np.where(
            (l_new != 0)[..., None],
            (l_old[..., None] * acc[active] + l_tile[..., None] * self.buf(op.tile_out)[active]) / safe,
            acc[active])
        total[active] = l_new

    def _running_max(self, op: A.RunningMaxOp, lanes, active, step):
        running = self.buf(op.running)
        self.buf(op.previous)[active] = running[active]
        running[active] = np.maximum(running[active], self.buf(op.tile_max)[active])

    def _rescale(self, op: A.RescaleOp, lanes, active, step):
        data = self.buf(op.data)
        f = self.buf(op.factor)[active]
        data[active] = data[active] * f.reshape(f.shape + (1,) * (data.ndim - f.ndim))

    def _add(self, op: A.AddOp, lanes, active, step):
        self.buf(op.acc)[active] += self.buf(op.addend)[active]

    def _spill(self, op: A.SpillOp, lanes, active, step):
        """The model keeps spilled rows in the buffer array; only their cost
        (DRAM bytes, DMA time) differs."""

    def _global_rows(self, op: A.GlobalRowsOp, lanes, active, step):
        """Global queries attend every key: exact softmax over all keys."""
        rows = self._rows(lanes)
        ln, r = np.nonzero(np.isin(rows, self.globals) & (rows < self.dims[2]))
        for lane_pos, row_pos in zip(ln, r):
            lane = lanes[lane_pos]
            b, h = self.lanes.batch[lane], self.lanes.head[lane]
            i = rows[lane_pos, row_pos]
            s = (self.k[b, h].astype(np.float64) @ self.q[b, h, i].astype(np.float64)
                 ) * self.kernel.scale.value.data
            p = self.exp(s - s.max())
            self.out[b, h, i] = p @ self.v[b, h] / p.sum()
