"""Runtime of emitted modules: the Einsums of the attention cascade
(``cascade`` dialect), for debugging a pipeline at the decomposed and fused
levels.

Copied (below the ``EMITTED BELOW`` marker) into each emitted module with
cascade ops.  These levels hold whole [B, H, Nq, Nk] score tensors by
their nature (each op is one Einsum over all keys), so they are for small
shapes; the tiled level is the fast path.  Semantics follow
``attn_ir.dialects.cascade``: masked scores are -inf, exp(-inf - x) is 0,
a division by a zero sum gives 0.
"""

import numpy as np

# --- EMITTED BELOW ---


def _cascade_qk(q, k, mask, attends, scale, dtype, split=None):
    """QK = scale * q k^T where the pattern attends, -inf elsewhere;
    [B,H,Nq,Nk], or [B,H,Nq,M1,M0] with the keys split in chunks of M0
    (keys past Nk are -inf)."""
    b, h, nq, _ = q.shape
    nk = k.shape[2]
    width = nk if split is None else -(-nk // split) * split
    cols = np.arange(width)
    scores = np.einsum("bhid,bhjd->bhij", q.astype(dtype), k.astype(dtype)) * dtype(scale)
    out = np.full((b, h, nq, width), -np.inf, dtype)
    rows = np.arange(nq)[:, None]
    key = np.minimum(cols, nk - 1)[None, :]
    masks = None if mask is None else np.asarray(mask, bool)
    for bb in range(b):
        for hh in range(h):
            data = None if masks is None else masks[bb % masks.shape[0], hh % masks.shape[1]]
            allowed = attends(rows, key, hh, data) & (cols < nk)[None, :]
            out[bb, hh, :, :nk] = np.where(allowed[:, :nk], scores[bb, hh], -np.inf)
    if split is not None:
        out = out.reshape(b, h, nq, width // split, split)
    return out


def _exp_shifted(x, shift):
    """exp(x - shift) with exp(-inf - anything) = 0 (no NaN for empty rows)."""
    with np.errstate(invalid="ignore"):
        return np.where(np.isneginf(x), 0, np.exp(x - shift)).astype(x.dtype)


def _divide(numerator, denominator):
    """numerator / denominator, 0 where the denominator is 0."""
    empty = denominator == 0
    return np.where(empty, 0, numerator / np.where(empty, 1, denominator)).astype(
        numerator.dtype)


def _weighted_values(p, v):
    """``p @ v`` where a non-finite value reaches only the rows that weigh
    its key (restates ``attn_ir.reference.weighted_values``)."""
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


def _cascade_av(p, v):
    """AV = P V over the keys; split P [B,H,Nq,M1,M0] gives [B,H,Nq,M1,Dv]."""
    v = v.astype(p.dtype)
    if p.ndim == 4:
        return _weighted_values(p, v)
    m1, m0 = p.shape[3], p.shape[4]
    padded = np.zeros((v.shape[0], v.shape[1], m1 * m0, v.shape[3]), p.dtype)
    padded[:, :, : v.shape[2]] = v
    chunks = padded.reshape(v.shape[0], v.shape[1], m1, m0, v.shape[3])
    # [B,H,Nq,M1,M0] x [B,H,M1,M0,Dv] -> [B,H,Nq,M1,Dv], chunk by chunk.
    return _weighted_values(p.transpose(0, 1, 3, 2, 4), chunks).transpose(0, 1, 3, 2, 4)


def _rescale(running_max):
    """PRM[m1] = exp(RM[m1-1] - RM[m1]), 0 while RM[m1-1] is -inf."""
    previous = np.concatenate(
        [np.full_like(running_max[..., :1], -np.inf), running_max[..., :-1]], axis=-1)
    return _exp_shifted(previous, running_max)


def _running_sum(local, factor):
    """RD = RD * PRM[m1] + SLD[m1] over m1, from 0."""
    acc = np.zeros(local.shape[:-1], local.dtype)
    for c in range(local.shape[-1]):
        acc = acc * factor[..., c] + local[..., c]
    return acc


def _running_av(local, factor):
    """RNV = RNV * PRM[m1] + SLNV[m1] over m1, from 0."""
    acc = np.zeros(local.shape[:3] + local.shape[4:], local.dtype)
    for c in range(local.shape[3]):
        acc = acc * factor[..., c, None] + local[:, :, :, c]
    return acc
