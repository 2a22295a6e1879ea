"""Runtime of emitted modules: polarised attention (ViTCoD, You et al., HPCA
2023) and its Q/K auto-encoder.

The NumPy emitter copies everything below the ``EMITTED BELOW`` marker into
each module that uses these ops (``attn_ir.backends.numpy.vitcod``), so
this code imports only NumPy.  It restates the definitions of
``attn_ir.reference.vitcod`` and ``attn_ir.reference.vitcod_autoencoder`` (tests check
that they agree):

* ``_pz_permute_keys``: each head's keys in its polarised order (a gather);
* ``_pz_dense_partial``: every query against the first ``G`` reordered keys
  (the dense columns, ``G`` the most of any head), masked by the dense
  part's ``[H, Nq, G]`` mask; output and log-sum-exp;
* ``_pz_coo_partial``: the sparse part's pairs, per head a COO list sorted
  by query: one score per pair (SDDMM), segment max and sum per query
  (``reduceat``), and the weighted sum of the pairs' values (SpMM).  No
  ``Nq x Nk`` array is formed;
* ``_pz_softmax_merge``: the online-softmax merge of two partial results;
* ``_pz_head_mix``: the auto-encoder's linear map over the head axis.
"""

import numpy as np

# --- EMITTED BELOW ---


def _pz_permute_keys(x, order):
    """x [B, H, Nk, D] with head h's keys in the order order[h]."""
    return np.take_along_axis(x, order[None, :, :, None].astype(np.intp), axis=2)


def _pz_finish(num, total, shift, out_dtype):
    """Normalised output and log-sum-exp of rows with numerator ``num``, sum
    ``total`` and max ``shift`` (0 output, -inf lse for empty rows)."""
    empty = total == 0
    out = np.where(empty[..., None], 0.0, num / np.where(empty, 1.0, total)[..., None])
    with np.errstate(divide="ignore"):
        lse = np.where(empty, -np.inf, shift + np.log(np.where(empty, 1.0, total)))
    return out.astype(out_dtype), lse.astype(out_dtype)


def _pz_dense_partial(q, kp, vp, dense_mask, *, scale, state_dtype, out_dtype):
    """The dense part: scores against the first G reordered keys, masked."""
    g = dense_mask.shape[2]
    b, h, nq, _ = q.shape
    if g == 0:
        return (np.zeros((b, h, nq, vp.shape[3]), out_dtype),
                np.full((b, h, nq), -np.inf, out_dtype))
    s = np.einsum("bhid,bhjd->bhij", q.astype(state_dtype),
                  kp[:, :, :g].astype(state_dtype)) * state_dtype(scale)
    s = np.where(dense_mask[None], s, -np.inf)
    m = s.max(axis=-1, initial=-np.inf)
    shift = np.where(np.isneginf(m), 0.0, m).astype(state_dtype)
    p = np.where(dense_mask[None], np.exp(s - shift[..., None]), 0.0).astype(state_dtype)
    num = np.einsum("bhij,bhjd->bhid", p, vp[:, :, :g].astype(state_dtype))
    return _pz_finish(num, p.sum(axis=-1), shift, out_dtype)


def _pz_coo_partial(q, kp, vp, ptr, rows, cols, *, scale, state_dtype, out_dtype):
    """The sparse part: head h's pairs are rows[ptr[h]:ptr[h+1]] (queries,
    ascending) and cols[...] (positions in the reordered keys)."""
    b, h, nq, _ = q.shape
    dv = vp.shape[3]
    num = np.zeros((b, h, nq, dv), state_dtype)
    total = np.zeros((b, h, nq), state_dtype)
    shift = np.zeros((b, h, nq), state_dtype)
    for head in range(h):
        r = rows[ptr[head]:ptr[head + 1]]
        c = cols[ptr[head]:ptr[head + 1]]
        if len(r) == 0:
            continue
        s = np.einsum("bzd,bzd->bz", q[:, head, r].astype(state_dtype),
                      kp[:, head, c].astype(state_dtype)) * state_dtype(scale)
        starts = np.concatenate(([0], np.flatnonzero(r[1:] != r[:-1]) + 1))
        queries = r[starts]
        m = np.maximum.reduceat(s, starts, axis=1)
        p = np.exp(s - np.repeat(m, np.diff(np.append(starts, len(r))), axis=1))
        shift[:, head, queries] = m
        total[:, head, queries] = np.add.reduceat(p, starts, axis=1)
        num[:, head, queries] = np.add.reduceat(
            p[..., None] * vp[:, head, c].astype(state_dtype), starts, axis=1)
    return _pz_finish(num, total, shift, out_dtype)


def _pz_softmax_merge(o1, l1, o2, l2, *, out_dtype):
    """Online-softmax merge of two (output, log-sum-exp) partial results."""
    m = np.maximum(l1, l2)
    shift = np.where(np.isneginf(m), 0.0, m)
    w1, w2 = np.exp(l1 - shift), np.exp(l2 - shift)
    return _pz_finish(w1[..., None] * o1 + w2[..., None] * o2, w1 + w2, shift, out_dtype)


def _pz_head_mix(x, weight, bias, *, out_dtype):
    """y[b, i] = sum_j weight[i, j] x[b, j] + bias[i] over the head axis."""
    y = np.einsum("ij,bjnd->bind", weight.astype(out_dtype), x.astype(out_dtype))
    return (y + bias.astype(out_dtype)[None, :, None, None]).astype(out_dtype)
