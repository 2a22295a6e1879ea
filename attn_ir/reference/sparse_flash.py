"""Sparse Flash Attention: the definitions every level and backend shares.

Pagliardini, Paliotta, Jaggi, Fleuret, "Faster Causal Attention Over Large
Sequences Through Sparse Flash Attention" (arXiv:2306.01160, 2023) extend
FlashAttention to two kinds of dynamic sparsity, both causal with respect to
the tokens' *original* positions:

* **QK-dropping**: per (batch, head), some queries and keys are dropped.
  The kept ones are compacted (``gather_tokens``), each with its original
  index; query i attends key j when both are kept and j <= i.  A dropped
  query's output is 0.  The paper drops at random for its runtime study
  (``keep_random``) and learns which to drop in its models.
* **Hash-based attention** (Reformer-like): queries and keys are hashed into
  buckets by an angular LSH (``hash_buckets``: ``argmax([x R, -x R])`` for
  a random matrix R of ``buckets / 2`` unit columns per head, seeded), sorted
  by bucket with a stable sort (``sort_by_bucket``, which keeps the original
  index of every token), and query i attends key j when j <= i and both fell
  in the same bucket.

After compaction or sorting, ``indexed_attention`` computes attention over
the compacted sequences with their original indices (``positions``, -1 for
padding: a padded slot attends nothing and is attended by nothing) and
optional bucket ids.  Its kernels visit key tiles in order with an online
softmax and test each (query tile, key tile) pair at run time from the
tiles' index and bucket ranges (``tile_classes``): skipped when the keys'
smallest original index exceeds the queries' largest, or the bucket ranges
do not overlap; full when every pair attends (no mask work); partial
otherwise (the paper's Triton kernels, Section 3 and Figure 2).

``qk_drop_attention``, ``hash_attention`` and ``indexed_attention`` are the
reference oracles: a dense masked softmax in float64, chunked over query
rows (``attn_ir.reference``'s row kernel), stated directly on original
positions, so they do not depend on compaction or sorting.  Everything
else here is index arithmetic: no Nq x Nk array is formed.
"""

from __future__ import annotations

import numpy as np

from attn_ir import reference
from attn_ir.diagnostics import InputError

SKIPPED, PARTIAL, FULL = 0, 1, 2
"""Run-time classes of a (query tile, key tile) pair (``tile_classes``)."""

ROW_CHUNK = 256
"""Query rows per chunk of the reference oracles."""


# -- the ops' definitions ----------------------------------------------------------


def lsh_rotations(seed: int, heads: int, dim: int, buckets: int) -> np.ndarray:
    """The random rotations of ``hash_buckets``: [heads, dim, buckets / 2]
    float64, head h drawn as ``default_rng([seed, h]).standard_normal((dim,
    buckets // 2))`` with every column scaled to unit length (the paper's
    hashing, after Reformer's angular LSH; one rotation per head)."""
    if buckets < 2 or buckets % 2:
        raise ValueError(f"the number of buckets must be even and at least 2, got {buckets}")
    out = np.empty((heads, dim, buckets // 2), np.float64)
    for h in range(heads):
        r = np.random.default_rng([seed, h]).standard_normal((dim, buckets // 2))
        out[h] = r / np.linalg.norm(r, axis=0, keepdims=True)
    return out


def hash_buckets(x: np.ndarray, buckets: int, seed: int) -> np.ndarray:
    """Bucket id [B, H, N] (int32, 0 .. buckets - 1) of every token of
    x [B, H, N, D]: ``argmax([x R_h, -x R_h])`` with ``R_h`` head h's
    ``lsh_rotations``, in float64; ties go to the lower id.  Queries and
    keys hashed with the same seed share the rotations."""
    x = np.asarray(x)
    b, h, n, d = x.shape
    rot = lsh_rotations(seed, h, d, buckets)
    proj = np.empty((b, h, n, buckets // 2))
    for bb in range(b):
        for hh in range(h):
            np.matmul(x[bb, hh].astype(np.float64), rot[hh], out=proj[bb, hh])
    # argmax over [proj, -proj] (first maximum), without the concatenation.
    up, down = proj.argmax(-1), proj.argmin(-1)
    top = np.take_along_axis(proj, up[..., None], -1)[..., 0]
    bottom = np.take_along_axis(proj, down[..., None], -1)[..., 0]
    return np.where(top >= -bottom, up, down + proj.shape[-1]).astype(np.int32)


def keep_random(batch: int, heads: int, length: int, keep: int, seed: int) -> np.ndarray:
    """[B, H, keep] int32: for each (batch b, head h), ``keep`` distinct
    token indices of ``0 .. length - 1`` drawn uniformly by
    ``default_rng([seed, b, h]).choice(length, keep, replace=False)``, in
    ascending order (the compaction is stable, as the paper's causal test
    on original indices assumes for its tile skipping)."""
    if not 0 <= keep <= length:
        raise ValueError(f"cannot keep {keep} of {length} tokens")
    out = np.empty((batch, heads, keep), np.int32)
    for b in range(batch):
        for h in range(heads):
            chosen = np.random.default_rng([seed, b, h]).choice(length, keep, replace=False)
            out[b, h] = np.sort(chosen)
    return out


def sort_by_bucket(bucket: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(order, sorted buckets), both [B, H, N] int32: ``order`` lists the
    original indices of the tokens sorted by bucket with a stable sort (so
    within a bucket they stay in original order), ``sorted`` their buckets."""
    bucket = np.asarray(bucket)
    order = np.argsort(bucket, axis=-1, kind="stable")
    return order.astype(np.int32), np.take_along_axis(bucket, order, -1).astype(np.int32)


def _check_index(index: np.ndarray, n: int, what: str) -> np.ndarray:
    index = np.asarray(index).astype(np.int64)
    if index.size and (index.min() < -1 or index.max() >= n):
        raise InputError(f"{what}: token indices must lie in -1 .. {n - 1} (-1 is padding), "
                         f"got {index.min()} .. {index.max()}")
    return index


def gather_tokens(x: np.ndarray, index: np.ndarray) -> np.ndarray:
    """Compaction: out[b, h, m] = x[b, h, index[b, h, m]], zeros where the
    index is -1 (padding).  x [B, H, N, D], index [B, H, M] → [B, H, M, D]."""
    x = np.asarray(x)
    index = _check_index(index, x.shape[2], "gather_tokens")
    out = np.take_along_axis(x, np.maximum(index, 0)[..., None], axis=2)
    out[index < 0] = 0
    return out


def scatter_tokens(y: np.ndarray, index: np.ndarray, n: int) -> np.ndarray:
    """The inverse of a compaction: out [B, H, n, D] with out[b, h,
    index[b, h, m]] = y[b, h, m] for index >= 0 and 0 in every row no index
    names.  Indices other than -1 must be distinct."""
    y = np.asarray(y)
    index = _check_index(index, n, "scatter_tokens")
    b, h, m, d = y.shape
    out = np.zeros((b, h, n + 1, d), y.dtype)
    # Padding goes to an extra row, dropped at the end.
    np.put_along_axis(out, np.where(index < 0, n, index)[..., None], y, axis=2)
    return out[:, :, :n]


# -- the run-time tile test --------------------------------------------------------


def _tile_bounds(values: np.ndarray, valid: np.ndarray, present: np.ndarray,
                 block: int):
    """Per tile of ``block`` slots along the last axis: (smallest and
    largest value over valid slots, any valid, all present slots valid)."""
    *lead, n = values.shape
    tiles = -(-n // block)
    pad = tiles * block - n

    def shaped(a, fill):
        return np.concatenate([a, np.full((*lead, pad), fill, a.dtype)], -1).reshape(
            *lead, tiles, block) if pad else a.reshape(*lead, tiles, block)

    v = shaped(values.astype(np.int64), 0)
    ok = shaped(valid, False)
    here = shaped(present, False)
    big = np.iinfo(np.int64).max
    low = np.where(ok, v, big).min(-1)
    high = np.where(ok, v, -big).max(-1)
    return low, high, ok.any(-1), (ok | ~here).all(-1)


def tile_classes(q_pos: np.ndarray, k_pos: np.ndarray, q_bucket: np.ndarray | None,
                 k_bucket: np.ndarray | None, block_q: int, block_k: int) -> np.ndarray:
    """Run-time class of every (query tile, key tile) pair: int8
    [..., ceil(Mq / block_q), ceil(Mk / block_k)] of ``SKIPPED``,
    ``PARTIAL`` or ``FULL``, from each tile's range of original indices
    (valid slots only: -1 is padding) and of bucket ids.

    Skipped: no valid query or key, the keys' smallest index exceeds the
    queries' largest (causality), or the bucket ranges do not overlap.
    Full: every slot valid, the keys' largest index at most the queries'
    smallest, and (with buckets) all of them in one bucket.  Partial
    otherwise.  A skipped pair has no attending pair; a full one has only
    attending pairs (Sparse Flash Attention's kernels, Section 3)."""
    q_pos, k_pos = np.asarray(q_pos), np.asarray(k_pos)
    q_valid, k_valid = q_pos >= 0, k_pos >= 0
    q_here = np.ones(q_pos.shape, bool)
    k_here = np.ones(k_pos.shape, bool)
    q_lo, q_hi, q_any, q_all = _tile_bounds(q_pos, q_valid, q_here, block_q)
    k_lo, k_hi, k_any, k_all = _tile_bounds(k_pos, k_valid, k_here, block_k)
    q_lo, q_hi, q_any, q_all = (a[..., :, None] for a in (q_lo, q_hi, q_any, q_all))
    k_lo, k_hi, k_any, k_all = (a[..., None, :] for a in (k_lo, k_hi, k_any, k_all))
    skip = ~q_any | ~k_any | (k_lo > q_hi)
    full = q_all & k_all & (k_hi <= q_lo)
    if q_bucket is not None:
        qb_lo, qb_hi, _, _ = _tile_bounds(np.asarray(q_bucket), q_valid, q_here, block_q)
        kb_lo, kb_hi, _, _ = _tile_bounds(np.asarray(k_bucket), k_valid, k_here, block_k)
        qb_lo, qb_hi = qb_lo[..., :, None], qb_hi[..., :, None]
        kb_lo, kb_hi = kb_lo[..., None, :], kb_hi[..., None, :]
        skip |= (kb_lo > qb_hi) | (kb_hi < qb_lo)
        full &= (qb_lo == qb_hi) & (kb_lo == kb_hi) & (qb_lo == kb_lo)
    out = np.full(skip.shape, PARTIAL, np.int8)
    out[full & ~skip] = FULL
    out[skip] = SKIPPED
    return out


def attends(q_pos: np.ndarray, k_pos: np.ndarray, q_bucket=None, k_bucket=None) -> np.ndarray:
    """Whether each query attends each key: broadcastable arrays of
    original indices (and bucket ids).  Valid (>= 0) on both sides, key at
    or before the query, same bucket."""
    ok = (q_pos >= 0) & (k_pos >= 0) & (k_pos <= q_pos)
    if q_bucket is not None:
        ok &= q_bucket == k_bucket
    return ok


def attended_pairs(q_pos: np.ndarray, k_pos: np.ndarray, q_bucket=None,
                   k_bucket=None) -> np.ndarray:
    """Number of attending pairs per (batch, head) [B, H], counted per
    query with a binary search over the keys sorted by (bucket, index):
    no Nq x Nk array."""
    q_pos, k_pos = np.asarray(q_pos, np.int64), np.asarray(k_pos, np.int64)
    lead = q_pos.shape[:-1]
    out = np.zeros(lead, np.int64)
    qb = np.zeros_like(q_pos) if q_bucket is None else np.asarray(q_bucket, np.int64)
    kb = np.zeros_like(k_pos) if k_bucket is None else np.asarray(k_bucket, np.int64)
    span = max(int(q_pos.max(initial=0)), int(k_pos.max(initial=0))) + 2
    for idx in np.ndindex(*lead):
        kv = k_pos[idx] >= 0
        keys = np.sort(kb[idx][kv] * span + k_pos[idx][kv])
        qv = q_pos[idx] >= 0
        base = qb[idx][qv] * span
        out[idx] = int((np.searchsorted(keys, base + q_pos[idx][qv], "right")
                        - np.searchsorted(keys, base, "left")).sum())
    return out


# -- reference oracles ------------------------------------------------------------


def _default_scale(d: int, scale: float | None) -> float:
    return 1.0 / np.sqrt(d) if scale is None else float(scale)


def _masked_rows(q, k, v, allowed_rows, scale, out_dtype, causal_rows: bool):
    """out[b, h] = softmax attention with ``allowed_rows(b, h, r0, r1, cols)``
    giving the [r1 - r0, len(cols)] pairs that attend; with ``causal_rows``
    only keys below r1 are candidates (the definitions are causal)."""
    b, h, nq, d = q.shape
    nk = k.shape[2]
    out = np.zeros((b, h, nq, v.shape[3]), np.float64)
    for bb in range(b):
        for hh in range(h):
            qs = q[bb, hh].astype(np.float64)
            ks = k[bb, hh].astype(np.float64)
            vs = v[bb, hh].astype(np.float64)
            for r0 in range(0, nq, ROW_CHUNK):
                r1 = min(nq, r0 + ROW_CHUNK)
                cols = np.arange(min(nk, r1) if causal_rows else nk)
                out[bb, hh, r0:r1] = reference._rows(
                    qs[r0:r1], ks[cols], vs[cols], allowed_rows(bb, hh, r0, r1, cols), scale)
    return out.astype(out_dtype)


def qk_drop_attention(q, k, v, q_keep, k_keep, scale: float | None = None, *,
                      dtype=None) -> np.ndarray:
    """QK-dropping attention (the paper's Section 3.1) of q [B, H, Nq, D],
    k [B, H, Nk, D], v [B, H, Nk, Dv] with the kept queries q_keep
    [B, H, Mq] and keys k_keep [B, H, Mk] (original indices; -1 entries are
    padding): query i attends key j when i is kept, j is kept and j <= i.
    Rows of dropped queries, and kept queries with no kept key at or before
    them, are 0.  Returns [B, H, Nq, Dv] in ``dtype`` (default q's)."""
    q, k, v = np.asarray(q), np.asarray(k), np.asarray(v)
    b, h, nq, d = q.shape
    nk = k.shape[2]
    q_keep = _check_index(q_keep, nq, "qk_drop_attention q_keep")
    k_keep = _check_index(k_keep, nk, "qk_drop_attention k_keep")
    q_kept = np.zeros((b, h, nq + 1), bool)
    k_kept = np.zeros((b, h, nk + 1), bool)
    np.put_along_axis(q_kept, np.where(q_keep < 0, nq, q_keep), True, -1)
    np.put_along_axis(k_kept, np.where(k_keep < 0, nk, k_keep), True, -1)

    def allowed(bb, hh, r0, r1, cols):
        rows = np.arange(r0, r1)
        return (q_kept[bb, hh, r0:r1, None] & k_kept[bb, hh, cols][None, :]
                & (cols[None, :] <= rows[:, None]))

    return _masked_rows(q, k, v, allowed, _default_scale(d, scale),
                        q.dtype if dtype is None else dtype, True)


def hash_attention(q, k, v, buckets: int, seed: int, scale: float | None = None, *,
                   dtype=None) -> np.ndarray:
    """Hash-based attention (the paper's Section 3.2): query i attends key
    j when j <= i and ``hash_buckets`` puts them in the same bucket (queries
    and keys hashed with the same rotations).  Returns [B, H, Nq, Dv]."""
    q, k, v = np.asarray(q), np.asarray(k), np.asarray(v)
    qb = hash_buckets(q, buckets, seed)
    kb = hash_buckets(k, buckets, seed)

    def allowed(bb, hh, r0, r1, cols):
        rows = np.arange(r0, r1)
        return ((cols[None, :] <= rows[:, None])
                & (qb[bb, hh, r0:r1, None] == kb[bb, hh, cols][None, :]))

    return _masked_rows(q, k, v, allowed, _default_scale(q.shape[3], scale),
                        q.dtype if dtype is None else dtype, True)


def indexed_attention(q, k, v, q_pos, k_pos, q_bucket=None, k_bucket=None,
                      scale: float | None = None, *, dtype=None) -> np.ndarray:
    """Attention over compacted or bucket-sorted sequences, causal on the
    original positions: q [B, H, Mq, D] with q_pos [B, H, Mq], k [B, H, Mk,
    D] and v [B, H, Mk, Dv] with k_pos [B, H, Mk] (-1: padding), optional
    bucket ids [B, H, Mq] and [B, H, Mk].  Slot a attends slot c when both
    positions are valid, k_pos[c] <= q_pos[a] and (with buckets) the
    buckets are equal (``attends``).  Returns [B, H, Mq, Dv], in the
    compacted order; rows that attend nothing are 0."""
    q, k, v = np.asarray(q), np.asarray(k), np.asarray(v)
    q_pos, k_pos = np.asarray(q_pos), np.asarray(k_pos)
    if (q_bucket is None) != (k_bucket is None):
        raise ValueError("indexed_attention needs bucket ids for both queries and keys, "
                         "or for neither")

    def allowed(bb, hh, r0, r1, cols):
        qb = None if q_bucket is None else np.asarray(q_bucket)[bb, hh, r0:r1, None]
        kb = None if k_bucket is None else np.asarray(k_bucket)[bb, hh, cols][None, :]
        return attends(q_pos[bb, hh, r0:r1, None], k_pos[bb, hh, cols][None, :], qb, kb)

    return _masked_rows(q, k, v, allowed, _default_scale(q.shape[3], scale),
                        q.dtype if dtype is None else dtype, False)
