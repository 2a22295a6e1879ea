"""The reference oracle: plain masked softmax attention in NumPy.

Every level and backend of attn_ir is compared against ``attention``.  It is
the definition, written as directly as possible:

    out[b, h, i] = sum_j p[i, j] v[b, h, j],
    p[i, :] = softmax_j(scale * q[b, h, i] . k[b, h, j]) over the j that
              the pattern lets i attend (``pattern.attends``),

computed in float64.  A row that attends no key is 0 (not NaN); NaN inputs
propagate.  Rows are processed in chunks, and for each chunk only the key
columns of the pattern's candidate tiles are gathered, so a window pattern at
N = 16384 with 12 heads stays far below 2 GiB.  ``prune_columns=False``
evaluates every column (used by tests to show the pruning changes nothing).
"""

from __future__ import annotations

import numpy as np

from attn_ir.patterns import Domain, Pattern, PatternError

ROW_CHUNK = 256
"""Query rows per chunk."""

COLUMN_TILE = 64
"""Key tile used to find the columns a row chunk may attend."""


def _as_pattern(pattern: Pattern | str) -> Pattern:
    if isinstance(pattern, str):
        from attn_ir.dialects.attn import parse_pattern

        return parse_pattern(pattern)
    return pattern


def attention(
    q: np.ndarray,
    k: np.ndarray,
    v: np.ndarray,
    pattern: Pattern | str,
    mask: np.ndarray | None = None,
    scale: float | None = None,
    *,
    dtype: np.dtype | type | None = None,
    prune_columns: bool = True,
) -> np.ndarray:
    """Masked softmax attention of q [B,H,Nq,D], k [B,H,Nk,D], v [B,H,Nk,Dv]
    under ``pattern`` (a pattern object or its IR text), with an optional
    boolean mask [B|1, H|1, Nq, Nk] for ``#attn.mask``.  Returns [B,H,Nq,Dv]
    in ``dtype`` (default: q's dtype)."""
    pattern = _as_pattern(pattern)
    q, k, v = np.asarray(q), np.asarray(k), np.asarray(v)
    if q.ndim != 4 or k.ndim != 4 or v.ndim != 4:
        raise ValueError("q, k and v must be rank-4 arrays [B, H, N, D]")
    b, h, nq, d = q.shape
    nk = k.shape[2]
    if k.shape[:2] != (b, h) or v.shape[:3] != (b, h, nk) or k.shape[3] != d:
        raise ValueError(f"shapes disagree: q {q.shape}, k {k.shape}, v {v.shape}")
    if pattern.uses_mask:
        if mask is None:
            raise PatternError("the pattern uses #attn.mask but no mask was given")
        mask = np.broadcast_to(np.asarray(mask, bool), (b, h, nq, nk))
    pattern.validate(nq, nk, h)
    scale = 1.0 / np.sqrt(d) if scale is None else scale
    out = np.zeros((b, h, nq, v.shape[3]), np.float64)
    for hh in range(h):
        chunks = _row_chunks(pattern, nq, nk, hh, prune_columns and not pattern.uses_mask)
        for bb in range(b):
            dom = Domain(nq, nk, hh, None if mask is None else mask[bb, hh])
            qs = q[bb, hh].astype(np.float64)
            ks = k[bb, hh].astype(np.float64)
            vs = v[bb, hh].astype(np.float64)
            for r0, r1, cols in chunks:
                rows = np.arange(r0, r1)
                out[bb, hh, r0:r1] = _rows(qs[r0:r1], ks[cols], vs[cols],
                                           pattern.attends(rows[:, None], cols[None, :], dom),
                                           scale)
    return out.astype(q.dtype if dtype is None else dtype)


def _row_chunks(pattern: Pattern, nq: int, nk: int, head: int, prune: bool):
    """(first row, end row, key columns) for each chunk of query rows."""
    all_cols = np.arange(nk)
    if not prune:
        return [(r0, min(nq, r0 + ROW_CHUNK), all_cols) for r0 in range(0, nq, ROW_CHUNK)]
    qt, kt = pattern.candidate_tiles(Domain(nq, nk, head), ROW_CHUNK, COLUMN_TILE)
    ptr = np.searchsorted(qt, np.arange(-(-nq // ROW_CHUNK) + 1))
    offs = np.arange(COLUMN_TILE)
    chunks = []
    for c in range(len(ptr) - 1):
        tiles = np.unique(kt[ptr[c] : ptr[c + 1]])
        cols = (tiles[:, None] * COLUMN_TILE + offs[None, :]).ravel()
        chunks.append((c * ROW_CHUNK, min(nq, (c + 1) * ROW_CHUNK), cols[cols < nk]))
    return chunks


def weighted_values(p: np.ndarray, v: np.ndarray) -> np.ndarray:
    """``p @ v`` (p [..., rows, keys], v [..., keys, Dv]) where a non-finite
    value reaches only the rows that weigh its key (p != 0), as in the
    definition: a plain matmul would spread it through 0 * NaN to every row.
    Engines that multiply whole tiles use this; it costs one finiteness
    check unless some value is non-finite."""
    bad = ~np.isfinite(v)
    if not bad.any():
        return p @ v
    out = p @ np.where(bad, 0, v)
    *lead, j = np.nonzero(bad.any(axis=-1))
    for n in range(len(j)):
        at = tuple(int(x[n]) for x in lead)
        weighs = p[at][:, j[n]] != 0
        out[at][weighs] += np.where(bad[at][j[n]], v[at][j[n]], 0)
    return out


def _rows(q: np.ndarray, k: np.ndarray, v: np.ndarray, allowed: np.ndarray,
          scale: float) -> np.ndarray:
    """Softmax attention of a block of query rows over the given key columns."""
    scores = np.where(allowed, (q @ k.T) * scale, -np.inf)
    row_max = scores.max(axis=1, initial=-np.inf, keepdims=True)
    # Fully masked rows have max -inf; shift them by 0 so they give exp(-inf) = 0.
    shift = np.where(np.isneginf(row_max), 0.0, row_max)
    p = np.where(allowed, np.exp(scores - shift), 0.0)
    total = p.sum(axis=1, keepdims=True)
    bad_v = ~np.isfinite(v).all(axis=1)
    if bad_v.any():
        # Non-finite values reach exactly the rows that attend them (a masked
        # key's value must not leak in through 0 * inf or 0 * NaN).
        num = p @ np.where(bad_v[:, None], 0.0, v)
        hit = (allowed & bad_v[None, :])
        with np.errstate(invalid="ignore"):  # 0 * inf in rows that attend none
            num = num + np.where(hit.any(axis=1, keepdims=True),
                                 (p * hit) @ np.where(bad_v[:, None], v, 0.0), 0.0)
    else:
        num = p @ v
    empty = total == 0
    return np.where(empty, 0.0, num / np.where(empty, 1.0, total))
