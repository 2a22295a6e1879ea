"""ViTCoD's instructions on the hardware model (``attn_ir.dialects.vitcod.accel``):
their functional semantics (``instruction_handlers``) and what one instance
costs (``instruction_costs``: the latency shape for the target's cycle model
and the operations by kind).  The kernels are ordinary ``accel.kernel``s
whose lanes hold several heads (``lane_heads``), so the scoreboard, the
counters and the reports are the common ones.

Buffers of a lane hold its heads, ``[heads, ...]``; handlers see them with
a leading axis over the chunk's active lanes.  An instruction's latency is
one number for every lane: with several groups of heads it is the largest
group's (their operation counts are averaged over the groups).  The polarisation comes from
the instruction's ``#attn.polar_part`` (``attn_ir.patterns.vitcod.polarization``),
never from an N x N matrix: dense columns are gathered, sparse pairs
scattered.
"""

from __future__ import annotations

import math
from collections import Counter
from typing import cast

import numpy as np
from xdsl.dialects.builtin import MemRefType

from attn_ir import targets as T
from attn_ir.reference import weighted_values
from attn_ir.backends.hwmodel.executor import KernelExecution
from attn_ir.backends.hwmodel.extension import HardwareExtension
from attn_ir.backends.hwmodel.program import Instr
from attn_ir.dialects import accel as A
from attn_ir.dialects.vitcod import accel as V
from attn_ir.patterns.vitcod.polarization import HeadPolarization, polarize_heads


def _shape(value) -> tuple[int, ...]:
    return tuple(cast(MemRefType, value.type).get_shape())


def split_of(op, kernel: A.KernelOp) -> list[HeadPolarization]:
    """Every head's polarisation for the instruction's ``#attn.polar_part``."""
    _, h, nq, nk, _, _ = kernel.dims
    part = op.pattern.pattern
    return polarize_heads(part.source, nq, nk, h, part.threshold)


def heads_per_lane(kernel: A.KernelOp) -> int:
    return kernel.lane_heads.value.data if kernel.lane_heads is not None else 1


def group_splits(op, kernel: A.KernelOp) -> list[list[HeadPolarization]]:
    """The polarisations of each lane group's heads."""
    split, g = split_of(op, kernel), heads_per_lane(kernel)
    return [split[s : s + g] for s in range(0, len(split), g)]


def _groups(ex: KernelExecution, op, lanes: np.ndarray):
    """(positions among the active lanes, that group's polarisations) for
    each group of heads the active lanes hold."""
    split, g = split_of(op, ex.kernel), heads_per_lane(ex.kernel)
    first = ex.lanes.head[lanes]
    for start in np.unique(first):
        yield np.flatnonzero(first == start), split[start : start + g]


def _lane_head_index(ex: KernelExecution, lanes: np.ndarray, count: int) -> np.ndarray:
    """[n, count]: the heads each lane holds."""
    return ex.lanes.head[lanes][:, None] + np.arange(count)[None, :]


def _bits(op) -> int:
    return op.bits.value.data


def _sliced(op) -> bool:
    return op.sliced is not None and op.sliced.value.data != 0


# -- functional semantics ---------------------------------------------------------


def _dram(execution: KernelExecution, value) -> np.ndarray:
    return (execution.q, execution.k, execution.v)[value.index]


def _load_tokens(ex: KernelExecution, op: V.LoadTokensOp, lanes, active, step):
    source = _dram(ex, op.source)
    batch = ex.lanes.batch[lanes]
    dest = ex.buf(op.dest)
    count = dest.shape[1]
    # Encoded Q and K: every compressed head (the decoder mixes them all);
    # otherwise the lane's heads.
    heads = (np.broadcast_to(np.arange(count), (len(lanes), count))
             if count == source.shape[1] else _lane_head_index(ex, lanes, count))
    if _sliced(op):
        token, _ = ex.lanes.table_index(lanes, step)
        rows = source[batch[:, None], heads, token[:, None]]  # [n, heads, D]
        if dest.shape[2] == 1:
            dest[active, :, 0] = rows
        else:
            own = np.arange(count)
            dest[active[:, None], own[None, :], token[:, None]] = rows
    else:
        dest[active] = source[batch[:, None], heads]


def _store_tokens(ex: KernelExecution, op: V.StoreTokensOp, lanes, active, step):
    src = ex.buf(op.source)[active]
    heads = _lane_head_index(ex, lanes, src.shape[1])
    ex.out[ex.lanes.batch[lanes][:, None], heads] = src


def _load_codec(ex: KernelExecution, op: V.LoadCodecOp, lanes, active, step):
    w = op.autoencoder.codec.weights()
    table = np.concatenate([w.decoder_weight, w.decoder_bias[:, None]], axis=1)
    ex.buf(op.dest)[active] = table[_lane_head_index(ex, lanes, ex.buf(op.dest).shape[1])]


def coo_layout(split: list[HeadPolarization]) -> tuple[int, int]:
    """(G, Z): the most dense columns and sparse pairs of any head."""
    return (max((s.dense for s in split), default=0),
            max((s.sparse_nnz for s in split), default=0))


def _load_coo(ex: KernelExecution, op: V.LoadCooOp, lanes, active, step):
    g, z = coo_layout(split_of(op, ex.kernel))
    dest = ex.buf(op.dest)
    dest[active] = -1
    for sel, split in _groups(ex, op, lanes):
        at = active[sel]
        for h, s in enumerate(split):
            dest[at, h, : s.dense] = s.dense_tokens
            dest[at, h, g : g + s.sparse_nnz] = s.coo_rows
            dest[at, h, g + z : g + z + s.sparse_nnz] = s.order[s.coo_cols]


def _qk_decode(ex: KernelExecution, op: V.QKDecodeInstrOp, lanes, active, step):
    enc = ex.buf(op.enc)[active]
    w = ex.buf(op.weights)[active]
    hidden = enc.shape[1]
    dec = np.einsum("nhc,nctd->nhtd", w[:, :, :hidden], enc) + w[:, :, hidden, None, None]
    dest = ex.buf(op.dest)
    if _sliced(op):
        token, _ = ex.lanes.table_index(lanes, step)
        heads = np.arange(dest.shape[1])
        dest[active[:, None], heads[None, :], token[:, None]] = dec[:, :, 0]
    else:
        dest[active] = dec


def _dense_sddmm(ex: KernelExecution, op: V.DenseSddmmOp, lanes, active, step):
    q, k = ex.buf(op.q)[active], ex.buf(op.k)[active]
    scores = ex.buf(op.scores)
    scale = op.scale.value.data
    scores[active] = -np.inf
    for sel, split in _groups(ex, op, lanes):
        for h, s in enumerate(split):
            if not s.dense:
                continue
            sc = (q[sel, h] @ k[sel, h][:, s.dense_tokens].transpose(0, 2, 1)) * scale
            scores[active[sel], h, :, : s.dense] = np.where(s.dense_mask[None], sc, -np.inf)


def _coo_sddmm(ex: KernelExecution, op: V.CooSddmmOp, lanes, active, step):
    q, k = ex.buf(op.q)[active], ex.buf(op.k)[active]
    scores = ex.buf(op.scores)
    scale = op.scale.value.data
    scores[active] = -np.inf
    for sel, split in _groups(ex, op, lanes):
        for h, s in enumerate(split):
            if s.sparse_nnz:
                tokens = s.order[s.coo_cols]
                scores[active[sel], h, : s.sparse_nnz] = np.einsum(
                    "nzd,nzd->nz", q[sel, h][:, s.coo_rows], k[sel, h][:, tokens]) * scale


def _row_softmax(ex: KernelExecution, op: V.RowSoftmaxOp, lanes, active, step):
    scores = ex.buf(op.scores)
    s = scores[active]
    row_max, row_sum = ex.buf(op.row_max), ex.buf(op.row_sum)
    if op.pattern.part.data == "dense":
        m = s.max(axis=-1, initial=-np.inf)
        shift = np.where(np.isneginf(m), 0.0, m)
        with np.errstate(invalid="ignore"):
            p = np.where(np.isneginf(s), 0.0, np.exp(s - shift[..., None]))
        scores[active] = p
        row_max[active] = m
        row_sum[active] = p.sum(axis=-1)
        return
    m = np.full(row_max[active].shape, -np.inf)
    total = np.zeros_like(m)
    p = np.zeros_like(s)
    for sel, split in _groups(ex, op, lanes):
        lane = sel[:, None]
        for h, sp in enumerate(split):
            z = sp.sparse_nnz
            if not z:
                continue
            mh = m[:, h]
            np.maximum.at(mh, (lane, sp.coo_rows[None, :]), s[sel, h, :z])
            p[sel, h, :z] = np.exp(s[sel, h, :z] - mh[sel][:, sp.coo_rows])
            np.add.at(total[:, h], (lane, sp.coo_rows[None, :]), p[sel, h, :z])
    scores[active] = p
    row_max[active] = m
    row_sum[active] = total


def _dense_spmm(ex: KernelExecution, op: V.DenseSpmmOp, lanes, active, step):
    p, v = ex.buf(op.p)[active], ex.buf(op.v)[active]
    out = np.zeros(ex.buf(op.out)[active].shape, np.float64)
    for sel, split in _groups(ex, op, lanes):
        for h, s in enumerate(split):
            if s.dense:
                out[sel, h] = weighted_values(p[sel, h, :, : s.dense],
                                              v[sel, h][:, s.dense_tokens])
    ex.buf(op.out)[active] = out


def _coo_spmm(ex: KernelExecution, op: V.CooSpmmOp, lanes, active, step):
    p, v = ex.buf(op.p)[active], ex.buf(op.v)[active]
    out = np.zeros(ex.buf(op.out)[active].shape, np.float64)
    for sel, split in _groups(ex, op, lanes):
        lane = sel[:, None]
        for h, s in enumerate(split):
            z = s.sparse_nnz
            if z:
                contribution = p[sel, h, :z, None] * v[sel, h][:, s.order[s.coo_cols]]
                np.add.at(out[:, h], (lane, s.coo_rows[None, :]), contribution)
    ex.buf(op.out)[active] = out


def _softmax_merge(ex: KernelExecution, op: V.SoftmaxMergeInstrOp, lanes, active, step):
    oa, ma, la = (ex.buf(x)[active] for x in (op.out_a, op.max_a, op.sum_a))
    ob, mb, lb = (ex.buf(x)[active] for x in (op.out_b, op.max_b, op.sum_b))
    m = np.maximum(ma, mb)
    shift = np.where(np.isneginf(m), 0.0, m)
    wa, wb = np.exp(ma - shift), np.exp(mb - shift)
    total = wa * la + wb * lb
    empty = total == 0
    ex.buf(op.out)[active] = np.where(
        empty[..., None], 0.0,
        (wa[..., None] * oa + wb[..., None] * ob) / np.where(empty, 1.0, total)[..., None])


# -- costs -----------------------------------------------------------------------


def _cost_load_tokens(instr: Instr, op: V.LoadTokensOp, kernel, target: T.Target):
    heads, tokens, depth = _shape(op.dest)
    tokens = 1 if _sliced(op) else tokens
    token_bytes = math.ceil(heads * depth * _bits(op) / 8)
    instr.dram_read_bytes = tokens * token_bytes
    return (tokens, token_bytes), Counter()


def _cost_store_tokens(instr: Instr, op: V.StoreTokensOp, kernel, target: T.Target):
    heads, tokens, width = _shape(op.source)
    token_bytes = math.ceil(heads * width * _bits(op) / 8)
    instr.dram_write_bytes = tokens * token_bytes
    return (tokens, token_bytes), Counter()


def _cost_load_codec(instr: Instr, op: V.LoadCodecOp, kernel, target: T.Target):
    size = math.ceil(math.prod(_shape(op.dest)) * _bits(op) / 8)
    instr.dram_read_bytes = size
    return (size,), Counter()


def _per_group(op, kernel, per_head) -> tuple[int, int]:
    """(the largest group's, the mean group's) sum of ``per_head``."""
    sums = [sum(per_head(s) for s in group) for group in group_splits(op, kernel)]
    return max(sums), math.ceil(sum(sums) / len(sums))


def _cost_load_coo(instr: Instr, op: V.LoadCooOp, kernel, target: T.Target):
    indices, _ = _per_group(op, kernel, lambda s: s.dense + 2 * s.sparse_nnz)
    size = math.ceil(indices * _bits(op) / 8)
    instr.dram_read_bytes = size
    return (size,), Counter()


def _cost_decode(instr: Instr, op: V.QKDecodeInstrOp, kernel, target: T.Target):
    hidden, tokens, depth = _shape(op.enc)
    heads = _shape(op.dest)[0]
    return (tokens, hidden * depth), Counter(mac=tokens * heads * hidden * depth)


def _cost_dense_sddmm(instr: Instr, op: V.DenseSddmmOp, kernel, target: T.Target):
    split = split_of(op, kernel)
    heads, n, depth = _shape(op.q)
    rows = op.engine_rows.value.data
    dense = max(s.dense for s in split)
    _, macs = _per_group(op, kernel, lambda s: n * s.dense * depth)
    return (dense, n, depth, heads, rows), Counter(mac=macs)


def _cost_coo_sddmm(instr: Instr, op: V.CooSddmmOp, kernel, target: T.Target):
    split = split_of(op, kernel)
    heads, _, depth = _shape(op.q)
    rows = op.engine_rows.value.data
    nnz = max(s.sparse_nnz for s in split)
    _, macs = _per_group(op, kernel, lambda s: s.sparse_nnz * depth)
    return (nnz, depth, heads, rows), Counter(mac=macs)


def _cost_row_softmax(instr: Instr, op: V.RowSoftmaxOp, kernel, target: T.Target):
    n = kernel.dims[2]
    dense = op.pattern.part.data == "dense"
    elements, mean = _per_group(op, kernel, lambda s: n * s.dense if dense else s.sparse_nnz)
    return (elements,), Counter(exp=mean, max=mean, add=mean)


def _cost_dense_spmm(instr: Instr, op: V.DenseSpmmOp, kernel, target: T.Target):
    split = split_of(op, kernel)
    heads, n, width = _shape(op.out)
    rows = op.engine_rows.value.data
    _, mean = _per_group(op, kernel, lambda s: n * width * s.dense)
    return (max(n * width * s.dense for s in split), heads, rows), Counter(mac=mean)


def _cost_coo_spmm(instr: Instr, op: V.CooSpmmOp, kernel, target: T.Target):
    split = split_of(op, kernel)
    heads, _, width = _shape(op.out)
    rows = op.engine_rows.value.data
    _, mean = _per_group(op, kernel, lambda s: s.sparse_nnz * width)
    return (max(s.sparse_nnz * width for s in split), heads, rows), Counter(mac=mean)


def _cost_merge(instr: Instr, op: V.SoftmaxMergeInstrOp, kernel, target: T.Target):
    heads, n, width = _shape(op.out)
    elements = heads * n * width
    return (elements,), Counter(mac=2 * elements, div=elements, exp=2 * heads * n,
                                max=heads * n)


_HANDLERS = {
    V.LoadTokensOp: _load_tokens, V.StoreTokensOp: _store_tokens,
    V.LoadCodecOp: _load_codec, V.LoadCooOp: _load_coo, V.QKDecodeInstrOp: _qk_decode,
    V.DenseSddmmOp: _dense_sddmm, V.CooSddmmOp: _coo_sddmm, V.RowSoftmaxOp: _row_softmax,
    V.DenseSpmmOp: _dense_spmm, V.CooSpmmOp: _coo_spmm, V.SoftmaxMergeInstrOp: _softmax_merge,
}

_COSTS = {
    V.LoadTokensOp: _cost_load_tokens, V.StoreTokensOp: _cost_store_tokens,
    V.LoadCodecOp: _cost_load_codec, V.LoadCooOp: _cost_load_coo,
    V.QKDecodeInstrOp: _cost_decode, V.DenseSddmmOp: _cost_dense_sddmm,
    V.CooSddmmOp: _cost_coo_sddmm, V.RowSoftmaxOp: _cost_row_softmax,
    V.DenseSpmmOp: _cost_dense_spmm, V.CooSpmmOp: _cost_coo_spmm,
    V.SoftmaxMergeInstrOp: _cost_merge,
}


# -- ViTCoD's cycle breakdown --------------------------------------------------------

PRELOAD_KINDS = ("load_tokens", "load_codec")
"""What ViTCoD's simulator counts as preload: Q, K, V and decoder weights."""


def vitcod_breakdown(module) -> dict[str, int]:
    """Cycles of the compiled ViTCoD kernels of ``module`` by component, in
    the simulator's terms (``Hardware/Simulator/ViTCoD.py``), from the
    instructions' latencies on their target and their instance counts:

    * ``preload``: DRAM loads of Q, K, V and the decoder weights;
    * ``index``: loads of the polarisation's index data (the simulator
      leaves these out);
    * ``decoder``: the CODEC unit's decoding;
    * ``compute``: per lane, the longer engine's SDDMM plus the longer
      engine's SpMM;
    * ``softmax``: the row softmax and the merge on the vector unit, and
      ``store``: output stores (neither counted by the simulator);
    * ``total``: ``max(preload, decoder + compute)``, the simulator's total.
    """
    from attn_ir.backends.hwmodel.lanes import lane_runs
    from attn_ir.backends.hwmodel.program import build_program
    from attn_ir.backends.hwmodel.timing import simulate

    out = dict.fromkeys(("preload", "index", "decoder", "compute", "softmax", "store"), 0)
    for kernel in module.walk():
        if not isinstance(kernel, A.KernelOp) or kernel.lane_heads is None:
            continue
        program = build_program(kernel)
        counts = simulate(program, lane_runs(kernel)).instances
        phase: dict[str, int] = {}
        for instr in program.all:
            kind, n = instr.op.latency_kind, counts[instr.op]
            cycles = instr.latency * n
            if kind in PRELOAD_KINDS:
                out["preload"] += cycles
            elif kind == "load_coo":
                out["index"] += cycles
            elif kind == "qk_decode":
                out["decoder"] += cycles
            elif kind in ("row_softmax", "softmax_merge"):
                out["softmax"] += cycles
            elif kind == "store_tokens":
                out["store"] += cycles
            else:
                phase[kind] = phase.get(kind, 0) + cycles
        out["compute"] += (max(phase.get("dense_sddmm", 0), phase.get("coo_sddmm", 0))
                           + max(phase.get("dense_spmm", 0), phase.get("coo_spmm", 0)))
    out["total"] = max(out["preload"], out["decoder"] + out["compute"])
    return out


EXTENSION = HardwareExtension(instruction_handlers=_HANDLERS, instruction_costs=_COSTS)
