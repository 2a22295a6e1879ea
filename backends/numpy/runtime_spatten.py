"""Runtime of emitted modules: SpAtten's cascade pruning and progressive
quantisation (Wang, Zhang, Han, HPCA 2021), restating ``attn_ir.reference.spatten``.

The NumPy emitter copies everything below the ``EMITTED BELOW`` marker into
each module that uses SpAtten's ops, so this code imports only NumPy.

``_sp_progressive`` computes one layer per batch entry, vectorised over the
listed heads: it gathers the listed key rows (the MSB plane, and the LSB
plane only for heads with a requantised row), scores query rows in chunks
of ``_SP_ROW_CHUNK`` against the listed keys only, softmaxes in float64 (so
its pruning and requantisation decisions are the oracle's), recomputes the
rows whose largest probability is below the threshold with MSB + LSB, keeps
the ``value_keep`` most probable keys' values per row, and returns the
output, the column sums and the requantised rows.
"""

import numpy as np

from attn_ir.backends.numpy.runtime_common import InputError

# --- EMITTED BELOW ---

_SP_ROW_CHUNK = 256
"""Query rows scored at once per batch entry."""


def _sp_quantize(x, msb_bits, lsb_bits):
    """(MSB plane, LSB plane, scale) of x [B, H, N, D]: a symmetric code of
    msb_bits + lsb_bits bits per (batch, head)."""
    x = np.asarray(x, np.float64)
    limit = 2 ** (msb_bits + lsb_bits - 1) - 1
    peak = np.abs(x).max(axis=(2, 3)) if x.size else np.zeros(x.shape[:2])
    scale = np.where(peak > 0, peak / limit, 1.0).astype(np.float32)
    code = np.clip(np.rint(x / scale.astype(np.float64)[:, :, None, None]), -limit, limit)
    code = code.astype(np.int64)
    msb = code >> lsb_bits
    return msb, code - (msb << lsb_bits), scale


def _sp_dequantize(msb, lsb, scale, lsb_bits):
    """Values of planes [..., N, D] with one scale per leading index."""
    code = np.asarray(msb, np.int64) << lsb_bits
    if lsb is not None:
        code = code + lsb
    elif lsb_bits > 0:
        code = code + (1 << (lsb_bits - 1))
    return code * np.asarray(scale, np.float64)[..., None, None]


def _sp_token_range(batch, start, count):
    return np.broadcast_to(np.arange(start, start + count, dtype=np.int64),
                           (batch, count)).copy()


def _sp_topk(scores, k):
    """Positions of the k largest of each row, ascending; ties to the lower
    position, NaN last."""
    scores = np.asarray(scores, np.float64)
    key = np.where(np.isnan(scores), np.inf, -scores)
    return np.sort(np.argsort(key, axis=-1, kind="stable")[..., :k], axis=-1).astype(np.int64)


def _sp_index_shape(index, ndim, dim):
    shape = [1] * ndim
    shape[0], shape[dim] = index.shape
    return index.reshape(shape)


def _sp_checked_index(index, n, what):
    index = np.asarray(index, np.int64)
    if index.size and (index.min() < 0 or index.max() >= n):
        raise InputError(f"{what}: indices must lie in 0 .. {n - 1}, got "
                         f"{index.min()} .. {index.max()}")
    return index


def _sp_gather(x, index, dim):
    x = np.asarray(x)
    index = _sp_checked_index(index, x.shape[dim], "attn.gather")
    full = _sp_index_shape(index, x.ndim, dim)
    full = np.broadcast_to(full, (*x.shape[:dim], index.shape[1], *x.shape[dim + 1:]))
    return np.take_along_axis(x, full, axis=dim)


def _sp_scatter(src, index, dim, into, size):
    src = np.asarray(src)
    if into is None:
        shape = list(src.shape)
        shape[dim] = size
        out = np.zeros(shape, src.dtype)
    else:
        out = np.array(into, copy=True)
    index = _sp_checked_index(index, out.shape[dim], "attn.scatter")
    full = np.broadcast_to(_sp_index_shape(index, src.ndim, dim), src.shape)
    np.put_along_axis(out, full, src.astype(out.dtype), axis=dim)
    return out


def _sp_softmax(scores, allowed):
    s = np.where(allowed, scores, -np.inf)
    peak = s.max(axis=-1, initial=-np.inf, keepdims=True)
    e = np.where(allowed, np.exp(s - np.where(np.isneginf(peak), 0.0, peak)), 0.0)
    total = e.sum(axis=-1, keepdims=True)
    return np.where(total > 0, e / np.where(total > 0, total, 1.0), 0.0)


def _sp_progressive(q, k_msb, k_lsb, k_scale, v_msb, v_scale, q_rows, k_rows, q_pos, k_pos,
                    heads, attends, *, gather_heads, head_dependent, scale, lsb_bits,
                    threshold, value_keep, out_dtype, parallel_map=None):
    """One SpAtten layer (see the module docstring).  With ``q_rows`` and
    ``k_rows`` None the operands are compacted already; ``heads`` lists the
    original heads (gathered from the operands when ``gather_heads``)."""
    batch = q.shape[0]
    hk = heads.shape[1] if heads is not None else q.shape[1]
    nq = q_pos.shape[1]
    nk = k_pos.shape[1]
    keep_v = nk if value_keep is None else min(nk, max(1, int(np.floor(value_keep * nk + 1e-9))))
    out = np.zeros((batch, hk, nq, v_msb.shape[3]), out_dtype)
    colsum = np.zeros((batch, hk, nk))
    requant = np.zeros((batch, hk, nq), bool)

    def one(b):
        listed = heads[b] if heads is not None else np.arange(hk)
        select = listed if gather_heads else slice(None)
        qs = q[b, select]
        km, kl, vm = k_msb[b, select], k_lsb[b, select], v_msb[b, select]
        if q_rows is not None:
            qs = qs[:, q_rows[b]]
        if k_rows is not None:
            km, kl, vm = km[:, k_rows[b]], kl[:, k_rows[b]], vm[:, k_rows[b]]
        ks, vs = k_scale[b, select], v_scale[b, select]
        coarse = _sp_dequantize(km, None, ks, lsb_bits)
        values = _sp_dequantize(vm, None, vs, lsb_bits)
        fine = None
        qs = np.asarray(qs, np.float64)
        for r0 in range(0, nq, _SP_ROW_CHUNK):
            r1 = min(nq, r0 + _SP_ROW_CHUNK)
            i, j = q_pos[b, r0:r1, None], k_pos[b, None, :]
            if head_dependent:
                allowed = np.stack([np.broadcast_to(attends(i, j, int(h), None), (r1 - r0, nk))
                                    for h in listed])
            else:
                allowed = np.broadcast_to(attends(i, j, 0, None), (hk, r1 - r0, nk))
            p = _sp_softmax(qs[:, r0:r1] @ coarse.transpose(0, 2, 1) * scale, allowed)
            flag = (allowed.any(axis=-1) & (p.max(axis=-1, initial=0.0) < threshold)
                    & (lsb_bits > 0))
            if flag.any():
                if fine is None:
                    fine = _sp_dequantize(km, kl, ks, lsb_bits)
                hs = np.flatnonzero(flag.any(axis=1))
                redo = _sp_softmax(qs[hs, r0:r1] @ fine[hs].transpose(0, 2, 1) * scale,
                                   allowed[hs])
                p[hs] = np.where(flag[hs][..., None], redo, p[hs])
            requant[b, :, r0:r1] = flag
            colsum[b] += p.sum(axis=1)
            if keep_v < nk:
                chosen = _sp_topk(p, keep_v)
                kept = np.zeros_like(p)
                np.put_along_axis(kept, chosen, np.take_along_axis(p, chosen, axis=-1), axis=-1)
                p = kept
            out[b, :, r0:r1] = p @ values

    for _ in (parallel_map or map)(one, range(batch)):
        pass
    return out, colsum, requant


def _sp_token_importance(colsum, k_pos, tokens, into):
    out = np.zeros((colsum.shape[0], tokens)) if into is None else np.array(into, np.float64)
    per_key = np.asarray(colsum, np.float64).sum(axis=1)
    for b in range(out.shape[0]):
        np.add.at(out[b], k_pos[b], per_key[b])
    return out


def _sp_head_importance(o, heads, num_heads, into):
    out = np.zeros((o.shape[0], num_heads)) if into is None else np.array(into, np.float64)
    magnitude = np.abs(np.asarray(o, np.float64)).sum(axis=(2, 3))
    for b in range(out.shape[0]):
        np.add.at(out[b], heads[b], magnitude[b])
    return out
